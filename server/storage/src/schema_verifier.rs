//! Tables of the Results Verification Service (DOMAIN.md section 12).

diesel::table! {
    /// The search change log (outbox): see the migration `2026-11-22-000020_verifier`.
    search_changes (tenant_id, seq) {
        tenant_id -> Text,
        seq -> BigInt,
        share_id -> Text,
        centre_tenant_id -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    /// The last and previous sign-in of each user (R-SHARED-LIST "since you last logged in").
    user_logins (tenant_id, user_id) {
        tenant_id -> Text,
        user_id -> Text,
        last_login_at -> Timestamp,
        previous_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Organisation sign-up requests (R-ORG-SIGNUP).
    org_signups (tenant_id) {
        tenant_id -> Text,
        first_name -> Text,
        family_name -> Text,
        job_title -> Text,
        email -> Text,
        org_type -> Text,
        website -> Text,
        submitted_at -> Timestamp,
        decision -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    /// Names and job titles of verifier users (R-ORG-USERS).
    org_members (tenant_id, user_id) {
        tenant_id -> Text,
        user_id -> Text,
        first_name -> Text,
        family_name -> Text,
        job_title -> Text,
    }
}

diesel::table! {
    /// API clients of verifier organisations (R-API).
    api_clients (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        token_hash -> Text,
        token_hint -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
        expiry_notice_sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Custom data-file templates (R-BULK-DOWNLOAD).
    download_templates (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        name -> Text,
        fields -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Download history (R-BULK-DOWNLOAD).
    downloads (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        actor_id -> Text,
        format -> Text,
        template_id -> Nullable<Text>,
        share_ids -> Text,
        count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Notification preferences (R-NOTIFY).
    notify_prefs (tenant_id, user_id) {
        tenant_id -> Text,
        user_id -> Text,
        mode -> Text,
        since -> Timestamp,
    }
}

diesel::table! {
    /// Bulk verifications (R-BULK-VERIFY): see the migration `2026-11-30-000039_bulk_verify`.
    bulk_verifications (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        actor_id -> Text,
        file_name -> Text,
        total -> Integer,
        processed -> Integer,
        status -> Text,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// One row of a bulk verification and its verdict (R-BULK-VERIFY).
    bulk_verification_rows (tenant_id, verification_id, row_no) {
        tenant_id -> Text,
        verification_id -> Text,
        row_no -> Integer,
        sor_number -> Text,
        date_of_birth -> Date,
        name -> Nullable<Text>,
        verdict -> Nullable<Text>,
        candidate_name -> Nullable<Text>,
        exam_code -> Nullable<Text>,
        exam_date -> Nullable<Date>,
        centre_name -> Nullable<Text>,
        result_status -> Nullable<Text>,
        overall_score -> Nullable<Integer>,
        grade -> Nullable<Text>,
        cefr -> Nullable<Text>,
    }
}

diesel::table! {
    /// Requests for API access, decided by the installation admin (R-API).
    api_access_requests (tenant_id) {
        tenant_id -> Text,
        purpose -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decision -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::table! {
    /// Requests to join an approved organisation, decided by its primary user (R-ORG-JOIN).
    org_join_requests (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        first_name -> Text,
        family_name -> Text,
        job_title -> Text,
        email -> Text,
        requested_at -> Timestamp,
        decision -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(bulk_verifications, bulk_verification_rows);
