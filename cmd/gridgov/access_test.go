package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/api"
	"gridgov/data"
	"gridgov/dispatch"
)

var updateSecurity = flag.Bool("update-security", false, "rewrite the access matrix in SECURITY.md")

// accessColumns are the askers of the access matrix: no token; each role with a token scoped to the unit that
// holds the case asked about (own) and with one scoped to a sibling unit (other, marked ′); and three tokens that
// must be refused: expired, tampered with, and signed for a role that does not exist.
var accessColumns = []string{"none",
	"resident", "resident′", "grid_worker", "grid_worker′", "grid_chief", "grid_chief′", "dispatcher", "dispatcher′",
	"department", "department′", "planner", "planner′", "admin", "admin′", "open311", "open311′",
	"expired", "tampered", "bad_role"}

// accessProbe is one row of the matrix: a request on a route and the status each column gets.
type accessProbe struct {
	route  string // the pattern as api.Server.Routes lists it
	method string
	path   string // with {A} (a public case), {N} (a non-public case), {grid}, {community}, {tileA}
	body   string // JSON, or a form for Open311 POSTs (the token then goes in api_key)
	want   string // one status per column of accessColumns
}

// accessMatrix is what each asker may do. Scopes: resident, grid_chief, planner and open311 are scoped to the case's
// community / a sibling community, grid_worker to its grid / a sibling grid, dispatcher and admin to its street / a
// sibling street, department to the department the case is assigned to / another department. The resident is the
// reporter of {A} and {N}. /metrics is asked from loopback, which may read it without a token.
var accessMatrix = []accessProbe{
	//                                                                                                    none res res′ gw  gw′ gc  gc′ dsp dsp′dep dep′pln pln′adm adm′o311 o′ exp tmp role
	{"GET /healthz", "GET", "/healthz", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /metrics", "GET", "/metrics", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /api/v1/units", "GET", "/api/v1/units?level=grid&limit=2", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /api/v1/units/{code}", "GET", "/api/v1/units/{grid}", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /api/v1/locate", "GET", "/api/v1/locate?lat={lat2}&lon={lon2}", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"POST /api/v1/locate", "POST", "/api/v1/locate", `{"points":[{"lat":{lat2},"lon":{lon2}}]}`, "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /api/v1/categories", "GET", "/api/v1/categories", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"POST /api/v1/reports", "POST", "/api/v1/reports", `{"category":"sanitation","description":"probe","lat":{lat2},"lon":{lon2}}`, "201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 401 401 401"},
	{"POST /api/v1/residents/token", "POST", "/api/v1/residents/token", "", "201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 201 201"},
	{"GET /api/v1/reports", "GET", "/api/v1/reports?grid={grid}", "", "200 200 200 200 403 200 403 200 403 200 200 200 403 200 403 200 200 401 401 401"},
	{"GET /api/v1/reports/{id}", "GET", "/api/v1/reports/{A}", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 401 401 401"},
	{"GET /api/v1/reports/{id}", "GET", "/api/v1/reports/{N}", "", "404 200 404 200 404 200 404 200 404 404 404 200 404 200 404 404 404 401 401 401"},
	{"POST /api/v1/reports/{id}/events", "POST", "/api/v1/reports/{A}/events", `{"action":"start"}`, "401 403 403 409 403 409 403 409 403 409 403 403 403 409 403 403 403 401 401 401"},
	{"POST /api/v1/reports/{id}/events", "POST", "/api/v1/reports/{A}/events", `{"action":"rate","rating":"satisfied"}`, "401 409 403 403 403 403 403 403 403 403 403 403 403 409 403 403 403 401 401 401"},
	{"GET /api/v1/reports/{id}/events", "GET", "/api/v1/reports/{A}/events", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 401 401 401"},
	{"GET /api/v1/reports/{id}/events", "GET", "/api/v1/reports/{N}/events", "", "404 200 404 200 404 200 404 200 404 404 404 200 404 200 404 404 404 401 401 401"},
	{"GET /api/v1/reports/{id}/photos", "GET", "/api/v1/reports/{A}/photos", "", "404 200 404 200 404 200 404 200 404 200 404 404 404 200 404 404 404 401 401 401"},
	{"GET /api/v1/reports/{id}/photos", "GET", "/api/v1/reports/{N}/photos", "", "404 200 404 200 404 200 404 200 404 404 404 404 404 200 404 404 404 401 401 401"},
	{"GET /api/v1/reports/{id}/photos/{n}", "GET", "/api/v1/reports/{A}/photos/1", "", "404 200 404 200 404 200 404 200 404 200 404 404 404 200 404 404 404 401 401 401"},
	{"GET /api/v1/reports/{id}/photos/{n}", "GET", "/api/v1/reports/{N}/photos/1", "", "404 200 404 200 404 200 404 200 404 404 404 404 404 200 404 404 404 401 401 401"},
	{"GET /api/v1/stats/kpi", "GET", "/api/v1/stats/kpi?code={grid}", "", "401 403 403 200 403 200 403 200 403 403 403 200 403 200 403 403 403 401 401 401"},
	{"GET /api/v1/stream", "GET", "/api/v1/stream", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 401 401 401"},
	{"GET /api/v1/field/tasks", "GET", "/api/v1/field/tasks?lat={lat}&lon={lon}", "", "401 403 403 200 200 200 200 200 200 200 200 403 403 200 200 403 403 401 401 401"},
	{"GET /api/v1/field/route", "GET", "/api/v1/field/route?lat={lat}&lon={lon}&method=straight", "", "401 403 403 200 200 200 200 200 200 200 200 403 403 200 200 403 403 401 401 401"},
	{"GET /api/v1/hotspots", "GET", "/api/v1/hotspots?code={community}", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /api/v1/hotspots", "GET", "/api/v1/hotspots?code={grid}&category=neighbour_dispute", "", "401 403 403 200 403 200 403 200 403 403 403 200 403 200 403 403 403 401 401 401"},
	{"GET /open311/v2/openapi.json", "GET", "/open311/v2/openapi.json", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /open311/v2/{resource}", "GET", "/open311/v2/discovery.json", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /open311/v2/{resource}", "GET", "/open311/v2/requests.xml?extensions=true", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"POST /open311/v2/{resource}", "POST", "/open311/v2/requests.json", "service_code=sanitation&lat={lat2}&long={lon2}&description=probe", "403 403 403 403 403 403 403 403 403 403 403 403 403 403 403 200 200 403 403 403"},
	{"GET /open311/v2/services/{code}", "GET", "/open311/v2/services/street_light.json", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /open311/v2/services/{code}", "GET", "/open311/v2/services/neighbour_dispute.json", "", "404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404"},
	{"GET /open311/v2/requests/{id}", "GET", "/open311/v2/requests/{A}.json?extensions=true", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /open311/v2/requests/{id}", "GET", "/open311/v2/requests/{N}.json", "", "404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404"},
	{"GET /open311/v2/tokens/{token}", "GET", "/open311/v2/tokens/{A}.json", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"/open311/", "GET", "/open311/v2/nothing/here.json", "", "404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404"},
	{"GET /tiles/{layer}", "GET", "/tiles/reports.json", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /tiles/{layer}/{z}/{x}/{y}", "GET", "/tiles/reports/{tileA}.mvt", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /tiles/{layer}/{z}/{x}/{y}", "GET", "/tiles/hotspots/{tileA}.mvt", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"GET /tiles/{layer}/{z}/{x}/{y}", "GET", "/tiles/hotspots/{tileA}.mvt?category=neighbour_dispute", "", "401 403 403 200 200 200 200 200 200 403 403 200 200 200 200 403 403 401 401 401"},
	{"/api/", "GET", "/api/v1/no-such-route", "", "404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404"},
	{"/", "GET", "/", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
	{"/", "GET", "/dispatch", "", "200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200"},
}

// TestAccessMatrixCoversEveryRoute fails when a route is served that the matrix has no row for.
func TestAccessMatrixCoversEveryRoute(t *testing.T) {
	routes := api.NewServer(slog.New(slog.DiscardHandler), api.Services{}).Routes()
	require.NotEmpty(t, routes)
	covered := map[string]bool{}
	for _, p := range accessMatrix {
		covered[p.route] = true
		require.Len(t, strings.Fields(p.want), len(accessColumns), "%s %s", p.method, p.path)
	}
	for _, r := range routes {
		assert.True(t, covered[r], "route %q has no row in accessMatrix (cmd/gridgov/access_test.go): say who may use it", r)
	}
	for r := range covered {
		assert.True(t, slices.Contains(routes, r), "accessMatrix has a row for %q, which is not a route", r)
	}
}

// TestSecurityMatrixDocumented keeps SECURITY.md's table the same as accessMatrix (-update-security rewrites it).
func TestSecurityMatrixDocumented(t *testing.T) {
	const begin, end = "<!-- access-matrix:begin (generated by go test ./cmd/gridgov -run TestSecurityMatrixDocumented -update-security) -->", "<!-- access-matrix:end -->"
	path := "../../SECURITY.md"
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(raw)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	require.True(t, i >= 0 && j > i, "SECURITY.md lacks the access-matrix markers")
	table := accessMatrixMarkdown()
	if *updateSecurity {
		doc = doc[:i+len(begin)] + "\n" + table + doc[j:]
		require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
		return
	}
	assert.Equal(t, table, doc[i+len(begin)+1:j], "SECURITY.md's access matrix differs from accessMatrix: run "+
		"go test ./cmd/gridgov -run TestSecurityMatrixDocumented -update-security")
}

func accessMatrixMarkdown() string {
	var b strings.Builder
	b.WriteString("| request |")
	for _, c := range accessColumns {
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n|---|")
	for range accessColumns {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, p := range accessMatrix {
		req := p.method + " " + p.path
		if p.body != "" && strings.Contains(p.body, "action") {
			req += " " + p.body
		}
		fmt.Fprintf(&b, "| `%s` |", strings.ReplaceAll(req, "|", `\|`))
		for _, s := range strings.Fields(p.want) {
			b.WriteString(" " + s + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// accessCity is the loaded city, its tokens and the planted cases.
type accessCity struct {
	base           string
	tokens         []string // per column of accessColumns; "" for none
	vars           map[string]string
	lat, lon       float64 // the exact point of the planted cases
	name, phone    string  // planted personal data
	a, n, r        int64   // the public case, the non-public case, the public case its reporter cancelled
	aH3            string  // the public case's exact cell
	grid, dept     string
	community, str string
}

// raw sends a request and returns its status, headers and body; for the stream only the status (and headers).
func (ac *accessCity) raw(t *testing.T, method, path, body, tok string, form bool) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rd io.Reader
	if body != "" || form {
		if form {
			v, err := url.ParseQuery(body)
			require.NoError(t, err)
			if tok != "" {
				v.Set("api_key", tok)
			}
			body = v.Encode()
		}
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, ac.base+path, rd)
	require.NoError(t, err)
	switch {
	case form:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case rd != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	if tok != "" && !form {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		return res.StatusCode, res.Header, nil
	}
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, res.Header, b
}

func (ac *accessCity) expand(s string) string {
	for k, v := range ac.vars {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// signToken signs claims with key as api.Tokens does (see api/token.go), to forge tokens Issue refuses to make.
func signToken(key []byte, claims string) string {
	signed := "gg1." + base64.RawURLEncoding.EncodeToString([]byte(claims))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(signed))
	return signed + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func newAccessCity(t *testing.T) *accessCity {
	url, c, pool := cityDB(t)
	ctx := context.Background()
	compound, lon, lat := someCompound(t, pool, "370781006033")
	grid := compound.ParentCode
	community, street := grid[:12], grid[:9]
	var siblingGrid string
	require.NoError(t, pool.QueryRow(ctx, `SELECT code FROM units WHERE level = 'grid' AND parent_code = $1 AND code <> $2
		ORDER BY code LIMIT 1`, community, grid).Scan(&siblingGrid))
	ac := &accessCity{base: c.base, lat: lat, lon: lon, name: "隐私测试张三丰", phone: "13912345678",
		grid: grid, community: community, str: street}

	// The planted cases: {A} a public category handled by a department, {N} a non-public one, {R} a public one its
	// reporter cancels with a reason that quotes their phone; all by the same resident, with name, phone and a photo.
	owner := token(t, url, "resident", community, "resident:owner")
	report := func(category, desc string) map[string]any {
		res, out := c.do("POST", "/api/v1/reports", map[string]any{"category": category, "description": desc,
			"lat": lat, "lon": lon, "reporter": map[string]string{"name": ac.name, "phone": ac.phone},
			"photos": []string{onePixelPNG}}, "Authorization", "Bearer "+owner)
		require.Equal(t, http.StatusCreated, res.StatusCode, "%v", out)
		require.Nil(t, out["duplicate_of"])
		return out
	}
	a := report("street_light", "路灯不亮")
	require.Equal(t, grid, a["grid"].(map[string]any)["code"])
	ac.dept = a["assignee"].(map[string]any)["code"].(string)
	require.Equal(t, "D01", ac.dept)
	ac.aH3 = a["h3"].(string)
	n := report("neighbour_dispute", "邻里纠纷")
	r := report("sanitation", "垃圾堆积")
	ac.a, ac.n, ac.r = int64(a["id"].(float64)), int64(n["id"].(float64)), int64(r["id"].(float64))
	res, out := c.do("POST", fmt.Sprintf("/api/v1/reports/%d/events", ac.r), map[string]any{"action": "cancel",
		"reason": "已自行解决，有事请回电" + ac.phone + "找" + ac.name}, "Authorization", "Bearer "+owner)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", out)

	scopes := map[string][2]string{"resident": {community, "370781006034"}, "grid_worker": {grid, siblingGrid},
		"grid_chief": {community, "370781006034"}, "dispatcher": {street, "370781002"}, "department": {"D01", "D02"},
		"planner": {community, "370781006034"}, "admin": {street, "370781002"}, "open311": {community, "370781006034"}}
	ac.tokens = make([]string, len(accessColumns))
	for i, col := range accessColumns {
		role, other := strings.CutSuffix(col, "′")
		sc, ok := scopes[role]
		switch {
		case !ok:
		case role == "resident" && !other:
			ac.tokens[i] = owner
		case other:
			ac.tokens[i] = token(t, url, role, sc[1], role+":other")
		default:
			ac.tokens[i] = token(t, url, role, sc[0], role+":own")
		}
	}
	key, err := data.TokenKey(ctx, pool, "")
	require.NoError(t, err)
	tokens, err := api.NewTokens(key)
	require.NoError(t, err)
	expired, err := tokens.Issue(dispatch.Actor{Role: dispatch.RoleDispatcher, Unit: street, Subject: "x"}, time.Hour,
		time.Now().Add(-2*time.Hour))
	require.NoError(t, err)
	// Tampered: a resident's token whose claims now say admin of the county, under the resident's MAC.
	resident := ac.tokens[1]
	parts := strings.Split(resident, ".")
	forged := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf(
		`{"role":"admin","unit":"370781","sub":"resident:owner","iat":%d,"exp":%d}`, time.Now().Unix(), time.Now().Add(time.Hour).Unix())))
	tampered := parts[0] + "." + forged + "." + parts[2]
	badRole := signToken(key, fmt.Sprintf(`{"role":"superuser","unit":"370781","sub":"x","iat":%d,"exp":%d}`,
		time.Now().Unix(), time.Now().Add(time.Hour).Unix()))
	ac.tokens[slices.Index(accessColumns, "expired")] = expired
	ac.tokens[slices.Index(accessColumns, "tampered")] = tampered
	ac.tokens[slices.Index(accessColumns, "bad_role")] = badRole

	_, lon2, lat2 := someCompound(t, pool, "370781002035") // where the probes report and locate
	tile := maptile.At(orb.Point{lon, lat}, 16)
	ac.vars = map[string]string{"A": strconv.FormatInt(ac.a, 10), "N": strconv.FormatInt(ac.n, 10),
		"grid": grid, "community": community, "lat": strconv.FormatFloat(lat, 'f', -1, 64),
		"lon": strconv.FormatFloat(lon, 'f', -1, 64), "lat2": strconv.FormatFloat(lat2, 'f', -1, 64),
		"lon2": strconv.FormatFloat(lon2, 'f', -1, 64), "tileA": fmt.Sprintf("%d/%d/%d", tile.Z, tile.X, tile.Y)}
	return ac
}

// TestAccess runs the access matrix against the served demo city, and checks that no answer a column may not see
// in full carries the planted personal data.
func TestAccess(t *testing.T) {
	ac := newAccessCity(t)
	bodies := map[string][]byte{} // "column request" → body, for the privacy check
	for _, p := range accessMatrix {
		want := strings.Fields(p.want)
		path := ac.expand(p.path)
		form := p.method == "POST" && strings.HasPrefix(p.path, "/open311/")
		for i, col := range accessColumns {
			got, h, body := ac.raw(t, p.method, path, ac.expand(p.body), ac.tokens[i], form)
			if got == http.StatusNoContent && want[i] == "200" && strings.HasPrefix(p.path, "/tiles/") {
				got = http.StatusOK // an empty tile
			}
			assert.Equal(t, want[i], strconv.Itoa(got), "%s %s as %s: %s", p.method, path, col, body)
			if got == http.StatusUnauthorized {
				assert.True(t, strings.HasPrefix(h.Get("Content-Type"), "application/json"), "%s %s as %s", p.method, path, col)
				assert.Contains(t, string(body), `"code":"unauthenticated"`, "%s %s as %s", p.method, path, col)
			}
			bodies[col+" "+p.method+" "+path] = body
		}
	}

	// Field tasks are the asker's own: staff of a sibling unit and another department are not sent {A} or {N}.
	for _, col := range []string{"grid_worker′", "grid_chief′", "dispatcher′", "department′", "admin′"} {
		body := bodies[col+" GET "+ac.expand("/api/v1/field/tasks?lat={lat}&lon={lon}")]
		assert.NotContains(t, string(body), fmt.Sprintf(`"report_id":%d,`, ac.a), col)
		assert.NotContains(t, string(body), fmt.Sprintf(`"report_id":%d,`, ac.n), col)
	}
	body := bodies["grid_worker GET "+ac.expand("/api/v1/field/tasks?lat={lat}&lon={lon}")]
	assert.Contains(t, string(body), fmt.Sprintf(`"report_id":%d,`, ac.a), "the grid worker's own tasks")

	// Personal data: only the reporter (resident, own) and staff responsible within their unit see the name and
	// phone; nobody else gets them, nor the exact point, in any answer.
	fullView := map[string]bool{"resident": true, "grid_worker": true, "grid_chief": true, "dispatcher": true,
		"department": true, "admin": true}
	for key, body := range bodies {
		col, req, _ := strings.Cut(key, " ")
		if fullView[col] && !strings.Contains(req, "/open311/") && !strings.Contains(req, "/tiles/") {
			continue
		}
		ac.assertNoPersonalData(t, key, body)
	}
	// The responsible see them.
	_, _, body = ac.raw(t, "GET", fmt.Sprintf("/api/v1/reports/%d", ac.n), "", ac.tokens[slices.Index(accessColumns, "grid_worker")], false)
	assert.Contains(t, string(body), ac.phone)
	_, _, body = ac.raw(t, "GET", fmt.Sprintf("/api/v1/reports/%d", ac.a), "", ac.tokens[slices.Index(accessColumns, "department")], false)
	assert.Contains(t, string(body), ac.phone)
	_, _, body = ac.raw(t, "GET", fmt.Sprintf("/api/v1/reports/%d", ac.a), "", ac.tokens[slices.Index(accessColumns, "resident")], false)
	assert.Contains(t, string(body), ac.name)
}

// TestPublicViews reads every public answer about the planted cases (case JSON and lists, events, Open311 JSON and
// XML, the reports tile, the live feed) as the public and as staff of another unit and finds no personal data in
// them and no coordinate finer than the documented rounding.
func TestPublicViews(t *testing.T) {
	ac := newAccessCity(t)
	none := ""
	otherStaff := ac.tokens[slices.Index(accessColumns, "dispatcher′")]
	otherResident := ac.tokens[slices.Index(accessColumns, "resident′")]
	planner := ac.tokens[slices.Index(accessColumns, "planner")]

	// The live feed, subscribed before the planted cases change.
	streams := map[string]<-chan map[string]any{}
	for name, tok := range map[string]string{"none": none, "dispatcher′": otherStaff, "resident′": otherResident,
		"open311": ac.tokens[slices.Index(accessColumns, "open311")]} {
		var h []string
		if tok != "" {
			h = []string{"Authorization", "Bearer " + tok}
		}
		streams[name] = sse(t, client{t: t, base: ac.base}, h...)
	}
	worker := ac.tokens[slices.Index(accessColumns, "grid_worker")]
	for _, id := range []int64{ac.a, ac.n} {
		st, _, b := ac.raw(t, "POST", fmt.Sprintf("/api/v1/reports/%d/events", id), `{"action":"hear","classification":"pending"}`, worker, false)
		require.Equal(t, http.StatusCreated, st, "%s", b)
	}
	for name, ch := range streams {
		if name != "dispatcher′" {
			ev := waitFor(t, ch, float64(ac.a), "hear")
			assert.Equal(t, math.Round(ac.lat*1000)/1000, ev["case"].(map[string]any)["lat"], name)
			ac.assertNoPersonalData(t, "stream as "+name, []byte(fmt.Sprint(ev)))
		}
	drain:
		for {
			select {
			case m := <-ch:
				id := m["case"].(map[string]any)["id"]
				assert.NotEqual(t, float64(ac.n), id, "non-public case on the feed of %s", name)
				if name == "dispatcher′" {
					assert.NotEqual(t, float64(ac.a), id, "staff of another street got case %d on the feed", ac.a)
				}
				ac.assertNoPersonalData(t, "stream as "+name, []byte(fmt.Sprint(m)))
			case <-time.After(time.Second):
				break drain
			}
		}
	}

	paths := []string{
		fmt.Sprintf("/api/v1/reports/%d", ac.a), fmt.Sprintf("/api/v1/reports/%d/events", ac.a),
		fmt.Sprintf("/api/v1/reports/%d", ac.r), fmt.Sprintf("/api/v1/reports/%d/events", ac.r),
		"/api/v1/reports", "/api/v1/reports?format=csv", "/api/v1/reports?grid=" + ac.grid,
		"/open311/v2/requests.json?extensions=true", "/open311/v2/requests.xml?extensions=true",
		fmt.Sprintf("/open311/v2/requests/%d.json?extensions=true", ac.a),
		fmt.Sprintf("/open311/v2/requests/%d.xml?extensions=true", ac.a),
		"/open311/v2/servicerequestupdates.json", "/open311/v2/servicerequestupdates.xml",
	}
	for _, tok := range []string{none, otherResident, planner} {
		for _, p := range paths {
			st, _, body := ac.raw(t, "GET", p, "", tok, false)
			require.Equal(t, http.StatusOK, st, "%s: %s", p, body)
			ac.assertNoPersonalData(t, p, body)
			assert.NotContains(t, string(body), ac.aH3, "%s shows the case's exact H3 cell", p)
			assert.NotContains(t, string(body), "/photos/", "%s links the case's photos", p)
		}
	}
	// The public JSON of a case is located to 0.001°, the Open311 one to 0.0001°.
	_, _, body := ac.raw(t, "GET", fmt.Sprintf("/api/v1/reports/%d", ac.a), "", none, false)
	assert.Contains(t, string(body), fmt.Sprintf(`"lat":%v`, math.Round(ac.lat*1000)/1000))
	assert.Contains(t, string(body), `"id":`+strconv.FormatInt(ac.a, 10))

	// The reports tile: the documented properties only, the point on the 0.001° grid.
	tile := maptile.At(orb.Point{math.Round(ac.lon*1000) / 1000, math.Round(ac.lat*1000) / 1000}, 16)
	res, layers := fetchTile(t, ac.base, tilePath("reports", tile))
	require.Equal(t, http.StatusOK, res.StatusCode)
	layers.ProjectToWGS84(tile)
	found := false
	for _, l := range layers {
		for _, f := range l.Features {
			for k := range f.Properties {
				assert.Contains(t, []string{"id", "category", "status", "classification", "overdue"}, k)
			}
			assert.NotContains(t, fmt.Sprint(f.Properties), ac.phone)
			assert.NotEqual(t, "neighbour_dispute", f.Properties["category"])
			if f.Properties["id"] == float64(ac.a) || f.Properties["id"] == int64(ac.a) || f.Properties["id"] == uint64(ac.a) {
				found = true
				p := f.Geometry.(orb.Point)
				assert.InDelta(t, math.Round(ac.lat*1000)/1000, p.Lat(), 3e-6)
				assert.InDelta(t, math.Round(ac.lon*1000)/1000, p.Lon(), 3e-6)
			}
		}
	}
	assert.True(t, found, "case %d in the reports tile", ac.a)

	// A new report within 50 m of {A} answers with {A} as the duplicate: seen as the public sees it.
	st, _, body := ac.raw(t, "POST", "/api/v1/reports", fmt.Sprintf(`{"category":"street_light","description":"又不亮了","lat":%v,"lon":%v}`,
		ac.lat, ac.lon), none, false)
	require.Equal(t, http.StatusCreated, st, "%s", body)
	assert.Contains(t, string(body), `"duplicate_of":`+strconv.FormatInt(ac.a, 10))
	ac.assertNoPersonalData(t, "duplicate answer", body)
}

// coordRE finds decimal numbers with five or more decimals: finer than any public answer may locate a case.
var coordRE = regexp.MustCompile(`-?\d+\.\d{5,}`)

func (ac *accessCity) assertNoPersonalData(t *testing.T, what string, body []byte) {
	t.Helper()
	if len(body) > 0 && body[0] == 0x1f { // gzip (tiles)
		return
	}
	s := string(body)
	assert.NotContains(t, s, ac.name, "%s shows the reporter's name", what)
	assert.NotContains(t, s, ac.phone, "%s shows the reporter's phone", what)
	for _, m := range coordRE.FindAllString(s, -1) {
		v, err := strconv.ParseFloat(m, 64)
		if err != nil {
			continue
		}
		// The exact point, rounded to the number's decimals (five or more): finer than any public answer gives.
		ulp := math.Pow(10, -float64(len(m)-strings.IndexByte(m, '.')-1))
		if math.Abs(v-ac.lat) <= 0.51*ulp || math.Abs(v-ac.lon) <= 0.51*ulp {
			t.Errorf("%s locates the case finer than 0.0001°: %s (exact %v, %v)", what, m, ac.lat, ac.lon)
		}
	}
	if bytes.Contains(body, []byte("reporter")) && bytes.Contains(body, []byte(`"phone"`)) {
		t.Errorf("%s carries a reporter object", what)
	}
}
