-- Payments are partitioned by programme and period start: one partition per (programme,
-- period) of the programme's calendar. A national payroll for a period nobody has been paid
-- for yet fills a new table with one INSERT ... SELECT, builds its indexes once, counts its
-- cells with one GROUP BY and attaches it (`persistence::payments::generate`), instead of
-- maintaining five indexes and the report cells row by row over millions of rows. The
-- partition key is in every unique index, and since a beneficiary is in one programme,
-- (beneficiary, period start, programme) is unique exactly when (beneficiary, period start)
-- is: nobody is paid twice, as before.
ALTER TABLE payments RENAME TO payments_before_partitioning;
DROP TRIGGER payment_counts_insert ON payments_before_partitioning;
DROP TRIGGER payment_counts_update ON payments_before_partitioning;
DROP TRIGGER payment_counts_delete ON payments_before_partitioning;
DROP INDEX payments_once_per_period_idx, payments_carried_once_idx, payments_cycle_id_idx, payments_district_id_idx;
ALTER TABLE payments_before_partitioning RENAME CONSTRAINT payments_pkey TO payments_before_partitioning_pkey;

CREATE TABLE payments (
    id uuid NOT NULL DEFAULT uuid_v7(),
    -- No foreign keys (to the cycle, the beneficiary, or the carried payment): at national
    -- scale their row-by-row checks took 30% of payroll time. Payments are written only by
    -- payroll, which selects the cycle, the beneficiary and the failed payment it carries (so
    -- all exist), and the way out is guarded: a beneficiary or a cycle with payments cannot be
    -- deleted (`refuse_delete_with_payments`).
    cycle_id uuid NOT NULL,
    beneficiary_id uuid NOT NULL,
    programme_code text NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    months integer NOT NULL CHECK (months > 0),
    amount_taka bigint NOT NULL CHECK (amount_taka >= 0),
    provider text NOT NULL,
    account_number text NOT NULL,
    -- A failed payment carried into a later cycle points at the original (same programme and
    -- period start, so the same partition).
    carried_from uuid,
    status text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'carried')),
    failure_reason text,
    provider_reference text,
    settled_at timestamptz,
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL)),
    PRIMARY KEY (id, programme_code, period_start)
) PARTITION BY RANGE (programme_code, period_start);
-- Nobody is paid twice: the cycles of a programme follow one calendar of periods, so any two
-- payments to a beneficiary for overlapping months have the same period start, and one unique
-- index refuses the second.
CREATE UNIQUE INDEX payments_once_per_period_idx ON payments (beneficiary_id, period_start, programme_code)
    WHERE carried_from IS NULL;
CREATE UNIQUE INDEX payments_carried_once_idx ON payments (carried_from, programme_code, period_start)
    WHERE carried_from IS NOT NULL;
CREATE INDEX payments_cycle_id_idx ON payments (cycle_id, provider, id);
-- The failed payments a later cycle carries (few, so a small index).
CREATE INDEX payments_failed_idx ON payments (programme_code, period_start) WHERE status = 'failed';

-- The partition of a programme's period, made when its first payment is written.
CREATE FUNCTION payments_partition_name(programme text, period_start date) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'payments_' || programme || '_' || to_char(period_start, 'YYYYMMDD')
$$;

DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT DISTINCT programme_code, period_start FROM payments_before_partitioning LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF payments FOR VALUES FROM (%L, %L) TO (%L, %L)',
                       payments_partition_name(p.programme_code, p.period_start),
                       p.programme_code, p.period_start, p.programme_code, p.period_start + 1);
    END LOOP;
END $$;
INSERT INTO payments SELECT id, cycle_id, beneficiary_id, programme_code, division_id, district_id, upazila_id,
       period_start, period_end, months, amount_taka, provider, account_number, carried_from, status,
       failure_reason, provider_reference, settled_at
  FROM payments_before_partitioning;
DROP TABLE payments_before_partitioning;

CREATE TRIGGER payment_counts_insert AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_counts_maintain();
CREATE TRIGGER payment_counts_update AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_counts_maintain();
CREATE TRIGGER payment_counts_delete AFTER DELETE ON payments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_counts_maintain();
