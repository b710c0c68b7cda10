package main

import (
	"context"
	"log/slog"
	"sync"

	"gridgov/data"
	"gridgov/dispatch"
)

// fieldTasks wires the field service: the index of open cases, loaded at start and kept current from the live
// feed, and the road graph, rebuilt when an import changes the roads.
type fieldTasks struct {
	svc   *dispatch.Field
	store *data.FieldStore
	feed  *dispatch.Feed
	log   *slog.Logger
	mu    sync.Mutex
	pos   int64 // the feed position the index has seen
}

// startField loads the open cases (after fixing the feed position, so that no change falls between the two) and
// the road graph, and listens for imports (units_changed: the roads may have changed) and demo loads
// (cases_changed).
func startField(ctx context.Context, pool *data.Pool, listening *data.Listeners, feed *dispatch.Feed,
	places *dispatch.Places, log *slog.Logger) (*fieldTasks, error) {
	f := &fieldTasks{svc: dispatch.NewField(places, dispatch.NewTaskIndex()), store: data.NewFieldStore(pool),
		feed: feed, log: log}
	if err := f.reload(ctx); err != nil {
		return nil, err
	}
	if err := f.rebuildRoads(ctx); err != nil {
		return nil, err
	}
	log.Info("field index loaded", "open_cases", f.svc.Tasks().Len(), "road_edges", f.svc.Roads().Edges())
	// One rebuild for a burst of notifications (a demo load sends one per level).
	kick := coalesce(ctx, func(rctx context.Context) {
		if err := f.rebuildRoads(rctx); err != nil && ctx.Err() == nil {
			log.Error("road graph rebuild", "err", err)
		}
	})
	go listening.Listen(ctx, pool, []string{"units_changed", "cases_changed"}, func(channel, _ string) {
		switch channel {
		case "units_changed":
			kick()
		case "cases_changed":
			rctx, cancel := context.WithTimeout(ctx, refreshTimeout)
			defer cancel()
			if err := f.reload(rctx); err != nil && ctx.Err() == nil {
				log.Error("field index reload", "err", err)
			}
		}
	})
	return f, nil
}

// reload reads every open case into the index.
func (f *fieldTasks) reload(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	pos, err := f.feed.Position(ctx)
	if err != nil {
		return err
	}
	tasks, err := f.store.OpenTasks(ctx)
	if err != nil {
		return err
	}
	f.svc.Tasks().Load(tasks)
	f.pos = pos
	return nil
}

// rebuildRoads reads the road edges and swaps in a new graph.
func (f *fieldTasks) rebuildRoads(ctx context.Context) error {
	g, err := f.store.RoadGraph(ctx)
	if err != nil {
		return err
	}
	f.svc.SetRoads(g)
	return nil
}

// follow applies the feed's new changes to the index: a case that is still open is added or updated, a closed
// or cancelled one leaves. Call it after each feed refresh. If the feed has moved on by more than it keeps, the
// index is reloaded.
func (f *fieldTasks) follow(ctx context.Context) {
	f.mu.Lock()
	items, _ := f.feed.Next(f.pos)
	if len(items) == 0 {
		f.mu.Unlock()
		return
	}
	if items[0].Seq > f.pos+1 {
		f.mu.Unlock()
		if err := f.reload(ctx); err != nil && ctx.Err() == nil {
			f.log.Error("field index reload", "err", err)
		}
		return
	}
	defer f.mu.Unlock()
	f.pos = items[len(items)-1].Seq
	cases := make([]dispatch.Case, len(items))
	for i, it := range items {
		cases[i] = it.Case
	}
	f.svc.Tasks().Apply(cases...)
}
