//! Wiring: from a configuration to a running server with its job workers.

use crate::config::Config;
use crate::mail::Mailer;
use crate::worker::Worker;
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tessera_app::auth::PasswordHasher;
use tessera_app::templates::Templates;
use tessera_app::throttle::Throttle;
use tessera_app::{AppState, WebSettings};
use tessera_domain::Clock;
use tessera_policy::{Limits, PolicyRegistry, WatchHandle};
use tessera_storage::Db;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// Opens the database named by the configuration and brings its schema up to date.
pub fn open_database(cfg: &Config) -> anyhow::Result<Db> {
    let db =
        Db::open_waiting(&cfg.database.url, cfg.database.pool_size, Duration::from_secs(cfg.database.wait_seconds))
            .with_context(|| format!("cannot open the database {}", tessera_storage::redact_url(&cfg.database.url)))?;
    let applied = db.migrate().context("cannot migrate the database")?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "database migrated");
    }
    let now = chrono::Utc::now();
    let mut conn = db.conn()?;
    tessera_storage::repo::tenants::installation(&mut conn, now)?;
    Ok(db)
}

/// Opens the plugins directory (creating it) and loads every plugin in it. A plugin that fails
/// its checks is logged and left out; the others serve.
/// What `tessera doctor` and the health page look at, from the configuration.
pub fn doctor_settings(cfg: &Config) -> tessera_app::health::DoctorSettings {
    use tessera_app::health::{DoctorSettings, MailTarget};
    let shown = tessera_storage::redact_url(&cfg.database.url);
    let sqlite_file = match tessera_storage::DatabaseUrl::parse(&cfg.database.url) {
        Ok(tessera_storage::DatabaseUrl::Sqlite(path)) => Some(path),
        _ => None,
    };
    DoctorSettings {
        config_file: cfg.source.clone(),
        config_has_secrets: cfg.mail.smtp_password.is_some()
            || cfg.server.metrics_token.is_some()
            || shown != cfg.database.url,
        data_dir: cfg.data_dir.clone(),
        plugins_dir: cfg.plugins.dir.clone().unwrap_or_else(|| cfg.data_dir.join("plugins")),
        database_shown: shown,
        sqlite_file,
        tls: cfg.server.tls_cert.clone().zip(cfg.server.tls_key.clone()),
        mail: if cfg.mail.transport == "smtp" {
            MailTarget::Smtp(format!("{}:{}", cfg.mail.smtp_host, cfg.mail.smtp_port))
        } else {
            MailTarget::Files(cfg.mail.file_dir.clone().unwrap_or_else(|| cfg.data_dir.join("mail")))
        },
    }
}

pub fn open_policies(cfg: &Config) -> anyhow::Result<PolicyRegistry> {
    let dir = cfg.plugins.dir.clone().unwrap_or_else(|| cfg.data_dir.join("plugins"));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the plugins folder {}", dir.display()))?;
    let (registry, report) = PolicyRegistry::open(&dir, Limits::default()).map_err(|e| anyhow::anyhow!("{e}"))?;
    for p in &report.loaded {
        tracing::info!(plugin = %p.name, version = %p.version, "policy plugin loaded");
    }
    for e in &report.failed {
        tracing::warn!(error = %e, "policy plugin not loaded");
    }
    Ok(registry)
}

/// The state every handler shares.
pub fn app_state(cfg: &Config, db: Db, clock: Arc<dyn Clock>) -> anyhow::Result<Arc<AppState>> {
    let search = open_search(cfg)?;
    let a = &cfg.auth;
    let settings = WebSettings {
        public_url: cfg.server.public_url.trim_end_matches('/').to_owned(),
        secure_cookies: cfg.secure_cookies(),
        session_idle: chrono::Duration::minutes(a.session_idle_minutes),
        session_absolute: chrono::Duration::hours(a.session_absolute_hours),
        reset_link_ttl: chrono::Duration::minutes(a.reset_link_minutes),
        login_failures_per_address: a.login_failures_per_address,
        login_failure_window: chrono::Duration::minutes(a.login_failure_window_minutes),
        body_limit_bytes: cfg.server.body_limit_bytes,
        data_dir: cfg.data_dir.clone(),
        api_requests_per_minute: cfg.verifier.api_requests_per_minute,
        webhooks_allow_http: cfg.verifier.webhooks_allow_http,
        bulk_verify_rows_per_day: cfg.verifier.bulk_verify_rows_per_day,
        api_token_days: cfg.verifier.api_token_days,
        doctor: doctor_settings(cfg),
    };
    Ok(Arc::new(AppState {
        throttle: Throttle::new(
            clock.clone(),
            db.clone(),
            settings.login_failures_per_address,
            settings.login_failure_window,
        ),
        rate: tessera_app::rate::RateLimits::new(clock.clone(), db.clone()),
        db,
        hasher: PasswordHasher::new(a.hash_concurrency, Duration::from_millis(a.hash_wait_ms)),
        secrets: tessera_app::secrets::SecretNumbers::load_or_create(&cfg.data_dir)
            .with_context(|| format!("cannot read or create the secret-number keys in {}", cfg.data_dir.display()))?,
        credential_keys: tessera_app::credentials::Wrapping::load_or_create(&cfg.data_dir).with_context(|| {
            format!("cannot read or create the credential sealing key in {}", cfg.data_dir.display())
        })?,
        status_lists: Default::default(),
        templates: Templates::with_pages(tessera_web::PAGES).map_err(anyhow::Error::msg)?,
        policies: open_policies(cfg)?,
        api_tokens: Default::default(),
        search_pool: tessera_app::state::SearchPool::new(std::thread::available_parallelism().map_or(2, |n| n.get()))?,
        search_watermark: Arc::new(std::sync::atomic::AtomicI64::new(i64::MIN)),
        clock,
        settings,
        jobs_wakeup: Arc::new(Notify::new()),
        search,
    }))
}

/// Opens the folder of this process's search indexes (creating it).
/// The first of a folder's owners wins: a second server on the same data folder (or one started
/// while `tessera reindex` rebuilds) stops with [`tessera_search::SearchError::FolderInUse`].
pub fn open_search(cfg: &Config) -> anyhow::Result<Arc<tessera_search::SearchIndexes>> {
    let dir = search_dir(cfg);
    let search = tessera_search::SearchIndexes::open(&dir, cfg.search.max_open_indexes)
        .with_context(|| format!("cannot open the search folder {}", dir.display()))?;
    Ok(Arc::new(search))
}

/// The folder of this process's search indexes.
pub fn search_dir(cfg: &Config) -> std::path::PathBuf {
    cfg.search.dir.clone().unwrap_or_else(|| cfg.data_dir.join("search"))
}

/// A server that is running: its address, and how to stop it.
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where the plain-HTTP redirect listener listens, if `server.redirect_http_from` is set.
    pub redirect_addr: Option<SocketAddr>,
    /// The shared state (tests read the clock and database through it).
    pub state: Arc<AppState>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// Hot reload of the plugins directory, for as long as the server runs.
    _plugins_watch: WatchHandle,
}

impl Running {
    /// Stops accepting, lets in-flight requests and jobs finish, and waits.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Starts the server and its workers; returns once it listens.
pub async fn start(cfg: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let db = {
        let cfg = cfg.clone();
        tokio::task::spawn_blocking(move || open_database(&cfg)).await??
    };
    let state = app_state(cfg, db.clone(), clock.clone())?;
    {
        // Centres from before credentials existed get their issuer key (R-CREDENTIAL). A standby
        // of a region cannot write: the primary does it.
        let (wrap, now) = (state.credential_keys.clone(), clock.now());
        match db.call(move |c| tessera_app::credentials::keys::ensure_all(c, &wrap, now)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(centres = n, "issuer keys made for centres that had none"),
            Err(e) => tracing::warn!(error = %e, "cannot make issuer keys now (a standby?); the primary makes them"),
        }
    }
    let plugins_watch = state.policies.watch().map_err(|e| anyhow::anyhow!("cannot watch the plugins folder: {e}"))?;
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();

    let mailer = Arc::new(Mailer::new(&cfg.mail).context("cannot set up email")?);
    let webhooks = tessera_app::webhooks::deliver::Deliverer {
        db: db.clone(),
        clock: clock.clone(),
        http: tessera_app::webhooks::deliver::http_client().context("cannot set up the webhook HTTP client")?,
        templates: state.templates.clone(),
        public_url: state.settings.public_url.clone(),
        keys: state.credential_keys.clone(),
    };
    for i in 0..cfg.jobs.workers {
        let worker = Worker {
            db: db.clone(),
            clock: clock.clone(),
            mailer: mailer.clone(),
            wakeup: state.jobs_wakeup.clone(),
            poll: Duration::from_millis(cfg.jobs.poll_interval_ms),
            lease: chrono::Duration::seconds(cfg.jobs.lease_seconds),
            policies: state.policies.clone(),
            data_dir: cfg.data_dir.clone(),
            webhooks: webhooks.clone(),
            templates: state.templates.clone(),
            public_url: state.settings.public_url.clone(),
            app: state.clone(),
        };
        let name = format!("{}-{}-{i}", hostname(), std::process::id());
        tasks.push(tokio::spawn(worker.run(name, stop_rx.clone())));
    }

    tasks.push(tokio::spawn(schedule_daily_jobs(
        db.clone(),
        clock.clone(),
        state.jobs_wakeup.clone(),
        stop_rx.clone(),
    )));
    tasks.push(tokio::spawn(crate::release::run(
        state.clone(),
        Duration::from_millis(cfg.jobs.release_scan_ms),
        stop_rx.clone(),
    )));

    let indexer = {
        let (db, search, published) = (db.clone(), state.search.clone(), state.search_watermark.clone());
        tokio::task::spawn_blocking(move || crate::indexer::Indexer::start(db, search, published)).await??
    };
    tasks.push(tokio::spawn(indexer.run(Duration::from_millis(cfg.search.poll_interval_ms), stop_rx.clone())));

    tasks.push(tokio::spawn(crate::plugin_sync::run(db.clone(), state.policies.dir().to_path_buf(), stop_rx.clone())));

    tasks.push(tokio::spawn(notifications(
        state.clone(),
        Duration::from_millis(cfg.jobs.poll_interval_ms),
        stop_rx.clone(),
    )));

    let mut app = tessera_web::router(state.clone());
    if cfg.server.metrics {
        app = app
            .route_layer(axum::middleware::from_fn(crate::metrics::track))
            .merge(crate::metrics::router(state.clone(), cfg.server.metrics_token.clone()));
    }
    let app = crate::failover::retry_idempotent(app).into_make_service_with_connect_info::<SocketAddr>();
    let listen = cfg.listen_addr()?;
    let grace = Duration::from_secs(cfg.server.shutdown_grace_seconds);
    let mut rx = stop_rx.clone();
    let addr;
    let mut redirect_addr = None;
    if let (Some(cert), Some(key)) = (&cfg.server.tls_cert, &cfg.server.tls_key) {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
            .await
            .with_context(|| format!("cannot load the TLS certificate {} and key {}", cert.display(), key.display()))?;
        let std_listener = std::net::TcpListener::bind(listen).with_context(|| format!("cannot listen on {listen}"))?;
        std_listener.set_nonblocking(true)?;
        addr = std_listener.local_addr()?;
        let handle = axum_server::Handle::new();
        let h2 = handle.clone();
        tasks.push(tokio::spawn(async move {
            let _ = rx.wait_for(|s| *s).await;
            h2.graceful_shutdown(Some(grace));
        }));
        let server = axum_server::from_tcp_rustls(std_listener, tls).handle(handle);
        tasks.push(tokio::spawn(async move {
            if let Err(e) = server.serve(app).await {
                tracing::error!(error = %e, "TLS server stopped");
            }
        }));
        if let Some(from) = &cfg.server.redirect_http_from {
            let from: SocketAddr = from.parse().context("server.redirect_http_from")?;
            let listener = tokio::net::TcpListener::bind(from)
                .await
                .with_context(|| format!("cannot listen on {from} (server.redirect_http_from)"))?;
            redirect_addr = Some(listener.local_addr()?);
            let redirect = crate::redirect::router(&cfg.server.public_url, addr.port());
            let mut rx = stop_rx.clone();
            tasks.push(tokio::spawn(async move {
                let shutdown = async move {
                    let _ = rx.wait_for(|s| *s).await;
                };
                if let Err(e) = axum::serve(listener, redirect).with_graceful_shutdown(shutdown).await {
                    tracing::error!(error = %e, "HTTP redirect listener stopped");
                }
            }));
        }
    } else {
        let listener =
            tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
        addr = listener.local_addr()?;
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
                tracing::error!(error = %e, "server stopped");
            }
        }));
    }
    Ok(Running { addr, redirect_addr, state, stop, tasks, _plugins_watch: plugins_watch })
}

/// Enqueues the daily jobs (the retention run and the API token expiry notices, at 02:00 UTC)
/// once per day. The idempotency key
/// holds the date, so several processes or restarts still run each day's job once.
async fn schedule_daily_jobs(db: Db, clock: Arc<dyn Clock>, wakeup: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    loop {
        let now = clock.now();
        let day = now.date_naive();
        let run_at = day.and_hms_opt(2, 0, 0).expect("valid time").and_utc();
        let res = db
            .call(move |c| {
                let installation = tessera_storage::repo::tenants::installation(c, now)?;
                let job = tessera_storage::repo::jobs::NewJob {
                    kind: crate::worker::RETENTION_JOB,
                    payload: serde_json::json!({"day": day}),
                    idempotency_key: format!("retention:{day}"),
                    run_at,
                    max_attempts: 3,
                };
                let first = tessera_storage::repo::jobs::enqueue(c, installation.id, &job, now)?;
                // R-API: the primary users of tokens expiring within 30 days are told, once.
                let notices = tessera_storage::repo::jobs::NewJob {
                    kind: tessera_app::verifier::API_TOKEN_NOTICE_JOB,
                    payload: serde_json::json!({"day": day}),
                    idempotency_key: format!("api-token-notices:{day}"),
                    run_at,
                    max_attempts: 3,
                };
                Ok(tessera_storage::repo::jobs::enqueue(c, installation.id, &notices, now)? || first)
            })
            .await;
        match res {
            Ok(true) => wakeup.notify_one(),
            Ok(false) => {}
            Err(e) => tracing::warn!(error = %e, "cannot schedule the daily jobs"),
        }
        tokio::select! {
            _ = stop.changed() => return,
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
        }
    }
}

/// Runs until SIGTERM or Ctrl-C, then shuts down gracefully.
pub async fn serve(cfg: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<()> {
    let running = start(cfg, clock).await?;
    let scheme = if cfg.server.tls_cert.is_some() { "https" } else { "http" };
    tracing::info!(address = %running.addr, "Tessera is listening");
    println!("Tessera is listening on {scheme}://{} (public URL {})", running.addr, cfg.server.public_url);
    if let Some(r) = running.redirect_addr {
        println!("Redirecting plain HTTP on http://{r} to HTTPS");
    }
    wait_for_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_owned())
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "tessera".into())
}

/// The notification scheduler (R-NOTIFY): a pass per poll interval; what it queues is keyed, so
/// passes in several processes or after a restart never send twice.
async fn notifications(state: Arc<AppState>, poll: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        let st = state.clone();
        let now = state.clock.now();
        let r = state.db.call(move |c| tessera_app::notify::tick(c, &st.templates, &st.settings.public_url, now)).await;
        match r {
            Ok(n) if n > 0 => state.jobs_wakeup.notify_one(),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "notification pass failed"),
        }
        tokio::select! {
            _ = stop.changed() => {}
            _ = tokio::time::sleep(poll.max(Duration::from_millis(50))) => {}
        }
    }
}
