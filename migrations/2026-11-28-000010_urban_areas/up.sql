-- Urban areas. City corporations stand beside the districts; their metropolitan thanas, and
-- the pourashavas (municipalities), stand where upazilas stand; wards stand where unions
-- stand. Everything keyed by area (quotas, applications, beneficiaries, cases, facilities,
-- funds, scopes `upazila:ID`, report filters) therefore works for an urban office unchanged.
-- Areas are added, renamed and retired (with a successor) through the API by a national
-- administrator; an area in use is never deleted.

CREATE TABLE city_corporations (
    id integer PRIMARY KEY CHECK (id > 0),
    district_id integer NOT NULL REFERENCES districts (id),
    name_en text NOT NULL,
    name_bn text NOT NULL
);
CREATE INDEX city_corporations_district_id_idx ON city_corporations (district_id);

INSERT INTO city_corporations (id, district_id, name_en, name_bn) VALUES
  (1, 47, 'Dhaka North City Corporation', 'ঢাকা উত্তর সিটি কর্পোরেশন'),
  (2, 47, 'Dhaka South City Corporation', 'ঢাকা দক্ষিণ সিটি কর্পোরেশন'),
  (3, 8, 'Chattogram City Corporation', 'চট্টগ্রাম সিটি কর্পোরেশন'),
  (4, 27, 'Khulna City Corporation', 'খুলনা সিটি কর্পোরেশন'),
  (5, 15, 'Rajshahi City Corporation', 'রাজশাহী সিটি কর্পোরেশন'),
  (6, 36, 'Sylhet City Corporation', 'সিলেট সিটি কর্পোরেশন'),
  (7, 33, 'Barishal City Corporation', 'বরিশাল সিটি কর্পোরেশন'),
  (8, 59, 'Rangpur City Corporation', 'রংপুর সিটি কর্পোরেশন'),
  (9, 62, 'Mymensingh City Corporation', 'ময়মনসিংহ সিটি কর্পোরেশন'),
  (10, 1, 'Cumilla City Corporation', 'কুমিল্লা সিটি কর্পোরেশন'),
  (11, 43, 'Narayanganj City Corporation', 'নারায়ণগঞ্জ সিটি কর্পোরেশন'),
  (12, 41, 'Gazipur City Corporation', 'গাজীপুর সিটি কর্পোরেশন');

ALTER TABLE upazilas
    ADD COLUMN kind text NOT NULL DEFAULT 'upazila' CHECK (kind IN ('upazila', 'city_thana', 'pourashava')),
    ADD COLUMN city_corporation_id integer REFERENCES city_corporations (id),
    ADD CONSTRAINT upazilas_thana_in_city CHECK ((kind = 'city_thana') = (city_corporation_id IS NOT NULL)),
    ADD COLUMN retired_on date,
    ADD COLUMN successor_id integer REFERENCES upazilas (id),
    ADD CONSTRAINT upazilas_retired_with_successor CHECK ((retired_on IS NULL) = (successor_id IS NULL)),
    ADD COLUMN version integer NOT NULL DEFAULT 1;
CREATE INDEX upazilas_city_corporation_id_idx ON upazilas (city_corporation_id);
CREATE INDEX upazilas_successor_id_idx ON upazilas (successor_id);

ALTER TABLE unions
    ADD COLUMN kind text NOT NULL DEFAULT 'union' CHECK (kind IN ('union', 'ward')),
    ADD COLUMN retired_on date,
    ADD COLUMN successor_id integer REFERENCES unions (id),
    ADD CONSTRAINT unions_retired_with_successor CHECK ((retired_on IS NULL) = (successor_id IS NULL)),
    ADD COLUMN version integer NOT NULL DEFAULT 1;
CREATE INDEX unions_successor_id_idx ON unions (successor_id);

-- Areas added through the API take ids from here, clear of the national dataset's.
CREATE SEQUENCE area_id_seq START 10001;

-- The thanas of the Dhaka urban social services office of seed 004.
INSERT INTO upazilas (id, district_id, division_id, name_en, name_bn, kind, city_corporation_id) VALUES
  (1001, 47, 6, 'Khilgaon', 'খিলগাঁও', 'city_thana', 2),
  (1002, 47, 6, 'Rampura', 'রামপুরা', 'city_thana', 1),
  (1003, 47, 6, 'Sabujbagh', 'সবুজবাগ', 'city_thana', 2),
  (1004, 47, 6, 'Mugda', 'মুগদা', 'city_thana', 2),
  (1005, 47, 6, 'Badda', 'বাড্ডা', 'city_thana', 1),
  (1006, 47, 6, 'Khilkhet', 'খিলক্ষেত', 'city_thana', 1),
  (1007, 47, 6, 'Gulshan', 'গুলশান', 'city_thana', 1),
  (1008, 47, 6, 'Banani', 'বনানী', 'city_thana', 1);

-- Bumped by every change to the geography, so that every server reloads the copy it holds
-- in memory (servers poll it; see `api::geo_cache`).
CREATE TABLE geography_revision (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    revision bigint NOT NULL
);
INSERT INTO geography_revision (revision) VALUES (1);
