//! Diesel's view of the tables. Written by hand to match `migrations/`; the migration
//! round-trip test and every repository test catch a mismatch.

diesel::table! {
    divisions (id) {
        id -> Int4,
        name_en -> Text,
        name_bn -> Text,
    }
}

diesel::table! {
    districts (id) {
        id -> Int4,
        division_id -> Int4,
        name_en -> Text,
        name_bn -> Text,
        latitude -> Nullable<Float8>,
        longitude -> Nullable<Float8>,
    }
}

diesel::table! {
    upazilas (id) {
        id -> Int4,
        district_id -> Int4,
        name_en -> Text,
        name_bn -> Text,
    }
}

diesel::table! {
    unions (id) {
        id -> Int4,
        upazila_id -> Int4,
        name_en -> Text,
        name_bn -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Uuid,
        username -> Text,
        display_name -> Text,
        kind -> Text,
        role -> Text,
        scope -> Text,
        scope_division_id -> Nullable<Int4>,
        scope_district_id -> Nullable<Int4>,
        scope_upazila_id -> Nullable<Int4>,
        scope_facility_id -> Nullable<Uuid>,
        scope_partner_id -> Nullable<Uuid>,
        password_hash -> Text,
        status -> Text,
        tokens_valid_after -> Timestamptz,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Uuid,
        user_id -> Uuid,
        family_id -> Uuid,
        token_hash -> Bytea,
        issued_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
        revoked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Int8,
        username -> Text,
        failed_at -> Timestamptz,
    }
}

diesel::table! {
    idempotency_keys (actor_id, key) {
        actor_id -> Uuid,
        key -> Text,
        request_fingerprint -> Bytea,
        status_code -> Nullable<Int2>,
        response_body -> Nullable<Jsonb>,
        response_location -> Nullable<Text>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Uuid,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        actor_label -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        request_id -> Nullable<Text>,
    }
}

diesel::joinable!(districts -> divisions (division_id));
diesel::joinable!(upazilas -> districts (district_id));
diesel::joinable!(unions -> upazilas (upazila_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    divisions,
    districts,
    upazilas,
    unions,
    users,
    refresh_tokens,
    login_failures,
    idempotency_keys,
    audit_events,
);
