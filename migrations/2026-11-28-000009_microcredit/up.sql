-- Interest-free microcredit from revolving funds: funds and their append-only ledger, work
-- groups, loans with their schedules and repayments, and the cells the reports read.

-- A revolving fund of one office (upazila, city thana) from one source (UNICEF family
-- development fund, pilot scheme, revenue revolving fund, ...) for one programme. The
-- running totals are the sums of its ledger, kept in the same transaction as each entry;
-- the checks are the fund's rules: nothing lent beyond what was received or recovered.
CREATE TABLE loan_funds (
    id uuid PRIMARY KEY,
    programme text NOT NULL CHECK (programme IN ('rss', 'rmc', 'burn_disability_rehabilitation', 'ashrayan',
        'urban_community_development')),
    source_en text NOT NULL CHECK (length(source_en) BETWEEN 1 AND 200),
    source_bn text NOT NULL CHECK (length(source_bn) BETWEEN 1 AND 200),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT loan_funds_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    capital_received bigint NOT NULL DEFAULT 0,
    invested bigint NOT NULL DEFAULT 0,
    reinvested bigint NOT NULL DEFAULT 0,
    principal_recovered bigint NOT NULL DEFAULT 0,
    charge_collected bigint NOT NULL DEFAULT 0,
    written_off bigint NOT NULL DEFAULT 0,
    CHECK (invested BETWEEN 0 AND capital_received),
    CHECK (reinvested BETWEEN 0 AND principal_recovered),
    CHECK (written_off >= 0 AND charge_collected >= 0),
    CHECK (principal_recovered + written_off <= invested + reinvested),
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX loan_funds_upazila_id_idx ON loan_funds (upazila_id, programme, id);

CREATE TABLE fund_entries (
    id uuid PRIMARY KEY,
    fund_id uuid NOT NULL REFERENCES loan_funds (id),
    kind text NOT NULL CHECK (kind IN ('capital_received', 'invested', 'reinvested', 'principal_recovered',
        'charge_collected', 'written_off')),
    amount bigint NOT NULL CHECK (amount > 0),
    on_date date NOT NULL,
    loan_id uuid,
    reference text,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fund_entries_fund_id_idx ON fund_entries (fund_id, id);
CREATE INDEX fund_entries_loan_id_idx ON fund_entries (loan_id) WHERE loan_id IS NOT NULL;

CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER fund_entries_no_update_delete BEFORE UPDATE OR DELETE ON fund_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER fund_entries_no_truncate BEFORE TRUNCATE ON fund_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();

-- A work group (কর্মদল) of borrowers from the union or pourashava survey, with a leader.
CREATE TABLE work_groups (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    programme text NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT work_groups_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    union_id integer REFERENCES unions (id),
    leader_person_id uuid NOT NULL REFERENCES persons (id),
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX work_groups_upazila_id_idx ON work_groups (upazila_id, id);
CREATE INDEX work_groups_union_id_idx ON work_groups (union_id);
CREATE INDEX work_groups_leader_person_id_idx ON work_groups (leader_person_id);

CREATE TABLE work_group_members (
    group_id uuid NOT NULL REFERENCES work_groups (id),
    person_id uuid NOT NULL REFERENCES persons (id),
    joined_on date NOT NULL,
    PRIMARY KEY (group_id, person_id)
);
CREATE INDEX work_group_members_person_id_idx ON work_group_members (person_id);

-- A meeting of the project implementation committee (chaired by the UNO) that decided
-- applications, with the reference of its minutes.
CREATE TABLE committee_meetings (
    id uuid PRIMARY KEY,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT committee_meetings_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    held_on date NOT NULL,
    minutes_reference text NOT NULL CHECK (length(minutes_reference) BETWEEN 1 AND 200),
    note text,
    recorded_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX committee_meetings_upazila_id_idx ON committee_meetings (upazila_id, held_on);

CREATE SEQUENCE loan_number_seq;

-- A loan: the application, the committee meeting that decided it, the disbursement (and which part of it came from capital and which from recoveries), what has
-- been repaid, and the due date of the oldest unpaid instalment (what arrears age from).
CREATE TABLE loans (
    id uuid PRIMARY KEY,
    loan_number text NOT NULL UNIQUE,
    programme text NOT NULL,
    person_id uuid NOT NULL REFERENCES persons (id),
    group_id uuid NOT NULL REFERENCES work_groups (id),
    fund_id uuid NOT NULL REFERENCES loan_funds (id),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT loans_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    sex text NOT NULL CHECK (sex IN ('female', 'male', 'hijra')),
    cycle integer NOT NULL CHECK (cycle > 0),
    principal bigint NOT NULL CHECK (principal > 0),
    charge_percent integer NOT NULL CHECK (charge_percent BETWEEN 0 AND 100),
    charge bigint NOT NULL CHECK (charge >= 0),
    purpose text NOT NULL,
    status text NOT NULL CHECK (status IN ('applied', 'approved', 'rejected', 'active', 'closed', 'written_off')),
    applied_on date NOT NULL,
    meeting_id uuid REFERENCES committee_meetings (id),
    disbursed_on date,
    disbursement_method text CHECK (disbursement_method IN ('mobile_money', 'cash')),
    disbursement_reference text,
    from_capital bigint NOT NULL DEFAULT 0 CHECK (from_capital >= 0),
    from_recoveries bigint NOT NULL DEFAULT 0 CHECK (from_recoveries >= 0),
    CHECK ((disbursed_on IS NULL) = (from_capital + from_recoveries = 0)),
    CHECK (disbursed_on IS NULL OR from_capital + from_recoveries = principal),
    principal_repaid bigint NOT NULL DEFAULT 0 CHECK (principal_repaid >= 0),
    charge_repaid bigint NOT NULL DEFAULT 0 CHECK (charge_repaid >= 0),
    written_off bigint NOT NULL DEFAULT 0 CHECK (written_off >= 0),
    CHECK (principal_repaid + written_off <= principal AND charge_repaid <= charge),
    oldest_due_on date,
    closed_on date,
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One open loan per person, across the programmes.
CREATE UNIQUE INDEX loans_one_open_idx ON loans (person_id) WHERE status IN ('applied', 'approved', 'active');
CREATE INDEX loans_person_id_idx ON loans (person_id, programme, status);
CREATE INDEX loans_group_id_idx ON loans (group_id);
CREATE INDEX loans_fund_id_idx ON loans (fund_id);
CREATE INDEX loans_meeting_id_idx ON loans (meeting_id);
CREATE INDEX loans_upazila_id_idx ON loans (upazila_id, status, id);
CREATE INDEX loans_district_id_idx ON loans (district_id, id);
CREATE INDEX loans_division_id_idx ON loans (division_id, id);

-- A write-off: requested by one officer with a reason, approved or declined by another.
CREATE TABLE loan_write_offs (
    id uuid PRIMARY KEY,
    loan_id uuid NOT NULL REFERENCES loans (id),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 4000),
    requested_by uuid NOT NULL,
    requested_on date NOT NULL,
    decided_by uuid,
    decided_on date,
    approved boolean,
    CHECK ((decided_by IS NULL) = (approved IS NULL) AND (decided_by IS NULL) = (decided_on IS NULL)),
    CHECK (decided_by IS DISTINCT FROM requested_by),
    created_at timestamptz NOT NULL DEFAULT now()
);
-- At most one request awaiting a decision per loan.
CREATE UNIQUE INDEX loan_write_offs_pending_idx ON loan_write_offs (loan_id) WHERE approved IS NULL;
CREATE INDEX loan_write_offs_loan_id_idx ON loan_write_offs (loan_id);

CREATE TABLE loan_instalments (
    loan_id uuid NOT NULL REFERENCES loans (id),
    no integer NOT NULL CHECK (no > 0),
    due_on date NOT NULL,
    principal bigint NOT NULL CHECK (principal >= 0),
    charge bigint NOT NULL CHECK (charge >= 0),
    paid_principal bigint NOT NULL DEFAULT 0 CHECK (paid_principal BETWEEN 0 AND principal),
    paid_charge bigint NOT NULL DEFAULT 0 CHECK (paid_charge BETWEEN 0 AND charge),
    PRIMARY KEY (loan_id, no)
);

-- A repayment, posted once: the receipt number or the mobile-money transaction id is unique
-- per loan, so a collection sheet or a statement imported twice posts nothing twice.
CREATE TABLE loan_repayments (
    id uuid PRIMARY KEY,
    loan_id uuid NOT NULL REFERENCES loans (id),
    reference text NOT NULL CHECK (length(reference) BETWEEN 1 AND 100),
    paid_on date NOT NULL,
    amount bigint NOT NULL CHECK (amount > 0),
    principal bigint NOT NULL CHECK (principal >= 0),
    charge bigint NOT NULL CHECK (charge >= 0),
    CHECK (principal + charge = amount),
    method text NOT NULL CHECK (method IN ('cash', 'mobile_money')),
    allocations jsonb NOT NULL,
    programme text NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (loan_id, reference)
);

-- Report cells, kept exact by statement-level triggers (as the allowance reports are).
-- Disbursed loans per area, programme, tranche (invested from capital, or re-invested from
-- recoveries: the larger part decides), sex and month of disbursement.
CREATE TABLE loan_cells (
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    programme text NOT NULL,
    tranche text NOT NULL CHECK (tranche IN ('invested', 'reinvested')),
    sex text NOT NULL,
    disbursed_month date NOT NULL,
    division_id integer NOT NULL,
    loans bigint NOT NULL,
    principal bigint NOT NULL,
    from_capital bigint NOT NULL,
    from_recoveries bigint NOT NULL,
    PRIMARY KEY (district_id, upazila_id, programme, tranche, sex, disbursed_month)
);
CREATE INDEX loan_cells_month_idx ON loan_cells (disbursed_month, programme);

-- Active loans per area, programme and oldest unpaid due date, with their outstanding
-- principal: portfolio at risk on any day is a pass over these cells, not over the loans.
CREATE TABLE loan_due_cells (
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    programme text NOT NULL,
    oldest_due_on date NOT NULL,
    division_id integer NOT NULL,
    loans bigint NOT NULL,
    outstanding bigint NOT NULL,
    PRIMARY KEY (district_id, upazila_id, programme, oldest_due_on)
);

-- Repayments per area, programme and month paid.
CREATE TABLE recovery_cells (
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    programme text NOT NULL,
    paid_month date NOT NULL,
    division_id integer NOT NULL,
    repayments bigint NOT NULL,
    principal bigint NOT NULL,
    charge bigint NOT NULL,
    PRIMARY KEY (district_id, upazila_id, programme, paid_month)
);
CREATE INDEX recovery_cells_month_idx ON recovery_cells (paid_month, programme);

CREATE FUNCTION loan_cells_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    disbursed text := 'district_id, upazila_id, programme, '
        || 'CASE WHEN from_recoveries > from_capital THEN ''reinvested'' ELSE ''invested'' END AS tranche, sex, '
        || 'date_trunc(''month'', disbursed_on)::date AS disbursed_month, division_id';
    due text := 'district_id, upazila_id, programme, oldest_due_on, division_id';
BEGIN
    EXECUTE 'WITH d AS (' || statement_delta(TG_OP,
            disbursed || ', 1 AS n, principal AS p, from_capital AS c, from_recoveries AS r FROM_ROWS WHERE disbursed_on IS NOT NULL',
            disbursed || ', -1 AS n, -principal AS p, -from_capital AS c, -from_recoveries AS r FROM_ROWS WHERE disbursed_on IS NOT NULL') || ')
        INSERT INTO loan_cells AS t (district_id, upazila_id, programme, tranche, sex, disbursed_month, division_id, loans,
                                     principal, from_capital, from_recoveries)
        SELECT district_id, upazila_id, programme, tranche, sex, disbursed_month, min(division_id), sum(n), sum(p), sum(c), sum(r)
          FROM d GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0 OR sum(p) <> 0 ORDER BY 1, 2, 3, 4, 5, 6
        ON CONFLICT (district_id, upazila_id, programme, tranche, sex, disbursed_month)
        DO UPDATE SET loans = t.loans + EXCLUDED.loans, principal = t.principal + EXCLUDED.principal,
                      from_capital = t.from_capital + EXCLUDED.from_capital, from_recoveries = t.from_recoveries + EXCLUDED.from_recoveries';
    EXECUTE 'WITH d AS (' || statement_delta(TG_OP,
            due || ', 1 AS n, principal - principal_repaid - written_off AS o FROM_ROWS WHERE status = ''active'' AND oldest_due_on IS NOT NULL',
            due || ', -1 AS n, -(principal - principal_repaid - written_off) AS o FROM_ROWS WHERE status = ''active'' AND oldest_due_on IS NOT NULL') || ')
        INSERT INTO loan_due_cells AS t (district_id, upazila_id, programme, oldest_due_on, division_id, loans, outstanding)
        SELECT district_id, upazila_id, programme, oldest_due_on, min(division_id), sum(n), sum(o)
          FROM d GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0 OR sum(o) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (district_id, upazila_id, programme, oldest_due_on)
        DO UPDATE SET loans = t.loans + EXCLUDED.loans, outstanding = t.outstanding + EXCLUDED.outstanding';
    RETURN NULL;
END $$;

CREATE TRIGGER loan_cells_insert AFTER INSERT ON loans
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION loan_cells_maintain();
CREATE TRIGGER loan_cells_update AFTER UPDATE ON loans
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION loan_cells_maintain();
CREATE TRIGGER loan_cells_delete AFTER DELETE ON loans
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION loan_cells_maintain();

CREATE FUNCTION recovery_cells_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO recovery_cells AS t (district_id, upazila_id, programme, paid_month, division_id, repayments, principal, charge)
    SELECT district_id, upazila_id, programme, date_trunc('month', paid_on)::date, min(division_id), count(*), sum(principal), sum(charge)
      FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (district_id, upazila_id, programme, paid_month)
    DO UPDATE SET repayments = t.repayments + EXCLUDED.repayments, principal = t.principal + EXCLUDED.principal,
                  charge = t.charge + EXCLUDED.charge;
    RETURN NULL;
END $$;

-- Repayments are never changed or removed (a mistake is corrected by the ledger, not by
-- rewriting history), so only inserts move the cells.
CREATE TRIGGER recovery_cells_insert AFTER INSERT ON loan_repayments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION recovery_cells_maintain();
CREATE TRIGGER loan_repayments_no_update_delete BEFORE UPDATE OR DELETE ON loan_repayments
    FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
