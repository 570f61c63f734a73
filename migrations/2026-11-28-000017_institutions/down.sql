DROP TABLE institution_stay_cells;
DROP TABLE institution_stays;
DROP FUNCTION institution_stay_cells_maintain();
ALTER TABLE facilities DROP CONSTRAINT facilities_facility_type_check,
    ADD CONSTRAINT facilities_facility_type_check CHECK (facility_type IN ('safe_home', 'srtrccr_centre', 'drop_in_centre',
        'shishu_paribar', 'chotomoni_nibash', 'office', 'night_shelter', 'child_friendly_space', 'open_air_school',
        'hospital_social_services'));
