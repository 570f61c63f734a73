-- Case reports at national scale. The pipeline counts distinct cases per step in a period;
-- distinct counts do not add up across days, so the steps are kept twice: `case_steps`, one
-- row per case, step and day (narrow, indexed: any period is one index range, no JSON), and
-- `case_step_cells`, distinct cases per step and area for each month and each fiscal year,
-- maintained by a statement-level trigger on the timeline. A report for a whole month or
-- fiscal year (or one to date) reads the cells; any other period reads `case_steps`.

-- The pipeline step an event counts for (seed 004), or NULL.
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

-- The first day of the fiscal year (1 July) a day falls in.
CREATE FUNCTION fiscal_year_start(d date) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT make_date(extract(year FROM d)::int - CASE WHEN extract(month FROM d) < 7 THEN 1 ELSE 0 END, 7, 1)
$$;

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
    PRIMARY KEY (case_id, step, on_date)
);
CREATE INDEX case_steps_period_idx ON case_steps (kind, on_date) INCLUDE (step, case_id, district_id, upazila_id);

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

-- New steps from the statement's events; a cell counts a case the first time it takes the step
-- in the cell's month or fiscal year. (The data-modifying CTE's rows are not visible to the
-- NOT EXISTS, which therefore sees only the steps recorded before this statement.)
CREATE FUNCTION case_steps_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH fresh AS (
        INSERT INTO case_steps (case_id, step, on_date, kind, division_id, district_id, upazila_id, managing_facility_id, residence_facility_id)
        SELECT DISTINCT e.case_id, pipeline_step(e.action, e.data), (e.occurred_at AT TIME ZONE 'Asia/Dhaka')::date,
               c.kind, c.division_id, c.district_id, c.upazila_id, c.managing_facility_id, c.residence_facility_id
          FROM new_rows e JOIN cases c ON c.id = e.case_id
         WHERE pipeline_step(e.action, e.data) IS NOT NULL
        ON CONFLICT DO NOTHING
        RETURNING *),
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

INSERT INTO case_steps (case_id, step, on_date, kind, division_id, district_id, upazila_id, managing_facility_id, residence_facility_id)
SELECT DISTINCT e.case_id, pipeline_step(e.action, e.data), (e.occurred_at AT TIME ZONE 'Asia/Dhaka')::date,
       c.kind, c.division_id, c.district_id, c.upazila_id, c.managing_facility_id, c.residence_facility_id
  FROM case_events e JOIN cases c ON c.id = e.case_id
 WHERE pipeline_step(e.action, e.data) IS NOT NULL;
INSERT INTO case_step_cells (grain, period_start, kind, step, district_id, upazila_id, division_id, cases)
SELECT 'month', date_trunc('month', on_date)::date, kind, step, district_id, upazila_id, min(division_id), count(DISTINCT case_id)
  FROM case_steps GROUP BY 1, 2, 3, 4, 5, 6;
INSERT INTO case_step_cells (grain, period_start, kind, step, district_id, upazila_id, division_id, cases)
SELECT 'fiscal_year', fiscal_year_start(on_date), kind, step, district_id, upazila_id, min(division_id), count(DISTINCT case_id)
  FROM case_steps GROUP BY 1, 2, 3, 4, 5, 6;

-- Reintegrated children and centre totals look only at cases that could count: the latest
-- reintegration completed, and the day a placement ended (far future while it lasts), are
-- indexed, so a period skips the cases finished before it.
CREATE FUNCTION case_last_reintegration(state jsonb) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT max(to_date(r->>'completed_on', 'YYYY-MM-DD'))
      FROM jsonb_array_elements(coalesce(state->'past_reintegrations', '[]') || coalesce(jsonb_build_array(state->'reintegration'), '[]')) r
     WHERE jsonb_typeof(r) = 'object'
$$;
CREATE FUNCTION case_placement_end(state jsonb) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN jsonb_typeof(state->'placement') = 'object'
                THEN coalesce(to_date(state->'placement'->>'left_on', 'YYYY-MM-DD'), DATE '9999-12-31') END
$$;
CREATE INDEX cases_last_reintegration_idx ON cases (kind, case_last_reintegration(state));
CREATE INDEX cases_placement_end_idx ON cases (kind, case_placement_end(state));
CREATE INDEX cases_kind_idx ON cases (kind, managing_facility_id);
