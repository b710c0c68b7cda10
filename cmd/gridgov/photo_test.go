package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinyJPEG encodes a 4 × 4 JPEG.
func tinyJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, nil))
	return b.Bytes()
}

// getRaw sends a GET with an optional bearer token and headers and returns the answer with its body read.
func getRaw(t *testing.T, base, path, tok string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, base+path, nil)
	require.NoError(t, err)
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

// TestCasePhotos reports a case with a PNG and a JPEG through the real database, resolves it with a photo, and
// reads the photos back byte for byte as the reporter and as staff of the case's grid; the public and staff of a
// sibling grid get 404.
func TestCasePhotos(t *testing.T) {
	url, c, pool := cityDB(t)
	compound, lon, lat := someCompound(t, pool, "370781006033")
	grid := compound.ParentCode
	community := grid[:12]
	var sibling string
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT code FROM units WHERE level = 'grid'
		AND parent_code = $1 AND code <> $2 ORDER BY code LIMIT 1`, community, grid).Scan(&sibling))
	reporter := token(t, url, "resident", community, "resident:photo")
	worker := token(t, url, "grid_worker", grid, "photo-worker")
	siblingWorker := token(t, url, "grid_worker", sibling, "photo-sibling")
	otherResident := token(t, url, "resident", community, "resident:neighbour")
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

	png, err := base64.StdEncoding.DecodeString(onePixelPNG[len("data:image/png;base64,"):])
	require.NoError(t, err)
	jpg := tinyJPEG(t)
	res, created := c.do("POST", "/api/v1/reports", map[string]any{"category": "sanitation", "description": "楼道垃圾",
		"lat": lat, "lon": lon, "photos": []string{onePixelPNG, "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(jpg)}},
		bearer(reporter)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", created)
	id := int64(created["id"].(float64))
	base := fmt.Sprintf("/api/v1/reports/%d", id)

	// The grid worker hears it as immediate and resolves it with a photo (the PNG again).
	res, out := c.do("POST", base+"/events", map[string]any{"action": "hear", "classification": "immediate"}, bearer(worker)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", out)
	res, out = c.do("POST", base+"/events", map[string]any{"action": "resolve", "note": "已清理",
		"photos": []string{onePixelPNG}}, bearer(worker)...)
	require.Equal(t, http.StatusCreated, res.StatusCode, "%v", out)

	want := [][]byte{png, jpg, png}
	types := []string{"image/png", "image/jpeg", "image/png"}
	for who, tok := range map[string]string{"reporter": reporter, "grid worker": worker} {
		res, got := c.do("GET", base, nil, bearer(tok)...)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, []any{base + "/photos/1", base + "/photos/2", base + "/photos/3"}, got["photos"], who)

		res, list := c.do("GET", base+"/photos", nil, bearer(tok)...)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s: %v", who, list)
		assert.Equal(t, "private", res.Header.Get("Cache-Control"))
		photos := list["photos"].([]any)
		require.Len(t, photos, 3, who)
		for i, p := range photos {
			p := p.(map[string]any)
			sum := sha256.Sum256(want[i])
			assert.Equal(t, float64(i+1), p["index"])
			assert.Equal(t, fmt.Sprintf("%s/photos/%d", base, i+1), p["url"])
			assert.Equal(t, types[i], p["content_type"])
			assert.Equal(t, float64(len(want[i])), p["size"])
			assert.Equal(t, hex.EncodeToString(sum[:]), p["sha256"])
			assert.NotEmpty(t, p["uploaded_at"])
			if i < 2 {
				assert.Nil(t, p["event_id"], "sent with the report")
				assert.Equal(t, "report", p["action"])
			} else {
				assert.NotNil(t, p["event_id"])
				assert.Equal(t, "resolve", p["action"])
			}

			res, body := getRaw(t, c.base, fmt.Sprintf("%s/photos/%d", base, i+1), tok)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s photo %d: %s", who, i+1, body)
			assert.True(t, bytes.Equal(want[i], body), "%s photo %d byte for byte", who, i+1)
			assert.Equal(t, types[i], res.Header.Get("Content-Type"))
			assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
			assert.Equal(t, "inline", res.Header.Get("Content-Disposition"))
			assert.Equal(t, "private", res.Header.Get("Cache-Control"))
			etag := `"` + hex.EncodeToString(sum[:]) + `"`
			assert.Equal(t, etag, res.Header.Get("ETag"))
			res, body = getRaw(t, c.base, fmt.Sprintf("%s/photos/%d", base, i+1), tok, "If-None-Match", etag)
			assert.Equal(t, http.StatusNotModified, res.StatusCode)
			assert.Empty(t, body)
		}
		res, body := getRaw(t, c.base, base+"/photos/4", tok)
		assert.Equal(t, http.StatusNotFound, res.StatusCode)
		assert.Contains(t, string(body), `"code":"not_found"`)
		res, body = getRaw(t, c.base, base+"/photos/x", tok)
		assert.Equal(t, http.StatusBadRequest, res.StatusCode)
		assert.Contains(t, string(body), `"field":"n"`)
	}

	// Everyone else: the public view of the case has no photos, and the photos do not exist.
	for who, tok := range map[string]string{"the public": "", "a sibling grid's worker": siblingWorker,
		"another resident": otherResident} {
		var h []string
		if tok != "" {
			h = bearer(tok)
		}
		res, got := c.do("GET", base, nil, h...)
		require.Equal(t, http.StatusOK, res.StatusCode, who)
		assert.NotContains(t, got, "photos", who)
		for _, p := range []string{"/photos", "/photos/1", "/photos/2", "/photos/3"} {
			res, body := getRaw(t, c.base, base+p, tok)
			assert.Equal(t, http.StatusNotFound, res.StatusCode, "%s %s", who, p)
			assert.Contains(t, string(body), `"code":"not_found"`, "%s %s", who, p)
			assert.False(t, bytes.Contains(body, png[8:]), "%s %s", who, p)
		}
	}
	res, body := getRaw(t, c.base, "/api/v1/reports/abc/photos/1", worker)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, string(body), `"field":"id"`)
}
