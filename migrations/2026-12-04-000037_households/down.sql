DROP TABLE person_relationships;
DROP TABLE household_members;
DROP TABLE households;
