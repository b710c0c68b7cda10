-- KPIs per unit and period: cases by each level's code and time, and the events the rates look for.
CREATE INDEX cases_street_created_idx ON cases (street_code, created_at);
CREATE INDEX cases_community_created_idx ON cases (community_code, created_at);
CREATE INDEX cases_grid_created_idx ON cases (grid_code, created_at);
CREATE INDEX case_events_response_idx ON case_events (case_id) INCLUDE (action, at) WHERE action IN ('hear', 'escalate');
