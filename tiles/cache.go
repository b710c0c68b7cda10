package tiles

import (
	"container/list"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// Key names a cached tile: the layer, the tile and, for hotspots, the filter and the resolution drawn (from
// zoom 15 staff and public tiles differ: Filter.Res).
type Key struct {
	Layer  string
	Tile   maptile.Tile
	Filter string
	Res    int
}

// Entry is a rendered tile: the MVT bytes (nil for an empty tile), their gzip form and the ETag.
type Entry struct {
	Data []byte
	Gzip []byte
	ETag string
}

func (e *Entry) size() int64 { return int64(len(e.Data)+len(e.Gzip)+len(e.ETag)) + 160 }

type cached struct {
	key   Key
	entry *Entry
}

// Cache keeps rendered tiles in memory up to a number of bytes, dropping the least recently used. Each layer
// has a generation that every drop bumps: a tile rendered from data read before a drop is not stored after it.
type Cache struct {
	mu    sync.Mutex
	max   int64
	size  int64
	ll    *list.List // front: most recently used
	items map[Key]*list.Element
	gens  map[string]uint64
	hits  int64
	miss  int64
}

// NewCache returns a cache of at most maxBytes.
func NewCache(maxBytes int64) *Cache {
	return &Cache{max: maxBytes, ll: list.New(), items: map[Key]*list.Element{}, gens: map[string]uint64{}}
}

// Get returns the cached tile.
func (c *Cache) Get(k Key) (*Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[k]
	if !ok {
		c.miss++
		return nil, false
	}
	c.hits++
	c.ll.MoveToFront(el)
	return el.Value.(*cached).entry, true
}

// Gen is the layer's generation; read it before rendering and pass it to Put.
func (c *Cache) Gen(layer string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gens[layer]
}

// Put stores a tile rendered at generation gen of its layer, unless the layer was dropped since.
func (c *Cache) Put(k Key, gen uint64, e *Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gens[k.Layer] != gen || e.size() > c.max {
		return
	}
	if el, ok := c.items[k]; ok {
		c.removeElement(el)
	}
	c.items[k] = c.ll.PushFront(&cached{key: k, entry: e})
	c.size += e.size()
	for c.size > c.max {
		c.removeElement(c.ll.Back())
	}
}

func (c *Cache) removeElement(el *list.Element) {
	it := el.Value.(*cached)
	c.ll.Remove(el)
	delete(c.items, it.key)
	c.size -= it.entry.size()
}

// DropLayers removes every tile of the layers.
func (c *Cache) DropLayers(layers ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	drop := map[string]bool{}
	for _, l := range layers {
		drop[l] = true
		c.gens[l]++
	}
	for el := c.ll.Front(); el != nil; {
		next := el.Next()
		if drop[el.Value.(*cached).key.Layer] {
			c.removeElement(el)
		}
		el = next
	}
}

// DropCovering removes the layer's tiles whose area (with the buffer) contains p.
func (c *Cache) DropCovering(layer string, p orb.Point) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gens[layer]++
	for el := c.ll.Front(); el != nil; {
		next := el.Next()
		if k := el.Value.(*cached).key; k.Layer == layer && TileBound(k.Tile).Contains(p) {
			c.removeElement(el)
		}
		el = next
	}
}

// Stats are the cache's size in bytes and tiles and its hits and misses so far.
func (c *Cache) Stats() (bytes int64, tiles int, hits, misses int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size, len(c.items), c.hits, c.miss
}
