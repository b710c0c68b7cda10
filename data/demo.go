package data

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgov/data/demo"
	"gridgov/dispatch"
	"gridgov/geo"
)

// ErrNotEmpty is returned by LoadCity when the database already holds places and replace was not asked for.
var ErrNotEmpty = errors.New("the database already holds units")

// LoadReport says what LoadCity wrote.
type LoadReport struct {
	Imports []*ImportReport
	Orgs    int
	People  int
	Cases   int
	Events  int
}

// HasUnits reports whether any area unit is stored.
func HasUnits(ctx context.Context, db DB) (bool, error) {
	var ok bool
	err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM units)`).Scan(&ok)
	return ok, err
}

// LoadCity writes a generated city in one transaction: the catalogue and departments, every level of units
// through Import (so the demo passes the same checks as any import), party organisations, staff and the
// historical cases with their events. With replace, everything already stored is deleted first; without it a
// database that holds units is left alone (ErrNotEmpty).
func LoadCity(ctx context.Context, db DB, city *demo.City, replace bool, progress Progress) (*LoadReport, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	rep := &LoadReport{}
	err := inTx(ctx, db, func(tx pgx.Tx) error {
		has, err := HasUnits(ctx, tx)
		if err != nil {
			return err
		}
		if has && !replace {
			return ErrNotEmpty
		}
		if _, err := tx.Exec(ctx, `TRUNCATE case_events, cases, people, orgs, discuss_points, roads, unit_cells,
			units, categories, departments RESTART IDENTITY CASCADE`); err != nil {
			return err
		}
		if err := SaveCatalogue(ctx, tx, city.Departments, city.Categories); err != nil {
			return err
		}
		for _, l := range geo.Levels {
			progress("units: "+string(l), 0, len(city.Units(l)))
			ir, err := Import(ctx, tx, l, city.Units(l), nil)
			if err != nil {
				if errors.Is(err, ErrRejected) {
					return fmt.Errorf("demo %s rejected: %v", l, ir.Rejected)
				}
				return fmt.Errorf("demo %s: %w", l, err)
			}
			rep.Imports = append(rep.Imports, ir)
			progress("units: "+string(l), len(city.Units(l)), len(city.Units(l)))
		}
		if rep.Orgs, err = copyOrgs(ctx, tx, city.Orgs); err != nil {
			return err
		}
		if rep.People, err = copyPeople(ctx, tx, city.People); err != nil {
			return err
		}
		progress("cases", 0, len(city.Cases))
		if rep.Cases, rep.Events, err = copyCases(ctx, tx, city.Cases); err != nil {
			return err
		}
		progress("cases", len(city.Cases), len(city.Cases))
		o := city.Options
		for k, v := range map[string]string{"demo_seed": strconv.FormatInt(o.Seed, 10),
			"demo_scale": strconv.Itoa(o.Scale), "demo_now": o.Now.UTC().Format(time.RFC3339)} {
			if _, err := tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify('cases_changed', 'reload')`)
		return err
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// SaveCatalogue upserts departments and categories.
func SaveCatalogue(ctx context.Context, db DB, depts []dispatch.Department, cats []dispatch.Category) error {
	b := &pgx.Batch{}
	for _, d := range depts {
		b.Queue(`INSERT INTO departments (code, name, name_en) VALUES ($1, $2, $3)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en`, d.Code, d.Name, d.NameEn)
	}
	for _, c := range cats {
		dl, err := json.Marshal(c.Deadlines)
		if err != nil {
			return err
		}
		var dept any
		if c.Department != "" {
			dept = c.Department
		}
		kw := c.Keywords
		if kw == nil {
			kw = []string{}
		}
		b.Queue(`INSERT INTO categories (code, name, name_en, domain, level, department, classification, deadlines,
				public, keywords)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
			ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, domain = excluded.domain,
				level = excluded.level, department = excluded.department, classification = excluded.classification,
				deadlines = excluded.deadlines, public = excluded.public, keywords = excluded.keywords`,
			c.Code, c.Name, c.NameEn, string(c.Domain), c.Level, dept, string(c.Classification), string(dl), c.Public, kw)
	}
	if err := db.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("catalogue: %w", err)
	}
	return nil
}

func copyOrgs(ctx context.Context, tx pgx.Tx, orgs []demo.Org) (int, error) {
	rows := make([][]any, len(orgs))
	for i, o := range orgs {
		var parent any
		if o.ParentCode != "" {
			parent = o.ParentCode
		}
		rows[i] = []any{o.Code, o.Name, o.Kind, o.UnitCode, parent}
	}
	// Parents before children: the foreign key is checked row by row.
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"orgs"}, []string{"code", "name", "kind", "unit_code", "parent_code"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return 0, fmt.Errorf("orgs: %w", err)
	}
	return int(n), nil
}

func copyPeople(ctx context.Context, tx pgx.Tx, people []demo.Person) (int, error) {
	rows := make([][]any, len(people))
	for i, p := range people {
		rows[i] = []any{p.Code, p.Name, p.Phone, p.Role, p.UnitCode}
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"people"}, []string{"code", "name", "phone", "role", "unit_code"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return 0, fmt.Errorf("people: %w", err)
	}
	return int(n), nil
}

// copyCases writes cases through a staging table (COPY cannot build geometry) and their events directly.
func copyCases(ctx context.Context, tx pgx.Tx, cases []dispatch.Case) (int, int, error) {
	if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS pg_temp.case_staging;
		CREATE TEMP TABLE case_staging (LIKE cases INCLUDING DEFAULTS); ALTER TABLE case_staging DROP COLUMN geom;
		ALTER TABLE case_staging ADD COLUMN lon double precision, ADD COLUMN lat double precision`); err != nil {
		return 0, 0, err
	}
	cols := []string{"id", "category", "description", "address", "channel", "urgency", "lon", "lat", "orig_lon",
		"orig_lat", "crs", "h3", "street_code", "community_code", "grid_code", "building_code", "status",
		"classification", "assignee_code", "reporter_name", "reporter_phone", "satisfaction", "redone",
		"created_at", "updated_at", "due_at", "closed_at", "suspended_from", "suspended_at"}
	rows := make([][]any, 0, len(cases))
	var events [][]any
	for _, c := range cases {
		cell, err := geo.CellOf([2]float64{c.Lon, c.Lat}, geo.CaseRes)
		if err != nil {
			return 0, 0, fmt.Errorf("case %d: %w", c.ID, err)
		}
		updated := c.CreatedAt
		if n := len(c.Events); n > 0 {
			updated = c.Events[n-1].At
		}
		crs := c.CRS
		if crs == "" {
			crs = "wgs84"
		}
		rows = append(rows, []any{c.ID, c.Category, c.Description, c.Address, c.Channel, c.Urgency, c.Lon, c.Lat,
			c.OrigLon, c.OrigLat, crs, int64(cell), nullable(c.StreetCode), nullable(c.CommunityCode),
			nullable(c.GridCode), nullable(c.BuildingCode), string(c.Status), string(c.Classification),
			c.AssigneeCode, c.ReporterName, c.ReporterPhone, c.Satisfaction, int32(c.Redone), c.CreatedAt, updated,
			nullTime(c.DueAt), nullTime(c.ClosedAt), string(c.SuspendedFrom), nullTime(c.SuspendedAt)})
		for _, e := range c.Events {
			events = append(events, []any{c.ID, e.Action, string(e.From), string(e.To), e.ActorRole, e.ActorUnit,
				e.Note, e.At})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"case_staging"}, cols, pgx.CopyFromRows(rows)); err != nil {
		return 0, 0, fmt.Errorf("cases: %w", err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO cases (id, category, description, address, channel, urgency, geom, orig_lon,
			orig_lat, crs, h3, street_code, community_code, grid_code, building_code, status, classification,
			assignee_code, reporter_name, reporter_phone, satisfaction, redone, created_at, updated_at, due_at, closed_at,
			suspended_from, suspended_at)
		SELECT id, category, description, address, channel, urgency, ST_SetSRID(ST_MakePoint(lon, lat), 4326), orig_lon,
			orig_lat, crs, h3, street_code, community_code, grid_code, building_code, status, classification,
			assignee_code, reporter_name, reporter_phone, satisfaction, redone, created_at, updated_at, due_at, closed_at,
			suspended_from, suspended_at
		FROM case_staging ORDER BY id;
		SELECT setval('cases_id_seq', greatest((SELECT max(id) FROM cases), 1))`); err != nil {
		return 0, 0, fmt.Errorf("cases: %w", err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"case_events"},
		[]string{"case_id", "action", "from_status", "to_status", "actor_role", "actor_unit", "note", "at"},
		pgx.CopyFromRows(events)); err != nil {
		return 0, 0, fmt.Errorf("case events: %w", err)
	}
	return len(rows), len(events), nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
