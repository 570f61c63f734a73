CREATE OR REPLACE FUNCTION person_names_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_names (person_id, name_en, name_bn)
    SELECT id, lower(name_en), name_bn FROM new_rows
    ON CONFLICT (person_id) DO UPDATE SET name_en = excluded.name_en, name_bn = excluded.name_bn
     WHERE (person_names.name_en, person_names.name_bn) IS DISTINCT FROM (excluded.name_en, excluded.name_bn);
    RETURN NULL;
END $$;
CREATE INDEX persons_dob_idx ON persons (date_of_birth);
DROP INDEX person_names_date_of_birth_idx;
ALTER TABLE person_names DROP COLUMN date_of_birth;
