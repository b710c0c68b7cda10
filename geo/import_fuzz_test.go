package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// FuzzImportFeatures fuzzes ParseFeatures as `gridgov import` uses it (data.ImportFile stages every accepted
// unit's code, name and parent_code as text, its properties as jsonb and its geometry as WKB in one COPY). Every
// feature is either accepted or rejected with its index; an accepted unit is something PostgreSQL will store —
// UTF-8 text without NUL, properties whose JSON jsonb accepts (no \u0000, numbers numeric can hold), a geometry
// that encodes as WKB — so a file fails feature by feature, never as a whole at the COPY; and the accepted units
// survive MarshalFeatureCollection and ParseFeatures unchanged (what `gridgov demo --export` writes, import reads).
func FuzzImportFeatures(f *testing.F) {
	feature := func(props, geom string) string {
		return `{"type":"Feature","properties":` + props + `,"geometry":` + geom + `}`
	}
	fc := func(features ...string) []byte {
		return []byte(`{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`)
	}
	sq := `{"type":"Polygon","coordinates":[[[118.4,36.6],[118.41,36.6],[118.41,36.61],[118.4,36.61],[118.4,36.6]]]}`
	open := `{"type":"Polygon","coordinates":[[[118.4,36.6],[118.41,36.6],[118.41,36.61]]]}`
	for _, s := range []struct {
		raw   []byte
		level string
	}{
		{fc(feature(`{"code":"370781001","name":"王府街道","parent_code":"370781","area_km2":3.2}`, sq)), "street"},
		{fc(feature(`{"code":370781001024,"name":"宝鼎社区","parent_code":"370781001"}`, open)), "community"},
		{fc(feature(`{"code":"370781001024001","name":"第一网格","chief":{"name":"王五","phone":"138"}}`, sq),
			feature(`{"code":"370781001024001","name":"重复"}`, sq)), "grid"},
		{fc(feature(`{"code":"370781001024001001","name":"宝鼎三号院","tags":["老旧小区",1,true,null]}`,
			`{"type":"MultiPolygon","coordinates":[`+strings.TrimPrefix(strings.TrimSuffix(sq, "}"), `{"type":"Polygon","coordinates":`)+`]}`)), "building"},
		{fc(feature(`{"code":"DP370781001024001-01","name":"议事点","parent_code":"370781001024001"}`,
			`{"type":"Point","coordinates":[118.405,36.605,12.5]}`)), "discuss_point"},
		{fc(feature(`{"code":"R1","name":"范公亭路","class":"secondary","oneway":false}`,
			`{"type":"MultiLineString","coordinates":[[[118.4,36.6],[118.41,36.6]]]}`)), "road"},
		{fc(feature(`{"code":"370781001","name":"王府\u0000街道"}`, sq)), "street"},
		{fc(feature(`{"code":"370781001","name":"王府街道","note":"a\u0000b"}`, sq)), "street"},
		{fc(feature(`{"code":"370781001","name":"王府街道","a\u0000":1}`, sq)), "street"},
		{fc(feature(`{"code":"370781001","name":"王府街道","big":1e999999}`, sq)), "street"},
		{fc(feature(`{"code":"370781001","name":"王府街道","tiny":1e-20000}`, sq)), "street"},
		{fc(feature(`{"code":"DP1","name":"议事点","parent_code":"x\u0000"}`, `{"type":"Point","coordinates":[118.4,36.6]}`)), "discuss_point"},
		{fc(feature(`{"code":"370781001","name":"王府街道"}`, `{"type":"Polygon","coordinates":[[[118.4,NaN],[1,1],[2,2]]]}`)), "street"},
		{fc(feature(`{"code":"370781001","name":"\ud800"}`, sq)), "street"},
		{[]byte("\xef\xbb\xbf" + string(fc(feature(`{"code":"370781001","name":"x"}`, sq)))), "street"},
		{append(fc(feature(`{"code":"370781001","name":"x"}`, sq)), fc(feature(`{"code":"370781002","name":"y"}`, sq))...), "street"},
	} {
		f.Add(s.raw, s.level)
	}
	f.Fuzz(func(t *testing.T, raw []byte, levelName string) {
		level, err := ParseLevel(levelName)
		if err != nil {
			level = LevelStreet
		}
		units, idx, _, rejected, err := ParseFeatures(raw, level)
		if err != nil {
			return
		}
		// Every feature is accepted or rejected, once, by its index.
		var all struct{ Features []json.RawMessage }
		if err := json.Unmarshal(quoteNonFinite(raw), &all); err != nil {
			t.Fatalf("ParseFeatures accepted a file encoding/json cannot read: %v", err)
		}
		seen := map[int]bool{}
		for _, i := range idx {
			seen[i] = true
		}
		for _, p := range rejected {
			if seen[p.Index] || p.Message == "" {
				t.Fatalf("feature %d accepted and rejected, or rejected without a reason: %v", p.Index, p)
			}
			seen[p.Index] = true
		}
		if len(idx) != len(units) || len(seen) != len(all.Features) {
			t.Fatalf("%d features: %d accepted (%d indexes), %d rejected", len(all.Features), len(units), len(idx), len(rejected))
		}
		for _, u := range units {
			for _, s := range []string{u.Code, u.Name, u.ParentCode} {
				if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
					t.Fatalf("accepted text %q that PostgreSQL cannot store", s)
				}
			}
			if u.ParentCode != "" && (level == LevelDiscussPoint && !digits.MatchString(u.ParentCode) ||
				level != LevelDiscussPoint && level != LevelStreet && CheckCode(level, u.Code, u.ParentCode) != nil) {
				t.Fatalf("accepted %s %s with parent_code %q", level, u.Code, u.ParentCode)
			}
			props, err := json.Marshal(u.Props)
			if err != nil || bytes.Contains(props, []byte(`\u0000`)) {
				t.Fatalf("properties %s of %s cannot be stored as jsonb: %v", props, u.Code, err)
			}
			checkNumbers(t, u.Props)
			if _, err := wkb.Marshal(u.Geometry); err != nil {
				t.Fatalf("geometry of %s: %v", u.Code, err)
			}
		}
		if len(units) == 0 {
			return
		}
		// What we write, we read back unchanged.
		out, err := MarshalFeatureCollection(units)
		if err != nil {
			t.Fatal(err)
		}
		again, _, _, rej, err := ParseFeatures(out, level)
		if err != nil || len(rej) > 0 || len(again) != len(units) {
			t.Fatalf("re-reading %d units: %d units, rejected %v, %v", len(units), len(again), rej, err)
		}
		for i, u := range units {
			v := again[i]
			if v.Code != u.Code || v.Name != u.Name || v.ParentCode != u.ParentCode || !orb.Equal(v.Geometry, u.Geometry) {
				t.Fatalf("unit %d changed: %+v became %+v", i, u, v)
			}
		}
	})
}

// checkNumbers fails on a property number PostgreSQL's numeric cannot hold: ParseFeatures keeps only numbers that
// are finite float64 values, not underflowed to zero, of at most 100 characters.
func checkNumbers(t *testing.T, v any) {
	t.Helper()
	switch x := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		mantissa, _, _ := strings.Cut(strings.ToLower(string(x)), "e")
		if err != nil || len(x) > 100 || f == 0 && strings.ContainsAny(mantissa, "123456789") {
			t.Fatalf("accepted the number %.40s", x)
		}
	case []any:
		for _, e := range x {
			checkNumbers(t, e)
		}
	case map[string]any:
		for _, e := range x {
			checkNumbers(t, e)
		}
	}
}

// TestParseFeaturesUnstorable: what FuzzImportFeatures found — text with NUL and numbers numeric cannot hold passed
// the parser and then failed the whole import at the COPY, with PostgreSQL's message and no feature index. They
// are rejected feature by feature now.
func TestParseFeaturesUnstorable(t *testing.T) {
	good := `{"type":"Feature","properties":{"code":"370781001024001001","name":"好院"},"geometry":{"type":"Point","coordinates":[1,1]}}`
	sq := `{"type":"Polygon","coordinates":[[[118.4,36.6],[118.41,36.6],[118.41,36.61],[118.4,36.6]]]}`
	for _, tc := range []struct{ props, level, message string }{
		{`"code":"370781001","name":"王府\u0000街道"`, "street", "control character"},
		{`"code":"370781001","name":"王府\n街道"`, "street", "control character"},
		{`"code":"370781001","name":"王府街道","note":"a\u0000b"`, "street", "property note: the text contains NUL"},
		{`"code":"370781001","name":"王府街道","a\u0000":1`, "street", "the name contains NUL"},
		{`"code":"370781001","name":"王府街道","x":{"y":["\u0000"]}`, "street", "property x: the text contains NUL"},
		{`"code":"370781001","name":"王府街道","big":1e999999`, "street", "property big: the number 1e999999 is out of range"},
		{`"code":"370781001","name":"王府街道","tiny":-0.0000e-20000`, "street", ""},
		{`"code":"370781001","name":"王府街道","tiny":1e-20000`, "street", "out of range"},
		{`"code":"370781001","name":"王府街道","long":1` + strings.Repeat("0", 100), "street", "out of range"},
		{`"code":"DP1","name":"议事点","parent_code":"x\u0000"`, "discuss_point", "host grid's or community's code"},
		{`"code":"DP1","name":"议事点","parent_code":"370781001024001"`, "discuss_point", ""},
	} {
		t.Run(tc.message, func(t *testing.T) {
			level, err := ParseLevel(tc.level)
			if err != nil {
				t.Fatal(err)
			}
			geom := sq
			if level == LevelDiscussPoint {
				geom = `{"type":"Point","coordinates":[118.4,36.6]}`
			}
			raw := []byte(`{"type":"FeatureCollection","features":[` + good + `,{"type":"Feature","properties":{` +
				tc.props + `},"geometry":` + geom + `}]}`)
			_, idx, _, rejected, err := ParseFeatures(raw, level)
			if err != nil {
				t.Fatal(err)
			}
			if tc.message == "" {
				if len(idx) == 0 || idx[len(idx)-1] != 1 {
					t.Fatalf("want feature 1 accepted, rejected %v", rejected)
				}
				return
			}
			last := rejected[len(rejected)-1]
			if last.Index != 1 || !strings.Contains(last.Message, tc.message) {
				t.Fatalf("want feature 1 rejected for %q, got %v", tc.message, rejected)
			}
		})
	}
}

// TestParseFeaturesTrailingData: what FuzzImportFeatures found — a second FeatureCollection (two exports
// concatenated) or any other data after the first was silently dropped; the file is refused now.
func TestParseFeaturesTrailingData(t *testing.T) {
	one := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"370781001","name":"x"},` +
		`"geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2],[1,1]]]}}]}`
	for _, raw := range []string{one + one, one + "]", one + " x", one + "\n{}"} {
		_, _, _, _, err := ParseFeatures([]byte(raw), LevelStreet)
		if !errors.Is(err, ErrNotGeoJSON) || !strings.Contains(err.Error(), "data after the FeatureCollection") {
			t.Errorf("%.40q…: %v", raw[len(one):], err)
		}
	}
	if _, _, _, _, err := ParseFeatures([]byte(one+"\n\t "), LevelStreet); err != nil {
		t.Errorf("trailing white space: %v", err)
	}
}
