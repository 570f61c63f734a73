-- Households and relationships between persons. A household sits in a union (with its upazila,
-- district and division, checked as one key), has an address, a head and a monthly income;
-- its members each have a relation to the head, and a person is a member of one household at
-- a time (the partial unique index holds it against a race). Relationships (mother, father,
-- guardian, sibling, spouse) are recorded once and read from both sides.
CREATE TABLE households (
    id uuid PRIMARY KEY,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT households_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    union_id integer NOT NULL REFERENCES unions (id),
    address text NOT NULL CHECK (length(address) BETWEEN 1 AND 1000),
    head_person_id uuid NOT NULL REFERENCES persons (id),
    monthly_income_taka bigint CHECK (monthly_income_taka BETWEEN 0 AND 10000000),
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX households_upazila_id_idx ON households (upazila_id, id);
CREATE INDEX households_district_id_idx ON households (district_id, id);
CREATE INDEX households_division_id_idx ON households (division_id, id);
CREATE INDEX households_union_id_idx ON households (union_id, id);
CREATE INDEX households_head_person_id_idx ON households (head_person_id);

CREATE TABLE household_members (
    id uuid PRIMARY KEY,
    household_id uuid NOT NULL REFERENCES households (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    relation text NOT NULL CHECK (relation IN ('head', 'spouse', 'son', 'daughter', 'child_in_law', 'mother', 'father',
        'grandchild', 'sibling', 'other_relative', 'non_relative')),
    joined_on date NOT NULL,
    left_on date CHECK (left_on IS NULL OR left_on >= joined_on),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- One household at a time, and one head at a time.
CREATE UNIQUE INDEX household_members_one_at_a_time_idx ON household_members (person_id) WHERE left_on IS NULL;
CREATE UNIQUE INDEX household_members_one_head_idx ON household_members (household_id) WHERE left_on IS NULL AND relation = 'head';
CREATE INDEX household_members_household_id_idx ON household_members (household_id, joined_on, id);
CREATE INDEX household_members_person_id_idx ON household_members (person_id, joined_on);

-- `related_person_id` is the `kind` of `person_id` (her mother, his guardian).
CREATE TABLE person_relationships (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES persons (id),
    related_person_id uuid NOT NULL REFERENCES persons (id),
    CHECK (person_id <> related_person_id),
    kind text NOT NULL CHECK (kind IN ('mother', 'father', 'guardian', 'sibling', 'spouse')),
    started_on date,
    ended_on date CHECK (ended_on IS NULL OR started_on IS NULL OR ended_on >= started_on),
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- A relationship in force between the same two persons, of one kind, once (either way round).
CREATE UNIQUE INDEX person_relationships_once_idx ON person_relationships
    (LEAST(person_id, related_person_id), GREATEST(person_id, related_person_id), kind) WHERE ended_on IS NULL;
CREATE INDEX person_relationships_person_id_idx ON person_relationships (person_id, id);
CREATE INDEX person_relationships_related_person_id_idx ON person_relationships (related_person_id, id);
