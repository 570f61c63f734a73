-- Hospital social services: a poor patient's request to the office at a hospital, its
-- assessment, and the aid given as typed items in taka; the cells of the report of patients
-- helped and money spent by hospital and month.
ALTER TABLE facilities DROP CONSTRAINT facilities_facility_type_check,
    ADD CONSTRAINT facilities_facility_type_check CHECK (facility_type IN ('safe_home', 'srtrccr_centre', 'drop_in_centre',
        'shishu_paribar', 'chotomoni_nibash', 'office', 'night_shelter', 'child_friendly_space', 'open_air_school',
        'hospital_social_services'));

CREATE TABLE hospital_patients (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    requested_on date NOT NULL,
    ailment text NOT NULL CHECK (length(ailment) BETWEEN 1 AND 500),
    ward text CHECK (length(ward) <= 100),
    burn_victim boolean NOT NULL,
    status text NOT NULL CHECK (status IN ('requested', 'eligible', 'declined', 'closed')),
    assessed_on date CHECK (assessed_on >= requested_on),
    assessed_by text CHECK (length(assessed_by) BETWEEN 1 AND 200),
    household_income_taka bigint CHECK (household_income_taka >= 0),
    assessment_notes text CHECK (length(assessment_notes) <= 2000),
    CHECK ((status = 'requested') = (assessed_on IS NULL) OR status = 'closed'),
    aid_taka bigint NOT NULL DEFAULT 0 CHECK (aid_taka BETWEEN 0 AND 200000),
    closed_on date,
    rehabilitation_referred_on date,
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hospital_patients_facility_id_idx ON hospital_patients (facility_id, id);
CREATE INDEX hospital_patients_person_id_idx ON hospital_patients (person_id);
CREATE INDEX hospital_patients_upazila_id_idx ON hospital_patients (upazila_id, id);
CREATE INDEX hospital_patients_district_id_idx ON hospital_patients (district_id, id);
CREATE INDEX hospital_patients_division_id_idx ON hospital_patients (division_id, id);

-- Aid as given, append-only: what the money was spent on.
CREATE TABLE hospital_aid (
    id uuid PRIMARY KEY,
    patient_id uuid NOT NULL REFERENCES hospital_patients (id),
    facility_id uuid NOT NULL REFERENCES facilities (id),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    given_on date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('medicine', 'diagnostic_test', 'assistive_device', 'blood', 'surgery', 'burn_treatment',
        'food', 'clothing', 'transport', 'cash', 'other')),
    description text CHECK (length(description) <= 300),
    amount_taka bigint NOT NULL CHECK (amount_taka > 0),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hospital_aid_patient_id_idx ON hospital_aid (patient_id, given_on);
CREATE INDEX hospital_aid_facility_id_idx ON hospital_aid (facility_id, given_on);

-- Money by hospital, month and kind; and each patient once per hospital and month (patients
-- helped in a month are distinct). Both kept by a statement trigger on hospital_aid.
CREATE TABLE hospital_aid_cells (
    facility_id uuid NOT NULL REFERENCES facilities (id),
    month date NOT NULL,
    kind text NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    items bigint NOT NULL,
    amount_taka bigint NOT NULL,
    PRIMARY KEY (facility_id, month, kind)
);
CREATE INDEX hospital_aid_cells_month_idx ON hospital_aid_cells (month, facility_id);

CREATE TABLE hospital_patient_months (
    facility_id uuid NOT NULL REFERENCES facilities (id),
    month date NOT NULL,
    patient_id uuid NOT NULL REFERENCES hospital_patients (id),
    PRIMARY KEY (facility_id, month, patient_id)
);
CREATE INDEX hospital_patient_months_patient_id_idx ON hospital_patient_months (patient_id);

CREATE FUNCTION hospital_aid_cells_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hospital_aid_cells AS t (facility_id, month, kind, division_id, district_id, upazila_id, items, amount_taka)
    SELECT facility_id, date_trunc('month', given_on)::date, kind, min(division_id), min(district_id), min(upazila_id),
           count(*), sum(amount_taka)
      FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (facility_id, month, kind)
    DO UPDATE SET items = t.items + EXCLUDED.items, amount_taka = t.amount_taka + EXCLUDED.amount_taka;
    INSERT INTO hospital_patient_months (facility_id, month, patient_id)
    SELECT DISTINCT facility_id, date_trunc('month', given_on)::date, patient_id FROM new_rows ORDER BY 1, 2, 3
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER hospital_aid_cells_insert AFTER INSERT ON hospital_aid
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hospital_aid_cells_maintain();
-- Aid is append-only: a mistake is answered by a note, not by changing what was given.
CREATE FUNCTION hospital_aid_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'hospital aid is append-only';
END $$;
CREATE TRIGGER hospital_aid_no_change BEFORE UPDATE OR DELETE ON hospital_aid
    FOR EACH STATEMENT EXECUTE FUNCTION hospital_aid_append_only();
