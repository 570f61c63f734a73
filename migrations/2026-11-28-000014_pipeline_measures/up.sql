-- More pipeline steps, as a CSPB office reports them (seed 004): birth registrations, cash
-- support through CCT, child marriages stopped, admissions to special schools or
-- institutions. `pipeline_step` is replaced whole (this is its current body); steps that
-- events recorded before now would have counted for are added once, below.
CREATE OR REPLACE FUNCTION pipeline_step(action text, data jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE action
        WHEN 'open_case' THEN 'intakes'
        WHEN 'record_risk_assessment' THEN 'risk_assessments'
        WHEN 'record_detailed_assessment' THEN 'detailed_assessments'
        WHEN 'submit_case_plan' THEN 'case_plans'
        WHEN 'record_referral' THEN 'referrals'
        WHEN 'complete_reintegration' THEN 'reintegrations'
        WHEN 'record_conference' THEN 'case_conferences'
        WHEN 'record_service' THEN CASE data->>'service'
            WHEN 'counselling' THEN 'counselling'
            WHEN 'psychosocial_counselling' THEN 'counselling'
            WHEN 'financial_support' THEN 'financial_support'
            WHEN 'birth_registration' THEN 'birth_registrations'
            WHEN 'cct_support' THEN 'cct_support'
            WHEN 'child_marriage_stopped' THEN 'child_marriages_stopped'
            WHEN 'institution_admission' THEN 'institution_admissions' END
    END
$$;

-- The new steps of events already recorded (only birth registrations can exist: the other
-- services are new), with each case's previous day and the month and fiscal-year cells, as
-- `case_steps_maintain` keeps them.
INSERT INTO case_steps (case_id, step, on_date, kind, division_id, district_id, upazila_id, managing_facility_id,
                        residence_facility_id, previous_on)
SELECT case_id, step, on_date, kind, division_id, district_id, upazila_id, managing_facility_id, residence_facility_id,
       lag(on_date) OVER (PARTITION BY case_id, step ORDER BY on_date)
  FROM (SELECT DISTINCT e.case_id, pipeline_step(e.action, e.data) AS step, step_day(e.action, e.data, e.occurred_at) AS on_date,
               c.kind, c.division_id, c.district_id, c.upazila_id, c.managing_facility_id, c.residence_facility_id
          FROM case_events e JOIN cases c ON c.id = e.case_id
         WHERE e.action = 'record_service' AND e.data->>'service' = 'birth_registration') s
ON CONFLICT DO NOTHING;

INSERT INTO case_step_cells AS t (grain, period_start, kind, step, district_id, upazila_id, division_id, cases)
SELECT g.grain, g.period_start, s.kind, s.step, s.district_id, s.upazila_id, min(s.division_id), count(DISTINCT s.case_id)
  FROM case_steps s
 CROSS JOIN LATERAL (VALUES ('month', date_trunc('month', s.on_date)::date),
                            ('fiscal_year', fiscal_year_start(s.on_date))) g(grain, period_start)
 WHERE s.step = 'birth_registrations'
 GROUP BY 1, 2, 3, 4, 5, 6
ON CONFLICT (district_id, grain, period_start, kind, step, upazila_id) DO UPDATE SET cases = t.cases + EXCLUDED.cases;
