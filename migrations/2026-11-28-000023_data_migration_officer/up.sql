-- The data migration officer: imports beneficiaries anywhere in the country in one job
-- (moving the old national MIS), and nothing else.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('system_admin', 'hq_officer', 'division_officer',
    'district_officer', 'upazila_officer', 'committee_member', 'caseworker',
    'facility_staff', 'partner_staff', 'integrator', 'auditor', 'data_migration_officer'));
