package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"gridgov/dispatch"
)

// chinaTime is China Standard Time; the daily and weekly rhythm of the cases follows local time. (A fixed zone,
// so that no time-zone database is needed.)
var chinaTime = time.FixedZone("CST", 8*3600)

// Case generation parameters.
const (
	historyDays    = 365
	hotspotShare   = 0.35 // share of cases drawn from hotspots; the rest is background over all grids
	hotspotFocus   = 0.65 // share of a hotspot's cases in its own dominant categories
	cancelledShare = 0.015
	suspendShare   = 0.02 // of handled cases; a little under half stay suspended
	lateShare      = 0.12 // share of handling rounds that finish after the deadline
	redoShare      = 0.6  // share of unsatisfied ratings sent back as 重办
	maxRedo        = 2
	placeMargin    = 0.004 // parameter distance kept from compound edges when deciding in or out
	eventChunk     = 16384
)

// hourWeights is the share of reports per local hour, a daytime curve with morning and afternoon peaks.
var hourWeights = []float64{0.3, 0.15, 0.1, 0.08, 0.1, 0.3, 0.8, 1.8, 3.0, 3.6, 3.5, 3.0, 2.2, 2.0, 2.8, 3.2,
	3.1, 2.8, 2.4, 2.3, 2.1, 1.6, 1.0, 0.6}

// weekdayWeights by time.Weekday, Sunday first.
var weekdayWeights = []float64{0.65, 1, 0.97, 0.95, 0.95, 0.92, 0.75}

// hotspotKinds are the kinds of place that draw cases, each with its dominant categories.
var hotspotKinds = []struct {
	name       string
	categories []string
}{
	{"market", []string{"street_vendor", "sanitation", "parking", "food_safety", "price_gouging", "oil_fume"}},
	{"school", []string{"parking", "public_order", "school_enrolment", "food_safety", "bus_service"}},
	{"old_compound", []string{"property_management", "building_facility", "flying_wire", "heating", "elderly_care",
		"water_leak", "pests", "neighbour_dispute"}},
	{"construction", []string{"construction_dust", "noise", "illegal_construction", "pothole", "wage_arrears"}},
	{"night_market", []string{"noise", "oil_fume", "sanitation", "public_order", "street_vendor", "parking"}},
	{"hospital", []string{"parking", "healthcare", "street_vendor", "sanitation"}},
	{"new_estate", []string{"property_management", "ev_charging", "parking", "garbage_sorting", "green_space",
		"elevator_fault"}},
	{"riverside", []string{"water_pollution", "sanitation", "drainage", "green_space", "pests", "flood_prevention"}},
}

var channelWeights = []struct {
	channel string
	weight  float64
}{{"app", 30}, {"wechat", 27}, {"hotline", 20}, {"walk_in", 7}, {"box", 3}, {"patrol", 13}}

type hotspot struct {
	d          *district
	x, y       float64 // centre in lattice units: columns east, rows south
	sigma      float64
	categories []int // indices in caseGen.items
	weight     float64
}

// caseGen draws the historical cases.
type caseGen struct {
	b        *builder
	rng      *rand.Rand
	now      time.Time
	start    time.Time
	items    []catalogueItem
	hotspots []hotspot
	hotCum   []float64
	gridCum  []float64
	hourCum  []float64
	weights  []float64 // scratch for category choice
	pool     []dispatch.Event
	scratch  []dispatch.Event
}

// cases adds n historical cases over the 365 days before opt.Now, with IDs 1..n in time order.
func (b *builder) cases(n int) {
	g := &caseGen{
		b:       b,
		rng:     newRand(b.opt.Seed, streamCases),
		now:     b.opt.Now.UTC(),
		items:   catalogue,
		weights: make([]float64, len(catalogue)),
	}
	g.start = g.now.Add(-historyDays * 24 * time.Hour)
	g.hourCum = cumulative(hourWeights)
	g.placeHotspots()
	bg := make([]float64, len(b.grids))
	for i, gr := range b.grids {
		bg[i] = float64(gr.households) * math.Exp(0.5*g.rng.NormFloat64())
	}
	g.gridCum = cumulative(bg)

	times := g.createdTimes(n)
	b.city.Cases = make([]dispatch.Case, n)
	for i, t := range times {
		b.city.Cases[i] = g.one(int64(i+1), t)
	}
}

func cumulative(w []float64) []float64 {
	out := make([]float64, len(w))
	sum := 0.0
	for i, x := range w {
		sum += x
		out[i] = sum
	}
	return out
}

// pick draws an index with probability proportional to the weights whose running sums are cum.
func pick(rng *rand.Rand, cum []float64) int {
	x := rng.Float64() * cum[len(cum)-1]
	return min(sort.SearchFloat64s(cum, x), len(cum)-1)
}

// placeHotspots puts 12 to 20 hotspots in each district, each centred on a compound.
func (g *caseGen) placeHotspots() {
	index := map[string]int{}
	for i, it := range g.items {
		index[it.Code] = i
	}
	var weights []float64
	for _, d := range g.b.districts {
		var grids []*gridRec
		for _, gr := range g.b.grids {
			if gr.d == d {
				grids = append(grids, gr)
			}
		}
		n := 12 + g.rng.IntN(9)
		for range n {
			kind := hotspotKinds[g.rng.IntN(len(hotspotKinds))]
			gr := grids[g.rng.IntN(len(grids))]
			cp := gr.compounds[g.rng.IntN(len(gr.compounds))]
			h := hotspot{d: d, x: float64(gr.c) + (cp.u0+cp.u1)/2, y: float64(gr.r) + 1 - (cp.v0+cp.v1)/2,
				sigma: 0.3 + 0.5*g.rng.Float64(), weight: 0.4 + 1.6*g.rng.Float64()}
			for _, code := range kind.categories {
				if i, ok := index[code]; ok {
					h.categories = append(h.categories, i)
				}
			}
			g.hotspots = append(g.hotspots, h)
			weights = append(weights, h.weight)
		}
	}
	g.hotCum = cumulative(weights)
}

// createdTimes draws n report times in [now-365d, now], weighted by weekday and hour of day with a slight growth
// over the year, and returns them sorted.
func (g *caseGen) createdTimes(n int) []time.Time {
	s := g.start.In(chinaTime)
	out := make([]time.Time, 0, n)
	for len(out) < n {
		d := g.rng.IntN(historyDays + 1)
		day := time.Date(s.Year(), s.Month(), s.Day()+d, 0, 0, 0, 0, chinaTime)
		accept := weekdayWeights[day.Weekday()] * (0.85 + 0.15*float64(d)/historyDays)
		if g.rng.Float64() >= accept {
			continue
		}
		h := pick(g.rng, g.hourCum)
		t := time.Date(day.Year(), day.Month(), day.Day(), h, g.rng.IntN(60), g.rng.IntN(60), 0, chinaTime).UTC()
		if t.Before(g.start) || t.After(g.now) {
			continue
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// chooseCategory draws a category for a report at a local time, from a hotspot's dominant categories or from the
// whole catalogue, weighted by frequency, season and (for night categories) the hour.
func (g *caseGen) chooseCategory(local time.Time, h *hotspot) int {
	month := int(local.Month()) - 1
	hour := local.Hour()
	night := hour >= 20 || hour <= 2
	weight := func(i int) float64 {
		it := &g.items[i]
		w := it.weight * seasonFactors[it.season][month]
		if it.night {
			if night {
				w *= 2.5
			} else {
				w *= 0.7
			}
		}
		return w
	}
	candidates := len(g.items)
	if h != nil && g.rng.Float64() < hotspotFocus {
		candidates = len(h.categories)
	}
	sum := 0.0
	for j := range candidates {
		i := j
		if candidates != len(g.items) {
			i = h.categories[j]
		}
		sum += weight(i)
		g.weights[j] = sum
	}
	j := pick(g.rng, g.weights[:candidates])
	if candidates != len(g.items) {
		return h.categories[j]
	}
	return j
}

// spot is where a case is: a grid, a compound of it or none, and the bilinear parameters inside the grid's block.
type spot struct {
	grid     *gridRec
	compound int // index in grid.compounds, or -1
	u, v     float64
}

// locate finds which compound of a grid holds (u, v): ok is false when the point is too close to a compound edge
// to say.
func locate(gr *gridRec, u, v float64) (compound int, ok bool) {
	for i, c := range gr.compounds {
		if c.contains(u, v, placeMargin) {
			return i, true
		}
		if c.contains(u, v, -placeMargin) {
			return -1, false
		}
	}
	return -1, true
}

// insideCompound draws a point well inside one of the grid's compounds.
func (g *caseGen) insideCompound(gr *gridRec, i int) spot {
	c := gr.compounds[i]
	du, dv := (c.u1-c.u0)*0.05, (c.v1-c.v0)*0.05
	return spot{grid: gr, compound: i,
		u: c.u0 + du + g.rng.Float64()*(c.u1-c.u0-2*du),
		v: c.v0 + dv + g.rng.Float64()*(c.v1-c.v0-2*dv)}
}

// outsideCompounds draws a point of the grid's block that lies outside its compounds: a road verge, an alley.
func (g *caseGen) outsideCompounds(gr *gridRec) spot {
	for {
		u, v := 0.01+0.98*g.rng.Float64(), 0.01+0.98*g.rng.Float64()
		if c, ok := locate(gr, u, v); ok && c < 0 {
			return spot{grid: gr, compound: -1, u: u, v: v}
		}
	}
}

// place decides where a case of category it happens.
func (g *caseGen) place(it *catalogueItem, h *hotspot) spot {
	needCompound := it.Level == dispatch.HandleBuilding
	if h != nil {
		for range 20 {
			x := h.x + h.sigma*g.rng.NormFloat64()
			y := h.y + h.sigma*g.rng.NormFloat64()
			c, r := int(math.Floor(x)), int(math.Floor(y))
			if c < 0 || r < 0 || c >= mapCols || r >= mapRows || h.d.grids[r][c] == nil {
				continue
			}
			gr := h.d.grids[r][c]
			u := min(max(x-float64(c), 0.01), 0.99)
			v := min(max(1-(y-float64(r)), 0.01), 0.99)
			i, ok := locate(gr, u, v)
			if !ok {
				continue
			}
			if i < 0 && (needCompound || g.rng.Float64() < it.inCompound*0.8) {
				return g.insideCompound(gr, g.rng.IntN(len(gr.compounds)))
			}
			return spot{grid: gr, compound: i, u: u, v: v}
		}
	}
	gr := g.b.grids[pick(g.rng, g.gridCum)]
	if needCompound || g.rng.Float64() < it.inCompound {
		return g.insideCompound(gr, g.rng.IntN(len(gr.compounds)))
	}
	return g.outsideCompounds(gr)
}

// roadPhrase names the nearest crossing or road of a point outside the compounds.
func roadPhrase(s spot) string {
	c, r := s.grid.c, s.grid.r
	east, north := s.u >= 0.5, s.v >= 0.5
	du, dv := min(s.u, 1-s.u), min(s.v, 1-s.v)
	ew := eastWestRoads[r+1]
	if north {
		ew = eastWestRoads[r]
	}
	ns := northSouthRoads[c]
	if east {
		ns = northSouthRoads[c+1]
	}
	switch {
	case du < 0.2 && dv < 0.2:
		return ew + "与" + ns + "路口"
	case dv <= du:
		return ew
	}
	return ns
}

func timeOfDay(hour int) string {
	switch {
	case hour < 5:
		return "凌晨"
	case hour < 8:
		return "早上"
	case hour < 11:
		return "上午"
	case hour < 13:
		return "中午"
	case hour < 17:
		return "下午"
	case hour < 19:
		return "傍晚"
	}
	return "晚上"
}

var descriptionEndings = []string{"", "", "", "已经好几天了。", "希望尽快处理。", "多次反映未解决。", "请网格员来看看。",
	"影响居民正常生活。"}

// dueAt adds a deadline to t: working hours as clock hours, working days as whole days skipping Saturdays and
// Sundays (local time). The real working-time calendar lives in package dispatch.
func dueAt(t time.Time, d dispatch.Deadline) time.Time {
	if d.Unit == "hours" {
		return t.Add(time.Duration(d.Amount) * time.Hour)
	}
	for n := 0; n < d.Amount; {
		t = t.Add(24 * time.Hour)
		if wd := t.In(chinaTime).Weekday(); wd != time.Saturday && wd != time.Sunday {
			n++
		}
	}
	return t
}

// span draws a duration between lo and hi, log-uniformly, rounded to the second and at least one second.
func (g *caseGen) span(lo, hi time.Duration) time.Duration {
	l, h := math.Log(float64(lo)), math.Log(float64(hi))
	d := time.Duration(math.Exp(l + g.rng.Float64()*(h-l))).Round(time.Second)
	return max(d, time.Second)
}

func (g *caseGen) rating(round int) string {
	x := g.rng.Float64()
	if round == 0 {
		switch {
		case x < 0.68:
			return "satisfied"
		case x < 0.85:
			return "basically_satisfied"
		case x < 0.95:
			return "unrated"
		}
		return "unsatisfied"
	}
	switch {
	case x < 0.55:
		return "satisfied"
	case x < 0.85:
		return "basically_satisfied"
	case x < 0.90:
		return "unrated"
	}
	return "unsatisfied"
}

var (
	cancelReasons  = []string{"重复上报", "群众已自行解决，申请撤回", "不属于受理范围，已告知反映渠道"}
	suspendReasons = []string{"等待业主配合入户", "需协调产权单位", "季节性施工条件不具备", "涉及诉讼，等待结果"}
)

// one builds case id reported at t.
func (g *caseGen) one(id int64, t time.Time) dispatch.Case {
	rng := g.rng
	local := t.In(chinaTime)
	var h *hotspot
	if rng.Float64() < hotspotShare {
		h = &g.hotspots[pick(rng, g.hotCum)]
	}
	it := &g.items[g.chooseCategory(local, h)]
	s := g.place(it, h)
	gr := s.grid
	city := g.b.city
	grid := &city.Grids[gr.unit]
	community := &city.Communities[gr.community]
	street := &city.Streets[gr.street]
	pt := gr.d.lat.at(gr.c, gr.r, s.u, s.v)

	c := dispatch.Case{
		ID:             id,
		Category:       it.Code,
		Urgency:        "normal",
		Lon:            pt[0],
		Lat:            pt[1],
		OrigLon:        pt[0],
		OrigLat:        pt[1],
		CRS:            "wgs84",
		StreetCode:     street.Code,
		CommunityCode:  community.Code,
		GridCode:       grid.Code,
		Classification: it.Classification,
		CreatedAt:      t,
	}
	for x := rng.Float64() * 100; c.Channel == ""; {
		for _, ch := range channelWeights {
			if x < ch.weight {
				c.Channel = ch.channel
				break
			}
			x -= ch.weight
		}
		x = rng.Float64() * 100 // only if the weights did not add up to 100
	}
	if rng.Float64() < it.urgent {
		c.Urgency = "urgent"
	}

	// Where, in words.
	var place string
	if s.compound >= 0 {
		cp := gr.compounds[s.compound]
		b := &city.Buildings[cp.unit]
		c.BuildingCode = b.Code
		c.Address = street.Name + b.Name
		place = b.Name
		if it.inCompound >= 0.8 && rng.IntN(10) < 4 { // a matter of one building: name it
			place += fmt.Sprintf("%d号楼", 1+rng.IntN(cp.buildings))
		}
	} else {
		road := roadPhrase(s)
		c.Address = street.Name + community.Name + road
		place = road
	}
	tpl := it.templates[rng.IntN(len(it.templates))]
	desc := strings.ReplaceAll(strings.ReplaceAll(tpl, "{place}", place), "{when}", timeOfDay(local.Hour()))
	switch c.Channel {
	case "hotline":
		desc = "市民来电反映：" + desc
	case "patrol":
		desc = "网格员巡查发现：" + desc
	}
	c.Description = desc + "。" + descriptionEndings[rng.IntN(len(descriptionEndings))]

	// Who reported it.
	switch {
	case c.Channel == "patrol":
		p := city.People[gr.workers[rng.IntN(len(gr.workers))]]
		c.ReporterName, c.ReporterPhone = p.Name, p.Phone
	case c.Channel == "box" && rng.IntN(10) < 7, rng.IntN(100) < 12:
		// anonymous
	default:
		c.ReporterName = personName(rng)
		c.ReporterPhone = fmt.Sprintf("1710000%04d", rng.IntN(10000))
	}

	// Who handles it.
	switch it.Level {
	case dispatch.HandleBuilding:
		c.AssigneeCode = orgCode(c.BuildingCode)
	case dispatch.HandleGrid:
		c.AssigneeCode = orgCode(grid.Code)
	case dispatch.HandleCommunity:
		c.AssigneeCode = orgCode(community.Code)
	case dispatch.HandleStreet:
		c.AssigneeCode = street.Code
	default:
		c.AssigneeCode = it.Department
	}
	deadline := it.Deadlines[c.Urgency]
	c.DueAt = dueAt(t, deadline)
	g.history(&c, it, gr, deadline)
	return c
}

// history writes the case's events and sets its final status from them. It plays the case's whole life forward
// (hear, perhaps deliberate and decide, dispatch, handle, verify, rate, perhaps redo), then cuts it at Now; recent
// cases, and a few older ones that stalled, are thereby still open.
//
// Each event's Note carries its action's argument: hear → the classification; schedule → the discuss point's
// code; decide → "yes=…,no=…,abstain=…"; dispatch → the assignee's code; resolve → a remark; verify → "passed";
// rate → the rating; conclude → "closed", or "redo" when the case goes back to dispatched as 重办; suspend and
// cancel → the reason. An unsatisfied rating is a rate event from verified to verified, followed by a conclude.
func (g *caseGen) history(c *dispatch.Case, it *catalogueItem, gr *gridRec, deadline dispatch.Deadline) {
	rng := g.rng
	city := g.b.city
	gridCode, communityCode := c.GridCode, c.CommunityCode
	evs := g.scratch[:0]
	t := c.CreatedAt
	add := func(action string, to dispatch.Status, role, unit, note string) {
		var from dispatch.Status
		if len(evs) > 0 {
			from = evs[len(evs)-1].To
		}
		evs = append(evs, dispatch.Event{Action: action, From: from, To: to, ActorRole: role, ActorUnit: unit,
			Note: note, At: t})
	}
	switch c.Channel {
	case "hotline":
		add("report", dispatch.StatusReported, "dispatcher", c.StreetCode, "")
	case "patrol", "box":
		add("report", dispatch.StatusReported, "grid_worker", gridCode, "")
	default:
		add("report", dispatch.StatusReported, "resident", gridCode, "")
	}

	var dispatchRole, dispatchUnit, handlerRole, handlerUnit string
	switch it.Level {
	case dispatch.HandleBuilding, dispatch.HandleGrid:
		dispatchRole, dispatchUnit, handlerRole, handlerUnit = "grid_chief", gridCode, "grid_worker", gridCode
	case dispatch.HandleCommunity:
		dispatchRole, dispatchUnit, handlerRole, handlerUnit = "dispatcher", communityCode, "grid_chief", communityCode
	case dispatch.HandleStreet:
		dispatchRole, dispatchUnit, handlerRole, handlerUnit = "dispatcher", c.StreetCode, "dispatcher", c.StreetCode
	default:
		dispatchRole, dispatchUnit, handlerRole, handlerUnit = "dispatcher", c.StreetCode, "department", it.Department
	}
	quick := it.Classification == dispatch.ClassImmediate || c.Urgency == "urgent"
	satisfaction := ""

	if rng.Float64() < cancelledShare {
		if rng.IntN(2) == 0 {
			t = t.Add(g.span(10*time.Minute, 6*time.Hour))
			add("hear", dispatch.StatusHeard, "grid_worker", gridCode, string(it.Classification))
		}
		t = t.Add(g.span(30*time.Minute, 72*time.Hour))
		add("cancel", dispatch.StatusCancelled, "dispatcher", c.StreetCode, cancelReasons[rng.IntN(len(cancelReasons))])
	} else {
		if quick {
			t = t.Add(g.span(3*time.Minute, 2*time.Hour))
		} else {
			t = t.Add(g.span(15*time.Minute, 8*time.Hour))
		}
		add("hear", dispatch.StatusHeard, "grid_worker", gridCode, string(it.Classification))
		deliberate := 0.0
		switch {
		case it.Classification == dispatch.ClassSuggestion:
			deliberate = 0.35
		case it.Level == dispatch.HandleCommunity:
			deliberate = 0.1
		}
		if rng.Float64() < deliberate {
			point := city.DiscussPoints[gr.points[rng.IntN(len(gr.points))]].Code
			t = t.Add(g.span(24*time.Hour, 5*24*time.Hour))
			add("schedule", dispatch.StatusDeliberating, "dispatcher", communityCode, point)
			t = t.Add(g.span(3*24*time.Hour, 15*24*time.Hour))
			yes := 7 + rng.IntN(20)
			add("decide", dispatch.StatusDecided, "dispatcher", communityCode,
				fmt.Sprintf("yes=%d,no=%d,abstain=%d", yes, rng.IntN(yes/3+1), rng.IntN(4)))
			c.DueAt = dueAt(t, deadline)
		}
		if quick {
			t = t.Add(g.span(2*time.Minute, time.Hour))
		} else {
			t = t.Add(g.span(10*time.Minute, 24*time.Hour))
		}
		add("dispatch", dispatch.StatusDispatched, dispatchRole, dispatchUnit, c.AssigneeCode)
	rounds:
		for round := 0; ; round++ {
			t = t.Add(g.span(5*time.Minute, 24*time.Hour))
			add("start", dispatch.StatusInProgress, handlerRole, handlerUnit, "")
			if round == 0 && rng.Float64() < suspendShare {
				t = t.Add(g.span(24*time.Hour, 5*24*time.Hour))
				add("suspend", dispatch.StatusSuspended, handlerRole, handlerUnit,
					suspendReasons[rng.IntN(len(suspendReasons))])
				if rng.IntN(100) < 45 {
					break rounds
				}
				t = t.Add(g.span(3*24*time.Hour, 30*24*time.Hour))
				add("resume", dispatch.StatusInProgress, handlerRole, handlerUnit, "")
			}
			due := c.DueAt
			if round > 0 {
				due = t.Add(g.span(24*time.Hour, 5*24*time.Hour))
			}
			if window := due.Sub(t); rng.Float64() >= lateShare && window > time.Minute {
				t = t.Add(time.Duration(float64(window) * (0.1 + 0.8*rng.Float64())).Round(time.Second))
			} else {
				if due.After(t) {
					t = due
				}
				t = t.Add(g.span(time.Hour, 7*24*time.Hour))
			}
			add("resolve", dispatch.StatusResolved, handlerRole, handlerUnit, "已处置完毕")
			t = t.Add(g.span(time.Hour, 48*time.Hour))
			add("verify", dispatch.StatusVerified, "grid_worker", gridCode, "passed")
			switch r := g.rating(round); r {
			case "unrated":
				t = t.Add(g.span(3*24*time.Hour, 7*24*time.Hour))
				add("conclude", dispatch.StatusClosed, "dispatcher", communityCode, "closed")
				satisfaction = r
				break rounds
			case "unsatisfied":
				t = t.Add(g.span(30*time.Minute, 72*time.Hour))
				add("rate", dispatch.StatusVerified, "resident", gridCode, r)
				if round < maxRedo && rng.Float64() < redoShare {
					t = t.Add(g.span(2*time.Hour, 48*time.Hour))
					add("conclude", dispatch.StatusDispatched, "dispatcher", communityCode, "redo")
					continue
				}
				t = t.Add(g.span(24*time.Hour, 5*24*time.Hour))
				add("conclude", dispatch.StatusClosed, "dispatcher", communityCode, "closed")
				satisfaction = r
				break rounds
			default:
				t = t.Add(g.span(30*time.Minute, 72*time.Hour))
				add("rate", dispatch.StatusClosed, "resident", gridCode, r)
				satisfaction = r
				break rounds
			}
		}
	}

	// Cut the life at Now, and stall a share of the cases that would be closed by now.
	n := len(evs)
	for n > 1 && evs[n-1].At.After(g.now) {
		n--
	}
	age := g.now.Sub(c.CreatedAt).Hours() / 24
	if n > 2 && evs[n-1].To == dispatch.StatusClosed && rng.Float64() < 0.7*math.Exp(-age/12)+0.03 {
		// Keep at least the report and the hearing; a case stalled for weeks has at least been dispatched.
		lo := 2
		if age > 14 {
			lo = min(4, n-1)
		}
		n = lo + rng.IntN(n-lo)
	}
	evs = evs[:n]
	g.scratch = evs

	last := evs[n-1]
	c.Status = last.To
	if !c.Status.Open() {
		c.ClosedAt = last.At
	}
	if c.Status == dispatch.StatusClosed {
		c.Satisfaction = satisfaction
	}
	if c.Status == dispatch.StatusSuspended {
		c.SuspendedFrom, c.SuspendedAt = last.From, last.At
	}
	for _, e := range evs {
		if e.Action == "conclude" && e.To == dispatch.StatusDispatched {
			c.Redone++
		}
	}
	if c.Redone > 0 {
		c.Classification = dispatch.ClassRedo
	}
	if len(g.pool) < n {
		g.pool = make([]dispatch.Event, eventChunk)
	}
	c.Events = g.pool[:n:n]
	copy(c.Events, evs)
	g.pool = g.pool[n:]
}
