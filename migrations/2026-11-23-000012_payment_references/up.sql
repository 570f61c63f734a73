-- Payments point at their beneficiary and cycle without row-by-row foreign-key checks: at
-- national scale those checks (an index probe and a row lock per payment) took 30% of payroll
-- time. Payments are written only by payroll, which selects the beneficiary and the cycle it
-- pays (so both exist), and the way out is guarded here: a beneficiary or a cycle with
-- payments cannot be deleted (beneficiaries leave by exiting; cycles are kept).
ALTER TABLE payments DROP CONSTRAINT payments_beneficiary_id_fkey;
ALTER TABLE payments DROP CONSTRAINT payments_cycle_id_fkey;

CREATE FUNCTION refuse_delete_with_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (TG_TABLE_NAME = 'beneficiaries' AND EXISTS (SELECT 1 FROM payments WHERE beneficiary_id = OLD.id))
       OR (TG_TABLE_NAME = 'payment_cycles' AND EXISTS (SELECT 1 FROM payments WHERE cycle_id = OLD.id)) THEN
        RAISE EXCEPTION 'a % with payments cannot be deleted', TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER beneficiaries_keep_paid BEFORE DELETE ON beneficiaries
    FOR EACH ROW EXECUTE FUNCTION refuse_delete_with_payments();
CREATE TRIGGER payment_cycles_keep_paid BEFORE DELETE ON payment_cycles
    FOR EACH ROW EXECUTE FUNCTION refuse_delete_with_payments();
