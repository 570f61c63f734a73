-- Maintained aggregates for the national allowance and payment reports. At 12 million
-- beneficiaries a report that groups the base tables reads gigabytes; these tables hold one
-- row per report cell and are kept exact by statement-level triggers in the same transaction
-- as the change, so a report is always as fresh as the data (as_of = now) and costs a scan of
-- the cells, not the rows. Statement-level triggers with transition tables turn a bulk write
-- (payroll's INSERT ... SELECT, an import, a results file) into one grouped upsert per
-- statement (`statement_delta`), not one per row. Keys lead with district_id so the tables
-- could be distributed by district (Citus).

-- Active beneficiaries per area, programme, level, sex and start month.
CREATE TABLE beneficiary_counts (
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    programme_code text NOT NULL,
    level text NOT NULL,
    sex text NOT NULL,
    start_month date NOT NULL,
    division_id integer NOT NULL,
    active bigint NOT NULL,
    PRIMARY KEY (district_id, upazila_id, programme_code, level, sex, start_month)
);
CREATE INDEX beneficiary_counts_programme_idx ON beneficiary_counts (programme_code, start_month);

CREATE FUNCTION beneficiary_counts_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols text := 'district_id, upazila_id, programme_code, coalesce(education_level, '''') AS level, sex, start_month, division_id';
BEGIN
    -- Cells are upserted in key order so that concurrent statements lock them in one order.
    EXECUTE 'WITH d AS (' || statement_delta(TG_OP,
                 cols || ', 1 AS n FROM_ROWS WHERE status = ''active''', cols || ', -1 AS n FROM_ROWS WHERE status = ''active''') || ')
        INSERT INTO beneficiary_counts AS t (district_id, upazila_id, programme_code, level, sex, start_month, division_id, active)
        SELECT district_id, upazila_id, programme_code, level, sex, start_month, min(division_id), sum(n)
          FROM d GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (district_id, upazila_id, programme_code, level, sex, start_month)
        DO UPDATE SET active = t.active + EXCLUDED.active';
    RETURN NULL;
END $$;

CREATE TRIGGER beneficiary_counts_insert AFTER INSERT ON beneficiaries
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION beneficiary_counts_maintain();
CREATE TRIGGER beneficiary_counts_update AFTER UPDATE ON beneficiaries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION beneficiary_counts_maintain();
CREATE TRIGGER beneficiary_counts_delete AFTER DELETE ON beneficiaries
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION beneficiary_counts_maintain();

-- Payments per cycle, area and status (count and amount), and paid payments per programme,
-- area and day settled (Asia/Dhaka), for the cycle and CCT reports.
CREATE TABLE payment_counts (
    district_id integer NOT NULL,
    cycle_id uuid NOT NULL,
    upazila_id integer NOT NULL,
    status text NOT NULL,
    division_id integer NOT NULL,
    payments bigint NOT NULL,
    amount_taka bigint NOT NULL,
    PRIMARY KEY (district_id, cycle_id, upazila_id, status)
);
CREATE INDEX payment_counts_cycle_idx ON payment_counts (cycle_id);

CREATE TABLE paid_by_day (
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    programme_code text NOT NULL,
    settled_on date NOT NULL,
    division_id integer NOT NULL,
    payments bigint NOT NULL,
    amount_taka bigint NOT NULL,
    PRIMARY KEY (district_id, upazila_id, programme_code, settled_on)
);
CREATE INDEX paid_by_day_programme_idx ON paid_by_day (programme_code, settled_on);

CREATE FUNCTION payment_counts_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cols text := 'district_id, cycle_id, upazila_id, status, division_id, programme_code, '
              || '(settled_at AT TIME ZONE ''Asia/Dhaka'')::date AS settled_on';
    delta text := statement_delta(TG_OP, cols || ', 1 AS n, amount_taka AS amount FROM_ROWS',
                                  cols || ', -1 AS n, -amount_taka AS amount FROM_ROWS');
BEGIN
    EXECUTE 'WITH d AS (' || delta || ')
        INSERT INTO payment_counts AS t (district_id, cycle_id, upazila_id, status, division_id, payments, amount_taka)
        SELECT district_id, cycle_id, upazila_id, status, min(division_id), sum(n), sum(amount)
          FROM d GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 OR sum(amount) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (district_id, cycle_id, upazila_id, status)
        DO UPDATE SET payments = t.payments + EXCLUDED.payments, amount_taka = t.amount_taka + EXCLUDED.amount_taka';
    EXECUTE 'WITH d AS (' || delta || ')
        INSERT INTO paid_by_day AS t (district_id, upazila_id, programme_code, settled_on, division_id, payments, amount_taka)
        SELECT district_id, upazila_id, programme_code, settled_on, min(division_id), sum(n), sum(amount)
          FROM d WHERE status = ''paid'' AND settled_on IS NOT NULL
         GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 OR sum(amount) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (district_id, upazila_id, programme_code, settled_on)
        DO UPDATE SET payments = t.payments + EXCLUDED.payments, amount_taka = t.amount_taka + EXCLUDED.amount_taka';
    RETURN NULL;
END $$;

CREATE TRIGGER payment_counts_insert AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_counts_maintain();
CREATE TRIGGER payment_counts_update AFTER UPDATE ON payments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_counts_maintain();
CREATE TRIGGER payment_counts_delete AFTER DELETE ON payments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION payment_counts_maintain();
