package tiles

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridgov/dispatch"
)

// Store renders the layers that live in PostGIS (the unit layers and reports) as uncompressed MVT; an empty tile
// is empty or nil.
type Store interface {
	LayerTile(ctx context.Context, layer string, t maptile.Tile) ([]byte, error)
}

// Service answers tiles: from the cache, else rendered by the store or the hotspot index and then cached.
type Service struct {
	store   Store
	hot     *Hotspots
	cache   *Cache
	bounds  atomic.Pointer[orb.Bound]
	observe atomic.Pointer[func(layer string, cached bool, d time.Duration)]
}

// NewService serves the layers over the store, the hotspot index and the cache.
func NewService(store Store, hot *Hotspots, cache *Cache) *Service {
	return &Service{store: store, hot: hot, cache: cache}
}

// Observe has fn told of every tile that Tile answers: its layer, whether it came from the cache, and how long it
// took (for metrics).
func (s *Service) Observe(fn func(layer string, cached bool, d time.Duration)) { s.observe.Store(&fn) }

func (s *Service) observed(layer string, cached bool, start time.Time) {
	if fn := s.observe.Load(); fn != nil {
		(*fn)(layer, cached, time.Since(start))
	}
}

// Hotspots is the hotspot index.
func (s *Service) Hotspots() *Hotspots { return s.hot }

// Cache is the tile cache.
func (s *Service) Cache() *Cache { return s.cache }

// SetBounds records the city's extent, for TileJSON.
func (s *Service) SetBounds(b orb.Bound) { s.bounds.Store(&b) }

// Bounds is the city's extent (empty before SetBounds).
func (s *Service) Bounds() orb.Bound {
	if b := s.bounds.Load(); b != nil {
		return *b
	}
	return orb.Bound{}
}

// ErrUnknownLayer is returned for a layer that does not exist.
var ErrUnknownLayer = &dispatch.FieldError{Field: "layer", Code: "invalid_argument",
	Message: "layer must be one of streets, communities, grids, buildings, discuss_points, roads, reports, hotspots"}

// Tile returns tile t of the layer (filter f applies to hotspots only; without f.Fine they are drawn at most at
// PublicMaxRes). A tile outside the layer's zoom range is empty.
func (s *Service) Tile(ctx context.Context, layer string, t maptile.Tile, f Filter) (*Entry, error) {
	l, ok := LayerNamed(layer)
	if !ok {
		return nil, ErrUnknownLayer
	}
	start := time.Now()
	k := Key{Layer: layer, Tile: t}
	if layer == HotspotLayer {
		k.Filter, k.Res = f.Key(), f.Res(int(t.Z))
	}
	if e, ok := s.cache.Get(k); ok {
		s.observed(layer, true, start)
		return e, nil
	}
	gen := s.cache.Gen(layer)
	data, err := s.Render(ctx, l, t, f)
	if err != nil {
		return nil, err
	}
	e := NewEntry(data)
	s.cache.Put(k, gen, e)
	s.observed(layer, false, start)
	return e, nil
}

// Render draws a tile without the cache.
func (s *Service) Render(ctx context.Context, l Layer, t maptile.Tile, f Filter) ([]byte, error) {
	if int(t.Z) < l.MinZoom || int(t.Z) > l.MaxZoom {
		return nil, nil
	}
	if l.Source == FromMemory {
		return s.hot.Tile(t, f)
	}
	return s.store.LayerTile(ctx, l.Name, t)
}

// NewEntry wraps tile bytes with their gzip form and a strong ETag (a digest of the bytes).
func NewEntry(data []byte) *Entry {
	if len(data) == 0 {
		return &Entry{ETag: `"empty"`}
	}
	sum := sha256.Sum256(data)
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = zw.Write(data)
	_ = zw.Close()
	return &Entry{Data: data, Gzip: buf.Bytes(), ETag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}
