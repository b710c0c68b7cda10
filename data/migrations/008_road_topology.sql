-- Road topology for routing field staff: a node at every road end, each road's source and target filled from
-- them (kept current by a trigger on every change to roads), and road_edges, the edges with travel costs that
-- both pgRouting (pgr_dijkstra, pgr_dijkstraCostMatrix) and gridgov's in-process road graph read.

-- Travel speed by road class for a grid worker on an e-bike or on foot, in km/h.
CREATE TABLE road_speeds (
    class     text PRIMARY KEY CHECK (class IN ('primary', 'secondary', 'branch', 'path')),
    speed_kmh double precision NOT NULL CHECK (speed_kmh > 0)
);
INSERT INTO road_speeds (class, speed_kmh) VALUES ('primary', 20), ('secondary', 18), ('branch', 15), ('path', 6);

-- Road ends: ends closer than 1e-7° (about a centimetre) are one node.
CREATE TABLE road_nodes (
    id   bigserial PRIMARY KEY,
    geom geometry(Point, 4326) NOT NULL
);
CREATE INDEX road_nodes_geom_idx ON road_nodes USING gist (geom);
CREATE INDEX roads_untopo_idx ON roads (code) WHERE source IS NULL OR target IS NULL;
CREATE INDEX roads_source_idx ON roads (source);
CREATE INDEX roads_target_idx ON roads (target);

-- road_topology gives every road without source or target its nodes, creating the nodes that are missing.
CREATE FUNCTION road_topology() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO road_nodes (geom)
    SELECT DISTINCT ON (ST_SnapToGrid(e.p, 1e-7)) e.p
    FROM roads r CROSS JOIN LATERAL (VALUES (ST_StartPoint(r.geom)), (ST_EndPoint(r.geom))) e (p)
    WHERE (r.source IS NULL OR r.target IS NULL)
      AND NOT EXISTS (SELECT 1 FROM road_nodes n WHERE ST_DWithin(n.geom, e.p, 1e-7))
    ORDER BY ST_SnapToGrid(e.p, 1e-7);

    UPDATE roads r SET
        source = (SELECT n.id FROM road_nodes n WHERE ST_DWithin(n.geom, ST_StartPoint(r.geom), 1e-7)
                  ORDER BY n.geom <-> ST_StartPoint(r.geom), n.id LIMIT 1),
        target = (SELECT n.id FROM road_nodes n WHERE ST_DWithin(n.geom, ST_EndPoint(r.geom), 1e-7)
                  ORDER BY n.geom <-> ST_EndPoint(r.geom), n.id LIMIT 1)
    WHERE r.source IS NULL OR r.target IS NULL;
END $$;

CREATE FUNCTION roads_topology_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_trigger_depth() > 1 THEN -- our own UPDATE of source and target
        RETURN NULL;
    END IF;
    PERFORM road_topology();
    RETURN NULL;
END $$;

-- A road whose line changes loses its nodes, which the statement trigger then finds again.
CREATE FUNCTION roads_moved_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.source := NULL;
    NEW.target := NULL;
    RETURN NEW;
END $$;

CREATE FUNCTION roads_truncate_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM road_nodes;
    RETURN NULL;
END $$;

CREATE TRIGGER roads_topology AFTER INSERT OR UPDATE ON roads
    FOR EACH STATEMENT EXECUTE FUNCTION roads_topology_trigger();
CREATE TRIGGER roads_moved BEFORE UPDATE OF geom ON roads
    FOR EACH ROW WHEN (NOT ST_OrderingEquals(OLD.geom, NEW.geom)) EXECUTE FUNCTION roads_moved_trigger();
CREATE TRIGGER roads_truncate AFTER TRUNCATE ON roads
    FOR EACH STATEMENT EXECUTE FUNCTION roads_truncate_trigger();

SELECT road_topology();

-- The routable edges: cost and reverse_cost in seconds at the class's speed (pgRouting's columns; a negative
-- reverse_cost closes a one-way road against its direction).
CREATE VIEW road_edges AS
SELECT r.id, r.source, r.target, r.length_m, r.class,
       r.length_m / (s.speed_kmh / 3.6) AS cost,
       CASE WHEN r.oneway THEN -1 ELSE r.length_m / (s.speed_kmh / 3.6) END AS reverse_cost,
       r.geom
FROM roads r JOIN road_speeds s USING (class)
WHERE r.source IS NOT NULL AND r.target IS NOT NULL;
