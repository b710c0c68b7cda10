package api

// Fuzz targets for every parser of outside input that package api owns. Handlers are fuzzed through
// NewServer over in-memory fakes, with the real dispatch.Intake and dispatch.Workflow between the handler and the
// fake store, so that what a fuzzed request can reach is what production reaches. Each target asserts: no panic,
// never a 5xx, every error in its documented format naming what was wrong, and nothing written when the answer
// is 4xx. Seeds are f.Add calls plus the committed corpus under testdata/fuzz/; `go test` runs both.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"

	"gridgov/dispatch"
	"gridgov/geo"
	"gridgov/tiles"
)

const (
	fzStreet    = "370781001"
	fzCommunity = "370781001024"
	fzGrid      = "370781001024001"
	fzBuilding  = "370781001024001001"
	fzPoint     = "DP370781001024001-01"
	fzDept      = "D-ENV"
)

// fuzzPlaces is a small city: one street, community, grid and building compound with their party
// organisations, a department, a speak-and-discuss point and a catalogue covering every handling level.
func fuzzPlaces(tb testing.TB) *dispatch.Places {
	tb.Helper()
	units := []geo.Unit{
		{Level: geo.LevelStreet, Code: fzStreet, Name: "王府街道", ParentCode: "370781", Geometry: square(118.4, 36.6, 0.1)},
		{Level: geo.LevelCommunity, Code: fzCommunity, Name: "宝鼎社区", ParentCode: fzStreet, Geometry: square(118.4, 36.6, 0.05)},
		{Level: geo.LevelGrid, Code: fzGrid, Name: "第一网格", ParentCode: fzCommunity, Geometry: square(118.4, 36.6, 0.05)},
		{Level: geo.LevelBuilding, Code: fzBuilding, Name: "宝鼎三号院", ParentCode: fzGrid, Geometry: square(118.41, 36.61, 0.005)},
	}
	loc, err := geo.NewLocator(units)
	if err != nil {
		tb.Fatal(err)
	}
	orgs := []dispatch.Org{
		{Code: "P-B1", Name: "三号院党小组", Kind: "building_group", UnitCode: fzBuilding},
		{Code: "P-G1", Name: "第一网格党支部", Kind: "grid_branch", UnitCode: fzGrid},
		{Code: "P-C1", Name: "宝鼎社区党委", Kind: "community_committee", UnitCode: fzCommunity},
	}
	dir := &dispatch.Directory{Locator: loc, Gazetteer: geo.NewGazetteer(units), OrgsByUnit: map[string]dispatch.Org{},
		OrgsByCode:    map[string]dispatch.Org{},
		Departments:   map[string]dispatch.Department{fzDept: {Code: fzDept, Name: "环卫处", NameEn: "Sanitation"}},
		Categories:    map[string]dispatch.Category{},
		DiscussPoints: map[string]string{fzPoint: fzGrid}}
	for _, o := range orgs {
		dir.OrgsByUnit[o.UnitCode], dir.OrgsByCode[o.Code] = o, o
	}
	days := func(n int) dispatch.Deadline { return dispatch.Deadline{Amount: n, Unit: "days"} }
	for _, c := range []dispatch.Category{
		{Code: "A01", Name: "环境卫生", Domain: dispatch.DomainEnvironment, Level: dispatch.HandleBuilding, Public: true,
			Classification: dispatch.ClassPending, Deadlines: map[string]dispatch.Deadline{"normal": days(3),
				"urgent": {Amount: 4, Unit: "hours"}}},
		{Code: "A02", Name: "噪音", Domain: dispatch.DomainGovernance, Level: dispatch.HandleGrid, Public: true,
			Classification: dispatch.ClassPending, Deadlines: map[string]dispatch.Deadline{"normal": days(2)}},
		{Code: "S09", Name: "邻里纠纷", Domain: dispatch.DomainGovernance, Level: dispatch.HandleCommunity,
			Classification: dispatch.ClassPending, Deadlines: map[string]dispatch.Deadline{"normal": days(5)}},
		{Code: "R01", Name: "道路破损", Domain: dispatch.DomainPublic, Level: dispatch.HandleStreet, Public: true,
			Classification: dispatch.ClassEscalate, Deadlines: map[string]dispatch.Deadline{"normal": days(5)}},
		{Code: "D01", Name: "垃圾清运", Domain: dispatch.DomainEnvironment, Level: dispatch.HandleDepartment,
			Department: fzDept, Public: true, Classification: dispatch.ClassPending,
			Deadlines: map[string]dispatch.Deadline{"normal": days(1)}},
	} {
		dir.Categories[c.Code] = c
		dir.CategoryList = append(dir.CategoryList, c)
	}
	p := &dispatch.Places{}
	p.Store(dir)
	return p
}

var fzNow = time.Date(2026, 6, 10, 3, 0, 0, 0, time.UTC) // a Wednesday, 11:00 in China

// recordingStore is a dispatch.CaseStore that keeps what intake creates.
type recordingStore struct{ created []dispatch.NewCase }

func (s *recordingStore) Create(_ context.Context, nc dispatch.NewCase) (dispatch.Created, error) {
	s.created = append(s.created, nc)
	c := nc.Case
	c.ID = int64(len(s.created))
	return dispatch.Created{Case: c}, nil
}

func (s *recordingStore) Case(context.Context, int64) (dispatch.Case, error) {
	return dispatch.Case{}, geo.ErrNotFound
}

// memWorkflow is a dispatch.WorkflowStore holding one case (id 7); Update writes only when fn succeeds, as the
// store's transaction does. It records the filters List is given.
type memWorkflow struct {
	c       dispatch.Case
	writes  int
	filters []dispatch.CaseFilter
}

func (m *memWorkflow) Update(_ context.Context, id int64, fn func(dispatch.Case) (dispatch.Case, []dispatch.Event, error)) (dispatch.Case, []dispatch.Event, error) {
	if id != m.c.ID {
		return dispatch.Case{}, nil, geo.ErrNotFound
	}
	c, events, err := fn(m.c)
	if err != nil {
		return dispatch.Case{}, nil, err
	}
	m.c = c
	m.writes++
	return c, events, nil
}

func (m *memWorkflow) Events(context.Context, int64) ([]dispatch.Event, error) { return nil, nil }

func (m *memWorkflow) List(_ context.Context, f dispatch.CaseFilter) ([]dispatch.Case, int64, error) {
	m.filters = append(m.filters, f)
	return []dispatch.Case{m.c}, 0, nil
}

func (m *memWorkflow) Overdue(context.Context, time.Time, int) ([]int64, error) { return nil, nil }

func (m *memWorkflow) Evaluating(context.Context, time.Time, int) ([]int64, error) { return nil, nil }

func (m *memWorkflow) Case(_ context.Context, id int64) (dispatch.Case, error) {
	if id != m.c.ID {
		return dispatch.Case{}, geo.ErrNotFound
	}
	return m.c, nil
}

// fuzzCase is case 7 in the given status, assigned to the grid's party branch.
func fuzzCase(st dispatch.Status) dispatch.Case {
	return dispatch.Case{ID: 7, Category: "A02", Description: "楼下噪音", Channel: "app", Urgency: "normal",
		Lat: 36.62, Lon: 118.42, OrigLat: 36.62, OrigLon: 118.42, CRS: "wgs84", StreetCode: fzStreet,
		CommunityCode: fzCommunity, GridCode: fzGrid, Status: st, Classification: dispatch.ClassPending,
		AssigneeCode: "P-G1", Handler: "P-G1", ReporterID: "resident-1", ReporterName: "张三",
		ReporterPhone: "13800000000", SuspendedFrom: dispatch.StatusDispatched, CreatedAt: fzNow.Add(-48 * time.Hour),
		UpdatedAt: fzNow.Add(-time.Hour), DueAt: fzNow.Add(24 * time.Hour), VerifiedAt: fzNow.Add(-time.Hour)}
}

var fzStatuses = []dispatch.Status{dispatch.StatusReported, dispatch.StatusHeard, dispatch.StatusDeliberating,
	dispatch.StatusDecided, dispatch.StatusDispatched, dispatch.StatusInProgress, dispatch.StatusResolved,
	dispatch.StatusVerified, dispatch.StatusClosed, dispatch.StatusSuspended, dispatch.StatusCancelled}

// fzActors are who a fuzzed request may speak for; index 0 is the anonymous public.
var fzActors = []*dispatch.Actor{nil,
	{Role: dispatch.RoleResident, Unit: fzStreet, Subject: "resident-1"},
	{Role: dispatch.RoleGridWorker, Unit: fzGrid, Subject: "W1"},
	{Role: dispatch.RoleGridChief, Unit: fzGrid, Subject: "C1"},
	{Role: dispatch.RoleDispatcher, Unit: fzStreet, Subject: "D1"},
	{Role: dispatch.RoleDepartment, Unit: fzDept, Subject: "E1"},
	{Role: dispatch.RolePlanner, Unit: "370781", Subject: "PL1"},
	{Role: dispatch.RoleAdmin, Unit: "370781", Subject: "A1"},
	{Role: dispatch.RoleOpen311, Unit: "370781", Subject: "client-1"},
}

// fuzzFixture is a server over the fuzz city with a real intake and workflow on in-memory stores.
type fuzzFixture struct {
	srv    *Server
	places *dispatch.Places
	store  *recordingStore
	wf     *memWorkflow
	tokens []string // by fzActors index; "" for the anonymous public
}

func newFuzzFixture(tb testing.TB, st dispatch.Status) *fuzzFixture {
	tb.Helper()
	places := fuzzPlaces(tb)
	tk := newTokens(tb, testKey)
	clock := func() time.Time { return fzNow }
	store := &recordingStore{}
	wf := &memWorkflow{c: fuzzCase(st)}
	intake := dispatch.NewIntake(places, dispatch.DefaultCalendar(), store, clock, dispatch.IntakeConfig{})
	workflow := dispatch.NewWorkflow(places, dispatch.DefaultCalendar(), wf, clock, dispatch.DefaultRules(), 0)
	srv := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Places: places, Intake: intake,
		Cases: wf, Workflow: workflow, Tokens: tk, Now: clock})
	fx := &fuzzFixture{srv: srv, places: places, store: store, wf: wf, tokens: make([]string, len(fzActors))}
	for i, a := range fzActors {
		if a != nil {
			fx.tokens[i] = issue(tb, tk, *a, time.Hour, fzNow)
		}
	}
	return fx
}

// do sends a request as the actor fzActors[who % len]. A target net/http would refuse before any handler (a
// control character in the query) is skipped.
func (fx *fuzzFixture) do(t *testing.T, method, target string, body []byte, who uint8, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", bytes.NewReader(body))
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Skip("net/http refuses this request line")
	}
	req.URL, req.RequestURI = u, target
	if tok := fx.tokens[int(who)%len(fx.tokens)]; tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] != "" {
			req.Header.Set(header[i], header[i+1])
		}
	}
	rec := httptest.NewRecorder()
	fx.srv.ServeHTTP(rec, req)
	return rec
}

// checkAPIError asserts the answer is not a 5xx and, unless it is a 2xx or 304, is the JSON error
// {"error":{"code","message"}}; it returns the error.
func checkAPIError(t *testing.T, rec *httptest.ResponseRecorder) *Error {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	switch {
	case rec.Code < 300, rec.Code == http.StatusNotModified:
		return nil
	case rec.Code == http.StatusMovedPermanently || rec.Code == http.StatusTemporaryRedirect ||
		rec.Code == http.StatusPermanentRedirect:
		t.Skip("ServeMux redirects to the cleaned path") // e.g. /api/v1/reports//events
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("status %d with Content-Type %q: %s", rec.Code, ct, rec.Body.String())
	}
	var body struct {
		Error *Error `json:"error"`
	}
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	if err := dec.Decode(&body); err != nil || body.Error == nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("status %d: error body %q is not {\"error\":{\"code\",\"message\"}} (%v)", rec.Code, rec.Body.String(), err)
	}
	return body.Error
}

// --- photos ---

var (
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
	webpBytes = []byte("RIFF\x1a\x00\x00\x00WEBPVP8 \x0e\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00")
)

func dataURI(mime string, b []byte) string {
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(b)
}

// FuzzDecodePhoto: an accepted photo is a JPEG, PNG or WebP by its bytes (whatever the URI claims), at most
// MaxPhotoBytes, with the SHA-256 of exactly what was sent; anything else is a 4xx *Error naming the field.
func FuzzDecodePhoto(f *testing.F) {
	for _, s := range []string{dataURI("image/png", pngBytes), dataURI("image/jpeg", jpegBytes),
		dataURI("image/webp", webpBytes), dataURI("image/png", []byte("<svg onload=alert(1)>")),
		dataURI("image/gif", []byte("GIF89a")), "data:image/png," + string(pngBytes), "data:;base64,",
		"data:image/png;base64,iVBORw0KGgo=\n", "https://example.com/a.png", "data:image/png;base64,====",
		"data:text/html;base64," + base64.StdEncoding.EncodeToString([]byte("<html>")), ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := decodePhoto(s, "photos[3]")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status < 400 || e.Status >= 500 || e.Field != "photos[3]" || e.Message == "" {
				t.Fatalf("decodePhoto(%.80q): %#v is not a 4xx *Error naming photos[3]", s, err)
			}
			return
		}
		switch p.ContentType {
		case "image/jpeg", "image/png", "image/webp":
		default:
			t.Fatalf("accepted content type %q", p.ContentType)
		}
		if len(p.Bytes) > dispatch.MaxPhotoBytes || http.DetectContentType(p.Bytes) != p.ContentType {
			t.Fatalf("accepted %d bytes sniffed as %q", len(p.Bytes), http.DetectContentType(p.Bytes))
		}
		sum := sha256.Sum256(p.Bytes)
		if p.SHA256 != hex.EncodeToString(sum[:]) {
			t.Fatalf("SHA256 %s does not match the bytes", p.SHA256)
		}
		_, b64, _ := strings.Cut(s, ",")
		if raw, err := base64.StdEncoding.DecodeString(b64); err != nil || !bytes.Equal(raw, p.Bytes) {
			t.Fatalf("the bytes are not the URI's payload")
		}
	})
}

// --- POST /api/v1/reports ---

// FuzzCreateReport fuzzes the report body, the Idempotency-Key and who sends it through the real intake: never a
// 5xx, every error the JSON error, a 201 is exactly one stored case whose fields are in range, and a 4xx stores
// nothing.
func FuzzCreateReport(f *testing.F) {
	big := dataURI("image/png", append(slices.Clone(pngBytes), make([]byte, dispatch.MaxPhotoBytes)...))
	for _, s := range []struct {
		body, key string
		who       uint8
	}{
		{`{"category":"A01","description":"楼道堆满杂物","lat":36.62,"lon":118.42}`, "", 0},
		{`{"category":"A01","description":"垃圾","lat":36.6111,"lon":118.4111,"crs":"gcj02","urgency":"urgent","channel":"wechat","reporter":{"name":"张三","phone":"+86 138-0000-0000"}}`, "k-1", 1},
		{`{"category":"D01","description":"垃圾未清运","lat":36.62,"lon":118.42,"crs":"BD09 "}`, "", 2},
		{`{"category":"R01","description":"路面坑洼","address":"宝鼎三号院","channel":"hotline"}`, "", 3},
		{`{"category":"S09","description":"邻里纠纷","address":"370781001024001001"}`, "", 4},
		{`{"category":"A02","description":"噪音","address":"不存在的地方"}`, "", 0},
		{`{"category":"A01","description":"x","lat":36.62}`, "", 0},
		{`{"category":"A01","description":"x","lat":91,"lon":118.42}`, "", 0},
		{`{"category":"A01","description":"x","lat":1e400,"lon":118.42}`, "", 0},
		{`{"category":"A01","description":"x","lat":10,"lon":10}`, "", 0},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42,"crs":"epsg:3857"}`, "", 0},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42,"photos":["` + dataURI("image/png", pngBytes) + `"]}`, "", 1},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42,"photos":["` + dataURI("image/png", []byte("<svg/>")) + `"]}`, "", 1},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42,"photos":["` + big + `"]}`, "", 1},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42,"photos":["a","b","c","d","e","f","g","h","i","j"]}`, "", 0},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42,"reporter":{"phone":"call me"}}`, "", 0},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42,"extra":1}`, "", 0},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42}{}`, "", 0},
		{`{"category":["A01"]}`, "", 0},
		{`[]`, "", 0},
		{``, "", 0},
		{`{"category":"A01","description":"   ","lat":36.62,"lon":118.42}`, "", 0},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42,"urgency":"asap","channel":"fax"}`, "", 0},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42}`, "key with spaces", 0},
		{`{"category":"A01","description":"x","lat":36.62,"lon":118.42}`, "", 9},
	} {
		f.Add([]byte(s.body), s.key, s.who)
	}
	fx := newFuzzFixture(f, dispatch.StatusReported)
	f.Fuzz(func(t *testing.T, body []byte, key string, who uint8) {
		before := len(fx.store.created)
		if who == 9 { // a token that is not one
			who = 0
		}
		rec := fx.do(t, http.MethodPost, "/api/v1/reports", body, who, "Idempotency-Key", key,
			"Content-Type", "application/json")
		e := checkAPIError(t, rec)
		stored := len(fx.store.created) - before
		if e != nil {
			if stored != 0 {
				t.Fatalf("status %d (%s) but %d case(s) were stored", rec.Code, e.Code, stored)
			}
			return
		}
		if rec.Code != http.StatusCreated || stored != 1 {
			t.Fatalf("status %d with %d case(s) stored: %s", rec.Code, stored, rec.Body.String())
		}
		nc := fx.store.created[len(fx.store.created)-1]
		c := nc.Case
		if geo.CheckLonLat(c.Lon, c.Lat) != nil || geo.CheckLonLat(c.OrigLon, c.OrigLat) != nil || c.GridCode == "" {
			t.Fatalf("stored case at %v,%v (orig %v,%v) in grid %q", c.Lon, c.Lat, c.OrigLon, c.OrigLat, c.GridCode)
		}
		if _, ok := fx.places.Load().Categories[c.Category]; !ok || c.AssigneeCode == "" {
			t.Fatalf("stored category %q assigned to %q", c.Category, c.AssigneeCode)
		}
		if n := utf8.RuneCountInString(c.Description); n == 0 || n > dispatch.MaxDescription ||
			utf8.RuneCountInString(c.Address) > dispatch.MaxAddress || !slices.Contains(dispatch.Channels, c.Channel) ||
			(c.Urgency != "normal" && c.Urgency != "urgent") || !slices.Contains([]string{"wgs84", "gcj02", "bd09"}, c.CRS) {
			t.Fatalf("stored out-of-range fields: %+v", c)
		}
		if len(nc.Photos) > dispatch.MaxPhotos || len(c.ReporterPhone) > 20 || !c.DueAt.After(c.CreatedAt) {
			t.Fatalf("stored %d photos, phone %q, due %v", len(nc.Photos), c.ReporterPhone, c.DueAt)
		}
		var out caseJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.ID != int64(len(fx.store.created)) ||
			out.Reporter != nil && (who == 0 || out.Reporter.Phone != c.ReporterPhone) {
			t.Fatalf("201 body %s: %v", rec.Body.String(), err)
		}
	})
}

// --- POST /api/v1/reports/{id}/events ---

// FuzzReportAction fuzzes one workflow action (the body, the path's id, who sends it and the case's status)
// through the real workflow: never a 5xx, every error the JSON error, and the case is written only with a 201.
func FuzzReportAction(f *testing.F) {
	past, future := fzNow.Add(-24*time.Hour).Format(time.RFC3339), fzNow.Add(72*time.Hour).Format(time.RFC3339)
	for _, s := range []struct {
		body, id string
		who, st  uint8
	}{
		{`{"action":"hear","classification":"pending"}`, "7", 3, 0},
		{`{"action":"hear","classification":"immediate","note":"马上办"}`, "7", 2, 0},
		{`{"action":"schedule","point_code":"` + fzPoint + `"}`, "7", 3, 1},
		{`{"action":"decide","votes":{"yes":20,"no":2,"abstain":1},"owner":"P-G1","due_at":"` + future + `","meeting":{"date":"` + past + `","participants":["张三","李四"],"minutes":"同意"}}`, "7", 3, 2},
		{`{"action":"decide","votes":{"yes":-5,"no":-1,"abstain":0},"owner":"P-G1"}`, "7", 3, 2},
		{`{"action":"decide","votes":{"yes":9223372036854775807,"no":9223372036854775807,"abstain":2}}`, "7", 7, 2},
		{`{"action":"dispatch","to":"` + fzDept + `","due_at":"` + future + `"}`, "7", 4, 1},
		{`{"action":"dispatch","to":"nobody"}`, "7", 4, 1},
		{`{"action":"dispatch","to":"P-G1","due_at":"0001-01-01T00:00:00Z"}`, "7", 4, 1},
		{`{"action":"dispatch","to":"P-G1","due_at":"9999-12-31T23:59:59Z"}`, "7", 4, 1},
		{`{"action":"start"}`, "7", 2, 4},
		{`{"action":"resolve","note":"已清理","photos":["` + dataURI("image/jpeg", jpegBytes) + `"]}`, "7", 2, 5},
		{`{"action":"verify","passed":false,"note":"没有清理干净"}`, "7", 3, 6},
		{`{"action":"verify","passed":true}`, "7", 3, 6},
		{`{"action":"rate","rating":"satisfied"}`, "7", 1, 7},
		{`{"action":"rate","rating":"meh"}`, "7", 1, 7},
		{`{"action":"conclude"}`, "7", 7, 7},
		{`{"action":"escalate","reason":"超出网格能力"}`, "7", 3, 4},
		{`{"action":"return","reason":"不属于本部门"}`, "7", 5, 4},
		{`{"action":"suspend","reason":"等待资金"}`, "7", 7, 4},
		{`{"action":"resume"}`, "7", 7, 9},
		{`{"action":"cancel","reason":"重复"}`, "7", 7, 0},
		{`{"action":"merge","into":7}`, "7", 7, 0},
		{`{"action":"merge","into":-1}`, "7", 7, 0},
		{`{"action":"fly"}`, "7", 7, 0},
		{`{"action":"hear"}`, "0", 3, 0},
		{`{"action":"hear"}`, "99999999999999999999", 3, 0},
		{`{"action":"hear"}`, "8", 3, 0},
		{`{"action":"hear"}`, "7", 0, 0},
		{`{"action":"hear"}`, "7", 8, 0},
		{`{"action":"hear","note":"` + strings.Repeat("长", dispatch.MaxNote+1) + `"}`, "7", 3, 0},
		{`{"action":"hear","note":"\udc00"}`, "7", 3, 0},
		{`{"action":"resolve","photos":[1]}`, "7", 2, 5},
	} {
		f.Add([]byte(s.body), s.id, s.who, s.st)
	}
	fx := newFuzzFixture(f, dispatch.StatusReported)
	f.Fuzz(func(t *testing.T, body []byte, id string, who, st uint8) {
		fx.wf.c, fx.wf.writes = fuzzCase(fzStatuses[int(st)%len(fzStatuses)]), 0
		rec := fx.do(t, http.MethodPost, "/api/v1/reports/"+url.PathEscape(id)+"/events", body, who)
		e := checkAPIError(t, rec)
		switch {
		case e != nil && fx.wf.writes != 0:
			t.Fatalf("status %d (%s) but the case was written", rec.Code, e.Code)
		case e == nil && (rec.Code != http.StatusCreated || fx.wf.writes != 1):
			t.Fatalf("status %d with %d writes: %s", rec.Code, fx.wf.writes, rec.Body.String())
		case e != nil && rec.Code == http.StatusBadRequest && e.Field == "" && !json.Valid(body):
			// a body that is not JSON: the decoder names no field
		case e != nil && rec.Code == http.StatusBadRequest && e.Field == "" && !strings.HasPrefix(e.Message, "the body") &&
			e.Message != `unknown field ""`:
			t.Fatalf("400 naming no field: %s", rec.Body.String())
		}
		if e == nil {
			c := fx.wf.c
			if !slices.Contains(fzStatuses, c.Status) || c.Satisfaction != "" && !slices.Contains([]string{
				dispatch.RatingSatisfied, dispatch.RatingBasicallySatisfied, dispatch.RatingUnsatisfied, "unrated"}, c.Satisfaction) {
				t.Fatalf("case written with status %q, satisfaction %q", c.Status, c.Satisfaction)
			}
			if c.Status.Open() && !c.DueAt.IsZero() && (c.DueAt.Before(fzNow) || c.DueAt.Sub(fzNow) > dispatch.MaxDueAhead) {
				t.Fatalf("case written due %v", c.DueAt)
			}
		}
	})
}

// --- GET and POST /api/v1/locate ---

// FuzzLocate fuzzes the locate query string: never a 5xx, errors name lat, lon or crs (or are outside_coverage),
// and a 200 answers a point in range inside the grid.
func FuzzLocate(f *testing.F) {
	for _, q := range []string{"lat=36.62&lon=118.42", "lat=36.6111&lon=118.4111&crs=gcj02", "lat=36.62&lon=118.42&crs=BD09",
		"lat=10&lon=10", "lat=NaN&lon=118.42", "lat=36.62&lon=Inf", "lat=1e400&lon=1", "lat=-90&lon=180", "lat=90.0000001&lon=0",
		"lat=0x1p-2&lon=0", "lat=36.62&lon=118.42&crs=wgs-84", "lat=&lon=", "lon=118.42", "lat=36.62&lat=0&lon=118.42",
		"lat=%zz", "lat=3_6.62&lon=118.42"} {
		f.Add(q)
	}
	fx := newFuzzFixture(f, dispatch.StatusReported)
	f.Fuzz(func(t *testing.T, q string) {
		rec := fx.do(t, http.MethodGet, "/api/v1/locate?"+q, nil, 0)
		e := checkAPIError(t, rec)
		if e != nil {
			if e.Code != "outside_coverage" && !slices.Contains([]string{"lat", "lon", "crs"}, e.Field) {
				t.Fatalf("status %d names field %q: %s", rec.Code, e.Field, rec.Body.String())
			}
			return
		}
		var out locationJSON
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || geo.CheckLonLat(out.Lon, out.Lat) != nil ||
			out.Grid == nil || out.Grid.Code != fzGrid {
			t.Fatalf("200 %s: %v", rec.Body.String(), err)
		}
	})
}

// FuzzLocateBatch fuzzes the POST /api/v1/locate body: never a 5xx, errors name points or a points[i] field, and a
// 200 answers one result per point, in order.
func FuzzLocateBatch(f *testing.F) {
	for _, b := range []string{`{"points":[{"lat":36.62,"lon":118.42},{"lat":10,"lon":10,"crs":"gcj02"}]}`,
		`{"points":[]}`, `{"points":null}`, `{}`, `{"points":[{"lat":36.62}]}`, `{"points":[{"lat":36.62,"lon":181}]}`,
		`{"points":[{"lat":36.62,"lon":118.42,"crs":"mars"}]}`, `{"points":[{"lat":"36.62","lon":118.42}]}`,
		`{"points":[{"lat":36.62,"lon":118.42,"h":1}]}`, `{"points":{}}`, `{"points":[null]}`, `nul`,
		`{"points":[{"lat":-0,"lon":-180},{"lat":1e-320,"lon":5e-324}]}`} {
		f.Add([]byte(b))
	}
	fx := newFuzzFixture(f, dispatch.StatusReported)
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := fx.do(t, http.MethodPost, "/api/v1/locate", body, 0)
		e := checkAPIError(t, rec)
		if e != nil {
			// A field by its index (points[3].lat), or as the JSON decoder names it (points.lat, an unknown field).
			if rec.Code == http.StatusBadRequest && e.Field == "" && !strings.HasPrefix(e.Message, "the body") &&
				e.Message != `unknown field ""` {
				t.Fatalf("400 names no field: %s", rec.Body.String())
			}
			return
		}
		var in struct{ Points []json.RawMessage }
		var out struct{ Results []json.RawMessage }
		if json.Unmarshal(body, &in) != nil || json.Unmarshal(rec.Body.Bytes(), &out) != nil || len(in.Points) != len(out.Results) {
			t.Fatalf("%d points gave %s", len(in.Points), rec.Body.String())
		}
	})
}

// FuzzCoordinates fuzzes the coordinate strings of GET /api/v1/locate (parseCoord, then toWGS84): an accepted
// pair is finite, in range and converted to a finite WGS-84 point; a rejected one is a 400 naming lat, lon or crs.
func FuzzCoordinates(f *testing.F) {
	for _, s := range [][3]string{{"36.62", "118.42", ""}, {"36.62", "118.42", "gcj02"}, {"39.915", "116.404", " bd09"},
		{"-90", "-180", "WGS84"}, {"90.1", "0", ""}, {"NaN", "0", ""}, {"0", "+Inf", ""}, {"1e309", "0", ""},
		{"0x1.8p1", "0", ""}, {"", "", ""}, {"36.62", "118.42", "gcj-02"}, {"-0", "-0", "bd09"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, lat, lon, crs string) {
		named := func(err error, fields ...string) {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest || !slices.Contains(fields, e.Field) || e.Message == "" {
				t.Fatalf("%q, %q, %q: %#v is not a 400 naming %v", lat, lon, crs, err, fields)
			}
		}
		la, err := parseCoord(lat, "lat")
		if err != nil {
			named(err, "lat")
			return
		}
		lo, err := parseCoord(lon, "lon")
		if err != nil {
			named(err, "lon")
			return
		}
		p, err := toWGS84(la, lo, crs, "points[0].")
		if err != nil {
			named(err, "points[0].lat", "points[0].lon", "points[0].crs")
			return
		}
		if geo.CheckLonLat(lo, la) != nil {
			t.Fatalf("accepted %v, %v", la, lo)
		}
		if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.IsInf(p[0], 0) || math.IsInf(p[1], 0) ||
			math.Abs(p[0]-lo) > 0.1 || math.Abs(p[1]-la) > 0.1 {
			t.Fatalf("%v, %v in %q became %v", la, lo, crs, p)
		}
	})
}

// --- report lists ---

// FuzzListReports fuzzes GET /api/v1/reports's query and who asks: never a 5xx, every error the JSON error naming
// a field, and a filter that reaches the store is in range and scoped to the asker.
func FuzzListReports(f *testing.F) {
	for _, s := range []struct {
		q   string
		who uint8
	}{
		{"", 0}, {"status=reported&category=A01&limit=10", 0}, {"grid=" + fzGrid + "&bbox=118.4,36.6,118.5,36.7", 3},
		{"since=2026-06-01T00:00:00%2B08:00&cursor=42", 2}, {"mine=true", 1}, {"format=csv", 7}, {"format=xlsx", 5},
		{"format=pdf", 0}, {"limit=0", 0}, {"limit=1001", 0}, {"limit=-1", 0}, {"cursor=-5", 0}, {"cursor=abc", 0},
		{"bbox=1,2,3", 0}, {"bbox=118.5,36.7,118.4,36.6", 0}, {"bbox=NaN,0,1,1", 0}, {"since=yesterday", 0},
		{"status=lost", 0}, {"grid=370781002", 3}, {"grid=3707", 3}, {"grid=" + strings.Repeat("9", 65), 0},
		{"status=closed&status=reported", 0},
	} {
		f.Add(s.q, s.who)
	}
	fx := newFuzzFixture(f, dispatch.StatusReported)
	fields := []string{"status", "category", "grid", "bbox", "since", "limit", "cursor", "format"}
	f.Fuzz(func(t *testing.T, q string, who uint8) {
		n := len(fx.wf.filters)
		rec := fx.do(t, http.MethodGet, "/api/v1/reports?"+q, nil, who)
		e := checkAPIError(t, rec)
		if e != nil {
			if rec.Code == http.StatusBadRequest && !slices.Contains(fields, e.Field) {
				t.Fatalf("400 names field %q: %s", e.Field, rec.Body.String())
			}
			if len(fx.wf.filters) != n {
				t.Fatalf("status %d, but the store was asked", rec.Code)
			}
			return
		}
		if len(fx.wf.filters) != n+1 {
			t.Fatalf("status %d after %d store calls", rec.Code, len(fx.wf.filters)-n)
		}
		fl := fx.wf.filters[n]
		if fl.Limit < 1 || fl.Limit > maxCaseLimit || fl.Before < 0 || fl.Status != "" && !validStatus(fl.Status) ||
			fl.BBox != nil && (geo.CheckLonLat(fl.BBox.Min[0], fl.BBox.Min[1]) != nil ||
				geo.CheckLonLat(fl.BBox.Max[0], fl.BBox.Max[1]) != nil || fl.BBox.Min[0] > fl.BBox.Max[0] ||
				fl.BBox.Min[1] > fl.BBox.Max[1]) {
			t.Fatalf("filter out of range: %+v", fl)
		}
		a := fzActors[int(who)%len(fzActors)]
		staff := a != nil && a.Role != dispatch.RoleResident && a.Role != dispatch.RoleOpen311
		switch {
		case a != nil && fl.ReporterID != "":
			if fl.ReporterID != a.Subject {
				t.Fatalf("%s lists %s's reports", a.Subject, fl.ReporterID)
			}
		case staff && a.Role == dispatch.RoleDepartment:
			if fl.Assignee != a.Unit {
				t.Fatalf("department %s lists cases assigned to %q", a.Unit, fl.Assignee)
			}
		case staff:
			if !strings.HasPrefix(fl.Unit, a.Unit) {
				t.Fatalf("staff of %s lists unit %q", a.Unit, fl.Unit)
			}
		}
	})
}

// --- KPIs ---

// FuzzKPIQuery fuzzes GET /api/v1/stats/kpi's parameters (parseKPIQuery): an accepted query has a code of 1–64
// bytes, from before to, both within 2000–2100, at most three years apart, and a known format; a rejected one is
// a 400 naming its field.
func FuzzKPIQuery(f *testing.F) {
	for _, q := range []string{"code=370781001", "code=370781001&from=2026-01-01&to=2026-01-31&by=children&format=csv",
		"code=370781001&from=2026-01-01T00:00:00%2B08:00&to=2026-02-01T00:00:00Z&format=xlsx", "code=1&from=2026-02-30",
		"code=1&from=1999-12-31", "code=1&to=2100-01-01", "code=1&from=2026-01-02&to=2026-01-01", "code=1&from=2020-01-01&to=2026-01-01",
		"code=1&to=2000-01-15", "code=1&from=2099-12-31", "code=1&by=parent", "code=1&format=pdf", "", "code=" + strings.Repeat("1", 65),
		"code=1&from=2026-01-01T00:00:00%2B24:00", "code=1&from=+2026-01-01"} {
		f.Add(q)
	}
	now := time.Date(2026, 6, 10, 12, 0, 0, 123, time.UTC)
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseKPIQuery(v, now)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest ||
				!slices.Contains([]string{"code", "from", "to", "by", "format"}, e.Field) {
				t.Fatalf("%q: %#v is not a 400 naming a parameter", raw, err)
			}
			return
		}
		if q.code == "" || len(q.code) > 64 || !q.from.Before(q.to) || q.to.After(q.from.AddDate(maxKPIYears, 0, 0)) ||
			q.from.Before(kpiEarliest.Add(-defaultKPIPeriod)) || q.to.After(kpiLatest.AddDate(0, 0, 1)) ||
			!slices.Contains([]string{"json", "csv", "xlsx"}, q.format) {
			t.Fatalf("%q accepted as %+v", raw, q)
		}
	})
}

// --- hotspot filters and tiles ---

// FuzzHotspotFilter fuzzes category, status, from and to (parseHotspotFilter): an accepted filter has a short
// category, a known status, from before to, and times that the index and the cache key can represent (UnixNano
// round-trips); a rejected one is a 400 naming its field.
func FuzzHotspotFilter(f *testing.F) {
	for _, q := range []string{"", "category=road&status=reported&from=2026-02-01&to=2026-03-01",
		"from=2026-02-01T00:00:00%2B08:00", "to=2026-02-30", "from=2026-05-01&to=2026-04-01", "from=2026-05-01&to=2026-05-01",
		"status=lost", "category=" + strings.Repeat("x", 65), "from=0001-01-01", "to=9999-12-31", "from=1000-01-01T00:00:00Z",
		"from=3000-01-01&to=3000-01-02", "to=1677-09-21"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := parseHotspotFilter(v)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest ||
				!slices.Contains([]string{"category", "status", "from", "to"}, e.Field) {
				t.Fatalf("%q: %#v is not a 400 naming a filter", raw, err)
			}
			return
		}
		if len(fl.Category) > maxFilterLen || fl.Status != "" && !knownStatus(fl.Status) ||
			!fl.From.IsZero() && !fl.To.IsZero() && !fl.From.Before(fl.To) {
			t.Fatalf("%q accepted as %+v", raw, fl)
		}
		for _, tm := range []time.Time{fl.From, fl.To} {
			if !tm.IsZero() && !time.Unix(0, tm.UnixNano()).Equal(tm) {
				t.Fatalf("%q accepted %v, which UnixNano cannot hold (the index and the cache key would wrap)", raw, tm)
			}
		}
	})
}

// FuzzTileRequest fuzzes tile and TileJSON paths and hotspot queries through the server: never a 5xx, every
// error the JSON error naming the layer, z, x, y or a filter.
func FuzzTileRequest(f *testing.F) {
	for _, s := range [][2]string{{"/tiles/streets/12/3395/1600.mvt", ""}, {"/tiles/hotspots/12/3395/1600.mvt", "category=road&from=2026-03-01"},
		{"/tiles/hotspots.json", "status=reported"}, {"/tiles/streets/40/0/0.mvt", ""}, {"/tiles/streets/3/0/0.png", ""},
		{"/tiles/nope/3/0/0.mvt", ""}, {"/tiles/reports/10/0/0.mvt", ""}, {"/api/v1/hotspots", "code=370781001024&res=9"},
		{"/api/v1/hotspots", "code=370781001024&res=99"}, {"/tiles/hotspots/6/0/0.mvt", "to=9999-12-31"},
		{"/tiles/streets/3/0/%2e%2e.mvt", ""}, {"/tiles/hotspots.json", "from=0001-01-01&x=%ff"}} {
		f.Add(s[0], s[1])
	}
	srv := fuzzTileServer(f)
	fields := []string{"layer", "z", "x", "y", "category", "status", "from", "to", "code", "res"}
	f.Fuzz(func(t *testing.T, path, q string) {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		u, err := url.ParseRequestURI(path + "?" + q)
		if err != nil || !tileRoute.MatchString(u.Path) {
			return // not a tile route: the web app's
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL, req.RequestURI = u, path+"?"+q
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code == http.StatusMovedPermanently || rec.Code == http.StatusTemporaryRedirect {
			return // ServeMux cleaning the path
		}
		e := checkAPIError(t, rec)
		if e != nil && rec.Code == http.StatusBadRequest && !slices.Contains(fields, e.Field) {
			t.Fatalf("400 names field %q: %s", e.Field, rec.Body.String())
		}
	})
}

// tileRoute matches the paths the tile routes serve: /tiles/{layer}, /tiles/{layer}/{z}/{x}/{y}, /api/v1/hotspots.
var tileRoute = regexp.MustCompile(`^(/tiles/[^/]+(/[^/]+/[^/]+/[^/]+)?|/api/v1/hotspots)$`)

// fuzzTileServer is tileServer for a fuzz target: fake unit tiles and a hotspot index of 50 cases.
func fuzzTileServer(tb testing.TB) *Server {
	tb.Helper()
	hot := tiles.NewHotspots()
	var rows []tiles.CaseRow
	for i := range 50 {
		c, err := h3.LatLngToCell(h3.NewLatLng(36.697+float64(i%7)*0.001, 118.48+float64(i%5)*0.001), 11)
		if err != nil {
			tb.Fatal(err)
		}
		rows = append(rows, tiles.CaseRow{ID: int64(i + 1), CreatedAt: time.Date(2026, 3, 1+i%20, 0, 0, 0, 0, time.UTC),
			Category: "road", Status: "reported", Cell: c})
	}
	if err := hot.Load(rows); err != nil {
		tb.Fatal(err)
	}
	svc := tiles.NewService(&fakeTiles{}, hot, tiles.NewCache(1<<20))
	svc.SetBounds(orb.Bound{Min: orb.Point{118.44, 36.66}, Max: orb.Point{118.52, 36.73}})
	units := &memUnits{units: []geo.Unit{{Level: geo.LevelCommunity, Code: "370781001024", Name: "c",
		Geometry: square(118.47, 36.69, 0.02)}}}
	return NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Units: units, Tiles: svc})
}

// --- Open311 ---

// checkO311Error asserts an Open311 answer is not a 5xx and, unless it is a 200, is Open311's error list in the
// format asked for: [{"code","description"}] or <errors><error><code/><description/></error></errors>, with the
// HTTP status as code.
func checkO311Error(t *testing.T, rec *httptest.ResponseRecorder) bool {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	if rec.Code == http.StatusOK {
		return false
	}
	var list []o311Error
	switch ct := rec.Header().Get("Content-Type"); {
	case strings.HasPrefix(ct, "application/json"):
		if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil {
			t.Fatalf("status %d: %s: %v", rec.Code, rec.Body.String(), err)
		}
	case strings.HasPrefix(ct, "text/xml"):
		var doc struct {
			XMLName xml.Name    `xml:"errors"`
			Errors  []o311Error `xml:"error"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("status %d: %s: %v", rec.Code, rec.Body.String(), err)
		}
		list = doc.Errors
	default:
		t.Fatalf("status %d with Content-Type %q", rec.Code, ct)
	}
	if len(list) != 1 || list[0].Code != rec.Code || list[0].Description == "" {
		t.Fatalf("status %d: error list %+v", rec.Code, list)
	}
	return true
}

// FuzzOpen311Post fuzzes the POST /open311/v2/requests.{fmt} form (and the format suffix): never a 5xx, errors in
// Open311's format, and nothing stored unless the answer is 200.
func FuzzOpen311Post(f *testing.F) {
	fx := newFuzzFixture(f, dispatch.StatusReported)
	key := fx.tokens[8]
	for _, s := range []struct{ suffix, form string }{
		{".json", "service_code=A01&lat=36.62&long=118.42&description=楼道堆满杂物&first_name=三&last_name=张&phone=13800000000"},
		{".xml", "service_code=A01&address_string=宝鼎三号院&attribute[urgency]=urgent"},
		{"", "service_code=A02&address_id=" + fzGrid},
		{".json", "service_code=A01&attribute[compound]=370781001024001001"},
		{".json", "service_code=S09&lat=36.62&long=118.42"},
		{".json", "service_code=A01&lat=36.62"},
		{".json", "service_code=A01&lat=NaN&long=118.42"},
		{".json", "service_code=A01&lat=91&long=118.42"},
		{".json", "service_code=A01&lat=1e400&long=118.42"},
		{".json", "service_code=A01&lat=10&long=10"},
		{".json", "service_code=A01&address_id=999"},
		{".json", "service_code=A01&address_string=火星"},
		{".json", "service_code=A02&attribute[urgency]=urgent&lat=36.62&long=118.42"},
		{".json", "service_code=A01&attribute[urgency]=asap&lat=36.62&long=118.42"},
		{".json", "service_code=A01&attribute[colour]=red&lat=36.62&long=118.42"},
		{".json", "service_code=A01&phone=call+me&lat=36.62&long=118.42"},
		{".json", "service_code=A01&description=" + strings.Repeat("长", dispatch.MaxDescription+1) + "&lat=36.62&long=118.42"},
		{".json", "lat=36.62&long=118.42"},
		{".csv", "service_code=A01&lat=36.62&long=118.42"},
		{".json", "service_code=A01&lat=36.62&long=118.42&api_key=gg1.x.y"},
		{".json", "%zz"},
	} {
		form := s.form
		if !strings.Contains(form, "api_key=") {
			form += "&api_key=" + key
		}
		f.Add(s.suffix, []byte(form))
	}
	f.Fuzz(func(t *testing.T, suffix string, form []byte) {
		before := len(fx.store.created)
		rec := fx.do(t, http.MethodPost, "/open311/v2/requests"+url.PathEscape(suffix), form, 0,
			"Content-Type", "application/x-www-form-urlencoded")
		failed := checkO311Error(t, rec)
		stored := len(fx.store.created) - before
		switch {
		case failed && stored != 0:
			t.Fatalf("status %d but %d case(s) were stored", rec.Code, stored)
		case !failed && stored != 1:
			t.Fatalf("200 with %d case(s) stored: %s", stored, rec.Body.String())
		case !failed && fx.store.created[len(fx.store.created)-1].Case.Channel != "open311":
			t.Fatalf("stored through channel %q", fx.store.created[len(fx.store.created)-1].Case.Channel)
		}
	})
}

// FuzzOpen311Get fuzzes GET /open311/v2/{resource}.{fmt} with its query (requests filters, updates dates,
// discovery, services): never a 5xx, errors in Open311's format, and a filter that reaches the store is in range.
func FuzzOpen311Get(f *testing.F) {
	for _, s := range [][2]string{{"requests.json", ""}, {"requests.xml", "service_code=A01,A02&status=open,closed&page=2&page_size=10"},
		{"requests.json", "start_date=2026-06-01&end_date=2026-06-10T00:00:00%2B08:00&extensions=true"},
		{"requests.json", "service_request_id=7,8,9"}, {"requests.json", "service_request_id=0"}, {"requests.json", "service_request_id=7,,8"},
		{"requests.json", "service_code=S09"}, {"requests.json", "start_date=2026-01-01&end_date=2026-06-01"},
		{"requests.json", "start_date=2026-06-02&end_date=2026-06-01"}, {"requests.json", "start_date=0001-01-01"},
		{"requests.json", "end_date=9999-12-31"}, {"requests.json", "page=0"}, {"requests.json", "page=1000000&page_size=1000"},
		{"requests.json", "page_size=1001"}, {"requests.json", "status=pending"}, {"servicerequestupdates.json", ""},
		{"servicerequestupdates.xml", "start_date=2026-06-01&end_date=2026-06-02"}, {"servicerequestupdates.json", "start_date=x"},
		{"discovery.json", ""}, {"services.xml", ""}, {"services", ""}, {"requests.csv", ""}, {"nothing.json", ""},
		{"requests.", ""}, {".json", ""}} {
		f.Add(s[0], s[1])
	}
	fx := newFuzzFixture(f, dispatch.StatusReported)
	f.Fuzz(func(t *testing.T, resource, q string) {
		n := len(fx.wf.filters)
		rec := fx.do(t, http.MethodGet, "/open311/v2/"+url.PathEscape(resource)+"?"+q, nil, 0)
		failed := checkO311Error(t, rec)
		if failed && len(fx.wf.filters) != n {
			t.Fatalf("status %d, but the store was asked", rec.Code)
		}
		for _, fl := range fx.wf.filters[n:] {
			if fl.Limit < 1 || fl.Limit > open311PageSize || fl.Offset < 0 || len(fl.IDs) > open311MaxIDs ||
				len(fl.Categories) == 0 || slices.Contains(fl.Categories, "S09") {
				t.Fatalf("filter out of range: %+v", fl)
			}
			if len(fl.IDs) == 0 && !fl.CreatedFrom.IsZero() &&
				(fl.CreatedTo.Before(fl.CreatedFrom) || fl.CreatedTo.Sub(fl.CreatedFrom) > open311Window) {
				t.Fatalf("date range out of range: %v … %v", fl.CreatedFrom, fl.CreatedTo)
			}
		}
	})
}

// TestHotspotFilterYears: what FuzzHotspotFilter found — from and to were accepted in any year, but the hotspot
// index compares and the tile cache keys them in Unix nanoseconds, which wrap outside 1678–2262: to=9999-12-31
// ("up to the end") matched no case at all, and distinct filters could share a cache key. They must lie in
// 2000–2100, as the KPI period does.
func TestHotspotFilterYears(t *testing.T) {
	srv := fuzzTileServer(t)
	for path, field := range map[string]string{
		"/api/v1/hotspots?code=370781001024&to=9999-12-31":               "to",
		"/api/v1/hotspots?code=370781001024&from=1000-01-01T00:00:00Z":   "from",
		"/tiles/hotspots/12/3395/1600.mvt?from=3000-01-01&to=3000-01-02": "from",
		"/tiles/hotspots.json?to=1999-12-31":                             "to",
		"/api/v1/hotspots?code=370781001024&to=2099-12-31":               "",
		"/api/v1/hotspots?code=370781001024&from=2000-01-02":             "",
	} {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		e := checkAPIError(t, rec)
		switch {
		case field == "" && e != nil:
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body.String())
		case field != "" && (e == nil || rec.Code != http.StatusBadRequest || e.Field != field):
			t.Errorf("%s: want 400 naming %s, got %d %s", path, field, rec.Code, rec.Body.String())
		}
	}
}
