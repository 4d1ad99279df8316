//! Refunds: asked of the refund policy from an entry's page, then moved on by staff.

use super::confirm::{self, Confirmation};
use super::{STAFF, entry_page};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use tessera_app::centre::read;
use tessera_app::centre::{self as ops, PayoutInput, RefundInput};

/// The refund request form. The documents received are ticked (`document_<kind>=yes`); a
/// `documents` list of kinds (comma or space separated) is read too.
#[derive(Deserialize)]
pub(crate) struct RefundForm {
    csrf: String,
    reason: String,
    #[serde(default)]
    relation: String,
    request_date: String,
    documents_received_date: String,
    #[serde(default)]
    documents: String,
    payout_method: Option<String>,
    payout_account: Option<String>,
    /// The ticked boxes, among any other field.
    #[serde(flatten)]
    ticked: std::collections::HashMap<String, String>,
}

impl CsrfProtected for RefundForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

csrf_form!(RefundStepForm { method: Option<String>, paid_on: Option<String>, confirmed: Option<String> });

/// `POST /centre/entries/{id}/refunds`: asks the refund policy.
pub(crate) async fn request_refund(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<RefundForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let reason = if f.reason == "bereavement" {
        json!({"type": "bereavement", "relation": f.relation})
    } else {
        json!({"type": f.reason})
    };
    let mut documents: Vec<String> =
        f.documents.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let mut ticked: Vec<String> = f
        .ticked
        .iter()
        .filter(|(_, v)| v.as_str() == "yes")
        .filter_map(|(k, _)| k.strip_prefix("document_").map(str::to_owned))
        .collect();
    ticked.sort();
    documents.extend(ticked);
    let input = RefundInput {
        reason,
        request_date: Some(f.request_date),
        documents_received_date: Some(f.documents_received_date),
        documents,
        payout_method: f.payout_method,
        payout_account: f.payout_account,
    };
    match ops::request_refund(&state, &user.tenant, &id, input, user.user.id.clone()).await {
        Ok(_) => Ok(Redirect::to(&format!("/centre/entries/{id}")).into_response()),
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /centre/refunds/{id}/{step}`: confirm a refund decision, record its payout (method and
/// day), or reject it. Confirming and rejecting cannot be undone: without `confirmed=yes` they
/// show a confirmation page saying what will happen, and change nothing.
pub(crate) async fn refund_step(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path((id, step)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<RefundStepForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let summary = read::refund_summary(&state, &user, id.clone()).await?;
    let entry_id = summary.entry.clone();
    if matches!(step.as_str(), "confirm" | "reject") && !confirm::confirmed(&f.confirmed) {
        let locale = user.tenant.locale;
        let amount = tessera_domain::Currency::parse(&summary.currency)
            .map(|c| tessera_domain::Money::new(summary.amount_minor, c).in_locale(locale))
            .unwrap_or_default();
        let args = [("name", summary.name.as_str()), ("amount", amount.as_str())];
        let t =
            |key: &str| state.templates.text_with(locale, &format!("centre.confirm_step.refund_{step}_{key}"), &args);
        let c = Confirmation {
            title: t("title"),
            body: vec![t("body")],
            action: format!("/centre/refunds/{id}/{step}"),
            fields: vec![],
            button: t("button"),
            back: format!("/centre/entries/{entry_id}#refunds"),
            back_label: state.templates.text(locale, "centre.confirm_step.keep_refund"),
        };
        return confirm::page(&state, user, jar, c);
    }
    let payout = PayoutInput { method: f.method, paid_on: f.paid_on };
    match ops::advance_refund(&state, &user.tenant, &id, &step, payout, user.user.id.clone()).await {
        Ok(()) => Ok(Redirect::to(&format!("/centre/entries/{}", entry_id)).into_response()),
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, entry_id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}
