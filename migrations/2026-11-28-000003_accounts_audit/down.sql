DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE idempotency_keys;
DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE users;
