package data_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/tiles"
)

// TestTileStore renders a street drawn counter-clockwise in WGS-84 (as GeoJSON has it): the tile decodes with
// its properties, the exterior ring is clockwise in tile coordinates, and a tile elsewhere is empty.
func TestTileStore(t *testing.T) {
	tx := pgtest.Tx(t)
	ctx := context.Background()
	_, err := tx.Exec(ctx, `DELETE FROM units WHERE level = 'street' AND code = '999999001'`)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, `INSERT INTO units (code, level, name, parent_code, geom, area_m2) VALUES ('999999001', 'street',
		'测试街道', '999999', ST_Multi(ST_GeomFromText('POLYGON((150.01 -40.01, 150.02 -40.01, 150.02 -40.0, 150.01 -40.0, 150.01 -40.01))', 4326)), 1)`)
	require.NoError(t, err)
	store := data.NewTileStore(tx)
	tile := maptile.At(orb.Point{150.015, -40.005}, 14)
	b, err := store.LayerTile(ctx, "streets", tile)
	require.NoError(t, err)
	layers, err := mvt.Unmarshal(b)
	require.NoError(t, err)
	require.Len(t, layers, 1)
	assert.Equal(t, "streets", layers[0].Name)
	require.Len(t, layers[0].Features, 1)
	f := layers[0].Features[0]
	assert.Equal(t, "999999001", f.Properties["code"])
	assert.Equal(t, "测试街道", f.Properties["name"])
	assert.Equal(t, "street", f.Properties["level"])
	assert.Equal(t, "999999", f.Properties["parent_code"])
	poly, ok := f.Geometry.(orb.Polygon)
	require.True(t, ok, "%T", f.Geometry)
	assert.Greater(t, tiles.ShoelaceArea(poly[0]), 0.0)

	b, err = store.LayerTile(ctx, "streets", maptile.At(orb.Point{-150, 40}, 14))
	require.NoError(t, err)
	assert.Nil(t, b)
	_, err = store.LayerTile(ctx, "hotspots", tile)
	assert.Error(t, err)
	for _, layer := range []string{"communities", "grids", "buildings", "discuss_points", "roads", "reports"} {
		_, err := store.LayerTile(ctx, layer, tile)
		assert.NoError(t, err, layer)
	}
	ext, err := store.Extent(ctx)
	require.NoError(t, err)
	assert.True(t, ext.Contains(orb.Point{150.015, -40.005}))
	_, err = store.HotspotCases(ctx)
	assert.NoError(t, err)
}
