//! API access (R-API): an organisation's primary user asks for it, the installation admin
//! approves or refuses (page, API or CLI) and the primary user is emailed either way; only an
//! approved organisation creates API clients. Tokens expire; the primary user is emailed
//! [`API_TOKEN_NOTICE_DAYS`] days before (once per token and expiry) and can renew.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::outbox::{EMAIL_JOB, EmailJob};
use crate::state::AppState;
use crate::templates::Templates;
use chrono::{DateTime, Utc};
use minijinja::context;
use serde::Serialize;
use tessera_domain::verification::API_TOKEN_NOTICE_DAYS;
use tessera_domain::{DomainError, ErrorCode, Role, TenantId, TenantKind};
use tessera_storage::repo::api_access::{self, AccessRequest};
use tessera_storage::repo::{api_clients, audit, jobs, tenants, users};
use tessera_storage::{DbConnection, StorageError, StorageResult};
use utoipa::ToSchema;

/// The job kind of the daily API token expiry notices.
pub const API_TOKEN_NOTICE_JOB: &str = "api_token_notices";

/// Fails with `api_access_not_approved` (403) unless the organisation's API access is approved.
pub fn require_api_access(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<()> {
    match api_access::get(conn, tenant)? {
        Some(r) if r.decision.as_deref() == Some("approved") => Ok(()),
        _ => Err(StorageError::Conflict(DomainError::new(ErrorCode::ApiAccessNotApproved))),
    }
}

/// An organisation's API access as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiAccessView {
    /// The organisation's code.
    pub organisation: String,
    /// Its name.
    pub organisation_name: String,
    /// `none` (never asked), `pending`, `approved` or `rejected`.
    pub status: String,
    /// What the organisation said it needs the API for.
    pub purpose: Option<String>,
    /// Asked (UTC).
    pub requested_at: Option<String>,
    /// Decided (UTC).
    pub decided_at: Option<String>,
}

fn view(t: &tenants::Tenant, r: Option<AccessRequest>) -> ApiAccessView {
    let f = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
    ApiAccessView {
        organisation: t.slug.clone(),
        organisation_name: t.name.clone(),
        status: match &r {
            None => "none".into(),
            Some(r) => r.decision.clone().unwrap_or_else(|| "pending".into()),
        },
        purpose: r.as_ref().map(|r| r.purpose.clone()),
        requested_at: r.as_ref().map(|r| f(r.requested_at)),
        decided_at: r.as_ref().and_then(|r| r.decided_at.map(f)),
    }
}

/// The organisation's API access (its primary user).
pub async fn api_access(state: &AppState, user: &Actor) -> AppResult<ApiAccessView> {
    user.require(&[Role::VerifierPrimary])?;
    let tenant = user.tenant.clone();
    let r = state.db.call(move |c| api_access::get(c, tenant.id)).await?;
    Ok(view(&user.tenant, r))
}

/// The primary user asks for API access, saying what for (1 to 500 characters).
pub async fn request_api_access(state: &AppState, user: &Actor, purpose: &str) -> AppResult<ApiAccessView> {
    user.require(&[Role::VerifierPrimary])?;
    let purpose = purpose.trim().to_owned();
    if purpose.is_empty() || purpose.chars().count() > 500 {
        return Err(AppError::at(ErrorCode::Length, "purpose").arg("min", 1).arg("max", 500));
    }
    let (u, now) = (user.clone(), state.clock.now());
    let r = state
        .db
        .call(move |c| {
            let r = api_access::request(c, u.tenant_id(), &purpose, &u.user.id, now)?;
            u.audit(c, "api_access.requested", &u.tenant.slug, now)?;
            Ok(r)
        })
        .await?;
    Ok(view(&user.tenant, Some(r)))
}

/// Every organisation's request, pending first (installation admin).
pub async fn api_access_requests(state: &AppState, user: &Actor) -> AppResult<Vec<ApiAccessView>> {
    user.require(&[Role::InstallationAdmin])?;
    let rows = state.db.call(api_access::all).await?;
    Ok(rows.into_iter().map(|(t, r)| view(&t, Some(r))).collect())
}

/// Approves or refuses organisation `slug`'s pending request and emails its primary user, in one
/// transaction, audited in the installation's log (the page, the API and the CLI call this).
pub fn decide_api_access_on(
    conn: &mut DbConnection,
    templates: &Templates,
    slug: &str,
    approve: bool,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<ApiAccessView> {
    let t = tenants::by_slug(conn, slug)?;
    if t.kind != TenantKind::Verifier {
        return Err(StorageError::NotFound);
    }
    let installation = tenants::installation(conn, now)?;
    let r = api_access::decide(conn, t.id, approve, by, now, |c, _| {
        let template = if approve { "email/api_access_approved.txt" } else { "email/api_access_rejected.txt" };
        for p in users::list(c, t.id)?.into_iter().filter(|u| u.role == Role::VerifierPrimary.as_str()) {
            let (subject, body) = templates
                .render_email(template, t.locale, context! { name => p.display_name, organisation => t.name })
                .map_err(|e| StorageError::Corrupt(format!("email template: {e}")))?;
            let to = p.email.clone().unwrap_or_else(|| p.login.clone());
            let payload = serde_json::to_value(EmailJob { to, subject, body, attachments: vec![] })
                .map_err(|e| StorageError::Corrupt(e.to_string()))?;
            let job = jobs::NewJob {
                kind: EMAIL_JOB,
                payload,
                idempotency_key: format!("api-access:{}:{}", t.id, now.timestamp_micros()),
                run_at: now,
                max_attempts: 8,
            };
            jobs::enqueue(c, t.id, &job, now)?;
        }
        let ev = audit::AuditEvent {
            actor: Some(by),
            action: if approve { "api_access.approved" } else { "api_access.rejected" },
            target: Some(&t.slug),
            details: serde_json::json!({"tenant": t.id.to_string()}),
            request_id: None,
        };
        audit::append(c, installation.id, &ev, now)
    })?;
    Ok(view(&t, Some(r)))
}

/// The installation admin decides organisation `slug`'s request (see [`decide_api_access_on`]).
pub async fn decide_api_access(state: &AppState, user: &Actor, slug: &str, approve: bool) -> AppResult<ApiAccessView> {
    user.require(&[Role::InstallationAdmin])?;
    let (templates, by, now, slug) =
        (state.templates.clone(), user.user.id.clone(), state.clock.now(), slug.to_owned());
    let v = state.db.call(move |c| decide_api_access_on(c, &templates, &slug, approve, &by, now)).await?;
    state.jobs_wakeup.notify_one();
    Ok(v)
}

/// The daily expiry notices: each live token expiring within [`API_TOKEN_NOTICE_DAYS`] days whose
/// primary user was not told yet gets one email (marked in the same transaction, so a second
/// run or a second node sends nothing more). Returns how many were queued.
pub fn queue_expiry_notices(
    conn: &mut DbConnection,
    templates: &Templates,
    public_url: &str,
    now: DateTime<Utc>,
) -> StorageResult<usize> {
    let due = api_clients::expiring_unnotified(conn, now, now + chrono::Duration::days(API_TOKEN_NOTICE_DAYS))?;
    let mut sent = 0;
    for client in due {
        let tenant: TenantId =
            client.tenant_id.parse().map_err(|_| StorageError::Corrupt(format!("tenant id `{}`", client.tenant_id)))?;
        let t = tenants::by_id(conn, tenant)?;
        let expires = client.expires_at.unwrap_or_default().and_utc();
        let date = expires.with_timezone(&t.timezone).format("%Y-%m-%d").to_string();
        let link = format!("{public_url}/t/{}/verifier/api-clients", t.slug);
        sent += tessera_storage::transaction(conn, |c| -> StorageResult<usize> {
            if !api_clients::mark_notified(c, tenant, &client.id, now)? {
                return Ok(0);
            }
            for p in users::list(c, tenant)?.into_iter().filter(|u| u.role == Role::VerifierPrimary.as_str()) {
                let (subject, body) = templates
                    .render_email(
                        "email/api_token_expiring.txt",
                        t.locale,
                        context! { name => p.display_name, client => client.name, date => date, link => link },
                    )
                    .map_err(|e| StorageError::Corrupt(format!("email template: {e}")))?;
                let to = p.email.clone().unwrap_or_else(|| p.login.clone());
                let payload = serde_json::to_value(EmailJob { to, subject, body, attachments: vec![] })
                    .map_err(|e| StorageError::Corrupt(e.to_string()))?;
                let job = jobs::NewJob {
                    kind: EMAIL_JOB,
                    payload,
                    idempotency_key: format!("api-token-expiring:{}:{}", client.id, expires.timestamp()),
                    run_at: now,
                    max_attempts: 8,
                };
                jobs::enqueue(c, tenant, &job, now)?;
            }
            Ok(1)
        })?;
    }
    Ok(sent)
}
