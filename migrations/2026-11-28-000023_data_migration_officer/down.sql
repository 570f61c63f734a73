ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('system_admin', 'hq_officer', 'division_officer',
    'district_officer', 'upazila_officer', 'committee_member', 'caseworker',
    'facility_staff', 'partner_staff', 'integrator', 'auditor'));
