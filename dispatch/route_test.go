package dispatch

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomMatrix is n stops and a start in the unit square, euclidean costs, optionally made asymmetric (a random
// detour factor per direction, as one-way roads give).
func randomMatrix(rng *rand.Rand, n int, asymmetric bool) [][]float64 {
	pts := make([][2]float64, n+1)
	for i := range pts {
		pts[i] = [2]float64{rng.Float64(), rng.Float64()}
	}
	m := make([][]float64, n+1)
	for i := range m {
		m[i] = make([]float64, n+1)
		for j := range m[i] {
			d := math.Hypot(pts[i][0]-pts[j][0], pts[i][1]-pts[j][1])
			if asymmetric && i != j {
				d *= 1 + 0.5*rng.Float64()
			}
			m[i][j] = d
		}
	}
	return m
}

func randomFirst(rng *rand.Rand, n int) []bool {
	first := make([]bool, n+1)
	for j := 1; j <= n; j++ {
		first[j] = rng.IntN(4) == 0
	}
	return first
}

// bruteForce tries every permutation that keeps the first stops ahead of the others.
func bruteForce(m [][]float64, first []bool) float64 {
	n := len(m) - 1
	order := make([]int, n)
	for i := range order {
		order[i] = i + 1
	}
	best := math.Inf(1)
	var permute func(k int)
	permute = func(k int) {
		if k == n {
			seenOther := false
			for _, s := range order {
				if !isFirst(first, s) {
					seenOther = true
				} else if seenOther {
					return
				}
			}
			best = min(best, PathCost(m, order))
			return
		}
		for i := k; i < n; i++ {
			order[k], order[i] = order[i], order[k]
			permute(k + 1)
			order[k], order[i] = order[i], order[k]
		}
	}
	permute(0)
	return best
}

// checkOrder asserts that order visits every stop once with the first stops ahead and costs cost.
func checkOrder(t *testing.T, m [][]float64, first []bool, order []int, cost float64) {
	t.Helper()
	n := len(m) - 1
	require.Len(t, order, n)
	seen := map[int]bool{}
	other := false
	for _, s := range order {
		require.True(t, s >= 1 && s <= n && !seen[s], "order %v", order)
		seen[s] = true
		if !isFirst(first, s) {
			other = true
		} else {
			require.False(t, other, "a first stop after another in %v", order)
		}
	}
	assert.InDelta(t, PathCost(m, order), cost, 1e-9)
}

func TestExactOrderEqualsBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 9; n++ {
		for trial := 0; trial < 6; trial++ {
			asym := trial%2 == 1
			m := randomMatrix(rng, n, asym)
			var first []bool
			if trial >= 3 {
				first = randomFirst(rng, n)
			}
			order, cost := ExactOrder(m, first)
			checkOrder(t, m, first, order, cost)
			assert.InDelta(t, bruteForce(m, first), cost, 1e-9, "n=%d trial=%d", n, trial)
		}
	}
}

func TestHeuristicWithinOnePercentOfExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const instances = 200
	var sumGap, worst float64
	for i := 0; i < instances; i++ {
		m := randomMatrix(rng, 12, i%2 == 1)
		var first []bool
		if i%4 >= 2 {
			first = randomFirst(rng, 12)
		}
		exact, exactCost := ExactOrder(m, first)
		checkOrder(t, m, first, exact, exactCost)
		h, hCost := HeuristicOrder(m, first, heuristicStarts)
		checkOrder(t, m, first, h, hCost)
		require.GreaterOrEqual(t, hCost, exactCost-1e-9, "the heuristic cannot beat the optimum")
		gap := hCost/exactCost - 1
		sumGap += gap
		worst = max(worst, gap)
	}
	mean := sumGap / instances
	t.Logf("heuristic gap over %d 12-stop instances: mean %.4f %%, worst %.3f %%", instances, 100*mean, 100*worst)
	assert.Less(t, mean, 0.01)
}

func TestHeuristicLargeInstancesValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{13, 30, 100} {
		m := randomMatrix(rng, n, n == 30)
		first := randomFirst(rng, n)
		order, cost := OrderStops(m, first)
		checkOrder(t, m, first, order, cost)
		nn := nearestNeighbour(m, first, countFirst(first), order[0])
		assert.LessOrEqual(t, cost, PathCost(m, nn)+1e-9, "local search never worsens its start")
	}
}

func countFirst(first []bool) int {
	n := 0
	for _, f := range first {
		if f {
			n++
		}
	}
	return n
}

func TestOrderStopsSmall(t *testing.T) {
	order, cost := OrderStops([][]float64{{0}}, nil)
	assert.Empty(t, order)
	assert.Zero(t, cost)
	// On a line 0 — 1 — 2 — 3 the best open path walks outwards.
	m := [][]float64{{0, 1, 2, 3}, {1, 0, 1, 2}, {2, 1, 0, 1}, {3, 2, 1, 0}}
	order, cost = OrderStops(m, nil)
	assert.Equal(t, []int{1, 2, 3}, order)
	assert.Equal(t, 3.0, cost)
	// With stop 3 first, it is visited first and the walk comes back.
	order, cost = OrderStops(m, []bool{false, false, false, true})
	assert.Equal(t, []int{3, 2, 1}, order)
	assert.Equal(t, 5.0, cost)
}
