package data

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"gridgov/dispatch"
	"gridgov/geo"
)

// LoadDirectory reads everything intake routes with into memory: every area unit (for the locator and the
// gazetteer), party organisations, departments and the catalogue.
func LoadDirectory(ctx context.Context, db DB) (*dispatch.Directory, error) {
	rows, err := db.Query(ctx, areaFrom+` ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("directory units: %w", err)
	}
	units, err := pgx.CollectRows(rows, scanUnit)
	if err != nil {
		return nil, fmt.Errorf("directory units: %w", err)
	}
	loc, err := geo.NewLocator(units)
	if err != nil {
		return nil, fmt.Errorf("directory locator: %w", err)
	}
	d := &dispatch.Directory{Locator: loc, Gazetteer: geo.NewGazetteer(units),
		OrgsByUnit: map[string]dispatch.Org{}, OrgsByCode: map[string]dispatch.Org{}, Departments: map[string]dispatch.Department{},
		Categories: map[string]dispatch.Category{}}

	rows, err = db.Query(ctx, `SELECT code, name, kind, unit_code FROM orgs
		WHERE kind <> 'party_member_household' ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("directory orgs: %w", err)
	}
	orgs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[dispatch.Org])
	if err != nil {
		return nil, fmt.Errorf("directory orgs: %w", err)
	}
	for _, o := range orgs {
		d.OrgsByUnit[o.UnitCode] = o
		d.OrgsByCode[o.Code] = o
	}
	d.DiscussPoints = map[string]string{}
	rows, err = db.Query(ctx, `SELECT code, host_code FROM discuss_points`)
	if err != nil {
		return nil, fmt.Errorf("directory discuss points: %w", err)
	}
	var code, host string
	if _, err := pgx.ForEachRow(rows, []any{&code, &host}, func() error {
		d.DiscussPoints[code] = host
		return nil
	}); err != nil {
		return nil, fmt.Errorf("directory discuss points: %w", err)
	}
	depts, err := Departments(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, dep := range depts {
		d.Departments[dep.Code] = dep
	}
	if d.CategoryList, err = Categories(ctx, db); err != nil {
		return nil, err
	}
	for _, c := range d.CategoryList {
		d.Categories[c.Code] = c
	}
	return d, nil
}

// Departments lists the departments by code.
func Departments(ctx context.Context, db DB) ([]dispatch.Department, error) {
	rows, err := db.Query(ctx, `SELECT code, name, name_en FROM departments ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("departments: %w", err)
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[dispatch.Department])
}

// Categories lists the service catalogue by domain and code.
func Categories(ctx context.Context, db DB) ([]dispatch.Category, error) {
	rows, err := db.Query(ctx, `SELECT code, name, name_en, domain, level, coalesce(department, ''), classification,
			deadlines, public, keywords
		FROM categories ORDER BY array_position(ARRAY['party_building', 'economic_development', 'social_governance',
			'environmental_protection', 'market_supervision', 'public_services', 'emergency_safety'], domain), code`)
	if err != nil {
		return nil, fmt.Errorf("categories: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (dispatch.Category, error) {
		var c dispatch.Category
		var domain, class string
		var deadlines []byte
		if err := row.Scan(&c.Code, &c.Name, &c.NameEn, &domain, &c.Level, &c.Department, &class, &deadlines,
			&c.Public, &c.Keywords); err != nil {
			return c, err
		}
		c.Domain, c.Classification = dispatch.Domain(domain), dispatch.Classification(class)
		return c, json.Unmarshal(deadlines, &c.Deadlines)
	})
}
