package data

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"gridgov/dispatch"
	"gridgov/geo"
)

// KPIStore computes KPIs over db; it is what the API's KPI handler asks for.
type KPIStore struct {
	DB DB
}

// KPI is KPI over the store's database.
func (s KPIStore) KPI(ctx context.Context, code string, from, to time.Time) (_ dispatch.KPI, err error) {
	defer guard(&err)
	return KPI(ctx, s.DB, code, from, to)
}

// KPITable is KPITable over the store's database.
func (s KPIStore) KPITable(ctx context.Context, parent string, from, to time.Time) (_ []dispatch.KPI, err error) {
	defer guard(&err)
	return KPITable(ctx, s.DB, parent, from, to)
}

// RestName names the row of KPITable that holds a parent's cases lying in none of its children.
const RestName = "不在任何下级单元内"

// kpiColumn is the case column that holds the unit of each area level. A unit's cases are those whose column of
// the unit's level equals its code: the exact rule (a case located only to its street has no grid code), and an
// equality the planner can use an index for, where `grid_code LIKE code || '%'` cannot be under the cluster's
// C.UTF-8 collation.
func kpiColumn(l geo.Level) (string, bool) {
	switch l {
	case geo.LevelStreet:
		return "street_code", true
	case geo.LevelCommunity:
		return "community_code", true
	case geo.LevelGrid:
		return "grid_code", true
	case geo.LevelBuilding:
		return "building_code", true
	}
	return "", false
}

// levelOfCode is the area level a code's length gives (geo.CheckCode): street 9 digits, community 12, grid 15,
// building compound 16 to 21. The queries also require the stored unit to have that level.
func levelOfCode(code string) (geo.Level, bool) {
	switch n := len(code); {
	case n == geo.StreetCodeLen:
		return geo.LevelStreet, true
	case n == geo.CommunityCodeLen:
		return geo.LevelCommunity, true
	case n == geo.GridCodeLen:
		return geo.LevelGrid, true
	case n >= geo.BuildingCodeMin && n <= geo.BuildingCodeMax:
		return geo.LevelBuilding, true
	}
	return "", false
}

// kpiCases is one row per case of a unit reported in [$2, $3): the case, the unit below the asked one that holds
// it (child, for tables), its first hearing and whether it was ever escalated. The two %s are column names from
// kpiColumn: the asked unit's and the child level's. The planner picks a nested loop over case_events'
// (case_id, id) index for short periods and one pass over the events for long ones.
const kpiCases = `
	SELECT c.id, c.%s AS child, c.created_at, c.status, c.due_at, c.closed_at, c.satisfaction, c.redone,
		min(e.at) FILTER (WHERE e.action = 'hear') AS first_hear,
		coalesce(bool_or(e.action = 'escalate'), false) AS escalated
	FROM cases c
	LEFT JOIN case_events e ON e.case_id = c.id AND e.action IN ('hear', 'escalate')
	WHERE c.%s = $1 AND c.created_at >= $2 AND c.created_at < $3
	GROUP BY c.id`

// kpiAggregates computes, from kpiCases rows c (which may be a single all-NULL row of an outer join), the
// counts and medians of dispatch.KPI in scanKPI's order; $4 is the response window.
const kpiAggregates = `
	count(c.id),
	count(*) FILTER (WHERE c.status = 'cancelled'),
	count(*) FILTER (WHERE c.status = 'closed'),
	count(*) FILTER (WHERE c.status = 'closed' AND c.closed_at <= c.due_at),
	count(*) FILTER (WHERE c.redone > 0),
	count(*) FILTER (WHERE c.escalated),
	count(*) FILTER (WHERE c.status = 'closed' AND c.satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
	count(*) FILTER (WHERE c.status = 'closed' AND c.satisfaction IN ('satisfied', 'basically_satisfied')),
	count(*) FILTER (WHERE c.status = 'closed' AND c.satisfaction IN ('unrated', '')),
	count(*) FILTER (WHERE c.first_hear <= c.created_at + $4::interval),
	percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.first_hear - c.created_at)::float8 / 3600),
	percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.closed_at - c.created_at)::float8 / 3600)
		FILTER (WHERE c.status = 'closed')`

// kpiUnit is the KPI of unit $1 (of level $5). No row when there is no such unit.
const kpiUnit = `
	SELECT u.code, u.name,` + kpiAggregates + `
	FROM units u
	LEFT JOIN (` + kpiCases + `) c ON true
	WHERE u.code = $1 AND u.level = $5
	GROUP BY u.code, u.name`

// kpiChildren is the KPI of each child (of level $5) of unit $1, in code order, and last, when there are any, the
// unit's cases that lie in none of its children, under an empty code.
const kpiChildren = `
	SELECT coalesce(u.code, ''), coalesce(u.name, ''),` + kpiAggregates + `
	FROM (SELECT code, name FROM units WHERE parent_code = $1 AND level = $5) u
	FULL JOIN (` + kpiCases + `) c ON c.child = u.code
	GROUP BY u.code, u.name
	ORDER BY u.code IS NULL, u.code`

// KPI computes the KPI of the unit code (a street, community, grid or building compound) and everything below it
// over the cases reported in [from, to), in one statement. An unknown code is dispatch.ErrNotFound.
func KPI(ctx context.Context, db DB, code string, from, to time.Time) (dispatch.KPI, error) {
	level, ok := levelOfCode(code)
	if !ok {
		return dispatch.KPI{}, fmt.Errorf("unit %q: %w", code, dispatch.ErrNotFound)
	}
	col, _ := kpiColumn(level)
	q := fmt.Sprintf(kpiUnit, pgx.Identifier{col}.Sanitize(), pgx.Identifier{col}.Sanitize())
	rows, err := db.Query(ctx, q, code, from, to, dispatch.ResponseWindow, string(level))
	if err != nil {
		return dispatch.KPI{}, fmt.Errorf("kpi %s: %w", code, translate(err))
	}
	k, err := pgx.CollectExactlyOneRow(rows, scanKPI)
	if err != nil {
		return dispatch.KPI{}, fmt.Errorf("kpi %s: %w", code, translate(err))
	}
	k.From, k.To = from, to
	return k, nil
}

// KPITable computes the KPI of each child unit of parent — a street's communities, a community's grids, a grid's
// building compounds — over the cases reported in [from, to), ordered by code; children without cases have a row
// of zeros. When some of the parent's cases lie in none of its children (a grid's cases on the roads between its
// compounds, a hotline case located only to its street), a last row with an empty code and the name RestName
// holds them, so that the rows' counts always add up to the parent's. A building compound has no children: its
// table is empty. An unknown parent is dispatch.ErrNotFound. One round trip: the parent's existence and the table.
func KPITable(ctx context.Context, db DB, parent string, from, to time.Time) ([]dispatch.KPI, error) {
	level, ok := levelOfCode(parent)
	if !ok {
		return nil, fmt.Errorf("unit %q: %w", parent, dispatch.ErrNotFound)
	}
	childLevel := childOf(level)
	b := &pgx.Batch{}
	b.Queue(`SELECT EXISTS (SELECT 1 FROM units WHERE code = $1 AND level = $2)`, parent, string(level))
	if childLevel != "" {
		col, _ := kpiColumn(level)
		childCol, _ := kpiColumn(childLevel)
		q := fmt.Sprintf(kpiChildren, pgx.Identifier{childCol}.Sanitize(), pgx.Identifier{col}.Sanitize())
		b.Queue(q, parent, from, to, dispatch.ResponseWindow, string(childLevel))
	}
	br := db.SendBatch(ctx, b)
	defer br.Close()
	var exists bool
	if err := br.QueryRow().Scan(&exists); err != nil {
		return nil, fmt.Errorf("kpi table %s: %w", parent, translate(err))
	}
	if !exists {
		return nil, fmt.Errorf("unit %q: %w", parent, dispatch.ErrNotFound)
	}
	table := []dispatch.KPI{}
	if childLevel == "" {
		return table, nil
	}
	rows, err := br.Query()
	if err != nil {
		return nil, fmt.Errorf("kpi table %s: %w", parent, translate(err))
	}
	table, err = pgx.AppendRows(table, rows, scanKPI)
	if err != nil {
		return nil, fmt.Errorf("kpi table %s: %w", parent, translate(err))
	}
	for i := range table {
		table[i].From, table[i].To = from, to
		if table[i].Code == "" {
			table[i].Name = RestName
		}
	}
	return table, nil
}

// childOf is the area level below l, or "" for building compounds.
func childOf(l geo.Level) geo.Level {
	for _, c := range geo.AreaLevels {
		if c.Parent() == l {
			return c
		}
	}
	return ""
}

// scanKPI reads a row of code, name and kpiAggregates, and computes the rates.
func scanKPI(row pgx.CollectableRow) (dispatch.KPI, error) {
	var k dispatch.KPI
	err := row.Scan(&k.Code, &k.Name, &k.Cases, &k.Cancelled, &k.Closed, &k.OnTimeClosed, &k.Redone, &k.Escalated,
		&k.Rated, &k.Satisfied, &k.Unrated, &k.Responded, &k.MedianHoursToFirstResponse, &k.MedianHoursToClose)
	if err != nil {
		return k, err
	}
	k.SetRates()
	return k, nil
}
