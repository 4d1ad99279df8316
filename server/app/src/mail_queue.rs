//! The installation admin's view of the mail queue: emails that failed for good, or wait to be
//! tried again after a failure, in every tenant; and trying one again now.

use crate::actor::Actor;
use crate::error::AppError;
use crate::outbox::{EMAIL_JOB, EmailJob};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;
use tessera_domain::{ErrorCode, Role, TenantId};
use tessera_storage::repo::{audit, jobs, tenants};

/// An email that needs a person's attention.
#[derive(Debug, Clone, Serialize)]
pub struct TroubledEmail {
    /// The job's id.
    pub id: String,
    /// The code of the tenant it was sent for.
    pub tenant: String,
    /// That tenant's name.
    pub tenant_name: String,
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// `failed` (no more attempts) or `queued` (to be tried again at `run_at`).
    pub status: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// What the mail server answered last, cut to 300 characters.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it is tried next (a waiting email).
    pub run_at: DateTime<Utc>,
}

/// The newest 200 emails that failed or wait after a failure, in every tenant.
pub async fn troubled(state: &AppState, user: &Actor) -> Result<Vec<TroubledEmail>, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let (rows, all) = state.db.call(|c| Ok((jobs::troubled(c, EMAIL_JOB, 200)?, tenants::list(c)?))).await?;
    let names: HashMap<String, (String, String)> =
        all.into_iter().map(|t| (t.id.to_string(), (t.slug, t.name))).collect();
    Ok(rows
        .into_iter()
        .map(|j| {
            let email: Option<EmailJob> = serde_json::from_str(&j.payload).ok();
            let (tenant, tenant_name) = names.get(&j.tenant_id).cloned().unwrap_or_default();
            TroubledEmail {
                id: j.id,
                tenant,
                tenant_name,
                to: email.as_ref().map(|e| e.to.clone()).unwrap_or_default(),
                subject: email.map(|e| e.subject).unwrap_or_default(),
                status: j.status,
                attempts: j.attempts,
                last_error: j.last_error.map(|e| e.chars().take(300).collect()),
                created_at: j.created_at.and_utc(),
                run_at: j.run_at.and_utc(),
            }
        })
        .collect())
}

/// Tries the email `id` of tenant `tenant` (its code) again now, from its first attempt; audited
/// in the admin's tenant. 404 for an unknown tenant or email, 409 `job_not_waiting` when it is
/// being sent or was sent.
pub async fn retry(state: &AppState, user: &Actor, tenant: &str, id: &str) -> Result<(), AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let (slug, id, now) = (tenant.to_owned(), id.to_owned(), state.clock.now());
    let (admin_tenant, actor) = (user.tenant_id(), user.user.id.clone());
    let done = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let t: TenantId = tenants::by_slug(c, &slug)?.id;
                if jobs::kind_of(c, t, &id)?.as_deref() != Some(EMAIL_JOB) {
                    return Err(tessera_storage::StorageError::NotFound);
                }
                if !jobs::retry(c, t, &id, now)? {
                    return Ok(false);
                }
                let ev = audit::AuditEvent {
                    actor: Some(&actor),
                    action: "mail.retry",
                    target: Some(&id),
                    details: serde_json::json!({"tenant": slug}),
                    request_id: None,
                };
                audit::append(c, admin_tenant, &ev, now)?;
                Ok(true)
            })
        })
        .await?;
    if !done {
        return Err(AppError::at(ErrorCode::JobNotWaiting, "job"));
    }
    state.jobs_wakeup.notify_one();
    Ok(())
}
