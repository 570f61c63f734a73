-- No double pay with a plain unique index instead of a GiST exclusion constraint over
-- millions of payments. The cycles of a programme follow one calendar of periods (two
-- cycles overlap only if they have the same period: enforced here on the small cycles table),
-- so any two payments to a beneficiary for overlapping months have the same period start,
-- and one unique index on (beneficiary, period start) refuses the second. Payroll for 12
-- million beneficiaries spent most of its time maintaining the GiST index.
ALTER TABLE payment_cycles ADD CONSTRAINT payment_cycles_one_calendar_start EXCLUDE USING gist (
    programme_code WITH =, daterange(period_start, period_end, '[]') WITH &&, period_start WITH <>
);
ALTER TABLE payment_cycles ADD CONSTRAINT payment_cycles_one_calendar_end EXCLUDE USING gist (
    programme_code WITH =, daterange(period_start, period_end, '[]') WITH &&, period_end WITH <>
);
ALTER TABLE payments DROP CONSTRAINT payments_no_double_pay;
-- Implied by the new index (one cycle has one period start).
DROP INDEX payments_once_per_cycle_idx;
DROP INDEX payments_beneficiary_id_idx;
CREATE UNIQUE INDEX payments_once_per_period_idx ON payments (beneficiary_id, period_start) WHERE carried_from IS NULL;
