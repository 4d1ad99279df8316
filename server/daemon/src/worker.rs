//! The job worker inside the server process: claims due jobs from the database queue, runs
//! them, and records the outcome. Several workers, in one process or many, share the queue safely.

use crate::mail::Mailer;
use std::sync::Arc;
use std::time::Duration;
use tessera_app::outbox::{EMAIL_JOB, EmailJob};
use tessera_domain::Clock;
use tessera_storage::Db;
use tessera_storage::repo::jobs::{self, Job};
use tokio::sync::{Notify, watch};

/// What a worker needs.
#[derive(Clone)]
pub struct Worker {
    /// The queue.
    pub db: Db,
    /// "Now".
    pub clock: Arc<dyn Clock>,
    /// Sends email jobs.
    pub mailer: Arc<Mailer>,
    /// Rung when a job is enqueued.
    pub wakeup: Arc<Notify>,
    /// Idle polling interval.
    pub poll: Duration,
    /// A claim's lease; a job is abandoned (and failed) before it runs out.
    pub lease: chrono::Duration,
    /// The policy plugins (retention decisions).
    pub policies: tessera_policy::PolicyRegistry,
    /// The data folder (documents to destroy).
    pub data_dir: std::path::PathBuf,
    /// Delivers webhooks.
    pub webhooks: tessera_app::webhooks::deliver::Deliverer,
    /// Email templates (jobs that write emails).
    pub templates: tessera_app::templates::Templates,
    /// The public URL, for links in emails.
    pub public_url: String,
    /// The application (jobs that run a workflow: a centre's bulk runs).
    pub app: Arc<tessera_app::state::AppState>,
}

/// The job kind of the daily retention run.
pub const RETENTION_JOB: &str = "retention";
/// Days the search change log is kept; the daily retention run prunes older rows.
pub const SEARCH_LOG_DAYS: i64 = 30;

impl Worker {
    /// Runs until `shutdown` turns true; finishes the job in hand first.
    pub async fn run(self, name: String, mut shutdown: watch::Receiver<bool>) {
        loop {
            if *shutdown.borrow() {
                return;
            }
            match self.claim(&name).await {
                Ok(Some(job)) => {
                    self.execute(&name, job).await;
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "job queue unavailable"),
            }
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = self.wakeup.notified() => {}
                _ = tokio::time::sleep(self.poll) => {}
            }
        }
    }

    async fn claim(&self, name: &str) -> Result<Option<Job>, tessera_storage::StorageError> {
        let (now, lease, name) = (self.clock.now(), self.lease, name.to_owned());
        self.db.call(move |c| jobs::claim(c, &name, now, lease)).await
    }

    async fn execute(&self, name: &str, job: Job) {
        let budget = (self.lease - chrono::Duration::seconds(5)).to_std().unwrap_or(Duration::from_secs(5));
        let outcome = match tokio::time::timeout(budget, self.perform(&job)).await {
            Ok(r) => r,
            Err(_) => Err(anyhow::anyhow!("timed out after {} s", budget.as_secs())),
        };
        let (now, name_s, job2) = (self.clock.now(), name.to_owned(), job.clone());
        let recorded = match &outcome {
            Ok(()) => {
                tracing::info!(job = %job.id, kind = %job.kind, "job done");
                self.db.call(move |c| jobs::complete(c, &job2, &name_s, now).map(|_| ())).await
            }
            Err(e) => {
                tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
                let msg = e.to_string();
                self.db.call(move |c| jobs::fail(c, &job2, &name_s, &msg, now)).await
            }
        };
        if let Err(e) = recorded {
            tracing::error!(job = %job.id, error = %e, "could not record the job's outcome");
        }
    }

    async fn perform(&self, job: &Job) -> anyhow::Result<()> {
        match job.kind.as_str() {
            EMAIL_JOB => {
                let email: EmailJob = serde_json::from_str(&job.payload)?;
                self.mailer.send(&email).await
            }
            RETENTION_JOB => {
                let (db, registry, data_dir, now) =
                    (self.db.clone(), self.policies.clone(), self.data_dir.clone(), self.clock.now());
                let purged = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
                    let mut conn = db.conn()?;
                    let mut total = 0;
                    for t in tessera_storage::repo::tenants::list(&mut conn)?
                        .into_iter()
                        .filter(|t| t.kind == tessera_domain::TenantKind::Centre)
                    {
                        let day = now.with_timezone(&t.timezone).date_naive();
                        total += tessera_app::after_exam::run_retention(
                            &mut conn, &registry, &t, &data_dir, day, now, false,
                        )
                        .map_err(|e| anyhow::anyhow!("{}: {}", t.slug, e.text(tessera_domain::Locale::En)))?
                        .len();
                    }
                    let pruned = tessera_storage::repo::search_log::prune(
                        &mut conn,
                        now - chrono::Duration::days(SEARCH_LOG_DAYS),
                    )?;
                    tracing::info!(pruned, "search change-log rows older than {SEARCH_LOG_DAYS} days pruned");
                    let days = tessera_storage::repo::webhooks::LOG_DAYS;
                    let pruned = tessera_storage::repo::webhooks::prune(&mut conn, now - chrono::Duration::days(days))?;
                    tracing::info!(pruned, "webhook deliveries older than {days} days pruned");
                    // Throttle windows are at most a day: older hits count for nothing.
                    tessera_storage::repo::throttles::forget_before(&mut conn, now - chrono::Duration::days(2))?;
                    Ok(total)
                })
                .await??;
                tracing::info!(purged, "retention run done");
                Ok(())
            }
            tessera_storage::repo::webhooks::WEBHOOK_JOB => {
                let tenant = job.tenant()?;
                self.webhooks
                    .run(tenant, &job.payload)
                    .await
                    .map_err(|e| anyhow::anyhow!("webhook delivery: {}", e.text(tessera_domain::Locale::En)))
            }
            tessera_app::verifier::BULK_VERIFY_JOB => {
                let tenant = job.tenant()?;
                let payload: serde_json::Value = serde_json::from_str(&job.payload)?;
                let id = payload["verification"].as_str().unwrap_or_default().to_owned();
                let (db, now) = (self.db.clone(), self.clock.now());
                // Each chunk is its own transaction: a job cut short resumes where it stopped.
                tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
                    tessera_app::verifier::process(&mut *db.conn()?, tenant, &id, now)?;
                    Ok(())
                })
                .await??;
                Ok(())
            }
            tessera_app::verifier::API_TOKEN_NOTICE_JOB => {
                let (db, now, templates, url) =
                    (self.db.clone(), self.clock.now(), self.templates.clone(), self.public_url.clone());
                let sent = tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
                    Ok(tessera_app::verifier::queue_expiry_notices(&mut *db.conn()?, &templates, &url, now)?)
                })
                .await??;
                tracing::info!(sent, "API token expiry notices queued");
                self.wakeup.notify_one();
                Ok(())
            }
            tessera_app::centre::CENTRE_BULK_JOB => {
                let tenant = job.tenant()?;
                let payload: serde_json::Value = serde_json::from_str(&job.payload)?;
                let run = payload["run"].as_str().unwrap_or_default().to_owned();
                let outcome = tessera_app::centre::advance_bulk_run(&self.app, tenant, &run).await;
                if outcome.is_err() && job.attempts >= job.max_attempts {
                    // The last attempt: the run's page says it stopped, with what was done.
                    if let Err(e) = tessera_app::centre::give_up_bulk_run(&self.app, tenant, &run).await {
                        tracing::error!(run = %run, error = %e, "cannot record that a bulk run stopped");
                    }
                }
                outcome.map_err(|e| anyhow::anyhow!("bulk run {run}: {}", e.text(tessera_domain::Locale::En)))
            }
            other => Err(anyhow::anyhow!("no handler for job kind `{other}`")),
        }
    }
}
