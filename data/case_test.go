package data_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/dispatch"
)

// newCase is a report in the test town's west grid, dx metres east of a fixed point.
func newCase(category string, dx float64, at time.Time, key string) dispatch.NewCase {
	lon := 118.405 + dx/89_400 // about 89.4 km per degree of longitude at 36.6° N
	return dispatch.NewCase{
		Case: dispatch.Case{Category: category, Description: "测试", Channel: "app", Urgency: "normal",
			Lon: lon, Lat: 36.61, OrigLon: lon, OrigLat: 36.61, CRS: "wgs84", H3: 1, StreetCode: tStreet,
			CommunityCode: tCommunity, GridCode: tGridW, Status: dispatch.StatusReported,
			Classification: dispatch.ClassPending, AssigneeCode: tGridW, ReporterPhone: "17100002222", CreatedAt: at,
			DueAt:  at.Add(24 * time.Hour),
			Events: []dispatch.Event{{Action: "report", To: dispatch.StatusReported, ActorRole: "resident", At: at}}},
		IdempotencyKey: key, RequestHash: category + key, DedupRadius: 50, DedupWindow: 72 * time.Hour, Points: 2,
	}
}

func catalogue(t *testing.T, db data.DB) {
	t.Helper()
	d := []dispatch.Department{{Code: "DT1", Name: "测试局", NameEn: "Test bureau"}}
	c := []dispatch.Category{
		{Code: "t_noise", Name: "噪音", NameEn: "Noise", Domain: dispatch.DomainEnvironment, Level: "grid",
			Classification: dispatch.ClassPending, Deadlines: map[string]dispatch.Deadline{"normal": {Amount: 3, Unit: "days"}}},
		{Code: "t_light", Name: "路灯", NameEn: "Light", Domain: dispatch.DomainPublic, Level: "department", Department: "DT1",
			Classification: dispatch.ClassImmediate, Deadlines: map[string]dispatch.Deadline{"normal": {Amount: 4, Unit: "hours"}}},
	}
	require.NoError(t, data.SaveCatalogue(context.Background(), db, d, c))
}

func TestCaseStoreDedup(t *testing.T) {
	tx := pgtest.Tx(t)
	town(t, tx)
	catalogue(t, tx)
	store := data.NewCaseStore(tx)
	defer store.Close()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)

	first, err := store.Create(ctx, newCase("t_noise", 0, now, ""))
	require.NoError(t, err)
	require.NotZero(t, first.Case.ID)
	assert.Zero(t, first.DuplicateOf)

	// 30 m away, same category, within the window: a supporter.
	dup, err := store.Create(ctx, newCase("t_noise", 30, now.Add(time.Hour), ""))
	require.NoError(t, err)
	assert.Equal(t, first.Case.ID, dup.DuplicateOf)
	assert.Equal(t, first.Case.ID, dup.Case.ID)
	assert.Equal(t, 1, dup.Case.Supporters)

	// Another category, or 80 m away: new cases.
	other, err := store.Create(ctx, newCase("t_light", 0, now, ""))
	require.NoError(t, err)
	assert.Zero(t, other.DuplicateOf)
	far, err := store.Create(ctx, newCase("t_noise", 80, now, ""))
	require.NoError(t, err)
	assert.Zero(t, far.DuplicateOf)

	// A case from four days ago, or a closed one, is not the same matter any more.
	_, err = tx.Exec(ctx, `UPDATE cases SET created_at = $2 WHERE id = $1`, far.Case.ID, now.Add(-96*time.Hour))
	require.NoError(t, err)
	late, err := store.Create(ctx, newCase("t_noise", 81, now, ""))
	require.NoError(t, err)
	assert.Zero(t, late.DuplicateOf)
	_, err = tx.Exec(ctx, `UPDATE cases SET status = 'closed' WHERE id = $1`, late.Case.ID)
	require.NoError(t, err)
	again, err := store.Create(ctx, newCase("t_noise", 82, now, ""))
	require.NoError(t, err)
	assert.Zero(t, again.DuplicateOf)

	// Points are credited once per case, not per supporter.
	assert.Equal(t, 5, count(t, tx, `SELECT count(*) FROM reporter_points WHERE reporter_phone = '17100002222'`))
	assert.Equal(t, 1, count(t, tx, `SELECT count(*) FROM case_events WHERE action = 'support' AND case_id = $1`, first.Case.ID))
}

func TestCaseStoreBatch(t *testing.T) {
	tx := pgtest.Tx(t)
	town(t, tx)
	catalogue(t, tx)
	store := data.NewCaseStore(tx)
	defer store.Close()
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	before := count(t, tx, `SELECT count(*) FROM cases`)

	// One group commit: two reports of one matter 10 m apart, a retry of the first with the same key, the same key
	// with a different request, and an unrelated report.
	mismatch := newCase("t_light", 500, now, "k1")
	created, errs := store.CreateTogether(ctx, []dispatch.NewCase{
		newCase("t_noise", 0, now, "k1"),
		newCase("t_noise", 10, now, "k2"),
		newCase("t_noise", 0, now, "k1"),
		mismatch,
		newCase("t_light", 300, now, ""),
	})
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	require.NoError(t, errs[2])
	assert.ErrorIs(t, errs[3], dispatch.ErrIdempotencyMismatch)
	require.NoError(t, errs[4])
	assert.Equal(t, created[0].Case.ID, created[1].DuplicateOf, "the second supports the first")
	assert.Equal(t, created[0].Case.ID, created[2].Case.ID)
	assert.True(t, created[2].Replayed)
	assert.Equal(t, before+2, count(t, tx, `SELECT count(*) FROM cases`))

	// Later retries replay the stored answers.
	r1, err := store.Create(ctx, newCase("t_noise", 0, now, "k1"))
	require.NoError(t, err)
	assert.True(t, r1.Replayed)
	assert.Equal(t, created[0].Case.ID, r1.Case.ID)
	r2, err := store.Create(ctx, newCase("t_noise", 10, now, "k2"))
	require.NoError(t, err)
	assert.Equal(t, created[0].Case.ID, r2.DuplicateOf)

	// A key older than 24 hours is forgotten: the request counts as new (and here supports the open case).
	_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'k1'`)
	require.NoError(t, err)
	r3, err := store.Create(ctx, newCase("t_noise", 0, now, "k1"))
	require.NoError(t, err)
	assert.False(t, r3.Replayed)
	assert.Equal(t, created[0].Case.ID, r3.DuplicateOf)

	got, err := store.Case(ctx, created[0].Case.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, got.Supporters)
	assert.Equal(t, tGridW, got.GridCode)
	assert.Equal(t, "", got.BuildingCode)
}
