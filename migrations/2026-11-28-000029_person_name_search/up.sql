-- A person's names are searched (by any part, trigram indexes) through a table of their own,
-- kept by triggers on `persons` for every writer except a bulk import: an import's million
-- names would cost it a third of its persons' INSERT, so a follow-up job indexes them after
-- it commits (seconds later). The insert and update triggers are ENABLE ORIGIN, which the
-- import's replica mode skips; the job indexes the people it created.
CREATE TABLE person_names (
    -- No foreign key: this is an index over `persons`, written only from its rows, and a check
    -- per row would cost the import's follow-up job a third of its time. A person's deletion
    -- takes the names with it (the last trigger below).
    person_id uuid PRIMARY KEY,
    -- Lower-cased: English names are searched regardless of case.
    name_en text,
    name_bn text
);
INSERT INTO person_names (person_id, name_en, name_bn) SELECT id, lower(name_en), name_bn FROM persons;
-- (A national register's names: the indexes build in far fewer passes with room to sort.)
SET LOCAL maintenance_work_mem = '512MB';
CREATE INDEX person_names_en_trgm_idx ON person_names USING gin (name_en gin_trgm_ops);
CREATE INDEX person_names_bn_trgm_idx ON person_names USING gin (name_bn gin_trgm_ops);
DROP INDEX persons_name_en_trgm_idx;
DROP INDEX persons_name_bn_trgm_idx;

CREATE FUNCTION person_names_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO person_names (person_id, name_en, name_bn)
    SELECT id, lower(name_en), name_bn FROM new_rows
    ON CONFLICT (person_id) DO UPDATE SET name_en = excluded.name_en, name_bn = excluded.name_bn
     WHERE (person_names.name_en, person_names.name_bn) IS DISTINCT FROM (excluded.name_en, excluded.name_bn);
    RETURN NULL;
END $$;
CREATE TRIGGER person_names_insert AFTER INSERT ON persons
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_names_keep();
CREATE TRIGGER person_names_update AFTER UPDATE ON persons
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION person_names_keep();

CREATE FUNCTION person_names_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM person_names n USING old_rows o WHERE n.person_id = o.id;
    RETURN NULL;
END $$;
CREATE TRIGGER person_names_delete AFTER DELETE ON persons
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION person_names_forget();
ALTER TABLE persons ENABLE ALWAYS TRIGGER person_names_delete;
