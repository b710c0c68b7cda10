-- Intake: idempotency keys, supporters of duplicate reports, photos and reporters' points.

-- A client's Idempotency-Key: the same key within 24 hours returns the first answer and creates nothing.
-- snapshot is the case as it was answered the first time.
CREATE TABLE idempotency_keys (
    key          text PRIMARY KEY,
    request_hash text NOT NULL,
    case_id      bigint REFERENCES cases (id) ON DELETE CASCADE,
    snapshot     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- A report that repeats an open case nearby is linked to it as a supporter (附议) rather than becoming a case.
CREATE TABLE case_supporters (
    id             bigserial PRIMARY KEY,
    case_id        bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    description    text NOT NULL,
    channel        text NOT NULL,
    geom           geometry(Point, 4326) NOT NULL,
    orig_lon       double precision NOT NULL,
    orig_lat       double precision NOT NULL,
    crs            text NOT NULL,
    reporter_name  text NOT NULL DEFAULT '',
    reporter_phone text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_supporters_case_idx ON case_supporters (case_id);

-- Photos attached to a case or to one of its events; the type is sniffed from the bytes, not trusted.
CREATE TABLE case_photos (
    id           bigserial PRIMARY KEY,
    case_id      bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    event_id     bigint REFERENCES case_events (id) ON DELETE CASCADE,
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    sha256       text NOT NULL,
    bytes        bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_photos_case_idx ON case_photos (case_id);

-- Reporter points (积分), credited when a report becomes a case.
CREATE TABLE reporter_points (
    id             bigserial PRIMARY KEY,
    reporter_phone text NOT NULL,
    case_id        bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    points         int NOT NULL,
    reason         text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reporter_points_phone_idx ON reporter_points (reporter_phone);

-- Open cases near a point, for the de-duplication lookup.
CREATE INDEX cases_open_geom_idx ON cases USING gist (geom) WHERE status NOT IN ('closed', 'cancelled');
