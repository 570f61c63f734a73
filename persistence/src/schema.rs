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
        division_id -> Int4,
        kind -> Text,
        city_corporation_id -> Nullable<Int4>,
        retired_on -> Nullable<Date>,
        successor_id -> Nullable<Int4>,
        version -> Int4,
    }
}

diesel::table! {
    disability_records (id) {
        id -> Uuid,
        person_id -> Uuid,
        disability_type -> Text,
        severity -> Text,
        assessed_by -> Text,
        assessed_on -> Date,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        sex -> Text,
        card_number -> Nullable<Text>,
        card_printed_on -> Nullable<Date>,
        card_issued_on -> Nullable<Date>,
        superseded_by -> Nullable<Uuid>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    directory_entries (id) {
        id -> Uuid,
        name_en -> Text,
        name_bn -> Text,
        kind -> Text,
        services -> Array<Text>,
        languages -> Array<Text>,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Nullable<Int4>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        address -> Text,
        listed_on -> Date,
        retired_on -> Nullable<Date>,
        retired_reason -> Nullable<Text>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    job_inputs (job_id) {
        job_id -> Uuid,
        content -> Bytea,
    }
}

diesel::table! {
    city_corporations (id) {
        id -> Int4,
        district_id -> Int4,
        name_en -> Text,
        name_bn -> Text,
    }
}

diesel::table! {
    geography_revision (id) {
        id -> Bool,
        revision -> Int8,
    }
}

diesel::table! {
    unions (id) {
        id -> Int4,
        upazila_id -> Int4,
        name_en -> Text,
        name_bn -> Text,
        kind -> Text,
        retired_on -> Nullable<Date>,
        successor_id -> Nullable<Int4>,
        version -> Int4,
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
        chain_day -> Date,
        chain_shard -> Int2,
        chain_seq -> Int8,
        chain_hash -> Bytea,
    }
}

diesel::table! {
    audit_chain_heads (day, shard) {
        day -> Date,
        shard -> Int2,
        last_seq -> Int8,
        last_hash -> Bytea,
    }
}

diesel::table! {
    partner_organisations (id) {
        id -> Uuid,
        name_en -> Text,
        name_bn -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        voluntary_organisation_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    facilities (id) {
        id -> Uuid,
        name_en -> Text,
        name_bn -> Text,
        facility_type -> Text,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        capacity_female -> Int4,
        capacity_male -> Int4,
        capacity_hijra -> Int4,
        stay_limit_months -> Nullable<Int4>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    facility_partners (facility_id, partner_id) {
        facility_id -> Uuid,
        partner_id -> Uuid,
    }
}

diesel::table! {
    persons (id) {
        id -> Uuid,
        name_en -> Nullable<Text>,
        name_bn -> Nullable<Text>,
        sex -> Text,
        date_of_birth -> Date,
        date_of_birth_estimated -> Bool,
        nid -> Nullable<Text>,
        birth_registration_number -> Nullable<Text>,
        mobile -> Nullable<Text>,
        nationality -> Text,
        disability -> Nullable<Text>,
        division_id -> Nullable<Int4>,
        district_id -> Nullable<Int4>,
        upazila_id -> Nullable<Int4>,
        union_id -> Nullable<Int4>,
        address -> Nullable<Text>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    cases (id) {
        id -> Uuid,
        case_number -> Text,
        kind -> Text,
        status -> Text,
        person_id -> Uuid,
        managing_facility_id -> Nullable<Uuid>,
        residence_facility_id -> Nullable<Uuid>,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        sex -> Text,
        date_of_birth -> Date,
        risk_level -> Nullable<Text>,
        risk_categories -> Array<Text>,
        opened_on -> Date,
        closed_on -> Nullable<Date>,
        next_follow_up_due -> Nullable<Date>,
        stay_until -> Nullable<Date>,
        ages_out_on -> Nullable<Date>,
        pending_approvals -> Int4,
        state -> Jsonb,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        source_contact_id -> Nullable<Uuid>,
        assigned_to -> Nullable<Uuid>,
    }
}

diesel::table! {
    case_holdings (case_id, from_on) {
        case_id -> Uuid,
        from_on -> Date,
        until_on -> Nullable<Date>,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        managing_facility_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    case_transfers (id) {
        id -> Uuid,
        case_id -> Uuid,
        status -> Text,
        from_division_id -> Int4,
        from_district_id -> Int4,
        from_upazila_id -> Int4,
        from_facility_id -> Nullable<Uuid>,
        to_division_id -> Int4,
        to_district_id -> Int4,
        to_upazila_id -> Int4,
        to_facility_id -> Nullable<Uuid>,
        reason -> Text,
        court_order -> Nullable<Jsonb>,
        requested_by -> Uuid,
        requested_on -> Date,
        decided_by -> Nullable<Uuid>,
        decided_on -> Nullable<Date>,
        decline_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    case_events (id) {
        id -> Uuid,
        case_id -> Uuid,
        occurred_at -> Timestamptz,
        actor_id -> Nullable<Uuid>,
        actor_label -> Text,
        action -> Text,
        status_before -> Nullable<Text>,
        status_after -> Text,
        data -> Jsonb,
        happenings -> Jsonb,
        district_id -> Int4,
    }
}

diesel::table! {
    programme_versions (id) {
        id -> Uuid,
        code -> Text,
        effective_from -> Date,
        effective_to -> Nullable<Date>,
        name_en -> Text,
        name_bn -> Text,
        department -> Text,
        definition -> Jsonb,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    quotas (programme_code, upazila_id, fiscal_year) {
        programme_code -> Text,
        upazila_id -> Int4,
        fiscal_year -> Int4,
        places -> Int4,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    applications (id) {
        id -> Uuid,
        programme_code -> Text,
        person_id -> Uuid,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        status -> Text,
        facts -> Jsonb,
        education_level -> Nullable<Text>,
        verdict -> Text,
        reasons -> Jsonb,
        priority_score -> Int4,
        submitted_on -> Date,
        verified_by -> Nullable<Uuid>,
        verified_on -> Nullable<Date>,
        decided_by -> Nullable<Uuid>,
        decided_on -> Nullable<Date>,
        note -> Nullable<Text>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    beneficiaries (id) {
        id -> Uuid,
        person_id -> Uuid,
        programme_code -> Text,
        exclusivity_group -> Nullable<Text>,
        application_id -> Nullable<Uuid>,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        sex -> Text,
        education_level -> Nullable<Text>,
        status -> Text,
        exit_reason -> Nullable<Text>,
        start_month -> Date,
        end_month -> Nullable<Date>,
        payment_provider -> Nullable<Text>,
        account_number -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    payment_cycles (id) {
        id -> Uuid,
        programme_code -> Text,
        upazila_id -> Nullable<Int4>,
        period_start -> Date,
        period_end -> Date,
        status -> Text,
        generated_by -> Nullable<Uuid>,
        generated_at -> Nullable<Timestamptz>,
        approved_by -> Nullable<Uuid>,
        approved_at -> Nullable<Timestamptz>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    payments (id) {
        id -> Uuid,
        cycle_id -> Uuid,
        beneficiary_id -> Uuid,
        programme_code -> Text,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        period_start -> Date,
        period_end -> Date,
        months -> Int4,
        amount_taka -> Int8,
        provider -> Text,
        account_number -> Text,
        carried_from -> Nullable<Uuid>,
        status -> Text,
        failure_reason -> Nullable<Text>,
        provider_reference -> Nullable<Text>,
        settled_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    cct_compliance (beneficiary_id, month) {
        beneficiary_id -> Uuid,
        month -> Date,
        school_attendance -> Bool,
        no_child_marriage -> Bool,
        no_child_labour -> Bool,
        breach -> Bool,
        recorded_by -> Uuid,
        recorded_at -> Timestamptz,
        reviewed_by -> Nullable<Uuid>,
        reviewed_at -> Nullable<Timestamptz>,
        review_note -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Uuid,
        kind -> Text,
        status -> Text,
        total -> Int8,
        done -> Int8,
        result -> Nullable<Jsonb>,
        error -> Nullable<Text>,
        created_by -> Uuid,
        created_at -> Timestamptz,
        started_at -> Nullable<Timestamptz>,
        finished_at -> Nullable<Timestamptz>,
        payload -> Jsonb,
        worker -> Nullable<Text>,
        lease_until -> Nullable<Timestamptz>,
        attempts -> Int4,
    }
}

diesel::table! {
    loan_funds (id) {
        id -> Uuid,
        programme -> Text,
        source_en -> Text,
        source_bn -> Text,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        capital_received -> Int8,
        invested -> Int8,
        reinvested -> Int8,
        principal_recovered -> Int8,
        charge_collected -> Int8,
        written_off -> Int8,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    fund_entries (id) {
        id -> Uuid,
        fund_id -> Uuid,
        kind -> Text,
        amount -> Int8,
        on_date -> Date,
        loan_id -> Nullable<Uuid>,
        reference -> Nullable<Text>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    work_groups (id) {
        id -> Uuid,
        name -> Text,
        programme -> Text,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        union_id -> Nullable<Int4>,
        leader_person_id -> Uuid,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        formed_on -> Date,
    }
}

diesel::table! {
    work_group_members (group_id, person_id) {
        group_id -> Uuid,
        person_id -> Uuid,
        joined_on -> Date,
    }
}

diesel::table! {
    loans (id) {
        id -> Uuid,
        loan_number -> Text,
        programme -> Text,
        person_id -> Uuid,
        group_id -> Uuid,
        fund_id -> Uuid,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        sex -> Text,
        cycle -> Int4,
        principal -> Int8,
        charge_percent -> Int4,
        charge -> Int8,
        purpose -> Text,
        status -> Text,
        applied_on -> Date,
        meeting_id -> Nullable<Uuid>,
        disbursed_on -> Nullable<Date>,
        disbursement_method -> Nullable<Text>,
        disbursement_reference -> Nullable<Text>,
        from_capital -> Int8,
        from_recoveries -> Int8,
        principal_repaid -> Int8,
        charge_repaid -> Int8,
        written_off -> Int8,
        oldest_due_on -> Nullable<Date>,
        closed_on -> Nullable<Date>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    committee_meetings (id) {
        id -> Uuid,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        held_on -> Date,
        minutes_reference -> Text,
        note -> Nullable<Text>,
        recorded_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    loan_write_offs (id) {
        id -> Uuid,
        loan_id -> Uuid,
        reason -> Text,
        requested_by -> Uuid,
        requested_on -> Date,
        decided_by -> Nullable<Uuid>,
        decided_on -> Nullable<Date>,
        approved -> Nullable<Bool>,
        created_at -> Timestamptz,
        principal_written_off -> Nullable<Int8>,
        charge_forgone -> Nullable<Int8>,
    }
}

diesel::table! {
    loan_instalments (loan_id, no) {
        loan_id -> Uuid,
        no -> Int4,
        due_on -> Date,
        principal -> Int8,
        charge -> Int8,
        paid_principal -> Int8,
        paid_charge -> Int8,
    }
}

diesel::table! {
    loan_repayments (id) {
        id -> Uuid,
        loan_id -> Uuid,
        reference -> Text,
        paid_on -> Date,
        amount -> Int8,
        principal -> Int8,
        charge -> Int8,
        method -> Text,
        allocations -> Jsonb,
        programme -> Text,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    households (id) {
        id -> Uuid,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        union_id -> Int4,
        address -> Text,
        head_person_id -> Uuid,
        monthly_income_taka -> Nullable<Int8>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    household_members (id) {
        id -> Uuid,
        household_id -> Uuid,
        person_id -> Uuid,
        relation -> Text,
        joined_on -> Date,
        left_on -> Nullable<Date>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    person_relationships (id) {
        id -> Uuid,
        person_id -> Uuid,
        related_person_id -> Uuid,
        kind -> Text,
        started_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::joinable!(districts -> divisions (division_id));
diesel::joinable!(household_members -> households (household_id));
diesel::joinable!(household_members -> persons (person_id));
diesel::joinable!(facility_partners -> facilities (facility_id));
diesel::joinable!(facility_partners -> partner_organisations (partner_id));
diesel::joinable!(cases -> persons (person_id));
diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(case_holdings -> cases (case_id));
diesel::joinable!(case_transfers -> cases (case_id));
diesel::joinable!(upazilas -> districts (district_id));
diesel::joinable!(unions -> upazilas (upazila_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(fund_entries -> loan_funds (fund_id));
diesel::joinable!(work_group_members -> work_groups (group_id));
diesel::joinable!(loans -> loan_funds (fund_id));
diesel::joinable!(loan_instalments -> loans (loan_id));
diesel::joinable!(loan_repayments -> loans (loan_id));
diesel::joinable!(loan_write_offs -> loans (loan_id));
diesel::joinable!(loans -> committee_meetings (meeting_id));

diesel::table! {
    contacts (id) {
        id -> Uuid,
        channel -> Text,
        contacted_at -> Timestamptz,
        contacted_on -> Date,
        reporter_relation -> Text,
        reporter_name -> Nullable<Text>,
        reporter_phone -> Nullable<Text>,
        person_id -> Nullable<Uuid>,
        client_sex -> Nullable<Text>,
        client_age_years -> Nullable<Int4>,
        perpetrator_relation -> Nullable<Text>,
        categories -> Array<Text>,
        actions -> Array<Text>,
        outcome -> Text,
        summary -> Nullable<Text>,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        union_id -> Nullable<Int4>,
        location_detail -> Nullable<Text>,
        case_id -> Nullable<Uuid>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    service_point_days (facility_id, served_on) {
        facility_id -> Uuid,
        served_on -> Date,
        girls -> Int4,
        boys -> Int4,
        hijra -> Int4,
        version -> Int4,
        updated_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    voluntary_organisations (id) {
        id -> Uuid,
        name_en -> Nullable<Text>,
        name_bn -> Text,
        address -> Text,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        status -> Text,
        applied_on -> Date,
        documents -> Array<Text>,
        inspected_on -> Nullable<Date>,
        inspected_by -> Nullable<Text>,
        inspection_recommends -> Nullable<Bool>,
        inspection_notes -> Nullable<Text>,
        registration_number -> Nullable<Text>,
        registered_on -> Nullable<Date>,
        decided_on -> Nullable<Date>,
        status_reason -> Nullable<Text>,
        committee -> Jsonb,
        committee_since -> Nullable<Date>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    voluntary_registration_counters (district_id) {
        district_id -> Int4,
        last_number -> Int4,
    }
}

diesel::table! {
    voluntary_organisation_events (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        action -> Text,
        status_before -> Nullable<Text>,
        status_after -> Text,
        on_date -> Date,
        reason -> Nullable<Text>,
        actor_id -> Nullable<Uuid>,
        occurred_at -> Timestamptz,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
    }
}

diesel::table! {
    voluntary_annual_reports (organisation_id, year) {
        organisation_id -> Uuid,
        year -> Int4,
        submitted_on -> Date,
        audited -> Bool,
        income_taka -> Int8,
        expenditure_taka -> Int8,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    voluntary_grants (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        fiscal_year -> Int4,
        amount_taka -> Int8,
        purpose -> Text,
        granted_on -> Date,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    hospital_patients (id) {
        id -> Uuid,
        facility_id -> Uuid,
        person_id -> Uuid,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        requested_on -> Date,
        ailment -> Text,
        ward -> Nullable<Text>,
        burn_victim -> Bool,
        status -> Text,
        assessed_on -> Nullable<Date>,
        assessed_by -> Nullable<Text>,
        household_income_taka -> Nullable<Int8>,
        assessment_notes -> Nullable<Text>,
        aid_taka -> Int8,
        closed_on -> Nullable<Date>,
        rehabilitation_referred_on -> Nullable<Date>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    hospital_aid (id) {
        id -> Uuid,
        patient_id -> Uuid,
        facility_id -> Uuid,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        given_on -> Date,
        kind -> Text,
        description -> Nullable<Text>,
        amount_taka -> Int8,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    institution_stays (id) {
        id -> Uuid,
        facility_id -> Uuid,
        person_id -> Uuid,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        sex -> Text,
        admitted_on -> Date,
        leaves_on -> Date,
        transferred_from -> Nullable<Uuid>,
        left_on -> Nullable<Date>,
        leave_reason -> Nullable<Text>,
        rehabilitation_plan -> Nullable<Text>,
        leave_notes -> Nullable<Text>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    capitation_allotments (organisation_id, fiscal_year) {
        organisation_id -> Uuid,
        fiscal_year -> Int4,
        orphans -> Int4,
        bank_account -> Text,
        version -> Int4,
        updated_by -> Nullable<Uuid>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    capitation_orphans (beneficiary_id) {
        beneficiary_id -> Uuid,
        organisation_id -> Uuid,
        listed_on -> Date,
        absent_since -> Nullable<Date>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    capitation_inspections (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        inspected_on -> Date,
        inspected_by -> Text,
        present -> Int4,
        absent -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    supervisions (id) {
        id -> Uuid,
        kind -> Text,
        person_id -> Uuid,
        division_id -> Int4,
        district_id -> Int4,
        upazila_id -> Int4,
        court -> Nullable<Text>,
        order_number -> Nullable<Text>,
        order_date -> Nullable<Date>,
        offence -> Nullable<Text>,
        from_stay_id -> Nullable<Uuid>,
        starts_on -> Date,
        term_months -> Int4,
        ends_on -> Date,
        conditions -> Array<Text>,
        officer_id -> Uuid,
        status -> Text,
        last_visit_on -> Nullable<Date>,
        closed_on -> Nullable<Date>,
        version -> Int4,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    supervision_events (id) {
        id -> Uuid,
        supervision_id -> Uuid,
        action -> Text,
        on_date -> Date,
        status_after -> Text,
        data -> Jsonb,
        actor_id -> Nullable<Uuid>,
        occurred_at -> Timestamptz,
    }
}

diesel::table! {
    documents (id) {
        id -> Uuid,
        owner_kind -> Text,
        owner_id -> Uuid,
        kind -> Text,
        title -> Text,
        dated_on -> Date,
        media_type -> Text,
        size_bytes -> Int8,
        sha256 -> Bytea,
        stored_bytes -> Int8,
        created_by -> Uuid,
        created_at -> Timestamptz,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_by -> Nullable<Uuid>,
        withdrawal_reason -> Nullable<Text>,
        version -> Int4,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    divisions,
    districts,
    upazilas,
    unions,
    users,
    refresh_tokens,
    login_failures,
    idempotency_keys,
    audit_chain_heads,
    audit_events,
    partner_organisations,
    facilities,
    facility_partners,
    persons,
    cases,
    case_events,
    case_holdings,
    case_transfers,
    programme_versions,
    quotas,
    applications,
    beneficiaries,
    payment_cycles,
    payments,
    cct_compliance,
    jobs,
    loan_funds,
    fund_entries,
    work_groups,
    work_group_members,
    loans,
    loan_instalments,
    loan_repayments,
    committee_meetings,
    loan_write_offs,
    city_corporations,
    geography_revision,
    disability_records,
    job_inputs,
    contacts,
    service_point_days,
    voluntary_organisations,
    voluntary_registration_counters,
    voluntary_organisation_events,
    voluntary_annual_reports,
    voluntary_grants,
    hospital_patients,
    hospital_aid,
    institution_stays,
    capitation_allotments,
    capitation_orphans,
    capitation_inspections,
    supervisions,
    supervision_events,
    households,
    household_members,
    person_relationships,
    documents,
);
