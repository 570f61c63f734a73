DROP INDEX beneficiaries_missing_account_idx;
DROP INDEX payments_cycle_id_idx;
CREATE INDEX payments_cycle_id_idx ON payments (cycle_id, provider, id);
DROP INDEX payments_carried_in_idx;
