package tiles

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTile(t *testing.T) {
	tile, err := ParseTile("12", "3395", "1600")
	require.NoError(t, err)
	assert.Equal(t, maptile.New(3395, 1600, 12), tile)
	for _, c := range [][3]string{{"40", "0", "0"}, {"25", "0", "0"}, {"-1", "0", "0"}, {"2", "4", "0"}, {"2", "0", "4"},
		{"0", "1", "0"}, {"10", "../x", "1"}, {"10", "1", "../x"}, {"", "1", "1"}, {"1e3", "0", "0"},
		{"10", "99999999999999999999", "0"}, {"10", "+1", "0"}, {"10", "1 ", "0"}} {
		_, err := ParseTile(c[0], c[1], c[2])
		assert.Error(t, err, "%v", c)
	}
}

func TestResForZoom(t *testing.T) {
	prev := 0
	for z := 0; z <= 24; z++ {
		r := ResForZoom(z)
		assert.GreaterOrEqual(t, r, prev)
		assert.True(t, r >= MinRes && r <= 11)
		prev = r
	}
}

func TestCache(t *testing.T) {
	c := NewCache(3 * (NewEntry(make([]byte, 1000)).size()))
	key := func(layer string, x uint32) Key { return Key{Layer: layer, Tile: maptile.New(x, 1600, 12)} }
	for x := uint32(3390); x < 3394; x++ {
		c.Put(key("reports", x), c.Gen("reports"), NewEntry(make([]byte, 1000)))
	}
	_, ok := c.Get(key("reports", 3390))
	assert.False(t, ok, "the least recently used went first")
	_, ok = c.Get(key("reports", 3393))
	assert.True(t, ok)

	// A tile rendered before a drop is not stored after it.
	gen := c.Gen("streets")
	c.DropLayers("streets")
	c.Put(key("streets", 1), gen, NewEntry([]byte{1}))
	_, ok = c.Get(key("streets", 1))
	assert.False(t, ok)

	// Dropping by point removes only the tiles that cover it.
	p := maptile.New(3392, 1600, 12).Center()
	c.DropCovering("reports", p)
	_, ok = c.Get(key("reports", 3392))
	assert.False(t, ok)
	_, ok = c.Get(key("reports", 3393))
	assert.True(t, ok)
	assert.True(t, TileBound(maptile.New(3392, 1600, 12)).Contains(orb.Point(p)))
}

func FuzzParseTile(f *testing.F) {
	for _, s := range [][3]string{{"12", "3395", "1600"}, {"40", "0", "0"}, {"3", "../x", "0"}, {"0", "0", "0"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, z, x, y string) {
		tile, err := ParseTile(z, x, y)
		if err != nil {
			return
		}
		if tile.Z > MaxZoom || uint64(tile.X) >= 1<<tile.Z || uint64(tile.Y) >= 1<<tile.Z {
			t.Fatalf("%q/%q/%q accepted as %v", z, x, y, tile)
		}
	})
}
