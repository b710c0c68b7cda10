package data

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"gridgov/dispatch"
)

// selectPhotos lists a case's photos without their bytes, in the order they were stored; a photo sent with a
// report (the case's own or a supporter's) has no event.
const selectPhotos = `SELECT p.content_type, p.sha256, octet_length(p.bytes), p.created_at, coalesce(p.event_id, 0),
		coalesce(e.action, '')
	FROM case_photos p LEFT JOIN case_events e ON e.id = p.event_id
	WHERE p.case_id = $1 ORDER BY p.id`

// Photos lists a case's photos (without their bytes), oldest first, numbered from 1. A case without photos, or
// one that does not exist, has none.
func (s *CaseStore) Photos(ctx context.Context, caseID int64) (_ []dispatch.StoredPhoto, err error) {
	defer guard(&err)
	rows, err := s.db.Query(ctx, selectPhotos, caseID)
	if err != nil {
		return nil, fmt.Errorf("case %d photos: %w", caseID, err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dispatch.StoredPhoto, error) {
		var p dispatch.StoredPhoto
		err := row.Scan(&p.ContentType, &p.SHA256, &p.Size, &p.CreatedAt, &p.EventID, &p.Action)
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("case %d photos: %w", caseID, err)
	}
	for i := range list {
		list[i].Index = i + 1
	}
	return list, nil
}

// selectPhoto reads the n-th photo ($2 = n − 1) of a case with its bytes.
const selectPhoto = `SELECT p.content_type, p.sha256, p.bytes, p.created_at, coalesce(p.event_id, 0), coalesce(e.action, '')
	FROM case_photos p LEFT JOIN case_events e ON e.id = p.event_id
	WHERE p.case_id = $1 ORDER BY p.id OFFSET $2 LIMIT 1`

// Photo reads a case's n-th photo (from 1, as Photos numbers them) with its bytes; dispatch.ErrNotFound when
// there is no such photo.
func (s *CaseStore) Photo(ctx context.Context, caseID int64, n int) (_ dispatch.StoredPhoto, err error) {
	defer guard(&err)
	if n < 1 {
		return dispatch.StoredPhoto{}, fmt.Errorf("case %d photo %d: %w", caseID, n, dispatch.ErrNotFound)
	}
	p := dispatch.StoredPhoto{Index: n}
	if err := s.db.QueryRow(ctx, selectPhoto, caseID, n-1).Scan(&p.ContentType, &p.SHA256, &p.Bytes, &p.CreatedAt,
		&p.EventID, &p.Action); err != nil {
		return dispatch.StoredPhoto{}, fmt.Errorf("case %d photo %d: %w", caseID, n, translate(err))
	}
	p.Size = len(p.Bytes)
	return p, nil
}
