ALTER TABLE beneficiaries ENABLE TRIGGER beneficiary_counts_insert;
ALTER TABLE beneficiaries ENABLE TRIGGER beneficiary_counts_update;
ALTER TABLE beneficiaries ENABLE TRIGGER beneficiary_counts_delete;
ALTER TABLE beneficiaries ENABLE TRIGGER beneficiaries_keep_paid;
