package data_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"gridgov/data"
	"gridgov/data/pgtest"
	"gridgov/geo"
)

// TestImportRejectsUnstorable: what geo.FuzzImportFeatures found — a name or property holding NUL (\u0000), or a
// property number PostgreSQL's numeric cannot hold, got past the parser and failed the whole file at the COPY with
// PostgreSQL's message and no feature index. Such a feature is rejected by its index now, and nothing is written.
func TestImportRejectsUnstorable(t *testing.T) {
	good := `{"type":"Feature","properties":{"code":"` + tGridW + `001","name":"好院","parent_code":"` + tGridW + `"},` +
		`"geometry":` + rect(118.401, 36.601, 118.402, 36.602) + `}`
	for name, props := range map[string]string{
		"NUL in the name":       `"name":"坏\u0000院"`,
		"NUL in a property":     `"name":"坏院","note":"a\u0000b"`,
		"NUL in a property key": `"name":"坏院","a\u0000":1`,
		"numeric overflow":      `"name":"坏院","area":1e999999`,
	} {
		t.Run(name, func(t *testing.T) {
			tx := pgtest.Tx(t)
			town(t, tx)
			before := count(t, tx, `SELECT count(*) FROM units`)
			bad := `{"type":"Feature","properties":{"code":"` + tGridW + `002","parent_code":"` + tGridW + `",` + props +
				`},"geometry":` + rect(118.403, 36.601, 118.404, 36.602) + `}`
			raw := []byte(`{"type":"FeatureCollection","features":[` + good + `,` + bad + `]}`)
			rep, err := data.ImportFile(context.Background(), tx, geo.LevelBuilding, raw, nil)
			require.ErrorIs(t, err, data.ErrRejected)
			require.Len(t, rep.Rejected, 1, "%+v", rep.Rejected)
			assert.Equal(t, 1, rep.Rejected[0].Index)
			assert.Equal(t, before, count(t, tx, `SELECT count(*) FROM units`), "nothing is half-imported")
		})
	}
}
