//! Voiding an entry from its page (R-HU-RULE-BREAKING, R-ENTRY-VOID), after a confirmation step.

use super::{STAFF, entry_page};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::centre::{self as ops, VoidInput};

/// The void form: the reason, and `confirmed=yes` once staff have read what will happen.
#[derive(Deserialize)]
pub(crate) struct VoidForm {
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirmed: String,
}

impl CsrfProtected for VoidForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /centre/entries/{id}/void`: first shows the entry page with what voiding does and a
/// confirmation button; the confirmed form voids the entry and returns to its page.
pub(crate) async fn void_entry(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<VoidForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    if f.confirmed != "yes" {
        // Checked before the confirmation step, so a missing reason is told at once.
        // The page's field is `void_reason` (the refund form of the same page has a `reason`).
        if let Err(e) = tessera_domain::entries::r_hu_rule_breaking("confirmed", &f.reason) {
            let e = crate::error::AppError::from(e.on("void_reason"));
            return entry_page(
                &state,
                user,
                jar,
                id,
                e.status,
                context! { error => e.for_page(), void_reason => f.reason },
            )
            .await;
        }
        return entry_page(
            &state,
            user,
            jar,
            id,
            StatusCode::OK,
            context! { void_confirm => true, void_reason => f.reason },
        )
        .await;
    }
    match ops::void_entry(&state, &user, &id, VoidInput { reason: f.reason.clone() }).await {
        Ok(()) => Ok(Redirect::to(&format!("/centre/entries/{id}")).into_response()),
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, id, e.status, context! { error => e.for_page(), void_reason => f.reason })
                .await
        }
        Err(e) => Err(e.into()),
    }
}
