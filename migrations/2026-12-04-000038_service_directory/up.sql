-- The service directory (issue #31 item 5): the organisations a district social services
-- office refers children to, the services each gives (the case's service codes), where
-- (a district, or one upazila of it), contact details and languages. Retired entries stay,
-- dated and with the reason. Referrals recorded on cases are kept narrow in
-- `case_referrals` (one row per referral, with the case's area when it was recorded and the
-- entry it names), by a statement trigger on the timeline, for the referrals report.
CREATE TABLE directory_entries (
    id uuid PRIMARY KEY,
    name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 300),
    name_bn text NOT NULL CHECK (length(name_bn) BETWEEN 1 AND 300),
    kind text NOT NULL CHECK (kind IN ('government', 'ngo', 'hospital', 'legal_aid', 'school', 'shelter', 'police',
        'counselling', 'other')),
    services text[] NOT NULL CHECK (cardinality(services) > 0),
    languages text[] NOT NULL CHECK (cardinality(languages) > 0),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    -- NULL: the entry serves the whole district.
    upazila_id integer,
    CONSTRAINT directory_entries_district_fkey FOREIGN KEY (district_id, division_id) REFERENCES districts (id, division_id),
    CONSTRAINT directory_entries_area_fkey FOREIGN KEY (upazila_id, district_id, division_id)
        REFERENCES upazilas (id, district_id, division_id),
    phone text CHECK (phone ~ '^01[3-9][0-9]{8}$'),
    email text CHECK (length(email) BETWEEN 3 AND 254),
    address text NOT NULL CHECK (length(address) BETWEEN 1 AND 500),
    listed_on date NOT NULL,
    retired_on date,
    retired_reason text,
    CHECK ((retired_on IS NULL) = (retired_reason IS NULL)),
    CHECK (retired_on IS NULL OR retired_on >= listed_on),
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX directory_entries_district_id_idx ON directory_entries (district_id, id);
CREATE INDEX directory_entries_upazila_id_idx ON directory_entries (upazila_id, id);
CREATE INDEX directory_entries_division_id_idx ON directory_entries (division_id, id);
CREATE INDEX directory_entries_services_idx ON directory_entries USING gin (services);

-- One row per referral recorded on a case: its day, service, the directory entry it names
-- (NULL for a provider named only in text) and where the case was when it was recorded.
CREATE TABLE case_referrals (
    event_id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    referred_on date NOT NULL,
    service text NOT NULL,
    directory_entry_id uuid,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL
);
CREATE INDEX case_referrals_period_idx ON case_referrals (referred_on)
    INCLUDE (division_id, district_id, upazila_id, service, directory_entry_id);
CREATE INDEX case_referrals_entry_idx ON case_referrals (directory_entry_id) WHERE directory_entry_id IS NOT NULL;

CREATE FUNCTION case_referrals_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_referrals (event_id, case_id, referred_on, service, directory_entry_id, division_id, district_id, upazila_id)
    SELECT e.id, e.case_id, (e.data->>'referred_on')::date, e.data->>'service', (e.data->>'directory_entry_id')::uuid,
           c.division_id, c.district_id, c.upazila_id
      FROM new_rows e JOIN cases c ON c.id = e.case_id
     WHERE e.action = 'record_referral'
     ORDER BY e.id;
    RETURN NULL;
END $$;

CREATE TRIGGER case_referrals_insert AFTER INSERT ON case_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_referrals_maintain();

-- The referrals recorded before now.
INSERT INTO case_referrals (event_id, case_id, referred_on, service, directory_entry_id, division_id, district_id, upazila_id)
SELECT e.id, e.case_id, (e.data->>'referred_on')::date, e.data->>'service', (e.data->>'directory_entry_id')::uuid,
       c.division_id, c.district_id, c.upazila_id
  FROM case_events e JOIN cases c ON c.id = e.case_id
 WHERE e.action = 'record_referral';
