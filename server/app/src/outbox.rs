//! Outgoing email goes through the job queue: the request only records it, the worker sends it
//! and retries with back-off when the mail server is down.

use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use tessera_domain::TenantId;
use tessera_storage::repo::jobs::{self, NewJob};

/// The job kind of an email.
pub const EMAIL_JOB: &str = "email";

/// What an email job carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailJob {
    /// The recipient.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
    /// Files attached (the Confirmation of Entry PDF, for one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<EmailAttachment>,
}

/// A file attached to an email, carried base64-encoded in the job's payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EmailAttachment {
    /// The file name the recipient sees.
    pub filename: String,
    /// Its MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// The bytes, base64 (standard alphabet).
    pub base64: String,
}

/// The job that sends `email`, for callers that enqueue it inside a transaction of their own
/// (then `state.jobs_wakeup.notify_one()` after the commit); `key` makes it idempotent.
pub fn email_job(
    key: String,
    email: &EmailJob,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<NewJob<'static>, AppError> {
    let payload = serde_json::to_value(email).map_err(AppError::internal)?;
    Ok(NewJob { kind: EMAIL_JOB, payload, idempotency_key: key, run_at: now, max_attempts: 8 })
}

/// Queues an email; `key` makes it idempotent (the same key is never sent twice).
pub async fn queue_email(state: &AppState, tenant: TenantId, key: String, email: EmailJob) -> Result<bool, AppError> {
    let now = state.clock.now();
    let job = email_job(key, &email, now)?;
    let new = state.db.call(move |c| jobs::enqueue(c, tenant, &job, now)).await?;
    state.jobs_wakeup.notify_one();
    Ok(new)
}
