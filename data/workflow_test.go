package data_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/demo"
	"gridgov/data/pgtest"
	"gridgov/dispatch"
)

// TestEscalationWithMovedClock: an overdue grid case climbs to its community, then to its street, and stays there.
func TestEscalationWithMovedClock(t *testing.T) {
	ctx := context.Background()
	w := newWorkflowCity(t, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)) // a Monday
	city, dir, store, intake, wf := w.city, w.dir, w.store, w.intake, w.wf

	grid := city.Grids[0]
	gridOrg, communityOrg := dir.OrgsByUnit[grid.Code].Code, dir.OrgsByUnit[grid.ParentCode].Code
	street := grid.ParentCode[:9]
	lon, lat := city.Buildings[0].Geometry.Bound().Center().X(), city.Buildings[0].Geometry.Bound().Center().Y()
	created, err := intake.Submit(ctx, dispatch.Report{Category: "noise", Description: "夜间施工", Lat: &lat, Lon: &lon}, "")
	require.NoError(t, err)
	id := created.Case.ID
	require.Equal(t, gridOrg, created.Case.AssigneeCode, "a noise complaint starts with the grid party branch")

	// Before the deadline nothing happens.
	esc, _, err := wf.Tick(ctx)
	require.NoError(t, err)
	assert.Zero(t, esc)

	assignee := func() (string, int) {
		c, err := store.Case(ctx, id)
		require.NoError(t, err)
		return c.AssigneeCode, c.Escalations
	}
	w.now = created.Case.DueAt.Add(time.Minute)
	esc, _, err = wf.Tick(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, esc)
	a, n := assignee()
	assert.Equal(t, communityOrg, a)
	assert.Equal(t, 1, n)

	// A second server ticking at the same moment changes nothing more.
	esc, _, err = wf.Tick(ctx)
	require.NoError(t, err)
	assert.Zero(t, esc)

	c, err := store.Case(ctx, id)
	require.NoError(t, err)
	w.now = c.DueAt.Add(time.Minute)
	_, _, err = wf.Tick(ctx)
	require.NoError(t, err)
	a, n = assignee()
	assert.Equal(t, street, a)
	assert.Equal(t, 2, n)

	// At the street it stays (and stays overdue).
	c, err = store.Case(ctx, id)
	require.NoError(t, err)
	w.now = c.DueAt.Add(time.Hour)
	esc, _, err = wf.Tick(ctx)
	require.NoError(t, err)
	assert.Zero(t, esc)
	a, _ = assignee()
	assert.Equal(t, street, a)

	events, err := store.Events(ctx, id)
	require.NoError(t, err)
	var escalations int
	for _, e := range events {
		if e.Action == "escalate" {
			escalations++
			assert.Equal(t, "system", e.ActorRole)
		}
	}
	assert.Equal(t, 2, escalations)
	assert.Equal(t, 2, count(t, w.pool, `SELECT count(*) FROM notifications WHERE case_id = $1 AND kind = 'escalate'`, id))
}

// TestSuspendedAtRoundTrips: the moment a case was suspended is written with the case and read back wherever a case
// is read (one case, the listing, the live feed), and cleared when the case resumes.
func TestSuspendedAtRoundTrips(t *testing.T) {
	tx := pgtest.Tx(t)
	town(t, tx)
	catalogue(t, tx)
	store := data.NewCaseStore(tx)
	defer store.Close()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	created, err := store.Create(ctx, newCase("t_noise", 0, now, ""))
	require.NoError(t, err)
	id := created.Case.ID
	held := now.Add(90 * time.Minute).Add(123456 * time.Microsecond)

	out, events, err := store.Update(ctx, id, func(c dispatch.Case) (dispatch.Case, []dispatch.Event, error) {
		assert.True(t, c.SuspendedAt.IsZero(), "a new case is not suspended")
		c.Status, c.SuspendedFrom, c.SuspendedAt = dispatch.StatusSuspended, c.Status, held
		return c, []dispatch.Event{{Action: "suspend", From: dispatch.StatusReported, To: c.Status, At: held}}, nil
	})
	require.NoError(t, err)
	require.Equal(t, held, out.SuspendedAt)

	got, err := store.Case(ctx, id)
	require.NoError(t, err)
	assert.True(t, held.Equal(got.SuspendedAt), "Case: want %v, got %v", held, got.SuspendedAt)
	assert.Equal(t, dispatch.StatusReported, got.SuspendedFrom)
	listed, _, err := store.List(ctx, dispatch.CaseFilter{IDs: []int64{id}, Limit: 1})
	require.NoError(t, err)
	require.Len(t, listed, 1)
	assert.True(t, held.Equal(listed[0].SuspendedAt), "List: got %v", listed[0].SuspendedAt)
	require.Len(t, events, 1)
	feed, err := store.EventsAfter(ctx, events[0].ID-1, nil, 1)
	require.NoError(t, err)
	require.Len(t, feed, 1)
	require.Equal(t, events[0].ID, feed[0].Event.ID)
	assert.True(t, held.Equal(feed[0].Case.SuspendedAt), "EventsAfter: got %v", feed[0].Case.SuspendedAt)

	_, _, err = store.Update(ctx, id, func(c dispatch.Case) (dispatch.Case, []dispatch.Event, error) {
		assert.True(t, held.Equal(c.SuspendedAt), "Update reads it under the lock")
		c.Status, c.SuspendedFrom, c.SuspendedAt = c.SuspendedFrom, "", time.Time{}
		resume := dispatch.Event{Action: "resume", From: dispatch.StatusSuspended, To: c.Status, At: now.Add(2 * time.Hour)}
		return c, []dispatch.Event{resume}, nil
	})
	require.NoError(t, err)
	got, err = store.Case(ctx, id)
	require.NoError(t, err)
	assert.True(t, got.SuspendedAt.IsZero())
	assert.Equal(t, 0, count(t, tx, `SELECT count(*) FROM cases WHERE id = $1 AND suspended_at IS NOT NULL`, id))
}

// TestSuspensionStopsTheClock: a case suspended for a week with its deadline passing meanwhile is not overdue when it
// resumes, so the scheduler leaves it with its assignee.
func TestSuspensionStopsTheClock(t *testing.T) {
	ctx := context.Background()
	w := newWorkflowCity(t, time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)) // Monday 09:00 in Shanghai
	city, store, intake, wf := w.city, w.store, w.intake, w.wf

	grid := city.Grids[0]
	lon, lat := city.Buildings[0].Geometry.Bound().Center().X(), city.Buildings[0].Geometry.Bound().Center().Y()
	created, err := intake.Submit(ctx, dispatch.Report{Category: "noise", Description: "夜间施工", Lat: &lat, Lon: &lon}, "")
	require.NoError(t, err)
	id, due := created.Case.ID, created.Case.DueAt
	chief := dispatch.Actor{Role: dispatch.RoleGridChief, Unit: grid.Code, Subject: "chief-1"}

	w.now = w.now.Add(time.Hour)
	left := w.cal.WorkingBetween(w.now, due)
	require.Positive(t, left)
	held, _, err := wf.Act(ctx, id, dispatch.Action{Name: "suspend", Reason: "等待产权单位答复"}, chief)
	require.NoError(t, err)
	require.Equal(t, dispatch.StatusSuspended, held.Status)

	w.now = due.Add(7 * 24 * time.Hour) // long past the old deadline
	back, events, err := wf.Act(ctx, id, dispatch.Action{Name: "resume"}, chief)
	require.NoError(t, err)
	assert.Equal(t, left, w.cal.WorkingBetween(w.now, back.DueAt), "the working time left at suspension")
	esc, _, err := wf.Tick(ctx)
	require.NoError(t, err)
	assert.Zero(t, esc, "not overdue on resume")

	stored, err := store.Case(ctx, id)
	require.NoError(t, err)
	assert.True(t, back.DueAt.Equal(stored.DueAt))
	assert.True(t, stored.SuspendedAt.IsZero())
	history, err := store.Events(ctx, id)
	require.NoError(t, err)
	last := history[len(history)-1]
	require.Equal(t, events[0].ID, last.ID)
	for key, want := range map[string]time.Time{"old_due_at": due, "due_at": back.DueAt} {
		s, _ := last.Data[key].(string)
		got, err := time.Parse(time.RFC3339Nano, s)
		require.NoError(t, err, "%s: %v", key, last.Data[key])
		assert.True(t, want.Equal(got), "%s: want %v, got %v", key, want, got)
	}
}

// TestDepartmentCaseEscalatesToItsStreet: a case a department lets pass its deadline climbs to the street where it
// lies, which coordinates the departments; a case at the street stays there.
func TestDepartmentCaseEscalatesToItsStreet(t *testing.T) {
	ctx := context.Background()
	w := newWorkflowCity(t, time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)) // Monday 09:00 in Shanghai
	city, dir, store, intake, wf := w.city, w.dir, w.store, w.intake, w.wf
	var dept string
	for code := range dir.Departments {
		if dept == "" || code < dept {
			dept = code
		}
	}
	require.NotEmpty(t, dept, "the demo city has departments")

	lon, lat := city.Buildings[0].Geometry.Bound().Center().X(), city.Buildings[0].Geometry.Bound().Center().Y()
	created, err := intake.Submit(ctx, dispatch.Report{Category: "noise", Description: "夜间施工", Lat: &lat, Lon: &lon}, "")
	require.NoError(t, err)
	c := created.Case
	dispatcher := dispatch.Actor{Role: dispatch.RoleDispatcher, Unit: c.StreetCode, Subject: "dispatcher-1"}
	_, _, err = wf.Act(ctx, c.ID, dispatch.Action{Name: "hear", Classification: dispatch.ClassPending}, dispatcher)
	require.NoError(t, err)
	sent, _, err := wf.Act(ctx, c.ID, dispatch.Action{Name: "dispatch", To: dept}, dispatcher)
	require.NoError(t, err)
	require.Equal(t, dept, sent.AssigneeCode)

	w.now = sent.DueAt.Add(time.Hour)
	esc, _, err := wf.Tick(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, esc)
	got, err := store.Case(ctx, c.ID)
	require.NoError(t, err)
	want := c.StreetCode
	if o, ok := dir.OrgsByUnit[c.StreetCode]; ok {
		want = o.Code
	}
	assert.Equal(t, want, got.AssigneeCode, "the street where the case lies")
	assert.Equal(t, dept, got.PrevAssignee)
	assert.Equal(t, dispatch.StatusDispatched, got.Status)
	assert.True(t, got.DueAt.After(w.now), "a new deadline at the street")

	w.now = got.DueAt.Add(time.Hour)
	esc, _, err = wf.Tick(ctx)
	require.NoError(t, err)
	assert.Zero(t, esc, "the street is the top")
}

// workflowCity is the demo city (seed 4, one historical case) in a fresh database, with intake and workflow on a
// clock the test moves by setting now.
type workflowCity struct {
	pool   *data.Pool
	city   *demo.City
	dir    *dispatch.Directory
	store  *data.CaseStore
	cal    *dispatch.Calendar
	intake *dispatch.Intake
	wf     *dispatch.Workflow
	now    time.Time
}

func newWorkflowCity(t *testing.T, start time.Time) *workflowCity {
	t.Helper()
	ctx := context.Background()
	pool, err := data.Open(ctx, pgtest.NewDatabase(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = data.Migrate(ctx, pool)
	require.NoError(t, err)
	city, err := demo.Generate(demo.Options{Seed: 4, Now: start, Cases: 1})
	require.NoError(t, err)
	_, err = data.LoadCity(ctx, pool, city, false, nil)
	require.NoError(t, err)
	dir, err := data.LoadDirectory(ctx, pool)
	require.NoError(t, err)
	places := &dispatch.Places{}
	places.Store(dir)
	w := &workflowCity{pool: pool, city: city, dir: dir, store: data.NewCaseStore(pool), cal: dispatch.DefaultCalendar(), now: start}
	t.Cleanup(w.store.Close)
	clock := func() time.Time { return w.now }
	w.intake = dispatch.NewIntake(places, w.cal, w.store, clock, dispatch.IntakeConfig{})
	w.wf = dispatch.NewWorkflow(places, w.cal, w.store, clock, dispatch.DefaultRules(), 72*time.Hour)
	return w
}
