//! The confirmation step before an irreversible or destructive action (GOV.UK's confirmation
//! pattern): a page that says what will happen, with a warning-styled button posting the same
//! form again with `confirmed=yes`, and a way back that changes nothing.

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Serialize;

/// What a confirmation page says and posts. The texts are written by the caller in the user's
/// language (catalogue keys under `centre.confirm`).
#[derive(Serialize)]
pub(super) struct Confirmation {
    /// The question, as the page's heading.
    pub title: String,
    /// What will happen, one paragraph each.
    pub body: Vec<String>,
    /// Where the confirmed form is posted.
    pub action: String,
    /// The form's fields, posted again as typed.
    pub fields: Vec<(String, String)>,
    /// The button's words.
    pub button: String,
    /// Where "keep it as it is" leads.
    pub back: String,
    /// The words of that link.
    pub back_label: String,
}

/// Whether a posted form carries the confirmation.
pub(super) fn confirmed(v: &Option<String>) -> bool {
    v.as_deref() == Some("yes")
}

/// The confirmation page of `c` (200: nothing has changed yet).
pub(super) fn page(state: &SharedState, user: CurrentUser, jar: CookieJar, c: Confirmation) -> AppResult<Response> {
    render_user(state, jar, user, "centre_confirm.html", StatusCode::OK, context! { c => c })
}
