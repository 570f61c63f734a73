-- Case management: partner organisations, facilities, persons, cases and their timeline.

CREATE TABLE partner_organisations (
    id uuid PRIMARY KEY,
    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    name_bn text NOT NULL CHECK (length(name_bn) BETWEEN 1 AND 200),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE facilities (
    id uuid PRIMARY KEY,
    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    name_bn text NOT NULL CHECK (length(name_bn) BETWEEN 1 AND 200),
    facility_type text NOT NULL CHECK (facility_type IN ('safe_home', 'srtrccr_centre', 'drop_in_centre',
        'shishu_paribar', 'chotomoni_nibash', 'office')),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT facilities_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    capacity_female integer NOT NULL CHECK (capacity_female >= 0),
    capacity_male integer NOT NULL CHECK (capacity_male >= 0),
    capacity_hijra integer NOT NULL CHECK (capacity_hijra >= 0),
    stay_limit_months integer CHECK (stay_limit_months > 0),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX facilities_division_id_idx ON facilities (division_id, id);
CREATE INDEX facilities_district_id_idx ON facilities (district_id, id);
CREATE INDEX facilities_upazila_id_idx ON facilities (upazila_id, id);

-- Which partner organisations serve which facilities (MJF in the eight safe homes).
CREATE TABLE facility_partners (
    facility_id uuid NOT NULL REFERENCES facilities (id),
    partner_id uuid NOT NULL REFERENCES partner_organisations (id),
    PRIMARY KEY (facility_id, partner_id)
);
CREATE INDEX facility_partners_partner_id_idx ON facility_partners (partner_id, facility_id);

CREATE TABLE persons (
    id uuid PRIMARY KEY,
    name_en text,
    name_bn text,
    CHECK (coalesce(name_en, name_bn) IS NOT NULL),
    sex text NOT NULL CHECK (sex IN ('female', 'male', 'hijra')),
    date_of_birth date NOT NULL,
    date_of_birth_estimated boolean NOT NULL DEFAULT false,
    -- Identifiers in ASCII digits; each identifies one person.
    nid text UNIQUE CHECK (nid ~ '^([0-9]{10}|[0-9]{13}|[0-9]{17})$'),
    birth_registration_number text UNIQUE CHECK (birth_registration_number ~ '^[0-9]{16,17}$'),
    mobile text CHECK (mobile ~ '^01[3-9][0-9]{8}$'),
    nationality text NOT NULL DEFAULT 'BD' CHECK (nationality ~ '^[A-Z]{2}$'),
    disability text,
    division_id integer REFERENCES divisions (id),
    district_id integer REFERENCES districts (id),
    upazila_id integer REFERENCES upazilas (id),
    union_id integer REFERENCES unions (id),
    address text,
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX persons_name_en_trgm_idx ON persons USING gin (lower(name_en) gin_trgm_ops);
CREATE INDEX persons_name_bn_trgm_idx ON persons USING gin (name_bn gin_trgm_ops);
CREATE INDEX persons_dob_idx ON persons (date_of_birth);
CREATE INDEX persons_division_id_idx ON persons (division_id);
CREATE INDEX persons_district_id_idx ON persons (district_id);
CREATE INDEX persons_upazila_id_idx ON persons (upazila_id);
CREATE INDEX persons_union_id_idx ON persons (union_id);

CREATE SEQUENCE case_number_seq;

-- A case is stored whole (`state`, the domain aggregate as JSON) with the columns that
-- lists, filters, access and the work queue need kept beside it. Keyed so it could be
-- distributed by district.
CREATE TABLE cases (
    id uuid PRIMARY KEY,
    case_number text NOT NULL UNIQUE,
    kind text NOT NULL CHECK (kind IN ('safe_home', 'child_protection')),
    status text NOT NULL,
    person_id uuid NOT NULL REFERENCES persons (id),
    managing_facility_id uuid REFERENCES facilities (id),
    residence_facility_id uuid REFERENCES facilities (id),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT cases_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    sex text NOT NULL,
    date_of_birth date NOT NULL,
    risk_level text,
    risk_categories text[] NOT NULL DEFAULT '{}',
    opened_on date NOT NULL,
    closed_on date,
    next_follow_up_due date,
    stay_until date,
    ages_out_on date,
    pending_approvals integer NOT NULL DEFAULT 0,
    state jsonb NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_person_id_idx ON cases (person_id);
CREATE INDEX cases_managing_facility_id_idx ON cases (managing_facility_id, id);
CREATE INDEX cases_residence_facility_id_idx ON cases (residence_facility_id, sex);
CREATE INDEX cases_division_id_idx ON cases (division_id, id);
CREATE INDEX cases_district_id_idx ON cases (district_id, id);
CREATE INDEX cases_upazila_id_idx ON cases (upazila_id, id);
CREATE INDEX cases_status_idx ON cases (status, id);
CREATE INDEX cases_next_follow_up_due_idx ON cases (next_follow_up_due) WHERE next_follow_up_due IS NOT NULL;
CREATE INDEX cases_risk_categories_idx ON cases USING gin (risk_categories);
CREATE INDEX cases_kind_idx ON cases (kind, managing_facility_id);

-- The case's timeline: every accepted command, what followed from it, who and when.
CREATE TABLE case_events (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES cases (id),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id uuid,
    actor_label text NOT NULL,
    action text NOT NULL,
    status_before text,
    status_after text NOT NULL,
    data jsonb NOT NULL,
    happenings jsonb NOT NULL DEFAULT '[]',
    district_id integer NOT NULL
);
CREATE INDEX case_events_case_id_idx ON case_events (case_id, id);
CREATE INDEX case_events_action_idx ON case_events (action, occurred_at);
