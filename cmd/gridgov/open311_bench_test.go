package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
)

// BenchmarkOpen311 reads Open311 service requests from the demo city (seed 1, scale 1) served on loopback: a
// page of 1,000 requests with and without extensions (the extension adds every case's history), and
// servicerequestupdates over 30 days (the histories of its 500 cases). In the same run, the histories of the
// page's 1,000 cases from the store: one query per case, as the handlers did, against one batched query.
//
//	REQUIRE_TEST_DB=1 go test -run '^$' -bench Open311 ./cmd/gridgov/
func BenchmarkOpen311(b *testing.B) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(b)
	require.NoError(b, run(ctx, []string{"demo", "--seed", "1"}, envFor(dbURL), io.Discard, io.Discard))
	base := serveCity(b, dbURL)
	client := &http.Client{Timeout: time.Minute}
	get := func(b *testing.B, path string) []map[string]any {
		res, err := client.Get(base + path)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("%s: %d %v %.200s", path, res.StatusCode, err, raw)
		}
		var out []map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			b.Fatal(err)
		}
		return out
	}
	since := url.QueryEscape(time.Now().Add(-30 * 24 * time.Hour).Format(time.RFC3339))
	for _, c := range []struct{ name, path string }{
		{"requests/extensions", "/open311/v2/requests.json?page_size=1000&extensions=true"},
		{"requests/plain", "/open311/v2/requests.json?page_size=1000"},
		{"updates", "/open311/v2/servicerequestupdates.json?start_date=" + since},
	} {
		b.Logf("%s: %d items", c.name, len(get(b, c.path)))
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				get(b, c.path)
			}
		})
	}

	pool, err := data.Open(ctx, dbURL)
	require.NoError(b, err)
	defer pool.Close()
	store := data.NewCaseStore(pool)
	defer store.Close()
	var ids []int64
	for _, r := range get(b, "/open311/v2/requests.json?page_size=1000") {
		var id int64
		require.NoError(b, json.Unmarshal([]byte(r["service_request_id"].(string)), &id))
		ids = append(ids, id)
	}
	b.Run("histories/per-case", func(b *testing.B) {
		for b.Loop() {
			for _, id := range ids {
				if _, err := store.Events(ctx, id); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("histories/batched", func(b *testing.B) {
		for b.Loop() {
			if _, err := store.Histories(ctx, ids); err != nil {
				b.Fatal(err)
			}
		}
	})
}
