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
