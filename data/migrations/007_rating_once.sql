-- A resident rates a case once per round of evaluation.
CREATE UNIQUE INDEX case_ratings_once_idx ON case_ratings (case_id, rater, round);
