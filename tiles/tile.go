// Package tiles is gridgov's map: the vector-tile layers and their zoom ranges, tile coordinates, the in-memory
// H3 hotspot index with its Getis-Ord Gi* statistic, TileJSON documents and the tile cache. It knows no SQL and no
// HTTP: the unit layers are rendered by a Store (PostGIS, in package data) and served by package api.
package tiles

import (
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"

	"gridgov/dispatch"
)

// Extent and Buffer are the tile grid (MVT units per tile side) and the margin kept around it, as ST_AsMVTGeom
// uses them.
const (
	Extent = 4096
	Buffer = 64
	// MaxZoom bounds the zoom a request may name at all; each layer has its own, narrower range.
	MaxZoom = 24
)

// Source says where a layer is rendered.
type Source string

// Sources of layers.
const (
	FromPostGIS Source = "postgis" // ST_AsMVT over the stored geometry
	FromMemory  Source = "memory"  // the hotspot index, encoded in Go
)

// Layer describes one tile layer.
type Layer struct {
	Name        string
	Description string
	MinZoom     int
	MaxZoom     int
	Source      Source
	// SimplifyPx is the simplification tolerance in tile pixels (of 256 per tile side) applied before
	// ST_AsMVTGeom snaps to the 4096 grid; 0 for points.
	SimplifyPx float64
	// MaxAge is the Cache-Control max-age in seconds.
	MaxAge int
	// Fields lists the feature properties and their types, for TileJSON.
	Fields map[string]string
}

// HotspotLayer is the name of the hotspot layer.
const HotspotLayer = "hotspots"

// unitFields are the properties of the area-unit layers.
var unitFields = map[string]string{"code": "String", "name": "String", "level": "String", "parent_code": "String"}

// layerTable is every tile layer, unit layers first; read only.
var layerTable = []Layer{
	{Name: "streets", Description: "streets (街道)", MinZoom: 8, MaxZoom: 18, Source: FromPostGIS, SimplifyPx: 1, MaxAge: 300, Fields: unitFields},
	{Name: "communities", Description: "communities (社区)", MinZoom: 10, MaxZoom: 18, Source: FromPostGIS, SimplifyPx: 0.75, MaxAge: 300, Fields: unitFields},
	{Name: "grids", Description: "grids (网格)", MinZoom: 12, MaxZoom: 18, Source: FromPostGIS, SimplifyPx: 0.5, MaxAge: 300, Fields: unitFields},
	{Name: "buildings", Description: "building compounds (楼院)", MinZoom: 14, MaxZoom: 18, Source: FromPostGIS, SimplifyPx: 0.25, MaxAge: 300, Fields: unitFields},
	{Name: "discuss_points", Description: "speak-and-discuss points (说事议事点)", MinZoom: 14, MaxZoom: 18, Source: FromPostGIS, MaxAge: 300,
		Fields: map[string]string{"code": "String", "name": "String", "host_code": "String"}},
	{Name: "roads", Description: "roads", MinZoom: 12, MaxZoom: 18, Source: FromPostGIS, SimplifyPx: 0.5, MaxAge: 300,
		Fields: map[string]string{"code": "String", "name": "String", "class": "String", "oneway": "Boolean"}},
	{Name: "reports", Description: "open cases of public categories, located to about 100 m", MinZoom: 10, MaxZoom: 18,
		Source: FromPostGIS, MaxAge: 30, Fields: map[string]string{"id": "Number", "category": "String", "status": "String",
			"classification": "String", "overdue": "Boolean"}},
	{Name: HotspotLayer, Description: "H3 hexagons of cases with Getis-Ord Gi* z-scores", MinZoom: 6, MaxZoom: 18,
		Source: FromMemory, MaxAge: 60, Fields: map[string]string{"h3": "String", "res": "Number", "count": "Number",
			"gi_z": "Number", "hot": "String"}},
}

// Layers lists every tile layer, unit layers first.
func Layers() []Layer { return slices.Clone(layerTable) }

// LayerNamed finds a layer.
func LayerNamed(name string) (Layer, bool) {
	for _, l := range layerTable {
		if l.Name == name {
			return l, true
		}
	}
	return Layer{}, false
}

// UnitLayers are the layers that change when units are imported.
func UnitLayers() []string {
	return []string{"streets", "communities", "grids", "buildings", "discuss_points", "roads"}
}

// ParseTile reads z, x and y from a path (y may carry the ".mvt" suffix already trimmed). z is 0..MaxZoom, x and
// y are 0..2^z-1.
func ParseTile(zs, xs, ys string) (maptile.Tile, error) {
	z, err := parseCoord("z", zs, MaxZoom)
	if err != nil {
		return maptile.Tile{}, err
	}
	n := uint64(1)<<z - 1
	x, err := parseCoord("x", xs, n)
	if err != nil {
		return maptile.Tile{}, err
	}
	y, err := parseCoord("y", ys, n)
	if err != nil {
		return maptile.Tile{}, err
	}
	return maptile.New(uint32(x), uint32(y), maptile.Zoom(z)), nil
}

func parseCoord(field, s string, limit uint64) (uint64, error) {
	bad := &dispatch.FieldError{Field: field, Code: "invalid_argument",
		Message: field + " must be an integer from 0 to " + strconv.FormatUint(limit, 10)}
	if s == "" || len(s) > 8 {
		return 0, bad
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v > limit {
		return 0, bad
	}
	return v, nil
}

// TileBound is the tile's box in WGS-84 grown by the buffer, for selecting what may show in it.
func TileBound(t maptile.Tile) orb.Bound {
	b := t.Bound()
	dx := (b.Max[0] - b.Min[0]) * Buffer / Extent
	dy := (b.Max[1] - b.Min[1]) * Buffer / Extent
	return orb.Bound{Min: orb.Point{b.Min[0] - dx, b.Min[1] - dy}, Max: orb.Point{b.Max[0] + dx, b.Max[1] + dy}}
}
