package data

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"gridgov/geo"
)

// UnitStore reads places: area units, discuss points and roads.
type UnitStore struct {
	db DB
}

// NewUnitStore returns a store over db.
func NewUnitStore(db DB) *UnitStore { return &UnitStore{db: db} }

// Each level's rows as (code, level, name, parent_code, wkb, props); discuss points and roads fold their own
// columns into props.
const (
	unitCols   = `code, level, name, coalesce(parent_code, ''), ST_AsBinary(geom), props`
	areaFrom   = `SELECT ` + unitCols + ` FROM units`
	pointsFrom = `SELECT code, 'discuss_point', name, host_code, ST_AsBinary(geom),
		props || jsonb_build_object('schedule', schedule) FROM discuss_points`
	roadsFrom = `SELECT code, 'road', name, '', ST_AsBinary(geom),
		props || jsonb_build_object('class', class, 'oneway', oneway, 'length_m', round(length_m::numeric, 1)) FROM roads`
)

// Units lists one page of units in code order.
func (s *UnitStore) Units(ctx context.Context, f geo.UnitFilter) (_ geo.UnitPage, err error) {
	defer guard(&err)
	from := areaFrom
	where := ` WHERE ($1 = '' OR level = $1)`
	switch f.Level {
	case geo.LevelDiscussPoint:
		from, where = pointsFrom, ` WHERE $1 <> ''`
	case geo.LevelRoad:
		from, where = roadsFrom, ` WHERE $1 <> ''`
	}
	args := []any{string(f.Level), f.After, f.Limit + 1}
	q := from + where + ` AND code > $2`
	if f.BBox != nil {
		q += ` AND ST_Intersects(geom, ST_MakeEnvelope($4, $5, $6, $7, 4326))`
		args = append(args, f.BBox.Min[0], f.BBox.Min[1], f.BBox.Max[0], f.BBox.Max[1])
	}
	q += ` ORDER BY code LIMIT $3`
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return geo.UnitPage{}, fmt.Errorf("units: %w", err)
	}
	units, err := pgx.CollectRows(rows, scanUnit)
	if err != nil {
		return geo.UnitPage{}, fmt.Errorf("units: %w", err)
	}
	page := geo.UnitPage{Units: units}
	if len(units) > f.Limit {
		page.Units = units[:f.Limit]
		page.Next = page.Units[f.Limit-1].Code
	}
	return page, nil
}

// Unit finds one place by code, whatever its level.
func (s *UnitStore) Unit(ctx context.Context, code string) (_ geo.Unit, err error) {
	defer guard(&err)
	q := areaFrom + ` WHERE code = $1 UNION ALL ` + pointsFrom + ` WHERE code = $1 UNION ALL ` + roadsFrom +
		` WHERE code = $1 LIMIT 1`
	rows, err := s.db.Query(ctx, q, code)
	if err != nil {
		return geo.Unit{}, fmt.Errorf("unit %s: %w", code, err)
	}
	u, err := pgx.CollectExactlyOneRow(rows, scanUnit)
	if err != nil {
		return geo.Unit{}, fmt.Errorf("unit %s: %w", code, translate(err))
	}
	return u, nil
}

func scanUnit(row pgx.CollectableRow) (geo.Unit, error) {
	var u geo.Unit
	var level string
	var b, props []byte
	if err := row.Scan(&u.Code, &level, &u.Name, &u.ParentCode, &b, &props); err != nil {
		return u, err
	}
	u.Level = geo.Level(level)
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return u, fmt.Errorf("unit %s geometry: %w", u.Code, err)
	}
	u.Geometry = g
	if err := json.Unmarshal(props, &u.Props); err != nil {
		return u, fmt.Errorf("unit %s props: %w", u.Code, err)
	}
	return u, nil
}
