DROP TABLE service_point_days;
ALTER TABLE facilities DROP CONSTRAINT facilities_facility_type_check,
    ADD CONSTRAINT facilities_facility_type_check CHECK (facility_type IN ('safe_home', 'srtrccr_centre', 'drop_in_centre',
        'shishu_paribar', 'chotomoni_nibash', 'office'));
ALTER TABLE cases DROP COLUMN source_contact_id;
DROP TABLE contacts;
