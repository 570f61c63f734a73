-- Residents of child-care and rehabilitation institutions: stays from admission to leaving.
-- A transfer ends one stay and begins the next, which names it (the child's history is the
-- chain of stays). The report of residents per institution, sex and month sums the cells.
ALTER TABLE facilities DROP CONSTRAINT facilities_facility_type_check,
    ADD CONSTRAINT facilities_facility_type_check CHECK (facility_type IN ('safe_home', 'srtrccr_centre', 'drop_in_centre',
        'shishu_paribar', 'chotomoni_nibash', 'office', 'night_shelter', 'child_friendly_space', 'open_air_school',
        'hospital_social_services', 'vagrant_children_centre', 'orphan_girls_training_centre', 'visually_impaired_school',
        'disadvantaged_girls_centre'));

CREATE TABLE institution_stays (
    id uuid PRIMARY KEY,
    facility_id uuid NOT NULL REFERENCES facilities (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    sex text NOT NULL CHECK (sex IN ('female', 'male', 'hijra')),
    admitted_on date NOT NULL,
    -- The day the resident reaches the institution's age limit.
    leaves_on date NOT NULL,
    transferred_from uuid UNIQUE REFERENCES institution_stays (id),
    left_on date CHECK (left_on >= admitted_on),
    leave_reason text CHECK (leave_reason IN ('transferred', 'aged_out', 'reintegrated', 'absconded', 'died', 'other')),
    CHECK ((left_on IS NULL) = (leave_reason IS NULL)),
    rehabilitation_plan text CHECK (length(rehabilitation_plan) <= 2000),
    CHECK (leave_reason IS DISTINCT FROM 'aged_out' OR rehabilitation_plan IS NOT NULL),
    leave_notes text CHECK (length(leave_notes) <= 1000),
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- A child lives in one institution at a time.
CREATE UNIQUE INDEX institution_stays_open_idx ON institution_stays (person_id) WHERE left_on IS NULL;
CREATE INDEX institution_stays_person_id_idx ON institution_stays (person_id, admitted_on);
CREATE INDEX institution_stays_facility_id_idx ON institution_stays (facility_id, id);
CREATE INDEX institution_stays_upazila_id_idx ON institution_stays (upazila_id, id);
CREATE INDEX institution_stays_district_id_idx ON institution_stays (district_id, id);
CREATE INDEX institution_stays_division_id_idx ON institution_stays (division_id, id);
CREATE INDEX institution_stays_leaving_idx ON institution_stays (leaves_on) WHERE left_on IS NULL;

-- Admissions and departures per institution, sex and month; residents at a month's end are
-- the admissions up to it less the departures up to it.
CREATE TABLE institution_stay_cells (
    facility_id uuid NOT NULL REFERENCES facilities (id),
    sex text NOT NULL,
    month date NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    admitted bigint NOT NULL,
    departed bigint NOT NULL,
    PRIMARY KEY (facility_id, sex, month)
);
CREATE INDEX institution_stay_cells_month_idx ON institution_stay_cells (month);

CREATE FUNCTION institution_stay_cells_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO institution_stay_cells AS t (facility_id, sex, month, division_id, district_id, upazila_id, admitted, departed)
        SELECT facility_id, sex, date_trunc('month', admitted_on)::date, min(division_id), min(district_id), min(upazila_id),
               count(*), count(*) FILTER (WHERE left_on IS NOT NULL AND date_trunc('month', left_on) = date_trunc('month', admitted_on))
          FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (facility_id, sex, month)
        DO UPDATE SET admitted = t.admitted + EXCLUDED.admitted, departed = t.departed + EXCLUDED.departed;
        INSERT INTO institution_stay_cells AS t (facility_id, sex, month, division_id, district_id, upazila_id, admitted, departed)
        SELECT facility_id, sex, date_trunc('month', left_on)::date, min(division_id), min(district_id), min(upazila_id), 0, count(*)
          FROM new_rows WHERE left_on IS NOT NULL AND date_trunc('month', left_on) <> date_trunc('month', admitted_on)
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (facility_id, sex, month) DO UPDATE SET departed = t.departed + EXCLUDED.departed;
    ELSE
        -- A stay's leaving is recorded once (the application never changes it again).
        INSERT INTO institution_stay_cells AS t (facility_id, sex, month, division_id, district_id, upazila_id, admitted, departed)
        SELECT n.facility_id, n.sex, date_trunc('month', n.left_on)::date, min(n.division_id), min(n.district_id), min(n.upazila_id),
               0, count(*)
          FROM new_rows n JOIN old_rows o ON o.id = n.id
         WHERE o.left_on IS NULL AND n.left_on IS NOT NULL
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (facility_id, sex, month) DO UPDATE SET departed = t.departed + EXCLUDED.departed;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER institution_stay_cells_insert AFTER INSERT ON institution_stays
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION institution_stay_cells_maintain();
CREATE TRIGGER institution_stay_cells_update AFTER UPDATE ON institution_stays
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION institution_stay_cells_maintain();
