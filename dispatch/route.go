package dispatch

import (
	"math"
	"math/bits"
	"slices"
)

// Ordering field tasks is an open travelling-salesman path: from the worker's position (index 0 of a cost
// matrix) through every stop (indexes 1..n) once, ending at the last stop, at the least total cost. Costs may be
// asymmetric (one-way roads). Some stops may have to come first (overdue and urgent tasks): then every such stop
// precedes every other, and the order within each group is still the cheapest.

// ExactStops is the most stops ordered exactly (Held–Karp); more are ordered by the heuristic.
const ExactStops = 12

// heuristicStarts is how many first stops the heuristic builds a tour from.
const heuristicStarts = 10

// OrderStops returns the order in which to visit stops 1..len(m)-1 (matrix indexes) and its cost: exact up to
// ExactStops stops, otherwise nearest neighbour with 2-opt and Or-opt from several starts. first, when not nil,
// marks (by matrix index) the stops that must precede all others.
func OrderStops(m [][]float64, first []bool) ([]int, float64) {
	if len(m)-1 <= ExactStops {
		return ExactOrder(m, first)
	}
	return HeuristicOrder(m, first, heuristicStarts)
}

// PathCost is the cost of visiting the stops in order from index 0.
func PathCost(m [][]float64, order []int) float64 {
	cost, at := 0.0, 0
	for _, s := range order {
		cost += m[at][s]
		at = s
	}
	return cost
}

func isFirst(first []bool, i int) bool { return first != nil && first[i] }

// ExactOrder solves the open path exactly by Held–Karp dynamic programming over subsets: O(2ⁿ n²) time and
// O(2ⁿ n) memory, so keep n small (ExactStops). A stop marked first may only follow other first stops.
func ExactOrder(m [][]float64, first []bool) ([]int, float64) {
	n := len(m) - 1
	if n <= 0 {
		return []int{}, 0
	}
	var pri uint32 // the first stops as a bit set (bit j-1 for stop j)
	for j := 1; j <= n; j++ {
		if isFirst(first, j) {
			pri |= 1 << (j - 1)
		}
	}
	full := uint32(1)<<n - 1
	inf := math.Inf(1)
	dp := make([]float64, (1<<n)*n)
	from := make([]int8, (1<<n)*n)
	for i := range dp {
		dp[i] = inf
	}
	for j := 0; j < n; j++ {
		if pri == 0 || pri&(1<<j) != 0 { // the first stop: a first stop when there are any
			dp[(1<<j)*n+j] = m[0][j+1]
			from[(1<<j)*n+j] = -1
		}
	}
	for s := uint32(1); s <= full; s++ {
		next := full &^ s // the stops that may follow: all unvisited ones once every first stop is in s
		if s&pri != pri {
			next &= pri
		}
		if next == 0 {
			continue
		}
		for js := s; js != 0; js &= js - 1 {
			j := bits.TrailingZeros32(js)
			cur := dp[int(s)*n+j]
			if cur == inf {
				continue
			}
			row := m[j+1]
			for ks := next; ks != 0; ks &= ks - 1 {
				k := bits.TrailingZeros32(ks)
				t := int(s|1<<k)*n + k
				if c := cur + row[k+1]; c < dp[t] {
					dp[t] = c
					from[t] = int8(j)
				}
			}
		}
	}
	best, last := inf, -1
	for j := 0; j < n; j++ {
		if c := dp[int(full)*n+j]; c < best {
			best, last = c, j
		}
	}
	order := make([]int, n)
	s := full
	for i := n - 1; i >= 0; i-- {
		order[i] = last + 1
		prev := int(from[int(s)*n+last])
		s &^= 1 << last
		last = prev
	}
	return order, best
}

// HeuristicOrder builds a nearest-neighbour path from each of the starts cheapest first stops, improves each with
// 2-opt and Or-opt moves (segments of 1–3 stops, either way round) until neither finds a gain, and keeps the
// cheapest. Moves never carry a stop across the boundary between first stops and the others.
func HeuristicOrder(m [][]float64, first []bool, starts int) ([]int, float64) {
	n := len(m) - 1
	if n <= 0 {
		return []int{}, 0
	}
	nFirst := 0
	for j := 1; j <= n; j++ {
		if isFirst(first, j) {
			nFirst++
		}
	}
	cands := make([]int, 0, n)
	for j := 1; j <= n; j++ {
		if nFirst == 0 || isFirst(first, j) {
			cands = append(cands, j)
		}
	}
	slices.SortStableFunc(cands, func(a, b int) int { return cmpFloat(m[0][a], m[0][b]) })
	if starts < 1 {
		starts = 1
	}
	cands = cands[:min(starts, len(cands))]
	var best []int
	bestCost := math.Inf(1)
	ls := newLocalSearch(m, nFirst)
	for _, f := range cands {
		order := nearestNeighbour(m, first, nFirst, f)
		cost := ls.improve(order)
		if cost < bestCost-1e-9 {
			best, bestCost = slices.Clone(order), cost
		}
	}
	return best, bestCost
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// nearestNeighbour starts at stop f and goes on to the cheapest unvisited stop, first stops before the others.
func nearestNeighbour(m [][]float64, first []bool, nFirst, f int) []int {
	n := len(m) - 1
	seen := make([]bool, n+1)
	order := make([]int, 0, n)
	order = append(order, f)
	seen[f] = true
	leftFirst := nFirst
	if isFirst(first, f) {
		leftFirst--
	}
	at := f
	for len(order) < n {
		next, c := -1, math.Inf(1)
		for j := 1; j <= n; j++ {
			if seen[j] || (leftFirst > 0 && !isFirst(first, j)) {
				continue
			}
			if m[at][j] < c || next < 0 {
				next, c = j, m[at][j]
			}
		}
		if isFirst(first, next) {
			leftFirst--
		}
		seen[next] = true
		order = append(order, next)
		at = next
	}
	return order
}

// localSearch improves open paths in place. p[0] is the start (matrix index 0), p[1..n] the stops; positions
// 1..nFirst hold the first stops. fw[k] is the cost from p[0] to p[k] along the path, bw[k] the same path walked
// backwards (the cost of p[k]→p[k-1]→…→p[0]), so that a reversed segment's cost is a difference of two sums even
// when costs are asymmetric.
type localSearch struct {
	m      [][]float64
	nFirst int
	p      []int
	fw, bw []float64
	tmp    []int
}

func newLocalSearch(m [][]float64, nFirst int) *localSearch {
	n := len(m) - 1
	return &localSearch{m: m, nFirst: nFirst, p: make([]int, n+1), fw: make([]float64, n+1),
		bw: make([]float64, n+1), tmp: make([]int, 0, n+1)}
}

const gain = 1e-9 // the least improvement a move must bring

// improve runs 2-opt and Or-opt on order until neither improves it, writes the result back and returns its cost.
func (ls *localSearch) improve(order []int) float64 {
	ls.p = append(ls.p[:1], order...)
	ls.p[0] = 0
	ls.sums()
	for ls.twoOpt() || ls.orOpt() {
	}
	copy(order, ls.p[1:])
	return ls.fw[len(ls.p)-1]
}

func (ls *localSearch) sums() {
	p, m := ls.p, ls.m
	for k := 1; k < len(p); k++ {
		ls.fw[k] = ls.fw[k-1] + m[p[k-1]][p[k]]
		ls.bw[k] = ls.bw[k-1] + m[p[k]][p[k-1]]
	}
}

// sameBlock says whether positions i..j all lie among the first stops or all among the others.
func (ls *localSearch) sameBlock(i, j int) bool { return j <= ls.nFirst || i > ls.nFirst }

// twoOpt reverses the segment p[i..j] when that makes the path cheaper; it applies the first gain found.
func (ls *localSearch) twoOpt() bool {
	p, m, n := ls.p, ls.m, len(ls.p)-1
	for i := 1; i < n; i++ {
		for j := i + 1; j <= n; j++ {
			if !ls.sameBlock(i, j) {
				break
			}
			old := m[p[i-1]][p[i]] + ls.fw[j] - ls.fw[i]
			nw := m[p[i-1]][p[j]] + ls.bw[j] - ls.bw[i]
			if j < n {
				old += m[p[j]][p[j+1]]
				nw += m[p[i]][p[j+1]]
			}
			if nw < old-gain {
				slices.Reverse(p[i : j+1])
				ls.sums()
				return true
			}
		}
	}
	return false
}

// orOpt moves a segment of one to three stops, as it is or reversed, to another place in its block when that
// makes the path cheaper; it applies the first gain found.
func (ls *localSearch) orOpt() bool {
	p, m, n := ls.p, ls.m, len(ls.p)-1
	for l := 1; l <= 3 && l < n; l++ {
		for i := 1; i+l-1 <= n; i++ {
			e := i + l - 1
			if !ls.sameBlock(i, e) {
				continue
			}
			// What taking p[i..e] out saves.
			saved := m[p[i-1]][p[i]]
			if e < n {
				saved += m[p[e]][p[e+1]] - m[p[i-1]][p[e+1]]
			}
			inner, innerRev := ls.fw[e]-ls.fw[i], ls.bw[e]-ls.bw[i]
			// Put it back between p[k] and the stop that then follows p[k].
			lo, hi := 0, n
			if i > ls.nFirst {
				lo = ls.nFirst
			} else {
				hi = ls.nFirst
			}
			for k := lo; k <= hi; k++ {
				if k >= i-1 && k <= e {
					continue
				}
				a, b := p[k], -1
				if k < n {
					b = p[k+1]
				}
				fwd := m[a][p[i]] + inner
				rev := m[a][p[e]] + innerRev
				if b >= 0 {
					fwd += m[p[e]][b] - m[a][b]
					rev += m[p[i]][b] - m[a][b]
				}
				reversed := rev < fwd
				added := min(fwd, rev)
				if added-inner < saved-gain {
					ls.move(i, e, k, reversed)
					return true
				}
			}
		}
	}
	return false
}

// move takes p[i..e] out and puts it after p[k] (k outside i-1..e), reversed if asked.
func (ls *localSearch) move(i, e, k int, reversed bool) {
	seg := append([]int(nil), ls.p[i:e+1]...)
	if reversed {
		slices.Reverse(seg)
	}
	out := ls.tmp[:0]
	for q := 0; q < len(ls.p); q++ {
		if q >= i && q <= e {
			continue
		}
		out = append(out, ls.p[q])
		if q == k {
			out = append(out, seg...)
		}
	}
	copy(ls.p, out)
	ls.tmp = out
	ls.sums()
}
