//! One attempt of a webhook delivery, run by the job worker (R-WEBHOOK).
//!
//! Each attempt is its own job carrying the attempt's number. The attempt is recorded with a
//! unique number per delivery, in one transaction with the delivery's new state, the next
//! attempt's job (the retry schedule of `tessera_domain::webhooks`) and, after a day of nothing
//! but failures, the endpoint's disabling and the email to the organisation's primary user. A
//! job whose attempt was made already (a redelivery racing a retry, a job taken over after a
//! lease ran out) sends nothing, and a delivery answered with a 2xx is never sent again unless a
//! person asks for it.

use crate::error::AppError;
use crate::outbox::{EmailJob, email_job};
use crate::templates::Templates;
use minijinja::context;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tessera_domain::webhooks::{self as rules, DISABLE_AFTER_HOURS};
use tessera_domain::{Clock, Role, TenantId};
use tessera_storage::repo::webhooks::{self as repo, Attempt, Delivery, DeliveryJob, Endpoint};
use tessera_storage::repo::{jobs, tenants, users};
use tessera_storage::{Db, StorageError};

/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Characters of an answer (or an error) kept in the delivery log.
pub const EXCERPT_CHARS: usize = 300;

/// What the worker needs to deliver webhooks.
#[derive(Clone)]
pub struct Deliverer {
    /// The database.
    pub db: Db,
    /// "Now" (the event and retry times; the signature's timestamp is the wall clock, which
    /// the receiver compares with its own).
    pub clock: Arc<dyn Clock>,
    /// The HTTP client: rustls with the ring provider, no redirects, a timeout.
    pub http: reqwest::Client,
    /// Emails (an endpoint disabled).
    pub templates: Templates,
    /// For the link in the email.
    pub public_url: String,
    /// The data folder's key the endpoints' secrets are sealed with.
    pub keys: crate::credentials::Wrapping,
}

/// The HTTP client deliveries are made with.
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Tessera-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// How an attempt went.
struct Outcome {
    status_code: Option<i32>,
    ok: bool,
    kind: &'static str,
    excerpt: Option<String>,
    ms: i64,
}

fn excerpt(s: &str) -> Option<String> {
    let s: String = s.chars().take(EXCERPT_CHARS).collect();
    (!s.trim().is_empty()).then_some(s)
}

impl Deliverer {
    /// Runs the delivery job `payload` of organisation `tenant`.
    pub async fn run(&self, tenant: TenantId, payload: &str) -> Result<(), AppError> {
        let job: DeliveryJob = serde_json::from_str(payload).map_err(AppError::internal)?;
        let did = job.delivery_id.clone();
        let found = self
            .db
            .call(move |c| {
                let d = repo::delivery(c, tenant, &did)?;
                let e = repo::get(c, tenant, &d.endpoint_id)?;
                Ok((d, e))
            })
            .await;
        let (d, e) = match found {
            Ok(x) => x,
            Err(StorageError::NotFound) => return Ok(()), // the endpoint was deleted
            Err(e) => return Err(e.into()),
        };
        if d.attempts >= job.attempt || d.status != "pending" {
            return Ok(()); // made already
        }
        if !e.enabled {
            let id = d.id.clone();
            self.db.call(move |c| repo::set_delivery_status(c, tenant, &id, "failed", None)).await?;
            return Ok(());
        }
        let now = self.clock.now();
        let mut keys = Vec::new();
        for sealed in e.signing_secrets(now) {
            keys.push(self.keys.open(sealed).map_err(|err| AppError::internal(format!("webhook secret: {err}")))?);
        }
        let outcome = self.send(&d, &e, &keys).await;
        self.record(tenant, d, e, job, outcome, now).await
    }

    async fn send(&self, d: &Delivery, e: &Endpoint, keys: &[[u8; 32]]) -> Outcome {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let keys: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
        let signature = super::signature(&keys, &d.id, wall, &d.body);
        let started = Instant::now();
        let res = self
            .http
            .post(&e.url)
            .header("content-type", "application/json")
            .header("webhook-id", &d.id)
            .header("webhook-timestamp", wall.to_string())
            .header("webhook-signature", signature)
            .body(d.body.clone())
            .send()
            .await;
        let mut out = match res {
            Ok(mut r) => {
                let code = r.status();
                // Only the start of the answer is read and kept.
                let mut bytes = Vec::new();
                while bytes.len() < EXCERPT_CHARS * 4 {
                    match r.chunk().await {
                        Ok(Some(c)) => bytes.extend_from_slice(&c),
                        _ => break,
                    }
                }
                Outcome {
                    status_code: Some(i32::from(code.as_u16())),
                    ok: code.is_success(),
                    kind: if code.is_success() { "ok" } else { "http_error" },
                    excerpt: excerpt(&String::from_utf8_lossy(&bytes)),
                    ms: 0,
                }
            }
            Err(err) => Outcome {
                status_code: None,
                ok: false,
                kind: if err.is_timeout() {
                    "timeout"
                } else if err.is_connect() {
                    "connect"
                } else {
                    "error"
                },
                excerpt: excerpt(&err.to_string()),
                ms: 0,
            },
        };
        out.ms = started.elapsed().as_millis() as i64;
        out
    }

    async fn record(
        &self,
        tenant: TenantId,
        d: Delivery,
        e: Endpoint,
        job: DeliveryJob,
        o: Outcome,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), AppError> {
        let (templates, public_url) = (self.templates.clone(), self.public_url.clone());
        let recorded = self
            .db
            .call(move |c| {
                tessera_storage::transaction(c, |c| {
                    let a = Attempt {
                        tenant_id: tenant.to_string(),
                        id: uuid::Uuid::now_v7().to_string(),
                        delivery_id: d.id.clone(),
                        attempt: job.attempt,
                        at: now.naive_utc(),
                        status_code: o.status_code,
                        response_ms: o.ms,
                        outcome: o.kind.to_owned(),
                        excerpt: o.excerpt.clone(),
                    };
                    if o.ok {
                        repo::record_attempt(c, tenant, &d, &a, "delivered", None)?;
                        repo::set_failing_since(c, tenant, &e.id, None)?;
                        return Ok(());
                    }
                    let since = e.failing_since.map(|t| t.and_utc()).unwrap_or(now);
                    if rules::r_webhook_disable(since, now) {
                        repo::record_attempt(c, tenant, &d, &a, "failed", None)?;
                        repo::set_enabled(c, tenant, &e.id, false, Some("failing"))?;
                        queue_disabled_email(c, &templates, &public_url, tenant, &e, since, now)?;
                        return Ok(());
                    }
                    repo::set_failing_since(c, tenant, &e.id, Some(since.naive_utc()))?;
                    match rules::r_webhook_retry(job.attempt - job.round_start + 1, now) {
                        Some(next) => {
                            repo::record_attempt(c, tenant, &d, &a, "pending", Some(next))?;
                            let again = DeliveryJob { attempt: job.attempt + 1, ..job.clone() };
                            let key = repo::retry_key(&d.id, again.attempt);
                            jobs::enqueue(c, tenant, &repo::delivery_job(key, &again, next)?, now)?;
                        }
                        None => repo::record_attempt(c, tenant, &d, &a, "failed", None)?,
                    }
                    Ok(())
                })
            })
            .await;
        match recorded {
            Ok(()) => Ok(()),
            // Another worker recorded this attempt first.
            Err(StorageError::Conflict(_)) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Queues the email telling the organisation's primary user, in the organisation's language,
/// that endpoint `e` was disabled.
fn queue_disabled_email(
    c: &mut tessera_storage::DbConnection,
    templates: &Templates,
    public_url: &str,
    tenant: TenantId,
    e: &Endpoint,
    since: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StorageError> {
    let org = tenants::by_id(c, tenant)?;
    let primary = users::list(c, tenant)?.into_iter().find(|u| u.role == Role::VerifierPrimary.as_str());
    let Some(primary) = primary else { return Ok(()) };
    let link = format!("{public_url}/verifier/webhooks/{}", e.id);
    let (subject, body) = templates
        .render_email(
            "email/webhook_disabled.txt",
            org.locale,
            context! { name => primary.display_name, organisation => org.name, url => e.url, hours => DISABLE_AFTER_HOURS, link => link },
        )
        .map_err(|err| StorageError::Corrupt(format!("email template: {err}")))?;
    let to = primary.email.clone().unwrap_or_else(|| primary.login.clone());
    let job = email_job(
        format!("webhook-disabled:{}:{}", e.id, since.timestamp()),
        &EmailJob { to, subject, body, attachments: vec![] },
        now,
    )
    .map_err(|err| StorageError::Corrupt(format!("{err:?}")))?;
    jobs::enqueue(c, tenant, &job, now)?;
    Ok(())
}
