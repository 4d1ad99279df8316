//! The delivery log of an endpoint (R-WEBHOOK): every event queued for it with each attempt's
//! status code, time and response time, and redelivery by hand.

use super::endpoints::managers_only;
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use serde::Serialize;
use tessera_storage::repo::jobs;
use tessera_storage::repo::webhooks::{self as repo, DeliveryJob};
use utoipa::ToSchema;

/// Deliveries shown, newest first.
pub const LOG_LENGTH: i64 = 100;

/// One attempt of a delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookAttemptView {
    /// Its number (from 1).
    pub attempt: i32,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    /// How long the receiver took, in milliseconds.
    pub response_ms: i64,
    /// `ok`, `http_error`, `timeout`, `connect` or `error`.
    pub outcome: String,
    /// The start of the answer or of the error.
    pub excerpt: Option<String>,
}

/// A delivery of one event to the endpoint.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookDeliveryView {
    /// The message id (the `webhook-id` header, the same on every attempt).
    pub id: String,
    /// The event type.
    pub event_type: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i32,
    /// Queued (UTC, RFC 3339).
    pub created_at: String,
    /// The next attempt, when one is planned (UTC, RFC 3339).
    pub next_attempt_at: Option<String>,
    /// Delivered (UTC, RFC 3339).
    pub delivered_at: Option<String>,
    /// The JSON body sent.
    pub body: String,
    /// Every attempt, oldest first.
    pub attempt_log: Vec<WebhookAttemptView>,
}

/// The endpoint's deliveries, newest first (at most [`LOG_LENGTH`]).
pub async fn log(state: &AppState, user: &Actor, endpoint_id: &str) -> AppResult<Vec<WebhookDeliveryView>> {
    managers_only(user)?;
    let (tid, eid) = (user.tenant_id(), endpoint_id.to_owned());
    let (rows, attempts) = state
        .db
        .call(move |c| {
            repo::get(c, tid, &eid)?;
            let rows = repo::deliveries(c, tid, &eid, LOG_LENGTH)?;
            let ids: Vec<String> = rows.iter().map(|d| d.id.clone()).collect();
            let attempts = repo::attempts(c, tid, &ids)?;
            Ok((rows, attempts))
        })
        .await?;
    let f = |t: chrono::NaiveDateTime| t.and_utc().to_rfc3339();
    Ok(rows
        .into_iter()
        .map(|d| WebhookDeliveryView {
            attempt_log: attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .map(|a| WebhookAttemptView {
                    attempt: a.attempt,
                    at: f(a.at),
                    status_code: a.status_code,
                    response_ms: a.response_ms,
                    outcome: a.outcome.clone(),
                    excerpt: a.excerpt.clone(),
                })
                .collect(),
            id: d.id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts,
            created_at: f(d.created_at),
            next_attempt_at: d.next_attempt_at.map(f),
            delivered_at: d.delivered_at.map(f),
            body: d.body,
        })
        .collect())
}

/// Sends a delivery again now (whatever its status), with the same message id and body, and
/// the retry schedule starting over if the attempt fails. A delivery waiting for its next
/// attempt has that attempt brought forward.
pub async fn redeliver(state: &AppState, user: &Actor, endpoint_id: &str, delivery_id: &str) -> AppResult<()> {
    managers_only(user)?;
    let (u, now, eid, did) = (user.clone(), state.clock.now(), endpoint_id.to_owned(), delivery_id.to_owned());
    state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let tid = u.tenant_id();
                let d = repo::delivery(c, tid, &did)?;
                if d.endpoint_id != eid {
                    return Err(tessera_storage::StorageError::NotFound);
                }
                let next = d.attempts + 1;
                if d.status == "pending" {
                    // An attempt is queued already: bring it forward rather than queue a second
                    // job for the same attempt (two would both send before either recorded it).
                    for key in [repo::retry_key(&d.id, next), repo::redelivery_key(&d.id, next)] {
                        jobs::reschedule(c, tid, &key, now)?;
                    }
                } else {
                    let job = repo::delivery_job(
                        repo::redelivery_key(&d.id, next),
                        &DeliveryJob { delivery_id: d.id.clone(), attempt: next, round_start: next },
                        now,
                    )?;
                    jobs::enqueue(c, tid, &job, now)?;
                }
                repo::set_delivery_status(c, tid, &d.id, "pending", Some(now))?;
                u.audit(c, "webhook.redelivered", &d.id, now)
            })
        })
        .await
        .map_err(AppError::from)?;
    state.jobs_wakeup.notify_one();
    Ok(())
}
