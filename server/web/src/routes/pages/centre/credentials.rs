//! Revoking an entry's credential by hand (R-CREDENTIAL): the centre manager gives the reason,
//! which is recorded and audited. Revoking cannot be undone: a confirmation page comes first.

use super::confirm::{self, Confirmation};
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
    confirmed: Option<String>,
}

impl CsrfProtected for RevokeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /centre/entries/{id}/credential/revoke` (`csrf`, `revocation_reason`): with a reason
/// given, first a confirmation page saying what revoking does; `confirmed=yes` revokes.
pub(crate) async fn revoke(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RevokeForm>,
) -> AppResult<Response> {
    user.require(&[Role::CentreManager])?;
    if !confirm::confirmed(&form.confirmed) && !form.revocation_reason.trim().is_empty() {
        // Another centre's entry is not found here either.
        let d = tessera_app::centre::entry_details(&state, user.tenant_id(), &id).await?;
        let locale = user.tenant.locale;
        let name = format!("{} {}", d.candidate.first_name, d.candidate.family_name);
        let reason = form.revocation_reason.trim().to_owned();
        let args = [("name", name.as_str()), ("reason", reason.as_str())];
        let t = |key: &str| state.templates.text_with(locale, &format!("centre.confirm_step.revoke_{key}"), &args);
        let c = Confirmation {
            title: t("title"),
            body: vec![t("body")],
            action: format!("/centre/entries/{id}/credential/revoke"),
            fields: vec![("revocation_reason".into(), reason.clone())],
            button: t("button"),
            back: format!("/centre/entries/{id}#credentials"),
            back_label: t("keep"),
        };
        return confirm::page(&state, user, jar, c);
    }
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
