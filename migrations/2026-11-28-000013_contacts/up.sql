-- Helpline and outreach contacts (1098, 10921, walk-in, outreach), and children served at
-- service points counted per point, day and sex. The office handling a contact gives its
-- area (scopes and reports); where the child or woman was found (`union_id`,
-- `location_detail`) is sensitive, shown only with the sensitive permission.
CREATE TABLE contacts (
    id uuid PRIMARY KEY,
    channel text NOT NULL CHECK (channel IN ('child_helpline_1098', 'womens_helpline_10921', 'walk_in', 'outreach')),
    contacted_at timestamptz NOT NULL,
    -- The Asia/Dhaka day of the contact: reports count contacts on the day they came in.
    contacted_on date NOT NULL,
    reporter_relation text NOT NULL CHECK (reporter_relation IN ('self', 'parent', 'relative', 'neighbour', 'teacher',
        'police', 'health_worker', 'anonymous', 'other')),
    reporter_name text CHECK (length(reporter_name) BETWEEN 1 AND 200),
    reporter_phone text CHECK (reporter_phone ~ '^01[3-9][0-9]{8}$'),
    person_id uuid REFERENCES persons (id),
    client_sex text CHECK (client_sex IN ('female', 'male', 'hijra')),
    client_age_years integer CHECK (client_age_years BETWEEN 0 AND 120),
    perpetrator_relation text CHECK (perpetrator_relation IN ('parent', 'spouse', 'relative', 'employer', 'acquaintance',
        'stranger', 'unknown')),
    categories text[] NOT NULL CHECK (cardinality(categories) BETWEEN 1 AND 18 AND categories <@ ARRAY['physical_violence',
        'sexual_violence', 'emotional_violence', 'neglect', 'child_marriage', 'child_labour', 'trafficking', 'missing_child',
        'abandoned', 'in_conflict_with_law', 'physical_health', 'mental_health', 'education', 'legal', 'family_relationships',
        'poverty', 'information', 'other']),
    actions text[] NOT NULL CHECK (cardinality(actions) BETWEEN 1 AND 6 AND actions <@ ARRAY['information', 'counselling',
        'referral', 'mobile_team_sent', 'emergency_response', 'case_opened']),
    outcome text NOT NULL CHECK (outcome IN ('resolved', 'referred', 'follow_up', 'case_opened', 'no_further_action')),
    summary text CHECK (length(summary) <= 2000),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT contacts_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    union_id integer REFERENCES unions (id),
    location_detail text CHECK (length(location_detail) <= 300),
    case_id uuid UNIQUE REFERENCES cases (id),
    CHECK ((case_id IS NULL) = (outcome <> 'case_opened')),
    CHECK ((case_id IS NULL) = NOT ('case_opened' = ANY (actions))),
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_upazila_id_idx ON contacts (upazila_id, id);
CREATE INDEX contacts_district_id_idx ON contacts (district_id, id);
CREATE INDEX contacts_division_id_idx ON contacts (division_id, id);
CREATE INDEX contacts_person_id_idx ON contacts (person_id);
CREATE INDEX contacts_union_id_idx ON contacts (union_id);
CREATE INDEX contacts_contacted_on_idx ON contacts (contacted_on, upazila_id);

-- The contact a case was opened from (helpline call, outreach meeting).
ALTER TABLE cases ADD COLUMN source_contact_id uuid UNIQUE REFERENCES contacts (id);

-- Service points: drop-in centres, emergency night shelters, child-friendly spaces and
-- open-air schools are facilities.
ALTER TABLE facilities DROP CONSTRAINT facilities_facility_type_check,
    ADD CONSTRAINT facilities_facility_type_check CHECK (facility_type IN ('safe_home', 'srtrccr_centre', 'drop_in_centre',
        'shishu_paribar', 'chotomoni_nibash', 'office', 'night_shelter', 'child_friendly_space', 'open_air_school'));

-- Children served at a service point on a day, by sex; corrected in place (versioned).
CREATE TABLE service_point_days (
    facility_id uuid NOT NULL REFERENCES facilities (id),
    served_on date NOT NULL,
    girls integer NOT NULL CHECK (girls >= 0),
    boys integer NOT NULL CHECK (boys >= 0),
    hijra integer NOT NULL DEFAULT 0 CHECK (hijra >= 0),
    version integer NOT NULL DEFAULT 1,
    updated_by uuid,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (facility_id, served_on)
);
CREATE INDEX service_point_days_served_on_idx ON service_point_days (served_on, facility_id);
