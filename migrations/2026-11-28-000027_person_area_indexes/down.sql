CREATE INDEX persons_division_id_idx ON persons (division_id);
CREATE INDEX persons_district_id_idx ON persons (district_id);
