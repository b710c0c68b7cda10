package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Problem is something wrong with one feature of an import: Index is the feature's position in the file (0-based;
// -1 for the file as a whole), Code its code when known.
type Problem struct {
	Index   int    `json:"index"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Index >= 0 {
		fmt.Fprintf(&b, "feature %d", p.Index)
		if p.Code != "" {
			fmt.Fprintf(&b, " (%s)", p.Code)
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Limits on one import file's features.
const (
	MaxFeatures        = 1_000_000
	MaxVerticesPerUnit = 200_000
	MaxNameLen         = 200
)

// ErrNotGeoJSON is returned when the input as a whole cannot be read as a GeoJSON FeatureCollection.
var ErrNotGeoJSON = errors.New("not a GeoJSON FeatureCollection")

// ParseFeatures reads a GeoJSON FeatureCollection of units of one level. It returns the features it accepted (with
// repairs that need no database, such as closing an unclosed ring, listed in repaired) and a problem for every
// feature it rejected. An error means the file as a whole is unusable (not JSON, not a FeatureCollection, empty).
//
// Coordinates are WGS-84 [lon, lat] (a third value is ignored). Bare NaN and Infinity, which some tools write
// although JSON has no such numbers, are reported per feature rather than failing the file.
func ParseFeatures(raw []byte, level Level) (units []Unit, indexes []int, repaired, rejected []Problem, err error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	clean := quoteNonFinite(raw)
	dec := json.NewDecoder(bytes.NewReader(clean))
	dec.UseNumber()
	if err := dec.Decode(&fc); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("%w: %s", ErrNotGeoJSON, jsonError(clean, err))
	}
	if _, err := dec.Token(); err != io.EOF {
		// A second collection, or anything else, after the first would otherwise be dropped unread.
		return nil, nil, nil, nil, fmt.Errorf("%w: data after the FeatureCollection at byte %d", ErrNotGeoJSON, dec.InputOffset())
	}
	if fc.Type != "FeatureCollection" {
		return nil, nil, nil, nil, fmt.Errorf("%w: type is %q", ErrNotGeoJSON, fc.Type)
	}
	if len(fc.Features) == 0 {
		return nil, nil, nil, nil, fmt.Errorf("%w: the FeatureCollection has no features", ErrNotGeoJSON)
	}
	if len(fc.Features) > MaxFeatures {
		return nil, nil, nil, nil, fmt.Errorf("%w: %d features, more than %d", ErrNotGeoJSON, len(fc.Features), MaxFeatures)
	}
	seen := map[string]int{}
	for i, rawF := range fc.Features {
		u, fixes, perr := parseFeature(rawF, level)
		if perr != nil {
			rejected = append(rejected, Problem{Index: i, Code: u.Code, Message: perr.Error()})
			continue
		}
		if first, dup := seen[u.Code]; dup {
			rejected = append(rejected, Problem{Index: i, Code: u.Code,
				Message: fmt.Sprintf("code %s is also used by feature %d", u.Code, first)})
			continue
		}
		seen[u.Code] = i
		for _, f := range fixes {
			repaired = append(repaired, Problem{Index: i, Code: u.Code, Message: f})
		}
		units = append(units, u)
		indexes = append(indexes, i)
	}
	return units, indexes, repaired, rejected, nil
}

func parseFeature(raw json.RawMessage, level Level) (Unit, []string, error) {
	u := Unit{Level: level}
	var f struct {
		Type       string                     `json:"type"`
		Properties map[string]json.RawMessage `json:"properties"`
		Geometry   json.RawMessage            `json:"geometry"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return u, nil, fmt.Errorf("not a GeoJSON Feature: %v", err)
	}
	if f.Type != "Feature" {
		return u, nil, fmt.Errorf("type is %q, want \"Feature\"", f.Type)
	}
	var err error
	if u.Code, err = stringProp(f.Properties, "code"); err != nil {
		return u, nil, err
	}
	if u.Code == "" {
		return u, nil, errors.New("property code is missing")
	}
	if err := CheckCode(level, u.Code, ""); err != nil {
		return u, nil, err
	}
	if u.Name, err = stringProp(f.Properties, "name"); err != nil {
		return u, nil, err
	}
	u.Name = strings.TrimSpace(u.Name)
	if strings.ContainsFunc(u.Name, unicode.IsControl) {
		return u, nil, errors.New("property name contains a control character")
	}
	if u.Name == "" {
		return u, nil, errors.New("property name is missing or empty")
	}
	if len([]rune(u.Name)) > MaxNameLen {
		return u, nil, fmt.Errorf("property name is longer than %d characters", MaxNameLen)
	}
	if u.ParentCode, err = stringProp(f.Properties, "parent_code"); err != nil {
		return u, nil, err
	}
	if u.ParentCode != "" {
		if err := checkParentCode(level, u.Code, u.ParentCode); err != nil {
			return u, nil, err
		}
	}
	u.Props = map[string]any{}
	for k, v := range f.Properties {
		switch k {
		case "code", "name", "parent_code", "level":
			continue
		}
		var val any
		d := json.NewDecoder(bytes.NewReader(v))
		d.UseNumber()
		if err := d.Decode(&val); err == nil {
			u.Props[k] = val
		}
		if err := storable(k, u.Props[k]); err != nil {
			return u, nil, fmt.Errorf("property %s: %w", truncate(k, 40), err)
		}
	}
	if len(f.Geometry) == 0 || string(f.Geometry) == "null" {
		return u, nil, errors.New("geometry is missing")
	}
	g, fixes, err := parseGeometry(f.Geometry, level)
	if err != nil {
		return u, nil, err
	}
	u.Geometry = g
	return u, fixes, nil
}

func checkParentCode(level Level, code, parent string) error {
	switch level {
	case LevelStreet:
		if len(parent) != CountyCodeLen || !digits.MatchString(parent) {
			return fmt.Errorf("parent_code %q of a street must be its 6-digit county code", parent)
		}
		if !strings.HasPrefix(code, parent) {
			return fmt.Errorf("code %q does not extend its county's code %q", code, parent)
		}
		return nil
	case LevelRoad:
		return errors.New("roads have no parent_code")
	case LevelDiscussPoint:
		if !digits.MatchString(parent) || len(parent) != GridCodeLen && len(parent) != CommunityCodeLen {
			return fmt.Errorf("parent_code %q of a discuss point must be its host grid's or community's code", truncate(parent, 40))
		}
		return nil
	}
	return CheckCode(level, code, parent)
}

// storable says why PostgreSQL could not keep a property (its key k and decoded value v) in jsonb: text with NUL
// (\u0000), or a number its numeric type cannot hold. Numbers must be finite float64 values of at most 100
// characters that do not underflow to zero.
func storable(k string, v any) error {
	if strings.ContainsRune(k, 0) {
		return errors.New("the name contains NUL (\\u0000)")
	}
	switch x := v.(type) {
	case string:
		if strings.ContainsRune(x, 0) {
			return errors.New("the text contains NUL (\\u0000)")
		}
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		mantissa, _, _ := strings.Cut(strings.ToLower(string(x)), "e")
		if err != nil || len(x) > 100 || f == 0 && strings.ContainsAny(mantissa, "123456789") {
			return fmt.Errorf("the number %s is out of range", truncate(string(x), 40))
		}
	case []any:
		for _, e := range x {
			if err := storable("", e); err != nil {
				return err
			}
		}
	case map[string]any:
		for k, e := range x {
			if err := storable(k, e); err != nil {
				return err
			}
		}
	}
	return nil
}

// stringProp reads a property that must be a string; numbers are accepted as their decimal text, because
// spreadsheets and GIS tools often store codes as numbers.
func stringProp(props map[string]json.RawMessage, key string) (string, error) {
	raw, ok := props[key]
	if !ok || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, err := n.Int64(); err == nil {
			return n.String(), nil
		}
	}
	return "", fmt.Errorf("property %s must be a string, not %s", key, truncate(string(raw), 40))
}

func parseGeometry(raw json.RawMessage, level Level) (orb.Geometry, []string, error) {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, nil, fmt.Errorf("geometry is not a GeoJSON geometry: %v", err)
	}
	want := map[Level][]string{
		LevelStreet: {"Polygon", "MultiPolygon"}, LevelCommunity: {"Polygon", "MultiPolygon"},
		LevelGrid: {"Polygon", "MultiPolygon"}, LevelBuilding: {"Polygon", "MultiPolygon"},
		LevelDiscussPoint: {"Point"}, LevelRoad: {"LineString", "MultiLineString"},
	}[level]
	ok := false
	for _, w := range want {
		ok = ok || g.Type == w
	}
	if !ok {
		return nil, nil, fmt.Errorf("geometry type %q is not allowed for level %s (want %s)", g.Type, level,
			strings.Join(want, " or "))
	}
	if len(g.Coordinates) == 0 || string(g.Coordinates) == "null" {
		return nil, nil, errors.New("geometry has no coordinates")
	}
	var c any
	dec := json.NewDecoder(bytes.NewReader(g.Coordinates))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return nil, nil, fmt.Errorf("geometry coordinates: %v", err)
	}
	p := coordParser{}
	var geom orb.Geometry
	var err error
	switch g.Type {
	case "Point":
		geom, err = p.position(c, "coordinates")
	case "LineString":
		var ls orb.LineString
		ls, err = p.line(c, "coordinates")
		geom = ls
	case "MultiLineString":
		var mls orb.MultiLineString
		mls, err = p.multiLine(c)
		if err == nil && len(mls) == 1 {
			geom = mls[0]
		} else {
			geom = mls
		}
	case "Polygon":
		var poly orb.Polygon
		poly, err = p.polygon(c, "coordinates")
		geom = orb.MultiPolygon{poly}
	case "MultiPolygon":
		arr, isArr := c.([]any)
		if !isArr || len(arr) == 0 {
			return nil, nil, errors.New("MultiPolygon coordinates must be a non-empty array of polygons")
		}
		mp := make(orb.MultiPolygon, 0, len(arr))
		for i, pc := range arr {
			poly, perr := p.polygon(pc, fmt.Sprintf("coordinates[%d]", i))
			if perr != nil {
				err = perr
				break
			}
			mp = append(mp, poly)
		}
		geom = mp
	}
	if err != nil {
		return nil, nil, err
	}
	return geom, p.fixes, nil
}

type coordParser struct {
	vertices int
	fixes    []string
}

func (p *coordParser) position(c any, where string) (orb.Point, error) {
	arr, ok := c.([]any)
	if !ok || len(arr) < 2 || len(arr) > 3 {
		return orb.Point{}, fmt.Errorf("%s must be a position [lon, lat]", where)
	}
	var v [2]float64
	for i := 0; i < 2; i++ {
		switch x := arr[i].(type) {
		case json.Number:
			f, err := x.Float64()
			if err != nil {
				return orb.Point{}, fmt.Errorf("%s: %s is not a number", where, x)
			}
			v[i] = f
		case string:
			return orb.Point{}, fmt.Errorf("%s: %q is not a finite number", where, x)
		default:
			return orb.Point{}, fmt.Errorf("%s: %v is not a number", where, arr[i])
		}
	}
	if err := CheckLonLat(v[0], v[1]); err != nil {
		return orb.Point{}, fmt.Errorf("%s: %v", where, err)
	}
	p.vertices++
	if p.vertices > MaxVerticesPerUnit {
		return orb.Point{}, fmt.Errorf("geometry has more than %d vertices", MaxVerticesPerUnit)
	}
	return orb.Point{v[0], v[1]}, nil
}

func (p *coordParser) positions(c any, where string) ([]orb.Point, error) {
	arr, ok := c.([]any)
	if !ok {
		return nil, fmt.Errorf("%s must be an array of positions", where)
	}
	pts := make([]orb.Point, 0, len(arr))
	for i, pc := range arr {
		pt, err := p.position(pc, fmt.Sprintf("%s[%d]", where, i))
		if err != nil {
			return nil, err
		}
		pts = append(pts, pt)
	}
	return pts, nil
}

func (p *coordParser) line(c any, where string) (orb.LineString, error) {
	pts, err := p.positions(c, where)
	if err != nil {
		return nil, err
	}
	if distinct(pts) < 2 {
		return nil, fmt.Errorf("%s: a line needs at least 2 distinct positions, it has %d", where, distinct(pts))
	}
	return orb.LineString(pts), nil
}

func (p *coordParser) multiLine(c any) (orb.MultiLineString, error) {
	arr, ok := c.([]any)
	if !ok || len(arr) == 0 {
		return nil, errors.New("MultiLineString coordinates must be a non-empty array of lines")
	}
	mls := make(orb.MultiLineString, 0, len(arr))
	for i, lc := range arr {
		ls, err := p.line(lc, fmt.Sprintf("coordinates[%d]", i))
		if err != nil {
			return nil, err
		}
		mls = append(mls, ls)
	}
	return mls, nil
}

func (p *coordParser) polygon(c any, where string) (orb.Polygon, error) {
	arr, ok := c.([]any)
	if !ok || len(arr) == 0 {
		return nil, fmt.Errorf("%s must be a non-empty array of rings", where)
	}
	poly := make(orb.Polygon, 0, len(arr))
	for i, rc := range arr {
		rw := fmt.Sprintf("%s[%d]", where, i)
		pts, err := p.positions(rc, rw)
		if err != nil {
			return nil, err
		}
		if n := distinct(pts); n < 3 {
			return nil, fmt.Errorf("%s: a ring needs at least 3 distinct positions, it has %d", rw, n)
		}
		if pts[0] != pts[len(pts)-1] {
			pts = append(pts, pts[0])
			p.fixes = append(p.fixes, fmt.Sprintf("%s was not closed; closed it", rw))
		}
		poly = append(poly, orb.Ring(pts))
	}
	return poly, nil
}

func distinct(pts []orb.Point) int {
	seen := map[orb.Point]bool{}
	for _, p := range pts {
		seen[p] = true
	}
	return len(seen)
}

// CheckLonLat says what is wrong with a WGS-84 longitude and latitude, or nil.
func CheckLonLat(lon, lat float64) error {
	switch {
	case math.IsNaN(lon) || math.IsInf(lon, 0):
		return fmt.Errorf("longitude %v is not a finite number", lon)
	case math.IsNaN(lat) || math.IsInf(lat, 0):
		return fmt.Errorf("latitude %v is not a finite number", lat)
	case lon < -180 || lon > 180:
		return fmt.Errorf("longitude %v is outside [-180, 180]", lon)
	case lat < -90 || lat > 90:
		return fmt.Errorf("latitude %v is outside [-90, 90]", lat)
	}
	return nil
}

// quoteNonFinite turns the bare tokens NaN, Infinity and -Infinity outside strings into JSON strings, so that
// the one feature that carries them is rejected with a clear message instead of the whole file failing to parse.
func quoteNonFinite(b []byte) []byte {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return b
	}
	out := make([]byte, 0, len(b)+64)
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			out = append(out, c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			out = append(out, c)
			continue
		}
		matched := false
		for _, tok := range []string{"-Infinity", "Infinity", "NaN"} {
			if bytes.HasPrefix(b[i:], []byte(tok)) {
				out = append(out, '"')
				out = append(out, tok...)
				out = append(out, '"')
				i += len(tok) - 1
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, c)
		}
	}
	return out
}

// jsonError describes a decoding error with the line and column where it happened.
func jsonError(b []byte, err error) string {
	var se *json.SyntaxError
	off := int64(-1)
	if errors.As(err, &se) {
		off = se.Offset
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		off = te.Offset
	}
	if off < 0 || off > int64(len(b)) {
		return err.Error()
	}
	line := 1 + bytes.Count(b[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(b[:off], '\n'))
	return fmt.Sprintf("%v (line %d, column %d)", err, line, col)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Feature is a unit as a GeoJSON Feature with the properties code, name, level and parent_code (null when none)
// beside the unit's own.
func Feature(u Unit) *geojson.Feature {
	f := geojson.NewFeature(u.Geometry)
	for k, v := range u.Props {
		f.Properties[k] = v
	}
	f.Properties["code"] = u.Code
	f.Properties["name"] = u.Name
	f.Properties["level"] = string(u.Level)
	var parent any
	if u.ParentCode != "" {
		parent = u.ParentCode
	}
	f.Properties["parent_code"] = parent
	return f
}

// MarshalFeatureCollection writes units as a GeoJSON FeatureCollection that ParseFeatures reads back.
func MarshalFeatureCollection(units []Unit) ([]byte, error) {
	fc := geojson.NewFeatureCollection()
	for _, u := range units {
		fc.Append(Feature(u))
	}
	return json.Marshal(fc)
}
