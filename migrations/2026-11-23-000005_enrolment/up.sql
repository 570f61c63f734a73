-- Allowance enrolment: quotas per upazila and fiscal year, applications, beneficiaries.

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
    division_id integer NOT NULL REFERENCES divisions (id),
    district_id integer NOT NULL REFERENCES districts (id),
    upazila_id integer NOT NULL REFERENCES upazilas (id),
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
    division_id integer NOT NULL REFERENCES divisions (id),
    district_id integer NOT NULL REFERENCES districts (id),
    upazila_id integer NOT NULL REFERENCES upazilas (id),
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
