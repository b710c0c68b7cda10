package geo

import (
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFeaturesRoundTrip(t *testing.T) {
	units := []Unit{
		{Level: LevelGrid, Code: "370781001024001", Name: "马驿山社区第1网格", ParentCode: "370781001024",
			Geometry: orb.MultiPolygon{{{{118.4, 36.6}, {118.41, 36.6}, {118.41, 36.61}, {118.4, 36.6}}}},
			Props:    map[string]any{"households": "312"}},
		{Level: LevelGrid, Code: "370781001024002", Name: "马驿山社区第2网格",
			Geometry: orb.MultiPolygon{{{{118.41, 36.6}, {118.42, 36.6}, {118.42, 36.61}, {118.41, 36.6}}}}},
	}
	raw, err := MarshalFeatureCollection(units)
	require.NoError(t, err)
	got, idx, repaired, rejected, err := ParseFeatures(raw, LevelGrid)
	require.NoError(t, err)
	assert.Empty(t, repaired)
	assert.Empty(t, rejected)
	assert.Equal(t, []int{0, 1}, idx)
	require.Len(t, got, 2)
	for i := range units {
		assert.Equal(t, units[i].Code, got[i].Code)
		assert.Equal(t, units[i].Name, got[i].Name)
		assert.Equal(t, units[i].ParentCode, got[i].ParentCode)
		assert.Equal(t, units[i].Geometry, got[i].Geometry)
	}
	assert.Equal(t, "312", got[0].Props["households"])
}

func TestParseFeaturesProblems(t *testing.T) {
	const head = `{"type":"FeatureCollection","features":[`
	for _, tc := range []struct {
		name, features string
		level          Level
		msg            string
	}{
		{"numeric code accepted", `{"type":"Feature","properties":{"code":370781001,"name":"王府街道"},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}}`, LevelStreet, ""},
		{"code with wrong length", `{"type":"Feature","properties":{"code":"3707810","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}}`, LevelStreet, "not a 9-digit street code"},
		{"Infinity", `{"type":"Feature","properties":{"code":"370781001","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[1,-Infinity],[2,1],[2,2],[1,1]]]}}`, LevelStreet, `"-Infinity" is not a finite number`},
		{"lon out of range", `{"type":"Feature","properties":{"code":"370781001","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[181,1],[2,1],[2,2],[181,1]]]}}`, LevelStreet, "longitude 181 is outside"},
		{"null geometry", `{"type":"Feature","properties":{"code":"370781001","name":"x"},"geometry":null}`, LevelStreet, "geometry is missing"},
		{"string in coordinates", `{"type":"Feature","properties":{"code":"370781001","name":"x"},"geometry":{"type":"Polygon","coordinates":[[["a",1],[2,1],[2,2],[1,1]]]}}`, LevelStreet, `"a" is not a finite number`},
		{"object name", `{"type":"Feature","properties":{"code":"370781001","name":{"zh":"x"}},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}}`, LevelStreet, "name must be a string"},
		{"road with parent", `{"type":"Feature","properties":{"code":"R1","name":"x","parent_code":"370781001"},"geometry":{"type":"LineString","coordinates":[[1,1],[2,1]]}}`, LevelRoad, "roads have no parent_code"},
		{"one-point line", `{"type":"Feature","properties":{"code":"R1","name":"x"},"geometry":{"type":"LineString","coordinates":[[1,1],[1,1]]}}`, LevelRoad, "at least 2 distinct positions"},
		{"street of another county", `{"type":"Feature","properties":{"code":"370781001","name":"x","parent_code":"370702"},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}}`, LevelStreet, "does not extend its county's code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			units, _, _, rejected, err := ParseFeatures([]byte(head+tc.features+`]}`), tc.level)
			require.NoError(t, err)
			if tc.msg == "" {
				assert.Len(t, units, 1)
				assert.Empty(t, rejected)
				return
			}
			require.Len(t, rejected, 1)
			assert.Equal(t, 0, rejected[0].Index)
			assert.Contains(t, rejected[0].Message, tc.msg)
		})
	}
}

func TestParseFeaturesFileErrors(t *testing.T) {
	for _, raw := range []string{"", "[]", "{", `{"type":"FeatureCollection"}`, `{"type":"FeatureCollection","features":{}}`, "\xff\xfe"} {
		_, _, _, _, err := ParseFeatures([]byte(raw), LevelGrid)
		assert.ErrorIs(t, err, ErrNotGeoJSON, "%q", raw)
	}
	_, _, _, _, err := ParseFeatures([]byte("{\n\"type\": \"FeatureCollection\",\n\"features\": [tru]}"), LevelGrid)
	assert.ErrorContains(t, err, "line 3")
}

func TestQuoteNonFinite(t *testing.T) {
	assert.Equal(t, `["NaN","a NaN \" NaN",["-Infinity"]]`, string(quoteNonFinite([]byte(`[NaN,"a NaN \" NaN",[-Infinity]]`))))
}

func TestCheckCode(t *testing.T) {
	for _, tc := range []struct {
		level        Level
		code, parent string
		ok           bool
	}{
		{LevelStreet, "370781001", "", true},
		{LevelCommunity, "370781001024", "370781001", true},
		{LevelCommunity, "370781002024", "370781001", false},
		{LevelGrid, "370781001024001", "370781001024", true},
		{LevelGrid, "37078100102400a", "", false},
		{LevelBuilding, "370781001024001001", "370781001024001", true},
		{LevelBuilding, "370781001024001", "", false},
		{LevelDiscussPoint, "DP370781001024001-01", "", true},
		{LevelRoad, "道路1", "", false},
		{LevelRoad, "", "", false},
	} {
		err := CheckCode(tc.level, tc.code, tc.parent)
		assert.Equal(t, tc.ok, err == nil, "%s %s %s: %v", tc.level, tc.code, tc.parent, err)
	}
}

// FuzzParseFeatures: no input makes the parser panic, and every accepted feature is well formed.
func FuzzParseFeatures(f *testing.F) {
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"370781001","name":"x"},"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}}]}`), "street")
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"R1","name":"x"},"geometry":{"type":"MultiLineString","coordinates":[[[1,1],[2,NaN]]]}}]}`), "road")
	f.Add([]byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"P1","name":"x"},"geometry":{"type":"Point","coordinates":[1,1,4]}}]}`), "discuss_point")
	f.Fuzz(func(t *testing.T, raw []byte, levelName string) {
		level, err := ParseLevel(levelName)
		if err != nil {
			level = LevelBuilding
		}
		units, idx, _, _, err := ParseFeatures(raw, level)
		if err != nil {
			return
		}
		require.Len(t, idx, len(units))
		for _, u := range units {
			require.NoError(t, CheckCode(level, u.Code, ""))
			require.NotEmpty(t, u.Name)
			require.NotNil(t, u.Geometry)
			b := u.Geometry.Bound()
			require.NoError(t, CheckLonLat(b.Min[0], b.Min[1]))
			require.NoError(t, CheckLonLat(b.Max[0], b.Max[1]))
		}
	})
}
