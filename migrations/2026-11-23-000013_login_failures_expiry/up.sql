-- Expired failures are deleted as new ones arrive (by time, across names).
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);
