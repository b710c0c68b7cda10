package geo

import (
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"
)

// CoverageRes is the H3 resolution at which a level's units store their coverage, chosen so that a typical unit of
// the demo city is covered by roughly a hundred cells: streets at 9 (≈0.1 km² a cell), communities at 10,
// grids at 11 (≈2,150 m²) and building compounds at 12 (≈300 m²).
func CoverageRes(l Level) int {
	switch l {
	case LevelStreet:
		return 9
	case LevelCommunity:
		return 10
	case LevelGrid:
		return 11
	default:
		return 12
	}
}

// CaseRes is the resolution of the H3 cell stored with every case.
const CaseRes = 11

// Cover returns the H3 cells at res that overlap the multipolygon (every point of it lies in one of them).
// A polygon smaller than a cell still gets the cell that holds it.
func Cover(mp orb.MultiPolygon, res int) ([]h3.Cell, error) {
	seen := map[h3.Cell]bool{}
	var out []h3.Cell
	add := func(c h3.Cell) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		gp := h3.GeoPolygon{GeoLoop: loop(poly[0])}
		for _, hole := range poly[1:] {
			gp.Holes = append(gp.Holes, loop(hole))
		}
		cells, err := h3.PolygonToCellsExperimental(gp, res, h3.ContainmentOverlapping)
		if err != nil {
			return nil, fmt.Errorf("h3 cover at res %d: %w", res, err)
		}
		for _, c := range cells {
			add(c)
		}
		if len(cells) == 0 {
			c, err := h3.LatLngToCell(h3.NewLatLng(poly[0][0][1], poly[0][0][0]), res)
			if err != nil {
				return nil, err
			}
			add(c)
		}
	}
	return out, nil
}

// CellOf is the H3 cell at res that holds a WGS-84 point.
func CellOf(p orb.Point, res int) (h3.Cell, error) {
	return h3.LatLngToCell(h3.NewLatLng(p[1], p[0]), res)
}

func loop(r orb.Ring) h3.GeoLoop {
	n := len(r)
	if n > 1 && r[0] == r[n-1] {
		n--
	}
	l := make(h3.GeoLoop, n)
	for i := 0; i < n; i++ {
		l[i] = h3.NewLatLng(r[i][1], r[i][0])
	}
	return l
}

// Centroid is a multipolygon's area-weighted planar centroid in degrees, good enough for labels and sorting.
func Centroid(mp orb.MultiPolygon) orb.Point {
	c, _ := planar.CentroidArea(mp)
	return c
}
