-- Social allowances: programmes as versioned data, quotas, applications, beneficiaries,
-- payment cycles and payments (payroll is generated set-based in SQL), and CCT compliance.

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

-- Places per programme, upazila and fiscal year (named by its first year: 2025 = FY2025-26).
CREATE TABLE quotas (
    programme_code text NOT NULL,
    upazila_id integer NOT NULL REFERENCES upazilas (id),
    fiscal_year integer NOT NULL CHECK (fiscal_year BETWEEN 1971 AND 2200),
    places integer NOT NULL CHECK (places >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (programme_code, upazila_id, fiscal_year)
);
CREATE INDEX quotas_upazila_id_idx ON quotas (upazila_id);

CREATE TABLE applications (
    id uuid PRIMARY KEY,
    programme_code text NOT NULL,
    person_id uuid NOT NULL REFERENCES persons (id),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT applications_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    status text NOT NULL CHECK (status IN ('submitted', 'verified', 'rejected', 'approved', 'waitlisted', 'withdrawn')),
    facts jsonb NOT NULL,
    education_level text,
    verdict text NOT NULL CHECK (verdict IN ('eligible', 'ineligible', 'needs_verification')),
    reasons jsonb NOT NULL DEFAULT '[]',
    priority_score integer NOT NULL DEFAULT 0,
    submitted_on date NOT NULL,
    verified_by uuid,
    verified_on date,
    decided_by uuid,
    decided_on date,
    note text,
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One open application per person and programme.
CREATE UNIQUE INDEX applications_one_open_idx ON applications (person_id, programme_code)
    WHERE status IN ('submitted', 'verified', 'waitlisted');
CREATE INDEX applications_person_id_idx ON applications (person_id);
CREATE INDEX applications_division_id_idx ON applications (division_id, id);
CREATE INDEX applications_district_id_idx ON applications (district_id, id);
CREATE INDEX applications_upazila_id_idx ON applications (upazila_id, programme_code, status, priority_score DESC, id);

CREATE TABLE beneficiaries (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES persons (id),
    programme_code text NOT NULL,
    exclusivity_group text,
    application_id uuid NOT NULL REFERENCES applications (id),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT beneficiaries_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    sex text NOT NULL,
    education_level text,
    status text NOT NULL CHECK (status IN ('active', 'suspended', 'exited')),
    exit_reason text CHECK (exit_reason IN ('died', 'no_longer_eligible', 'moved')),
    CHECK ((status = 'exited') = (exit_reason IS NOT NULL)),
    start_month date NOT NULL CHECK (extract(day FROM start_month) = 1),
    end_month date,
    payment_provider text CHECK (payment_provider IN ('bkash', 'nagad', 'rocket', 'upay', 'bank')),
    account_number text,
    CHECK ((payment_provider IS NULL) = (account_number IS NULL)),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- The database enforces what the domain does: one beneficiary per person and programme, and
-- one allowance per person within an exclusivity group (one person, one government allowance).
CREATE UNIQUE INDEX beneficiaries_one_per_programme_idx ON beneficiaries (person_id, programme_code) WHERE status <> 'exited';
CREATE UNIQUE INDEX beneficiaries_one_per_group_idx ON beneficiaries (person_id, exclusivity_group)
    WHERE status <> 'exited' AND exclusivity_group IS NOT NULL;
CREATE INDEX beneficiaries_person_id_idx ON beneficiaries (person_id);
CREATE INDEX beneficiaries_application_id_idx ON beneficiaries (application_id);
CREATE INDEX beneficiaries_division_id_idx ON beneficiaries (division_id, id);
CREATE INDEX beneficiaries_district_id_idx ON beneficiaries (district_id, id);
CREATE INDEX beneficiaries_upazila_id_idx ON beneficiaries (upazila_id, programme_code, status);

-- Monthly rates by programme, fiscal year and level ('' where the programme pays one rate),
-- kept in step with the programme versions at start-up, for set-based payroll.
CREATE TABLE programme_rates (
    programme_code text NOT NULL,
    fiscal_year integer NOT NULL,
    level text NOT NULL DEFAULT '',
    monthly_taka bigint NOT NULL CHECK (monthly_taka >= 0),
    PRIMARY KEY (programme_code, fiscal_year, level)
);

CREATE TABLE payment_cycles (
    id uuid PRIMARY KEY,
    programme_code text NOT NULL,
    -- NULL: the whole country; else one upazila.
    upazila_id integer REFERENCES upazilas (id),
    period_start date NOT NULL CHECK (extract(day FROM period_start) = 1),
    period_end date NOT NULL CHECK (period_end >= period_start),
    status text NOT NULL CHECK (status IN ('draft', 'generated', 'approved', 'reconciled')),
    generated_by uuid,
    generated_at timestamptz,
    approved_by uuid,
    approved_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    -- One calendar per programme: two cycles overlap only if they have the same period (what
    -- lets one unique index on payments refuse double pay).
    CONSTRAINT payment_cycles_one_calendar_start EXCLUDE USING gist (
        programme_code WITH =, daterange(period_start, period_end, '[]') WITH &&, period_start WITH <>
    ),
    CONSTRAINT payment_cycles_one_calendar_end EXCLUDE USING gist (
        programme_code WITH =, daterange(period_start, period_end, '[]') WITH &&, period_end WITH <>
    )
);
CREATE INDEX payment_cycles_programme_idx ON payment_cycles (programme_code, period_start);
CREATE INDEX payment_cycles_upazila_id_idx ON payment_cycles (upazila_id);

CREATE TABLE payments (
    id uuid PRIMARY KEY DEFAULT uuid_v7(),
    -- No foreign keys to the cycle and the beneficiary: at national scale their row-by-row
    -- checks (an index probe and a row lock per payment) took 30% of payroll time. Payments
    -- are written only by payroll, which selects the cycle and the beneficiary it pays (so
    -- both exist), and the way out is guarded: a beneficiary or a cycle with payments cannot
    -- be deleted (`refuse_delete_with_payments`).
    cycle_id uuid NOT NULL,
    beneficiary_id uuid NOT NULL,
    programme_code text NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    months integer NOT NULL CHECK (months > 0),
    amount_taka bigint NOT NULL CHECK (amount_taka >= 0),
    provider text NOT NULL,
    account_number text NOT NULL,
    -- A failed payment carried into a later cycle points at the original.
    carried_from uuid REFERENCES payments (id),
    status text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'carried')),
    failure_reason text,
    provider_reference text,
    settled_at timestamptz,
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
);
-- Nobody is paid twice: the cycles of a programme follow one calendar of periods (above), so
-- any two payments to a beneficiary for overlapping months have the same period start, and one
-- unique index refuses the second (a plain B-tree, not a GiST exclusion over millions of rows).
CREATE UNIQUE INDEX payments_once_per_period_idx ON payments (beneficiary_id, period_start) WHERE carried_from IS NULL;
CREATE UNIQUE INDEX payments_carried_once_idx ON payments (carried_from) WHERE carried_from IS NOT NULL;
CREATE INDEX payments_cycle_id_idx ON payments (cycle_id, provider, id);
CREATE INDEX payments_district_id_idx ON payments (district_id);

CREATE FUNCTION refuse_delete_with_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_TABLE_NAME = 'beneficiaries' AND EXISTS (SELECT 1 FROM payments WHERE beneficiary_id = OLD.id))
       OR (TG_TABLE_NAME = 'payment_cycles' AND EXISTS (SELECT 1 FROM payments WHERE cycle_id = OLD.id)) THEN
        RAISE EXCEPTION 'a % with payments cannot be deleted', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER beneficiaries_keep_paid BEFORE DELETE ON beneficiaries
    FOR EACH ROW EXECUTE FUNCTION refuse_delete_with_payments();
CREATE TRIGGER payment_cycles_keep_paid BEFORE DELETE ON payment_cycles
    FOR EACH ROW EXECUTE FUNCTION refuse_delete_with_payments();

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
