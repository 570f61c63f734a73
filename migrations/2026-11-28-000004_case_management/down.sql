DROP TABLE case_events;
DROP TABLE cases;
DROP SEQUENCE case_number_seq;
DROP TABLE persons;
DROP TABLE facility_partners;
DROP TABLE facilities;
DROP TABLE partner_organisations;
