DROP TRIGGER payment_cycles_keep_paid ON payment_cycles;
DROP TRIGGER beneficiaries_keep_paid ON beneficiaries;
DROP FUNCTION refuse_delete_with_payments();
ALTER TABLE payments ADD CONSTRAINT payments_cycle_id_fkey FOREIGN KEY (cycle_id) REFERENCES payment_cycles (id);
ALTER TABLE payments ADD CONSTRAINT payments_beneficiary_id_fkey FOREIGN KEY (beneficiary_id) REFERENCES beneficiaries (id);
