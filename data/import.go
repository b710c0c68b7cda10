package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"gridgov/geo"
)

// TopologyTolerance is the area in m² below which an overlap, a gap or a part outside the parent is float noise
// along a shared border rather than a real violation.
const TopologyTolerance = 1.0

// TopologyProblem is one violation of the unit rules found after an import: a child outside its parent
// (Kind "outside_parent", Other is the parent), two siblings overlapping ("overlap", Other is the sibling), or part
// of a community that none of its grids covers ("gap", Code is the community). AreaM2 is the area concerned.
type TopologyProblem struct {
	Kind   string  `json:"kind"`
	Code   string  `json:"code"`
	Other  string  `json:"other,omitempty"`
	AreaM2 float64 `json:"area_m2"`
}

func (p TopologyProblem) String() string {
	switch p.Kind {
	case "outside_parent":
		return fmt.Sprintf("outside parent: %s lies %.1f m² outside %s", p.Code, p.AreaM2, p.Other)
	case "overlap":
		return fmt.Sprintf("overlap: %s and %s share %.1f m²", p.Code, p.Other, p.AreaM2)
	case "gap":
		return fmt.Sprintf("gap: %.1f m² of community %s is in none of its grids", p.AreaM2, p.Code)
	}
	return fmt.Sprintf("%s: %s %s %.1f m²", p.Kind, p.Code, p.Other, p.AreaM2)
}

// ImportReport says what an import loaded, repaired and rejected, and what the topology check found.
type ImportReport struct {
	Level         geo.Level         `json:"level"`
	Features      int               `json:"features"`
	Inserted      int               `json:"inserted"`
	Updated       int               `json:"updated"`
	ParentsFound  int               `json:"parents_found_spatially"`
	Cells         int               `json:"h3_cells"`
	Repaired      []geo.Problem     `json:"repaired"`
	Rejected      []geo.Problem     `json:"rejected"`
	Topology      []TopologyProblem `json:"topology"`
	RolledBack    bool              `json:"rolled_back"`
	FileProblem   string            `json:"file_problem,omitempty"`
	parsedIndexes []int
}

// ErrRejected is returned when an import rejected at least one feature; nothing of the file was written.
var ErrRejected = errors.New("features were rejected; nothing was imported")

// Progress is told how far a long import has come.
type Progress func(stage string, done, total int)

// ImportFile parses a GeoJSON FeatureCollection of one level and imports it (see Import). A file that is not
// usable as a whole returns an error wrapping geo.ErrNotGeoJSON.
func ImportFile(ctx context.Context, db DB, level geo.Level, raw []byte, progress Progress) (*ImportReport, error) {
	units, idx, repaired, rejected, err := geo.ParseFeatures(raw, level)
	if err != nil {
		return &ImportReport{Level: level, FileProblem: err.Error(), RolledBack: true}, err
	}
	rep := &ImportReport{Level: level, Features: len(units) + len(rejected), Repaired: repaired, Rejected: rejected,
		parsedIndexes: idx}
	return rep, importUnits(ctx, db, level, units, rep, progress)
}

// Import upserts units of one level by code, all in one transaction: geometries that PostGIS finds invalid are
// repaired with ST_MakeValid and listed; features that cannot be repaired, whose parent is missing, or whose code
// clashes are rejected, and then nothing is written (ErrRejected). Units without a parent_code get the unit one
// level up that contains their point-on-surface. Area units get their H3 coverage; the report lists topology
// problems (children outside parents, overlapping siblings, gaps in a community's grid cover). Every server
// process hears of the change through NOTIFY units_changed.
func Import(ctx context.Context, db DB, level geo.Level, units []geo.Unit, progress Progress) (*ImportReport, error) {
	rep := &ImportReport{Level: level, Features: len(units)}
	return rep, importUnits(ctx, db, level, units, rep, progress)
}

func importUnits(ctx context.Context, db DB, level geo.Level, units []geo.Unit, rep *ImportReport, progress Progress) error {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	index := func(i int) int {
		if rep.parsedIndexes != nil {
			return rep.parsedIndexes[i]
		}
		return i
	}
	err := inTx(ctx, db, func(tx pgx.Tx) error {
		if err := stage(ctx, tx, units, index, progress); err != nil {
			return err
		}
		if err := checkStaged(ctx, tx, level, rep); err != nil {
			return err
		}
		if len(rep.Rejected) > 0 {
			return ErrRejected
		}
		if err := upsertStaged(ctx, tx, level, rep); err != nil {
			return err
		}
		if level.IsArea() {
			if err := storeCells(ctx, tx, level, rep, progress); err != nil {
				return err
			}
			topo, err := checkTopology(ctx, tx, level)
			if err != nil {
				return err
			}
			rep.Topology = topo
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify('units_changed', $1)`, string(level))
		return err
	})
	sort.Slice(rep.Rejected, func(i, j int) bool { return rep.Rejected[i].Index < rep.Rejected[j].Index })
	sort.Slice(rep.Repaired, func(i, j int) bool { return rep.Repaired[i].Index < rep.Repaired[j].Index })
	if err != nil {
		rep.RolledBack = true
		rep.Inserted, rep.Updated, rep.Cells = 0, 0, 0
		rep.Topology = nil
	}
	return err
}

// stage copies the features into a temporary table where PostGIS checks them.
func stage(ctx context.Context, tx pgx.Tx, units []geo.Unit, index func(int) int, progress Progress) error {
	for _, q := range []string{
		`DROP TABLE IF EXISTS pg_temp.import_staging`,
		`CREATE TEMP TABLE import_staging (
			idx int PRIMARY KEY, code text NOT NULL, name text NOT NULL, parent_code text, props jsonb NOT NULL,
			wkb bytea NOT NULL, geom geometry, spatial_parent boolean NOT NULL DEFAULT false,
			repaired text, reject text)`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	rows := make([][]any, 0, len(units))
	for i, u := range units {
		b, err := wkb.Marshal(u.Geometry)
		if err != nil {
			return fmt.Errorf("feature %d: wkb: %w", index(i), err)
		}
		props, err := json.Marshal(u.Props)
		if err != nil {
			return fmt.Errorf("feature %d: properties: %w", index(i), err)
		}
		if u.Props == nil {
			props = []byte("{}")
		}
		var parent any
		if u.ParentCode != "" {
			parent = u.ParentCode
		}
		rows = append(rows, []any{index(i), u.Code, u.Name, parent, string(props), b})
	}
	progress("staging", 0, len(units))
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"import_staging"},
		[]string{"idx", "code", "name", "parent_code", "props", "wkb"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("staging: %w", err)
	}
	progress("staging", len(units), len(units))
	_, err := tx.Exec(ctx, `UPDATE import_staging SET geom = ST_SetSRID(ST_GeomFromWKB(wkb), 4326)`)
	return err
}

// checkStaged repairs what PostGIS can repair, finds parents and records every reason to reject a feature.
func checkStaged(ctx context.Context, tx pgx.Tx, level geo.Level, rep *ImportReport) error {
	lv := string(level)
	parent := string(level.Parent())
	steps := []struct {
		when bool
		sql  string
		args []any
	}{
		// Invalid polygons: ST_MakeValid, keep the polygonal part; nothing polygonal left means unrepairable.
		{level.IsArea(), `UPDATE import_staging
			SET repaired = ST_IsValidReason(geom), geom = ST_Multi(ST_CollectionExtract(ST_MakeValid(geom), 3))
			WHERE NOT ST_IsValid(geom)`, nil},
		{level.IsArea(), `UPDATE import_staging
			SET reject = 'unrepairable geometry: ' || coalesce(repaired, 'invalid') || '; nothing polygonal of 1 m² or more is left after ST_MakeValid'
			WHERE reject IS NULL AND (ST_IsEmpty(geom) OR ST_Area(geom::geography) < 1)`, nil},
		{level.IsArea(), `UPDATE import_staging SET reject = 'geometry is still invalid after repair: ' || ST_IsValidReason(geom)
			WHERE reject IS NULL AND NOT ST_IsValid(geom)`, nil},
		// Roads: a MultiLineString must merge into one line.
		{level == geo.LevelRoad, `UPDATE import_staging SET geom = ST_LineMerge(geom)
			WHERE GeometryType(geom) = 'MULTILINESTRING'`, nil},
		{level == geo.LevelRoad, `UPDATE import_staging
			SET reject = 'a road must be one connected line; split it into segments with their own codes'
			WHERE reject IS NULL AND GeometryType(geom) <> 'LINESTRING'`, nil},
		{level == geo.LevelRoad, `UPDATE import_staging
			SET reject = format('class %s is not one of primary, secondary, branch, path', props->>'class')
			WHERE reject IS NULL AND props ? 'class' AND props->>'class' NOT IN ('primary', 'secondary', 'branch', 'path')`, nil},
		// A street's parent is its county, which gridgov does not store.
		{level == geo.LevelStreet, `UPDATE import_staging SET parent_code = left(code, 6) WHERE parent_code IS NULL`, nil},
		// Named parents must exist one level up (a discuss point may be hosted by a grid or a community).
		{parent != "" && level != geo.LevelDiscussPoint, `UPDATE import_staging s
			SET reject = format('parent_code %s is not a known %s', s.parent_code, $1::text)
			WHERE reject IS NULL AND parent_code IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM units u WHERE u.code = s.parent_code AND u.level = $1)`, []any{parent}},
		{level == geo.LevelDiscussPoint, `UPDATE import_staging s
			SET reject = format('parent_code %s is not a known grid or community', s.parent_code)
			WHERE reject IS NULL AND parent_code IS NOT NULL
			  AND NOT EXISTS (SELECT 1 FROM units u WHERE u.code = s.parent_code AND u.level IN ('grid', 'community'))`, nil},
		// Missing parents are found spatially: the unit one level up that covers the point-on-surface.
		{parent != "", `UPDATE import_staging s SET spatial_parent = true, parent_code = (
				SELECT u.code FROM units u WHERE u.level = $1 AND ST_Covers(u.geom, ST_PointOnSurface(s.geom))
				ORDER BY u.code LIMIT 1)
			WHERE reject IS NULL AND parent_code IS NULL`, []any{parent}},
		{parent != "", `UPDATE import_staging s
			SET reject = format('no %s contains the feature''s point-on-surface (%s, %s); give parent_code or import the %s first',
				$1::text, round(ST_X(ST_PointOnSurface(geom))::numeric, 6), round(ST_Y(ST_PointOnSurface(geom))::numeric, 6), $1::text)
			WHERE reject IS NULL AND parent_code IS NULL`, []any{parent}},
		{level.IsArea(), `UPDATE import_staging SET reject = format('code %s does not extend its parent''s code %s', code, parent_code)
			WHERE reject IS NULL AND NOT starts_with(code, parent_code)`, nil},
		// A code names one place: it may not already belong to a unit of another level.
		{true, `UPDATE import_staging s SET reject = format('code %s already belongs to a %s', s.code, o.level)
			FROM (SELECT code, level FROM units WHERE level <> $1
			      UNION ALL SELECT code, 'discuss_point' FROM discuss_points WHERE $1 <> 'discuss_point'
			      UNION ALL SELECT code, 'road' FROM roads WHERE $1 <> 'road') o
			WHERE s.reject IS NULL AND o.code = s.code`, []any{lv}},
	}
	for _, st := range steps {
		if !st.when {
			continue
		}
		if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
			return fmt.Errorf("checking features: %w", err)
		}
	}
	rows, err := tx.Query(ctx, `SELECT idx, code, repaired, reject, spatial_parent AND reject IS NULL
		FROM import_staging WHERE repaired IS NOT NULL OR reject IS NOT NULL OR spatial_parent ORDER BY idx`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var idx int
		var code string
		var repaired, reject *string
		var spatial bool
		if err := rows.Scan(&idx, &code, &repaired, &reject, &spatial); err != nil {
			return err
		}
		if reject != nil {
			rep.Rejected = append(rep.Rejected, geo.Problem{Index: idx, Code: code, Message: *reject})
		} else if repaired != nil {
			rep.Repaired = append(rep.Repaired, geo.Problem{Index: idx, Code: code,
				Message: "invalid geometry repaired with ST_MakeValid: " + *repaired})
		}
		if spatial {
			rep.ParentsFound++
		}
	}
	return rows.Err()
}

func upsertStaged(ctx context.Context, tx pgx.Tx, level geo.Level, rep *ImportReport) error {
	var q string
	var args []any
	switch level {
	case geo.LevelDiscussPoint:
		q = `INSERT INTO discuss_points AS d (code, name, host_code, geom, schedule, props)
			SELECT code, name, parent_code, geom, coalesce(props->>'schedule', ''), props FROM import_staging
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, host_code = excluded.host_code, geom = excluded.geom,
				schedule = excluded.schedule, props = excluded.props, updated_at = now()
			RETURNING xmax = 0`
	case geo.LevelRoad:
		q = `INSERT INTO roads AS r (code, name, class, oneway, geom, length_m, props)
			SELECT code, name, coalesce(props->>'class', 'branch'), coalesce((props->>'oneway')::boolean, false),
				geom, ST_Length(geom::geography), props FROM import_staging
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, class = excluded.class, oneway = excluded.oneway,
				geom = excluded.geom, length_m = excluded.length_m, props = excluded.props, source = NULL,
				target = NULL, updated_at = now()
			RETURNING xmax = 0`
	default:
		q = `INSERT INTO units AS u (code, level, name, parent_code, geom, area_m2, props)
			SELECT code, $1, name, parent_code, geom, ST_Area(geom::geography), props FROM import_staging
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent_code = excluded.parent_code,
				geom = excluded.geom, area_m2 = excluded.area_m2, props = excluded.props, updated_at = now()
			RETURNING xmax = 0`
		args = []any{string(level)}
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("writing %s: %w", level, translate(err))
	}
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[bool])
	if err != nil {
		return fmt.Errorf("writing %s: %w", level, translate(err))
	}
	for _, ins := range inserted {
		if ins {
			rep.Inserted++
		} else {
			rep.Updated++
		}
	}
	return nil
}

// storeCells replaces the H3 coverage of the imported units, computed from their stored (repaired) geometry.
func storeCells(ctx context.Context, tx pgx.Tx, level geo.Level, rep *ImportReport, progress Progress) error {
	rows, err := tx.Query(ctx, `SELECT code, ST_AsBinary(geom) FROM import_staging ORDER BY idx`)
	if err != nil {
		return err
	}
	type staged struct {
		code string
		geom orb.MultiPolygon
	}
	var all []staged
	for rows.Next() {
		var code string
		var b []byte
		if err := rows.Scan(&code, &b); err != nil {
			rows.Close()
			return err
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			rows.Close()
			return fmt.Errorf("unit %s: %w", code, err)
		}
		mp, ok := g.(orb.MultiPolygon)
		if !ok {
			rows.Close()
			return fmt.Errorf("unit %s: stored geometry is %s", code, g.GeoJSONType())
		}
		all = append(all, staged{code, mp})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM unit_cells WHERE unit_code IN (SELECT code FROM import_staging)`); err != nil {
		return err
	}
	res := geo.CoverageRes(level)
	var cells [][]any
	for i, s := range all {
		cover, err := geo.Cover(s.geom, res)
		if err != nil {
			return fmt.Errorf("unit %s: %w", s.code, err)
		}
		for _, c := range cover {
			cells = append(cells, []any{s.code, int16(res), int64(c)})
		}
		if i%200 == 0 || i == len(all)-1 {
			progress("h3 coverage", i+1, len(all))
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"unit_cells"}, []string{"unit_code", "res", "cell"},
		pgx.CopyFromRows(cells)); err != nil {
		return fmt.Errorf("h3 coverage: %w", err)
	}
	rep.Cells = len(cells)
	return nil
}

// checkTopology finds, around the imported units, children outside their parent, overlapping siblings and gaps in
// a community's grid cover, each larger than TopologyTolerance.
func checkTopology(ctx context.Context, tx pgx.Tx, level geo.Level) ([]TopologyProblem, error) {
	const outside = `
		SELECT 'outside_parent', c.code, p.code, ST_Area(ST_Difference(c.geom, p.geom)::geography)
		FROM import_staging s JOIN units c ON c.code = s.code JOIN units p ON p.code = c.parent_code
		WHERE NOT ST_CoveredBy(c.geom, p.geom)`
	const overlap = `
		SELECT DISTINCT ON (least(a.code, b.code), greatest(a.code, b.code))
			'overlap', least(a.code, b.code), greatest(a.code, b.code), ST_Area(ST_Intersection(a.geom, b.geom)::geography)
		FROM import_staging s JOIN units a ON a.code = s.code
		JOIN units b ON b.level = a.level AND b.parent_code = a.parent_code AND b.code <> a.code
			AND ST_Intersects(a.geom, b.geom) AND NOT ST_Touches(a.geom, b.geom)`
	// The communities whose grid cover may have changed: those of imported grids, and imported communities.
	const gap = `
		WITH touched AS (
			SELECT DISTINCT u.parent_code AS code FROM import_staging s JOIN units u ON u.code = s.code WHERE u.level = 'grid'
			UNION SELECT u.code FROM import_staging s JOIN units u ON u.code = s.code WHERE u.level = 'community')
		SELECT 'gap', c.code, '', ST_Area(ST_Difference(c.geom, g.cover)::geography)
		FROM touched t JOIN units c ON c.code = t.code
		CROSS JOIN LATERAL (SELECT ST_Union(geom) AS cover FROM units WHERE parent_code = c.code AND level = 'grid') g
		WHERE g.cover IS NOT NULL`
	queries := []string{outside, overlap}
	if level == geo.LevelGrid || level == geo.LevelCommunity {
		queries = append(queries, gap)
	}
	var out []TopologyProblem
	for _, q := range queries {
		rows, err := tx.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("topology check: %w", err)
		}
		for rows.Next() {
			var p TopologyProblem
			if err := rows.Scan(&p.Kind, &p.Code, &p.Other, &p.AreaM2); err != nil {
				rows.Close()
				return nil, err
			}
			if p.AreaM2 >= TopologyTolerance {
				out = append(out, p)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("topology check: %w", err)
		}
	}
	return out, nil
}
