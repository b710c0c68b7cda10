-- Cases and their history.
CREATE TABLE cases (
    id             bigserial PRIMARY KEY,
    category       text NOT NULL REFERENCES categories (code),
    description    text NOT NULL,
    address        text NOT NULL DEFAULT '',
    channel        text NOT NULL,
    urgency        text NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'urgent')),
    geom           geometry(Point, 4326) NOT NULL,
    orig_lon       double precision NOT NULL,
    orig_lat       double precision NOT NULL,
    crs            text NOT NULL DEFAULT 'wgs84' CHECK (crs IN ('wgs84', 'gcj02', 'bd09')),
    h3             bigint NOT NULL,
    street_code    text,
    community_code text,
    grid_code      text,
    building_code  text,
    status         text NOT NULL CHECK (status IN ('reported', 'heard', 'deliberating', 'decided', 'dispatched',
                                                   'in_progress', 'resolved', 'verified', 'closed', 'suspended',
                                                   'cancelled')),
    classification text NOT NULL CHECK (classification IN ('immediate', 'pending', 'escalate', 'suggestion',
                                                           'redo')),
    assignee_code  text NOT NULL DEFAULT '',
    reporter_name  text NOT NULL DEFAULT '',
    reporter_phone text NOT NULL DEFAULT '',
    satisfaction   text NOT NULL DEFAULT '',
    redone         int NOT NULL DEFAULT 0,
    duplicate_of   bigint REFERENCES cases (id),
    supporters     int NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    due_at         timestamptz,
    closed_at      timestamptz
);
CREATE INDEX cases_geom_idx ON cases USING gist (geom);
CREATE INDEX cases_status_idx ON cases (status);
CREATE INDEX cases_grid_idx ON cases (grid_code, status);
CREATE INDEX cases_created_idx ON cases (created_at);
CREATE INDEX cases_category_idx ON cases (category, created_at);

CREATE TABLE case_events (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    action      text NOT NULL,
    from_status text NOT NULL DEFAULT '',
    to_status   text NOT NULL,
    actor       text NOT NULL DEFAULT '',
    actor_role  text NOT NULL DEFAULT '',
    actor_unit  text NOT NULL DEFAULT '',
    note        text NOT NULL DEFAULT '',
    data        jsonb NOT NULL DEFAULT '{}',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_events_case_idx ON case_events (case_id, id);
