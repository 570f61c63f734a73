DROP TRIGGER case_facts_insert ON cases;
DROP TRIGGER case_facts_update ON cases;
DROP TRIGGER case_facts_delete ON cases;
DROP FUNCTION case_facts_maintain();
DROP FUNCTION case_facts_forget();
DROP TABLE case_reintegrations;
DROP TABLE case_placements;
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
