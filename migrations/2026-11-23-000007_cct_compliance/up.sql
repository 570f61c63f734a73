-- Conditional cash transfer compliance: one record per beneficiary and month (school
-- attendance, no child marriage, no child labour). A breach holds payment (payroll leaves the
-- beneficiary out) until a supervisor reviews it.
CREATE TABLE cct_compliance (
    beneficiary_id uuid NOT NULL REFERENCES beneficiaries (id),
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    school_attendance boolean NOT NULL,
    no_child_marriage boolean NOT NULL,
    no_child_labour boolean NOT NULL,
    breach boolean GENERATED ALWAYS AS (NOT (school_attendance AND no_child_marriage AND no_child_labour)) STORED,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    reviewed_by uuid,
    reviewed_at timestamptz,
    review_note text,
    PRIMARY KEY (beneficiary_id, month)
);
CREATE INDEX cct_compliance_unreviewed_idx ON cct_compliance (beneficiary_id) WHERE breach AND reviewed_at IS NULL;
