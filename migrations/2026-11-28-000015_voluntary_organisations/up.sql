-- Voluntary social welfare organisations (Registration and Control Ordinance, 1961): the
-- register each district social services office keeps, its timeline, annual reports, grants
-- through the Social Welfare Council, and the registry report's cells.
CREATE TABLE voluntary_organisations (
    id uuid PRIMARY KEY,
    name_en text CHECK (length(name_en) BETWEEN 1 AND 300),
    name_bn text NOT NULL CHECK (length(name_bn) BETWEEN 1 AND 300),
    address text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT voluntary_organisations_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    status text NOT NULL CHECK (status IN ('applied', 'registered', 'refused', 'suspended', 'dissolved')),
    applied_on date NOT NULL,
    documents text[] NOT NULL CHECK (documents <@ ARRAY['constitution', 'committee_list', 'formation_minutes', 'office_proof',
        'bank_account', 'work_plan']),
    inspected_on date CHECK (inspected_on >= applied_on),
    inspected_by text CHECK (length(inspected_by) BETWEEN 1 AND 200),
    inspection_recommends boolean,
    inspection_notes text CHECK (length(inspection_notes) <= 2000),
    CHECK ((inspected_on IS NULL) = (inspection_recommends IS NULL)),
    registration_number text UNIQUE,
    registered_on date CHECK (registered_on >= applied_on),
    CHECK ((registration_number IS NULL) = (registered_on IS NULL)),
    CHECK (status IN ('applied', 'refused') OR registration_number IS NOT NULL),
    decided_on date,
    status_reason text CHECK (length(status_reason) <= 1000),
    committee jsonb NOT NULL DEFAULT '[]',
    committee_since date,
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX voluntary_organisations_district_id_idx ON voluntary_organisations (district_id, id);
CREATE INDEX voluntary_organisations_division_id_idx ON voluntary_organisations (division_id, id);
CREATE INDEX voluntary_organisations_upazila_id_idx ON voluntary_organisations (upazila_id, id);
CREATE INDEX voluntary_organisations_status_idx ON voluntary_organisations (status, id);
-- Search by name, Bangla or English (trigram), as for persons.
CREATE INDEX voluntary_organisations_name_en_trgm_idx ON voluntary_organisations USING gin (lower(name_en) gin_trgm_ops);
CREATE INDEX voluntary_organisations_name_bn_trgm_idx ON voluntary_organisations USING gin (name_bn gin_trgm_ops);

-- Each district's register numbers its organisations in order.
CREATE TABLE voluntary_registration_counters (
    district_id integer PRIMARY KEY REFERENCES districts (id),
    last_number integer NOT NULL
);

-- Every change of status, on the day it took effect: the timeline, and what the registry
-- report counts from.
CREATE TABLE voluntary_organisation_events (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES voluntary_organisations (id),
    action text NOT NULL,
    status_before text,
    status_after text NOT NULL,
    on_date date NOT NULL,
    reason text,
    actor_id uuid,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL
);
CREATE INDEX voluntary_organisation_events_organisation_id_idx ON voluntary_organisation_events (organisation_id, occurred_at);

-- Organisations per district and status, as changes on the day they took effect: the count
-- in a status on a day is the sum of its cells up to that day. Kept by a statement trigger.
CREATE TABLE voluntary_status_cells (
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    status text NOT NULL,
    on_date date NOT NULL,
    division_id integer NOT NULL,
    organisations bigint NOT NULL,
    PRIMARY KEY (district_id, upazila_id, status, on_date)
);

CREATE FUNCTION voluntary_status_cells_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO voluntary_status_cells AS t (district_id, upazila_id, status, on_date, division_id, organisations)
    SELECT district_id, upazila_id, status, on_date, min(division_id), sum(n)
      FROM (SELECT district_id, upazila_id, status_after AS status, on_date, division_id, 1 AS n FROM new_rows
            UNION ALL
            SELECT district_id, upazila_id, status_before, on_date, division_id, -1 FROM new_rows WHERE status_before IS NOT NULL) d
     GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (district_id, upazila_id, status, on_date) DO UPDATE SET organisations = t.organisations + EXCLUDED.organisations;
    RETURN NULL;
END $$;

CREATE TRIGGER voluntary_status_cells_insert AFTER INSERT ON voluntary_organisation_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION voluntary_status_cells_maintain();

CREATE TABLE voluntary_annual_reports (
    organisation_id uuid NOT NULL REFERENCES voluntary_organisations (id),
    year integer NOT NULL,
    submitted_on date NOT NULL,
    audited boolean NOT NULL,
    income_taka bigint NOT NULL CHECK (income_taka >= 0),
    expenditure_taka bigint NOT NULL CHECK (expenditure_taka >= 0),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organisation_id, year)
);

-- One-off grants through the Social Welfare Council: at most one per organisation a year.
CREATE TABLE voluntary_grants (
    id uuid PRIMARY KEY,
    organisation_id uuid NOT NULL REFERENCES voluntary_organisations (id),
    fiscal_year integer NOT NULL,
    amount_taka bigint NOT NULL CHECK (amount_taka > 0),
    purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    granted_on date NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, fiscal_year)
);

-- A partner organisation (an NGO serving facilities) is, where it is one, a registered
-- voluntary organisation.
ALTER TABLE partner_organisations ADD COLUMN voluntary_organisation_id uuid UNIQUE REFERENCES voluntary_organisations (id);
