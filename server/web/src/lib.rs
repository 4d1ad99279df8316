//! Tessera's HTTP layer: axum routers, extractors, minijinja pages and the JSON API.
//!
//! Pages live under `routes/pages`, the versioned JSON API under `routes/api`; both take the
//! tenant from the signed-in session (or, for public pages, from the `/t/{tenant}` path), never
//! from a request body. What a request does is a workflow of `tessera_app`.

pub mod auth;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod routes;
pub mod state;

pub use error::{AppResult, HttpError};
pub use routes::router;
pub use state::{AppState, WebSettings};

/// The pages, rendered by the application's [`tessera_app::templates::Templates`] with its emails
/// and documents (`Templates::with_pages(PAGES)`).
pub const PAGES: &[(&str, &str)] = &tessera_app::embedded_templates!(
    "base.html",
    "macros.html",
    "fault_choice.html",
    "index.html",
    "login.html",
    "message.html",
    "forgot.html",
    "reset.html",
    "home_admin.html",
    "home_centre.html",
    "home_verifier.html",
    "centre_session_new.html",
    "centre_session.html",
    "centre_entry.html",
    "entry_form.html",
    "entry_received.html",
    "centre_calendar.html",
    "centre_find.html",
    "centre_confirm.html",
    "centre_bulk_run.html",
    "centre_coe_bulk.html",
    "centre_entries.html",
    "centre_entry_list.html",
    "signup.html",
    "candidate_home.html",
    "candidate_shares.html",
    "candidate_account.html",
    "verifier_shared.html",
    "verifier_search.html",
    "verifier_detail.html",
    "verifier_lookup.html",
    "org_signup.html",
    "admin_organisations.html",
    "admin_confirm.html",
    "admin_mail.html",
    "admin_tenant.html",
    "admin_users.html",
    "admin_user_reset.html",
    "admin_plugins.html",
    "admin_tenant_plugins.html",
    "admin_plugin_settings.html",
    "admin_audit.html",
    "admin_health.html",
    "verifier_users.html",
    "verifier_download_controls.html",
    "verifier_downloads.html",
    "verifier_templates.html",
    "verifier_notifications.html",
    "verifier_api_clients.html",
    "verifier_webhooks.html",
    "verifier_webhook.html",
    "verify.html",
    "verifier_school.html",
    "centre_schools.html",
    "centre_settings.html",
    "verifier_bulk_verify.html",
    "verifier_bulk_verify_status.html",
    "admin_api_access.html",
    "org_join.html",
    "public_calendar.html",
    "public_regulations.html",
    "centre_public.html",
);
