-- Jobs survive their server. A job is a row: any server's workers claim it (FOR UPDATE SKIP
-- LOCKED) with a lease they renew while they work; a job whose lease ran out (its server
-- died) is claimed again by another. A job's work and its completion commit in one
-- transaction, and only while the worker still holds it, so a job's effect happens once.
ALTER TABLE jobs
    DROP CONSTRAINT jobs_status_check,
    ADD CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    -- What to do: the job kind's parameters (the cycle to generate, the importer's scope, ...).
    ADD COLUMN payload jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN worker text,
    ADD COLUMN lease_until timestamptz,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0;
-- The jobs a worker may claim: queued, or running on a lease that ran out.
CREATE INDEX jobs_claimable_idx ON jobs (id) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_status_idx ON jobs (status, id);

-- An uploaded file a job reads (an import), kept until the job ends.
CREATE TABLE job_inputs (
    job_id uuid PRIMARY KEY REFERENCES jobs (id),
    content bytea NOT NULL
);
