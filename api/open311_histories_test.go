package api

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
)

// Histories of the fakes (Workflow.Histories, dispatch.WorkflowStore.Histories).

func (f *fakeCases) Histories(_ context.Context, ids []int64) (map[int64][]dispatch.Event, error) {
	out := map[int64][]dispatch.Event{}
	for _, id := range ids {
		if events, ok := f.events[id]; ok {
			out[id] = events
		}
	}
	return out, nil
}

func (m *memWorkflow) Histories(context.Context, []int64) (map[int64][]dispatch.Event, error) {
	return map[int64][]dispatch.Event{}, nil
}

// countingWorkflow counts how the Open311 handlers read histories.
type countingWorkflow struct {
	*fakeCases
	events  int
	batches [][]int64
}

func (c *countingWorkflow) Events(ctx context.Context, id int64) ([]dispatch.Event, error) {
	c.events++
	return c.fakeCases.Events(ctx, id)
}

func (c *countingWorkflow) Histories(ctx context.Context, ids []int64) (map[int64][]dispatch.Event, error) {
	c.batches = append(c.batches, ids)
	return c.fakeCases.Histories(ctx, ids)
}

// TestOpen311ReadsHistoriesAtOnce: a list of requests with extensions, and servicerequestupdates, read the
// histories of all their (public) cases in one call, never one per case; without extensions, none.
func TestOpen311ReadsHistoriesAtOnce(t *testing.T) {
	cases := open311Cases()
	wf := &countingWorkflow{fakeCases: cases}
	srv := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Places: open311Dir(t), Intake: &fakeIntake{},
		Cases: cases, Workflow: wf, Tokens: newTokens(t, testKey), Now: func() time.Time { return o311Now }})
	get := func(path string) []map[string]any {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		require.Equal(t, 200, rec.Code, rec.Body.String())
		return jsonList(t, rec.Body.Bytes())
	}

	got := get("/open311/v2/requests.json?service_request_id=6,7,8,9&extensions=true")
	require.Len(t, got, 3, "9 is not public")
	assert.Equal(t, [][]int64{{8, 7, 6}}, wf.batches, "one read, of the public cases only, in the list's order")
	hist := func(i int) []any { return got[i]["extended_attributes"].(map[string]any)["history"].([]any) }
	assert.Len(t, hist(1), 3, "case 7's history")
	assert.Empty(t, hist(0), "a case without events has an empty history")

	get("/open311/v2/requests.json?service_request_id=6,7,8")
	assert.Len(t, wf.batches, 1, "no histories without extensions")

	updates := get("/open311/v2/servicerequestupdates.json?start_date=2026-06-10T17:30:00%2B08:00")
	assert.Len(t, wf.batches, 2)
	assert.NotEmpty(t, updates)
	assert.Zero(t, wf.events, "never one read per case")
}
