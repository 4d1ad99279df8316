//! Repositories: plain functions over a connection, grouped by aggregate.

pub mod after_exam;
pub mod api_access;
pub mod api_clients;
pub mod audit;
pub mod auth;
pub mod bulk_runs;
pub mod bulk_verify;
pub mod candidate;
pub mod centre;
pub mod centre_fault;
pub mod centre_lists;
pub mod credentials;
pub mod downloads;
pub mod jobs;
pub mod notify;
pub mod org_join;
pub mod organisations;
pub mod plugin_files;
pub mod policy;
pub mod public_pages;
pub mod schools;
pub mod search_log;
pub mod shares;
pub mod tenants;
pub mod throttles;
pub mod users;
pub mod verifier;
pub mod webhooks;
pub mod workflows;

use chrono::{DateTime, NaiveDateTime, Utc};

/// UTC instant to the stored form.
pub fn naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc()
}

/// Stored form to a UTC instant.
pub fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}
