package dispatch

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// benchTasks spreads n open tasks over the demo city's extent, their places by position: 4 streets west to
// east, 16 communities each south to north, 8 grids each.
func benchTasks(rng *rand.Rand, n int) []FieldTask {
	out := make([]FieldTask, n)
	for i := range out {
		fx, fy := rng.Float64(), rng.Float64()
		street, comm, grid := min(int(fx*4), 3), min(int(fy*16), 15), min(int(fx*32)%8, 7)
		out[i] = FieldTask{ID: int64(i + 1), Lon: 118.4391 + fx*0.0818, Lat: 36.6699 + fy*0.0545,
			Status: StatusHeard, Unit: fmt.Sprintf("370781%03d%03d%03d", 1+street, 1+comm, 1+grid)}
	}
	return out
}

// BenchmarkTaskIndexNearest: the 10 nearest of 100,000 tasks, of all (from points over the whole city) and of one
// community's (from points inside it). Run: go test -run '^$' -bench TaskIndex ./dispatch/
func BenchmarkTaskIndexNearest(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := NewTaskIndex()
	x.Load(benchTasks(rng, 100_000))
	pts := make([]orb.Point, 1024)
	for i := range pts {
		pts[i] = orb.Point{118.4391 + rng.Float64()*0.0818, 36.6699 + rng.Float64()*0.0545}
	}
	// A chief inside the community: 370781002009 is street 2 (x 0.25–0.5 of the extent), community 9 (y 8/16–9/16).
	inside := make([]orb.Point, 1024)
	for i := range inside {
		inside[i] = orb.Point{118.4391 + (0.25+0.25*rng.Float64())*0.0818, 36.6699 + (0.5+rng.Float64()/16)*0.0545}
	}
	community := "370781002009"
	in := func(t *FieldTask) bool { return len(t.Unit) >= 12 && t.Unit[:12] == community }
	b.Run("all", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			x.Nearest(pts[i&1023], 10, nil)
		}
	})
	b.Run("community", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			x.Nearest(inside[i&1023], 10, in)
		}
	})
}

// BenchmarkRoute orders 10, 12 and 30 stops (random positions in a 3 km square, straight-line costs): exact is
// Held–Karp, heuristic nearest neighbour + 2-opt + Or-opt from 10 starts (what OrderStops uses above 12 stops).
// gap_% is the heuristic's mean excess over the optimum on 100 instances; at 30 stops, where the optimum is out
// of reach, over the best of 300 further local searches from random orders and every first stop.
// Run: go test -run '^$' -bench Route ./dispatch/
func BenchmarkRoute(b *testing.B) {
	for _, n := range []int{10, 12, 30} {
		rng := rand.New(rand.NewPCG(uint64(n), 99))
		inst := make([][][]float64, 100)
		for i := range inst {
			inst[i] = randomMatrix(rng, n, false)
			for _, row := range inst[i] {
				for j := range row {
					row[j] *= 3000
				}
			}
		}
		var gap float64
		for _, m := range inst {
			_, h := HeuristicOrder(m, nil, heuristicStarts)
			gap += h/referenceCost(m, rng) - 1
		}
		gap = 100 * gap / float64(len(inst))
		if n <= ExactStops {
			b.Run(fmt.Sprintf("exact-%d", n), func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					ExactOrder(inst[i%len(inst)], nil)
				}
			})
		}
		b.Run(fmt.Sprintf("heuristic-%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				HeuristicOrder(inst[i%len(inst)], nil, heuristicStarts)
			}
			b.ReportMetric(gap, "gap_%")
		})
	}
}

// referenceCost is the optimum up to ExactStops stops, and beyond it the best of long local search.
func referenceCost(m [][]float64, rng *rand.Rand) float64 {
	n := len(m) - 1
	if n <= ExactStops {
		_, c := ExactOrder(m, nil)
		return c
	}
	_, best := HeuristicOrder(m, nil, n)
	ls := newLocalSearch(m, 0)
	order := make([]int, n)
	for r := 0; r < 300; r++ {
		for i := range order {
			order[i] = i + 1
		}
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		best = min(best, ls.improve(order))
	}
	return best
}
