package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFieldTasksAndRoute reports cases in one grid of the demo city, then asks for the grid worker's nearest
// tasks and route over HTTP, follows a cancellation out of the list, and checks who may ask and bad input.
func TestFieldTasksAndRoute(t *testing.T) {
	url, c, pool := cityDB(t)
	ctx := context.Background()
	// Five compounds of one grid, with a point inside each.
	rows, err := pool.Query(ctx, `SELECT parent_code, ST_X(p), ST_Y(p) FROM (
			SELECT parent_code, ST_PointOnSurface(geom) p, code FROM units
			WHERE level = 'building' AND parent_code = (SELECT parent_code FROM units WHERE level = 'building'
				AND code >= '370781006033' ORDER BY code LIMIT 1)
			ORDER BY code LIMIT 5) u`)
	require.NoError(t, err)
	var grid string
	var pts [][2]float64
	for rows.Next() {
		var lon, lat float64
		require.NoError(t, rows.Scan(&grid, &lon, &lat))
		pts = append(pts, [2]float64{lon, lat})
	}
	require.NoError(t, rows.Err())
	require.GreaterOrEqual(t, len(pts), 3)

	resident := token(t, url, "resident", grid[:12], "resident:li")
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
	var ids []int64
	for i, p := range pts {
		cats := []string{"sanitation", "noise", "pothole", "street_light", "parking"}
		body := map[string]any{"category": cats[i], "description": fmt.Sprintf("网格巡查发现问题 %d", i),
			"lat": p[1], "lon": p[0]}
		if i == len(pts)-1 {
			body["urgency"] = "urgent"
			body["category"] = "safety_hazard"
		}
		res, out := c.do("POST", "/api/v1/reports", body, bearer(resident)...)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%v", out)
		ids = append(ids, int64(out["id"].(float64)))
	}
	urgent := ids[len(ids)-1]

	worker := token(t, url, "grid_worker", grid, "S-field")
	at := pts[0]
	q := fmt.Sprintf("lat=%.7f&lon=%.7f", at[1]+0.0003, at[0]+0.0003)
	reportIDs := func(out map[string]any) []int64 {
		var got []int64
		for _, s := range out["stops"].([]any) {
			got = append(got, int64(s.(map[string]any)["report_id"].(float64)))
		}
		return got
	}
	// The index follows the feed: poll until the new cases are listed.
	var tasks map[string]any
	require.Eventually(t, func() bool {
		res, out := c.do("GET", "/api/v1/field/tasks?"+q+"&k=20", nil, bearer(worker)...)
		if res.StatusCode != http.StatusOK {
			return false
		}
		tasks = out
		got := reportIDs(out)
		for _, id := range ids {
			if !slices.Contains(got, id) {
				return false
			}
		}
		return true
	}, 20*time.Second, 100*time.Millisecond, "the new cases reach the field index")
	stops := tasks["stops"].([]any)
	for i := 1; i < len(stops); i++ {
		assert.GreaterOrEqual(t, stops[i].(map[string]any)["distance_m"], stops[i-1].(map[string]any)["distance_m"])
	}

	// The route on the demo city's roads, with the legs drawn.
	res, route := c.do("GET", "/api/v1/field/route?"+q+"&k=5&geometry=true", nil, bearer(worker)...)
	require.Equal(t, http.StatusOK, res.StatusCode, "%v", route)
	assert.Equal(t, "road", route["method"])
	rs := route["stops"].([]any)
	require.Len(t, rs, 5)
	var sum, eta float64
	for _, s := range rs {
		st := s.(map[string]any)
		sum += st["leg_m"].(float64)
		assert.Greater(t, st["eta_s"].(float64), eta, "arrival times grow along the route")
		eta = st["eta_s"].(float64)
		assert.GreaterOrEqual(t, st["leg_m"].(float64)+0.5, 0.0)
	}
	assert.InDelta(t, route["total_m"].(float64), sum, 0.5)
	feats := route["geometry"].(map[string]any)["features"].([]any)
	assert.Len(t, feats, 5)

	res, straight := c.do("GET", "/api/v1/field/route?"+q+"&k=5&method=straight", nil, bearer(worker)...)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "straight", straight["method"])
	assert.ElementsMatch(t, reportIDs(route), reportIDs(straight), "the same five tasks either way")
	// (road lengths are measured on the spheroid, straight lines on the sphere: 0.3 % of slack)
	assert.LessOrEqual(t, straight["total_m"].(float64), 1.003*route["total_m"].(float64)+0.5,
		"no road route is shorter than the straight lines")

	// Urgent first: every pressing task comes before the others.
	res, uf := c.do("GET", "/api/v1/field/route?"+q+"&k=20&urgent_first=true", nil, bearer(worker)...)
	require.Equal(t, http.StatusOK, res.StatusCode)
	seenOther := false
	for _, s := range uf["stops"].([]any) {
		st := s.(map[string]any)
		if st["pressing"].(bool) {
			assert.False(t, seenOther, "a pressing task after an ordinary one: %v", uf["stops"])
		} else {
			seenOther = true
		}
	}
	assert.Contains(t, reportIDs(uf), urgent)

	// A cancelled case leaves the list.
	res, out := c.do("POST", fmt.Sprintf("/api/v1/reports/%d/events", ids[0]),
		map[string]any{"action": "cancel", "reason": "已自行处理"}, bearer(resident)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", out)
	require.Eventually(t, func() bool {
		res, out := c.do("GET", "/api/v1/field/tasks?"+q+"&k=20", nil, bearer(worker)...)
		return res.StatusCode == http.StatusOK && !slices.Contains(reportIDs(out), ids[0])
	}, 20*time.Second, 100*time.Millisecond, "the cancelled case leaves the field index")

	// Dispatchers with the county see the same; residents may not ask; bad input is a JSON 400.
	dispatcher := token(t, url, "dispatcher", "370781", "S-disp")
	res, out = c.do("GET", "/api/v1/field/tasks?"+q+"&k=3", nil, bearer(dispatcher)...)
	assert.Equal(t, http.StatusOK, res.StatusCode, "%v", out)
	res, out = c.do("GET", "/api/v1/field/route?"+q, nil, bearer(resident)...)
	assert.Equal(t, http.StatusForbidden, res.StatusCode, "%v", out)
	for _, bad := range []string{"&k=0", "&k=10000", "&method=bus"} {
		res, out = c.do("GET", "/api/v1/field/route?"+q+bad, nil, bearer(worker)...)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s: %v", bad, out)
	}
	res, out = c.do("GET", "/api/v1/field/tasks?k=3", nil, bearer(worker)...)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Equal(t, "lat", out["error"].(map[string]any)["field"])
	res, _ = c.do("GET", "/api/v1/field/tasks?"+q, nil)
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
}
