-- Case reports at national scale, kept by triggers in the same transaction as the change.
--
-- The pipeline counts distinct cases per step in a period. Distinct counts do not add up
-- across days, so the steps are kept twice: `case_steps`, one row per case, step and day
-- (narrow and indexed: any period is one index range, no JSON), and `case_step_cells`,
-- distinct cases per step and area for each month and each fiscal year. A report for a whole
-- month or fiscal year (or one to date) reads the cells; any other period reads `case_steps`.
--
-- Reintegrated children and centre totals count facts that sit inside each case's record
-- (JSON). They are kept in two narrow tables derived from the record, replaced whole for
-- every case a statement writes, with the case's current area, facilities, sex and risk
-- categories beside them, so a period is one index-only range scan.

-- The pipeline step an event counts for (the steps a child-protection office reports), or NULL.
CREATE FUNCTION pipeline_step(action text, data jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE action
        WHEN 'open_case' THEN 'intakes'
        WHEN 'record_risk_assessment' THEN 'risk_assessments'
        WHEN 'record_detailed_assessment' THEN 'detailed_assessments'
        WHEN 'submit_case_plan' THEN 'case_plans'
        WHEN 'record_referral' THEN 'referrals'
        WHEN 'complete_reintegration' THEN 'reintegrations'
        WHEN 'record_conference' THEN 'case_conferences'
        WHEN 'record_service' THEN CASE
            WHEN data->>'service' IN ('counselling', 'psychosocial_counselling') THEN 'counselling'
            WHEN data->>'service' = 'financial_support' THEN 'financial_support' END
    END
$$;

-- The day a step counts on: the day the work was done (the assessment's, the service's, the
-- conference's date), not the day it was typed in, so that entering last month's field notes
-- does not move them into this month's report. A step whose command carries no date (a case
-- plan) counts on the day it was recorded, in Dhaka.
CREATE FUNCTION step_day(action text, data jsonb, occurred_at timestamptz) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        CASE action
            WHEN 'open_case' THEN (data->>'intake_on')::date
            WHEN 'record_risk_assessment' THEN (data->'assessment'->>'assessed_on')::date
            WHEN 'record_detailed_assessment' THEN (data->'assessment'->>'assessed_on')::date
            WHEN 'record_service' THEN (data->>'given_on')::date
            WHEN 'record_referral' THEN (data->>'referred_on')::date
            WHEN 'record_conference' THEN (data->>'held_on')::date
            WHEN 'complete_reintegration' THEN (data->>'completed_on')::date
        END,
        (occurred_at AT TIME ZONE 'Asia/Dhaka')::date)
$$;

-- Each row carries the case's previous day for the same step, so a case counts on the first
-- row it has in a period (previous day before the period) with no DISTINCT; with every filter
-- column in the index, a period is one index-only range scan whatever area or facility is asked.
CREATE TABLE case_steps (
    case_id uuid NOT NULL,
    step text NOT NULL,
    on_date date NOT NULL,
    kind text NOT NULL,
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    managing_facility_id uuid,
    residence_facility_id uuid,
    previous_on date,
    PRIMARY KEY (case_id, step, on_date)
);
CREATE INDEX case_steps_period_idx ON case_steps (kind, on_date)
    INCLUDE (step, previous_on, division_id, district_id, upazila_id, managing_facility_id, residence_facility_id);

CREATE TABLE case_step_cells (
    grain text NOT NULL CHECK (grain IN ('month', 'fiscal_year')),
    period_start date NOT NULL,
    kind text NOT NULL,
    step text NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    division_id integer NOT NULL,
    cases bigint NOT NULL,
    PRIMARY KEY (district_id, grain, period_start, kind, step, upazila_id)
);
CREATE INDEX case_step_cells_period_idx ON case_step_cells (grain, period_start, kind);

-- New steps from the statement's events. A step's previous day is the later of the statement's
-- own previous day (a window: one pass, so a bulk load stays linear) and the last day kept
-- before (one primary-key lookup); a step recorded with a day earlier than one already kept
-- becomes that later row's previous day. A cell counts a case the first time it takes the
-- step in the cell's month or fiscal year. (The data-modifying CTE's rows are not visible to
-- the NOT EXISTS, which therefore sees only the steps recorded before this statement.)
CREATE FUNCTION case_steps_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH stepped AS (
        SELECT DISTINCT e.case_id, pipeline_step(e.action, e.data) AS step, step_day(e.action, e.data, e.occurred_at) AS on_date,
               c.kind, c.division_id, c.district_id, c.upazila_id, c.managing_facility_id, c.residence_facility_id
          FROM new_rows e JOIN cases c ON c.id = e.case_id
         WHERE pipeline_step(e.action, e.data) IS NOT NULL),
    fresh AS (
        INSERT INTO case_steps (case_id, step, on_date, kind, division_id, district_id, upazila_id, managing_facility_id,
                                residence_facility_id, previous_on)
        SELECT n.case_id, n.step, n.on_date, n.kind, n.division_id, n.district_id, n.upazila_id, n.managing_facility_id,
               n.residence_facility_id,
               -- The later of the statement's own previous day (a window, one pass) and the
               -- last day kept before (one index lookup).
               greatest(lag(n.on_date) OVER (PARTITION BY n.case_id, n.step ORDER BY n.on_date),
                        (SELECT max(s.on_date) FROM case_steps s
                          WHERE s.case_id = n.case_id AND s.step = n.step AND s.on_date < n.on_date))
          FROM stepped n
        ON CONFLICT DO NOTHING
        RETURNING *),
    successors AS (
        UPDATE case_steps s SET previous_on = u.previous_on
          FROM (SELECT nx.case_id, nx.step, nx.on_date, max(f.on_date) AS previous_on
                  FROM fresh f
                  CROSS JOIN LATERAL (SELECT s2.case_id, s2.step, s2.on_date FROM case_steps s2
                                       WHERE s2.case_id = f.case_id AND s2.step = f.step AND s2.on_date > f.on_date
                                       ORDER BY s2.on_date LIMIT 1) nx
                 GROUP BY 1, 2, 3) u
         WHERE s.case_id = u.case_id AND s.step = u.step AND s.on_date = u.on_date
           AND (s.previous_on IS NULL OR s.previous_on < u.previous_on)
        RETURNING 1),  -- runs to completion whether or not it is read
    periods AS (
        SELECT f.*, g.grain, g.period_start, g.period_end
          FROM fresh f
          CROSS JOIN LATERAL (VALUES
              ('month', date_trunc('month', f.on_date)::date, (date_trunc('month', f.on_date) + interval '1 month')::date),
              ('fiscal_year', fiscal_year_start(f.on_date), (fiscal_year_start(f.on_date) + interval '1 year')::date)
          ) g(grain, period_start, period_end))
    INSERT INTO case_step_cells AS t (grain, period_start, kind, step, district_id, upazila_id, division_id, cases)
    SELECT grain, period_start, kind, step, district_id, upazila_id, min(division_id), count(DISTINCT case_id)
      FROM periods p
     WHERE NOT EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = p.case_id AND s.step = p.step
                          AND s.on_date >= p.period_start AND s.on_date < p.period_end)
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 5, 1, 2, 3, 4, 6
    ON CONFLICT (district_id, grain, period_start, kind, step, upazila_id) DO UPDATE SET cases = t.cases + EXCLUDED.cases;
    RETURN NULL;
END $$;

CREATE TRIGGER case_steps_insert AFTER INSERT ON case_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_steps_maintain();

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
