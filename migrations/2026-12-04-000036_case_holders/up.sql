-- Who holds a case: the worker it is assigned to, the offices that have held it (a case keeps
-- its history of holders, so the sender of a transfer still reads it and reports count it
-- where it was on each day), and the requests that move it between offices.

-- The worker holding the case: the one who opened it, until a supervisor reassigns it.
ALTER TABLE cases ADD COLUMN assigned_to uuid REFERENCES users (id);
-- (The backfill changes no case's facts: their trigger is not run for it.)
ALTER TABLE cases DISABLE TRIGGER case_facts_update;
UPDATE cases c SET assigned_to = c.created_by WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = c.created_by);
ALTER TABLE cases ENABLE TRIGGER case_facts_update;
-- A worker's caseload, in id order.
CREATE INDEX cases_assigned_to_idx ON cases (assigned_to, id);

-- Each office that held the case, from its first day to the day the next one took it over
-- (half-open: `until_on` is the next holder's first day; NULL while it holds the case).
CREATE TABLE case_holdings (
    case_id uuid NOT NULL REFERENCES cases (id),
    from_on date NOT NULL,
    until_on date CHECK (until_on IS NULL OR until_on >= from_on),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT case_holdings_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    managing_facility_id uuid REFERENCES facilities (id),
    PRIMARY KEY (case_id, from_on)
);
CREATE UNIQUE INDEX case_holdings_current_idx ON case_holdings (case_id) WHERE until_on IS NULL;
CREATE INDEX case_holdings_area_idx ON case_holdings (upazila_id, district_id, division_id);
CREATE INDEX case_holdings_managing_facility_id_idx ON case_holdings (managing_facility_id) WHERE managing_facility_id IS NOT NULL;

INSERT INTO case_holdings (case_id, from_on, division_id, district_id, upazila_id, managing_facility_id)
SELECT id, opened_on, division_id, district_id, upazila_id, managing_facility_id FROM cases;

-- A new case is held where it was opened, from its first day.
CREATE FUNCTION case_holdings_open() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_holdings (case_id, from_on, division_id, district_id, upazila_id, managing_facility_id)
    SELECT id, opened_on, division_id, district_id, upazila_id, managing_facility_id FROM new_rows;
    RETURN NULL;
END $$;
CREATE TRIGGER case_holdings_insert AFTER INSERT ON cases
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION case_holdings_open();

-- The holding in force on a day (the current case's columns when none is: a day before the
-- case was opened).
CREATE FUNCTION case_holding_on(case_id uuid, on_date date)
RETURNS TABLE (division_id integer, district_id integer, upazila_id integer, managing_facility_id uuid)
LANGUAGE sql STABLE AS $$
    SELECT h.division_id, h.district_id, h.upazila_id, h.managing_facility_id FROM case_holdings h
     WHERE h.case_id = $1 AND h.from_on <= $2 AND (h.until_on IS NULL OR $2 < h.until_on)
     ORDER BY h.from_on DESC LIMIT 1
$$;

-- A request to move a case to another office or facility, and its decision.
CREATE TABLE case_transfers (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES cases (id),
    status text NOT NULL CHECK (status IN ('requested', 'accepted', 'declined', 'withdrawn')),
    from_division_id integer NOT NULL,
    from_district_id integer NOT NULL,
    from_upazila_id integer NOT NULL,
    CONSTRAINT case_transfers_from_area_fkey FOREIGN KEY (from_upazila_id, from_district_id, from_division_id)
        REFERENCES upazilas (id, district_id, division_id),
    from_facility_id uuid REFERENCES facilities (id),
    to_division_id integer NOT NULL,
    to_district_id integer NOT NULL,
    to_upazila_id integer NOT NULL,
    CONSTRAINT case_transfers_to_area_fkey FOREIGN KEY (to_upazila_id, to_district_id, to_division_id)
        REFERENCES upazilas (id, district_id, division_id),
    to_facility_id uuid REFERENCES facilities (id),
    reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 4000),
    court_order jsonb,
    requested_by uuid NOT NULL REFERENCES users (id),
    requested_on date NOT NULL,
    decided_by uuid REFERENCES users (id),
    decided_on date,
    decline_reason text CHECK (length(decline_reason) BETWEEN 1 AND 4000),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- One request waits at a time for a case.
CREATE UNIQUE INDEX case_transfers_one_pending_idx ON case_transfers (case_id) WHERE status = 'requested';
CREATE INDEX case_transfers_case_id_idx ON case_transfers (case_id, id);
CREATE INDEX case_transfers_from_area_idx ON case_transfers (from_upazila_id, from_district_id, from_division_id);
CREATE INDEX case_transfers_to_area_idx ON case_transfers (to_upazila_id, to_district_id, to_division_id);
CREATE INDEX case_transfers_from_facility_id_idx ON case_transfers (from_facility_id) WHERE from_facility_id IS NOT NULL;
CREATE INDEX case_transfers_to_facility_id_idx ON case_transfers (to_facility_id) WHERE to_facility_id IS NOT NULL;
CREATE INDEX case_transfers_requested_by_idx ON case_transfers (requested_by);
CREATE INDEX case_transfers_decided_by_idx ON case_transfers (decided_by) WHERE decided_by IS NOT NULL;

-- A case plan counts on the day it was drawn up (`drawn_up_on`), not the day it was entered.
-- `step_day` is replaced whole (this is its current body).
CREATE OR REPLACE FUNCTION step_day(action text, data jsonb, occurred_at timestamptz) RETURNS date LANGUAGE sql STABLE AS $$
    SELECT coalesce(
        CASE action
            WHEN 'open_case' THEN (data->>'intake_on')::date
            WHEN 'record_risk_assessment' THEN (data->'assessment'->>'assessed_on')::date
            WHEN 'record_detailed_assessment' THEN (data->'assessment'->>'assessed_on')::date
            WHEN 'submit_case_plan' THEN (data->>'drawn_up_on')::date
            WHEN 'record_service' THEN (data->>'given_on')::date
            WHEN 'record_referral' THEN (data->>'referred_on')::date
            WHEN 'record_conference' THEN (data->>'held_on')::date
            WHEN 'complete_reintegration' THEN (data->>'completed_on')::date
        END,
        (occurred_at AT TIME ZONE 'Asia/Dhaka')::date)
$$;

-- Steps count where the case was held on the step's day (its holding then), and a cell counts
-- a case the first time it takes the step in the cell's period in that area: a case
-- transferred mid-month counts in the sender's area for the days before and in the
-- receiver's after. (The body of migration 000005's function, with those two changes.)
CREATE OR REPLACE FUNCTION case_steps_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH stepped AS (
        SELECT DISTINCT s.case_id, s.step, s.on_date, c.kind,
               coalesce(h.division_id, c.division_id) AS division_id, coalesce(h.district_id, c.district_id) AS district_id,
               coalesce(h.upazila_id, c.upazila_id) AS upazila_id,
               CASE WHEN h.upazila_id IS NULL THEN c.managing_facility_id ELSE h.managing_facility_id END AS managing_facility_id,
               c.residence_facility_id
          FROM (SELECT e.case_id, pipeline_step(e.action, e.data) AS step, step_day(e.action, e.data, e.occurred_at) AS on_date
                  FROM new_rows e WHERE pipeline_step(e.action, e.data) IS NOT NULL) s
          JOIN cases c ON c.id = s.case_id
          LEFT JOIN LATERAL case_holding_on(s.case_id, s.on_date) h ON true),
    fresh AS (
        INSERT INTO case_steps (case_id, step, on_date, kind, division_id, district_id, upazila_id, managing_facility_id,
                                residence_facility_id, previous_on)
        SELECT n.case_id, n.step, n.on_date, n.kind, n.division_id, n.district_id, n.upazila_id, n.managing_facility_id,
               n.residence_facility_id,
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
        RETURNING 1),
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
                          AND s.on_date >= p.period_start AND s.on_date < p.period_end
                          AND s.district_id = p.district_id AND s.upazila_id = p.upazila_id)
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 5, 1, 2, 3, 4, 6
    ON CONFLICT (district_id, grain, period_start, kind, step, upazila_id) DO UPDATE SET cases = t.cases + EXCLUDED.cases;
    RETURN NULL;
END $$;

-- Reintegrations count where the case was held on the day they were completed, placements
-- where it was held on the day of admission (the body of migration 000005's function, with
-- the area read from the holding then).
CREATE OR REPLACE FUNCTION case_facts_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM case_reintegrations r USING new_rows n WHERE r.case_id = n.id;
        DELETE FROM case_placements p USING new_rows n WHERE p.case_id = n.id;
    END IF;
    INSERT INTO case_reintegrations (case_id, completed_on, previous_on, kind, sex, risk_categories, division_id, district_id,
                                     upazila_id, managing_facility_id, residence_facility_id)
    SELECT n.id, d.completed_on, lag(d.completed_on) OVER (PARTITION BY n.id ORDER BY d.completed_on), n.kind, n.sex,
           n.risk_categories, coalesce(h.division_id, n.division_id), coalesce(h.district_id, n.district_id),
           coalesce(h.upazila_id, n.upazila_id),
           CASE WHEN h.upazila_id IS NULL THEN n.managing_facility_id ELSE h.managing_facility_id END, n.residence_facility_id
      FROM new_rows n
     CROSS JOIN LATERAL (
           SELECT DISTINCT to_date(r->>'completed_on', 'YYYY-MM-DD') AS completed_on
             FROM jsonb_array_elements(coalesce(n.state->'past_reintegrations', '[]')
                                       || coalesce(jsonb_build_array(n.state->'reintegration'), '[]')) r
            WHERE jsonb_typeof(r) = 'object' AND r->>'completed_on' IS NOT NULL) d
      LEFT JOIN LATERAL case_holding_on(n.id, d.completed_on) h ON true;
    INSERT INTO case_placements (case_id, facility_id, admitted_on, left_on, ends_on, reintegrated_on, kind, sex, division_id,
                                 district_id, upazila_id, managing_facility_id, residence_facility_id)
    SELECT n.id, (n.state->'placement'->>'facility_id')::uuid, (n.state->'placement'->>'admitted_on')::date,
           (n.state->'placement'->>'left_on')::date, coalesce((n.state->'placement'->>'left_on')::date, DATE '9999-12-31'),
           (n.state->'reintegration'->>'completed_on')::date, n.kind, n.sex, coalesce(h.division_id, n.division_id),
           coalesce(h.district_id, n.district_id), coalesce(h.upazila_id, n.upazila_id),
           CASE WHEN h.upazila_id IS NULL THEN n.managing_facility_id ELSE h.managing_facility_id END, n.residence_facility_id
      FROM new_rows n
      LEFT JOIN LATERAL case_holding_on(n.id, (n.state->'placement'->>'admitted_on')::date) h ON true
     WHERE jsonb_typeof(n.state->'placement') = 'object';
    RETURN NULL;
END $$;
