-- One index for a person's area instead of two: (upazila, union) serves everything the two
-- served: the upazila officer's `upazila_id = $1`, the upazila's foreign key (upazila,
-- district, division) and the union's (union, upazila), whose two columns it leads with. A
-- bulk import descended both for every person it created.
CREATE INDEX persons_area_idx ON persons (upazila_id, union_id);
DROP INDEX persons_upazila_id_idx;
DROP INDEX persons_union_id_idx;
-- An import's file is stored with its job (up to 256 MB of CSV): lz4 writes and reads it in a
-- fraction of pglz's time, where the server was built with it.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE job_inputs ALTER COLUMN content SET COMPRESSION lz4;
    END IF;
END $$;
