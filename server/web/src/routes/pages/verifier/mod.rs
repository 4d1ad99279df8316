//! The Results Verification Service pages: the shared list, search, detail with the Statement of
//! Results, Candidate Search by Statement of Results number and date of birth, bulk downloads and
//! their templates, notifications, API clients, the organisation's users, and its sign-up.

pub(super) mod api_clients;
pub(super) mod bulk_verify;
pub(super) mod detail;
pub(super) mod downloads;
pub(super) mod home;
pub(super) mod join;
pub(super) mod lookup;
pub(super) mod notifications;
pub(super) mod school;
pub(super) mod search;
pub(super) mod shared;
pub(super) mod signup;
pub(super) mod templates;
pub(super) mod users;
pub(super) mod webhooks;
