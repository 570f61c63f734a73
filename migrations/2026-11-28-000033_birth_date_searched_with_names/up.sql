-- A person's birth date is searched, and possible duplicates found, through the search table
-- with the names (migration 000029), not an index on `persons`: that index was 1.5 s of a
-- million-person import's INSERT (11.3 s -> 9.8 s on its own), and the import's follow-up job
-- writes the search table after it commits. Until that job has run (seconds), the people an
-- import created are found by identifier only. `persons.date_of_birth` stays the record.
CREATE TABLE person_names_new (
    person_id uuid PRIMARY KEY,
    name_en text,
    name_bn text,
    date_of_birth date NOT NULL
);
INSERT INTO person_names_new (person_id, name_en, name_bn, date_of_birth)
SELECT n.person_id, n.name_en, n.name_bn, p.date_of_birth FROM person_names n JOIN persons p ON p.id = n.person_id;
DROP TABLE person_names;
ALTER TABLE person_names_new RENAME TO person_names;
ALTER INDEX person_names_new_pkey RENAME TO person_names_pkey;
-- (A national register's names: the indexes build in far fewer passes with room to sort.)
SET LOCAL maintenance_work_mem = '512MB';
CREATE INDEX person_names_en_trgm_idx ON person_names USING gin (name_en gin_trgm_ops);
CREATE INDEX person_names_bn_trgm_idx ON person_names USING gin (name_bn gin_trgm_ops);
CREATE INDEX person_names_date_of_birth_idx ON person_names (date_of_birth);
DROP INDEX persons_dob_idx;

CREATE OR REPLACE FUNCTION person_names_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_names (person_id, name_en, name_bn, date_of_birth)
    SELECT id, lower(name_en), name_bn, date_of_birth FROM new_rows
    ON CONFLICT (person_id) DO UPDATE
       SET name_en = excluded.name_en, name_bn = excluded.name_bn, date_of_birth = excluded.date_of_birth
     WHERE (person_names.name_en, person_names.name_bn, person_names.date_of_birth)
           IS DISTINCT FROM (excluded.name_en, excluded.name_bn, excluded.date_of_birth);
    RETURN NULL;
END $$;
