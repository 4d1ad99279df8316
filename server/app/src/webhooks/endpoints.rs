//! An organisation's webhook endpoints (R-WEBHOOK), managed by its primary and admin users:
//! listed, added (the secret is shown once), the secret rotated (the new one shown once, the
//! old one valid for a day more), disabled and enabled, deleted. Creation, rotation and deletion
//! are audited. Another organisation's endpoint is a 404.

use super::new_secret;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use serde::Serialize;
use tessera_domain::webhooks::{self as rules, EndpointUrlRefusal, WebhookEvent};
use tessera_domain::{ErrorCode, Role};
use tessera_storage::repo::webhooks::{self as repo, Endpoint};
use utoipa::ToSchema;

/// Longest description kept.
pub const DESCRIPTION_MAX: usize = 200;

/// An endpoint as shown (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEndpointView {
    /// Endpoint id.
    pub id: String,
    /// Where deliveries are POSTed.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The events it receives (`share.created`, `share.withdrawn`, `result.updated`, `result.revoked`).
    pub event_types: Vec<String>,
    /// Whether deliveries are made.
    pub enabled: bool,
    /// Why it is disabled: `failing` (every attempt failed for a day) or `by_hand`.
    pub disabled_reason: Option<String>,
    /// Created (UTC, RFC 3339).
    pub created_at: String,
    /// Secret last rotated (UTC, RFC 3339).
    pub rotated_at: Option<String>,
    /// Until when the previous secret also signs deliveries (UTC, RFC 3339).
    pub previous_secret_valid_until: Option<String>,
}

impl WebhookEndpointView {
    fn of(e: Endpoint, now: chrono::DateTime<chrono::Utc>) -> Self {
        let f = |t: chrono::NaiveDateTime| t.and_utc().to_rfc3339();
        Self {
            event_types: e.events().iter().map(|e| e.as_str().to_owned()).collect(),
            id: e.id,
            url: e.url,
            description: e.description,
            enabled: e.enabled,
            disabled_reason: e.disabled_reason,
            created_at: f(e.created_at),
            rotated_at: e.rotated_at.map(f),
            previous_secret_valid_until: e.previous_secret_until.filter(|t| t.and_utc() > now).map(f),
        }
    }
}

/// An endpoint with its secret: shown at creation and after a rotation, never again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookEndpointSecret {
    /// The endpoint.
    pub endpoint: WebhookEndpointView,
    /// `whsec_...`: give it to your Standard Webhooks library to verify deliveries.
    pub secret: String,
}

/// What an organisation asks for when it adds an endpoint.
#[derive(Debug, Clone, Default)]
pub struct NewEndpoint {
    /// The address.
    pub url: String,
    /// What it is for (optional).
    pub description: String,
    /// Event types ticked.
    pub event_types: Vec<String>,
}

/// Primary and admin users of a verifier organisation; anyone else gets a 404.
pub(crate) fn managers_only(user: &Actor) -> AppResult<()> {
    user.require(&[Role::VerifierPrimary, Role::VerifierAdmin])
}

/// The organisation's endpoints.
pub async fn list(state: &AppState, user: &Actor) -> AppResult<Vec<WebhookEndpointView>> {
    managers_only(user)?;
    let (tid, now) = (user.tenant_id(), state.clock.now());
    let rows = state.db.call(move |c| repo::list(c, tid)).await?;
    Ok(rows.into_iter().map(|e| WebhookEndpointView::of(e, now)).collect())
}

/// One endpoint of the organisation.
pub async fn get(state: &AppState, user: &Actor, id: &str) -> AppResult<WebhookEndpointView> {
    managers_only(user)?;
    let (tid, now, id) = (user.tenant_id(), state.clock.now(), id.to_owned());
    Ok(WebhookEndpointView::of(state.db.call(move |c| repo::get(c, tid, &id)).await?, now))
}

/// Checks an endpoint address (the refusal names the field `url`).
pub fn check_url(url: &str, allow_http: bool) -> AppResult<()> {
    match rules::r_webhook_url(url, allow_http) {
        Ok(()) => Ok(()),
        Err(EndpointUrlRefusal::Invalid) => Err(AppError::at(ErrorCode::WebhookUrl, "url")),
        Err(EndpointUrlRefusal::NotHttps) => Err(AppError::at(ErrorCode::WebhookUrlNotHttps, "url")),
    }
}

/// The events named, each known (the refusal names the field `event_types`); at least one.
pub fn check_events(names: &[String]) -> AppResult<Vec<WebhookEvent>> {
    let mut out = Vec::new();
    for n in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let e = WebhookEvent::parse(n)
            .ok_or_else(|| AppError::at(ErrorCode::UnknownEventType, "event_types").arg("value", n))?;
        if !out.contains(&e) {
            out.push(e);
        }
    }
    if out.is_empty() {
        return Err(AppError::at(ErrorCode::Required, "event_types"));
    }
    Ok(out)
}

/// Adds an endpoint; the answer carries its secret, shown only this once.
pub async fn create(state: &AppState, user: &Actor, new: &NewEndpoint) -> AppResult<WebhookEndpointSecret> {
    managers_only(user)?;
    let url = new.url.trim().to_owned();
    check_url(&url, state.settings.webhooks_allow_http)?;
    let events = check_events(&new.event_types)?;
    let description = new.description.trim().to_owned();
    if description.chars().count() > DESCRIPTION_MAX {
        return Err(AppError::at(ErrorCode::TooLong, "description").arg("max", DESCRIPTION_MAX));
    }
    if description.chars().any(char::is_control) {
        return Err(AppError::at(ErrorCode::ControlCharacters, "description"));
    }
    let (key, secret) = new_secret();
    let now = state.clock.now();
    let e = Endpoint {
        tenant_id: user.tenant_id().to_string(),
        id: format!("ep_{}", uuid::Uuid::new_v4().simple()),
        url,
        description,
        event_types: events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(","),
        secret: state.credential_keys.seal(&key),
        previous_secret: None,
        previous_secret_until: None,
        enabled: true,
        disabled_reason: None,
        failing_since: None,
        created_by: user.user.id.clone(),
        created_at: now.naive_utc(),
        rotated_at: None,
    };
    let (u, row) = (user.clone(), e.clone());
    state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                repo::create(c, &row)?;
                u.audit(c, "webhook.created", &row.id, now)
            })
        })
        .await?;
    Ok(WebhookEndpointSecret { endpoint: WebhookEndpointView::of(e, now), secret })
}

/// A new secret for an endpoint, shown once; the old one keeps signing for a day (both
/// signatures are sent meanwhile), so the receiver can switch without losing an event.
pub async fn rotate(state: &AppState, user: &Actor, id: &str) -> AppResult<WebhookEndpointSecret> {
    managers_only(user)?;
    let (key, secret) = new_secret();
    let (u, now, id, s) = (user.clone(), state.clock.now(), id.to_owned(), state.credential_keys.seal(&key));
    let until = now + chrono::Duration::hours(rules::PREVIOUS_SECRET_HOURS);
    let e = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let e = repo::rotate(c, u.tenant_id(), &id, &s, until, now)?;
                u.audit(c, "webhook.rotated", &id, now)?;
                Ok(e)
            })
        })
        .await?;
    Ok(WebhookEndpointSecret { endpoint: WebhookEndpointView::of(e, now), secret })
}

/// Enables or disables an endpoint by hand. Enabling starts a fresh failure count; deliveries
/// that failed meanwhile can be sent again from the delivery log.
pub async fn set_enabled(state: &AppState, user: &Actor, id: &str, enabled: bool) -> AppResult<WebhookEndpointView> {
    managers_only(user)?;
    let (u, now, id) = (user.clone(), state.clock.now(), id.to_owned());
    let e = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let e = repo::set_enabled(c, u.tenant_id(), &id, enabled, Some("by_hand"))?;
                u.audit(c, if enabled { "webhook.enabled" } else { "webhook.disabled" }, &id, now)?;
                Ok(e)
            })
        })
        .await?;
    Ok(WebhookEndpointView::of(e, now))
}

/// Deletes an endpoint with its delivery log.
pub async fn delete(state: &AppState, user: &Actor, id: &str) -> AppResult<()> {
    managers_only(user)?;
    let (u, now, id) = (user.clone(), state.clock.now(), id.to_owned());
    state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                repo::delete(c, u.tenant_id(), &id)?;
                u.audit(c, "webhook.deleted", &id, now)
            })
        })
        .await?;
    Ok(())
}
