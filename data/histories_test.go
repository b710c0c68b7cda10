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
)

// TestHistoriesEqualEvents: the batched read of several cases' histories gives each case exactly what Events
// gives it, in the same order; cases without events (here: an unknown id) have no entry.
func TestHistoriesEqualEvents(t *testing.T) {
	ctx := context.Background()
	pool, err := data.Open(ctx, pgtest.NewDatabase(t))
	require.NoError(t, err)
	defer pool.Close()
	_, err = data.Migrate(ctx, pool)
	require.NoError(t, err)
	city, err := demo.Generate(demo.Options{Seed: 3, Now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), Cases: 300})
	require.NoError(t, err)
	_, err = data.LoadCity(ctx, pool, city, false, nil)
	require.NoError(t, err)
	store := data.NewCaseStore(pool)
	defer store.Close()

	var ids []int64
	rows, err := pool.Query(ctx, `SELECT id FROM cases ORDER BY id DESC LIMIT 120`)
	require.NoError(t, err)
	for rows.Next() {
		var id int64
		require.NoError(t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(t, rows.Err())
	require.Len(t, ids, 120)

	got, err := store.Histories(ctx, append(ids, -1))
	require.NoError(t, err)
	assert.Len(t, got, len(ids))
	assert.NotContains(t, got, int64(-1))
	many := 0
	for _, id := range ids {
		want, err := store.Events(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, want, got[id], "case %d", id)
		if len(want) > 1 {
			many++
		}
	}
	assert.Positive(t, many, "some cases have more than one event")

	empty, err := store.Histories(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
}
