package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onePixelPNG is a valid 1 × 1 PNG, for photos.
const onePixelPNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

// token mints a bearer token with `gridgov token`.
func token(t *testing.T, url, role, unit, sub string) string {
	t.Helper()
	out, stderr, err := gridgov(t, url, "token", "--role", role, "--unit", unit, "--sub", sub)
	require.NoError(t, err, stderr)
	return strings.TrimSpace(out)
}

// TestSixSteps walks one case through the whole six-step method over HTTP, with a redo on the way.
func TestSixSteps(t *testing.T) {
	url, c, pool := cityDB(t)
	compound, lon, lat := someCompound(t, pool, "370781006033")
	grid := compound.ParentCode
	community := grid[:12]
	var point string
	require.NoError(t, pool.QueryRow(context.Background(),
		`SELECT code FROM discuss_points WHERE host_code LIKE $1 || '%' ORDER BY code LIMIT 1`, community).Scan(&point))

	resident := token(t, url, "resident", community, "resident:wang")
	worker := token(t, url, "grid_worker", grid, "S-worker")
	chief := token(t, url, "grid_chief", community, "S-chief")
	dispatcher := token(t, url, "dispatcher", "370781006", "S-dispatcher")
	dept := token(t, url, "department", "D01", "S-dept")
	reps := []string{
		token(t, url, "resident", community, "rep:1"),
		token(t, url, "resident", community, "rep:2"),
		token(t, url, "resident", community, "rep:3"),
	}
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	res, created := c.do("POST", "/api/v1/reports", map[string]any{"category": "parking",
		"description": "小区门口长期占道停车，消防通道被堵", "lat": lat, "lon": lon,
		"reporter": map[string]string{"name": "王芳", "phone": "17100003333"}}, bearer(resident)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", created)
	id := int64(created["id"].(float64))
	path := fmt.Sprintf("/api/v1/reports/%d/events", id)

	step := func(tok string, body map[string]any, wantStatus string) map[string]any {
		t.Helper()
		res, out := c.do("POST", path, body, bearer(tok)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%v → %v", body, out)
		cs := out["case"].(map[string]any)
		require.Equal(t, wantStatus, cs["status"], "%v", body)
		return cs
	}
	step(worker, map[string]any{"action": "hear", "classification": "escalate"}, "heard")
	step(chief, map[string]any{"action": "schedule", "point_code": point}, "deliberating")
	cs := step(chief, map[string]any{"action": "decide", "votes": map[string]int{"yes": 8, "no": 1, "abstain": 0},
		"owner": "D01", "meeting": map[string]any{"participants": []string{"居民代表甲", "居民代表乙", "网格长"},
			"minutes": "议定由城管部门清理占道车辆，设置禁停标识"}}, "dispatched")
	assert.Equal(t, "D01", cs["assignee"].(map[string]any)["code"], "the decision dispatches the case to its owner")
	step(dept, map[string]any{"action": "start"}, "in_progress")
	step(dept, map[string]any{"action": "resolve", "note": "已清理并设置禁停标识", "photos": []string{onePixelPNG}}, "resolved")
	step(worker, map[string]any{"action": "verify", "passed": true, "note": "现场核实"}, "verified")
	for i, rating := range []string{"satisfied", "satisfied", "unsatisfied"} {
		step(reps[i], map[string]any{"action": "rate", "rating": rating}, "verified")
	}
	res, body := c.do("POST", path, map[string]any{"action": "rate", "rating": "satisfied"}, bearer(reps[0])...)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "one rating per resident and round: %v", body)
	cs = step(chief, map[string]any{"action": "conclude"}, "dispatched")
	assert.Equal(t, "redo", cs["classification"], "66.7 % satisfied is below 90 %: redo")
	assert.Equal(t, "D01", cs["assignee"].(map[string]any)["code"], "back to the previous handler")
	step(dept, map[string]any{"action": "start"}, "in_progress")
	step(dept, map[string]any{"action": "resolve", "note": "加装隔离桩"}, "resolved")
	step(worker, map[string]any{"action": "verify", "passed": true}, "verified")
	step(reps[0], map[string]any{"action": "rate", "rating": "satisfied"}, "verified")
	step(chief, map[string]any{"action": "conclude"}, "closed")

	// Who may not: a resident cannot dispatch (403); a closed case cannot be started (409); no token: 401.
	res, body = c.do("POST", path, map[string]any{"action": "dispatch", "to": "D01"}, bearer(resident)...)
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "%v", body)
	res, body = c.do("POST", path, map[string]any{"action": "start"}, bearer(dept)...)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "%v", body)
	assert.Equal(t, "invalid_transition", body["error"].(map[string]any)["code"])
	res, _ = c.do("POST", path, map[string]any{"action": "start"})
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)

	// The history lists every step with its actor and time.
	res, hist := c.do("GET", path, nil, bearer(dispatcher)...)
	require.Equal(t, http.StatusOK, res.StatusCode)
	var actions []string
	for _, e := range hist["events"].([]any) {
		ev := e.(map[string]any)
		actions = append(actions, ev["action"].(string))
		assert.NotEmpty(t, ev["at"])
		assert.NotEmpty(t, ev["actor_role"])
	}
	assert.Equal(t, []string{"report", "hear", "schedule", "decide", "dispatch", "start", "resolve", "verify",
		"rate", "rate", "rate", "conclude", "start", "resolve", "verify", "rate", "conclude"}, actions)

	// The deliberation and evaluation were recorded.
	assert.Equal(t, 1, countRows(t, pool, fmt.Sprintf(`SELECT count(*) FROM motions WHERE case_id = %d AND passed AND yes = 8`, id)))
	assert.Equal(t, 1, countRows(t, pool, fmt.Sprintf(`SELECT count(*) FROM meetings m JOIN motions o ON o.meeting_id = m.id WHERE o.case_id = %d AND cardinality(m.participants) = 3`, id)))
	assert.Equal(t, 4, countRows(t, pool, fmt.Sprintf(`SELECT count(*) FROM case_ratings WHERE case_id = %d`, id)))
	assert.Equal(t, 1, countRows(t, pool, fmt.Sprintf(`SELECT count(*) FROM case_photos WHERE case_id = %d AND event_id IS NOT NULL`, id)))

	// Merging into a case that does not exist is refused and changes nothing.
	res, other := c.do("POST", "/api/v1/reports", map[string]any{"category": "noise", "description": "夜间施工",
		"lat": lat, "lon": lon})
	require.Equal(t, http.StatusCreated, res.StatusCode)
	res, body = c.do("POST", fmt.Sprintf("/api/v1/reports/%d/events", int64(other["id"].(float64))),
		map[string]any{"action": "merge", "into": 99999999}, bearer(chief)...)
	assert.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, "%v", body)
	assert.Equal(t, "into", body["error"].(map[string]any)["field"])

	// KPIs: for staff within their unit only.
	planner := token(t, url, "planner", community, "S-planner")
	res, kpi := c.do("GET", "/api/v1/stats/kpi?code="+community+"&by=children", nil, bearer(planner)...)
	require.Equal(t, http.StatusOK, res.StatusCode, "%v", kpi)
	assert.GreaterOrEqual(t, kpi["cases"], 1.0)
	assert.GreaterOrEqual(t, kpi["closed"], 1.0)
	assert.NotEmpty(t, kpi["children"])
	res, _ = c.do("GET", "/api/v1/stats/kpi?code="+community, nil)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	res, _ = c.do("GET", "/api/v1/stats/kpi?code=370781001024", nil, bearer(planner)...)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	res, _ = c.do("GET", "/api/v1/stats/kpi?code="+community, nil, bearer(resident)...)
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	// Case lists download as CSV and xlsx.
	req, err := http.NewRequest("GET", c.base+"/api/v1/reports?format=csv", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+dispatcher)
	csvRes, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	csvBody, _ := io.ReadAll(csvRes.Body)
	csvRes.Body.Close()
	assert.Equal(t, http.StatusOK, csvRes.StatusCode)
	assert.Contains(t, csvRes.Header.Get("Content-Type"), "text/csv")
	assert.Contains(t, string(csvBody), fmt.Sprint(id))
	assert.NotContains(t, string(csvBody), "17100003333")

	// The reporter sees their name on their case; the public does not.
	_, mine := c.do("GET", fmt.Sprintf("/api/v1/reports/%d", id), nil, bearer(resident)...)
	assert.Equal(t, "王芳", mine["reporter"].(map[string]any)["name"])
	_, public := c.do("GET", fmt.Sprintf("/api/v1/reports/%d", id), nil)
	assert.Nil(t, public["reporter"])
	_, someone := c.do("GET", fmt.Sprintf("/api/v1/reports/%d", id), nil, bearer(reps[1])...)
	assert.Nil(t, someone["reporter"])
}

// sse reads server-sent events from a stream into a channel until the test ends.
func sse(t *testing.T, c client, headers ...string) <-chan map[string]any {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/api/v1/stream", nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "text/event-stream", res.Header.Get("Content-Type"))
	out := make(chan map[string]any, 100)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var id string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "id: "):
				id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "data: "):
				var m map[string]any
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &m) == nil {
					m["sse_id"] = id
					out <- m
				}
			}
		}
	}()
	return out
}

func waitFor(t *testing.T, ch <-chan map[string]any, caseID float64, action string) map[string]any {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-ch:
			if m["case"].(map[string]any)["id"] == caseID && m["action"] == action {
				return m
			}
		case <-deadline:
			t.Fatalf("no %s event for case %v on the stream", action, caseID)
		}
	}
}

// TestLiveFeed: a new report and its next step reach a dispatcher's open stream; a reconnect with
// Last-Event-ID gets what it missed; the public stream rounds coordinates.
func TestLiveFeed(t *testing.T) {
	url, c, pool := cityDB(t)
	_, lon, lat := someCompound(t, pool, "370781002035")
	dispatcher := token(t, url, "dispatcher", "370781", "S-dispatch-all")
	live := sse(t, c, "Authorization", "Bearer "+dispatcher)
	public := sse(t, c)

	res, created := c.do("POST", "/api/v1/reports", map[string]any{"category": "sanitation", "description": "垃圾堆积",
		"lat": lat, "lon": lon})
	require.Equal(t, http.StatusCreated, res.StatusCode)
	id := created["id"].(float64)
	ev := waitFor(t, live, id, "report")
	assert.Equal(t, "reported", ev["case"].(map[string]any)["status"])
	assert.Equal(t, lat, ev["case"].(map[string]any)["lat"])
	pub := waitFor(t, public, id, "report")
	assert.InDelta(t, lat, pub["case"].(map[string]any)["lat"], 0.0005)
	assert.NotContains(t, fmt.Sprint(pub), "reporter")

	worker := token(t, url, "grid_worker", created["grid"].(map[string]any)["code"].(string), "S-w")
	res, _ = c.do("POST", fmt.Sprintf("/api/v1/reports/%d/events", int64(id)), map[string]any{"action": "hear",
		"classification": "pending"}, "Authorization", "Bearer "+worker)
	require.Equal(t, http.StatusCreated, res.StatusCode)
	heard := waitFor(t, live, id, "hear")
	assert.Equal(t, "heard", heard["case"].(map[string]any)["status"])

	// Reconnecting from the report event replays the hear event.
	resumed := sse(t, c, "Authorization", "Bearer "+dispatcher, "Last-Event-ID", ev["sse_id"].(string))
	again := waitFor(t, resumed, id, "hear")
	assert.Equal(t, heard["event_id"], again["event_id"])
}
