package dispatch

import (
	"context"
	"sync"
)

// FeedItem is one change of one case for the live feed: the event and the case as it stood after it. Seq is the
// feed's own order of arrival.
type FeedItem struct {
	Seq   int64
	Event Event
	Case  Case
}

// FeedStore reads case events in id order.
type FeedStore interface {
	// EventsAfter returns up to limit events with ids above after, except those in skip (the feed has them),
	// oldest first, with their cases.
	EventsAfter(ctx context.Context, after int64, skip []int64, limit int) ([]FeedItem, error)
	// LastEventID is the id of the newest event.
	LastEventID(ctx context.Context) (int64, error)
}

const (
	feedRing = 4096 // recent changes kept in memory
	// feedLookback: event ids are taken when an event is written but become visible at commit, so a transaction
	// can commit an id below one already seen. Each refresh looks this far back and keeps what it had not seen.
	feedLookback = 512
)

// Feed fans the stream of case changes out to live subscribers (the dispatchers' map). One server process keeps one
// Feed: it reads new events from the store once per notification (LISTEN case_events, so it sees the changes of
// every process) and keeps the latest in memory, in the order it saw them; subscribers follow that order.
type Feed struct {
	store   FeedStore
	mu      sync.Mutex
	items   []FeedItem // the most recent changes, in arrival order
	seen    map[int64]bool
	early   map[int64]bool // events in the lookback window when the feed began: never sent, skipped when read
	seq     int64
	last    int64         // the newest event id read
	changed chan struct{} // closed and replaced whenever items grow
	loaded  bool
}

// NewFeed returns a feed over the store.
func NewFeed(store FeedStore) *Feed {
	return &Feed{store: store, changed: make(chan struct{}), seen: map[int64]bool{}, early: map[int64]bool{}}
}

// Refresh reads the events committed since the last refresh and wakes subscribers. Call it on every notification.
func (f *Feed) Refresh(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.loaded {
		last, err := f.store.LastEventID(ctx)
		if err != nil {
			return err
		}
		// The events already in the lookback window happened before the feed began: held as seen, not sent.
		items, err := f.store.EventsAfter(ctx, max(last-feedLookback, 0), nil, feedLookback+1)
		if err != nil {
			return err
		}
		for _, it := range items {
			f.early[it.Event.ID] = true
			last = max(last, it.Event.ID)
		}
		f.last, f.loaded = last, true
		return nil
	}
	from := max(f.last-feedLookback, 0)
	// The lookback catches events whose transactions committed after later ids were read; the events already
	// held are skipped in the query, so a refresh reads back only what is new.
	var skip []int64
	for id := range f.seen {
		if id > from {
			skip = append(skip, id)
		}
	}
	for id := range f.early {
		if id > from {
			skip = append(skip, id)
		} else {
			delete(f.early, id)
		}
	}
	grew := false
	for {
		items, err := f.store.EventsAfter(ctx, from, skip, 1000)
		if err != nil {
			return err
		}
		for _, it := range items {
			id := it.Event.ID
			if id <= f.last-feedLookback || f.seen[id] || f.early[id] {
				continue
			}
			f.seq++
			it.Seq = f.seq
			f.items = append(f.items, it)
			f.seen[id] = true
			f.last = max(f.last, id)
			grew = true
		}
		if len(items) < 1000 {
			break
		}
		from = items[len(items)-1].Event.ID
	}
	if over := len(f.items) - feedRing; over > 0 {
		for _, it := range f.items[:over] {
			delete(f.seen, it.Event.ID)
		}
		f.items = append([]FeedItem(nil), f.items[over:]...)
	}
	if grew {
		close(f.changed)
		f.changed = make(chan struct{})
	}
	return nil
}

// Position is where a new subscriber starts following: after everything seen so far.
func (f *Feed) Position(ctx context.Context) (int64, error) {
	f.mu.Lock()
	loaded := f.loaded
	f.mu.Unlock()
	if !loaded {
		if err := f.Refresh(ctx); err != nil {
			return 0, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.seq, nil
}

// Next returns the changes after position pos (in arrival order) and a channel that is closed at the next change.
func (f *Feed) Next(pos int64) ([]FeedItem, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []FeedItem
	for _, it := range f.items {
		if it.Seq > pos {
			out = append(out, it)
		}
	}
	return out, f.changed
}

// Replay reads from the store the changes after an event id, for a subscriber that resumes (Last-Event-ID).
func (f *Feed) Replay(ctx context.Context, afterEvent int64) ([]FeedItem, error) {
	return f.store.EventsAfter(ctx, afterEvent, nil, 1000)
}
