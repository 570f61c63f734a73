-- The disability identification register: a person's assessment by the DSS survey (type
-- under the 2013 act, severity, assessor, date) and the identity card printed and issued on
-- it. A later assessment of the same person supersedes the earlier one, which is kept.
CREATE TABLE disability_records (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL REFERENCES persons (id),
    disability_type text NOT NULL CHECK (disability_type IN ('autism_spectrum', 'physical', 'mental_illness', 'visual', 'speech',
        'intellectual', 'hearing', 'deaf_blindness', 'cerebral_palsy', 'down_syndrome', 'multiple', 'other')),
    severity text NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe', 'profound')),
    assessed_by text NOT NULL CHECK (length(assessed_by) BETWEEN 1 AND 200),
    assessed_on date NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT disability_records_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    sex text NOT NULL CHECK (sex IN ('female', 'male', 'hijra')),
    card_number text UNIQUE CHECK (card_number ~ '^[0-9]{8,20}$'),
    card_printed_on date,
    card_issued_on date,
    CHECK ((card_number IS NULL) = (card_printed_on IS NULL)),
    CHECK (card_printed_on IS NULL OR card_printed_on >= assessed_on),
    CHECK (card_issued_on IS NULL OR (card_printed_on IS NOT NULL AND card_issued_on >= card_printed_on)),
    superseded_by uuid REFERENCES disability_records (id),
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One record in force per person.
CREATE UNIQUE INDEX disability_records_current_idx ON disability_records (person_id) WHERE superseded_by IS NULL;
CREATE INDEX disability_records_person_id_idx ON disability_records (person_id, id);
CREATE INDEX disability_records_upazila_id_idx ON disability_records (upazila_id, id);
CREATE INDEX disability_records_superseded_by_idx ON disability_records (superseded_by);

-- Identity cards printed per area, type, sex and month, kept by a statement-level trigger.
CREATE TABLE disability_card_cells (
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    disability_type text NOT NULL,
    sex text NOT NULL,
    printed_month date NOT NULL,
    division_id integer NOT NULL,
    cards bigint NOT NULL,
    PRIMARY KEY (district_id, upazila_id, disability_type, sex, printed_month)
);

CREATE FUNCTION disability_card_cells_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols text := 'district_id, upazila_id, disability_type, sex, date_trunc(''month'', card_printed_on)::date AS printed_month, division_id';
BEGIN
    EXECUTE 'WITH d AS (' || statement_delta(TG_OP,
            cols || ', 1 AS n FROM_ROWS WHERE card_printed_on IS NOT NULL',
            cols || ', -1 AS n FROM_ROWS WHERE card_printed_on IS NOT NULL') || ')
        INSERT INTO disability_card_cells AS t (district_id, upazila_id, disability_type, sex, printed_month, division_id, cards)
        SELECT district_id, upazila_id, disability_type, sex, printed_month, min(division_id), sum(n)
          FROM d GROUP BY 1, 2, 3, 4, 5 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (district_id, upazila_id, disability_type, sex, printed_month)
        DO UPDATE SET cards = t.cards + EXCLUDED.cards';
    RETURN NULL;
END $$;

CREATE TRIGGER disability_card_cells_insert AFTER INSERT ON disability_records
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION disability_card_cells_maintain();
CREATE TRIGGER disability_card_cells_update AFTER UPDATE ON disability_records
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION disability_card_cells_maintain();
CREATE TRIGGER disability_card_cells_delete AFTER DELETE ON disability_records
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION disability_card_cells_maintain();
