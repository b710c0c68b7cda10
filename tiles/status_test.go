package tiles

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStatusCounts: the index counts its cases by status, and follows status changes.
func TestStatusCounts(t *testing.T) {
	rows := randomCases(t, 100)
	h := NewHotspots()
	assert.Empty(t, h.StatusCounts())
	require.NoError(t, h.Load(rows))
	want := map[string]int{}
	for _, r := range rows {
		want[r.Status]++
	}
	assert.Equal(t, want, h.StatusCounts())
	r := rows[0]
	want[r.Status]--
	r.Status = "cancelled"
	want["cancelled"]++
	require.NoError(t, h.Upsert(r))
	got := h.StatusCounts()
	for st, n := range want {
		assert.Equal(t, n, got[st], st)
	}
}
