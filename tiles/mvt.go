package tiles

import (
	"math"
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/maptile"
)

// Encode projects WGS-84 features into tile t, clips them to the tile and its buffer, makes exterior rings
// clockwise in tile coordinates (y down; positive area by the surveyor's formula) and holes counter-clockwise as
// MVT 2 requires — orb's encoder writes rings as they come — and marshals one layer. nil when nothing is left.
func Encode(name string, fc *geojson.FeatureCollection, t maptile.Tile) ([]byte, error) {
	if len(fc.Features) == 0 {
		return nil, nil
	}
	l := mvt.NewLayer(name, fc)
	l.Version, l.Extent = 2, Extent
	l.ProjectToTile(t)
	l.Clip(orb.Bound{Min: orb.Point{-Buffer, -Buffer}, Max: orb.Point{Extent + Buffer, Extent + Buffer}})
	kept := l.Features[:0]
	for _, f := range l.Features {
		if g := wind(f.Geometry); g != nil {
			f.Geometry = g
			kept = append(kept, f)
		}
	}
	l.Features = kept
	if len(l.Features) == 0 {
		return nil, nil
	}
	return mvt.Marshal(mvt.Layers{l})
}

// wind snaps polygons to the integer tile grid the encoder writes, drops rings that collapse there (slivers left
// by clipping along the buffer's edge) and orders the rest; nil when nothing is left.
func wind(g orb.Geometry) orb.Geometry {
	switch g := g.(type) {
	case orb.Polygon:
		if p := windPolygon(g); p != nil {
			return p
		}
		return nil
	case orb.MultiPolygon:
		out := g[:0]
		for _, p := range g {
			if p = windPolygon(p); p != nil {
				out = append(out, p)
			}
		}
		switch len(out) {
		case 0:
			return nil
		case 1:
			return out[0]
		}
		return out
	}
	return g
}

func windPolygon(p orb.Polygon) orb.Polygon {
	out := p[:0]
	for i, r := range p {
		snapped := r[:0]
		for _, pt := range r {
			pt = orb.Point{math.Round(pt[0]), math.Round(pt[1])}
			if len(snapped) == 0 || snapped[len(snapped)-1] != pt {
				snapped = append(snapped, pt)
			}
		}
		a := ShoelaceArea(snapped)
		if len(snapped) < 4 || a == 0 {
			if i == 0 {
				return nil
			}
			continue
		}
		if (i == 0) != (a > 0) {
			slices.Reverse(snapped)
		}
		out = append(out, snapped)
	}
	return out
}

// ShoelaceArea is twice the signed area of r by the surveyor's formula in its own coordinates; in tile
// coordinates (y down) an MVT exterior ring has a positive one.
func ShoelaceArea(r orb.Ring) float64 {
	var s float64
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	if n := len(r); n > 0 && r[0] != r[n-1] {
		s += r[n-1][0]*r[0][1] - r[0][0]*r[n-1][1]
	}
	return s
}
