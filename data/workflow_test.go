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
	pool, err := data.Open(ctx, pgtest.NewDatabase(t))
	require.NoError(t, err)
	defer pool.Close()
	_, err = data.Migrate(ctx, pool)
	require.NoError(t, err)
	start := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) // a Monday
	city, err := demo.Generate(demo.Options{Seed: 4, Now: start, Cases: 1})
	require.NoError(t, err)
	_, err = data.LoadCity(ctx, pool, city, false, nil)
	require.NoError(t, err)
	dir, err := data.LoadDirectory(ctx, pool)
	require.NoError(t, err)
	places := &dispatch.Places{}
	places.Store(dir)

	now := start
	clock := func() time.Time { return now }
	store := data.NewCaseStore(pool)
	defer store.Close()
	cal := dispatch.DefaultCalendar()
	intake := dispatch.NewIntake(places, cal, store, clock, dispatch.IntakeConfig{})
	wf := dispatch.NewWorkflow(places, cal, store, clock, dispatch.DefaultRules(), 72*time.Hour)

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
	now = created.Case.DueAt.Add(time.Minute)
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
	now = c.DueAt.Add(time.Minute)
	_, _, err = wf.Tick(ctx)
	require.NoError(t, err)
	a, n = assignee()
	assert.Equal(t, street, a)
	assert.Equal(t, 2, n)

	// At the street it stays (and stays overdue).
	c, err = store.Case(ctx, id)
	require.NoError(t, err)
	now = c.DueAt.Add(time.Hour)
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
	assert.Equal(t, 2, count(t, pool, `SELECT count(*) FROM notifications WHERE case_id = $1 AND kind = 'escalate'`, id))
}
