package data

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"gridgov/dispatch"
)

// FieldStore reads what the field service keeps in memory: the open cases and the road edges.
type FieldStore struct {
	db DB
}

// NewFieldStore returns the store over db.
func NewFieldStore(db DB) *FieldStore { return &FieldStore{db: db} }

// OpenTasks reads every case that is neither closed nor cancelled.
func (s *FieldStore) OpenTasks(ctx context.Context) ([]dispatch.FieldTask, error) {
	rows, err := s.db.Query(ctx, `SELECT id, ST_X(geom), ST_Y(geom), status, urgency, classification, category,
			coalesce(nullif(grid_code, ''), nullif(community_code, ''), street_code, ''), assignee_code, due_at
		FROM cases WHERE status NOT IN ('closed', 'cancelled')`)
	if err != nil {
		return nil, fmt.Errorf("open tasks: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dispatch.FieldTask, error) {
		var t dispatch.FieldTask
		var status, class string
		var due *time.Time
		err := row.Scan(&t.ID, &t.Lon, &t.Lat, &status, &t.Urgency, &class, &t.Category, &t.Unit, &t.AssigneeCode, &due)
		t.Status, t.Classification = dispatch.Status(status), dispatch.Classification(class)
		if due != nil {
			t.DueAt = *due
		}
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("open tasks: %w", translate(err))
	}
	return out, nil
}

// RoadEdges reads the routable road edges (the road_edges view: every road with its nodes, cost in seconds at
// its class's speed).
func (s *FieldStore) RoadEdges(ctx context.Context) ([]dispatch.RoadEdge, error) {
	rows, err := s.db.Query(ctx, `SELECT id, source, target, cost, reverse_cost, length_m, ST_AsBinary(geom)
		FROM road_edges ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("road edges: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (dispatch.RoadEdge, error) {
		var e dispatch.RoadEdge
		var b []byte
		if err := row.Scan(&e.ID, &e.Source, &e.Target, &e.Cost, &e.ReverseCost, &e.LengthM, &b); err != nil {
			return e, err
		}
		g, err := wkb.Unmarshal(b)
		if err != nil {
			return e, fmt.Errorf("road %d: %w", e.ID, err)
		}
		ls, ok := g.(orb.LineString)
		if !ok {
			return e, fmt.Errorf("road %d: geometry is %s", e.ID, g.GeoJSONType())
		}
		e.Line = ls
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("road edges: %w", translate(err))
	}
	return out, nil
}

// RoadGraph builds the in-process road graph from the stored roads.
func (s *FieldStore) RoadGraph(ctx context.Context) (*dispatch.RoadGraph, error) {
	edges, err := s.RoadEdges(ctx)
	if err != nil {
		return nil, err
	}
	return dispatch.NewRoadGraph(edges), nil
}

// PgrCostMatrix asks pgRouting (pgr_dijkstraCostMatrix over road_edges) for the quickest travel cost in seconds
// between road nodes; +Inf where there is no route. It is the database's answer to RoadGraph.NodeMatrix.
func (s *FieldStore) PgrCostMatrix(ctx context.Context, nodes []int64) ([][]float64, error) {
	const q = `SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCostMatrix(
		'SELECT id, source, target, cost, reverse_cost FROM road_edges', $1::bigint[], directed => true)`
	rows, err := s.db.Query(ctx, q, nodes)
	if err != nil {
		return nil, fmt.Errorf("pgr_dijkstraCostMatrix: %w", translate(err))
	}
	defer rows.Close()
	at := map[int64]int{}
	out := make([][]float64, len(nodes))
	for i, n := range nodes {
		at[n] = i
		out[i] = make([]float64, len(nodes))
		for j := range out[i] {
			if j != i {
				out[i][j] = math.Inf(1)
			}
		}
	}
	for rows.Next() {
		var from, to int64
		var c float64
		if err := rows.Scan(&from, &to, &c); err != nil {
			return nil, err
		}
		out[at[from]][at[to]] = c
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgr_dijkstraCostMatrix: %w", translate(err))
	}
	return out, nil
}

// NearestRoadNodes returns the road node nearest each point (PostGIS KNN over road_nodes).
func (s *FieldStore) NearestRoadNodes(ctx context.Context, pts []orb.Point) ([]int64, error) {
	lons, lats := make([]float64, len(pts)), make([]float64, len(pts))
	for i, p := range pts {
		lons[i], lats[i] = p[0], p[1]
	}
	rows, err := s.db.Query(ctx, `SELECT (SELECT n.id FROM road_nodes n
			ORDER BY n.geom <-> ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326), n.id LIMIT 1)
		FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY p (lon, lat, i) ORDER BY p.i`, lons, lats)
	if err != nil {
		return nil, fmt.Errorf("nearest road nodes: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[*int64])
	if err != nil {
		return nil, fmt.Errorf("nearest road nodes: %w", translate(err))
	}
	ids := make([]int64, len(out))
	for i, id := range out {
		if id != nil {
			ids[i] = *id
		}
	}
	return ids, nil
}
