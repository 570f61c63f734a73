DROP INDEX payments_once_per_period_idx;
CREATE INDEX payments_beneficiary_id_idx ON payments (beneficiary_id);
CREATE UNIQUE INDEX payments_once_per_cycle_idx ON payments (cycle_id, beneficiary_id) WHERE carried_from IS NULL;
ALTER TABLE payments ADD CONSTRAINT payments_no_double_pay EXCLUDE USING gist (
    beneficiary_id WITH =, daterange(period_start, period_end, '[]') WITH &&
) WHERE (carried_from IS NULL);
ALTER TABLE payment_cycles DROP CONSTRAINT payment_cycles_one_calendar_end;
ALTER TABLE payment_cycles DROP CONSTRAINT payment_cycles_one_calendar_start;
