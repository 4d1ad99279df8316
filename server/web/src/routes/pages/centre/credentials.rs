//! Revoking an entry's credential by hand (R-CREDENTIAL): the centre manager gives the reason,
//! which is recorded and audited.

use super::entry_page;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_domain::Role;

#[derive(Deserialize)]
pub(crate) struct RevokeForm {
    csrf: String,
    #[serde(default)]
    revocation_reason: String,
}

impl CsrfProtected for RevokeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /centre/entries/{id}/credential/revoke` (`csrf`, `revocation_reason`).
pub(crate) async fn revoke(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> AppResult<Response> {
    user.require(&[Role::CentreManager])?;
    let done = tessera_app::credentials::revoke::revoke_by_hand(
        &state,
        &user.tenant,
        &id,
        &form.revocation_reason,
        user.user.id.clone(),
    )
    .await;
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/centre/entries/{id}#credentials")).into_response()),
        Err(e) if e.is_refusal() => {
            entry_page(
                &state,
                user,
                jar,
                id,
                e.status,
                context! { error => e.for_page(), revocation_reason => form.revocation_reason },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
