-- Allowance programmes as versioned data. `definition` holds the domain's ProgrammeVersion
-- (criteria, rates by fiscal year and level, payment frequency, exclusivity group). The
-- shipped programmes are inserted at start-up (`persistence::programmes::seed`), so a new
-- version is a row, not code.
CREATE TABLE programme_versions (
    id uuid PRIMARY KEY,
    code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{1,63}$'),
    effective_from date NOT NULL,
    effective_to date CHECK (effective_to IS NULL OR effective_to >= effective_from),
    name_en text NOT NULL,
    name_bn text NOT NULL,
    department text NOT NULL,
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (code, effective_from)
);
