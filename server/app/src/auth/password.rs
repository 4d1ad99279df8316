//! Forgotten passwords: a one-time link by email, valid for a limited time, used once.

use crate::auth::{random_token, token_hash};
use crate::error::AppError;
use crate::outbox::{EMAIL_JOB, EmailJob};
use crate::state::AppState;
use crate::templates::Templates;
use minijinja::context;
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::auth::{self as auth_repo, ResetRefusal};
use tessera_storage::repo::jobs::{self, NewJob};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::users;
use tessera_storage::repo::users::User;
use tessera_storage::{DbConnection, StorageError, StorageResult};

/// Emails a reset link to the user of `tenant` with the address `email`, if there is one; the
/// caller answers the same either way.
pub async fn request_reset(state: &AppState, tenant: &Tenant, email: String) -> Result<(), AppError> {
    let tid = tenant.id;
    let user = state
        .db
        .call(move |c| match users::by_email(c, tid, &email) {
            Ok(u) => Ok(Some(u)),
            Err(StorageError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    if let Some(user) = user {
        let (templates, public_url, t) = (state.templates.clone(), state.settings.public_url.clone(), tenant.clone());
        let (ttl, now) = (state.settings.reset_link_ttl, state.clock.now());
        state
            .db
            .call(move |c| {
                tessera_storage::transaction(c, |c| {
                    let link = PasswordLink { template: "email/password_reset.txt", valid_for: ttl, key: "reset" };
                    queue_password_link(c, &templates, &public_url, &t, &user, link, now)?;
                    let ev = AuditEvent {
                        actor: None,
                        action: "password.reset_requested",
                        target: Some(&user.id),
                        details: json!({}),
                        request_id: None,
                    };
                    audit::append(c, tid, &ev, now)
                })
            })
            .await?;
        state.jobs_wakeup.notify_one();
    }
    Ok(())
}

/// Which email a set-password link goes out in, and for how long it works.
#[derive(Debug, Clone, Copy)]
pub struct PasswordLink<'a> {
    /// The email template (given `name`, `organisation`, `tenant_name`, `link` and `days`).
    pub template: &'a str,
    /// How long the link works.
    pub valid_for: chrono::Duration,
    /// What the link is for (`invite`, `reset`): names the email job, so it is queued once.
    pub key: &'a str,
}

/// Creates a one-time set-password link for `user` and queues the email with it, on `conn` (call
/// it inside the transaction that created the user or asked for the link). The link is in the
/// email only: neither stored (only its hash is) nor logged.
pub fn queue_password_link(
    conn: &mut DbConnection,
    templates: &Templates,
    public_url: &str,
    tenant: &Tenant,
    user: &User,
    what: PasswordLink<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> StorageResult<()> {
    let token = random_token();
    let hash = token_hash(&token);
    auth_repo::create_reset(conn, tenant.id, &hash, &user.id, now, now + what.valid_for)?;
    let link = format!("{public_url}/t/{}/password/reset/{token}", tenant.slug);
    let days = what.valid_for.num_days().max(1);
    let (subject, body) = templates
        .render_email(
            what.template,
            tenant.locale,
            context! { name => user.display_name, organisation => tenant.name, tenant_name => tenant.name, link => link, days => days },
        )
        .map_err(|e| StorageError::Corrupt(format!("email template: {e}")))?;
    let to = user.email.clone().unwrap_or_else(|| user.login.clone());
    let payload = serde_json::to_value(EmailJob { to, subject, body, attachments: vec![] })
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let job = NewJob {
        kind: EMAIL_JOB,
        payload,
        idempotency_key: format!("{}:{hash}", what.key),
        run_at: now,
        max_attempts: 8,
    };
    jobs::enqueue(conn, tenant.id, &job, now)?;
    Ok(())
}

fn refusal_code(r: ResetRefusal) -> ErrorCode {
    match r {
        ResetRefusal::Unknown => ErrorCode::ResetLinkInvalid,
        ResetRefusal::Used => ErrorCode::ResetLinkUsed,
        ResetRefusal::Expired => ErrorCode::ResetLinkExpired,
    }
}

/// Whether the reset link `token` of `tenant` can still be used (unknown, used and expired links
/// are refused with their own codes).
pub async fn check_link(state: &AppState, tenant: &Tenant, token: &str) -> Result<(), AppError> {
    let (tid, hash, now) = (tenant.id, token_hash(token), state.clock.now());
    match state.db.call(move |c| auth_repo::peek_reset(c, tid, &hash, now)).await? {
        Ok(_) => Ok(()),
        Err(r) => Err(AppError::new(refusal_code(r))),
    }
}

/// Uses the link `token`: sets `password` (already checked against R-PASSWORD) and ends every
/// session of the user, in one transaction.
pub async fn reset(state: &AppState, tenant: &Tenant, token: &str, password: String) -> Result<(), AppError> {
    let hash = state.hasher.hash(password).await?;
    let (tid, th, now) = (tenant.id, token_hash(token), state.clock.now());
    match state.db.call(move |c| auth_repo::reset_password(c, tid, &th, &hash, now)).await? {
        Ok(_) => Ok(()),
        Err(r) => Err(AppError::new(refusal_code(r))),
    }
}
