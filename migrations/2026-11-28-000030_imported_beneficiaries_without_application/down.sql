DROP INDEX beneficiaries_application_id_idx;
CREATE INDEX beneficiaries_application_id_idx ON beneficiaries (application_id);
-- (Refused while a beneficiary carried over by an import has no application: the ones the
-- import used to make are not made up again.)
ALTER TABLE beneficiaries ALTER COLUMN application_id SET NOT NULL;
