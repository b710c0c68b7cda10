package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/dispatch"
	"gridgov/geo"
)

// photoCases holds the cases of the photo tests: 41 and 43 of a public category, 42 of a non-public one; all
// reported by device:owner in grid photoGrid and assigned to department D01.
type photoCases map[int64]dispatch.Case

func (p photoCases) Case(_ context.Context, id int64) (dispatch.Case, error) {
	if c, ok := p[id]; ok {
		return c, nil
	}
	return dispatch.Case{}, geo.ErrNotFound
}

// fakePhotos keeps photos per case in memory and counts the reads.
type fakePhotos struct {
	byCase map[int64][]dispatch.StoredPhoto
	reads  int
}

func (f *fakePhotos) Photos(_ context.Context, id int64) ([]dispatch.StoredPhoto, error) {
	f.reads++
	var out []dispatch.StoredPhoto
	for _, p := range f.byCase[id] {
		p.Bytes = nil
		out = append(out, p)
	}
	return out, nil
}

func (f *fakePhotos) Photo(_ context.Context, id int64, n int) (dispatch.StoredPhoto, error) {
	f.reads++
	list := f.byCase[id]
	if n < 1 || n > len(list) {
		return dispatch.StoredPhoto{}, geo.ErrNotFound
	}
	return list[n-1], nil
}

const (
	photoStreet    = "370781006"
	photoCommunity = "370781006033"
	photoGrid      = "370781006033001"
	photoSibling   = "370781006033002"
)

var (
	photoPNG  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake png body")
	photoJPEG = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00 fake jpeg body")
)

func storedPhoto(n int, b []byte, eventID int64, action string) dispatch.StoredPhoto {
	sum := sha256.Sum256(b)
	return dispatch.StoredPhoto{Photo: dispatch.Photo{ContentType: http.DetectContentType(b), SHA256: hex.EncodeToString(sum[:]),
		Bytes: b}, Index: n, Size: len(b), CreatedAt: time.Date(2026, 3, 2, 9, n, 0, 0, time.UTC), EventID: eventID, Action: action}
}

// photoServer serves the cases: 41 with a photo from the report and one from a resolve, 42 with one, 43 without.
func photoServer(t testing.TB) (*Server, *Tokens, *fakePhotos) {
	t.Helper()
	units := []geo.Unit{
		{Level: geo.LevelStreet, Code: photoStreet, Name: "云门山街道", ParentCode: "370781", Geometry: square(118.4, 36.6, 0.1)},
		{Level: geo.LevelCommunity, Code: photoCommunity, Name: "宝鼎社区", ParentCode: photoStreet, Geometry: square(118.4, 36.6, 0.05)},
		{Level: geo.LevelGrid, Code: photoGrid, Name: "第一网格", ParentCode: photoCommunity, Geometry: square(118.4, 36.6, 0.025)},
		{Level: geo.LevelGrid, Code: photoSibling, Name: "第二网格", ParentCode: photoCommunity, Geometry: square(118.425, 36.6, 0.025)},
	}
	loc, err := geo.NewLocator(units)
	require.NoError(t, err)
	public := dispatch.Category{Code: "street_light", Name: "路灯", Public: true}
	private := dispatch.Category{Code: "neighbour_dispute", Name: "邻里纠纷"}
	dir := &dispatch.Directory{Locator: loc, Gazetteer: geo.NewGazetteer(units), OrgsByUnit: map[string]dispatch.Org{},
		OrgsByCode: map[string]dispatch.Org{}, Departments: map[string]dispatch.Department{},
		Categories:   map[string]dispatch.Category{public.Code: public, private.Code: private},
		CategoryList: []dispatch.Category{public, private}}
	places := &dispatch.Places{}
	places.Store(dir)
	c := func(id int64, cat string) dispatch.Case {
		return dispatch.Case{ID: id, Category: cat, Description: "路灯不亮", Address: "宝鼎社区3号院", Lat: 36.6123456,
			Lon: 118.4123456, StreetCode: photoStreet, CommunityCode: photoCommunity, GridCode: photoGrid,
			Status: dispatch.StatusInProgress, AssigneeCode: "D01", ReporterID: "device:owner", ReporterPhone: "13900000000",
			CreatedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	}
	photos := &fakePhotos{byCase: map[int64][]dispatch.StoredPhoto{
		41: {storedPhoto(1, photoPNG, 0, ""), storedPhoto(2, photoJPEG, 55, "resolve")},
		42: {storedPhoto(1, photoJPEG, 0, "")},
	}}
	tk := newTokens(t, testKey)
	s := NewServer(slog.New(slog.NewTextHandler(io.Discard, nil)), Services{Places: places,
		Cases: photoCases{41: c(41, public.Code), 42: c(42, private.Code), 43: c(43, public.Code)}, Photos: photos,
		Tokens: tk, Now: func() time.Time { return t0 }})
	return s, tk, photos
}

func photoGet(s http.Handler, method, path, tok string, headers ...string) *http.Response {
	req := httptest.NewRequest(method, path, nil)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Result()
}

func errorBody(t *testing.T, res *http.Response) map[string]any {
	t.Helper()
	require.True(t, strings.HasPrefix(res.Header.Get("Content-Type"), "application/json"), res.Header.Get("Content-Type"))
	var body struct{ Error map[string]any }
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	require.NotNil(t, body.Error)
	return body.Error
}

func TestPhotosWhoSees(t *testing.T) {
	s, tk, _ := photoServer(t)
	tok := func(role dispatch.Role, unit, sub string) string {
		return issue(t, tk, dispatch.Actor{Role: role, Unit: unit, Subject: sub}, time.Hour, t0)
	}
	for _, tc := range []struct {
		name string
		tok  string
		full bool // sees the case, and so its photos, in full
	}{
		{"no token", "", false},
		{"reporter", tok(dispatch.RoleResident, photoCommunity, "device:owner"), true},
		{"another resident", tok(dispatch.RoleResident, photoCommunity, "device:other"), false},
		{"grid worker", tok(dispatch.RoleGridWorker, photoGrid, "w1"), true},
		{"grid worker of the sibling grid", tok(dispatch.RoleGridWorker, photoSibling, "w2"), false},
		{"grid chief", tok(dispatch.RoleGridChief, photoCommunity, "c1"), true},
		{"dispatcher", tok(dispatch.RoleDispatcher, photoStreet, "d1"), true},
		{"dispatcher of another street", tok(dispatch.RoleDispatcher, "370781002", "d2"), false},
		{"the department assigned", tok(dispatch.RoleDepartment, "D01", "dep1"), true},
		{"another department", tok(dispatch.RoleDepartment, "D02", "dep2"), false},
		{"planner", tok(dispatch.RolePlanner, photoCommunity, "p1"), false},
		{"admin", tok(dispatch.RoleAdmin, "370781", "a1"), true},
		{"open311", tok(dispatch.RoleOpen311, photoCommunity, "o1"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, id := range []string{"41", "42"} {
				for _, path := range []string{"/api/v1/reports/" + id + "/photos", "/api/v1/reports/" + id + "/photos/1"} {
					res := photoGet(s, http.MethodGet, path, tc.tok)
					if !tc.full {
						require.Equal(t, http.StatusNotFound, res.StatusCode, path)
						assert.Equal(t, "not_found", errorBody(t, res)["code"], path)
						continue
					}
					assert.Equal(t, http.StatusOK, res.StatusCode, path)
				}
				// The case itself: the public category's to everyone, with photo URLs only for those who see it in full.
				res := photoGet(s, http.MethodGet, "/api/v1/reports/"+id, tc.tok)
				if res.StatusCode == http.StatusNotFound {
					assert.Equal(t, "42", id, "only the non-public case is hidden")
					assert.False(t, tc.full)
					continue
				}
				require.Equal(t, http.StatusOK, res.StatusCode)
				var c map[string]any
				require.NoError(t, json.NewDecoder(res.Body).Decode(&c))
				if !tc.full {
					assert.NotContains(t, c, "photos", "case %s as %s", id, tc.name)
					continue
				}
				want := []any{"/api/v1/reports/" + id + "/photos/1"}
				if id == "41" {
					want = append(want, "/api/v1/reports/41/photos/2")
				}
				assert.Equal(t, want, c["photos"])
			}
		})
	}
}

func TestPhotoList(t *testing.T) {
	s, tk, _ := photoServer(t)
	owner := issue(t, tk, dispatch.Actor{Role: dispatch.RoleResident, Unit: "device", Subject: "device:owner"}, time.Hour, t0)
	res := photoGet(s, http.MethodGet, "/api/v1/reports/41/photos", owner)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "private", res.Header.Get("Cache-Control"))
	assert.Contains(t, res.Header.Values("Vary"), "Authorization")
	var body map[string][]map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
	require.Len(t, body["photos"], 2)
	first, second := body["photos"][0], body["photos"][1]
	sum := sha256.Sum256(photoPNG)
	assert.Equal(t, map[string]any{"index": 1.0, "url": "/api/v1/reports/41/photos/1", "content_type": "image/png",
		"size": float64(len(photoPNG)), "sha256": hex.EncodeToString(sum[:]), "uploaded_at": "2026-03-02T09:01:00Z",
		"event_id": nil, "action": "report"}, first)
	assert.Equal(t, 55.0, second["event_id"])
	assert.Equal(t, "resolve", second["action"])
	assert.Equal(t, "image/jpeg", second["content_type"])

	// A case without photos has an empty list, and no photo URLs in its JSON.
	res = photoGet(s, http.MethodGet, "/api/v1/reports/43/photos", owner)
	require.Equal(t, http.StatusOK, res.StatusCode)
	raw, _ := io.ReadAll(res.Body)
	assert.JSONEq(t, `{"photos":[]}`, string(raw))
	res = photoGet(s, http.MethodGet, "/api/v1/reports/43", owner)
	raw, _ = io.ReadAll(res.Body)
	assert.NotContains(t, string(raw), `"photos"`)
}

func TestPhotoBytes(t *testing.T) {
	s, tk, _ := photoServer(t)
	worker := issue(t, tk, dispatch.Actor{Role: dispatch.RoleGridWorker, Unit: photoGrid, Subject: "w1"}, time.Hour, t0)
	for _, tc := range []struct {
		n    string
		body []byte
		ct   string
	}{{"1", photoPNG, "image/png"}, {"2", photoJPEG, "image/jpeg"}} {
		res := photoGet(s, http.MethodGet, "/api/v1/reports/41/photos/"+tc.n, worker)
		require.Equal(t, http.StatusOK, res.StatusCode)
		got, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(tc.body, got), "photo %s byte for byte", tc.n)
		sum := sha256.Sum256(tc.body)
		etag := `"` + hex.EncodeToString(sum[:]) + `"`
		h := res.Header
		assert.Equal(t, tc.ct, h.Get("Content-Type"))
		assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
		assert.Equal(t, "inline", h.Get("Content-Disposition"))
		assert.Equal(t, etag, h.Get("ETag"))
		assert.Equal(t, "private", h.Get("Cache-Control"))
		assert.Contains(t, h.Values("Vary"), "Authorization")
		assert.Equal(t, len(tc.body), int(res.ContentLength))

		// Revalidation: the strong tag, also as a weak one or in a list, or *, is 304 without a body.
		for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
			res := photoGet(s, http.MethodGet, "/api/v1/reports/41/photos/"+tc.n, worker, "If-None-Match", inm)
			assert.Equal(t, http.StatusNotModified, res.StatusCode, inm)
			assert.Equal(t, etag, res.Header.Get("ETag"))
			assert.Equal(t, "private", res.Header.Get("Cache-Control"))
			b, _ := io.ReadAll(res.Body)
			assert.Empty(t, b)
		}
		res = photoGet(s, http.MethodGet, "/api/v1/reports/41/photos/"+tc.n, worker, "If-None-Match", `"other"`)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		// HEAD: the headers alone.
		res = photoGet(s, http.MethodHead, "/api/v1/reports/41/photos/"+tc.n, worker)
		assert.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, tc.ct, res.Header.Get("Content-Type"))
		b, _ := io.ReadAll(res.Body)
		assert.Empty(t, b)
	}
}

func TestPhotoBadRequests(t *testing.T) {
	s, tk, photos := photoServer(t)
	worker := issue(t, tk, dispatch.Actor{Role: dispatch.RoleGridWorker, Unit: photoGrid, Subject: "w1"}, time.Hour, t0)
	for _, tc := range []struct {
		path   string
		tok    string
		status int
		code   string
		field  string
	}{
		{"/api/v1/reports/abc/photos", worker, 400, "invalid_argument", "id"},
		{"/api/v1/reports/0/photos", worker, 400, "invalid_argument", "id"},
		{"/api/v1/reports/-1/photos/1", worker, 400, "invalid_argument", "id"},
		{"/api/v1/reports/99999999999999999999/photos/1", worker, 400, "invalid_argument", "id"},
		{"/api/v1/reports/41/photos/abc", worker, 400, "invalid_argument", "n"},
		{"/api/v1/reports/41/photos/0", worker, 400, "invalid_argument", "n"},
		{"/api/v1/reports/41/photos/-2", worker, 400, "invalid_argument", "n"},
		{"/api/v1/reports/41/photos/1.5", worker, 400, "invalid_argument", "n"},
		{"/api/v1/reports/41/photos/99999999999", worker, 400, "invalid_argument", "n"},
		{"/api/v1/reports/abc/photos/1", "", 400, "invalid_argument", "id"},
		{"/api/v1/reports/41/photos/3", worker, 404, "not_found", ""},
		{"/api/v1/reports/43/photos/1", worker, 404, "not_found", ""},
		{"/api/v1/reports/77/photos", worker, 404, "not_found", ""},
		{"/api/v1/reports/77/photos/1", worker, 404, "not_found", ""},
		{"/api/v1/reports/41/photos", "gg1.bad.token", 401, "unauthenticated", ""},
		{"/api/v1/reports/41/photos/1", "gg1.bad.token", 401, "unauthenticated", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res := photoGet(s, http.MethodGet, tc.path, tc.tok)
			require.Equal(t, tc.status, res.StatusCode)
			e := errorBody(t, res)
			assert.Equal(t, tc.code, e["code"])
			if tc.field != "" {
				assert.Equal(t, tc.field, e["field"])
			}
		})
	}
	// Those who may not see the photos are refused before any photo is read.
	before := photos.reads
	for _, path := range []string{"/api/v1/reports/41/photos", "/api/v1/reports/41/photos/1", "/api/v1/reports/41"} {
		photoGet(s, http.MethodGet, path, "")
	}
	assert.Equal(t, before, photos.reads)
}

// TestPhotoWithoutStore: a server without a photo store has no photos, rather than failing.
func TestPhotoWithoutStore(t *testing.T) {
	s, tk, _ := photoServer(t)
	s.Photos = nil
	s.mux = newRouteMux()
	s.routes()
	worker := issue(t, tk, dispatch.Actor{Role: dispatch.RoleGridWorker, Unit: photoGrid, Subject: "w1"}, time.Hour, t0)
	res := photoGet(s, http.MethodGet, "/api/v1/reports/41/photos", worker)
	require.Equal(t, http.StatusOK, res.StatusCode)
	raw, _ := io.ReadAll(res.Body)
	assert.JSONEq(t, `{"photos":[]}`, string(raw))
	res = photoGet(s, http.MethodGet, "/api/v1/reports/41/photos/1", worker)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res = photoGet(s, http.MethodGet, "/api/v1/reports/41", worker)
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

// FuzzPhotoPath: whatever {id} and {n} say, the photo routes answer 200, 400 or 404 — never a server error, and
// never a photo of a case the asker may not see in full.
func FuzzPhotoPath(f *testing.F) {
	for _, seed := range [][2]string{{"41", "1"}, {"41", "2"}, {"42", "1"}, {"0", "1"}, {"41", "0"}, {"41", "-1"},
		{"abc", "1"}, {"41", "1e3"}, {"9223372036854775807", "1"}, {"41", "9223372036854775808"}, {"41", " 1"}} {
		f.Add(seed[0], seed[1], true)
	}
	s, tk, _ := photoServer(f)
	worker := issue(f, tk, dispatch.Actor{Role: dispatch.RoleGridWorker, Unit: photoGrid, Subject: "w1"}, time.Hour, t0)
	f.Fuzz(func(t *testing.T, id, n string, withToken bool) {
		tok := ""
		if withToken {
			tok = worker
		}
		for _, path := range []string{"/api/v1/reports/" + url.PathEscape(id) + "/photos/" + url.PathEscape(n),
			"/api/v1/reports/" + url.PathEscape(id) + "/photos"} {
			res := photoGet(s, http.MethodGet, path, tok)
			switch res.StatusCode {
			case http.StatusOK:
				require.True(t, withToken, "%s answered without a token", path)
			case http.StatusBadRequest, http.StatusNotFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect:
			default:
				t.Fatalf("%s: %d", path, res.StatusCode)
			}
		}
	})
}
