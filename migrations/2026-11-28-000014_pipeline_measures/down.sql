DELETE FROM case_step_cells WHERE step IN ('birth_registrations', 'cct_support', 'child_marriages_stopped', 'institution_admissions');
DELETE FROM case_steps WHERE step IN ('birth_registrations', 'cct_support', 'child_marriages_stopped', 'institution_admissions');
CREATE OR REPLACE FUNCTION pipeline_step(action text, data jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
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
