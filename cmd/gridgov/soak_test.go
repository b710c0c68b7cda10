//go:build soak

// The crash-safety soak (`make soak`, RELIABILITY.md): not part of `make test`, since it runs for a minute or
// two. It builds the gridgov binary, serves a throwaway database on a loopback port, sends reports with
// Idempotency-Keys from concurrent clients, kills the server with SIGKILL at random moments and starts it again,
// while the clients retry every unacknowledged request under the same key. At the end every key must have exactly
// one case or supporter link, every acknowledged answer must be in the database as it was acknowledged, and a
// replayed key must answer what it answered first.
//
//	SOAK_KILLS=25 SOAK_CLIENTS=8 make soak
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
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// ack is what the server acknowledged (201) for a key.
type ack struct {
	id          int64
	duplicateOf int64
}

type soakStats struct {
	sent, created, replayed, unavailable, refused, other atomic.Int64
	retriedKeys                                          atomic.Int64 // keys sent again after an attempt without an answer
	committedUnack                                       atomic.Int64 // of those, keys whose unanswered attempt had committed (the retry was a replay)
}

// soakServer is the gridgov binary serving the soak's database.
type soakServer struct {
	bin, url, addr, logPath string
	cmd                     *exec.Cmd
	log                     *os.File
}

// start runs `gridgov serve` and waits until it says where it serves.
func (s *soakServer) start(t *testing.T) time.Duration {
	t.Helper()
	begin := time.Now()
	s.cmd = exec.Command(s.bin, "serve", "--addr", s.addr)
	s.cmd.Env = append(os.Environ(), "GRIDGOV_DATABASE_URL="+s.url, "GRIDGOV_RATE_PUBLIC=off")
	s.cmd.Stderr = s.log
	out, err := s.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err, "serve did not start; see %s", s.logPath)
	require.Contains(t, line, "gridgov serving on")
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return time.Since(begin)
}

func (s *soakServer) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGKILL))
	_ = s.cmd.Wait()
}

func (s *soakServer) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, s.cmd.Wait(), "graceful shutdown")
}

func TestSoak(t *testing.T) {
	kills, clients := envInt("SOAK_KILLS", 25), envInt("SOAK_CLIENTS", 8)
	t.Logf("soak: %d kills, %d clients (SOAK_KILLS, SOAK_CLIENTS)", kills, clients)
	// Not t.TempDir: the server's log stays behind when the soak fails.
	dir, err := os.MkdirTemp("", "gridgov-soak-")
	require.NoError(t, err)
	t.Cleanup(func() {
		if !t.Failed() {
			_ = os.RemoveAll(dir)
		}
	})
	srv := &soakServer{bin: filepath.Join(dir, "gridgov"), url: pgtest.NewDatabase(t),
		addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), logPath: filepath.Join(dir, "serve.log")}
	build := exec.Command("go", "build", "-o", srv.bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	_, stderr, err := gridgov(t, srv.url, "demo", "--seed", "5", "--cases", "1")
	require.NoError(t, err, stderr)
	srv.log, err = os.Create(srv.logPath)
	require.NoError(t, err)
	defer srv.log.Close()

	// Reports go to the compounds' points with every category: de-duplication (50 m, same category, open case)
	// links some of them to an earlier case as supporters, and the checks below count a supporter link as the
	// key's one row just as they count a new case.
	pool, err := data.Open(context.Background(), srv.url)
	require.NoError(t, err)
	defer pool.Close()
	var points [][2]float64
	rows, err := pool.Query(context.Background(), `SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p
		FROM units WHERE level = 'building' ORDER BY code) u`)
	require.NoError(t, err)
	for rows.Next() {
		var p [2]float64
		require.NoError(t, rows.Scan(&p[0], &p[1]))
		points = append(points, p)
	}
	require.NoError(t, rows.Err())
	var cats []string
	rows, err = pool.Query(context.Background(), `SELECT code FROM categories ORDER BY code`)
	require.NoError(t, err)
	for rows.Next() {
		var c string
		require.NoError(t, rows.Scan(&c))
		cats = append(cats, c)
	}
	require.NoError(t, rows.Err())
	require.NotEmpty(t, points)
	require.NotEmpty(t, cats)

	var stats soakStats
	var mu sync.Mutex
	acked := map[string]ack{}
	var violations []string
	violate := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		violations = append(violations, fmt.Sprintf(format, args...))
	}
	httpc := &http.Client{Timeout: 15 * time.Second}
	base := "http://" + srv.addr
	body := func(key string, rng *rand.Rand) []byte {
		p := points[rng.IntN(len(points))]
		b, _ := json.Marshal(map[string]any{"category": cats[rng.IntN(len(cats))], "description": "soak " + key,
			"lon": p[0], "lat": p[1], "reporter": map[string]string{"phone": "139" + strconv.Itoa(10000000+rng.IntN(89999999))}})
		return b
	}
	// send posts one key's report until the server acknowledges it, as a client whose request may have been lost
	// would: the same body under the same key.
	send := func(ctx context.Context, key string, b []byte, replay *ack) {
		unanswered := false
		for {
			stats.sent.Add(1)
			req, _ := http.NewRequest("POST", base+"/api/v1/reports", bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", key)
			res, err := httpc.Do(req)
			if err != nil {
				stats.refused.Add(1) // the server is down, restarting, or died under the request
				if !unanswered && replay == nil {
					stats.retriedKeys.Add(1)
				}
				unanswered = true
				time.Sleep(20 * time.Millisecond)
				continue
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			switch res.StatusCode {
			case http.StatusCreated:
				stats.created.Add(1)
				var c struct {
					ID          int64  `json:"id"`
					DuplicateOf *int64 `json:"duplicate_of"`
				}
				if err := json.Unmarshal(raw, &c); err != nil || c.ID == 0 {
					violate("%s: 201 without a case: %s", key, raw)
					return
				}
				a := ack{id: c.ID}
				if c.DuplicateOf != nil {
					a.duplicateOf = *c.DuplicateOf
				}
				if res.Header.Get("Idempotent-Replayed") == "true" {
					stats.replayed.Add(1)
					if unanswered && replay == nil {
						stats.committedUnack.Add(1)
					}
				}
				mu.Lock()
				prev, seen := acked[key]
				acked[key] = a
				mu.Unlock()
				if replay != nil && res.Header.Get("Idempotent-Replayed") != "true" {
					violate("%s: a replay was not marked Idempotent-Replayed", key)
				}
				if seen && prev != a {
					violate("%s: acknowledged as %+v, then as %+v", key, prev, a)
				}
				return
			case http.StatusServiceUnavailable:
				stats.unavailable.Add(1)
				time.Sleep(50 * time.Millisecond)
			default:
				stats.other.Add(1)
				violate("%s: %d %s", key, res.StatusCode, raw)
				return
			}
			if ctx.Err() != nil && replay != nil {
				return
			}
		}
	}

	start := time.Now()
	srv.start(t)
	ctx, stopClients := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), uint64(start.UnixNano())))
			for i := 0; ctx.Err() == nil; i++ {
				key := fmt.Sprintf("soak-%d-c%d-%d", start.Unix(), c, i)
				b := body(key, rng)
				send(ctx, key, b, nil)
				// Now and then a client sends an acknowledged request again: it must be answered, not repeated.
				if rng.IntN(20) == 0 {
					mu.Lock()
					a, ok := acked[key]
					mu.Unlock()
					if ok {
						send(ctx, key, b, &a)
					}
				}
			}
		}()
	}

	var restarts []time.Duration
	for k := 0; k < kills; k++ {
		time.Sleep(time.Duration(100+rand.IntN(1400)) * time.Millisecond)
		srv.kill(t)
		if rand.IntN(4) == 0 {
			time.Sleep(time.Duration(rand.IntN(500)) * time.Millisecond) // down for a while: clients meet refusals
		}
		restarts = append(restarts, srv.start(t))
	}
	time.Sleep(time.Second)
	stopClients() // each client finishes (acknowledges) the key it is on
	wg.Wait()
	srv.stop(t)
	elapsed := time.Since(start)

	// Every key sent was eventually acknowledged (clients retry until it is): each must have exactly one row —
	// a case, or a supporter link to a case — carrying its description, and that row must be what was answered.
	keys := make([]string, 0, len(acked))
	for k := range acked {
		keys = append(keys, k)
	}
	type row struct {
		kind string
		id   int64
	}
	found := map[string][]row{}
	rows, err = pool.Query(context.Background(), `
		SELECT substr(description, 6), 'case', id FROM cases WHERE description LIKE 'soak %'
		UNION ALL
		SELECT substr(description, 6), 'supporter', case_id FROM case_supporters WHERE description LIKE 'soak %'`)
	require.NoError(t, err)
	for rows.Next() {
		var k string
		var r row
		require.NoError(t, rows.Scan(&k, &r.kind, &r.id))
		found[k] = append(found[k], r)
	}
	require.NoError(t, rows.Err())
	var lost, duplicates, mismatched, newCases, supporters int
	for _, k := range keys {
		a, rs := acked[k], found[k]
		switch {
		case len(rs) == 0:
			lost++
			violate("%s: acknowledged as %+v but not in the database", k, a)
			continue
		case len(rs) > 1:
			duplicates++
			violate("%s: %d rows: %v", k, len(rs), rs)
		}
		want := row{"case", a.id}
		if a.duplicateOf != 0 {
			want = row{"supporter", a.duplicateOf}
			supporters++
		} else {
			newCases++
		}
		if rs[0] != want {
			mismatched++
			violate("%s: acknowledged %+v, stored %v", k, a, rs)
		}
	}
	for k, rs := range found {
		if _, ok := acked[k]; !ok {
			violate("%s: in the database (%v) but never acknowledged: a key the soak did not finish", k, rs)
		}
	}
	// The supporter counts agree with the links (a supporter link and its count are written together).
	var badCounts int
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT count(*) FROM cases c
		WHERE description LIKE 'soak %' AND supporters <> (SELECT count(*) FROM case_supporters s WHERE s.case_id = c.id)`).
		Scan(&badCounts))
	if badCounts > 0 {
		violate("%d cases whose supporters count differs from their supporter links", badCounts)
	}

	var slowest time.Duration
	for _, d := range restarts {
		slowest = max(slowest, d)
	}
	t.Logf("soak: %d kills (SIGKILL), %d clients, %v; %d requests: %d answered 201 (%d replayed), %d 503, "+
		"%d without an answer (server down or killed), %d other; %d keys retried after an unanswered attempt, %d of "+
		"them had committed (answered as replays); %d keys acknowledged: %d new cases, %d supporter "+
		"links; duplicates %d, lost %d, mismatched %d; restart to serving %v (slowest); server log %s",
		len(restarts), clients, elapsed.Round(time.Second), stats.sent.Load(), stats.created.Load(),
		stats.replayed.Load(), stats.unavailable.Load(), stats.refused.Load(), stats.other.Load(),
		stats.retriedKeys.Load(), stats.committedUnack.Load(), len(keys),
		newCases, supporters, duplicates, lost, mismatched, slowest.Round(time.Millisecond), srv.logPath)
	if len(violations) > 0 {
		if len(violations) > 50 {
			violations = violations[:50]
		}
		t.Fatalf("%d violations:\n%s", len(violations), strings.Join(violations, "\n"))
	}
	require.Len(t, restarts, kills)
}
