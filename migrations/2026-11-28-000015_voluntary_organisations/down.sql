ALTER TABLE partner_organisations DROP COLUMN voluntary_organisation_id;
DROP TABLE voluntary_grants;
DROP TABLE voluntary_annual_reports;
DROP TRIGGER voluntary_status_cells_insert ON voluntary_organisation_events;
DROP FUNCTION voluntary_status_cells_maintain();
DROP TABLE voluntary_status_cells;
DROP TABLE voluntary_organisation_events;
DROP TABLE voluntary_registration_counters;
DROP TABLE voluntary_organisations;
