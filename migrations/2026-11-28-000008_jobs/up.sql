-- Long operations (bulk imports) run as jobs the client polls for progress.
CREATE TABLE jobs (
    id uuid PRIMARY KEY,
    kind text NOT NULL,
    status text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    total bigint NOT NULL DEFAULT 0,
    done bigint NOT NULL DEFAULT 0,
    result jsonb,
    error text,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    started_at timestamptz,
    finished_at timestamptz
);
CREATE INDEX jobs_created_by_idx ON jobs (created_by, id);
