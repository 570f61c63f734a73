ALTER TABLE facilities DROP CONSTRAINT facilities_area_fkey,
    ADD FOREIGN KEY (division_id) REFERENCES divisions (id), ADD FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD FOREIGN KEY (upazila_id) REFERENCES upazilas (id);
ALTER TABLE cases DROP CONSTRAINT cases_area_fkey,
    ADD FOREIGN KEY (division_id) REFERENCES divisions (id), ADD FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD FOREIGN KEY (upazila_id) REFERENCES upazilas (id);
ALTER TABLE beneficiaries DROP CONSTRAINT beneficiaries_area_fkey,
    ADD FOREIGN KEY (division_id) REFERENCES divisions (id), ADD FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD FOREIGN KEY (upazila_id) REFERENCES upazilas (id);
ALTER TABLE applications DROP CONSTRAINT applications_area_fkey,
    ADD FOREIGN KEY (division_id) REFERENCES divisions (id), ADD FOREIGN KEY (district_id) REFERENCES districts (id),
    ADD FOREIGN KEY (upazila_id) REFERENCES upazilas (id);
ALTER TABLE upazilas DROP CONSTRAINT upazilas_area_key, DROP CONSTRAINT upazilas_district_division_fkey;
ALTER TABLE districts DROP CONSTRAINT districts_id_division_key;
ALTER TABLE upazilas DROP COLUMN division_id;
