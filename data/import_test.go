package data_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/geo"
)

// A small test town on codes no real place uses (county 370781, street 999): one street and one community on
// the square [118.40, 118.42] × [36.60, 36.62], split into a west and an east grid.
const (
	tStreet    = "370781999"
	tCommunity = "370781999001"
	tGridW     = "370781999001001"
	tGridE     = "370781999001002"
)

type feat struct {
	code, name, parent string
	geom               string // GeoJSON geometry, raw
	extra              string // extra properties, raw JSON members without braces
}

func rect(x0, y0, x1, y1 float64) string {
	return fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%v,%v],[%v,%v],[%v,%v],[%v,%v],[%v,%v]]]}`,
		x0, y0, x1, y0, x1, y1, x0, y1, x0, y0)
}

func collection(fs ...feat) []byte {
	parts := make([]string, len(fs))
	for i, f := range fs {
		props := fmt.Sprintf(`"code":%q,"name":%q`, f.code, f.name)
		if f.parent != "" {
			props += fmt.Sprintf(`,"parent_code":%q`, f.parent)
		}
		if f.extra != "" {
			props += "," + f.extra
		}
		parts[i] = fmt.Sprintf(`{"type":"Feature","properties":{%s},"geometry":%s}`, props, f.geom)
	}
	return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(parts, ",") + `]}`)
}

func mustImport(t *testing.T, db data.DB, level geo.Level, raw []byte) *data.ImportReport {
	t.Helper()
	rep, err := data.ImportFile(context.Background(), db, level, raw, nil)
	require.NoError(t, err, "report: %+v", rep)
	return rep
}

// town imports the test street, community and two grids that cover it.
func town(t *testing.T, db data.DB) {
	t.Helper()
	mustImport(t, db, geo.LevelStreet, collection(feat{tStreet, "测试街道", "", rect(118.40, 36.60, 118.42, 36.62), ""}))
	mustImport(t, db, geo.LevelCommunity, collection(feat{tCommunity, "测试社区", tStreet, rect(118.40, 36.60, 118.42, 36.62), ""}))
	rep := mustImport(t, db, geo.LevelGrid, collection(
		feat{tGridW, "测试社区第1网格", tCommunity, rect(118.40, 36.60, 118.41, 36.62), ""},
		feat{tGridE, "测试社区第2网格", tCommunity, rect(118.41, 36.60, 118.42, 36.62), ""},
	))
	require.Empty(t, rep.Topology, "the test town obeys the rules")
}

func count(t *testing.T, db data.DB, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.QueryRow(context.Background(), q, args...).Scan(&n))
	return n
}

func TestImportValid(t *testing.T) {
	tx := pgtest.Tx(t)
	town(t, tx)
	// Buildings without parent_code find their grid spatially.
	rep := mustImport(t, tx, geo.LevelBuilding, collection(
		feat{tGridW + "001", "测试社区1号院", "", rect(118.401, 36.601, 118.402, 36.602), `"floors":6`},
		feat{tGridE + "001", "测试社区2号院", "", rect(118.411, 36.601, 118.412, 36.602), ""},
	))
	assert.Equal(t, 2, rep.Inserted)
	assert.Equal(t, 2, rep.ParentsFound)
	assert.Empty(t, rep.Rejected)
	assert.Empty(t, rep.Topology)
	assert.Positive(t, rep.Cells)

	var parent string
	var area float64
	var props []byte
	require.NoError(t, tx.QueryRow(context.Background(),
		`SELECT parent_code, area_m2, props FROM units WHERE code = $1`, tGridW+"001").Scan(&parent, &area, &props))
	assert.Equal(t, tGridW, parent)
	// 0.001° × 0.001° at 36.6° N is about 89 m × 111 m.
	assert.InDelta(t, 89.4*111.0, area, 200)
	assert.JSONEq(t, `{"floors":6}`, string(props))
	assert.Equal(t, rep.Cells, count(t, tx, `SELECT count(*) FROM unit_cells WHERE unit_code LIKE $1`, tStreet+"%")-
		count(t, tx, `SELECT count(*) FROM unit_cells c JOIN units u ON u.code = c.unit_code
			WHERE u.code LIKE $1 AND u.level <> 'building'`, tStreet+"%"))

	// Re-importing upserts by code.
	rep = mustImport(t, tx, geo.LevelBuilding, collection(
		feat{tGridW + "001", "测试社区1号院(改)", tGridW, rect(118.401, 36.601, 118.403, 36.602), ""}))
	assert.Equal(t, 0, rep.Inserted)
	assert.Equal(t, 1, rep.Updated)
	assert.Equal(t, 2, count(t, tx, `SELECT count(*) FROM units WHERE level = 'building' AND code LIKE $1`, tStreet+"%"))
}

func TestImportRepairsInvalidGeometry(t *testing.T) {
	tx := pgtest.Tx(t)
	town(t, tx)
	// A bow-tie (self-intersecting) ring and an unclosed ring: both repairable.
	bowtie := `{"type":"Polygon","coordinates":[[[118.401,36.601],[118.403,36.603],[118.403,36.601],[118.401,36.603],[118.401,36.601]]]}`
	unclosed := `{"type":"Polygon","coordinates":[[[118.411,36.601],[118.412,36.601],[118.412,36.602],[118.411,36.602]]]}`
	rep := mustImport(t, tx, geo.LevelBuilding, collection(
		feat{tGridW + "001", "蝴蝶院", tGridW, bowtie, ""},
		feat{tGridE + "001", "未闭合院", tGridE, unclosed, ""},
	))
	require.Len(t, rep.Repaired, 2)
	assert.Equal(t, 0, rep.Repaired[0].Index)
	assert.Contains(t, rep.Repaired[0].Message, "Self-intersection")
	assert.Equal(t, 1, rep.Repaired[1].Index)
	assert.Contains(t, rep.Repaired[1].Message, "not closed")
	assert.Equal(t, 2, rep.Inserted)
	var valid bool
	var parts int
	require.NoError(t, tx.QueryRow(context.Background(),
		`SELECT ST_IsValid(geom), ST_NumGeometries(geom) FROM units WHERE code = $1`, tGridW+"001").Scan(&valid, &parts))
	assert.True(t, valid)
	assert.Equal(t, 2, parts, "the bow-tie becomes two triangles")
}

// TestImportRejects covers broken input: each case names the feature and nothing of the file is written.
func TestImportRejects(t *testing.T) {
	good := feat{tGridW + "001", "好院", tGridW, rect(118.401, 36.601, 118.402, 36.602), ""}
	cases := []struct {
		name    string
		raw     []byte
		file    string // expected whole-file problem
		feature int    // expected rejected feature index
		message string
	}{
		{name: "not JSON", raw: []byte("this is not json"), file: "not a GeoJSON FeatureCollection", feature: -1},
		{name: "not a collection", raw: []byte(`{"type":"Feature"}`), file: `type is "Feature"`, feature: -1},
		{name: "empty collection", raw: []byte(`{"type":"FeatureCollection","features":[]}`), file: "no features", feature: -1},
		{name: "two-point polygon", raw: collection(good, feat{tGridW + "002", "坏院", tGridW,
			`{"type":"Polygon","coordinates":[[[118.401,36.601],[118.402,36.602]]]}`, ""}),
			feature: 1, message: "at least 3 distinct positions"},
		{name: "NaN coordinate", raw: collection(good, feat{tGridW + "002", "坏院", tGridW,
			`{"type":"Polygon","coordinates":[[[NaN,36.601],[118.402,36.601],[118.402,36.602],[118.401,36.601]]]}`, ""}),
			feature: 1, message: `"NaN" is not a finite number`},
		{name: "latitude out of range", raw: collection(good, feat{tGridW + "002", "坏院", tGridW,
			rect(118.401, 91, 118.402, 92), ""}), feature: 1, message: "latitude 91 is outside [-90, 90]"},
		{name: "clashing codes", raw: collection(good, good), feature: 1, message: "also used by feature 0"},
		{name: "missing parent", raw: collection(good, feat{"370781999009001001", "孤院", "370781999009001",
			rect(118.401, 36.601, 118.402, 36.602), ""}), feature: 1, message: "parent_code 370781999009001 is not a known grid"},
		{name: "no parent contains it", raw: collection(good, feat{tGridW + "003", "远院", "",
			rect(119.0, 37.0, 119.001, 37.001), ""}), feature: 1, message: "no grid contains the feature's point-on-surface"},
		{name: "code does not extend parent", raw: collection(good, feat{tGridE + "003", "错院", tGridW,
			rect(118.401, 36.601, 118.402, 36.602), ""}), feature: 1, message: "does not extend its parent"},
		{name: "bad code", raw: collection(good, feat{"12ab", "错码院", tGridW, rect(118.401, 36.601, 118.402, 36.602), ""}),
			feature: 1, message: "not a building code"},
		{name: "wrong geometry type", raw: collection(good, feat{tGridW + "004", "点院", tGridW,
			`{"type":"Point","coordinates":[118.401,36.601]}`, ""}), feature: 1, message: `geometry type "Point" is not allowed`},
		{name: "collinear ring cannot be repaired", raw: collection(good, feat{tGridW + "005", "线院", tGridW,
			`{"type":"Polygon","coordinates":[[[118.401,36.601],[118.402,36.602],[118.403,36.603],[118.401,36.601]]]}`, ""}),
			feature: 1, message: "unrepairable geometry"},
		{name: "missing name", raw: collection(good, feat{tGridW + "006", "", tGridW, rect(118.401, 36.601, 118.402, 36.602), ""}),
			feature: 1, message: "name is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tx := pgtest.Tx(t)
			town(t, tx)
			before := count(t, tx, `SELECT count(*) FROM units`)
			rep, err := data.ImportFile(context.Background(), tx, geo.LevelBuilding, tc.raw, nil)
			require.Error(t, err)
			assert.True(t, rep.RolledBack)
			if tc.file != "" {
				assert.ErrorIs(t, err, geo.ErrNotGeoJSON)
				assert.Contains(t, rep.FileProblem, tc.file)
			} else {
				assert.ErrorIs(t, err, data.ErrRejected)
				require.Len(t, rep.Rejected, 1, "%+v", rep.Rejected)
				assert.Equal(t, tc.feature, rep.Rejected[0].Index)
				assert.Contains(t, rep.Rejected[0].Message, tc.message)
			}
			assert.Equal(t, before, count(t, tx, `SELECT count(*) FROM units`), "nothing is half-imported")
			assert.Zero(t, count(t, tx, `SELECT count(*) FROM unit_cells WHERE unit_code = $1`, tGridW+"001"))
		})
	}
}

func TestImportTopologyReport(t *testing.T) {
	tx := pgtest.Tx(t)
	mustImport(t, tx, geo.LevelStreet, collection(feat{tStreet, "测试街道", "", rect(118.40, 36.60, 118.42, 36.62), ""}))
	mustImport(t, tx, geo.LevelCommunity, collection(feat{tCommunity, "测试社区", tStreet, rect(118.40, 36.60, 118.42, 36.62), ""}))
	// The west grid reaches 0.001° into the east one (a planted overlap), and neither covers the strip
	// [36.615, 36.62] (a planted gap); a third grid pokes out of the community.
	rep := mustImport(t, tx, geo.LevelGrid, collection(
		feat{tGridW, "西网格", tCommunity, rect(118.40, 36.60, 118.411, 36.615), ""},
		feat{tGridE, "东网格", tCommunity, rect(118.41, 36.60, 118.42, 36.615), ""},
		feat{"370781999001003", "越界网格", tCommunity, rect(118.415, 36.6155, 118.425, 36.62), ""},
	))
	byKind := map[string][]data.TopologyProblem{}
	for _, p := range rep.Topology {
		byKind[p.Kind] = append(byKind[p.Kind], p)
	}
	require.Len(t, byKind["overlap"], 1, "%v", rep.Topology)
	assert.Equal(t, tGridW, byKind["overlap"][0].Code)
	assert.Equal(t, tGridE, byKind["overlap"][0].Other)
	// 0.001° × 0.015° ≈ 89.4 m × 1,665 m.
	assert.InDelta(t, 89.4*1665, byKind["overlap"][0].AreaM2, 1500)

	require.Len(t, byKind["gap"], 1)
	assert.Equal(t, tCommunity, byKind["gap"][0].Code)
	assert.Greater(t, byKind["gap"][0].AreaM2, 100_000.0)

	require.Len(t, byKind["outside_parent"], 1)
	assert.Equal(t, "370781999001003", byKind["outside_parent"][0].Code)
	assert.Equal(t, tCommunity, byKind["outside_parent"][0].Other)
}

func TestImportPointsAndRoads(t *testing.T) {
	tx := pgtest.Tx(t)
	town(t, tx)
	rep := mustImport(t, tx, geo.LevelDiscussPoint, collection(feat{"DPTEST01", "测试议事亭", "",
		`{"type":"Point","coordinates":[118.405,36.61]}`, `"schedule":"每月5日 19:30"`}))
	assert.Equal(t, 1, rep.ParentsFound)
	var host, schedule string
	require.NoError(t, tx.QueryRow(context.Background(), `SELECT host_code, schedule FROM discuss_points WHERE code = 'DPTEST01'`).
		Scan(&host, &schedule))
	assert.Equal(t, tGridW, host)
	assert.Equal(t, "每月5日 19:30", schedule)

	mustImport(t, tx, geo.LevelRoad, collection(feat{"RTEST01", "测试路", "",
		`{"type":"LineString","coordinates":[[118.40,36.61],[118.42,36.61]]}`, `"class":"primary"`}))
	var length float64
	var class string
	require.NoError(t, tx.QueryRow(context.Background(), `SELECT length_m, class FROM roads WHERE code = 'RTEST01'`).
		Scan(&length, &class))
	assert.InDelta(t, 1788, length, 10, "0.02° of longitude at 36.61° N")
	assert.Equal(t, "primary", class)

	_, err := data.ImportFile(context.Background(), tx, geo.LevelRoad, collection(feat{"RTEST02", "坏路", "",
		`{"type":"LineString","coordinates":[[118.40,36.61],[118.42,36.61]]}`, `"class":"motorway"`}), nil)
	assert.ErrorIs(t, err, data.ErrRejected)
}

// TestImportNotifies checks that an import tells listening server processes that units changed.
func TestImportNotifies(t *testing.T) {
	pool := pgtest.Pool(t)
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "LISTEN units_changed")
	require.NoError(t, err)

	tx, err := pool.Begin(ctx)
	require.NoError(t, err)
	mustImport(t, tx, geo.LevelStreet, collection(feat{"370781998", "通知测试街道", "", rect(118.60, 36.60, 118.61, 36.61), ""}))
	// Roll back after the notification has been checked: the street must not stay in the test database.
	defer tx.Rollback(ctx) //nolint:errcheck
	_, err = tx.Exec(ctx, `DELETE FROM units WHERE code = '370781998'`)
	require.NoError(t, err)
	require.NoError(t, tx.Commit(ctx))

	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n, err := conn.Conn().WaitForNotification(wctx)
	require.NoError(t, err)
	assert.Equal(t, "units_changed", n.Channel)
	assert.Equal(t, "street", n.Payload)
}
