package main

import (
	"context"
	"log/slog"
	"sync"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"gridgov/data"
	"gridgov/dispatch"
	"gridgov/tiles"
)

// tileCacheBytes bounds the in-memory tile cache.
const tileCacheBytes = 256 << 20

// mapTiles wires the tile service: the PostGIS unit layers, the hotspot index loaded from the cases and kept
// current from the live feed, and the cache that both invalidate.
type mapTiles struct {
	svc   *tiles.Service
	store *data.TileStore
	feed  *dispatch.Feed
	log   *slog.Logger
	mu    sync.Mutex
	pos   int64 // the feed position the index has seen
}

// startTiles loads the city's extent and the hotspot index (after fixing the feed position, so that no change
// falls between the two) and listens for imports (units_changed) and demo loads (cases_changed).
func startTiles(ctx context.Context, pool *data.Pool, listening *data.Listeners, feed *dispatch.Feed,
	log *slog.Logger) (*mapTiles, error) {
	m := &mapTiles{store: data.NewTileStore(pool), feed: feed, log: log,
		svc: tiles.NewService(nil, tiles.NewHotspots(), tiles.NewCache(tileCacheBytes))}
	m.svc = tiles.NewService(m.store, m.svc.Hotspots(), m.svc.Cache())
	if err := m.reload(ctx); err != nil {
		return nil, err
	}
	log.Info("hotspot index loaded", "cases", m.svc.Hotspots().Len())
	go listening.Listen(ctx, pool, []string{"units_changed", "cases_changed"}, func(channel, _ string) {
		ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
		defer cancel()
		switch channel {
		case "units_changed":
			m.svc.Cache().DropLayers(tiles.UnitLayers()...)
			if b, err := m.store.Extent(ctx); err == nil {
				m.svc.SetBounds(b)
			} else if ctx.Err() == nil {
				log.Error("city extent", "err", err)
			}
		case "cases_changed":
			if err := m.reload(ctx); err != nil && ctx.Err() == nil {
				log.Error("hotspot index reload", "err", err)
			}
		}
	})
	return m, nil
}

// reload rebuilds the extent and the hotspot index from the database and drops every cached tile.
func (m *mapTiles) reload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	pos, err := m.feed.Position(ctx)
	if err != nil {
		return err
	}
	b, err := m.store.Extent(ctx)
	if err != nil {
		return err
	}
	m.svc.SetBounds(b)
	rows, err := m.store.HotspotCases(ctx)
	if err != nil {
		return err
	}
	if err := m.svc.Hotspots().Load(rows); err != nil {
		return err
	}
	m.pos = pos
	m.svc.Cache().DropLayers(append(tiles.UnitLayers(), "reports", tiles.HotspotLayer)...)
	return nil
}

// follow applies the feed's new changes to the hotspot index and drops what they touch: the reports tiles that
// cover each changed case and every hotspot tile (Gi* depends on every count, so one new case can change the
// z-score of any hexagon). Call it after each feed refresh. If the feed has moved on by more than it keeps, the
// index is reloaded.
func (m *mapTiles) follow(ctx context.Context) {
	m.mu.Lock()
	items, _ := m.feed.Next(m.pos)
	gap := len(items) > 0 && items[0].Seq > m.pos+1
	if len(items) == 0 {
		m.mu.Unlock()
		return
	}
	if gap {
		m.mu.Unlock()
		if err := m.reload(ctx); err != nil && ctx.Err() == nil {
			m.log.Error("hotspot index reload", "err", err)
		}
		return
	}
	defer m.mu.Unlock()
	m.pos = items[len(items)-1].Seq
	rows := make([]tiles.CaseRow, 0, len(items))
	for _, it := range items {
		c := it.Case
		rows = append(rows, tiles.CaseRow{ID: c.ID, CreatedAt: c.CreatedAt, Category: c.Category,
			Status: string(c.Status), Cell: h3.Cell(c.H3)})
		m.svc.Cache().DropCovering("reports", orb.Point{c.Lon, c.Lat})
	}
	if err := m.svc.Hotspots().Upsert(rows...); err != nil {
		m.log.Error("hotspot index update", "err", err)
	}
	m.svc.Cache().DropLayers(tiles.HotspotLayer)
}
