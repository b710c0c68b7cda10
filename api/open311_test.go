package api

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
	"gridgov/geo"
)

// fakeCases is an in-memory CaseReader and Workflow with the filters Open311 uses.
type fakeCases struct {
	cases  []dispatch.Case // newest (highest id) first
	events map[int64][]dispatch.Event
}

func (f *fakeCases) Case(_ context.Context, id int64) (dispatch.Case, error) {
	for _, c := range f.cases {
		if c.ID == id {
			return c, nil
		}
	}
	return dispatch.Case{}, geo.ErrNotFound
}

func (f *fakeCases) Act(context.Context, int64, dispatch.Action, dispatch.Actor) (dispatch.Case, []dispatch.Event, error) {
	return dispatch.Case{}, nil, dispatch.ErrForbidden
}

func (f *fakeCases) Events(_ context.Context, id int64) ([]dispatch.Event, error) {
	return f.events[id], nil
}

func (f *fakeCases) List(_ context.Context, fl dispatch.CaseFilter) ([]dispatch.Case, int64, error) {
	var out []dispatch.Case
	for _, c := range f.cases {
		switch {
		case len(fl.IDs) > 0 && !slices.Contains(fl.IDs, c.ID),
			len(fl.Categories) > 0 && !slices.Contains(fl.Categories, c.Category),
			len(fl.Statuses) > 0 && !slices.Contains(fl.Statuses, string(c.Status)),
			!fl.CreatedFrom.IsZero() && c.CreatedAt.Before(fl.CreatedFrom),
			!fl.CreatedTo.IsZero() && c.CreatedAt.After(fl.CreatedTo),
			!fl.Since.IsZero() && c.UpdatedAt.Before(fl.Since):
			continue
		}
		out = append(out, c)
	}
	out = out[min(fl.Offset, len(out)):]
	return out[:min(fl.Limit, len(out))], 0, nil
}

// fakeIntake records the report and answers a new case 900, or the open case 7 for a duplicate.
type fakeIntake struct {
	got       []dispatch.Report
	duplicate bool
	err       error
}

func (f *fakeIntake) Submit(_ context.Context, r dispatch.Report, _ string) (dispatch.Created, error) {
	f.got = append(f.got, r)
	if f.err != nil {
		return dispatch.Created{}, f.err
	}
	if f.duplicate {
		return dispatch.Created{Case: dispatch.Case{ID: 7, AssigneeCode: "G1"}, DuplicateOf: 7}, nil
	}
	return dispatch.Created{Case: dispatch.Case{ID: 900, AssigneeCode: "G1", DueAt: o311Now.Add(48 * time.Hour)}}, nil
}

var o311Now = time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)

const (
	streetCode = "370781001"
	commCode   = "370781001024"
	gridCode   = "370781001024001"
)

func open311Dir(t *testing.T) *dispatch.Places {
	t.Helper()
	units := []geo.Unit{
		{Level: geo.LevelStreet, Code: streetCode, Name: "王府街道", ParentCode: "370781", Geometry: square(118.4, 36.6, 0.1)},
		{Level: geo.LevelCommunity, Code: commCode, Name: "宝鼎社区", ParentCode: streetCode, Geometry: square(118.4, 36.6, 0.05)},
		{Level: geo.LevelGrid, Code: gridCode, Name: "第一网格", ParentCode: commCode, Geometry: square(118.4, 36.6, 0.05)},
	}
	loc, err := geo.NewLocator(units)
	require.NoError(t, err)
	public := dispatch.Category{Code: "A01", Name: "环境卫生", NameEn: "Sanitation", Domain: dispatch.DomainEnvironment,
		Level: dispatch.HandleBuilding, Public: true, Keywords: []string{"垃圾", "卫生"},
		Deadlines: map[string]dispatch.Deadline{"normal": {Amount: 3, Unit: "days"}, "urgent": {Amount: 4, Unit: "hours"}}}
	plain := dispatch.Category{Code: "A02", Name: "噪音", NameEn: "Noise", Domain: dispatch.DomainGovernance,
		Level: dispatch.HandleGrid, Public: true, Deadlines: map[string]dispatch.Deadline{"normal": {Amount: 2, Unit: "days"}}}
	private := dispatch.Category{Code: "S09", Name: "邻里纠纷", NameEn: "Neighbour dispute", Domain: dispatch.DomainGovernance,
		Level: dispatch.HandleGrid, Public: false, Deadlines: map[string]dispatch.Deadline{"normal": {Amount: 5, Unit: "days"}}}
	dir := &dispatch.Directory{Locator: loc, Gazetteer: geo.NewGazetteer(units),
		OrgsByUnit: map[string]dispatch.Org{}, OrgsByCode: map[string]dispatch.Org{"G1": {Code: "G1", Name: "第一网格党支部", Kind: "grid_branch", UnitCode: gridCode}},
		Departments:  map[string]dispatch.Department{},
		Categories:   map[string]dispatch.Category{"A01": public, "A02": plain, "S09": private},
		CategoryList: []dispatch.Category{public, plain, private}}
	p := &dispatch.Places{}
	p.Store(dir)
	return p
}

func open311Cases() *fakeCases {
	c := func(id int64, cat string, st dispatch.Status, created time.Time) dispatch.Case {
		return dispatch.Case{ID: id, Category: cat, Description: "楼下垃圾堆积", Address: "宝鼎社区3号院2单元401 张三家",
			Channel: "app", Urgency: "normal", Lat: 36.6234567, Lon: 118.4234567, StreetCode: streetCode,
			CommunityCode: commCode, GridCode: gridCode, Status: st, Classification: dispatch.ClassPending,
			AssigneeCode: "G1", ReporterName: "张三", ReporterPhone: "13800000000", CreatedAt: created,
			UpdatedAt: created.Add(time.Hour), DueAt: created.Add(72 * time.Hour)}
	}
	seven := c(7, "A01", dispatch.StatusInProgress, o311Now.Add(-3*time.Hour))
	seven.UpdatedAt = o311Now.Add(-time.Hour)
	return &fakeCases{
		cases: []dispatch.Case{
			c(9, "S09", dispatch.StatusReported, o311Now.Add(-time.Hour)),
			c(8, "A02", dispatch.StatusCancelled, o311Now.Add(-2*time.Hour)),
			seven,
			c(6, "A01", dispatch.StatusClosed, o311Now.Add(-100*24*time.Hour)),
		},
		events: map[int64][]dispatch.Event{7: {
			{ID: 70, Action: "report", To: dispatch.StatusReported, Actor: "r-1", ActorRole: "resident", Note: "我是张三", At: o311Now.Add(-3 * time.Hour)},
			{ID: 71, Action: "dispatch", From: dispatch.StatusReported, To: dispatch.StatusDispatched, Actor: "P1", ActorRole: "grid_chief", Note: "请物业清理", At: o311Now.Add(-2 * time.Hour)},
			{ID: 72, Action: "start", From: dispatch.StatusDispatched, To: dispatch.StatusInProgress, Actor: "P2", ActorRole: "grid_worker", At: o311Now.Add(-time.Hour)},
		}},
	}
}

type o311Fixture struct {
	srv    *Server
	intake *fakeIntake
	key    string
	spec   *openapiCheck
}

func newO311(t *testing.T) *o311Fixture {
	t.Helper()
	tk := newTokens(t, testKey)
	in := &fakeIntake{}
	cases := open311Cases()
	srv := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Places: open311Dir(t), Intake: in,
		Cases: cases, Workflow: cases, Tokens: tk, Now: func() time.Time { return o311Now }})
	key := issue(t, tk, dispatch.Actor{Role: dispatch.RoleOpen311, Unit: "370781", Subject: "client-1"}, time.Hour, o311Now)
	return &o311Fixture{srv: srv, intake: in, key: key, spec: newOpenAPICheck(t, open311OpenAPI)}
}

// do sends a request, checks the answer against the OpenAPI document and returns status and body.
func (f *o311Fixture) do(t *testing.T, method, path string, form url.Values) (int, []byte) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	res := rec.Result()
	raw := rec.Body.Bytes()
	f.spec.check(t, req, res, raw)
	return res.StatusCode, raw
}

// openapiCheck validates real answers against the OpenAPI document with kin-openapi: JSON bodies against their
// schemas; XML answers for a documented status and content type (kin-openapi decodes no XML), and for being
// well-formed XML.
type openapiCheck struct {
	router             routers.Router
	validated, skipped int
}

func newOpenAPICheck(t *testing.T, raw []byte) *openapiCheck {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	r, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return &openapiCheck{router: r}
}

func (c *openapiCheck) check(t *testing.T, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		// Only unknown routes, methods and formats lie outside the document.
		require.Contains(t, []int{400, 404}, res.StatusCode, "%s %s is not in the OpenAPI document: %v", req.Method, req.URL, err)
		c.skipped++
		return
	}
	c.validated++
	isXML := strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml")
	if isXML {
		require.True(t, bytes.HasPrefix(body, []byte(xml.Header)), "%s", body)
		dec := xml.NewDecoder(bytes.NewReader(body))
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "%s", body)
		}
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: isXML},
	}
	require.NoError(t, openapi3filter.ValidateResponse(context.Background(), in), "%s %s → %d %s",
		req.Method, req.URL, res.StatusCode, body)
}

func jsonList(t *testing.T, raw []byte) []map[string]any {
	t.Helper()
	var out []map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	return out
}

// xmlDoc is a generic XML element for assertions.
type xmlDoc struct {
	XMLName xml.Name
	Text    string   `xml:",chardata"`
	Kids    []xmlDoc `xml:",any"`
}

func (d xmlDoc) get(name string) string {
	for _, k := range d.Kids {
		if k.XMLName.Local == name {
			return strings.TrimSpace(k.Text)
		}
	}
	return ""
}

func xmlOf(t *testing.T, raw []byte) xmlDoc {
	t.Helper()
	var d xmlDoc
	require.NoError(t, xml.Unmarshal(raw, &d), "%s", raw)
	return d
}

func TestOpen311Discovery(t *testing.T) {
	f := newO311(t)
	code, raw := f.do(t, "GET", "/open311/v2/discovery.json", nil)
	require.Equal(t, 200, code)
	var d map[string]any
	require.NoError(t, json.Unmarshal(raw, &d))
	ep := d["endpoints"].([]any)[0].(map[string]any)
	assert.Equal(t, "http://example.com/open311/v2", ep["url"])
	assert.Equal(t, open311Spec, ep["specification"])

	code, raw = f.do(t, "GET", "/open311/v2/discovery.xml", nil)
	require.Equal(t, 200, code)
	x := xmlOf(t, raw)
	assert.Equal(t, "discovery", x.XMLName.Local)
	assert.Equal(t, "endpoints", x.Kids[3].XMLName.Local)
	assert.Equal(t, "production", x.Kids[3].Kids[0].get("type"))
}

func TestOpen311Services(t *testing.T) {
	f := newO311(t)
	code, raw := f.do(t, "GET", "/open311/v2/services.json", nil)
	require.Equal(t, 200, code)
	list := jsonList(t, raw)
	require.Len(t, list, 2, "the non-public category is not listed")
	assert.Equal(t, map[string]any{"service_code": "A01", "service_name": "环境卫生",
		"description": "Sanitation — settled at the building level within 3 working days", "metadata": true,
		"type": "realtime", "keywords": "垃圾,卫生", "group": "environmental_protection"}, list[0])
	assert.Equal(t, false, list[1]["metadata"], "A02 has no questions")

	code, raw = f.do(t, "GET", "/open311/v2/services.xml", nil)
	require.Equal(t, 200, code)
	x := xmlOf(t, raw)
	require.Equal(t, "services", x.XMLName.Local)
	require.Len(t, x.Kids, 2)
	assert.Equal(t, "A01", x.Kids[0].get("service_code"))
	assert.Equal(t, "true", x.Kids[0].get("metadata"))
	assert.Equal(t, "environmental_protection", x.Kids[0].get("group"))

	// Without a suffix the answer is XML, Open311's required format.
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, httptest.NewRequest("GET", "/open311/v2/services", nil))
	assert.Equal(t, 200, rec.Code)
	assert.Equal(t, "services", xmlOf(t, rec.Body.Bytes()).XMLName.Local)
}

func TestOpen311ServiceDefinition(t *testing.T) {
	f := newO311(t)
	code, raw := f.do(t, "GET", "/open311/v2/services/A01.json", nil)
	require.Equal(t, 200, code)
	var d struct {
		ServiceCode string          `json:"service_code"`
		Attributes  []o311Attribute `json:"attributes"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	assert.Equal(t, "A01", d.ServiceCode)
	require.Len(t, d.Attributes, 2)
	assert.Equal(t, "urgency", d.Attributes[0].Code)
	assert.Equal(t, "singlevaluelist", d.Attributes[0].Datatype)
	assert.Equal(t, []string{"normal", "urgent"}, []string{d.Attributes[0].Values[0].Key, d.Attributes[0].Values[1].Key})
	assert.Equal(t, "compound", d.Attributes[1].Code)
	assert.Equal(t, "string", d.Attributes[1].Datatype)

	code, raw = f.do(t, "GET", "/open311/v2/services/A01.xml", nil)
	require.Equal(t, 200, code)
	x := xmlOf(t, raw)
	assert.Equal(t, "service_definition", x.XMLName.Local)
	attrs := x.Kids[1]
	require.Equal(t, "attributes", attrs.XMLName.Local)
	require.Len(t, attrs.Kids, 2)
	assert.Equal(t, "urgency", attrs.Kids[0].get("code"))

	code, raw = f.do(t, "GET", "/open311/v2/services/A02.json", nil)
	require.Equal(t, 200, code)
	assert.JSONEq(t, `{"service_code":"A02","attributes":[]}`, string(raw))

	for _, p := range []string{"/open311/v2/services/NOPE.json", "/open311/v2/services/S09.json"} {
		code, raw = f.do(t, "GET", p, nil)
		assert.Equal(t, 404, code, p)
		assert.Equal(t, float64(404), jsonList(t, raw)[0]["code"])
	}
	code, raw = f.do(t, "GET", "/open311/v2/services/NOPE.xml", nil)
	assert.Equal(t, 404, code)
	x = xmlOf(t, raw)
	assert.Equal(t, "errors", x.XMLName.Local)
	assert.Equal(t, "404", x.Kids[0].get("code"))
	assert.Contains(t, x.Kids[0].get("description"), "NOPE")
}

func TestOpen311Requests(t *testing.T) {
	f := newO311(t)
	code, raw := f.do(t, "GET", "/open311/v2/requests.json", nil)
	require.Equal(t, 200, code)
	list := jsonList(t, raw)
	require.Len(t, list, 2, "the last 90 days of public categories: not 9 (private) nor 6 (too old)")
	r := list[1]
	assert.Equal(t, "7", r["service_request_id"])
	assert.Equal(t, "open", r["status"])
	assert.Equal(t, "办理中 in progress", r["status_notes"])
	assert.Equal(t, "环境卫生", r["service_name"])
	assert.Equal(t, "第一网格党支部", r["agency_responsible"])
	assert.Equal(t, "2026-06-10T17:00:00+08:00", r["requested_datetime"])
	assert.Equal(t, "2026-06-10T19:00:00+08:00", r["updated_datetime"])
	assert.Equal(t, "王府街道宝鼎社区第一网格", r["address"])
	assert.Equal(t, gridCode, r["address_id"])
	assert.Equal(t, 36.6235, r["lat"])
	assert.Equal(t, 118.4235, r["long"])
	assert.NotContains(t, r, "extended_attributes")
	assert.Equal(t, "closed", list[0]["status"], "cancelled is closed")
	assert.Equal(t, "已撤销 cancelled", list[0]["status_notes"])
	for _, bad := range []string{"张三", "13800000000", "401", "234567"} {
		assert.NotContains(t, string(raw), bad, "no personal data nor exact coordinates")
	}

	code, raw = f.do(t, "GET", "/open311/v2/requests.xml", nil)
	require.Equal(t, 200, code)
	x := xmlOf(t, raw)
	assert.Equal(t, "service_requests", x.XMLName.Local)
	require.Len(t, x.Kids, 2)
	assert.Equal(t, "request", x.Kids[1].XMLName.Local)
	assert.Equal(t, "7", x.Kids[1].get("service_request_id"))
	assert.Equal(t, "36.6235", x.Kids[1].get("lat"))
	assert.NotContains(t, string(raw), "张三")

	ids := func(path string) []string {
		t.Helper()
		code, raw := f.do(t, "GET", path, nil)
		require.Equal(t, 200, code, "%s: %s", path, raw)
		var out []string
		for _, r := range jsonList(t, raw) {
			out = append(out, r["service_request_id"].(string))
		}
		return out
	}
	assert.Equal(t, []string{"8"}, ids("/open311/v2/requests.json?status=closed"))
	assert.Equal(t, []string{"7"}, ids("/open311/v2/requests.json?status=open"))
	assert.Equal(t, []string{"8", "7"}, ids("/open311/v2/requests.json?status=open,closed&service_code=&end_date="))
	assert.Equal(t, []string{"7"}, ids("/open311/v2/requests.json?service_code=A01"))
	assert.Equal(t, []string{"8", "7"}, ids("/open311/v2/requests.json?service_code=A01,A02"))
	assert.Equal(t, []string{"6"}, ids("/open311/v2/requests.json?start_date=2026-02-01T00:00:00%2B08:00&end_date=2026-04-01"))
	assert.Equal(t, []string{"7", "6"}, ids("/open311/v2/requests.json?service_request_id=6,7,9&status=closed&service_code=A02"),
		"ids override the other filters; 9 is not public")
	assert.Equal(t, []string{"8"}, ids("/open311/v2/requests.json?page_size=1"))
	assert.Equal(t, []string{"7"}, ids("/open311/v2/requests.json?page_size=1&page=2"))
	assert.Empty(t, ids("/open311/v2/requests.json?page_size=1&page=3"))

	code, raw = f.do(t, "GET", "/open311/v2/requests.json?service_request_id=7&extensions=true", nil)
	require.Equal(t, 200, code)
	ext := jsonList(t, raw)[0]["extended_attributes"].(map[string]any)
	assert.Equal(t, "in_progress", ext["status"])
	assert.Equal(t, "pending", ext["classification"])
	assert.Equal(t, map[string]any{"code": gridCode, "name": "第一网格"}, ext["grid"])
	hist := ext["history"].([]any)
	require.Len(t, hist, 3)
	assert.Equal(t, "", hist[0].(map[string]any)["note"], "a resident's note is not shown")
	assert.Equal(t, "请物业清理", hist[1].(map[string]any)["note"])
	assert.NotContains(t, string(raw), "张三")
	assert.NotContains(t, string(raw), "P1")

	code, raw = f.do(t, "GET", "/open311/v2/requests.xml?service_request_id=7&extensions=true", nil)
	require.Equal(t, 200, code)
	x = xmlOf(t, raw)
	var extX xmlDoc
	for _, k := range x.Kids[0].Kids {
		if k.XMLName.Local == "extended_attributes" {
			extX = k
		}
	}
	assert.Equal(t, "in_progress", extX.get("status"))
}

func TestOpen311RequestsBadInput(t *testing.T) {
	f := newO311(t)
	for _, q := range []string{
		"start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", // 151 days
		"start_date=2026-06-01&end_date=2026-05-01",                     // backwards
		"start_date=yesterday",
		"end_date=2026-13-01T00:00:00Z",
		"start_date=2026-06-01T00:00:00", // no zone
		"status=pending",
		"service_code=NOPE",
		"service_code=S09",
		"service_request_id=7,x",
		"page=0",
		"page_size=1001",
	} {
		for _, format := range []string{"json", "xml"} {
			code, raw := f.do(t, "GET", "/open311/v2/requests."+format+"?"+q, nil)
			assert.Equal(t, 400, code, "%s %s", q, raw)
			if format == "json" {
				assert.Equal(t, float64(400), jsonList(t, raw)[0]["code"], q)
			} else {
				assert.Equal(t, "400", xmlOf(t, raw).Kids[0].get("code"), q)
			}
		}
	}
	code, raw := f.do(t, "GET", "/open311/v2/requests.csv", nil)
	assert.Equal(t, 400, code)
	assert.Equal(t, "errors", xmlOf(t, raw).XMLName.Local)
}

func TestOpen311Request(t *testing.T) {
	f := newO311(t)
	code, raw := f.do(t, "GET", "/open311/v2/requests/7.json", nil)
	require.Equal(t, 200, code)
	list := jsonList(t, raw)
	require.Len(t, list, 1)
	assert.Equal(t, "7", list[0]["service_request_id"])

	code, raw = f.do(t, "GET", "/open311/v2/requests/6.xml", nil)
	require.Equal(t, 200, code)
	x := xmlOf(t, raw)
	assert.Equal(t, "closed", x.Kids[0].get("status"))

	for _, id := range []string{"404", "9", "abc", "0"} {
		for _, format := range []string{"json", "xml"} {
			code, raw = f.do(t, "GET", "/open311/v2/requests/"+id+"."+format, nil)
			assert.Equal(t, 404, code, "%s.%s: %s", id, format, raw)
		}
	}
}

func TestOpen311Tokens(t *testing.T) {
	f := newO311(t)
	code, raw := f.do(t, "GET", "/open311/v2/tokens/7.json", nil)
	require.Equal(t, 200, code)
	assert.JSONEq(t, `[{"service_request_id":"7","token":"7"}]`, string(raw))
	code, raw = f.do(t, "GET", "/open311/v2/tokens/7.xml", nil)
	require.Equal(t, 200, code)
	assert.Equal(t, "7", xmlOf(t, raw).Kids[0].get("token"))
	for _, format := range []string{"json", "xml"} {
		for _, tok := range []string{"12345", "9", "zzz"} {
			code, _ = f.do(t, "GET", "/open311/v2/tokens/"+tok+"."+format, nil)
			assert.Equal(t, 404, code, tok)
		}
	}
}

func TestOpen311Post(t *testing.T) {
	f := newO311(t)
	form := url.Values{"api_key": {f.key}, "service_code": {"A01"}, "lat": {"36.61"}, "long": {"118.41"},
		"description": {"垃圾没人清"}, "email": {"a@example.com"}, "first_name": {"三"}, "last_name": {"张"},
		"phone": {"13800000000"}, "attribute[urgency]": {"urgent"}}
	code, raw := f.do(t, "POST", "/open311/v2/requests.json", form)
	require.Equal(t, 200, code, "%s", raw)
	list := jsonList(t, raw)
	require.Len(t, list, 1)
	assert.Equal(t, "900", list[0]["service_request_id"])
	assert.Nil(t, list[0]["account_id"])
	assert.Contains(t, list[0]["service_notice"], "第一网格党支部")
	assert.NotContains(t, string(raw), "13800000000")
	got := f.intake.got[0]
	assert.Equal(t, "open311", got.Channel)
	assert.Equal(t, "A01", got.Category)
	assert.Equal(t, "urgent", got.Urgency)
	assert.Equal(t, "张三", got.ReporterName)
	assert.Equal(t, "13800000000", got.ReporterPhone)
	assert.Equal(t, 36.61, *got.Lat)
	assert.Equal(t, 118.41, *got.Lon)

	// XML, by address_id, empty parameters count as missing, description defaults to the service's name.
	code, raw = f.do(t, "POST", "/open311/v2/requests.xml", url.Values{"api_key": {f.key}, "service_code": {"A02"},
		"lat": {""}, "long": {""}, "address_string": {""}, "address_id": {gridCode}})
	require.Equal(t, 200, code, "%s", raw)
	x := xmlOf(t, raw)
	assert.Equal(t, "service_requests", x.XMLName.Local)
	assert.Equal(t, "900", x.Kids[0].get("service_request_id"))
	got = f.intake.got[1]
	assert.Equal(t, gridCode, got.Address)
	assert.Equal(t, "噪音", got.Description)
	assert.Nil(t, got.Lat)

	f.do(t, "POST", "/open311/v2/requests.json", url.Values{"api_key": {f.key}, "service_code": {"A01"},
		"address_string": {"宝鼎社区"}})
	assert.Equal(t, "宝鼎社区", f.intake.got[2].Address)
	f.do(t, "POST", "/open311/v2/requests.json", url.Values{"api_key": {f.key}, "service_code": {"A01"},
		"attribute[compound]": {"宝鼎三号院"}})
	assert.Equal(t, "宝鼎三号院", f.intake.got[3].Address)

	// A duplicate of an open case answers that case's id.
	f.intake.duplicate = true
	code, raw = f.do(t, "POST", "/open311/v2/requests.json", form)
	require.Equal(t, 200, code)
	assert.Equal(t, "7", jsonList(t, raw)[0]["service_request_id"])
	assert.Contains(t, jsonList(t, raw)[0]["service_notice"], "7")
}

func TestOpen311PostErrors(t *testing.T) {
	f := newO311(t)
	tk := newTokens(t, testKey)
	resident := issue(t, tk, dispatch.Actor{Role: dispatch.RoleResident, Unit: "370781", Subject: "r"}, time.Hour, o311Now)
	expired := issue(t, tk, dispatch.Actor{Role: dispatch.RoleOpen311, Unit: "370781", Subject: "c"}, time.Hour,
		o311Now.Add(-2*time.Hour))
	foreign := issue(t, newTokens(t, otherKey), dispatch.Actor{Role: dispatch.RoleOpen311, Unit: "370781", Subject: "c"},
		time.Hour, o311Now)
	base := func(kv ...string) url.Values {
		v := url.Values{"api_key": {f.key}, "service_code": {"A01"}, "lat": {"36.61"}, "long": {"118.41"}}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "-" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	cases := []struct {
		name string
		form url.Values
		want int
	}{
		{"missing api_key", base("api_key", "-"), 403},
		{"empty api_key", base("api_key", ""), 403},
		{"garbage api_key", base("api_key", "gg1.nope.nope"), 403},
		{"resident token", base("api_key", resident), 403},
		{"expired key", base("api_key", expired), 403},
		{"another server's key", base("api_key", foreign), 403},
		{"missing service_code", base("service_code", "-"), 400},
		{"unknown service_code", base("service_code", "NOPE"), 400},
		{"non-public service_code", base("service_code", "S09"), 400},
		{"no location", base("lat", "-", "long", "-"), 400},
		{"lat without long", base("long", "-"), 400},
		{"bad lat", base("lat", "north"), 400},
		{"NaN long", base("long", "NaN"), 400},
		{"unknown address_id", base("lat", "-", "long", "-", "address_id", "999"), 400},
		{"unknown attribute", base("attribute[colour]", "red"), 400},
		{"bad urgency", base("attribute[urgency]", "asap"), 400},
		{"attribute of another service", base("service_code", "A02", "attribute[compound]", "x"), 400},
	}
	for _, tc := range cases {
		for _, format := range []string{"json", "xml"} {
			code, raw := f.do(t, "POST", "/open311/v2/requests."+format, tc.form)
			assert.Equal(t, tc.want, code, "%s.%s: %s", tc.name, format, raw)
			if format == "xml" {
				x := xmlOf(t, raw)
				assert.Equal(t, "errors", x.XMLName.Local, tc.name)
				assert.Equal(t, "error", x.Kids[0].XMLName.Local)
			} else {
				assert.NotEmpty(t, jsonList(t, raw)[0]["description"], tc.name)
			}
		}
	}
	assert.Empty(t, f.intake.got, "nothing reached intake")

	// Intake's own refusals are 400s naming the Open311 field.
	f.intake.err = &dispatch.FieldError{Field: "reporter.phone", Code: "invalid_argument", Message: "bad phone"}
	code, raw := f.do(t, "POST", "/open311/v2/requests.json", base())
	assert.Equal(t, 400, code)
	assert.Contains(t, jsonList(t, raw)[0]["description"], "phone: bad phone")
	f.intake.err = &geo.OutsideError{}
	code, _ = f.do(t, "POST", "/open311/v2/requests.json", base())
	assert.Equal(t, 400, code)
	f.intake.err = &dispatch.FieldError{Field: "address", Code: "address_not_found", Message: "no such place", Unprocessable: true}
	code, raw = f.do(t, "POST", "/open311/v2/requests.xml", base())
	assert.Equal(t, 400, code)
	assert.Contains(t, xmlOf(t, raw).Kids[0].get("description"), "address_string")
	f.intake.err = io.ErrUnexpectedEOF
	code, raw = f.do(t, "POST", "/open311/v2/requests.json", base())
	assert.Equal(t, 500, code)
	assert.NotContains(t, string(raw), "EOF")

	code, _ = f.do(t, "POST", "/open311/v2/services.json", base())
	assert.Equal(t, 404, code)
	code, raw = f.do(t, "DELETE", "/open311/v2/requests/7.json", nil)
	assert.Equal(t, 404, code)
	assert.Equal(t, float64(404), jsonList(t, raw)[0]["code"])
	code, raw = f.do(t, "GET", "/open311/v2/nothing.xml", nil)
	assert.Equal(t, 404, code)
	assert.Equal(t, "404", xmlOf(t, raw).Kids[0].get("code"))
}

func TestOpen311Updates(t *testing.T) {
	f := newO311(t)
	code, raw := f.do(t, "GET", "/open311/v2/servicerequestupdates.json?start_date=2026-06-10T17:30:00%2B08:00", nil)
	require.Equal(t, 200, code, "%s", raw)
	list := jsonList(t, raw)
	require.Len(t, list, 2)
	assert.Equal(t, "71", list[0]["update_id"])
	assert.Equal(t, "7", list[0]["service_request_id"])
	assert.Equal(t, "open", list[0]["status"])
	assert.Equal(t, "2026-06-10T18:00:00+08:00", list[0]["updated_datetime"])
	assert.Equal(t, "dispatch — 已派单 dispatched to the unit that handles it: 请物业清理", list[0]["description"])
	assert.Equal(t, "72", list[1]["update_id"])

	code, raw = f.do(t, "GET", "/open311/v2/servicerequestupdates.xml?start_date=2026-06-10T17:30:00%2B08:00", nil)
	require.Equal(t, 200, code)
	x := xmlOf(t, raw)
	assert.Equal(t, "service_requests_updates", x.XMLName.Local)
	require.Len(t, x.Kids, 2)
	assert.Equal(t, "request_update", x.Kids[0].XMLName.Local)
	assert.Equal(t, "71", x.Kids[0].get("update_id"))

	for _, q := range []string{"start_date=nope", "end_date=2026-06-01&start_date=2026-06-05",
		"start_date=2026-01-01&end_date=2026-06-01"} {
		code, _ = f.do(t, "GET", "/open311/v2/servicerequestupdates.json?"+q, nil)
		assert.Equal(t, 400, code, q)
		code, _ = f.do(t, "GET", "/open311/v2/servicerequestupdates.xml?"+q, nil)
		assert.Equal(t, 400, code, q)
	}
}

func TestOpen311OpenAPIServed(t *testing.T) {
	f := newO311(t)
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, httptest.NewRequest("GET", "/open311/v2/openapi.json", nil))
	require.Equal(t, 200, rec.Code)
	assert.Equal(t, open311OpenAPI, rec.Body.Bytes())
}

// TestOpen311OpenAPICoverage makes sure the check above does validate: every documented answer of a test run goes
// through kin-openapi, and a wrong answer fails it.
func TestOpen311OpenAPICoverage(t *testing.T) {
	f := newO311(t)
	f.do(t, "GET", "/open311/v2/requests.json", nil)
	f.do(t, "GET", "/open311/v2/requests/7.xml", nil)
	f.do(t, "GET", "/open311/v2/services/A01.json", nil)
	f.do(t, "GET", "/open311/v2/tokens/7.json", nil)
	f.do(t, "GET", "/open311/v2/servicerequestupdates.json", nil)
	f.do(t, "GET", "/open311/v2/discovery.xml", nil)
	assert.Equal(t, 6, f.spec.validated)
	assert.Zero(t, f.spec.skipped)

	req := httptest.NewRequest("GET", "/open311/v2/requests/7.json", nil)
	route, params, err := f.spec.router.FindRoute(req)
	require.NoError(t, err)
	for _, bad := range []string{
		`[{"service_request_id":"7"}]`,
		`[{"code":400,"description":"x"}]`,
		`{"service_request_id":"7"}`,
	} {
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(bad)),
		}
		assert.Error(t, openapi3filter.ValidateResponse(context.Background(), in), bad)
	}
}
