package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
)

// testClock is a clock that moves only when told.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

type limitFixture struct {
	srv    *Server
	tokens *Tokens
	clock  *testClock
	intake *fakeIntake
}

func newLimitFixture(t *testing.T, l Limits) *limitFixture {
	t.Helper()
	f := &limitFixture{tokens: newTokens(t, testKey), clock: &testClock{now: o311Now}, intake: &fakeIntake{}}
	cases := open311Cases()
	f.srv = NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Places: open311Dir(t),
		Intake: f.intake, Cases: cases, Workflow: cases, Tokens: f.tokens, Now: f.clock.Now, Limits: l})
	return f
}

// send serves one request from a client address with optional headers (name, value, …).
func (f *limitFixture) send(method, path, from string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	req.RemoteAddr = from
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	return rec
}

func reportBody() io.Reader {
	return strings.NewReader(`{"category":"A01","description":"垃圾","lat":36.62,"lon":118.42}`)
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Error Error `json:"error"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body), rec.Body.String())
	return body.Error.Code
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Rate
		err  bool
	}{
		{"60/1m", Rate{60, time.Minute}, false},
		{"60/m", Rate{60, time.Minute}, false},
		{"60/min", Rate{60, time.Minute}, false},
		{"5/10s", Rate{5, 10 * time.Second}, false},
		{"1000/h", Rate{1000, time.Hour}, false},
		{"off", Rate{}, false},
		{"0", Rate{}, false},
		{"60", Rate{}, true},
		{"-1/m", Rate{}, true},
		{"60/fortnight", Rate{}, true},
		{"60/0s", Rate{}, true},
		{"x/m", Rate{}, true},
	} {
		got, err := ParseRate(tc.in)
		if tc.err {
			assert.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	assert.True(t, Rate{}.Off())
	assert.Equal(t, "60/1m0s", Rate{60, time.Minute}.String())
}

func TestParsePrefixes(t *testing.T) {
	ps, err := ParsePrefixes(" 127.0.0.1, 10.0.0.0/8,::1 ,")
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128")}, ps)
	_, err = ParsePrefixes("10.0.0.0/8,proxy.example")
	assert.Error(t, err)
	ps, err = ParsePrefixes("")
	require.NoError(t, err)
	assert.Empty(t, ps)
}

// TestClientAddr: X-Forwarded-For is believed only from trusted proxies, and only up to the first hop that is not
// one of them; the client's own additions to the left are ignored.
func TestClientAddr(t *testing.T) {
	trusted, err := ParsePrefixes("127.0.0.1,10.0.0.0/8")
	require.NoError(t, err)
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"no proxy", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"untrusted peer's header is ignored", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"trusted proxy", "127.0.0.1:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"chain of proxies", "10.0.0.2:5000", []string{"198.51.100.1, 10.0.0.9"}, "198.51.100.1"},
		{"forged hop on the left", "127.0.0.1:5000", []string{"1.1.1.1, 198.51.100.1"}, "198.51.100.1"},
		{"several headers", "127.0.0.1:5000", []string{"1.1.1.1", "198.51.100.1"}, "198.51.100.1"},
		{"malformed hop", "127.0.0.1:5000", []string{"1.1.1.1, garbage"}, "127.0.0.1"},
		{"trusted proxy without header", "127.0.0.1:5000", nil, "127.0.0.1"},
		{"IPv4-mapped IPv6 peer", "[::ffff:203.0.113.7]:5000", nil, "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", nil)
			r.RemoteAddr = tc.remote
			for _, h := range tc.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			assert.Equal(t, tc.want, clientAddr(r, trusted).String())
		})
	}
	assert.Equal(t, "ip:2001:db8:1:2::/64", addrKey(netip.MustParseAddr("2001:db8:1:2:aaaa::1")),
		"IPv6 clients are budgeted by their /64")
	assert.Equal(t, "ip:203.0.113.7", addrKey(netip.MustParseAddr("203.0.113.7")))
}

// TestLimiterRefillAndRetry: a bucket of 3 per minute allows 3 at once, then one every 20 s, and says how long to
// wait.
func TestLimiterRefillAndRetry(t *testing.T) {
	l := newLimiter(10)
	rate := Rate{Burst: 3, Per: time.Minute}
	now := o311Now
	for i := range 3 {
		ok, _ := l.take("a", rate, now)
		assert.True(t, ok, "request %d of the burst", i+1)
	}
	ok, retry := l.take("a", rate, now)
	assert.False(t, ok)
	assert.Equal(t, 20*time.Second, retry)
	ok, _ = l.take("b", rate, now)
	assert.True(t, ok, "another client has its own budget")
	ok, retry = l.take("a", rate, now.Add(15*time.Second))
	assert.False(t, ok)
	assert.Equal(t, 5*time.Second, retry.Round(time.Millisecond))
	ok, _ = l.take("a", rate, now.Add(20*time.Second))
	assert.True(t, ok)
}

// TestLimiterBoundedMemory: idle buckets are dropped (they are full again, so nothing is forgotten); when every
// slot is busy, newcomers share one overflow budget instead of growing the table.
func TestLimiterBoundedMemory(t *testing.T) {
	l := newLimiter(100)
	rate := Rate{Burst: 2, Per: time.Minute}
	now := o311Now
	for i := range 100 {
		ok, _ := l.take(fmt.Sprintf("c%d", i), rate, now)
		require.True(t, ok)
	}
	assert.Equal(t, 100, l.len())
	// All busy: the next two newcomers share the overflow bucket of 2.
	ok1, _ := l.take("new1", rate, now)
	ok2, _ := l.take("new2", rate, now)
	ok3, _ := l.take("new3", rate, now)
	assert.True(t, ok1)
	assert.True(t, ok2)
	assert.False(t, ok3, "the overflow budget is spent")
	assert.LessOrEqual(t, l.len(), 101)
	// A minute later every bucket has refilled: a newcomer sweeps them away.
	ok, _ := l.take("later", rate, now.Add(time.Minute))
	assert.True(t, ok)
	assert.LessOrEqual(t, l.len(), 2, "the idle buckets were dropped")
	// Memory stays bounded under a flood of distinct clients.
	for i := range 10_000 {
		l.take(fmt.Sprintf("flood%d", i), rate, now.Add(time.Minute+time.Duration(i)*time.Millisecond))
	}
	assert.LessOrEqual(t, l.len(), 101)
}

// TestRateLimitPublicWrites: public writes are budgeted per client address and answered 429 with Retry-After and
// a JSON error; reads are not budgeted; another address has its own budget; time refills it.
func TestRateLimitPublicWrites(t *testing.T) {
	f := newLimitFixture(t, Limits{Public: Rate{Burst: 2, Per: time.Minute}, Staff: Rate{Burst: 5, Per: time.Minute}})
	const a, b = "203.0.113.7:40000", "198.51.100.9:40000"
	for range 2 {
		rec := f.send("POST", "/api/v1/reports", a, reportBody(), "Content-Type", "application/json")
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	}
	rec := f.send("POST", "/api/v1/reports", a, reportBody(), "Content-Type", "application/json")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "30", rec.Header().Get("Retry-After"))
	assert.Equal(t, "rate_limited", errorCode(t, rec))
	assert.Len(t, f.intake.got, 2, "the refused report never reached intake")
	// The same budget covers every write: a batch locate and a resident token are writes too.
	rec = f.send("POST", "/api/v1/locate", a, strings.NewReader(`{"points":[]}`))
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	rec = f.send("POST", "/api/v1/residents/token", a, nil)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	// Reads are not budgeted.
	rec = f.send("GET", "/api/v1/locate?lat=36.62&lon=118.42", a, nil)
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	// Another client is not affected.
	rec = f.send("POST", "/api/v1/reports", b, reportBody())
	assert.Equal(t, http.StatusCreated, rec.Code)
	// A resident token does not buy a budget of its own: residents mint them freely.
	res := issue(t, f.tokens, dispatch.Actor{Role: dispatch.RoleResident, Unit: "device", Subject: "device:1"}, time.Hour, o311Now)
	rec = f.send("POST", "/api/v1/reports", a, reportBody(), "Authorization", "Bearer "+res)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	// Half a minute refills one request.
	f.clock.Add(30 * time.Second)
	rec = f.send("POST", "/api/v1/reports", a, reportBody())
	assert.Equal(t, http.StatusCreated, rec.Code)
	rec = f.send("POST", "/api/v1/reports", a, reportBody())
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)

	// The refusals are counted by route pattern and budget.
	scrape := f.scrape(t)
	assert.Contains(t, scrape, `gridgov_http_rate_limited_total{budget="public",route="POST /api/v1/reports"} 3`)
	assert.Contains(t, scrape, `gridgov_http_requests_total{code="4xx",method="POST",route="POST /api/v1/reports"} 3`)
}

// TestRateLimitStaff: a staff token is budgeted by its subject, whatever address it comes from, with the staff
// budget; a bad token falls back to the address.
func TestRateLimitStaff(t *testing.T) {
	f := newLimitFixture(t, Limits{Public: Rate{Burst: 1, Per: time.Minute}, Staff: Rate{Burst: 3, Per: time.Minute}})
	tok := issue(t, f.tokens, chief, time.Hour, o311Now)
	for i, from := range []string{"203.0.113.1:1", "203.0.113.2:1", "203.0.113.3:1"} {
		rec := f.send("POST", "/api/v1/reports", from, reportBody(), "Authorization", "Bearer "+tok)
		assert.Equal(t, http.StatusCreated, rec.Code, "staff request %d", i+1)
	}
	rec := f.send("POST", "/api/v1/reports", "203.0.113.4:1", reportBody(), "Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusTooManyRequests, rec.Code, "the subject's budget is spent, from any address")
	other := issue(t, f.tokens, dispatch.Actor{Role: dispatch.RoleDispatcher, Unit: "370781", Subject: "D1"}, time.Hour, o311Now)
	rec = f.send("POST", "/api/v1/reports", "203.0.113.4:1", reportBody(), "Authorization", "Bearer "+other)
	assert.Equal(t, http.StatusCreated, rec.Code, "another staff member has their own budget")
	// A token that does not verify is the anonymous public: the address's budget, then 401 from the handler.
	rec = f.send("POST", "/api/v1/reports", "203.0.113.9:1", reportBody(), "Authorization", "Bearer gg1.bad.sig")
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	rec = f.send("POST", "/api/v1/reports", "203.0.113.9:1", reportBody(), "Authorization", "Bearer gg1.bad.sig")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
}

// TestRateLimitOpen311: Open311 clients get 429 in Open311's error format, JSON or XML by the path's suffix.
func TestRateLimitOpen311(t *testing.T) {
	f := newLimitFixture(t, Limits{Public: Rate{Burst: 1, Per: time.Minute}})
	key := issue(t, f.tokens, dispatch.Actor{Role: dispatch.RoleOpen311, Unit: "370781", Subject: "client-1"}, time.Hour, o311Now)
	form := url.Values{"api_key": {key}, "service_code": {"A01"}, "lat": {"36.62"}, "long": {"118.42"}}
	post := func(path string) *httptest.ResponseRecorder {
		return f.send("POST", path, "203.0.113.7:1", strings.NewReader(form.Encode()),
			"Content-Type", "application/x-www-form-urlencoded")
	}
	rec := post("/open311/v2/requests.json")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = post("/open311/v2/requests.json")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.NotEmpty(t, rec.Header().Get("Retry-After"))
	var errs []o311Error
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &errs), rec.Body.String())
	require.Len(t, errs, 1)
	assert.Equal(t, 429, errs[0].Code)
	rec = post("/open311/v2/requests.xml")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "text/xml; charset=utf-8", rec.Header().Get("Content-Type"))
	var doc struct {
		Errors []o311Error `xml:"error"`
	}
	require.NoError(t, xml.Unmarshal(rec.Body.Bytes(), &doc), rec.Body.String())
	require.Len(t, doc.Errors, 1)
	assert.Equal(t, 429, doc.Errors[0].Code)
}

// TestRateLimitLoopbackAndOff: the server's own host is budgeted like anyone (a proxy there that is not trusted
// makes its clients share one budget), and the zero Limits budget nothing.
func TestRateLimitLoopbackAndOff(t *testing.T) {
	f := newLimitFixture(t, Limits{Public: Rate{Burst: 1, Per: time.Hour}})
	for _, addr := range []string{"127.0.0.1:9", "[::1]:9"} {
		assert.Equal(t, http.StatusCreated, f.send("POST", "/api/v1/reports", addr, reportBody()).Code)
		assert.Equal(t, http.StatusTooManyRequests, f.send("POST", "/api/v1/reports", addr, reportBody(),
			"X-Forwarded-For", "203.0.113.7").Code, "an untrusted proxy's header changes nothing")
	}
	// Behind a trusted proxy on the same host, the client it names is budgeted.
	f = newLimitFixture(t, Limits{Public: Rate{Burst: 1, Per: time.Hour}, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	assert.Equal(t, http.StatusCreated, f.send("POST", "/api/v1/reports", "127.0.0.1:9", reportBody(), "X-Forwarded-For", "203.0.113.7").Code)
	assert.Equal(t, http.StatusTooManyRequests, f.send("POST", "/api/v1/reports", "127.0.0.1:9", reportBody(), "X-Forwarded-For", "203.0.113.7").Code)
	assert.Equal(t, http.StatusCreated, f.send("POST", "/api/v1/reports", "127.0.0.1:9", reportBody(), "X-Forwarded-For", "203.0.113.8").Code)
	f = newLimitFixture(t, Limits{})
	for range 20 {
		require.Equal(t, http.StatusCreated, f.send("POST", "/api/v1/reports", "203.0.113.7:1", reportBody()).Code)
	}
}

// TestBodyLimits: every route's body is capped: by Content-Length at once, by counting when the length is not
// announced, in the route's error format; a route's own cap may be smaller.
func TestBodyLimits(t *testing.T) {
	f := newLimitFixture(t, Limits{MaxBody: 1 << 20})
	big := `{"category":"A01","description":"` + strings.Repeat("x", 2<<20) + `"}`
	rec := f.send("POST", "/api/v1/reports", "203.0.113.7:1", strings.NewReader(big))
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Equal(t, "too_large", errorCode(t, rec))
	// Without Content-Length (chunked), the reader stops at the cap.
	req := httptest.NewRequest("POST", "/api/v1/reports", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	req.RemoteAddr = "203.0.113.7:1"
	rec = httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	assert.Contains(t, rec.Body.String(), "1048576")
	// Actions read the same cap, after their token.
	tok := issue(t, f.tokens, chief, time.Hour, o311Now)
	rec = f.send("POST", "/api/v1/reports/7/events", "203.0.113.7:1", strings.NewReader(big), "Authorization", "Bearer "+tok)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	// The global cap also holds for routes that read no JSON.
	rec = f.send("POST", "/open311/v2/requests.json", "203.0.113.7:1", strings.NewReader(big),
		"Content-Type", "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	var errs []o311Error
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &errs), rec.Body.String())
	assert.Equal(t, 413, errs[0].Code)
	// Route caps below the global one: an Open311 form of 64 KiB, a batch locate of 4 MiB.
	f = newLimitFixture(t, Limits{})
	form := "api_key=x&description=" + strings.Repeat("x", open311MaxForm)
	rec = f.send("POST", "/open311/v2/requests.json", "203.0.113.7:1", strings.NewReader(form),
		"Content-Type", "application/x-www-form-urlencoded")
	assert.Equal(t, http.StatusBadRequest, rec.Code, "Open311 answers an oversized form as a bad form")
	pts := `{"points":[` + strings.Repeat(`{"lat":36.62,"lon":118.42,"crs":"wgs84"},`, 4<<20/40) + `{"lat":36.62,"lon":118.42}]}`
	rec = f.send("POST", "/api/v1/locate", "203.0.113.7:1", strings.NewReader(pts))
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
}

// TestBatchLocateSize: at most MaxLocateBatch points.
func TestBatchLocateSize(t *testing.T) {
	f := newLimitFixture(t, Limits{})
	batch := func(n int) io.Reader {
		var b bytes.Buffer
		b.WriteString(`{"points":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"lat":36.62,"lon":118.42}`)
		}
		b.WriteString(`]}`)
		return &b
	}
	rec := f.send("POST", "/api/v1/locate", "203.0.113.7:1", batch(MaxLocateBatch))
	assert.Equal(t, http.StatusOK, rec.Code)
	rec = f.send("POST", "/api/v1/locate", "203.0.113.7:1", batch(MaxLocateBatch+1))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), `"field":"points"`)
}

// TestPhotoLimits: a photo's type is sniffed from its bytes, whatever its data URI says, and its size is checked
// before it is decoded.
func TestPhotoLimits(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
	jpeg := append([]byte{0xff, 0xd8, 0xff, 0xe0}, make([]byte, 64)...)
	webp := append([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "), make([]byte, 64)...)
	uri := func(declared string, b []byte) string {
		return "data:" + declared + ";base64," + base64.StdEncoding.EncodeToString(b)
	}
	for _, tc := range []struct {
		name, uri, want string
		status          int
	}{
		{"png", uri("image/png", png), "image/png", 0},
		{"png declared as jpeg", uri("image/jpeg", png), "image/png", 0},
		{"jpeg", uri("image/jpeg", jpeg), "image/jpeg", 0},
		{"webp", uri("image/webp", webp), "image/webp", 0},
		{"html declared as png", uri("image/png", []byte("<html><script>alert(1)</script></html>")), "", 400},
		{"gif", uri("image/gif", []byte("GIF89a......")), "", 400},
		{"svg declared as png", uri("image/png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)), "", 400},
		{"not base64", "data:image/png;base64,!!!", "", 400},
		{"not a data URI", "https://example.com/a.png", "", 400},
		{"too large", uri("image/jpeg", append(jpeg, make([]byte, dispatch.MaxPhotoBytes)...)), "", 413},
		{"too large, refused unread", "data:image/jpeg;base64," + strings.Repeat("@", 8<<20), "", 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := decodePhoto(tc.uri, "photos[0]")
			if tc.status != 0 {
				var e *Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.status, e.Status)
				assert.Equal(t, "photos[0]", e.Field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, p.ContentType)
		})
	}
	// Through the API: a tenth photo is refused.
	f := newLimitFixture(t, Limits{})
	photos, _ := json.Marshal(make([]string, dispatch.MaxPhotos+1))
	rec := f.send("POST", "/api/v1/reports", "203.0.113.7:1", strings.NewReader(
		`{"category":"A01","description":"x","lat":36.62,"lon":118.42,"photos":`+string(photos)+`}`))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), `"field":"photos"`)
}

// TestListCaps: every list has a page-size cap, and Open311's pages reach only so deep.
func TestListCaps(t *testing.T) {
	f := newLimitFixture(t, Limits{})
	for _, path := range []string{"/api/v1/reports?limit=1001", "/api/v1/reports?limit=0", "/api/v1/units?limit=5001"} {
		rec := f.send("GET", path, "203.0.113.7:1", nil)
		assert.Equal(t, http.StatusBadRequest, rec.Code, path)
		assert.Contains(t, rec.Body.String(), `"field":"limit"`, path)
	}
	for _, q := range []string{"page_size=1001", "page_size=1000&page=102", "page_size=100&page=1002"} {
		rec := f.send("GET", "/open311/v2/requests.json?"+q, "203.0.113.7:1", nil)
		assert.Equal(t, http.StatusBadRequest, rec.Code, q)
	}
	rec := f.send("GET", "/open311/v2/requests.json?page_size=1000&page=101", "203.0.113.7:1", nil)
	assert.Equal(t, http.StatusOK, rec.Code, "100,000 deep is still served")
}

// TestHotspotsLimit: the hotspot list is the hottest limit hexagons (default 1,000, at most 5,000), and says when
// it was cut.
func TestHotspotsLimit(t *testing.T) {
	s, _, _ := tileServer(t)
	rec := getTile(s, "/api/v1/hotspots?code=370781001024&limit=5001")
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Contains(t, rec.Body.String(), `"field":"limit"`)
	count := func(path string) (int, bool) {
		rec := getTile(s, path)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		var body struct {
			Features  []json.RawMessage `json:"features"`
			Truncated bool              `json:"truncated"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		return len(body.Features), body.Truncated
	}
	all, cut := count("/api/v1/hotspots?code=370781001024&res=11")
	assert.False(t, cut)
	one, cut := count("/api/v1/hotspots?code=370781001024&res=11&limit=1")
	assert.Equal(t, min(all, 1), one)
	assert.Equal(t, all > 1, cut)
}
