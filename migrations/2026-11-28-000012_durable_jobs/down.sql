DROP TABLE job_inputs;
DROP INDEX jobs_status_idx;
DROP INDEX jobs_claimable_idx;
ALTER TABLE jobs DROP COLUMN attempts, DROP COLUMN lease_until, DROP COLUMN worker, DROP COLUMN payload,
    DROP CONSTRAINT jobs_status_check,
    ADD CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed'));
