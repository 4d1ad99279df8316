//! What every handler shares.

use crate::auth::PasswordHasher;
use crate::templates::Templates;
use crate::throttle::Throttle;
use std::sync::Arc;
use tessera_domain::Clock;
use tessera_storage::Db;

/// Settings of the HTTP layer, taken from the configuration by the daemon.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// The address people reach Tessera at, for links in emails (no trailing slash).
    pub public_url: String,
    /// Whether cookies carry `Secure` (the server or its proxy speaks TLS).
    pub secure_cookies: bool,
    /// A session ends after this long without a request.
    pub session_idle: chrono::Duration,
    /// A session ends this long after sign-in, whatever happens.
    pub session_absolute: chrono::Duration,
    /// How long a password-reset link works.
    pub reset_link_ttl: chrono::Duration,
    /// Failed sign-ins allowed per client address per window before it is throttled.
    pub login_failures_per_address: usize,
    /// The throttling window.
    pub login_failure_window: chrono::Duration,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// Where uploaded documents are kept (under `tenants/<tenant id>/`).
    pub data_dir: std::path::PathBuf,
    /// Requests an API client of a verifier organisation may make per minute (R-API).
    pub api_requests_per_minute: usize,
    /// Whether webhook endpoints may be plain `http://` addresses anywhere (otherwise only to
    /// loopback: production endpoints are `https://`).
    pub webhooks_allow_http: bool,
    /// Rows each verifier organisation may verify in bulk per day (R-BULK-VERIFY).
    pub bulk_verify_rows_per_day: i64,
    /// Days a new or renewed API token works (R-API).
    pub api_token_days: i64,
    /// What the health page's doctor looks at.
    pub doctor: crate::health::DoctorSettings,
}

impl Default for WebSettings {
    fn default() -> Self {
        Self {
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            session_idle: chrono::Duration::minutes(30),
            session_absolute: chrono::Duration::hours(12),
            reset_link_ttl: chrono::Duration::hours(1),
            login_failures_per_address: 20,
            login_failure_window: chrono::Duration::minutes(15),
            body_limit_bytes: 2 * 1024 * 1024,
            data_dir: std::path::PathBuf::from("data"),
            api_requests_per_minute: 600,
            webhooks_allow_http: false,
            bulk_verify_rows_per_day: tessera_domain::verification::BULK_VERIFY_ROWS_PER_DAY,
            api_token_days: tessera_domain::verification::API_TOKEN_DAYS,
            doctor: Default::default(),
        }
    }
}

/// The state behind every handler.
pub struct AppState {
    /// The database.
    pub db: Db,
    /// "Now".
    pub clock: Arc<dyn Clock>,
    /// Argon2id behind a bounded semaphore.
    pub hasher: PasswordHasher,
    /// The keys secret numbers are hashed with (kept in the data folder, not the database).
    pub secrets: crate::secrets::SecretNumbers,
    /// The key the centres' credential signing keys are sealed with (kept in the data folder).
    pub credential_keys: crate::credentials::Wrapping,
    /// The centres' signed status lists (R-CREDENTIAL), rebuilt when a revocation changes one.
    pub status_lists: crate::credentials::StatusLists,
    /// Pages and emails.
    pub templates: Templates,
    /// Failed sign-ins per client address.
    pub throttle: Throttle,
    /// Settings.
    pub settings: WebSettings,
    /// The loaded policy plugins (hot-reloaded).
    pub policies: tessera_policy::PolicyRegistry,
    /// Wakes the job worker when a job is enqueued.
    pub jobs_wakeup: Arc<tokio::sync::Notify>,
    /// The full-text search indexes of shared results (this process's own copy).
    pub search: Arc<tessera_search::SearchIndexes>,
    /// Request budgets (Statement of Results lookups, API clients).
    pub rate: crate::rate::RateLimits,
    /// API tokens verified recently.
    pub api_tokens: crate::api_clients::TokenCache,
    /// The threads searches run on.
    pub search_pool: SearchPool,
    /// The search change-log position this process's indexes have applied everything up to
    /// (published by the indexer; `i64::MIN` until it starts).
    pub search_watermark: Arc<std::sync::atomic::AtomicI64>,
}

/// A fixed set of threads, one per core, that run searches in turn. Searches are short (well
/// under a millisecond) and CPU-bound: on tokio's blocking pool every concurrent request got a
/// thread of its own, and a dozen threads taking turns on two cores evicted each other's index
/// pages from the caches.
pub struct SearchPool {
    jobs: crossbeam_channel::Sender<Box<dyn FnOnce() + Send>>,
}

impl SearchPool {
    /// Starts `threads` threads.
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let (jobs, queue) = crossbeam_channel::unbounded::<Box<dyn FnOnce() + Send>>();
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new().name(format!("search-{i}")).spawn(move || {
                // Ends when the pool (the sender) is dropped.
                for job in queue {
                    job();
                }
            })?;
        }
        Ok(Self { jobs })
    }

    /// Runs `f` on one of the pool's threads; `None` if it panicked.
    pub async fn run<R: Send + 'static>(&self, f: impl FnOnce() -> R + Send + 'static) -> Option<R> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job = move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(out.ok());
        };
        self.jobs.send(Box::new(job)).ok()?;
        rx.await.ok().flatten()
    }
}

/// The shared state as handlers receive it.
pub type SharedState = Arc<AppState>;
