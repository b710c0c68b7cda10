package dispatch

import (
	"math"
	"slices"
	"sync"
	"time"

	"github.com/paulmach/orb"
)

// FieldTask is what the field index keeps of an open case.
type FieldTask struct {
	ID             int64
	Lon, Lat       float64 // WGS-84
	Status         Status
	Urgency        string
	Classification Classification
	Category       string
	Unit           string // the most specific unit code of its place: grid, else community, else street
	AssigneeCode   string
	DueAt          time.Time // zero without a deadline
}

// TaskOf is the field task of a case.
func TaskOf(c Case) FieldTask {
	return FieldTask{ID: c.ID, Lon: c.Lon, Lat: c.Lat, Status: c.Status, Urgency: c.Urgency,
		Classification: c.Classification, Category: c.Category, Unit: caseUnit(c), AssigneeCode: c.AssigneeCode,
		DueAt: c.DueAt}
}

// Overdue says whether the task's deadline has passed at now.
func (t *FieldTask) Overdue(now time.Time) bool { return !t.DueAt.IsZero() && now.After(t.DueAt) }

// Pressing says whether the task is overdue or urgent: such tasks come first when a worker asks for urgent first.
func (t *FieldTask) Pressing(now time.Time) bool { return t.Urgency == "urgent" || t.Overdue(now) }

// earthRadius is the mean Earth radius in metres (the sphere PostGIS's geography distance uses by default is the
// WGS-84 spheroid; on a city's scale the difference is below 0.3 %).
const earthRadius = 6_371_008.8

// Haversine is the great-circle distance in metres between two WGS-84 points.
func Haversine(a, b orb.Point) float64 {
	const rad = math.Pi / 180
	dLat, dLon := (b[1]-a[1])*rad, (b[0]-a[0])*rad
	s := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * earthRadius * math.Asin(math.Min(1, math.Sqrt(s)))
}

// TaskIndex holds the open cases in memory in a uniform grid of buckets over longitude and latitude, for the
// nearest tasks to a worker. The bucket size is fixed when the index is loaded so that a bucket holds about
// four tasks; tasks added later go into the same grid. It is safe for concurrent use.
type TaskIndex struct {
	mu   sync.RWMutex
	cell float64 // bucket size in degrees
	// Buckets within the box of the tasks loaded are a dense array (dense[(cy-oy)*w+(cx-ox)]); the rest, for
	// tasks added later outside that box, a map.
	dense    [][]int32
	ox, oy   int32
	w, h     int32
	buckets  map[int64][]int32
	nonEmpty int         // buckets holding a task
	tasks    []FieldTask // by slot; a free slot has ID 0
	pos      []taskPos   // by slot, the part a search reads
	free     []int32
	slot     map[int64]int32 // case id → slot
	minX     int32           // the box of the buckets ever used
	minY     int32
	maxX     int32
	maxY     int32
}

// NewTaskIndex returns an empty index.
func NewTaskIndex() *TaskIndex {
	x := &TaskIndex{}
	x.reset(nil)
	return x
}

const tasksPerBucket = 4

// maxDense bounds the dense bucket array.
const maxDense = 1 << 22

type taskPos struct {
	lon, lat float64
	id       int64
}

// bucket lists the slots in bucket (cx, cy).
func (x *TaskIndex) bucket(cx, cy int32) []int32 {
	if i, j := cx-x.ox, cy-x.oy; i >= 0 && j >= 0 && i < x.w && j < x.h {
		return x.dense[j*x.w+i]
	}
	return x.buckets[bucketKey(cx, cy)]
}

func (x *TaskIndex) setBucket(cx, cy int32, b []int32) {
	old := len(x.bucket(cx, cy))
	switch {
	case old == 0 && len(b) > 0:
		x.nonEmpty++
	case old > 0 && len(b) == 0:
		x.nonEmpty--
	}
	if i, j := cx-x.ox, cy-x.oy; i >= 0 && j >= 0 && i < x.w && j < x.h {
		x.dense[j*x.w+i] = b
		return
	}
	if len(b) == 0 {
		delete(x.buckets, bucketKey(cx, cy))
	} else {
		x.buckets[bucketKey(cx, cy)] = b
	}
}

func (x *TaskIndex) reset(tasks []FieldTask) {
	x.cell = 0.002 // about 220 m by 180 m at 36.7° N
	x.dense, x.ox, x.oy, x.w, x.h = nil, 0, 0, 0, 0
	var b orb.Bound
	n := 0
	for _, t := range tasks {
		if !validPos(t.Lon, t.Lat) {
			continue
		}
		if n == 0 {
			b = orb.Bound{Min: orb.Point{t.Lon, t.Lat}, Max: orb.Point{t.Lon, t.Lat}}
		}
		b = b.Extend(orb.Point{t.Lon, t.Lat})
		n++
	}
	if n > 0 {
		area := max(b.Max[0]-b.Min[0], 1e-4) * max(b.Max[1]-b.Min[1], 1e-4)
		x.cell = min(max(math.Sqrt(area*tasksPerBucket/float64(n)), 1e-4), 0.05)
		x0, y0 := x.key(b.Min[0], b.Min[1])
		x1, y1 := x.key(b.Max[0], b.Max[1])
		if w, h := int64(x1-x0+3), int64(y1-y0+3); w*h <= maxDense {
			x.ox, x.oy, x.w, x.h = x0-1, y0-1, int32(w), int32(h)
			x.dense = make([][]int32, w*h)
		}
	}
	x.nonEmpty = 0
	x.pos = x.pos[:0]
	x.buckets = map[int64][]int32{}
	x.tasks = x.tasks[:0]
	x.free = x.free[:0]
	x.slot = map[int64]int32{}
	x.minX, x.minY, x.maxX, x.maxY = math.MaxInt32, math.MaxInt32, math.MinInt32, math.MinInt32
}

// Len is the number of tasks held.
func (x *TaskIndex) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.slot)
}

// Load replaces the index's tasks.
func (x *TaskIndex) Load(tasks []FieldTask) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.reset(tasks)
	x.tasks = make([]FieldTask, 0, len(tasks))
	x.pos = make([]taskPos, 0, len(tasks))
	for _, t := range tasks {
		if t.Status.Open() && t.ID != 0 {
			x.put(t)
		}
	}
}

// Apply brings the index up to date with cases as they now stand: open cases are added or updated, closed and
// cancelled ones removed.
func (x *TaskIndex) Apply(cases ...Case) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, c := range cases {
		x.remove(c.ID)
		if c.Status.Open() && c.ID != 0 {
			x.put(TaskOf(c))
		}
	}
}

func (x *TaskIndex) key(lon, lat float64) (int32, int32) {
	return int32(math.Floor(lon / x.cell)), int32(math.Floor(lat / x.cell))
}

func bucketKey(cx, cy int32) int64 { return int64(cx)<<32 | int64(uint32(cy)) }

func validPos(lon, lat float64) bool {
	return !math.IsNaN(lon) && !math.IsNaN(lat) && math.Abs(lon) <= 180 && math.Abs(lat) <= 90
}

func (x *TaskIndex) put(t FieldTask) {
	if !validPos(t.Lon, t.Lat) {
		return
	}
	var s int32
	p := taskPos{lon: t.Lon, lat: t.Lat, id: t.ID}
	if n := len(x.free); n > 0 {
		s = x.free[n-1]
		x.free = x.free[:n-1]
		x.tasks[s], x.pos[s] = t, p
	} else {
		s = int32(len(x.tasks))
		x.tasks = append(x.tasks, t)
		x.pos = append(x.pos, p)
	}
	x.slot[t.ID] = s
	cx, cy := x.key(t.Lon, t.Lat)
	x.setBucket(cx, cy, append(x.bucket(cx, cy), s))
	x.minX, x.maxX = min(x.minX, cx), max(x.maxX, cx)
	x.minY, x.maxY = min(x.minY, cy), max(x.maxY, cy)
}

func (x *TaskIndex) remove(id int64) {
	s, ok := x.slot[id]
	if !ok {
		return
	}
	t := x.tasks[s]
	cx, cy := x.key(t.Lon, t.Lat)
	b := x.bucket(cx, cy)
	if i := slices.Index(b, s); i >= 0 {
		b[i] = b[len(b)-1]
		b = b[:len(b)-1]
	}
	x.setBucket(cx, cy, b)
	delete(x.slot, id)
	x.tasks[s], x.pos[s] = FieldTask{}, taskPos{}
	x.free = append(x.free, s)
}

// Near is a task and its distance from the query point in metres.
type Near struct {
	Task   FieldTask
	Metres float64
}

// Nearest returns up to k tasks that keep accepts, nearest to p first (ties by case id). Distances are measured
// in the plane tangent to the sphere at p's latitude, within 0.01 % of the great-circle distance across a city.
// The search visits rings of buckets around p until the k-th distance found is nearer than any unvisited
// bucket; when the rings would visit more buckets than exist it scans every task instead.
func (x *TaskIndex) Nearest(p orb.Point, k int, keep func(*FieldTask) bool) []Near {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if k <= 0 || len(x.slot) == 0 {
		return nil
	}
	const rad = math.Pi / 180
	kx, ky := earthRadius*rad*math.Cos(p[1]*rad), earthRadius*rad
	type cand struct {
		d2   float64 // squared distance in m²
		id   int64
		slot int32
	}
	top := make([]cand, 0, k+1) // the best so far, nearest first
	consider := func(s int32) {
		t := &x.pos[s]
		dx, dy := (t.lon-p[0])*kx, (t.lat-p[1])*ky
		d2 := dx*dx + dy*dy
		if len(top) == k {
			if last := top[k-1]; d2 > last.d2 || d2 == last.d2 && t.id > last.id {
				return
			}
		}
		if keep != nil && !keep(&x.tasks[s]) {
			return
		}
		i := len(top)
		for i > 0 && (top[i-1].d2 > d2 || top[i-1].d2 == d2 && top[i-1].id > t.id) {
			i--
		}
		if len(top) < k {
			top = append(top, cand{})
		}
		copy(top[i+1:], top[i:len(top)-1])
		top[i] = cand{d2: d2, id: t.id, slot: s}
	}
	cx, cy := x.key(p[0], p[1])
	// How far p lies inside its own bucket from each side, in metres: ring r's buckets are at least
	// (r-1) bucket widths plus the nearest of these away.
	wx, wy := x.cell*kx, x.cell*ky
	fx, fy := p[0]/x.cell-float64(cx), p[1]/x.cell-float64(cy)
	inner := min(fx*wx, (1-fx)*wx, fy*wy, (1-fy)*wy)
	for r := int32(0); ; r++ {
		// All buckets ever used lie within the rings visited so far: done.
		if r > 0 && cx-r+1 <= x.minX && cx+r-1 >= x.maxX && cy-r+1 <= x.minY && cy+r-1 >= x.maxY {
			break
		}
		if r > 0 && len(top) == k {
			if gap := float64(r-1)*min(wx, wy) + inner; top[k-1].d2 < gap*gap {
				break
			}
		}
		if r > 0 && int(8*r) > x.nonEmpty {
			top = top[:0]
			for s := range x.tasks {
				if x.tasks[s].ID != 0 {
					consider(int32(s))
				}
			}
			break
		}
		for dx := -r; dx <= r; dx++ {
			dyStep := 2 * r // the ring's inner columns: only the top and bottom buckets
			if dx == -r || dx == r || r == 0 {
				dyStep = 1
			}
			for dy := -r; dy <= r; dy += dyStep {
				for _, s := range x.bucket(cx+dx, cy+dy) {
					consider(s)
				}
			}
		}
	}
	out := make([]Near, len(top))
	for i, c := range top {
		out[i] = Near{Task: x.tasks[c.slot], Metres: math.Sqrt(c.d2)}
	}
	return out
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
