//! The organisation's webhook endpoints (R-WEBHOOK), for its primary and admin users: the list
//! with the form to add one (the secret is shown once, on the page that answers), and each
//! endpoint's page: rotate the secret (shown once), disable or enable, delete, and the delivery
//! log with a redeliver button per delivery.

use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppResult;
use crate::extract::{Path, Query};
use crate::routes::pages::{CsrfOnly, FormPairs, render_user};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::{Value, context};
use serde::Deserialize;
use tessera_app::webhooks::{deliveries, endpoints};
use tessera_domain::webhooks::WebhookEvent;

fn event_names() -> Vec<&'static str> {
    WebhookEvent::ALL.iter().map(|e| e.as_str()).collect()
}

/// The list page with `ctx` (a secret issued just now, an error and the form as typed).
async fn list_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    ctx: Value,
) -> AppResult<Response> {
    let rows = endpoints::list(state, &user).await?;
    render_user(
        state,
        jar,
        user,
        "verifier_webhooks.html",
        status,
        context! { endpoints => rows, events => event_names(), ..ctx },
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct Notice {
    #[serde(default)]
    done: Option<String>,
    /// `delete`: the confirmation step before deleting.
    #[serde(default)]
    confirm: Option<String>,
}

/// `GET /verifier/webhooks`.
pub(crate) async fn list(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    list_page(&state, user, jar, StatusCode::OK, context! { done => n.done }).await
}

/// `POST /verifier/webhooks`: adds an endpoint and shows its secret once.
pub(crate) async fn create(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<FormPairs>,
) -> AppResult<Response> {
    let new = endpoints::NewEndpoint {
        url: form.one("url").unwrap_or("").to_owned(),
        description: form.one("description").unwrap_or("").to_owned(),
        event_types: form.all("event_types"),
    };
    match endpoints::create(&state, &user, &new).await {
        Ok(issued) => list_page(&state, user, jar, StatusCode::OK, context! { issued => issued }).await,
        Err(e) if e.is_refusal() => {
            let ctx = context! {
                error => e.for_page(), url => new.url, description => new.description, ticked => new.event_types,
            };
            list_page(&state, user, jar, e.status, ctx).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The endpoint page with its delivery log and `ctx`.
async fn endpoint_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    id: &str,
    ctx: Value,
) -> AppResult<Response> {
    let endpoint = endpoints::get(state, &user, id).await?;
    let log = deliveries::log(state, &user, id).await?;
    render_user(
        state,
        jar,
        user,
        "verifier_webhook.html",
        StatusCode::OK,
        context! { endpoint => endpoint, deliveries => log, ..ctx },
    )
}

/// `GET /verifier/webhooks/{id}`.
pub(crate) async fn show(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(n): Query<Notice>,
) -> AppResult<Response> {
    let confirm_delete = n.confirm.as_deref() == Some("delete");
    endpoint_page(&state, user, jar, &id, context! { done => n.done, confirm_delete => confirm_delete }).await
}

/// `POST /verifier/webhooks/{id}/rotate`: a new secret, shown once.
pub(crate) async fn rotate(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    let issued = endpoints::rotate(&state, &user, &id).await?;
    endpoint_page(&state, user, jar, &id, context! { issued => issued }).await
}

/// `POST /verifier/webhooks/{id}/enable`.
pub(crate) async fn enable(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    endpoints::set_enabled(&state, &user, &id, true).await?;
    Ok(Redirect::to(&format!("/verifier/webhooks/{id}?done=enabled")).into_response())
}

/// `POST /verifier/webhooks/{id}/disable`.
pub(crate) async fn disable(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    endpoints::set_enabled(&state, &user, &id, false).await?;
    Ok(Redirect::to(&format!("/verifier/webhooks/{id}?done=disabled")).into_response())
}

/// `POST /verifier/webhooks/{id}/delete`.
pub(crate) async fn delete(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    endpoints::delete(&state, &user, &id).await?;
    Ok(Redirect::to("/verifier/webhooks?done=deleted").into_response())
}

/// `POST /verifier/webhooks/{id}/deliveries/{delivery_id}/redeliver`.
pub(crate) async fn redeliver(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((id, delivery_id)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    deliveries::redeliver(&state, &user, &id, &delivery_id).await?;
    Ok(Redirect::to(&format!("/verifier/webhooks/{id}?done=redelivered")).into_response())
}
