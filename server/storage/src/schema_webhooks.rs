//! Tables of the webhooks of verifier organisations (R-WEBHOOK): see the migration
//! `2026-11-30-000038_webhooks`.

diesel::table! {
    /// Where an organisation wants events, and the secrets deliveries are signed with.
    webhook_endpoints (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        url -> Text,
        description -> Text,
        event_types -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        rotated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// One event for one endpoint.
    webhook_deliveries (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        endpoint_id -> Text,
        event_type -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        created_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        next_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Every HTTP attempt of a delivery.
    webhook_attempts (tenant_id, id) {
        tenant_id -> Text,
        id -> Text,
        delivery_id -> Text,
        attempt -> Integer,
        at -> Timestamp,
        status_code -> Nullable<Integer>,
        response_ms -> BigInt,
        outcome -> Text,
        excerpt -> Nullable<Text>,
    }
}
