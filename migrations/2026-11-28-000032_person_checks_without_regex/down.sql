ALTER TABLE persons
    DROP CONSTRAINT persons_nid_check,
    ADD CONSTRAINT persons_nid_check CHECK (nid ~ '^([0-9]{10}|[0-9]{13}|[0-9]{17})$'),
    DROP CONSTRAINT persons_birth_registration_number_check,
    ADD CONSTRAINT persons_birth_registration_number_check CHECK (birth_registration_number ~ '^[0-9]{16,17}$'),
    DROP CONSTRAINT persons_mobile_check,
    ADD CONSTRAINT persons_mobile_check CHECK (mobile ~ '^01[3-9][0-9]{8}$'),
    DROP CONSTRAINT persons_nationality_check,
    ADD CONSTRAINT persons_nationality_check CHECK (nationality ~ '^[A-Z]{2}$');
