//! When the centre cannot run a session as announced (R-CENTRE-FAULT): marking the session from
//! its page, and recording a candidate's choice from the entry page.

use super::{STAFF, entry_page, session_page};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::centre::{self as ops, FaultChoiceInput, FaultInput};

/// The form marking a session at fault.
#[derive(Deserialize)]
pub(crate) struct FaultForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

impl CsrfProtected for FaultForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A choice after the centre's fault as a form sends it: `refund` or `move:<session id>`.
#[derive(Deserialize)]
pub(crate) struct ChoiceForm {
    csrf: String,
    #[serde(default)]
    choice: String,
}

impl CsrfProtected for ChoiceForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl ChoiceForm {
    /// The choice as sent.
    pub(crate) fn choice(&self) -> &str {
        &self.choice
    }
}

/// The form's `refund` or `move:<session id>` as the workflow takes it.
pub(crate) fn choice_input(choice: &str) -> FaultChoiceInput {
    match choice.split_once(':') {
        Some(("move", sid)) => FaultChoiceInput { choice: "move".into(), session_id: Some(sid.to_owned()) },
        _ => FaultChoiceInput { choice: choice.to_owned(), session_id: None },
    }
}

/// `POST /centre/sessions/{id}/fault`: marks the session as not runnable as announced.
pub(crate) async fn mark_session(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<FaultForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    match ops::mark_session_at_fault(&state, &user, &id, FaultInput { reason: f.reason.clone() }).await {
        Ok(_) => Ok(Redirect::to(&format!("/centre/sessions/{id}")).into_response()),
        Err(e) if e.is_refusal() => {
            session_page(&state, user, jar, id, e.status, context! { error => e.for_page(), fault_reason => f.reason })
                .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /centre/entries/{id}/fault-choice`: records the candidate's choice for them.
pub(crate) async fn choose(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ChoiceForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let input = choice_input(f.choice());
    match ops::choose_after_fault(&state, &user.tenant, &id, input, user.user.id.clone(), None).await {
        Ok(_) => Ok(Redirect::to(&format!("/centre/entries/{id}")).into_response()),
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}
