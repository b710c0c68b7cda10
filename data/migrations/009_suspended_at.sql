-- When a suspended case (挂账) was suspended: its deadline's clock stops then and runs again on resume.
ALTER TABLE cases ADD COLUMN suspended_at timestamptz;
-- Cases suspended before now: the time of their latest suspend event.
UPDATE cases c SET suspended_at = e.at
FROM (SELECT case_id, max(at) AS at FROM case_events WHERE action = 'suspend' GROUP BY case_id) e
WHERE c.status = 'suspended' AND e.case_id = c.id;
