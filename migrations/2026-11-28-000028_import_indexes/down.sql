ALTER TABLE job_inputs ALTER COLUMN content SET COMPRESSION default;
CREATE INDEX persons_union_id_idx ON persons (union_id);
CREATE INDEX persons_upazila_id_idx ON persons (upazila_id);
DROP INDEX persons_area_idx;
