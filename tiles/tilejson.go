package tiles

import "github.com/paulmach/orb"

// TileJSON is a TileJSON 3.0.0 document for one layer.
type TileJSON struct {
	TileJSON     string        `json:"tilejson"`
	Name         string        `json:"name"`
	Description  string        `json:"description"`
	Scheme       string        `json:"scheme"`
	Tiles        []string      `json:"tiles"`
	MinZoom      int           `json:"minzoom"`
	MaxZoom      int           `json:"maxzoom"`
	Bounds       [4]float64    `json:"bounds"`
	Center       [3]float64    `json:"center"`
	VectorLayers []VectorLayer `json:"vector_layers"`
}

// VectorLayer describes the one layer of a tile set.
type VectorLayer struct {
	ID          string            `json:"id"`
	Description string            `json:"description"`
	MinZoom     int               `json:"minzoom"`
	MaxZoom     int               `json:"maxzoom"`
	Fields      map[string]string `json:"fields"`
}

// Document is the TileJSON of layer l whose tiles are at tileURL (a template with {z}, {x}, {y}), over bounds
// (the city's extent; the whole world when empty).
func Document(l Layer, tileURL string, bounds orb.Bound) TileJSON {
	b := [4]float64{-180, -85.051129, 180, 85.051129}
	if bounds.Max[0] > bounds.Min[0] && bounds.Max[1] > bounds.Min[1] {
		b = [4]float64{bounds.Min[0], bounds.Min[1], bounds.Max[0], bounds.Max[1]}
	}
	c := bounds.Center()
	return TileJSON{TileJSON: "3.0.0", Name: l.Name, Description: l.Description, Scheme: "xyz", Tiles: []string{tileURL},
		MinZoom: l.MinZoom, MaxZoom: l.MaxZoom, Bounds: b, Center: [3]float64{c[0], c[1], float64(max(l.MinZoom, 12))},
		VectorLayers: []VectorLayer{{ID: l.Name, Description: l.Description, MinZoom: l.MinZoom, MaxZoom: l.MaxZoom,
			Fields: l.Fields}}}
}
