package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgov/dispatch"
)

// Update changes one case in one transaction: it locks the case's row, lets fn (the workflow's pure state
// machine) decide the new state and the events, writes both, and records what the events imply — an agenda item
// for schedule, a meeting and motion for decide, a rating for rate, a supporter for merge, a notification for
// whoever a case is given to. No change is written without its event, and no event without its change.
func (s *CaseStore) Update(ctx context.Context, id int64, fn func(dispatch.Case) (dispatch.Case, []dispatch.Event, error)) (_ dispatch.Case, _ []dispatch.Event, err error) {
	defer guard(&err)
	var out dispatch.Case
	var events []dispatch.Event
	err = inTx(ctx, s.db, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+caseCols+` FROM cases WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		c, err := pgx.CollectExactlyOneRow(rows, scanCase)
		if err != nil {
			return fmt.Errorf("case %d: %w", id, translate(err))
		}
		if out, events, err = fn(c); err != nil {
			return err
		}
		if out.DuplicateOf != 0 && out.DuplicateOf != c.DuplicateOf {
			var open bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1 AND id <> $2
				AND status NOT IN ('closed', 'cancelled'))`, out.DuplicateOf, out.ID).Scan(&open)
			if err != nil {
				return err
			}
			if !open {
				return &dispatch.FieldError{Field: "into", Code: "invalid_argument", Unprocessable: true,
					Message: fmt.Sprintf("case %d is not an open case to merge into", out.DuplicateOf)}
			}
		}
		if err := writeCase(ctx, tx, out); err != nil {
			return err
		}
		for i := range events {
			if events[i].ID, err = writeEvent(ctx, tx, out, events[i]); err != nil {
				return err
			}
			if err := sideRecords(ctx, tx, c, out, events[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return dispatch.Case{}, nil, err
	}
	return out, events, nil
}

func writeCase(ctx context.Context, tx pgx.Tx, c dispatch.Case) error {
	_, err := tx.Exec(ctx, `UPDATE cases SET status = $2, classification = $3, assignee_code = $4, prev_assignee = $5,
			handler = $6, due_at = $7, closed_at = $8, redone = $9, escalations = $10, deliberated = $11,
			suspended_from = $12, rated_satisfied = $13, rated_basic = $14, rated_unsatisfied = $15, satisfaction = $16,
			verified_at = $17, duplicate_of = $18, suspended_at = $19, updated_at = now()
		WHERE id = $1`,
		c.ID, string(c.Status), string(c.Classification), c.AssigneeCode, c.PrevAssignee, c.Handler, nullTime(c.DueAt),
		nullTime(c.ClosedAt), c.Redone, c.Escalations, c.Deliberated, string(c.SuspendedFrom), c.Ratings.Satisfied,
		c.Ratings.BasicallySatisfied, c.Ratings.Unsatisfied, c.Satisfaction, nullTime(c.VerifiedAt),
		nullInt(c.DuplicateOf), nullTime(c.SuspendedAt))
	if err != nil {
		return fmt.Errorf("case %d: %w", c.ID, translate(err))
	}
	return nil
}

func writeEvent(ctx context.Context, tx pgx.Tx, c dispatch.Case, e dispatch.Event) (int64, error) {
	data, err := json.Marshal(e.Data)
	if err != nil {
		return 0, err
	}
	if e.Data == nil {
		data = []byte("{}")
	}
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO case_events (case_id, action, from_status, to_status, actor, actor_role,
			actor_unit, note, data, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		c.ID, e.Action, string(e.From), string(e.To), e.Actor, e.ActorRole, e.ActorUnit, e.Note, string(data), e.At).
		Scan(&id); err != nil {
		return 0, fmt.Errorf("case %d event: %w", c.ID, translate(err))
	}
	for _, p := range e.Photos {
		if _, err := tx.Exec(ctx, `INSERT INTO case_photos (case_id, event_id, content_type, sha256, bytes)
			VALUES ($1, $2, $3, $4, $5)`, c.ID, id, p.ContentType, p.SHA256, p.Bytes); err != nil {
			return 0, fmt.Errorf("case %d photo: %w", c.ID, translate(err))
		}
	}
	return id, nil
}

// sideRecords writes what an event implies beyond the case row.
func sideRecords(ctx context.Context, tx pgx.Tx, before, after dispatch.Case, e dispatch.Event) error {
	var err error
	switch e.Action {
	case "schedule":
		_, err = tx.Exec(ctx, `INSERT INTO agenda_items (point_code, case_id, added_at) VALUES ($1, $2, $3)`,
			fmt.Sprint(e.Data["point_code"]), after.ID, e.At)
	case "decide":
		err = recordMotion(ctx, tx, after, e)
	case "rate":
		if r, ok := e.Data["rating"].(string); ok {
			_, err = tx.Exec(ctx, `INSERT INTO case_ratings (case_id, rater, role, rating, round, rated_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, after.ID, e.Actor, e.ActorRole, r, before.Redone, e.At)
			if errors.Is(translate(err), dispatch.ErrConflict) {
				return fmt.Errorf("%w: %s has already rated this round of case %d", dispatch.ErrConflict, e.Actor, after.ID)
			}
		}
	case "merge":
		_, err = tx.Exec(ctx, `UPDATE cases SET supporters = supporters + 1 + $2, updated_at = now() WHERE id = $1`,
			after.DuplicateOf, before.Supporters)
	}
	if err != nil {
		return fmt.Errorf("case %d %s: %w", after.ID, e.Action, translate(err))
	}
	if after.AssigneeCode != "" && after.AssigneeCode != before.AssigneeCode {
		msg := fmt.Sprintf("案件 %d（%s）转交给你：%s", after.ID, after.Category, e.Action)
		if _, err := tx.Exec(ctx, `INSERT INTO notifications (recipient, case_id, kind, message, created_at)
			VALUES ($1, $2, $3, $4, $5)`, after.AssigneeCode, after.ID, e.Action, msg, e.At); err != nil {
			return fmt.Errorf("case %d notification: %w", after.ID, translate(err))
		}
	}
	return nil
}

func recordMotion(ctx context.Context, tx pgx.Tx, c dispatch.Case, e dispatch.Event) error {
	votes, _ := e.Data["votes"].(dispatch.Votes)
	passed, _ := e.Data["passed"].(bool)
	owner, _ := e.Data["owner"].(string)
	var meetingID *int64
	if m, ok := e.Data["meeting"].(*dispatch.Meeting); ok && m != nil {
		var id int64
		held := m.Date
		if held.IsZero() {
			held = e.At
		}
		participants := m.Participants
		if participants == nil {
			participants = []string{}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO meetings (point_code, held_at, participants, minutes)
			VALUES ((SELECT point_code FROM agenda_items WHERE case_id = $1 ORDER BY id DESC LIMIT 1), $2, $3, $4)
			RETURNING id`, c.ID, held, participants, m.Minutes).Scan(&id); err != nil {
			return err
		}
		meetingID = &id
	}
	if _, err := tx.Exec(ctx, `INSERT INTO motions (meeting_id, case_id, yes, no, abstain, passed, owner, due_at, decided_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, meetingID, c.ID, votes.Yes, votes.No, votes.Abstain, passed, owner,
		nullTime(c.DueAt), e.At); err != nil {
		return err
	}
	outcome := "rejected"
	if passed {
		outcome = "passed"
	}
	_, err := tx.Exec(ctx, `UPDATE agenda_items SET outcome = $2 WHERE case_id = $1 AND outcome = 'open'`, c.ID, outcome)
	return err
}

// Events lists a case's history, oldest first.
func (s *CaseStore) Events(ctx context.Context, id int64) (_ []dispatch.Event, err error) {
	defer guard(&err)
	if _, err := getCase(ctx, s.db, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT id, action, from_status, to_status, actor, actor_role, actor_unit, note, data, at
		FROM case_events WHERE case_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("case %d events: %w", id, translate(err))
	}
	return pgx.CollectRows(rows, scanEvent)
}

// Histories lists the histories of several cases in one query: each case's events oldest first, by case id. A
// case without events, or unknown, has no entry.
func (s *CaseStore) Histories(ctx context.Context, ids []int64) (_ map[int64][]dispatch.Event, err error) {
	defer guard(&err)
	out := make(map[int64][]dispatch.Event, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	const q = `SELECT case_id, id, action, from_status, to_status, actor, actor_role, actor_unit, note, data, at
		FROM case_events WHERE case_id = ANY($1) ORDER BY case_id, id`
	rows, err := s.db.Query(ctx, q, ids)
	if err != nil {
		return nil, fmt.Errorf("events of %d cases: %w", len(ids), translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var caseID int64
		e, err := scanEventAfter(rows.Scan, &caseID)
		if err != nil {
			return nil, fmt.Errorf("events of %d cases: %w", len(ids), err)
		}
		out[caseID] = append(out[caseID], e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("events of %d cases: %w", len(ids), translate(err))
	}
	return out, nil
}

func scanEvent(row pgx.CollectableRow) (dispatch.Event, error) { return scanEventAfter(row.Scan) }

// scanEventAfter scans an event's columns (as Events selects them) after the leading ones.
func scanEventAfter(scan func(dest ...any) error, lead ...any) (dispatch.Event, error) {
	var e dispatch.Event
	var from, to string
	var data []byte
	if err := scan(append(lead, &e.ID, &e.Action, &from, &to, &e.Actor, &e.ActorRole, &e.ActorUnit, &e.Note, &data, &e.At)...); err != nil {
		return e, err
	}
	e.From, e.To = dispatch.Status(from), dispatch.Status(to)
	if len(data) > 2 {
		if err := json.Unmarshal(data, &e.Data); err != nil {
			return e, err
		}
	}
	return e, nil
}

// List returns one page of cases, newest first, and the cursor of the next page.
func (s *CaseStore) List(ctx context.Context, f dispatch.CaseFilter) (_ []dispatch.Case, _ int64, err error) {
	defer guard(&err)
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Status != "" {
		where = append(where, "status = "+arg(f.Status))
	}
	if f.Category != "" {
		where = append(where, "category = "+arg(f.Category))
	}
	if f.Unit != "" {
		p := arg(f.Unit)
		where = append(where, fmt.Sprintf("(grid_code LIKE %[1]s || '%%' OR community_code LIKE %[1]s || '%%' OR street_code LIKE %[1]s || '%%')", p))
	}
	if f.Assignee != "" {
		where = append(where, "assignee_code = "+arg(f.Assignee))
	}
	if f.ReporterID != "" {
		where = append(where, "reporter_id = "+arg(f.ReporterID))
	}
	if f.BBox != nil {
		where = append(where, fmt.Sprintf("geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)", arg(f.BBox.Min[0]),
			arg(f.BBox.Min[1]), arg(f.BBox.Max[0]), arg(f.BBox.Max[1])))
	}
	if !f.Since.IsZero() {
		where = append(where, "updated_at >= "+arg(f.Since))
	}
	if f.Before > 0 {
		where = append(where, "id < "+arg(f.Before))
	}
	if len(f.IDs) > 0 {
		where = append(where, "id = ANY("+arg(f.IDs)+")")
	}
	if len(f.Statuses) > 0 {
		where = append(where, "status = ANY("+arg(f.Statuses)+")")
	}
	if len(f.Categories) > 0 {
		where = append(where, "category = ANY("+arg(f.Categories)+")")
	}
	if !f.CreatedFrom.IsZero() {
		where = append(where, "created_at >= "+arg(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		where = append(where, "created_at <= "+arg(f.CreatedTo))
	}
	q := `SELECT ` + caseCols + ` FROM cases`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id DESC LIMIT " + arg(f.Limit+1)
	if f.Offset > 0 {
		q += " OFFSET " + arg(f.Offset)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("cases: %w", translate(err))
	}
	cases, err := pgx.CollectRows(rows, scanCase)
	if err != nil {
		return nil, 0, fmt.Errorf("cases: %w", translate(err))
	}
	var next int64
	if len(cases) > f.Limit {
		cases = cases[:f.Limit]
		next = cases[len(cases)-1].ID
	}
	return cases, next, nil
}

// Overdue lists open cases whose deadline passed before now, most overdue first.
func (s *CaseStore) Overdue(ctx context.Context, now time.Time, limit int) (_ []int64, err error) {
	defer guard(&err)
	rows, err := s.db.Query(ctx, `SELECT id FROM cases
		WHERE status IN ('reported', 'heard', 'dispatched', 'in_progress') AND due_at < $1
		ORDER BY due_at, id LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("overdue: %w", translate(err))
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// Evaluating lists cases whose evaluation began before the given time and is still open.
func (s *CaseStore) Evaluating(ctx context.Context, before time.Time, limit int) (_ []int64, err error) {
	defer guard(&err)
	rows, err := s.db.Query(ctx, `SELECT id FROM cases WHERE status = 'verified' AND verified_at < $1
		ORDER BY verified_at, id LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("evaluating: %w", translate(err))
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}
