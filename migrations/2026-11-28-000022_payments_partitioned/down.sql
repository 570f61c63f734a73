ALTER TABLE payments RENAME TO payments_partitioned;
DROP TRIGGER payment_counts_insert ON payments_partitioned;
DROP TRIGGER payment_counts_update ON payments_partitioned;
DROP TRIGGER payment_counts_delete ON payments_partitioned;
DROP INDEX payments_once_per_period_idx, payments_carried_once_idx, payments_cycle_id_idx, payments_failed_idx;
ALTER TABLE payments_partitioned RENAME CONSTRAINT payments_pkey TO payments_partitioned_pkey;
CREATE TABLE payments (
    id uuid PRIMARY KEY DEFAULT uuid_v7(),
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
    carried_from uuid REFERENCES payments (id),
    status text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'carried')),
    failure_reason text,
    provider_reference text,
    settled_at timestamptz,
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
);
INSERT INTO payments SELECT * FROM payments_partitioned ORDER BY carried_from NULLS FIRST;
DROP TABLE payments_partitioned;
DROP FUNCTION payments_partition_name(text, date);
CREATE UNIQUE INDEX payments_once_per_period_idx ON payments (beneficiary_id, period_start) WHERE carried_from IS NULL;
CREATE UNIQUE INDEX payments_carried_once_idx ON payments (carried_from) WHERE carried_from IS NOT NULL;
CREATE INDEX payments_cycle_id_idx ON payments (cycle_id, provider, id);
CREATE INDEX payments_district_id_idx ON payments (district_id);
CREATE TRIGGER payment_counts_insert AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_counts_maintain();
CREATE TRIGGER payment_counts_update AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_counts_maintain();
CREATE TRIGGER payment_counts_delete AFTER DELETE ON payments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_counts_maintain();
