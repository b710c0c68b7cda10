package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"gridgov/dispatch"
)

// streamHeartbeat keeps idle connections (and proxies) alive.
const streamHeartbeat = 15 * time.Second

type feedJSON struct {
	EventID int64        `json:"event_id"`
	Action  string       `json:"action"`
	From    string       `json:"from"`
	To      string       `json:"to"`
	At      time.Time    `json:"at"`
	Case    feedCaseJSON `json:"case"`
}

type feedCaseJSON struct {
	ID             int64      `json:"id"`
	Status         string     `json:"status"`
	Classification string     `json:"classification"`
	Category       string     `json:"category"`
	Lat            float64    `json:"lat"`
	Lon            float64    `json:"lon"`
	Grid           string     `json:"grid"`
	Assignee       string     `json:"assignee"`
	DueAt          *time.Time `json:"due_at"`
	Overdue        bool       `json:"overdue"`
}

// handleStream answers GET /api/v1/stream with server-sent events of case changes (event "case", id = the event
// id). Staff see the cases of their unit (a department: those assigned to it); residents their own and public
// ones; the anonymous public only public categories, with coordinates rounded to about 100 m. A client that
// reconnects with Last-Event-ID (or ?last_event_id=) first gets what it missed.
func handleStream(log *slog.Logger, places *dispatch.Places, feed *dispatch.Feed, actorOf actorFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, known, err := actorOf(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		var resume int64 = -1
		if s := r.Header.Get("Last-Event-ID"); s != "" || r.URL.Query().Get("last_event_id") != "" {
			if s == "" {
				s = r.URL.Query().Get("last_event_id")
			}
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				writeError(w, r, log, badRequest("Last-Event-ID", "Last-Event-ID must be an event id this stream sent"))
				return
			}
			resume = n
		}
		pos, err := feed.Position(r.Context())
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		rc := http.NewResponseController(w)
		_ = rc.SetWriteDeadline(time.Time{}) // a stream outlives the server's write timeout
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "retry: 3000\n\n")
		send := func(items []dispatch.FeedItem, skip map[int64]bool) error {
			dir := places.Load()
			for _, it := range items {
				if skip[it.Event.ID] || !visible(it.Case, dir, actor, known) {
					continue
				}
				b, _ := json.Marshal(renderFeed(it, known && seesInFull(it.Case, actor)))
				if _, err := fmt.Fprintf(w, "id: %d\nevent: case\ndata: %s\n\n", it.Event.ID, b); err != nil {
					return err
				}
			}
			return rc.Flush()
		}
		var sent map[int64]bool
		if resume >= 0 {
			missed, err := feed.Replay(r.Context(), resume)
			if err != nil {
				return
			}
			sent = map[int64]bool{}
			for _, it := range missed {
				sent[it.Event.ID] = true
			}
			if send(missed, nil) != nil {
				return
			}
		} else if rc.Flush() != nil {
			return
		}
		heartbeat := time.NewTicker(streamHeartbeat)
		defer heartbeat.Stop()
		for {
			items, changed := feed.Next(pos)
			if len(items) > 0 {
				pos = items[len(items)-1].Seq
				if send(items, sent) != nil {
					return
				}
				continue
			}
			select {
			case <-r.Context().Done():
				return
			case <-changed:
			case <-heartbeat.C:
				if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
					return
				}
			}
		}
	}
}

func staffView(a dispatch.Actor, known bool) bool {
	return known && a.Role != dispatch.RoleResident && a.Role != dispatch.RoleOpen311
}

// visible says whether a change of this case goes to this subscriber.
func visible(c dispatch.Case, dir *dispatch.Directory, a dispatch.Actor, known bool) bool {
	if staffView(a, known) {
		switch a.Role {
		case dispatch.RoleDepartment:
			return c.AssigneeCode == a.Unit
		}
		for _, code := range []string{c.GridCode, c.CommunityCode, c.StreetCode} {
			if code != "" && strings.HasPrefix(code, a.Unit) {
				return true
			}
		}
		return false
	}
	if known && a.Role == dispatch.RoleResident && c.ReporterID != "" && c.ReporterID == a.Subject {
		return true
	}
	cat, ok := dir.Categories[c.Category]
	return ok && cat.Public
}

// renderFeed renders one change; without full (a viewer who may not see the case in full) the point is rounded.
func renderFeed(it dispatch.FeedItem, full bool) feedJSON {
	c := it.Case
	out := feedJSON{EventID: it.Event.ID, Action: it.Event.Action, From: string(it.Event.From), To: string(it.Event.To),
		At: it.Event.At, Case: feedCaseJSON{ID: c.ID, Status: string(c.Status), Classification: string(c.Classification),
			Category: c.Category, Lat: c.Lat, Lon: c.Lon, Grid: c.GridCode, Assignee: c.AssigneeCode,
			Overdue: c.Status.Open() && !c.DueAt.IsZero() && c.DueAt.Before(time.Now())}}
	if !c.DueAt.IsZero() {
		d := c.DueAt
		out.Case.DueAt = &d
	}
	if !full {
		out.Case.Lat = math.Round(c.Lat*1000) / 1000
		out.Case.Lon = math.Round(c.Lon*1000) / 1000
	}
	return out
}
