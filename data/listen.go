package data

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// listenRetry is how long a listener waits before it reconnects after losing its connection: the server's
// promise is to recover within five seconds of the database's return.
const listenRetry = 500 * time.Millisecond

// Listen holds one connection that LISTENs on the channels and calls fn for every notification, so that every
// server process hears of every change (an import, a case) whoever made it. It reconnects after a lost
// connection and then calls fn(channel, "reconnected") for each channel, because notifications sent meanwhile
// are lost and the caller must reload. It returns when ctx ends.
func Listen(ctx context.Context, pool *pgxpool.Pool, channels []string, fn func(channel, payload string)) {
	(&Listeners{}).Listen(ctx, pool, channels, fn)
}

// Listeners runs LISTEN connections and knows which are down, for /healthz. The zero value is ready to use.
type Listeners struct {
	mu      sync.Mutex
	down    map[string]int // channel → listeners of it that are not listening now
	waiting int            // listeners begun with Start that have not listened yet
}

// Listen is the package's Listen, keeping l informed: a listener counts as down from the loss of its
// connection (or a failure to listen) until it listens again.
func (l *Listeners) Listen(ctx context.Context, pool *pgxpool.Pool, channels []string, fn func(channel, payload string)) {
	l.listen(ctx, pool, channels, fn, false)
}

// Start runs Listen in a goroutine, counting the listener as down until it first listens; Ready waits for that.
// A server starts its listeners so before it serves, so that no change it makes goes unheard.
func (l *Listeners) Start(ctx context.Context, pool *pgxpool.Pool, channels []string, fn func(channel, payload string)) {
	l.mu.Lock()
	l.waiting++
	l.mu.Unlock()
	l.mark(channels, 1)
	go l.listen(ctx, pool, channels, fn, true)
}

// Ready waits until every listener begun with Start has listened once, or ctx ends.
func (l *Listeners) Ready(ctx context.Context) error {
	for {
		l.mu.Lock()
		n := l.waiting
		l.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d listeners not listening yet: %w", n, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (l *Listeners) listen(ctx context.Context, pool *pgxpool.Pool, channels []string, fn func(channel, payload string),
	started bool) {
	first, down := true, started
	defer func() {
		if down {
			l.mark(channels, -1)
		}
		if started {
			l.mu.Lock()
			l.waiting--
			l.mu.Unlock()
		}
	}()
	for ctx.Err() == nil {
		err := listenOnce(ctx, pool, channels, fn, !first, func() {
			if down {
				l.mark(channels, -1)
				down = false
			}
			if started {
				l.mu.Lock()
				l.waiting--
				l.mu.Unlock()
				started = false
			}
		})
		first = false
		if ctx.Err() != nil {
			return
		}
		_ = err // the connection was lost or could not be made; wait and try again
		if !down {
			l.mark(channels, 1)
			down = true
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenRetry):
		}
	}
}

func (l *Listeners) mark(channels []string, d int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down == nil {
		l.down = map[string]int{}
	}
	for _, ch := range channels {
		l.down[ch] += d
		if l.down[ch] <= 0 {
			delete(l.down, ch)
		}
	}
}

// Check returns an error naming the channels nobody listens on now, nil when every listener is up.
func (l *Listeners) Check(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.down) == 0 {
		return nil
	}
	var chs []string
	for ch := range l.down {
		chs = append(chs, ch)
	}
	slices.Sort(chs)
	return fmt.Errorf("not listening on %s", strings.Join(chs, ", "))
}

func listenOnce(ctx context.Context, pool *pgxpool.Pool, channels []string, fn func(string, string), reconnected bool,
	up func()) error {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection carries LISTEN state: it never goes back to the pool.
	conn := pc.Hijack()
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	for _, ch := range channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return err
		}
	}
	up()
	if reconnected {
		for _, ch := range channels {
			fn(ch, "reconnected")
		}
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		fn(n.Channel, n.Payload)
	}
}
