-- Back to migration 000005's bodies (000014 replaced only `pipeline_step`).
CREATE OR REPLACE FUNCTION step_day(action text, data jsonb, occurred_at timestamptz) RETURNS date LANGUAGE sql STABLE AS $$
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

CREATE OR REPLACE FUNCTION case_steps_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION case_facts_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
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

DROP TABLE case_transfers;
DROP FUNCTION case_holding_on(uuid, date);
DROP TRIGGER case_holdings_insert ON cases;
DROP FUNCTION case_holdings_open();
DROP TABLE case_holdings;
DROP INDEX cases_assigned_to_idx;
ALTER TABLE cases DROP COLUMN assigned_to;
