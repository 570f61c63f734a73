-- Reintegrated children and centre totals at national scale. Their facts sit inside each
-- case's record (JSON), so counting them meant reading every case that could count (0.4 s for
-- one fiscal year at 500,000 cases). They are now kept in two narrow tables derived from the
-- record, replaced whole for every case a statement writes: one row per completed
-- reintegration and one per placement, with the case's current area, facilities, sex and risk
-- categories beside them, so a period is one index-only range scan.

CREATE TABLE case_reintegrations (
    case_id uuid NOT NULL,
    completed_on date NOT NULL,
    -- The case's previous completed reintegration: a child counts once in a period, on its
    -- first reintegration there (previous one before the period), with no DISTINCT.
    previous_on date,
    kind text NOT NULL,
    sex text NOT NULL,
    risk_categories text[] NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    managing_facility_id uuid,
    residence_facility_id uuid,
    PRIMARY KEY (case_id, completed_on)
);
CREATE INDEX case_reintegrations_period_idx ON case_reintegrations (kind, completed_on)
    INCLUDE (previous_on, sex, risk_categories, division_id, district_id, upazila_id, managing_facility_id, residence_facility_id);

CREATE TABLE case_placements (
    case_id uuid PRIMARY KEY,
    facility_id uuid NOT NULL,
    admitted_on date NOT NULL,
    left_on date,
    -- The last day of the placement, far in the future while it lasts: the range a period reads.
    ends_on date NOT NULL,
    -- The completion of the case's current reintegration (the centre's "reintegrated").
    reintegrated_on date,
    kind text NOT NULL,
    sex text NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    managing_facility_id uuid,
    residence_facility_id uuid
);
CREATE INDEX case_placements_period_idx ON case_placements (kind, ends_on)
    INCLUDE (admitted_on, facility_id, reintegrated_on, sex, division_id, district_id, upazila_id, managing_facility_id,
             residence_facility_id);

-- The facts of the cases in `new_rows`, written after their old facts are removed.
CREATE FUNCTION case_facts_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM case_reintegrations r USING new_rows n WHERE r.case_id = n.id;
        DELETE FROM case_placements p USING new_rows n WHERE p.case_id = n.id;
    END IF;
    INSERT INTO case_reintegrations (case_id, completed_on, previous_on, kind, sex, risk_categories, division_id, district_id,
                                     upazila_id, managing_facility_id, residence_facility_id)
    SELECT n.id, d.completed_on, lag(d.completed_on) OVER (PARTITION BY n.id ORDER BY d.completed_on), n.kind, n.sex,
           n.risk_categories, n.division_id, n.district_id, n.upazila_id, n.managing_facility_id, n.residence_facility_id
      FROM new_rows n
     CROSS JOIN LATERAL (
           SELECT DISTINCT to_date(r->>'completed_on', 'YYYY-MM-DD') AS completed_on
             FROM jsonb_array_elements(coalesce(n.state->'past_reintegrations', '[]')
                                       || coalesce(jsonb_build_array(n.state->'reintegration'), '[]')) r
            WHERE jsonb_typeof(r) = 'object' AND r->>'completed_on' IS NOT NULL) d;
    INSERT INTO case_placements (case_id, facility_id, admitted_on, left_on, ends_on, reintegrated_on, kind, sex, division_id,
                                 district_id, upazila_id, managing_facility_id, residence_facility_id)
    SELECT n.id, (n.state->'placement'->>'facility_id')::uuid, (n.state->'placement'->>'admitted_on')::date,
           (n.state->'placement'->>'left_on')::date, coalesce((n.state->'placement'->>'left_on')::date, DATE '9999-12-31'),
           (n.state->'reintegration'->>'completed_on')::date, n.kind, n.sex, n.division_id, n.district_id, n.upazila_id,
           n.managing_facility_id, n.residence_facility_id
      FROM new_rows n
     WHERE jsonb_typeof(n.state->'placement') = 'object';
    RETURN NULL;
END $$;

CREATE FUNCTION case_facts_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM case_reintegrations r USING old_rows o WHERE r.case_id = o.id;
    DELETE FROM case_placements p USING old_rows o WHERE p.case_id = o.id;
    RETURN NULL;
END $$;

-- (A trigger with transition tables takes one event, hence three.)
CREATE TRIGGER case_facts_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_facts_maintain();
CREATE TRIGGER case_facts_update AFTER UPDATE ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_facts_maintain();
CREATE TRIGGER case_facts_delete AFTER DELETE ON cases
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION case_facts_forget();

-- Backfill: an update that changes nothing writes every case's facts through the trigger.
UPDATE cases SET kind = kind;

-- The expression indexes these reports used (migration 000010) are no longer read.
DROP INDEX cases_last_reintegration_idx;
DROP INDEX cases_placement_end_idx;
DROP FUNCTION case_last_reintegration(jsonb);
DROP FUNCTION case_placement_end(jsonb);
