package data_test

import (
	"context"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/dispatch"
	"gridgov/geo"
)

func TestUnitStore(t *testing.T) {
	tx := pgtest.Tx(t)
	town(t, tx)
	mustImport(t, tx, geo.LevelDiscussPoint, collection(feat{"DPTEST02", "测试说事长廊", tGridE,
		`{"type":"Point","coordinates":[118.415,36.61]}`, `"schedule":"每周三 19:00"`}))
	mustImport(t, tx, geo.LevelRoad, collection(feat{"RTEST03", "测试街", "",
		`{"type":"LineString","coordinates":[[118.41,36.60],[118.41,36.62]]}`, ""}))
	store := data.NewUnitStore(tx)
	ctx := context.Background()

	// Paging through the test town's grids in code order.
	bbox := orb.Bound{Min: orb.Point{118.40, 36.60}, Max: orb.Point{118.42, 36.62}}
	page, err := store.Units(ctx, geo.UnitFilter{Level: geo.LevelGrid, BBox: &bbox, Limit: 1, After: "370781999"})
	require.NoError(t, err)
	require.Len(t, page.Units, 1)
	assert.Equal(t, tGridW, page.Units[0].Code)
	assert.Equal(t, tGridW, page.Next)
	page, err = store.Units(ctx, geo.UnitFilter{Level: geo.LevelGrid, BBox: &bbox, Limit: 1, After: page.Next})
	require.NoError(t, err)
	require.Len(t, page.Units, 1)
	assert.Equal(t, tGridE, page.Units[0].Code)

	// A bbox east of the dividing line finds only the east grid (and not the west one it touches).
	east := orb.Bound{Min: orb.Point{118.415, 36.605}, Max: orb.Point{118.416, 36.606}}
	page, err = store.Units(ctx, geo.UnitFilter{Level: geo.LevelGrid, BBox: &east, Limit: 10})
	require.NoError(t, err)
	require.Len(t, page.Units, 1)
	assert.Equal(t, tGridE, page.Units[0].Code)
	assert.Empty(t, page.Next)
	assert.IsType(t, orb.MultiPolygon{}, page.Units[0].Geometry)

	// Points and roads come from their own tables with their own attributes.
	page, err = store.Units(ctx, geo.UnitFilter{Level: geo.LevelDiscussPoint, BBox: &bbox, Limit: 10})
	require.NoError(t, err)
	require.Len(t, page.Units, 1)
	assert.Equal(t, "每周三 19:00", page.Units[0].Props["schedule"])
	assert.Equal(t, tGridE, page.Units[0].ParentCode)
	u, err := store.Unit(ctx, "RTEST03")
	require.NoError(t, err)
	assert.Equal(t, geo.LevelRoad, u.Level)
	assert.Equal(t, "branch", u.Props["class"])
	assert.IsType(t, orb.LineString{}, u.Geometry)

	u, err = store.Unit(ctx, tCommunity)
	require.NoError(t, err)
	assert.Equal(t, "测试社区", u.Name)
	assert.Equal(t, tStreet, u.ParentCode)

	_, err = store.Unit(ctx, "nope")
	assert.ErrorIs(t, err, dispatch.ErrNotFound)
}
