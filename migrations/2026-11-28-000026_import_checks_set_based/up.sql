-- A bulk import checks its rows' foreign keys once for the whole file and turns the per-row
-- checks off for its inserts (`session_replication_role = replica`, persistence::imports). Only
-- the foreign-key checks may be skipped: every other trigger on the tables it writes fires in
-- that mode too.
ALTER TABLE beneficiaries ENABLE ALWAYS TRIGGER beneficiary_counts_insert;
ALTER TABLE beneficiaries ENABLE ALWAYS TRIGGER beneficiary_counts_update;
ALTER TABLE beneficiaries ENABLE ALWAYS TRIGGER beneficiary_counts_delete;
ALTER TABLE beneficiaries ENABLE ALWAYS TRIGGER beneficiaries_keep_paid;
