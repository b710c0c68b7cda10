package dispatch

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// feedStore holds the committed events; it records the skip lists it was asked with.
type feedStore struct {
	committed []int64
	skips     [][]int64
	returned  int
}

func (s *feedStore) EventsAfter(_ context.Context, after int64, skip []int64, limit int) ([]FeedItem, error) {
	s.skips = append(s.skips, slices.Clone(skip))
	ids := slices.Sorted(slices.Values(s.committed))
	var out []FeedItem
	for _, id := range ids {
		if id > after && !slices.Contains(skip, id) && len(out) < limit {
			out = append(out, FeedItem{Event: Event{ID: id}, Case: Case{ID: id * 10}})
		}
	}
	s.returned += len(out)
	return out, nil
}

func (s *feedStore) LastEventID(context.Context) (int64, error) {
	if len(s.committed) == 0 {
		return 0, nil
	}
	return slices.Max(s.committed), nil
}

func feedIDs(items []FeedItem) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.Event.ID
	}
	return out
}

// TestFeedLateCommit: an event whose transaction commits after a later id was read still reaches the feed, once,
// and a refresh reads back only the events the feed does not hold yet.
func TestFeedLateCommit(t *testing.T) {
	ctx := context.Background()
	store := &feedStore{committed: []int64{1, 2}}
	f := NewFeed(store)
	require.NoError(t, f.Refresh(ctx)) // starts after event 2
	pos, err := f.Position(ctx)
	require.NoError(t, err)

	store.committed = append(store.committed, 3, 5) // 4's transaction is still open
	require.NoError(t, f.Refresh(ctx))
	got, _ := f.Next(pos)
	assert.Equal(t, []int64{3, 5}, feedIDs(got))

	store.committed = append(store.committed, 4)
	store.returned = 0
	require.NoError(t, f.Refresh(ctx))
	got, _ = f.Next(pos)
	assert.Equal(t, []int64{3, 5, 4}, feedIDs(got), "the late commit arrives after the ones already sent")
	assert.Equal(t, 1, store.returned, "only the new event is read back")
	assert.ElementsMatch(t, []int64{1, 2, 3, 5}, store.skips[len(store.skips)-1], "the events held, and those from before the start, are skipped")

	store.returned = 0
	require.NoError(t, f.Refresh(ctx))
	got, _ = f.Next(pos)
	assert.Len(t, got, 3, "nothing twice")
	assert.Zero(t, store.returned)
}
