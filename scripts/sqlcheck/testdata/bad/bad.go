package bad

import (
	"context"
	"fmt"
	"strings"
)

type db interface {
	Query(ctx context.Context, sql string, args ...any) (any, error)
	Exec(ctx context.Context, sql string, args ...any) (any, error)
}

const byCode = `SELECT * FROM units WHERE code = $1`

func good(ctx context.Context, d db, code string, limit int) {
	d.Query(ctx, byCode, code)
	q := `SELECT * FROM cases`
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where = append(where, "code = "+arg(code))
	q += " WHERE " + strings.Join(where, " AND ") + fmt.Sprintf(" LIMIT %d", 10)
	d.Query(ctx, q, args...)
}

func concatenated(ctx context.Context, d db, code string) {
	d.Query(ctx, "SELECT * FROM units WHERE code = '"+code+"'")
}

func sprintf(ctx context.Context, d db, table string) {
	q := fmt.Sprintf("DELETE FROM %s", table)
	d.Exec(ctx, q)
}

func joined(ctx context.Context, d db, names []string) {
	var where []string
	for _, n := range names {
		where = append(where, "name = '"+n+"'")
	}
	d.Query(ctx, "SELECT 1 WHERE "+strings.Join(where, " OR "))
}
