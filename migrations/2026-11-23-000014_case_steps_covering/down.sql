DROP INDEX case_steps_period_idx;
ALTER TABLE case_steps DROP COLUMN previous_on;
CREATE INDEX case_steps_period_idx ON case_steps (kind, on_date) INCLUDE (step, case_id, district_id, upazila_id);
