package data

import (
	"context"
	"fmt"
	"math"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
	"github.com/uber/h3-go/v4"

	"gridgov/tiles"
)

var _ tiles.Store = (*TileStore)(nil)

// TileStore renders the unit layers and the open reports as MVT with PostGIS (ST_TileEnvelope, ST_AsMVTGeom,
// ST_AsMVT). The statements are constants, so pgx prepares each once per connection.
type TileStore struct {
	db DB
}

// NewTileStore returns a tile store over db.
func NewTileStore(db DB) *TileStore { return &TileStore{db: db} }

// Each tile query takes $1 z, $2 x, $3 y, $4 the simplification tolerance in EPSG:3857 metres, $5 the layer name
// (and the level for area units). The envelope in WGS-84, grown by the 64-unit buffer, selects rows by index.
const (
	tileEnv = `WITH b AS (SELECT ST_TileEnvelope($1, $2, $3) AS env,
		ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326) AS box)`
	areaTileSQL = tileEnv + `
	SELECT coalesce(ST_AsMVT(q, $5::text, 4096, 'geom'), '') FROM (
		SELECT u.code, u.name, u.level, coalesce(u.parent_code, '') AS parent_code,
			ST_AsMVTGeom(ST_SimplifyPreserveTopology(ST_Transform(u.geom, 3857), $4), b.env, 4096, 64, true) AS geom
		FROM units u, b WHERE u.level = $6 AND u.geom && b.box) q WHERE q.geom IS NOT NULL`
	pointTileSQL = tileEnv + `
	SELECT coalesce(ST_AsMVT(q, $5::text, 4096, 'geom'), '') FROM (
		SELECT p.code, p.name, p.host_code,
			ST_AsMVTGeom(ST_Transform(p.geom, 3857), b.env, 4096, 64, true) AS geom
		FROM discuss_points p, b WHERE p.geom && b.box AND $4::float8 >= 0) q WHERE q.geom IS NOT NULL`
	roadTileSQL = tileEnv + `
	SELECT coalesce(ST_AsMVT(q, $5::text, 4096, 'geom'), '') FROM (
		SELECT r.code, r.name, r.class, r.oneway,
			ST_AsMVTGeom(ST_Simplify(ST_Transform(r.geom, 3857), $4), b.env, 4096, 64, true) AS geom
		FROM roads r, b WHERE r.geom && b.box) q WHERE q.geom IS NOT NULL`
	// Open cases of public categories, without personal data, located to 0.001° (about 100 m) as the public
	// stream shows them.
	reportTileSQL = tileEnv + `
	SELECT coalesce(ST_AsMVT(q, $5::text, 4096, 'geom'), '') FROM (
		SELECT c.id, c.category, c.status, c.classification,
			(c.due_at IS NOT NULL AND c.due_at < now()) AS overdue,
			ST_AsMVTGeom(ST_Transform(ST_SnapToGrid(c.geom, 0.001), 3857), b.env, 4096, 64, true) AS geom
		FROM cases c JOIN categories k ON k.code = c.category, b
		WHERE c.geom && b.box AND k.public AND c.status NOT IN ('closed', 'cancelled') AND c.duplicate_of IS NULL
			AND $4::float8 >= 0) q WHERE q.geom IS NOT NULL`
)

var areaLevels = map[string]string{"streets": "street", "communities": "community", "grids": "grid",
	"buildings": "building"}

// LayerTile renders one tile of a PostGIS layer; an empty tile is nil.
func (s *TileStore) LayerTile(ctx context.Context, layer string, t maptile.Tile) (_ []byte, err error) {
	defer guard(&err)
	l, ok := tiles.LayerNamed(layer)
	if !ok || l.Source != tiles.FromPostGIS {
		return nil, tiles.ErrUnknownLayer
	}
	// SimplifyPx is in pixels of a 256-pixel tile: the tile's width in EPSG:3857 metres / 256 each.
	tol := l.SimplifyPx * 2 * 20037508.342789244 / math.Exp2(float64(t.Z)) / 256
	args := []any{int(t.Z), int(t.X), int(t.Y), tol, layer}
	var q string
	switch layer {
	case "discuss_points":
		q = pointTileSQL
	case "roads":
		q = roadTileSQL
	case "reports":
		q = reportTileSQL
	default:
		q, args = areaTileSQL, append(args, areaLevels[layer])
	}
	var b []byte
	if err := s.db.QueryRow(ctx, q, args...).Scan(&b); err != nil {
		return nil, fmt.Errorf("tile %s/%d/%d/%d: %w", layer, t.Z, t.X, t.Y, translate(err))
	}
	if len(b) == 0 {
		return nil, nil
	}
	return b, nil
}

// Extent is the box of all streets (the city), empty when there are none.
func (s *TileStore) Extent(ctx context.Context) (_ orb.Bound, err error) {
	defer guard(&err)
	var b [4]*float64
	err = s.db.QueryRow(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT ST_Extent(geom) AS e FROM units WHERE level = 'street') x`).Scan(&b[0], &b[1], &b[2], &b[3])
	if err != nil {
		return orb.Bound{}, fmt.Errorf("city extent: %w", err)
	}
	if b[0] == nil {
		return orb.Bound{}, nil
	}
	return orb.Bound{Min: orb.Point{*b[0], *b[1]}, Max: orb.Point{*b[2], *b[3]}}, nil
}

// HotspotCases reads every case as the hotspot index keeps it.
func (s *TileStore) HotspotCases(ctx context.Context) (_ []tiles.CaseRow, err error) {
	defer guard(&err)
	rows, err := s.db.Query(ctx, `SELECT id, created_at, category, status, h3 FROM cases`)
	if err != nil {
		return nil, fmt.Errorf("hotspot cases: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (tiles.CaseRow, error) {
		var r tiles.CaseRow
		var cell int64
		err := row.Scan(&r.ID, &r.CreatedAt, &r.Category, &r.Status, &cell)
		r.Cell = h3.Cell(cell)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("hotspot cases: %w", err)
	}
	return out, nil
}
