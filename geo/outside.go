package geo

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// ErrOutsideCoverage is the sentinel of OutsideError.
var ErrOutsideCoverage = errors.New("outside_coverage")

// OutsideError says that a point lies in no grid; Nearest is the nearest grid and Metres its distance.
type OutsideError struct {
	Point   orb.Point
	Nearest *Ref
	Metres  float64
}

func (e *OutsideError) Error() string {
	if e.Nearest == nil {
		return fmt.Sprintf("(%.6f, %.6f) is outside every grid", e.Point[1], e.Point[0])
	}
	return fmt.Sprintf("(%.6f, %.6f) is outside every grid; the nearest is %s %s, %.0f m away",
		e.Point[1], e.Point[0], e.Nearest.Code, e.Nearest.Name, e.Metres)
}

// Is makes errors.Is(err, ErrOutsideCoverage) true.
func (e *OutsideError) Is(target error) bool { return target == ErrOutsideCoverage }

// InteriorPoint returns a point inside the multipolygon (of its largest part): the middle of the widest span of
// the horizontal line through the part's centroid, which lies inside even for concave shapes.
func InteriorPoint(mp orb.MultiPolygon) orb.Point {
	var best orb.Polygon
	bestArea := -1.0
	for _, poly := range mp {
		if len(poly) == 0 {
			continue
		}
		if a := math.Abs(ringArea(poly[0])); a > bestArea {
			best, bestArea = poly, a
		}
	}
	if best == nil {
		return orb.Point{}
	}
	c := Centroid(orb.MultiPolygon{best})
	y := c[1]
	// Crossings of the line lat = y with every ring's edges, half-open so that a vertex counts once.
	var xs []float64
	for _, ring := range best {
		for i := 0; i+1 < len(ring); i++ {
			a, b := ring[i], ring[i+1]
			if (a[1] <= y) != (b[1] <= y) {
				xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
			}
		}
	}
	sort.Float64s(xs)
	widest, mid := -1.0, orb.Point{}
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > widest {
			widest, mid = w, orb.Point{(xs[i] + xs[i+1]) / 2, y}
		}
	}
	if widest < 0 {
		return best[0][0]
	}
	return mid
}

func ringArea(r orb.Ring) float64 {
	s := 0.0
	for i := 0; i+1 < len(r); i++ {
		s += r[i][0]*r[i+1][1] - r[i+1][0]*r[i][1]
	}
	return s / 2
}

// Outside describes a point that lies in no grid, with the nearest grid and its distance rounded to decimetres.
func (l *Locator) Outside(p orb.Point) *OutsideError {
	oe := &OutsideError{Point: p}
	if near, m, ok := l.Nearest(p, LevelGrid); ok {
		oe.Nearest, oe.Metres = &near, math.Round(m*10)/10
	}
	return oe
}
