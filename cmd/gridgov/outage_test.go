package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/api"
	"gridgov/data"
)

// Bounds of TestDatabaseOutage. They are liveness bounds, not performance figures: a request that fails fast takes
// milliseconds, and the bounds only tell "answered" from "hung". answerBound is far above the server's own
// deadlines on a dead database (a connection attempt is refused at once; a black-holed one gives up after the
// 5 s connect timeout); recoverBound is the five seconds the service promises, against a listener that retries
// every second and a pool that pings a connection idle for more than a second before handing it out.
//
// A frozen database (SIGSTOP: connections are accepted by the kernel but nothing answers) is the slow case: a
// request then waits for its own deadline (api.RequestTimeout), so freezeBound is that deadline plus slack.
const (
	answerBound  = 10 * time.Second
	freezeBound  = api.RequestTimeout + 5*time.Second
	recoverBound = 5 * time.Second
)

// answer is one request's outcome.
type answer struct {
	status int
	body   map[string]any
	header http.Header
	took   time.Duration
	err    error // no answer: a transport error or the client's own timeout (a hang)
}

// loadClient sends reports, each under its own Idempotency-Key, and remembers what was acknowledged.
type loadClient struct {
	base   string
	http   *http.Client
	cats   []string
	points [][2]float64
	prefix string

	mu       sync.Mutex
	acked    map[string]int64 // key → case id of a 201
	unacked  map[string]bool  // keys sent without a 201 (yet)
	statuses map[int]int
	slowest  time.Duration
	hung     []string
	bad503   []string // 503s that are not the JSON error with code unavailable
	n        atomic.Int64
}

func (lc *loadClient) report(key string) []byte {
	h := 0
	for _, c := range key {
		h = h*31 + int(c)
	}
	if h < 0 {
		h = -h
	}
	p := lc.points[h%len(lc.points)]
	b, _ := json.Marshal(map[string]any{"category": lc.cats[h%len(lc.cats)], "description": "outage report " + key,
		"lon": p[0], "lat": p[1], "channel": "app"})
	return b
}

func (lc *loadClient) post(key string) answer {
	return do(lc.http, "POST", lc.base+"/api/v1/reports", lc.report(key), "Idempotency-Key", key)
}

func do(c *http.Client, method, url string, body []byte, headers ...string) answer {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	res, err := c.Do(req)
	if err != nil {
		return answer{err: err, took: time.Since(start)}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	a := answer{status: res.StatusCode, header: res.Header, took: time.Since(start), err: err}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

// errorCode is the code of a JSON error answer.
func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (lc *loadClient) record(key string, a answer) {
	lc.n.Add(1)
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.slowest = max(lc.slowest, a.took)
	if a.err != nil {
		lc.hung = append(lc.hung, fmt.Sprintf("%s: %v after %v", key, a.err, a.took.Round(time.Millisecond)))
		lc.unacked[key] = true
		return
	}
	lc.statuses[a.status]++
	switch a.status {
	case http.StatusCreated:
		id, _ := a.body["id"].(float64)
		if prev, ok := lc.acked[key]; ok && prev != int64(id) {
			lc.hung = append(lc.hung, fmt.Sprintf("%s: acknowledged as case %d and then as %d", key, prev, int64(id)))
		}
		lc.acked[key] = int64(id)
		delete(lc.unacked, key)
	case http.StatusServiceUnavailable:
		if errorCode(a.body) != "unavailable" || a.header.Get("Retry-After") == "" {
			lc.bad503 = append(lc.bad503, fmt.Sprintf("%s: %v %v", key, a.body, a.header))
		}
		lc.unacked[key] = true
	default:
		lc.unacked[key] = true
	}
}

// run sends reports from workers concurrent clients until ctx ends.
func (lc *loadClient) run(ctx context.Context, workers int) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				key := fmt.Sprintf("%s-w%d-%d", lc.prefix, w, i)
				a := lc.post(key)
				lc.record(key, a)
				pause := time.Duration(rand.IntN(20)) * time.Millisecond
				if a.status != http.StatusCreated {
					pause += 100 * time.Millisecond // a client backs off (if not for Retry-After's two seconds)
				}
				if ctx.Err() == nil {
					time.Sleep(pause)
				}
			}
		}()
	}
	return &wg
}

// feedWatcher follows the live feed (GET /api/v1/stream) and collects the ids of the cases it names.
type feedWatcher struct {
	mu  sync.Mutex
	ids map[int64]bool
}

func watchFeed(t *testing.T, ctx context.Context, base string) *feedWatcher {
	fw := &feedWatcher{ids: map[int64]bool{}}
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/stream", nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	go func() {
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev struct {
				Case struct {
					ID int64 `json:"id"`
				} `json:"case"`
			}
			if json.Unmarshal([]byte(line), &ev) == nil {
				fw.mu.Lock()
				fw.ids[ev.Case.ID] = true
				fw.mu.Unlock()
			}
		}
	}()
	return fw
}

func (fw *feedWatcher) missing(ids map[string]int64) []int64 {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	var out []int64
	for _, id := range ids {
		if !fw.ids[id] {
			out = append(out, id)
		}
	}
	return out
}

// TestDatabaseOutage stops the database under load, first as a crash (pg_ctl stop -m immediate), then as an
// orderly shutdown (-m fast): every request must still be answered, a report with 503 and the JSON error
// "unavailable", /healthz with 503 naming the failed check; within five seconds of the database accepting
// connections again the server must be healthy and accept reports by itself, every acknowledged case must be in
// the database, retries under the same Idempotency-Key must create nothing twice, and the live feed must have
// caught up with what was committed while its LISTEN connection was down.
func TestDatabaseOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL cluster")
	}
	pg := newCluster(t)
	url := pg.url("gridgov")
	_, stderr, err := gridgov(t, url, "demo", "--seed", "3", "--cases", "1")
	require.NoError(t, err, stderr)

	lc := &loadClient{http: &http.Client{Timeout: 3 * answerBound}, acked: map[string]int64{},
		unacked: map[string]bool{}, statuses: map[int]int{}}
	func() {
		pool, err := data.Open(context.Background(), url)
		require.NoError(t, err)
		defer pool.Close()
		rows, err := pool.Query(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p
			FROM units WHERE level = 'building' ORDER BY code) u`)
		require.NoError(t, err)
		for rows.Next() {
			var p [2]float64
			require.NoError(t, rows.Scan(&p[0], &p[1]))
			lc.points = append(lc.points, p)
		}
		require.NoError(t, rows.Err())
		require.NotEmpty(t, lc.points)
	}()

	var logs syncBuffer
	// De-duplication off: every report is a case of its own, so the feed must name every acknowledged id.
	base := serveEnv(t, url, map[string]string{"GRIDGOV_DEDUP_RADIUS_M": "0"}, &logs)
	lc.base = base
	var list []struct {
		Code   string `json:"code"`
		Public bool   `json:"public"`
	}
	res, err := http.Get(base + "/api/v1/categories")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(res.Body).Decode(&list))
	res.Body.Close()
	for _, c := range list {
		if c.Public {
			lc.cats = append(lc.cats, c.Code)
		}
	}
	require.NotEmpty(t, lc.cats)

	fctx, stopFeed := context.WithCancel(context.Background())
	defer stopFeed()
	feed := watchFeed(t, fctx, base)
	health := func() answer { return do(lc.http, "GET", base+"/healthz", nil) }

	for _, mode := range []string{"immediate", "fast", "freeze"} {
		bound, stop, start := answerBound, func() error { return pg.stop(mode) }, pg.start
		if mode == "freeze" {
			bound = freezeBound
			stop = func() error { return pg.signal(syscall.SIGSTOP) }
			start = func() error { return pg.signal(syscall.SIGCONT) }
		}
		lc.mu.Lock()
		lc.slowest = 0
		lc.mu.Unlock()
		t.Logf("— outage: %s —", map[string]string{"immediate": "pg_ctl stop -m immediate", "fast": "pg_ctl stop -m fast", "freeze": "SIGSTOP to every server process"}[mode])
		lc.prefix = "outage-" + mode
		ctx, stopLoad := context.WithCancel(context.Background())
		wg := lc.run(ctx, 6)
		eventually(t, 30*time.Second, "reports accepted before the outage", func() bool {
			lc.mu.Lock()
			defer lc.mu.Unlock()
			return lc.statuses[http.StatusCreated] >= 50*(1+boolInt(mode == "fast"))
		})

		stopped := time.Now()
		require.NoError(t, stop())
		t.Logf("database stopped in %v", time.Since(stopped).Round(time.Millisecond))

		// A report is answered 503 "unavailable" with Retry-After, /healthz 503 naming the database.
		var first503, firstHealth503 time.Duration
		eventually(t, bound, "a report answered 503 unavailable", func() bool {
			a := lc.post(fmt.Sprintf("%s-probe-%d", lc.prefix, rand.Int64()))
			assert.NoError(t, a.err)
			assert.Less(t, a.took, bound)
			if a.status == http.StatusServiceUnavailable {
				assert.Equal(t, "unavailable", errorCode(a.body), "%v", a.body)
				assert.NotEmpty(t, a.header.Get("Retry-After"))
				first503 = time.Since(stopped)
				return true
			}
			t.Logf("database stopped, yet a report was answered %d %v %v", a.status, a.body, a.err)
			return false
		})
		eventually(t, bound, "/healthz 503", func() bool {
			a := health()
			assert.NoError(t, a.err)
			if a.status != http.StatusServiceUnavailable {
				return false
			}
			firstHealth503 = time.Since(stopped)
			assert.Equal(t, "unavailable", a.body["status"])
			assert.Equal(t, "unavailable", errorCode(a.body))
			checks, _ := a.body["checks"].(map[string]any)
			assert.NotEqual(t, "ok", checks["database"], "%v", a.body)
			return true
		})
		t.Logf("first 503 after %v, /healthz 503 after %v", first503.Round(time.Millisecond),
			firstHealth503.Round(time.Millisecond))
		time.Sleep(2 * time.Second) // the load keeps running against the dead database

		require.NoError(t, start())
		back := time.Now()
		var healthy, accepted time.Duration
		eventually(t, recoverBound, "healthy again and accepting reports", func() bool {
			if healthy == 0 {
				if a := health(); a.status != http.StatusOK {
					return false
				}
				healthy = time.Since(back)
			}
			a := lc.post(fmt.Sprintf("%s-after-%d", lc.prefix, rand.Int64()))
			if a.status != http.StatusCreated {
				return false
			}
			accepted = time.Since(back)
			return true
		})
		stopLoad()
		wg.Wait()
		lc.mu.Lock()
		slowest := lc.slowest
		lc.mu.Unlock()
		assert.Less(t, slowest, bound, "-m %s: every request answered in bounded time", mode)
		t.Logf("after the database accepted connections again: /healthz 200 in %v, a report accepted in %v; "+
			"slowest answer of the phase %v", healthy.Round(time.Millisecond), accepted.Round(time.Millisecond),
			slowest.Round(time.Millisecond))
	}

	// Every request was answered in bounded time, and every 503 was the JSON error with Retry-After.
	assert.Empty(t, lc.hung, "requests without an answer")
	assert.Empty(t, lc.bad503, "503s without the unavailable JSON error and Retry-After")

	// Retry what was not acknowledged, under the same keys; nothing may be created twice.
	for key := range lc.unacked {
		a := lc.post(key)
		require.Equal(t, http.StatusCreated, a.status, "retry %s: %v", key, a.body)
		lc.record(key, a)
	}
	require.Empty(t, lc.unacked)

	pool, err := data.Open(context.Background(), url)
	require.NoError(t, err)
	defer pool.Close()
	ids := make([]int64, 0, len(lc.acked))
	keys := make([]string, 0, len(lc.acked))
	for k, id := range lc.acked {
		ids, keys = append(ids, id), append(keys, "outage report "+k)
	}
	var found, descs, distinct int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM cases WHERE id = ANY($1)`, ids).Scan(&found))
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*), count(DISTINCT description) FROM cases
		WHERE description = ANY($1)`, keys).Scan(&descs, &distinct))
	assert.Equal(t, len(ids), found, "every acknowledged case is in the database")
	assert.Equal(t, len(keys), descs, "one case per key, no duplicates from retries")
	assert.Equal(t, len(keys), distinct)

	// The live feed caught up with everything, including what was committed while it was not listening.
	eventually(t, recoverBound, "the live feed names every acknowledged case", func() bool {
		return len(feed.missing(lc.acked)) == 0
	})
	t.Logf("requests %d, acknowledged %d, statuses %v, slowest answer %v; feed missing %d",
		lc.n.Load(), len(lc.acked), lc.statuses, lc.slowest.Round(time.Millisecond), len(feed.missing(lc.acked)))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// eventually polls cond every 50 ms until it holds, failing the test after d.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
