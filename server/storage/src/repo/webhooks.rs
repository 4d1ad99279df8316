//! Webhooks of verifier organisations (R-WEBHOOK): endpoints, the deliveries of events to them
//! and every attempt of each delivery.
//!
//! An event is emitted inside the transaction of the change that causes it (a share, a
//! withdrawal, a new result version, a revocation): for each enabled endpoint of the
//! organisation subscribed to it, a delivery row and its job are written there, so a rolled-back
//! change sends nothing and a crash loses nothing. The job's idempotency key names the endpoint
//! and the event, so emitting the same event twice queues one delivery.

use crate::repo::centre::Share;
use crate::repo::jobs::{self, NewJob};
use crate::schema::{result_shares, results};
use crate::schema_webhooks::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use tessera_domain::TenantId;
use tessera_domain::webhooks::WebhookEvent;

/// The job kind of a webhook delivery attempt.
pub const WEBHOOK_JOB: &str = "webhook";

/// Queue-level attempts of a delivery job (a database hiccup); HTTP failures are retried by
/// the delivery's own schedule, each attempt its own job.
const JOB_ATTEMPTS: i32 = 5;

/// An endpoint as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_endpoints)]
pub struct Endpoint {
    pub tenant_id: String,
    pub id: String,
    pub url: String,
    pub description: String,
    /// Event types, comma-separated.
    pub event_types: String,
    /// The HMAC key (32 bytes), sealed under the data folder's key (never stored in the clear).
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub enabled: bool,
    /// `failing` (disabled after a day of failures) or `by_hand`.
    pub disabled_reason: Option<String>,
    pub failing_since: Option<NaiveDateTime>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
}

impl Endpoint {
    /// The events it is subscribed to.
    pub fn events(&self) -> Vec<WebhookEvent> {
        self.event_types.split(',').filter_map(WebhookEvent::parse).collect()
    }

    /// The secrets deliveries are signed with at `now`: the current one, and the previous one
    /// while it is still valid after a rotation.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut out = vec![self.secret.as_str()];
        if let (Some(p), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && until.and_utc() > now
        {
            out.push(p);
        }
        out
    }
}

/// A delivery of one event to one endpoint.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub tenant_id: String,
    /// The `webhook-id` header.
    pub id: String,
    pub endpoint_id: String,
    pub event_type: String,
    /// The JSON body sent, byte for byte on every attempt.
    pub body: String,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub created_at: NaiveDateTime,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
}

/// One HTTP attempt of a delivery.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    pub tenant_id: String,
    pub id: String,
    pub delivery_id: String,
    pub attempt: i32,
    pub at: NaiveDateTime,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    pub response_ms: i64,
    /// `ok`, `http_error`, `timeout`, `connect` or `error`.
    pub outcome: String,
    /// The first few hundred characters of the answer or of the error.
    pub excerpt: Option<String>,
}

/// What a delivery job carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryJob {
    /// The delivery.
    pub delivery_id: String,
    /// The attempt this job makes (from 1; a redelivery continues the count).
    pub attempt: i32,
    /// The first attempt of this round (1, or a redelivery's): the retry schedule counts from it.
    pub round_start: i32,
}

type Backend = <DbConnection as diesel::Connection>::Backend;

fn scope(tenant: TenantId) -> webhook_endpoints::BoxedQuery<'static, Backend> {
    webhook_endpoints::table.filter(webhook_endpoints::tenant_id.eq(tid(tenant))).into_boxed()
}

/// Stores a new endpoint.
pub fn create(conn: &mut DbConnection, e: &Endpoint) -> StorageResult<()> {
    diesel::insert_into(webhook_endpoints::table).values(e).execute(conn)?;
    Ok(())
}

/// The endpoints of `tenant`, oldest first.
pub fn list(conn: &mut DbConnection, tenant: TenantId) -> StorageResult<Vec<Endpoint>> {
    Ok(scope(tenant).order(webhook_endpoints::created_at.asc()).select(Endpoint::as_select()).load(conn)?)
}

/// One endpoint of `tenant` (another organisation's is `NotFound`).
pub fn get(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Endpoint> {
    Ok(scope(tenant).filter(webhook_endpoints::id.eq(id)).select(Endpoint::as_select()).first(conn)?)
}

/// Replaces the secret; the old one keeps signing until `previous_until`.
pub fn rotate(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    secret: &str,
    previous_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StorageResult<Endpoint> {
    let old = get(conn, tenant, id)?;
    diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::tenant_id.eq(tid(tenant)))
            .filter(webhook_endpoints::id.eq(id)),
    )
    .set((
        webhook_endpoints::secret.eq(secret),
        webhook_endpoints::previous_secret.eq(Some(old.secret)),
        webhook_endpoints::previous_secret_until.eq(Some(previous_until.naive_utc())),
        webhook_endpoints::rotated_at.eq(Some(now.naive_utc())),
    ))
    .execute(conn)?;
    get(conn, tenant, id)
}

/// Enables (clearing the failure streak) or disables an endpoint, with the reason.
pub fn set_enabled(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    enabled: bool,
    reason: Option<&str>,
) -> StorageResult<Endpoint> {
    let n = diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::tenant_id.eq(tid(tenant)))
            .filter(webhook_endpoints::id.eq(id)),
    )
    .set((
        webhook_endpoints::enabled.eq(enabled),
        webhook_endpoints::disabled_reason.eq(if enabled { None } else { reason }),
        webhook_endpoints::failing_since.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(StorageError::NotFound);
    }
    get(conn, tenant, id)
}

/// Deletes an endpoint with its deliveries and their attempts (queued jobs find nothing and end).
pub fn delete(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        get(c, tenant, id)?;
        let ids: Vec<String> = webhook_deliveries::table
            .filter(webhook_deliveries::tenant_id.eq(tid(tenant)))
            .filter(webhook_deliveries::endpoint_id.eq(id))
            .select(webhook_deliveries::id)
            .load(c)?;
        for chunk in ids.chunks(500) {
            diesel::delete(
                webhook_attempts::table
                    .filter(webhook_attempts::tenant_id.eq(tid(tenant)))
                    .filter(webhook_attempts::delivery_id.eq_any(chunk)),
            )
            .execute(c)?;
        }
        diesel::delete(
            webhook_deliveries::table
                .filter(webhook_deliveries::tenant_id.eq(tid(tenant)))
                .filter(webhook_deliveries::endpoint_id.eq(id)),
        )
        .execute(c)?;
        diesel::delete(
            webhook_endpoints::table
                .filter(webhook_endpoints::tenant_id.eq(tid(tenant)))
                .filter(webhook_endpoints::id.eq(id)),
        )
        .execute(c)?;
        Ok(())
    })
}

/// The deliveries of endpoint `endpoint_id` of `tenant`, newest first.
pub fn deliveries(
    conn: &mut DbConnection,
    tenant: TenantId,
    endpoint_id: &str,
    limit: i64,
) -> StorageResult<Vec<Delivery>> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::tenant_id.eq(tid(tenant)))
        .filter(webhook_deliveries::endpoint_id.eq(endpoint_id))
        .order((webhook_deliveries::created_at.desc(), webhook_deliveries::id.desc()))
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)?)
}

/// One delivery of `tenant`.
pub fn delivery(conn: &mut DbConnection, tenant: TenantId, id: &str) -> StorageResult<Delivery> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::tenant_id.eq(tid(tenant)))
        .filter(webhook_deliveries::id.eq(id))
        .select(Delivery::as_select())
        .first(conn)?)
}

/// The attempts of the deliveries `ids` of `tenant`, oldest first.
pub fn attempts(conn: &mut DbConnection, tenant: TenantId, ids: &[String]) -> StorageResult<Vec<Attempt>> {
    Ok(webhook_attempts::table
        .filter(webhook_attempts::tenant_id.eq(tid(tenant)))
        .filter(webhook_attempts::delivery_id.eq_any(ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .select(Attempt::as_select())
        .load(conn)?)
}

/// The idempotency key of the job of attempt `attempt` of delivery `id` after a failure.
pub fn retry_key(id: &str, attempt: i32) -> String {
    format!("webhook:{id}:attempt:{attempt}")
}

/// The idempotency key of the job of attempt `attempt` of delivery `id` asked for by a person.
pub fn redelivery_key(id: &str, attempt: i32) -> String {
    format!("webhook:{id}:redeliver:{attempt}")
}

/// The job making attempt `attempt` of `delivery_id` at `run_at`.
pub fn delivery_job(key: String, job: &DeliveryJob, run_at: DateTime<Utc>) -> StorageResult<NewJob<'static>> {
    let payload = serde_json::to_value(job).map_err(|e| StorageError::Corrupt(e.to_string()))?;
    Ok(NewJob { kind: WEBHOOK_JOB, payload, idempotency_key: key, run_at, max_attempts: JOB_ATTEMPTS })
}

/// Queues the event `event` (`key` names it uniquely, e.g. the share's id) with `data` for
/// every enabled endpoint of organisation `verifier` subscribed to it. Call it inside the
/// transaction of the change. Returns how many deliveries were queued.
pub fn emit(
    conn: &mut DbConnection,
    verifier: TenantId,
    event: WebhookEvent,
    key: &str,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> StorageResult<usize> {
    let endpoints: Vec<Endpoint> = scope(verifier)
        .filter(webhook_endpoints::enabled.eq(true))
        .select(Endpoint::as_select())
        .load(conn)?
        .into_iter()
        .filter(|e| e.events().contains(&event))
        .collect();
    if endpoints.is_empty() {
        return Ok(0);
    }
    let body = serde_json::json!({
        "type": event.as_str(),
        "timestamp": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": data,
    })
    .to_string();
    let mut queued = 0;
    for e in endpoints {
        let delivery_id = format!("msg_{}", uuid::Uuid::now_v7().simple());
        let job = delivery_job(
            format!("webhook:{}:{}:{key}", e.id, event.as_str()),
            &DeliveryJob { delivery_id: delivery_id.clone(), attempt: 1, round_start: 1 },
            now,
        )?;
        if !jobs::enqueue(conn, verifier, &job, now)? {
            continue; // this event was queued for this endpoint before
        }
        let d = Delivery {
            tenant_id: tid(verifier),
            id: delivery_id,
            endpoint_id: e.id,
            event_type: event.as_str().to_owned(),
            body: body.clone(),
            status: "pending".into(),
            attempts: 0,
            created_at: now.naive_utc(),
            last_attempt_at: None,
            next_attempt_at: Some(now.naive_utc()),
            delivered_at: None,
        };
        diesel::insert_into(webhook_deliveries::table).values(&d).execute(conn)?;
        queued += 1;
    }
    Ok(queued)
}

/// The data of an event about share `s`: its id, and the Statement of Results number and the
/// version of the result `result_id` (the entry's current one when `None`). Nothing else about
/// the candidate: the organisation reads the result through the service.
fn share_data(c: &mut DbConnection, s: &Share, result_id: Option<&str>) -> StorageResult<serde_json::Value> {
    let centre = s.tenant_id.parse::<TenantId>().map_err(|_| StorageError::Corrupt(s.tenant_id.clone()))?;
    let mut q = results::table
        .filter(results::tenant_id.eq(tid(centre)))
        .filter(results::entry_id.eq(&s.entry_id))
        .select((results::sor_number, results::version))
        .into_boxed();
    q = match result_id {
        Some(r) => q.filter(results::id.eq(r.to_owned())),
        None => q.filter(results::is_current.eq(true)),
    };
    let row: Option<(String, i32)> = q.order(results::version.desc()).first(c).optional()?;
    Ok(serde_json::json!({
        "share_id": s.id,
        "sor_number": row.as_ref().map(|r| r.0.clone()),
        "result_version": row.map(|r| r.1),
    }))
}

fn verifier_of(s: &Share) -> StorageResult<TenantId> {
    s.verifier_tenant_id.parse().map_err(|_| StorageError::Corrupt(s.verifier_tenant_id.clone()))
}

/// `share.created` or `share.withdrawn` for share `s`.
pub fn emit_share(conn: &mut DbConnection, s: &Share, event: WebhookEvent, now: DateTime<Utc>) -> StorageResult<()> {
    let mut data = share_data(conn, s, None)?;
    let at = if event == WebhookEvent::ShareWithdrawn { s.withdrawn_at } else { Some(s.shared_at) };
    data["at"] = serde_json::json!(at.map(|t| t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)));
    emit(conn, verifier_of(s)?, event, &s.id, data, now)?;
    Ok(())
}

/// The active shares of entry `entry_id` of centre `centre`.
fn active_shares(conn: &mut DbConnection, centre: TenantId, entry_id: &str) -> StorageResult<Vec<Share>> {
    Ok(result_shares::table
        .filter(result_shares::tenant_id.eq(tid(centre)))
        .filter(result_shares::entry_id.eq(entry_id))
        .filter(result_shares::withdrawn_at.is_null())
        .select(Share::as_select())
        .load(conn)?)
}

/// `result.updated` for every organisation entry `entry_id`'s result is shared with: result
/// `result_id` is its new current version.
pub fn emit_result_updated(
    conn: &mut DbConnection,
    centre: TenantId,
    entry_id: &str,
    result_id: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    for s in active_shares(conn, centre, entry_id)? {
        let data = share_data(conn, &s, Some(result_id))?;
        emit(conn, verifier_of(&s)?, WebhookEvent::ResultUpdated, &format!("{}:{result_id}", s.id), data, now)?;
    }
    Ok(())
}

/// `result.revoked` for every organisation entry `entry_id`'s result is shared with: the
/// credential `credential_id` of result version `result_id` was revoked for `reason`
/// (`superseded`, `entry_cancelled` or `revoked`: the centre's own words stay with the centre).
pub fn emit_result_revoked(
    conn: &mut DbConnection,
    centre: TenantId,
    entry_id: &str,
    result_id: &str,
    credential_id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    let reason = match reason {
        "superseded" | "entry_cancelled" => reason,
        _ => "revoked",
    };
    for s in active_shares(conn, centre, entry_id)? {
        let mut data = share_data(conn, &s, Some(result_id))?;
        data["credential_id"] = serde_json::json!(credential_id);
        data["reason"] = serde_json::json!(reason);
        emit(conn, verifier_of(&s)?, WebhookEvent::ResultRevoked, &format!("{}:{credential_id}", s.id), data, now)?;
    }
    Ok(())
}

/// Records attempt `a` of `d` (the unique attempt number makes a second recording of the same
/// attempt fail, so two workers never both count it) and the delivery's new state.
pub fn record_attempt(
    conn: &mut DbConnection,
    tenant: TenantId,
    d: &Delivery,
    a: &Attempt,
    status: &str,
    next_attempt_at: Option<DateTime<Utc>>,
) -> StorageResult<()> {
    diesel::insert_into(webhook_attempts::table).values(a).execute(conn)?;
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::tenant_id.eq(tid(tenant)))
            .filter(webhook_deliveries::id.eq(&d.id)),
    )
    .set((
        webhook_deliveries::status.eq(status),
        webhook_deliveries::attempts.eq(a.attempt),
        webhook_deliveries::last_attempt_at.eq(Some(a.at)),
        webhook_deliveries::next_attempt_at.eq(next_attempt_at.map(|t| t.naive_utc())),
        webhook_deliveries::delivered_at.eq(if status == "delivered" { Some(a.at) } else { d.delivered_at }),
    ))
    .execute(conn)?;
    Ok(())
}

/// Sets a delivery's status (a redelivery back to `pending`, an endpoint's disabling to `failed`).
pub fn set_delivery_status(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    status: &str,
    next_attempt_at: Option<DateTime<Utc>>,
) -> StorageResult<()> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::tenant_id.eq(tid(tenant)))
            .filter(webhook_deliveries::id.eq(id)),
    )
    .set((
        webhook_deliveries::status.eq(status),
        webhook_deliveries::next_attempt_at.eq(next_attempt_at.map(|t| t.naive_utc())),
    ))
    .execute(conn)?;
    Ok(())
}

/// Sets an endpoint's failure streak: `None` after a success, the first failure's instant after
/// a failure.
pub fn set_failing_since(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    since: Option<NaiveDateTime>,
) -> StorageResult<()> {
    diesel::update(
        webhook_endpoints::table
            .filter(webhook_endpoints::tenant_id.eq(tid(tenant)))
            .filter(webhook_endpoints::id.eq(id)),
    )
    .set(webhook_endpoints::failing_since.eq(since))
    .execute(conn)?;
    Ok(())
}

/// Deletes, for every organisation, the finished deliveries (delivered or failed) queued before
/// `before`, with their attempts: the daily retention run keeps the delivery log to
/// [`LOG_DAYS`]. Returns how many deliveries went.
pub fn prune(conn: &mut DbConnection, before: DateTime<Utc>) -> StorageResult<usize> {
    crate::transaction(conn, |c| {
        let old: Vec<(String, String)> = webhook_deliveries::table
            .filter(webhook_deliveries::created_at.lt(before.naive_utc()))
            .filter(webhook_deliveries::status.ne("pending"))
            .select((webhook_deliveries::tenant_id, webhook_deliveries::id))
            .load(c)?;
        for (tenant, id) in &old {
            diesel::delete(
                webhook_attempts::table
                    .filter(webhook_attempts::tenant_id.eq(tenant))
                    .filter(webhook_attempts::delivery_id.eq(id)),
            )
            .execute(c)?;
            diesel::delete(
                webhook_deliveries::table
                    .filter(webhook_deliveries::tenant_id.eq(tenant))
                    .filter(webhook_deliveries::id.eq(id)),
            )
            .execute(c)?;
        }
        Ok(old.len())
    })
}

/// Days a finished delivery stays in the delivery log.
pub const LOG_DAYS: i64 = 30;
