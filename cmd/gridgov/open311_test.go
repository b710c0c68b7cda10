package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// open311Client talks Open311 to a running server and validates every documented answer against the OpenAPI
// document that server serves (JSON bodies by schema; XML answers by status, content type and well-formedness).
type open311Client struct {
	t         *testing.T
	base      string
	router    routers.Router
	validated int
}

func newOpen311Client(t *testing.T, base string) *open311Client {
	t.Helper()
	res, err := http.Get(base + "/open311/v2/openapi.json")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	router, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	return &open311Client{t: t, base: base, router: router}
}

func (c *open311Client) do(method, path string, form url.Values) (int, []byte) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	require.NoError(c.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(c.t, err)

	// Validate against the document, matching the route by path alone (the server's host is not in it).
	vreq := req.Clone(context.Background())
	vreq.URL, _ = url.Parse(path)
	vreq.Host = ""
	route, params, err := c.router.FindRoute(vreq)
	require.NoError(c.t, err, "%s %s is not in the OpenAPI document", method, path)
	isXML := strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml")
	if isXML {
		require.NoError(c.t, xml.Unmarshal(raw, new(struct{})), "%s", raw)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route},
		Status:                 res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(raw)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, ExcludeResponseBody: isXML},
	}
	require.NoError(c.t, openapi3filter.ValidateResponse(context.Background(), in), "%s %s → %d %s",
		method, path, res.StatusCode, raw)
	c.validated++
	return res.StatusCode, raw
}

func (c *open311Client) list(method, path string, form url.Values, want int) []map[string]any {
	c.t.Helper()
	code, raw := c.do(method, path, form)
	require.Equal(c.t, want, code, "%s %s: %s", method, path, raw)
	var out []map[string]any
	require.NoError(c.t, json.Unmarshal(raw, &out), "%s", raw)
	return out
}

// TestOpen311EndToEnd drives the Open311 server of a real demo city with a real open311 key: services, a POST
// through intake, its duplicate, reading it back in both formats, and the errors.
func TestOpen311EndToEnd(t *testing.T) {
	dbURL, hc, pool := cityDB(t)
	c := newOpen311Client(t, hc.base)
	compound, lon, lat := someCompound(t, pool, "370781006033")
	key := token(t, dbURL, "open311", "370781", "client:fixmystreet")
	resident := token(t, dbURL, "resident", "370781006033", "resident:li")
	ctx := context.Background()
	var public, private string
	require.NoError(t, pool.QueryRow(ctx, `SELECT code FROM categories WHERE public AND level = 'building' ORDER BY code LIMIT 1`).Scan(&public))
	require.NoError(t, pool.QueryRow(ctx, `SELECT code FROM categories WHERE NOT public ORDER BY code LIMIT 1`).Scan(&private))

	// Discovery and services, both formats.
	c.do("GET", "/open311/v2/discovery.json", nil)
	code, raw := c.do("GET", "/open311/v2/discovery.xml", nil)
	require.Equal(t, 200, code)
	assert.Contains(t, string(raw), "<url>"+hc.base+"/open311/v2</url>")
	services := c.list("GET", "/open311/v2/services.json", nil, 200)
	var publicCount int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM categories WHERE public`).Scan(&publicCount))
	assert.Len(t, services, publicCount)
	for _, s := range services {
		assert.NotEqual(t, private, s["service_code"])
	}
	code, raw = c.do("GET", "/open311/v2/services.xml", nil)
	require.Equal(t, 200, code)
	assert.Equal(t, publicCount, strings.Count(string(raw), "<service>"))
	code, raw = c.do("GET", "/open311/v2/services/"+public+".json", nil)
	require.Equal(t, 200, code)
	assert.Contains(t, string(raw), `"code":"compound"`)
	code, _ = c.do("GET", "/open311/v2/services/"+public+".xml", nil)
	assert.Equal(t, 200, code)
	code, _ = c.do("GET", "/open311/v2/services/"+private+".json", nil)
	assert.Equal(t, 404, code)

	// POST a request through intake with the open311 key.
	form := url.Values{"api_key": {key}, "service_code": {public}, "lat": {fmt.Sprint(lat)}, "long": {fmt.Sprint(lon)},
		"description": {"楼道堆放杂物，影响通行"}, "first_name": {"芳"}, "last_name": {"王"}, "phone": {"17100004444"},
		"email": {"wang@example.com"}, "attribute[urgency]": {"urgent"}}
	created := c.list("POST", "/open311/v2/requests.json", form, 200)
	require.Len(t, created, 1)
	id := created[0]["service_request_id"].(string)
	assert.Nil(t, created[0]["account_id"])
	var channel, urgency, name, phone string
	require.NoError(t, pool.QueryRow(ctx, `SELECT channel, urgency, reporter_name, reporter_phone FROM cases WHERE id = $1`,
		id).Scan(&channel, &urgency, &name, &phone))
	assert.Equal(t, []string{"open311", "urgent", "王芳", "17100004444"}, []string{channel, urgency, name, phone})

	// The same matter again is a duplicate: the open case's id comes back.
	form.Set("description", "楼道杂物还是没清")
	dup := c.list("POST", "/open311/v2/requests.json", form, 200)
	assert.Equal(t, id, dup[0]["service_request_id"])
	code, raw = c.do("POST", "/open311/v2/requests.xml", form)
	require.Equal(t, 200, code)
	assert.Contains(t, string(raw), "<service_request_id>"+id+"</service_request_id>")

	// Read it back: one, by token, in lists, with extensions; never personal data nor exact coordinates.
	one := c.list("GET", "/open311/v2/requests/"+id+".json", nil, 200)
	require.Len(t, one, 1)
	r := one[0]
	assert.Equal(t, "open", r["status"])
	assert.Equal(t, public, r["service_code"])
	assert.Equal(t, compound.ParentCode, r["address_id"])
	assert.InDelta(t, lat, r["lat"].(float64), 0.00006)
	assert.Equal(t, r["lat"].(float64), float64(int64(r["lat"].(float64)*1e4+0.5))/1e4)
	assert.True(t, strings.HasSuffix(r["requested_datetime"].(string), "+08:00"), r["requested_datetime"])
	code, raw = c.do("GET", "/open311/v2/requests/"+id+".xml?extensions=true", nil)
	require.Equal(t, 200, code)
	assert.Contains(t, string(raw), "<extended_attributes><status>reported</status>")
	for _, body := range []string{string(raw)} {
		for _, secret := range []string{"王芳", "17100004444", "wang@example.com", fmt.Sprint(lat)} {
			assert.NotContains(t, body, secret)
		}
	}
	tok := c.list("GET", "/open311/v2/tokens/"+id+".json", nil, 200)
	assert.Equal(t, id, tok[0]["service_request_id"])
	code, _ = c.do("GET", "/open311/v2/tokens/"+id+".xml", nil)
	assert.Equal(t, 200, code)
	listed := c.list("GET", "/open311/v2/requests.json?service_code="+public+"&status=open&extensions=true", nil, 200)
	found := false
	for _, l := range listed {
		found = found || l["service_request_id"] == id
		assert.NotContains(t, fmt.Sprint(l), "17100004444")
	}
	assert.True(t, found, "the new request is listed")
	byID := c.list("GET", "/open311/v2/requests.json?service_request_id="+id+"&status=closed", nil, 200)
	require.Len(t, byID, 1, "service_request_id overrides status")
	code, raw = c.do("GET", "/open311/v2/requests.xml?page_size=5", nil)
	require.Equal(t, 200, code)
	assert.LessOrEqual(t, strings.Count(string(raw), "<request>"), 5)
	all := c.list("GET", "/open311/v2/requests.json", nil, 200)
	assert.LessOrEqual(t, len(all), 1000)
	var privateCount int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE category = $1`, private).Scan(&privateCount))
	for _, l := range all {
		assert.NotEqual(t, private, l["service_code"])
	}

	// A worker acts on the case: servicerequestupdates shows the change.
	worker := token(t, dbURL, "grid_worker", compound.ParentCode, "S-worker")
	res, body := hc.do("POST", "/api/v1/reports/"+id+"/events", map[string]any{"action": "hear",
		"classification": "pending"}, "Authorization", "Bearer "+worker)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", body)
	since := url.QueryEscape(time.Now().Add(-time.Hour).Format(time.RFC3339))
	updates := c.list("GET", "/open311/v2/servicerequestupdates.json?start_date="+since, nil, 200)
	var actions []string
	for _, u := range updates {
		if u["service_request_id"] == id {
			actions = append(actions, strings.SplitN(u["description"].(string), " ", 2)[0])
			assert.Equal(t, "open", u["status"])
		}
	}
	require.Len(t, actions, 4, "report, two supporting duplicates, hear: %v", updates)
	assert.Equal(t, "report", actions[0])
	assert.Equal(t, "hear", actions[3])
	code, raw = c.do("GET", "/open311/v2/servicerequestupdates.xml?start_date="+since, nil)
	require.Equal(t, 200, code)
	assert.Contains(t, string(raw), "<service_requests_updates><request_update>")

	// Errors, both formats.
	for _, format := range []string{"json", "xml"} {
		for _, tc := range []struct {
			method, path string
			form         url.Values
			want         int
		}{
			{"POST", "/open311/v2/requests." + format, url.Values{"service_code": {public}, "lat": {"36.7"}, "long": {"118.48"}}, 403},
			{"POST", "/open311/v2/requests." + format, url.Values{"api_key": {resident}, "service_code": {public}, "lat": {"36.7"}, "long": {"118.48"}}, 403},
			{"POST", "/open311/v2/requests." + format, url.Values{"api_key": {key + "x"}, "service_code": {public}}, 403},
			{"POST", "/open311/v2/requests." + format, url.Values{"api_key": {key}, "lat": {"36.7"}, "long": {"118.48"}}, 400},
			{"POST", "/open311/v2/requests." + format, url.Values{"api_key": {key}, "service_code": {"nope"}, "lat": {"36.7"}, "long": {"118.48"}}, 400},
			{"POST", "/open311/v2/requests." + format, url.Values{"api_key": {key}, "service_code": {public}}, 400},
			{"POST", "/open311/v2/requests." + format, url.Values{"api_key": {key}, "service_code": {public}, "lat": {"36.5"}, "long": {"118.48"}}, 400},
			{"POST", "/open311/v2/requests." + format, url.Values{"api_key": {key}, "service_code": {public}, "address_string": {"火星基地"}}, 400},
			{"GET", "/open311/v2/services/nope." + format, nil, 404},
			{"GET", "/open311/v2/requests/999999999." + format, nil, 404},
			{"GET", "/open311/v2/tokens/999999999." + format, nil, 404},
			{"GET", "/open311/v2/requests." + format + "?start_date=2026-01-01T00:00:00%2B08:00&end_date=2026-05-01T00:00:00%2B08:00", nil, 400},
			{"GET", "/open311/v2/requests." + format + "?start_date=01/02/2026", nil, 400},
			{"GET", "/open311/v2/requests." + format + "?status=pending", nil, 400},
			{"GET", "/open311/v2/servicerequestupdates." + format + "?start_date=never", nil, 400},
		} {
			code, raw := c.do(tc.method, tc.path, tc.form)
			assert.Equal(t, tc.want, code, "%s %s: %s", tc.method, tc.path, raw)
			if format == "xml" {
				assert.Contains(t, string(raw), fmt.Sprintf("<errors><error><code>%d</code><description>", tc.want))
			} else {
				assert.Contains(t, string(raw), fmt.Sprintf(`[{"code":%d,"description":`, tc.want))
			}
		}
	}
	assert.GreaterOrEqual(t, c.validated, 50)
}
