package data_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/demo"
	"gridgov/data/pgtest"
	"gridgov/dispatch"
	"gridgov/geo"
)

// kpiNow is the demo city's "now" in the KPI tests.
var kpiNow = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// kpiDB loads a demo city with 3,000 cases (seed 2) into a throwaway database, and adds what the demo lacks:
// escalate events on some cases and closed cases without a recorded rating.
func kpiDB(t *testing.T) *data.Pool {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	pool, err := data.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = data.Migrate(ctx, pool)
	require.NoError(t, err)
	city, err := demo.Generate(demo.Options{Seed: 2, Now: kpiNow, Cases: 3000})
	require.NoError(t, err)
	_, err = data.LoadCity(ctx, pool, city, false, nil)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `
		INSERT INTO case_events (case_id, action, from_status, to_status, actor_role, note, at)
		SELECT id, 'escalate', status, status, 'system', 'overdue', created_at + interval '3 days'
		FROM cases WHERE id % 7 = 0 AND status <> 'cancelled'`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `
		INSERT INTO case_events (case_id, action, from_status, to_status, actor_role, note, at)
		SELECT id, 'escalate', status, status, 'system', 'overdue again', created_at + interval '6 days'
		FROM cases WHERE id % 14 = 0 AND status <> 'cancelled'`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE cases SET satisfaction = '' WHERE id % 50 = 1 AND status = 'closed'`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `ANALYZE cases; ANALYZE case_events`)
	require.NoError(t, err)
	return pool
}

// busiest is the unit of a level with the most cases below parent (any unit when parent is "").
func busiest(t *testing.T, db data.DB, col, parentCol, parent string) string {
	t.Helper()
	var code string
	q := fmt.Sprintf(`SELECT %s FROM cases WHERE %s IS NOT NULL AND ($1 = '' OR %s = $1)
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, col, col, parentCol)
	require.NoError(t, db.QueryRow(context.Background(), q, parent).Scan(&code))
	return code
}

func TestKPI(t *testing.T) {
	pool := kpiDB(t)
	ctx := context.Background()
	street := busiest(t, pool, "street_code", "street_code", "")
	community := busiest(t, pool, "community_code", "street_code", street)
	grid := busiest(t, pool, "grid_code", "community_code", community)
	building := busiest(t, pool, "building_code", "grid_code", grid)

	periods := []struct{ from, to time.Time }{
		{kpiNow.AddDate(0, -4, 0), kpiNow.AddDate(0, 0, -10)}, // settled cases and a few still open
		{kpiNow.AddDate(-1, 0, 0), kpiNow},                    // the whole history
		{kpiNow.AddDate(0, 0, -20), kpiNow},                   // mostly open
	}
	// Hotline cases whose address named only the street: they count for the street and for none of its
	// communities.
	tag, err := pool.Exec(ctx, `UPDATE cases SET community_code = NULL, grid_code = NULL, building_code = NULL
		WHERE id IN (SELECT id FROM cases WHERE street_code = $1 AND community_code <> $2 AND channel = 'hotline'
			AND created_at >= $3 AND created_at < $4 ORDER BY id LIMIT 4)`,
		street, community, periods[0].from, periods[0].to)
	require.NoError(t, err)
	require.EqualValues(t, 4, tag.RowsAffected())
	for _, code := range []string{street, community, grid, building} {
		for _, p := range periods {
			t.Run(fmt.Sprintf("%s/%s", code, p.from.Format("2006-01-02")), func(t *testing.T) {
				k, err := data.KPI(ctx, pool, code, p.from, p.to)
				require.NoError(t, err)
				want := directKPI(t, pool, code, p.from, p.to)
				assert.Equal(t, code, k.Code)
				assert.NotEmpty(t, k.Name)
				assert.True(t, p.from.Equal(k.From) && p.to.Equal(k.To))
				require.Positive(t, want.Cases)
				assert.Equal(t, want.Cases, k.Cases, "cases")
				assert.Equal(t, want.Cancelled, k.Cancelled, "cancelled")
				assert.Equal(t, want.Closed, k.Closed, "closed")
				assert.Equal(t, want.OnTimeClosed, k.OnTimeClosed, "on time")
				assert.Equal(t, want.Redone, k.Redone, "redone")
				assert.Equal(t, want.Escalated, k.Escalated, "escalated")
				assert.Equal(t, want.Rated, k.Rated, "rated")
				assert.Equal(t, want.Satisfied, k.Satisfied, "satisfied")
				assert.Equal(t, want.Unrated, k.Unrated, "unrated")
				assert.Equal(t, want.Responded, k.Responded, "responded")
				assertHours(t, want.MedianHoursToFirstResponse, k.MedianHoursToFirstResponse, "median response")
				assertHours(t, want.MedianHoursToClose, k.MedianHoursToClose, "median close")

				rate := func(n, d int) float64 { return float64(n) / float64(d) }
				require.NotNil(t, k.ClosureRate)
				assert.InDelta(t, rate(want.Closed, want.Cases), *k.ClosureRate, 1e-12)
				assert.InDelta(t, rate(want.Closed, want.Cases), *k.ResolutionRate, 1e-12)
				assert.InDelta(t, rate(want.Redone, want.Cases), *k.ReworkRate, 1e-12)
				assert.InDelta(t, rate(want.Escalated, want.Cases), *k.EscalationRate, 1e-12)
				assert.InDelta(t, rate(want.Responded, want.Cases), *k.ResponseRate, 1e-12)
				if want.Closed > 0 {
					assert.InDelta(t, rate(want.OnTimeClosed, want.Closed), *k.OnTimeClosureRate, 1e-12)
				} else {
					assert.Nil(t, k.OnTimeClosureRate)
				}
				if want.Rated > 0 {
					assert.InDelta(t, rate(want.Satisfied, want.Rated), *k.SatisfactionRate, 1e-12)
				} else {
					assert.Nil(t, k.SatisfactionRate)
				}
			})
		}
	}

	t.Run("the demo exercises every count", func(t *testing.T) {
		k, err := data.KPI(ctx, pool, street, periods[1].from, periods[1].to)
		require.NoError(t, err)
		for name, n := range map[string]int{"closed": k.Closed, "on time": k.OnTimeClosed, "redone": k.Redone,
			"escalated": k.Escalated, "rated": k.Rated, "satisfied": k.Satisfied, "unrated": k.Unrated,
			"cancelled": k.Cancelled} {
			assert.Positive(t, n, name)
			assert.Less(t, n, k.Cases, name)
		}
		assert.Less(t, k.Responded, k.Cases) // cancelled cases never heard
	})

	t.Run("no cases: zero counts, null rates and medians", func(t *testing.T) {
		k, err := data.KPI(ctx, pool, building, kpiNow.AddDate(0, 0, 1), kpiNow.AddDate(0, 0, 2))
		require.NoError(t, err)
		assert.Equal(t, building, k.Code)
		assert.Zero(t, k.Cases)
		for _, r := range []*float64{k.ClosureRate, k.OnTimeClosureRate, k.ReworkRate, k.EscalationRate,
			k.SatisfactionRate, k.ResponseRate, k.ResolutionRate, k.MedianHoursToFirstResponse, k.MedianHoursToClose} {
			assert.Nil(t, r)
		}
	})

	t.Run("unknown units", func(t *testing.T) {
		for _, code := range []string{"370781999", street + "999", "", "abc", "370781", grid + "9999999"} {
			_, err := data.KPI(ctx, pool, code, periods[1].from, periods[1].to)
			assert.ErrorIs(t, err, dispatch.ErrNotFound, code)
			assert.ErrorIs(t, err, geo.ErrNotFound, code)
			_, err = data.KPITable(ctx, pool, code, periods[1].from, periods[1].to)
			assert.ErrorIs(t, err, dispatch.ErrNotFound, code)
		}
	})

	for _, parent := range []string{street, community, grid} {
		for _, p := range periods[:2] {
			t.Run("table "+parent+"/"+p.from.Format("2006-01-02"), func(t *testing.T) {
				k, err := data.KPI(ctx, pool, parent, p.from, p.to)
				require.NoError(t, err)
				table, err := data.KPITable(ctx, pool, parent, p.from, p.to)
				require.NoError(t, err)

				var children []string
				rows, err := pool.Query(ctx, `SELECT code FROM units WHERE parent_code = $1 ORDER BY code`, parent)
				require.NoError(t, err)
				for rows.Next() {
					var c string
					require.NoError(t, rows.Scan(&c))
					children = append(children, c)
				}
				require.NoError(t, rows.Err())
				require.NotEmpty(t, children)

				var codes []string
				var sum dispatch.KPI
				for i, row := range table {
					codes = append(codes, row.Code)
					assert.True(t, p.from.Equal(row.From) && p.to.Equal(row.To))
					if row.Code == "" {
						assert.Equal(t, len(table)-1, i, "the rest comes last")
						assert.Equal(t, data.RestName, row.Name)
					} else {
						assert.NotEmpty(t, row.Name)
						direct, err := data.KPI(ctx, pool, row.Code, p.from, p.to)
						require.NoError(t, err)
						assert.Equal(t, direct, row, "a row is the child's own KPI")
					}
					sum.Cases += row.Cases
					sum.Cancelled += row.Cancelled
					sum.Closed += row.Closed
					sum.OnTimeClosed += row.OnTimeClosed
					sum.Redone += row.Redone
					sum.Escalated += row.Escalated
					sum.Rated += row.Rated
					sum.Satisfied += row.Satisfied
					sum.Unrated += row.Unrated
					sum.Responded += row.Responded
				}
				// Every child in code order, then the parent's cases in none of them: a grid's cases outside its
				// compounds, a street's cases located only to the street.
				want := children
				if parent == grid || parent == street {
					want = append(slices.Clone(children), "")
				}
				assert.Equal(t, want, codes)
				assert.Equal(t, k.Cases, sum.Cases, "cases")
				assert.Equal(t, k.Cancelled, sum.Cancelled, "cancelled")
				assert.Equal(t, k.Closed, sum.Closed, "closed")
				assert.Equal(t, k.OnTimeClosed, sum.OnTimeClosed, "on time")
				assert.Equal(t, k.Redone, sum.Redone, "redone")
				assert.Equal(t, k.Escalated, sum.Escalated, "escalated")
				assert.Equal(t, k.Rated, sum.Rated, "rated")
				assert.Equal(t, k.Satisfied, sum.Satisfied, "satisfied")
				assert.Equal(t, k.Unrated, sum.Unrated, "unrated")
				assert.Equal(t, k.Responded, sum.Responded, "responded")
			})
		}
	}

	t.Run("a compound has no children", func(t *testing.T) {
		table, err := data.KPITable(ctx, pool, building, periods[1].from, periods[1].to)
		require.NoError(t, err)
		assert.NotNil(t, table)
		assert.Empty(t, table)
	})

	t.Run("store", func(t *testing.T) {
		s := data.KPIStore{DB: pool}
		k, err := s.KPI(ctx, community, periods[0].from, periods[0].to)
		require.NoError(t, err)
		direct, err := data.KPI(ctx, pool, community, periods[0].from, periods[0].to)
		require.NoError(t, err)
		assert.Equal(t, direct, k)
		table, err := s.KPITable(ctx, community, periods[0].from, periods[0].to)
		require.NoError(t, err)
		assert.NotEmpty(t, table)
	})
}

func assertHours(t *testing.T, want, got *float64, what string) {
	t.Helper()
	if want == nil {
		assert.Nil(t, got, what)
		return
	}
	if assert.NotNil(t, got, what) {
		assert.InDelta(t, *want, *got, 1e-9, what)
	}
}

// directKPI counts by separate plain queries, written apart from data's single statement, and computes the
// medians in Go from the raw rows.
func directKPI(t *testing.T, db data.DB, code string, from, to time.Time) dispatch.KPI {
	t.Helper()
	ctx := context.Background()
	const unit = `$1 IN (street_code, community_code, grid_code, building_code) AND created_at >= $2 AND created_at < $3`
	count := func(cond string) int {
		var n int
		q := `SELECT count(*) FROM cases c WHERE ` + unit + ` AND (` + cond + `)`
		require.NoError(t, db.QueryRow(ctx, q, code, from, to).Scan(&n), cond)
		return n
	}
	var k dispatch.KPI
	k.Cases = count(`true`)
	k.Cancelled = count(`status = 'cancelled'`)
	k.Closed = count(`status = 'closed'`)
	k.OnTimeClosed = count(`status = 'closed' AND closed_at <= due_at`)
	// Redone from the history: a conclude that sent the case back to dispatched.
	k.Redone = count(`id IN (SELECT case_id FROM case_events WHERE action = 'conclude' AND to_status = 'dispatched')`)
	k.Escalated = count(`EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.action = 'escalate')`)
	k.Rated = count(`status = 'closed' AND satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')`)
	k.Satisfied = count(`status = 'closed' AND satisfaction IN ('satisfied', 'basically_satisfied')`)
	k.Unrated = count(`status = 'closed' AND satisfaction NOT IN ('satisfied', 'basically_satisfied', 'unsatisfied')`)
	k.Responded = count(`EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.action = 'hear'
		AND e.at <= c.created_at + interval '1 day')`)

	rows, err := db.Query(ctx, `SELECT c.id, c.created_at, c.status, c.closed_at, e.action, e.at
		FROM cases c LEFT JOIN case_events e ON e.case_id = c.id WHERE `+unit+` ORDER BY c.id, e.id`, code, from, to)
	require.NoError(t, err)
	type raw struct {
		created, closed, hear time.Time
		status                string
	}
	byCase := map[int64]*raw{}
	var order []*raw
	for rows.Next() {
		var id int64
		var created time.Time
		var closed, at *time.Time
		var status string
		var action *string
		require.NoError(t, rows.Scan(&id, &created, &status, &closed, &action, &at))
		r := byCase[id]
		if r == nil {
			r = &raw{created: created, status: status}
			if closed != nil {
				r.closed = *closed
			}
			byCase[id] = r
			order = append(order, r)
		}
		if action != nil && *action == "hear" && (r.hear.IsZero() || at.Before(r.hear)) {
			r.hear = *at
		}
	}
	require.NoError(t, rows.Err())
	require.Len(t, order, k.Cases)
	var response, closing []float64
	for _, r := range order {
		if !r.hear.IsZero() {
			response = append(response, r.hear.Sub(r.created).Hours())
		}
		if r.status == "closed" {
			closing = append(closing, r.closed.Sub(r.created).Hours())
		}
	}
	k.MedianHoursToFirstResponse = median(response)
	k.MedianHoursToClose = median(closing)
	return k
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return &m
}

// BenchmarkKPI times KPI and KPITable on the full demo city (about 23,000 cases and 160,000 events) for the
// busiest street, community and grid, over the default 30 days and over the whole year.
// Run: REQUIRE_TEST_DB=1 go test -run '^$' -bench KPI ./data/
func BenchmarkKPI(b *testing.B) {
	ctx := context.Background()
	url := pgtest.NewDatabase(b)
	pool, err := data.Open(ctx, url)
	require.NoError(b, err)
	b.Cleanup(pool.Close)
	_, err = data.Migrate(ctx, pool)
	require.NoError(b, err)
	city, err := demo.Generate(demo.Options{Seed: 1, Now: kpiNow})
	require.NoError(b, err)
	_, err = data.LoadCity(ctx, pool, city, false, nil)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `ANALYZE`)
	require.NoError(b, err)
	var street, community, grid string
	require.NoError(b, pool.QueryRow(ctx, `SELECT street_code FROM cases GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).
		Scan(&street))
	require.NoError(b, pool.QueryRow(ctx, `SELECT community_code FROM cases WHERE street_code = $1
		GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, street).Scan(&community))
	require.NoError(b, pool.QueryRow(ctx, `SELECT grid_code FROM cases WHERE community_code = $1
		GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`, community).Scan(&grid))
	periods := []struct {
		name     string
		from, to time.Time
	}{{"30d", kpiNow.AddDate(0, 0, -30), kpiNow}, {"1y", kpiNow.AddDate(-1, 0, 0), kpiNow}}
	for _, u := range []struct{ level, code string }{{"street", street}, {"community", community}, {"grid", grid}} {
		for _, p := range periods {
			b.Run("kpi/"+u.level+"/"+p.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := data.KPI(ctx, pool, u.code, p.from, p.to); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("table/"+u.level+"/"+p.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := data.KPITable(ctx, pool, u.code, p.from, p.to); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
