-- Probation, diversion and after-care: a person under a probation officer's supervision for
-- a term, on a court order (after-care: on leaving an institution), with conditions, and the
-- timeline of visits, reports to the court and the court's decisions.
CREATE TABLE supervisions (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('probation', 'diversion', 'after_care')),
    person_id uuid NOT NULL REFERENCES persons (id),
    division_id integer NOT NULL,
    district_id integer NOT NULL,
    upazila_id integer NOT NULL,
    CONSTRAINT supervisions_area_fkey FOREIGN KEY (upazila_id, district_id, division_id) REFERENCES upazilas (id, district_id, division_id),
    court text CHECK (length(court) BETWEEN 1 AND 300),
    order_number text CHECK (length(order_number) BETWEEN 1 AND 100),
    order_date date,
    CHECK (kind = 'after_care' OR (court IS NOT NULL AND order_number IS NOT NULL AND order_date IS NOT NULL)),
    offence text CHECK (length(offence) <= 500),
    -- After-care: the institution stay it follows.
    from_stay_id uuid REFERENCES institution_stays (id),
    starts_on date NOT NULL,
    term_months integer NOT NULL CHECK (term_months BETWEEN 1 AND 36),
    ends_on date NOT NULL,
    conditions text[] NOT NULL,
    officer_id uuid NOT NULL REFERENCES users (id),
    status text NOT NULL CHECK (status IN ('active', 'breach_reported', 'completed', 'revoked')),
    last_visit_on date,
    closed_on date,
    version integer NOT NULL DEFAULT 1,
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supervisions_person_id_idx ON supervisions (person_id);
CREATE INDEX supervisions_officer_id_idx ON supervisions (officer_id);
CREATE INDEX supervisions_from_stay_id_idx ON supervisions (from_stay_id);
CREATE INDEX supervisions_upazila_id_idx ON supervisions (upazila_id, id);
CREATE INDEX supervisions_district_id_idx ON supervisions (district_id, id);
CREATE INDEX supervisions_division_id_idx ON supervisions (division_id, id);

CREATE TABLE supervision_events (
    id uuid PRIMARY KEY,
    supervision_id uuid NOT NULL REFERENCES supervisions (id),
    action text NOT NULL CHECK (action IN ('open', 'visit', 'court_report', 'court_decision', 'complete', 'note')),
    on_date date NOT NULL,
    status_after text NOT NULL,
    data jsonb NOT NULL,
    actor_id uuid,
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX supervision_events_supervision_id_idx ON supervision_events (supervision_id, occurred_at);
