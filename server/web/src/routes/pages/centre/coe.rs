//! An entry's Confirmation of Entry: issued from the entry's page; issuing it again replaces the
//! candidate's secret number, so it goes through a confirmation step first.

use super::confirm::{self, Confirmation};
use super::{STAFF, entry_page};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_app::centre as ops;

csrf_form!(CoeForm { confirmed: Option<String> });

/// `POST /centre/entries/{id}/coe`: issues the Confirmation of Entry and downloads its PDF. When
/// one was issued already, first a confirmation page says that the new one replaces the secret
/// number the candidate has; `confirmed=yes` issues it.
pub(crate) async fn issue_coe(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<CoeForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let d = ops::entry_details(&state, user.tenant_id(), &id).await?;
    if let Some(at) = d.form.coe_issued_at.filter(|_| !confirm::confirmed(&f.confirmed)) {
        let locale = user.tenant.locale;
        let name = format!("{} {}", d.candidate.first_name, d.candidate.family_name);
        let t = |key: &str| state.templates.text(locale, &format!("centre.confirm_step.{key}"));
        let when = state.templates.datetime(locale, user.tenant.timezone, at.and_utc());
        let c = Confirmation {
            title: state.templates.text_with(locale, "centre.confirm_step.reissue_title", &[("name", &name)]),
            body: vec![
                state.templates.text_with(
                    locale,
                    "centre.confirm_step.reissue_body",
                    &[("name", &name), ("at", &when)],
                ),
                t("reissue_after"),
            ],
            action: format!("/centre/entries/{id}/coe"),
            fields: vec![],
            button: t("reissue_button"),
            back: format!("/centre/entries/{id}"),
            back_label: t("keep"),
        };
        return confirm::page(&state, user, jar, c);
    }
    match ops::issue_coe(&state, &user.tenant, &id, user.user.id.clone()).await {
        Ok(coe) => Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"coe-{}.pdf\"", coe.id_number)),
            ],
            coe.pdf,
        )
            .into_response()),
        Err(e) if e.status == StatusCode::CONFLICT => {
            entry_page(&state, user, jar, id, StatusCode::CONFLICT, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}
