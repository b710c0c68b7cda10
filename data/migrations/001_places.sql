-- Places: the unit hierarchy, its H3 coverage, speak-and-discuss points and roads.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pgrouting;

-- Area units: street (街道) ⊃ community (社区) ⊃ grid (网格) ⊃ building compound (楼院).
-- Codes are the national statistical division codes and gridgov's extensions of them (geo.CheckCode).
-- A street's parent_code is its county, which gridgov does not store, so parent_code has no foreign key;
-- the import checks parents.
CREATE TABLE units (
    code        text PRIMARY KEY,
    level       text NOT NULL CHECK (level IN ('street', 'community', 'grid', 'building')),
    name        text NOT NULL CHECK (name <> ''),
    parent_code text,
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom) AND NOT ST_IsEmpty(geom)),
    area_m2     double precision NOT NULL,
    props       jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX units_geom_idx ON units USING gist (geom);
CREATE INDEX units_level_idx ON units (level, code);
CREATE INDEX units_parent_idx ON units (parent_code);

-- Each area unit's coverage as H3 cells at the resolution chosen for its level (geo.CoverageRes).
CREATE TABLE unit_cells (
    unit_code text NOT NULL REFERENCES units (code) ON DELETE CASCADE,
    res       smallint NOT NULL,
    cell      bigint NOT NULL,
    PRIMARY KEY (unit_code, cell)
);
CREATE INDEX unit_cells_cell_idx ON unit_cells (cell);

-- Speak-and-discuss points (说事议事点): where residents meet to raise and deliberate local matters.
CREATE TABLE discuss_points (
    code        text PRIMARY KEY,
    name        text NOT NULL CHECK (name <> ''),
    host_code   text NOT NULL REFERENCES units (code),
    geom        geometry(Point, 4326) NOT NULL,
    schedule    text NOT NULL DEFAULT '',
    props       jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX discuss_points_geom_idx ON discuss_points USING gist (geom);
CREATE INDEX discuss_points_host_idx ON discuss_points (host_code);

-- Roads, one row per segment between intersections; source/target are filled for pgRouting.
CREATE TABLE roads (
    id          bigserial UNIQUE,
    code        text PRIMARY KEY,
    name        text NOT NULL DEFAULT '',
    class       text NOT NULL DEFAULT 'branch' CHECK (class IN ('primary', 'secondary', 'branch', 'path')),
    oneway      boolean NOT NULL DEFAULT false,
    geom        geometry(LineString, 4326) NOT NULL,
    length_m    double precision NOT NULL,
    source      bigint,
    target      bigint,
    props       jsonb NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX roads_geom_idx ON roads USING gist (geom);
