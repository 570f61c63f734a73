DROP TRIGGER case_referrals_insert ON case_events;
DROP FUNCTION case_referrals_maintain();
DROP TABLE case_referrals;
DROP TABLE directory_entries;
