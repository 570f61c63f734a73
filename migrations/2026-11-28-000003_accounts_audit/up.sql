-- Accounts, sign-in, idempotency and the audit trail.

CREATE TABLE users (
    id uuid PRIMARY KEY,
    username text NOT NULL UNIQUE
        CHECK (username = lower(username) AND length(username) BETWEEN 3 AND 64),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    kind text NOT NULL CHECK (kind IN ('person', 'service')),
    role text NOT NULL CHECK (role IN ('system_admin', 'hq_officer', 'division_officer',
        'district_officer', 'upazila_officer', 'committee_member', 'caseworker',
        'facility_staff', 'partner_staff', 'integrator', 'auditor')),
    -- The scope as written (`district:12`) and resolved into the hierarchy, so that
    -- "users within division 3" is an indexed filter.
    scope text NOT NULL,
    scope_division_id integer REFERENCES divisions (id),
    scope_district_id integer REFERENCES districts (id),
    scope_upazila_id integer REFERENCES upazilas (id),
    scope_facility_id uuid,
    scope_partner_id uuid,
    password_hash text NOT NULL,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    -- Access tokens issued before this instant are refused (set on disable and password reset).
    tokens_valid_after timestamptz NOT NULL DEFAULT to_timestamp(0),
    version integer NOT NULL DEFAULT 1 CHECK (version > 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX users_scope_division_id_idx ON users (scope_division_id, id);
CREATE INDEX users_scope_district_id_idx ON users (scope_district_id, id);
CREATE INDEX users_scope_upazila_id_idx ON users (scope_upazila_id, id);
CREATE INDEX users_scope_facility_id_idx ON users (scope_facility_id, id);
CREATE INDEX users_scope_partner_id_idx ON users (scope_partner_id, id);

-- Refresh tokens rotate: each use marks the token used and issues the next one in the same
-- family. A used token presented again means it was stolen: the whole family is revoked.
CREATE TABLE refresh_tokens (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    family_id uuid NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    issued_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);

-- Failed sign-ins per account name (which need not exist), for throttling.
CREATE TABLE login_failures (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL,
    failed_at timestamptz NOT NULL
);
CREATE INDEX login_failures_username_idx ON login_failures (username, failed_at);
-- Expired failures are deleted as new ones arrive (by time, across names).
CREATE INDEX login_failures_failed_at_idx ON login_failures (failed_at);

-- A create retried with the same Idempotency-Key returns the first response.
CREATE TABLE idempotency_keys (
    actor_id uuid NOT NULL,
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_fingerprint bytea NOT NULL,
    status_code smallint,
    response_body jsonb,
    response_location text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);

-- The audit trail: one row per write (and per read of a sensitive record), written in the
-- same transaction as the change. Append-only, enforced by the database itself.
CREATE TABLE audit_events (
    id uuid PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_id uuid,
    actor_label text NOT NULL,
    action text NOT NULL,
    entity_type text NOT NULL,
    entity_id text NOT NULL,
    before jsonb,
    after jsonb,
    request_id text
);
CREATE INDEX audit_events_entity_idx ON audit_events (entity_type, entity_id, id);
CREATE INDEX audit_events_actor_id_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_occurred_at_idx ON audit_events (occurred_at);

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
