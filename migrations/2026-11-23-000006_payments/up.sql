-- Payment cycles and payments. Payroll is generated set-based in SQL (INSERT ... SELECT),
-- idempotently: a unique index per cycle and beneficiary, and an exclusion constraint that
-- no beneficiary is paid twice for overlapping periods.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- A time-ordered UUID (version 7) for rows made in SQL, like the ones the application makes.
CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid
$$;

-- Monthly rates by programme, fiscal year and level ('' where the programme pays one rate),
-- kept in step with the programme versions at start-up, for set-based payroll.
CREATE TABLE programme_rates (
    programme_code text NOT NULL,
    fiscal_year integer NOT NULL,
    level text NOT NULL DEFAULT '',
    monthly_taka bigint NOT NULL CHECK (monthly_taka >= 0),
    PRIMARY KEY (programme_code, fiscal_year, level)
);

CREATE TABLE payment_cycles (
    id uuid PRIMARY KEY,
    programme_code text NOT NULL,
    -- NULL: the whole country; else one upazila.
    upazila_id integer REFERENCES upazilas (id),
    period_start date NOT NULL CHECK (extract(day FROM period_start) = 1),
    period_end date NOT NULL CHECK (period_end >= period_start),
    status text NOT NULL CHECK (status IN ('draft', 'generated', 'approved', 'reconciled')),
    generated_by uuid,
    generated_at timestamptz,
    approved_by uuid,
    approved_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_cycles_programme_idx ON payment_cycles (programme_code, period_start);
CREATE INDEX payment_cycles_upazila_id_idx ON payment_cycles (upazila_id);

CREATE TABLE payments (
    id uuid PRIMARY KEY DEFAULT uuid_v7(),
    cycle_id uuid NOT NULL REFERENCES payment_cycles (id),
    beneficiary_id uuid NOT NULL REFERENCES beneficiaries (id),
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
    -- A failed payment carried into a later cycle points at the original.
    carried_from uuid REFERENCES payments (id),
    status text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'carried')),
    failure_reason text,
    provider_reference text,
    settled_at timestamptz,
    CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
);
CREATE UNIQUE INDEX payments_once_per_cycle_idx ON payments (cycle_id, beneficiary_id) WHERE carried_from IS NULL;
CREATE UNIQUE INDEX payments_carried_once_idx ON payments (carried_from) WHERE carried_from IS NOT NULL;
ALTER TABLE payments ADD CONSTRAINT payments_no_double_pay EXCLUDE USING gist (
    beneficiary_id WITH =, daterange(period_start, period_end, '[]') WITH &&
) WHERE (carried_from IS NULL);
CREATE INDEX payments_cycle_id_idx ON payments (cycle_id, provider, id);
CREATE INDEX payments_beneficiary_id_idx ON payments (beneficiary_id);
CREATE INDEX payments_district_id_idx ON payments (district_id);
