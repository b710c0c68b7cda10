package api

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
)

// memFeed is a FeedStore over a slice.
type memFeed struct {
	mu    sync.Mutex
	items []dispatch.FeedItem
}

func (m *memFeed) EventsAfter(_ context.Context, after int64, skip []int64, limit int) ([]dispatch.FeedItem, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []dispatch.FeedItem
	for _, it := range m.items {
		if it.Event.ID > after && !slices.Contains(skip, it.Event.ID) && len(out) < limit {
			out = append(out, it)
		}
	}
	return out, nil
}

func (m *memFeed) LastEventID(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.items) == 0 {
		return 0, nil
	}
	return m.items[len(m.items)-1].Event.ID, nil
}

// TestStreamOutlivesServerTimeouts: the live stream stays open past the server's read and write timeouts, which
// bound every other request.
func TestStreamOutlivesServerTimeouts(t *testing.T) {
	store := &memFeed{}
	feed := dispatch.NewFeed(store)
	require.NoError(t, feed.Refresh(context.Background()))
	srv := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Places: open311Dir(t), Feed: feed})
	ts := httptest.NewUnstartedServer(srv)
	const timeout = 300 * time.Millisecond
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = timeout, timeout
	ts.Start()
	defer ts.Close()

	res, err := http.Get(ts.URL + "/api/v1/stream")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	require.Equal(t, "retry: 3000", <-lines)

	time.Sleep(4 * timeout) // past both timeouts
	store.mu.Lock()
	store.items = append(store.items, dispatch.FeedItem{Event: dispatch.Event{ID: 1, Action: "report",
		To: dispatch.StatusReported, At: o311Now}, Case: dispatch.Case{ID: 42, Category: "A01", Status: dispatch.StatusReported}})
	store.mu.Unlock()
	require.NoError(t, feed.Refresh(context.Background()))
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "the stream was cut")
			if strings.HasPrefix(l, "data: ") {
				assert.Contains(t, l, `"id":42`)
				return
			}
		case <-deadline:
			t.Fatal("no event on the stream")
		}
	}
}
