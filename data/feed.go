package data

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"gridgov/dispatch"
)

var _ dispatch.FeedStore = (*CaseStore)(nil)

// EventsAfter returns up to limit case events with ids above after and not in skip, oldest first, each with its
// case as it is now.
func (s *CaseStore) EventsAfter(ctx context.Context, after int64, skip []int64, limit int) (_ []dispatch.FeedItem, err error) {
	defer guard(&err)
	if skip == nil {
		skip = []int64{} // <> ALL(NULL) would match nothing
	}
	rows, err := s.db.Query(ctx, `SELECT e.id, e.action, e.from_status, e.to_status, e.actor_role, e.actor_unit, e.at, c.*
		FROM case_events e CROSS JOIN LATERAL (SELECT `+caseCols+` FROM cases WHERE id = e.case_id) c
		WHERE e.id > $1 AND e.id <> ALL($3::bigint[]) ORDER BY e.id LIMIT $2`, after, limit, skip)
	if err != nil {
		return nil, fmt.Errorf("feed: %w", translate(err))
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (dispatch.FeedItem, error) {
		var it dispatch.FeedItem
		var from, to string
		cs := caseScanTargets(&it.Case)
		targets := append([]any{&it.Event.ID, &it.Event.Action, &from, &to, &it.Event.ActorRole, &it.Event.ActorUnit,
			&it.Event.At}, cs.targets...)
		if err := row.Scan(targets...); err != nil {
			return it, err
		}
		it.Event.From, it.Event.To = dispatch.Status(from), dispatch.Status(to)
		cs.finish()
		return it, nil
	})
}

// LastEventID is the id of the newest case event (0 when there is none).
func (s *CaseStore) LastEventID(ctx context.Context) (_ int64, err error) {
	defer guard(&err)
	var id int64
	err = s.db.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM case_events`).Scan(&id)
	return id, translate(err)
}
