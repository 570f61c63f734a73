CREATE OR REPLACE FUNCTION case_referrals_maintain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_referrals (event_id, case_id, referred_on, service, directory_entry_id, division_id, district_id, upazila_id)
    SELECT e.id, e.case_id, (e.data->>'referred_on')::date, e.data->>'service', (e.data->>'directory_entry_id')::uuid,
           c.division_id, c.district_id, c.upazila_id
      FROM new_rows e JOIN cases c ON c.id = e.case_id
     WHERE e.action = 'record_referral'
     ORDER BY e.id;
    RETURN NULL;
END $$;
ALTER TABLE case_referrals DROP COLUMN managing_facility_id, DROP COLUMN residence_facility_id;
