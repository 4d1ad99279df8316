//! The diesel schema, one definition for both backends (the migrations keep them equal).

diesel::table! {
    tenants (id) {
        id -> Text,
        slug -> Text,
        kind -> Text,
        name -> Text,
        country -> Text,
        timezone -> Text,
        locale -> Text,
        status -> Text,
        created_at -> Timestamp,
        address -> Nullable<Text>,
        help_phone -> Nullable<Text>,
        help_email -> Nullable<Text>,
    }
}

diesel::table! {
    users (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        login -> Text,
        email -> Nullable<Text>,
        display_name -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unknown_login_failures (tenant_id, login) {
        tenant_id -> Text,
        login -> Text,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    auth_sessions (tenant_id, token_hash) {
        tenant_id -> Text,
        token_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    password_resets (tenant_id, token_hash) {
        tenant_id -> Text,
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    policy_assignments (tenant_id, kind) {
        tenant_id -> Text,
        kind -> Text,
        plugin -> Text,
        config -> Text,
        assigned_at -> Timestamp,
    }
}

diesel::table! {
    exams (code) {
        code -> Text,
        name -> Text,
        short_name -> Text,
        family -> Text,
        cefr -> Nullable<Text>,
        exam_type -> Text,
        components -> Text,
        photo_on_day -> Bool,
        verifiable -> Bool,
    }
}

diesel::table! {
    exam_sessions (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        exam_code -> Text,
        written_date -> Date,
        time_of_day -> Text,
        delivery -> Text,
        fee_minor -> BigInt,
        late_fee_minor -> BigInt,
        currency -> Text,
        registration_opens -> Date,
        registration_closes -> Date,
        late_entry_deadline -> Date,
        capacity -> Integer,
        minimum_candidates -> Integer,
        release_at -> Timestamp,
        status -> Text,
        created_at -> Timestamp,
        speaking_window_start -> Nullable<Date>,
        speaking_window_end -> Nullable<Date>,
        promotion_ends -> Nullable<Date>,
        student_discount_bp -> Nullable<Integer>,
        venue -> Text,
        fault_reason -> Nullable<Text>,
        fault_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    candidates (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        first_name -> Text,
        family_name -> Text,
        date_of_birth -> Date,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        nationality -> Nullable<Text>,
        id_number -> Text,
        secret_hash -> Nullable<Text>,
        user_id -> Nullable<Text>,
        created_at -> Timestamp,
        personal_data_purged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    entries (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        session_id -> Text,
        candidate_id -> Text,
        candidate_number -> Text,
        status -> Text,
        fee_minor -> BigInt,
        currency -> Text,
        created_at -> Timestamp,
        guardian_name -> Nullable<Text>,
        guardian_contact -> Nullable<Text>,
        id_document_type -> Nullable<Text>,
        id_document_number -> Nullable<Text>,
        special_arrangements -> Nullable<Text>,
        student_discount_claimed -> Bool,
        is_late -> Bool,
        registration_date -> Nullable<Date>,
        pay_by -> Nullable<Date>,
        status_reasons -> Text,
        coe_issued_at -> Nullable<Timestamp>,
        speaking_day -> Nullable<Date>,
        extra_time_condition -> Nullable<Text>,
        extra_time_report -> Nullable<Text>,
        moved_from_session_id -> Nullable<Text>,
        notices_acknowledged_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    results (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        entry_id -> Text,
        version -> Integer,
        is_current -> Bool,
        status -> Text,
        overall_score -> Nullable<Integer>,
        grade -> Nullable<Text>,
        cefr -> Nullable<Text>,
        sor_number -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    result_components (tenant_id, result_id, component) {
        tenant_id -> Text,
        result_id -> Text,
        component -> Text,
        score -> Integer,
    }
}

diesel::table! {
    result_shares (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        entry_id -> Text,
        verifier_tenant_id -> Text,
        shared_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    share_events (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        share_id -> Text,
        verifier_tenant_id -> Text,
        actor_name -> Text,
        action -> Text,
        at -> Timestamp,
        result_version -> Nullable<Integer>,
    }
}

diesel::table! {
    audit_log (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        at -> Timestamp,
        actor -> Nullable<Text>,
        action -> Text,
        target -> Nullable<Text>,
        details -> Text,
        request_id -> Nullable<Text>,
    }
}

diesel::table! {
    jobs (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        kind -> Text,
        payload -> Text,
        idempotency_key -> Text,
        status -> Text,
        run_at -> Timestamp,
        attempts -> Integer,
        max_attempts -> Integer,
        lease_until -> Nullable<Timestamp>,
        claimed_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    plugin_files (name) {
        name -> Text,
        manifest -> Text,
        module_base64 -> Text,
        digest -> Text,
        installed_at -> Timestamp,
    }
}

diesel::table! {
    throttle_hits (id) {
        id -> BigInt,
        key -> Text,
        at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    tenants,
    users,
    unknown_login_failures,
    auth_sessions,
    password_resets,
    policy_assignments,
    exams,
    exam_sessions,
    candidates,
    entries,
    results,
    result_components,
    result_shares,
    share_events,
    audit_log,
    jobs,
);
