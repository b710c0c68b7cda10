package data_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"

	"gridgov/geo"
)

// BenchmarkLocate answers the four levels for random points over the demo city three ways, side by side:
//
//	locator       geo.Locator.Locate
//	locator+h3    the same and the point's H3 cell (geo.CellOf at geo.CaseRes), as intake needs both
//	postgis       one prepared query through pgx: SELECT level, min(code) FROM units WHERE ST_Covers(…) GROUP BY level
//
// The postgis line also reports how many times slower it is than each in-memory variant (x_locator,
// x_locator+h3). Run: go test -run '^$' -bench Locate ./data/
func BenchmarkLocate(b *testing.B) {
	pool := demoDB(b)
	ctx := context.Background()
	loc, err := geo.NewLocator(storedUnits(b, pool, ""))
	require.NoError(b, err)
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([]orb.Point, 1<<14)
	for i := range pts {
		pts[i] = orb.Point{118.4391 + rng.Float64()*0.0818, 36.6699 + rng.Float64()*0.0545}
	}
	var locNs, h3Ns float64
	nsPerOp := func(b *testing.B) float64 { return float64(b.Elapsed().Nanoseconds()) / float64(b.N) }

	b.Run("locator", func(b *testing.B) {
		found := 0
		for i := 0; b.Loop(); i++ {
			if loc.Locate(pts[i&(len(pts)-1)]).Grid != nil {
				found++
			}
		}
		require.Positive(b, found)
		locNs = nsPerOp(b)
	})
	b.Run("locator+h3", func(b *testing.B) {
		found := 0
		for i := 0; b.Loop(); i++ {
			p := pts[i&(len(pts)-1)]
			cell, err := geo.CellOf(p, geo.CaseRes)
			if err != nil {
				b.Fatal(err)
			}
			if loc.Locate(p).Grid != nil && cell != 0 {
				found++
			}
		}
		require.Positive(b, found)
		h3Ns = nsPerOp(b)
	})
	b.Run("postgis", func(b *testing.B) {
		const q = `SELECT level, min(code) FROM units
			WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint($1, $2), 4326)) GROUP BY level`
		conn, err := pool.Acquire(ctx)
		require.NoError(b, err)
		defer conn.Release()
		found := 0
		for i := 0; b.Loop(); i++ {
			p := pts[i&(len(pts)-1)]
			rows, err := conn.Query(ctx, q, p[0], p[1])
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var level, code string
				if err := rows.Scan(&level, &code); err != nil {
					b.Fatal(err)
				}
				if level == string(geo.LevelGrid) {
					found++
				}
			}
			if err := rows.Err(); err != nil {
				b.Fatal(err)
			}
		}
		require.Positive(b, found)
		if ns := nsPerOp(b); locNs > 0 && h3Ns > 0 {
			b.ReportMetric(ns/locNs, "x_locator")
			b.ReportMetric(ns/h3Ns, "x_locator+h3")
		}
	})
}
