//! Tables of the Candidate Results Service: activated accounts, release notices, sign-up attempts.

diesel::table! {
    candidate_accounts (tenant_id, candidate_id) {
        tenant_id -> Text,
        candidate_id -> Text,
        user_id -> Text,
        terms_accepted_at -> Timestamp,
        marketing_opt_in -> Bool,
        activated_at -> Timestamp,
    }
}

diesel::table! {
    release_notices (tenant_id, result_id) {
        tenant_id -> Text,
        result_id -> Text,
        candidate_id -> Text,
        emailed -> Bool,
        noticed_at -> Timestamp,
    }
}

diesel::table! {
    signup_attempts (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        subject -> Text,
        at -> Timestamp,
    }
}

// Only pairs that involve these tables: the foundation's schema declares its own pairs.
diesel::allow_tables_to_appear_in_same_query!(release_notices, results);
diesel::allow_tables_to_appear_in_same_query!(release_notices, entries);
diesel::allow_tables_to_appear_in_same_query!(release_notices, exam_sessions);
diesel::allow_tables_to_appear_in_same_query!(release_notices, candidates);
diesel::allow_tables_to_appear_in_same_query!(candidate_accounts, candidates);

use crate::schema::{candidates, entries, exam_sessions, results};
