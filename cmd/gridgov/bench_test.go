package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
)

// intakePoint is a point inside a grid of the demo city and a category, for benchmark reports.
type intakePoint struct {
	lon, lat float64
	category string
}

// benchPoints returns n distinct random points inside the city's compounds, each with a random category.
func benchPoints(b *testing.B, pool *data.Pool, n int) []intakePoint {
	b.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT ST_X(p), ST_Y(p), c.code FROM (
			SELECT (ST_Dump(ST_GeneratePoints(geom, $1, 7))).geom AS p FROM units WHERE level = 'building') g,
		LATERAL (SELECT code FROM categories ORDER BY md5(ST_AsText(g.p) || code) LIMIT 1) c`, n/1335+1)
	require.NoError(b, err)
	var all []intakePoint
	for rows.Next() {
		var p intakePoint
		require.NoError(b, rows.Scan(&p.lon, &p.lat, &p.category))
		all = append(all, p)
	}
	require.NoError(b, rows.Err())
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:n]
}

// BenchmarkIntake compares, in one run and at the same concurrency, intake over HTTP (locate, classify, route,
// deadline, de-duplicate, idempotency key, case + first event + points, committed before the 201) with a bare
// autocommit INSERT of the same case rows. Reports cases/s for both and their ratio.
//
//	go test -run '^$' -bench Intake -benchtime 20000x ./cmd/gridgov/
func BenchmarkIntake(b *testing.B) {
	url := pgtest.NewDatabase(b)
	var out bytes.Buffer
	require.NoError(b, run(context.Background(), []string{"demo", "--seed", "5", "--cases", "1"}, envFor(url), &out, io.Discard))
	pool, err := data.Open(context.Background(), url)
	require.NoError(b, err)
	defer pool.Close()
	base := serveCity(b, url)
	const clients = 64
	n := max(b.N, 500)
	pts := benchPoints(b, pool, n+200)

	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	var seq atomic.Int64
	post := func() error {
		i := seq.Add(1)
		p := pts[int(i)%len(pts)]
		body, _ := json.Marshal(map[string]any{"category": p.category, "description": "基准测试上报",
			"lat": p.lat, "lon": p.lon, "reporter": map[string]string{"phone": "17100000000"}})
		req, _ := http.NewRequest("POST", base+"/api/v1/reports", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", i))
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}
	insert := func() error {
		i := seq.Add(1)
		p := pts[int(i)%len(pts)]
		_, err := pool.Exec(context.Background(), `INSERT INTO cases (category, description, channel, geom, orig_lon,
				orig_lat, h3, status, classification, reporter_phone, due_at)
			VALUES ($1, '基准测试上报', 'app', ST_SetSRID(ST_MakePoint($2, $3), 4326), $2, $3, 0, 'reported', 'pending',
				'17100000000', now() + interval '3 days')`, p.category, p.lon, p.lat)
		return err
	}
	rate := func(n int, fn func() error) float64 {
		var wg sync.WaitGroup
		var left atomic.Int64
		left.Store(int64(n))
		var failed atomic.Value
		start := time.Now()
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for left.Add(-1) >= 0 {
					if err := fn(); err != nil {
						failed.Store(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		if err, _ := failed.Load().(error); err != nil {
			b.Fatal(err)
		}
		return float64(n) / time.Since(start).Seconds()
	}
	rate(200, post) // warm up connections and caches
	b.ResetTimer()
	httpRate := rate(n, post)
	b.StopTimer()
	insertRate := rate(n, insert)
	b.ReportMetric(httpRate, "intake_cases/s")
	b.ReportMetric(insertRate, "bare_insert_rows/s")
	b.ReportMetric(httpRate/insertRate, "ratio")
}
