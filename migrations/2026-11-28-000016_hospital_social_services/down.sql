DROP TABLE hospital_patient_months;
DROP TABLE hospital_aid_cells;
DROP TABLE hospital_aid;
DROP FUNCTION hospital_aid_cells_maintain();
DROP FUNCTION hospital_aid_append_only();
DROP TABLE hospital_patients;
ALTER TABLE facilities DROP CONSTRAINT facilities_facility_type_check,
    ADD CONSTRAINT facilities_facility_type_check CHECK (facility_type IN ('safe_home', 'srtrccr_centre', 'drop_in_centre',
        'shishu_paribar', 'chotomoni_nibash', 'office', 'night_shelter', 'child_friendly_space', 'open_air_school'));
