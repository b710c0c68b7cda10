-- The six-step workflow: case state beyond intake, deliberation, evaluation, notifications and the live feed.
ALTER TABLE cases
    ADD COLUMN reporter_id       text NOT NULL DEFAULT '',
    ADD COLUMN deliberated       boolean NOT NULL DEFAULT false,
    ADD COLUMN suspended_from    text NOT NULL DEFAULT '',
    ADD COLUMN prev_assignee     text NOT NULL DEFAULT '',
    ADD COLUMN handler           text NOT NULL DEFAULT '',
    ADD COLUMN escalations       int NOT NULL DEFAULT 0,
    ADD COLUMN rated_satisfied   int NOT NULL DEFAULT 0,
    ADD COLUMN rated_basic       int NOT NULL DEFAULT 0,
    ADD COLUMN rated_unsatisfied int NOT NULL DEFAULT 0,
    ADD COLUMN verified_at       timestamptz;
CREATE INDEX cases_overdue_idx ON cases (due_at) WHERE status IN ('reported', 'heard', 'dispatched', 'in_progress');
CREATE INDEX cases_evaluating_idx ON cases (verified_at) WHERE status = 'verified';
CREATE INDEX cases_reporter_idx ON cases (reporter_id) WHERE reporter_id <> '';
CREATE INDEX cases_assignee_idx ON cases (assignee_code, status);

-- 社区议事: a case on the agenda of a speak-and-discuss point, the meeting that took it up, the motion voted on.
CREATE TABLE agenda_items (
    id         bigserial PRIMARY KEY,
    point_code text NOT NULL REFERENCES discuss_points (code),
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    added_at   timestamptz NOT NULL,
    outcome    text NOT NULL DEFAULT 'open' CHECK (outcome IN ('open', 'passed', 'rejected'))
);
CREATE INDEX agenda_items_point_idx ON agenda_items (point_code, outcome);
CREATE INDEX agenda_items_case_idx ON agenda_items (case_id);

CREATE TABLE meetings (
    id           bigserial PRIMARY KEY,
    point_code   text REFERENCES discuss_points (code),
    held_at      timestamptz NOT NULL,
    participants text[] NOT NULL DEFAULT '{}',
    minutes      text NOT NULL DEFAULT ''
);

-- 民主定事: a motion passes with more than two thirds of the votes cast (configurable).
CREATE TABLE motions (
    id         bigserial PRIMARY KEY,
    meeting_id bigint REFERENCES meetings (id) ON DELETE SET NULL,
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    yes        int NOT NULL CHECK (yes >= 0),
    no         int NOT NULL CHECK (no >= 0),
    abstain    int NOT NULL CHECK (abstain >= 0),
    passed     boolean NOT NULL,
    owner      text NOT NULL DEFAULT '',
    due_at     timestamptz,
    decided_at timestamptz NOT NULL
);
CREATE INDEX motions_case_idx ON motions (case_id);

-- 群众评事: each rating, by the reporter or a residents' representative.
CREATE TABLE case_ratings (
    id       bigserial PRIMARY KEY,
    case_id  bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    rater    text NOT NULL,
    role     text NOT NULL,
    rating   text NOT NULL CHECK (rating IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
    round    int NOT NULL DEFAULT 0,
    rated_at timestamptz NOT NULL
);
CREATE INDEX case_ratings_case_idx ON case_ratings (case_id);

-- What an assignee is told: a case given to it, escalated to it, or sent back to it for redoing.
CREATE TABLE notifications (
    id         bigserial PRIMARY KEY,
    recipient  text NOT NULL,
    case_id    bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind       text NOT NULL,
    message    text NOT NULL,
    created_at timestamptz NOT NULL,
    read_at    timestamptz
);
CREATE INDEX notifications_recipient_idx ON notifications (recipient, id);

-- The live feed: every statement that appends case events tells listeners the newest event id.
CREATE FUNCTION notify_case_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('case_events', (SELECT max(id)::text FROM new_events));
    RETURN NULL;
END $$;
CREATE TRIGGER case_events_notify AFTER INSERT ON case_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION notify_case_events();
