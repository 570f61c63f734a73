-- Capitation grants to registered private orphanages: each fiscal year's allotment (orphans
-- funded) and the bank account the grant goes to; the orphans listed at each orphanage (they
-- are beneficiaries of the `orphanage_capitation` programme, paid by the ordinary payment
-- cycles); inspections, after which an absent orphan is not paid for until found present.
CREATE TABLE capitation_allotments (
    organisation_id uuid NOT NULL REFERENCES voluntary_organisations (id),
    fiscal_year integer NOT NULL,
    orphans integer NOT NULL CHECK (orphans BETWEEN 1 AND 10000),
    bank_account text NOT NULL CHECK (bank_account ~ '^[0-9]{10,20}$'),
    version integer NOT NULL DEFAULT 1,
    updated_by uuid,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, fiscal_year)
);

CREATE TABLE capitation_orphans (
    beneficiary_id uuid PRIMARY KEY REFERENCES beneficiaries (id),
    organisation_id uuid NOT NULL REFERENCES voluntary_organisations (id),
    listed_on date NOT NULL,
    -- Absent at the orphanage's last inspection: not paid for until found present.
    absent_since date,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX capitation_orphans_organisation_id_idx ON capitation_orphans (organisation_id);
CREATE INDEX capitation_orphans_absent_idx ON capitation_orphans (beneficiary_id) WHERE absent_since IS NOT NULL;

CREATE TABLE capitation_inspections (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES voluntary_organisations (id),
    inspected_on date NOT NULL,
    inspected_by text NOT NULL CHECK (length(inspected_by) BETWEEN 1 AND 200),
    present integer NOT NULL,
    absent integer NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX capitation_inspections_organisation_id_idx ON capitation_inspections (organisation_id, inspected_on);
