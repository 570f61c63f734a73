-- A referral counts where the case was held on the day of the referral (its holding then),
-- like every other step, not where the case was when the referral was entered; and it keeps
-- the managing and residence facility, so the referrals report takes a facility filter.
ALTER TABLE case_referrals ADD COLUMN managing_facility_id uuid, ADD COLUMN residence_facility_id uuid;

CREATE OR REPLACE FUNCTION case_referrals_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_referrals (event_id, case_id, referred_on, service, directory_entry_id, division_id, district_id,
                                upazila_id, managing_facility_id, residence_facility_id)
    SELECT e.id, e.case_id, r.referred_on, e.data->>'service', (e.data->>'directory_entry_id')::uuid,
           coalesce(h.division_id, c.division_id), coalesce(h.district_id, c.district_id), coalesce(h.upazila_id, c.upazila_id),
           CASE WHEN h.upazila_id IS NULL THEN c.managing_facility_id ELSE h.managing_facility_id END,
           c.residence_facility_id
      FROM new_rows e
      JOIN cases c ON c.id = e.case_id
      CROSS JOIN LATERAL (SELECT (e.data->>'referred_on')::date AS referred_on) r
      LEFT JOIN LATERAL case_holding_on(e.case_id, r.referred_on) h ON true
     WHERE e.action = 'record_referral'
     ORDER BY e.id;
    RETURN NULL;
END $$;

-- The referrals recorded before now, placed where their case was held on their day.
UPDATE case_referrals r
   SET division_id = p.division_id, district_id = p.district_id, upazila_id = p.upazila_id,
       managing_facility_id = p.managing_facility_id, residence_facility_id = p.residence_facility_id
  FROM (SELECT r2.event_id,
               coalesce(h.division_id, c.division_id) AS division_id, coalesce(h.district_id, c.district_id) AS district_id,
               coalesce(h.upazila_id, c.upazila_id) AS upazila_id,
               CASE WHEN h.upazila_id IS NULL THEN c.managing_facility_id ELSE h.managing_facility_id END AS managing_facility_id,
               c.residence_facility_id
          FROM case_referrals r2
          JOIN cases c ON c.id = r2.case_id
          LEFT JOIN LATERAL case_holding_on(r2.case_id, r2.referred_on) h ON true) p
 WHERE p.event_id = r.event_id;
CREATE INDEX case_referrals_managing_facility_idx ON case_referrals (managing_facility_id) WHERE managing_facility_id IS NOT NULL;
CREATE INDEX case_referrals_residence_facility_idx ON case_referrals (residence_facility_id) WHERE residence_facility_id IS NOT NULL;
