package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gridgov/dispatch"
	"gridgov/geo"
)

// Workflow is what the case handlers need of dispatch.
type Workflow interface {
	Act(ctx context.Context, id int64, a dispatch.Action, actor dispatch.Actor) (dispatch.Case, []dispatch.Event, error)
	Events(ctx context.Context, id int64) ([]dispatch.Event, error)
	// Histories is the events of several cases in one read (Open311 lists), by case id, each oldest first.
	Histories(ctx context.Context, ids []int64) (map[int64][]dispatch.Event, error)
	List(ctx context.Context, f dispatch.CaseFilter) ([]dispatch.Case, int64, error)
}

// actorFunc tells who sends a request: ok is false for the anonymous public; an error is a bad token (401).
type actorFunc func(r *http.Request) (dispatch.Actor, bool, error)

type actionRequest struct {
	Action         string          `json:"action"`
	Classification string          `json:"classification"`
	PointCode      string          `json:"point_code"`
	Votes          *dispatch.Votes `json:"votes"`
	Owner          string          `json:"owner"`
	DueAt          *time.Time      `json:"due_at"`
	Meeting        *struct {
		Date         *time.Time `json:"date"`
		Participants []string   `json:"participants"`
		Minutes      string     `json:"minutes"`
	} `json:"meeting"`
	To     string   `json:"to"`
	Note   string   `json:"note"`
	Photos []string `json:"photos"`
	Passed *bool    `json:"passed"`
	Rating string   `json:"rating"`
	Reason string   `json:"reason"`
	Into   int64    `json:"into"`
}

// eventJSON is one step of a case's history as the API shows it.
type eventJSON struct {
	ID        int64          `json:"id"`
	CaseID    int64          `json:"case_id,omitempty"`
	Action    string         `json:"action"`
	From      string         `json:"from"`
	To        string         `json:"to"`
	Actor     string         `json:"actor,omitempty"`
	ActorRole string         `json:"actor_role"`
	ActorUnit string         `json:"actor_unit,omitempty"`
	Note      string         `json:"note,omitempty"`
	Data      map[string]any `json:"data,omitempty"`
	At        time.Time      `json:"at"`
}

// renderEvent shows one event; without showResidents (a viewer who does not see the case in full) it leaves out
// who the residents are and what they wrote, as Open311 does: their subject and unit, and the notes and reasons of
// everyone but staff, and a meeting's participants and minutes.
func renderEvent(e dispatch.Event, showResidents bool) eventJSON {
	out := eventJSON{ID: e.ID, Action: e.Action, From: string(e.From), To: string(e.To), Actor: e.Actor,
		ActorRole: e.ActorRole, ActorUnit: e.ActorUnit, Note: e.Note, Data: e.Data, At: e.At}
	if showResidents {
		return out
	}
	if e.ActorRole == string(dispatch.RoleResident) {
		out.Actor, out.ActorUnit = "", ""
	}
	staff := staffRole(e.ActorRole)
	if !staff {
		out.Note = ""
	}
	if _, ok := e.Data["meeting"]; ok || !staff && e.Data["reason"] != nil {
		out.Data = make(map[string]any, len(e.Data))
		for k, v := range e.Data {
			if k != "meeting" && (staff || k != "reason") {
				out.Data[k] = v
			}
		}
	}
	return out
}

// handleAction answers POST /api/v1/reports/{id}/events: one workflow action by the token's holder.
func handleAction(log *slog.Logger, places *dispatch.Places, wf Workflow, actorOf actorFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := caseID(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		actor, ok, err := actorOf(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if !ok {
			writeError(w, r, log, authError("a workflow action needs a bearer token: Authorization: Bearer <token>"))
			return
		}
		var req actionRequest
		if err := decodeJSON(w, r, maxReportBody, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		a, err := req.action()
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		c, events, err := wf.Act(r.Context(), id, a, actor)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out := make([]eventJSON, len(events))
		for i, e := range events {
			out[i] = renderEvent(e, true)
		}
		writeJSON(w, http.StatusCreated, map[string]any{"case": renderCaseFor(c, places.Load(), actor, true),
			"events": out})
	}
}

func (req actionRequest) action() (dispatch.Action, error) {
	name := strings.TrimSpace(req.Action)
	known := false
	for _, a := range dispatch.Actions {
		known = known || a == name
	}
	if !known {
		return dispatch.Action{}, badRequest("action", fmt.Sprintf("action %q is not one of %s", truncate(name, 20),
			strings.Join(dispatch.Actions, ", ")))
	}
	a := dispatch.Action{Name: name, Classification: dispatch.Classification(req.Classification),
		PointCode: req.PointCode, Owner: req.Owner, To: req.To, Note: req.Note, Passed: req.Passed,
		Rating: req.Rating, Reason: req.Reason, Into: req.Into}
	if req.Votes != nil {
		a.Votes = *req.Votes
	}
	if req.DueAt != nil {
		a.DueAt = *req.DueAt
	}
	if m := req.Meeting; m != nil {
		a.Meeting = &dispatch.Meeting{Participants: m.Participants, Minutes: m.Minutes}
		if m.Date != nil {
			a.Meeting.Date = *m.Date
		}
	}
	if len(req.Photos) > dispatch.MaxPhotos {
		return a, badRequest("photos", fmt.Sprintf("at most %d photos", dispatch.MaxPhotos))
	}
	for i, s := range req.Photos {
		p, err := decodePhoto(s, fmt.Sprintf("photos[%d]", i))
		if err != nil {
			return a, err
		}
		a.Photos = append(a.Photos, p)
	}
	return a, nil
}

// handleEvents answers GET /api/v1/reports/{id}/events: the case's history, oldest first.
func handleEvents(log *slog.Logger, places *dispatch.Places, wf Workflow, cases CaseReader, actorOf actorFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, actor, ok, err := requestedCase(r, places, cases, actorOf)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		events, err := wf.Events(r.Context(), c.ID)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		full := ok && seesInFull(c, actor)
		out := make([]eventJSON, len(events))
		for i, e := range events {
			out[i] = renderEvent(e, full)
		}
		writeJSON(w, http.StatusOK, map[string]any{"events": out})
	}
}

// Page sizes of case lists.
const (
	defaultCaseLimit = 100
	maxCaseLimit     = 1000
)

// handleListReports answers GET /api/v1/reports?status=&category=&grid=&bbox=&since=&mine=&limit=&cursor=.
// Staff see the cases of their unit (a department: those assigned to it); a resident with mine=true sees their
// own; everyone else sees public cases without personal data.
func handleListReports(log *slog.Logger, places *dispatch.Places, wf Workflow, actorOf actorFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, ok, err := actorOf(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		q := r.URL.Query()
		f := dispatch.CaseFilter{Status: q.Get("status"), Category: q.Get("category"), Unit: q.Get("grid"),
			Limit: defaultCaseLimit}
		if f.Status != "" && !validStatus(f.Status) {
			writeError(w, r, log, badRequest("status", fmt.Sprintf("unknown status %q", truncate(f.Status, 20))))
			return
		}
		if len(f.Unit) > 64 || len(f.Category) > 64 {
			writeError(w, r, log, badRequest("grid", "grid and category are codes of at most 64 characters"))
			return
		}
		if s := q.Get("bbox"); s != "" {
			b, err := parseBBox(s)
			if err != nil {
				writeError(w, r, log, badRequest("bbox", err.Error()))
				return
			}
			f.BBox = &b
		}
		if s := q.Get("since"); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				writeError(w, r, log, badRequest("since", "since must be an RFC 3339 time such as 2026-01-02T15:04:05+08:00"))
				return
			}
			f.Since = t
		}
		if s := q.Get("limit"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxCaseLimit {
				writeError(w, r, log, badRequest("limit", fmt.Sprintf("limit must be a whole number from 1 to %d", maxCaseLimit)))
				return
			}
			f.Limit = n
		}
		if s := q.Get("cursor"); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 1 {
				writeError(w, r, log, badRequest("cursor", "cursor is not one this server gave"))
				return
			}
			f.Before = n
		}
		staff := ok && actor.Role != dispatch.RoleResident && actor.Role != dispatch.RoleOpen311
		switch {
		case ok && actor.Role == dispatch.RoleResident && q.Get("mine") == "true":
			f.ReporterID = actor.Subject
		case staff && actor.Role == dispatch.RoleDepartment:
			f.Assignee = actor.Unit
		case staff:
			if f.Unit == "" || !strings.HasPrefix(f.Unit, actor.Unit) {
				if f.Unit != "" && !strings.HasPrefix(actor.Unit, f.Unit) {
					writeError(w, r, log, &Error{Status: http.StatusForbidden, Code: "forbidden", Field: "grid",
						Message: "grid " + f.Unit + " is outside your unit " + actor.Unit})
					return
				}
				f.Unit = actor.Unit
			}
		}
		format := q.Get("format")
		switch format {
		case "", "json", "csv", "xlsx":
		default:
			writeError(w, r, log, badRequest("format", "format must be json, csv or xlsx"))
			return
		}
		cases, next, err := wf.List(r.Context(), f)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		dir := places.Load()
		if format == "csv" || format == "xlsx" {
			rows := make([][]any, 0, len(cases))
			for _, c := range cases {
				if !staff && f.ReporterID == "" {
					if cat, ok := dir.Categories[c.Category]; ok && !cat.Public {
						continue
					}
				}
				rows = append(rows, caseRow(renderCaseFor(c, dir, actor, ok)))
			}
			name := "reports-" + time.Now().In(kpiZone).Format("20060102-150405") + "." + format
			if err := writeTable(w, format, name, caseHeader, rows); err != nil {
				writeError(w, r, log, err)
			}
			return
		}
		out := make([]caseJSON, 0, len(cases))
		for _, c := range cases {
			if !staff && f.ReporterID == "" {
				if cat, ok := dir.Categories[c.Category]; ok && !cat.Public {
					continue
				}
			}
			out = append(out, renderCaseFor(c, dir, actor, ok))
		}
		body := map[string]any{"reports": out}
		if next != 0 {
			q.Set("cursor", strconv.FormatInt(next, 10))
			body["next"] = "/api/v1/reports?" + q.Encode()
		}
		writeJSON(w, http.StatusOK, body)
	}
}

func validStatus(s string) bool {
	for _, st := range []dispatch.Status{dispatch.StatusReported, dispatch.StatusHeard, dispatch.StatusDeliberating,
		dispatch.StatusDecided, dispatch.StatusDispatched, dispatch.StatusInProgress, dispatch.StatusResolved,
		dispatch.StatusVerified, dispatch.StatusClosed, dispatch.StatusSuspended, dispatch.StatusCancelled} {
		if string(st) == s {
			return true
		}
	}
	return false
}

func caseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, badRequest("id", "id must be a positive whole number")
	}
	return id, nil
}

// seesInFull says whether an actor may see a case's personal data: its reporter, and staff within scope.
func seesInFull(c dispatch.Case, a dispatch.Actor) bool {
	switch a.Role {
	case dispatch.RoleResident:
		return c.ReporterID != "" && a.Subject == c.ReporterID
	case dispatch.RoleDepartment:
		return a.Unit == c.AssigneeCode
	case dispatch.RoleOpen311, dispatch.RolePlanner:
		return false
	}
	return dispatch.Permitted(c, "hear", a) == nil // staff within their unit, an admin too
}

// caseHeader and caseRow are a case list as a table (CSV, xlsx).
var caseHeader = []string{"编号 id", "上报时间 created_at", "类别 category", "状态 status", "分类 classification",
	"街道 street", "社区 community", "网格 grid", "楼院 building", "承办 assignee", "期限 due_at", "超期 overdue",
	"结案 closed_at", "重办 redone", "评价 satisfaction", "描述 description"}

func caseRow(c caseJSON) []any {
	name := func(r *geo.Ref) string {
		if r == nil {
			return ""
		}
		return r.Name
	}
	when := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(kpiZone).Format("2006-01-02 15:04")
	}
	assignee := ""
	if c.Assignee != nil {
		assignee = c.Assignee.Name
	}
	cat := c.CategoryName
	if cat == "" {
		cat = c.Category
	}
	return []any{c.ID, when(&c.CreatedAt), cat, c.Status, c.Classification, name(c.Street), name(c.Community),
		name(c.Grid), name(c.Building), assignee, when(c.DueAt), c.Overdue, when(c.ClosedAt), c.Redone, c.Satisfaction,
		c.Description}
}
