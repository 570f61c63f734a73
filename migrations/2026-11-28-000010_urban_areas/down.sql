DROP TABLE geography_revision;
DELETE FROM upazilas WHERE id BETWEEN 1001 AND 1008;
DROP SEQUENCE area_id_seq;
ALTER TABLE unions DROP COLUMN version, DROP CONSTRAINT unions_retired_with_successor, DROP COLUMN successor_id,
    DROP COLUMN retired_on, DROP COLUMN kind;
ALTER TABLE upazilas DROP COLUMN version, DROP CONSTRAINT upazilas_retired_with_successor, DROP COLUMN successor_id,
    DROP COLUMN retired_on, DROP CONSTRAINT upazilas_thana_in_city, DROP COLUMN city_corporation_id, DROP COLUMN kind;
DROP TABLE city_corporations;
