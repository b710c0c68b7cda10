package data

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Listen holds one connection that LISTENs on the channels and calls fn for every notification, so that every
// server process hears of every change (an import, a case) whoever made it. It reconnects after a lost
// connection and then calls fn(channel, "reconnected") for each channel, because notifications sent meanwhile
// are lost and the caller must reload. It returns when ctx ends.
func Listen(ctx context.Context, pool *pgxpool.Pool, channels []string, fn func(channel, payload string)) {
	first := true
	for ctx.Err() == nil {
		err := listenOnce(ctx, pool, channels, fn, !first)
		first = false
		if ctx.Err() != nil {
			return
		}
		_ = err // the connection was lost; wait and try again
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func listenOnce(ctx context.Context, pool *pgxpool.Pool, channels []string, fn func(string, string), reconnected bool) error {
	pc, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection carries LISTEN state: it never goes back to the pool.
	conn := pc.Hijack()
	defer conn.Close(context.Background()) //nolint:errcheck
	for _, ch := range channels {
		if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{ch}.Sanitize()); err != nil {
			return err
		}
	}
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
