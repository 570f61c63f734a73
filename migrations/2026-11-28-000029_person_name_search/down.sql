DROP TRIGGER person_names_delete ON persons;
DROP FUNCTION person_names_forget();
DROP TRIGGER person_names_update ON persons;
DROP TRIGGER person_names_insert ON persons;
DROP FUNCTION person_names_keep();
CREATE INDEX persons_name_en_trgm_idx ON persons USING gin (lower(name_en) gin_trgm_ops);
CREATE INDEX persons_name_bn_trgm_idx ON persons USING gin (name_bn gin_trgm_ops);
DROP TABLE person_names;
