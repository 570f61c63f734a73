ALTER TABLE persons
    DROP CONSTRAINT persons_area_whole,
    DROP CONSTRAINT persons_union_fkey,
    DROP CONSTRAINT persons_area_fkey,
    ADD CONSTRAINT persons_division_id_fkey FOREIGN KEY (division_id) REFERENCES divisions (id),
    ADD CONSTRAINT persons_district_id_fkey FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD CONSTRAINT persons_upazila_id_fkey FOREIGN KEY (upazila_id) REFERENCES upazilas (id),
    ADD CONSTRAINT persons_union_id_fkey FOREIGN KEY (union_id) REFERENCES unions (id);
ALTER TABLE unions DROP CONSTRAINT unions_id_upazila_key;
