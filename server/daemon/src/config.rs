//! Configuration: one TOML file, every key overridable by a `TESSERA_*` environment variable
//! (`TESSERA_SERVER__LISTEN` overrides `server.listen`: sections and keys joined by `__`).
//! Unknown keys are refused by name, so a typo never silently falls back to a default.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A configuration that could not be used; the message names the key and what was expected.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn bad(key: &str, expected: impl std::fmt::Display) -> ConfigError {
    ConfigError(format!("configuration key `{key}`: {expected}"))
}

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where Tessera keeps its SQLite database, mail files, plugins and search indexes.
    pub data_dir: PathBuf,
    /// HTTP and TLS.
    pub server: ServerConfig,
    /// The database.
    pub database: DatabaseConfig,
    /// Sign-in and sessions.
    pub auth: AuthConfig,
    /// Outgoing email.
    pub mail: MailConfig,
    /// Logging.
    pub log: LogConfig,
    /// Policy plugins.
    pub plugins: PluginsConfig,
    /// Background jobs.
    pub jobs: JobsConfig,
    /// Full-text search of shared results.
    pub search: SearchConfig,
    /// The Results Verification Service.
    pub verifier: VerifierConfig,
    /// The file this configuration was read from, if any (not a key: set by `load`).
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// The Results Verification Service.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifierConfig {
    /// Requests each API client may make per minute; more are answered 429 with Retry-After.
    pub api_requests_per_minute: usize,
    /// Whether organisations may register plain `http://` webhook endpoints on any host (a test
    /// rig, a private network). Off: webhook endpoints are `https://`, `http://` only to loopback.
    pub webhooks_allow_http: bool,
    /// Rows each organisation may verify in bulk per day (R-BULK-VERIFY), apart from the
    /// interactive Candidate Search budget.
    pub bulk_verify_rows_per_day: i64,
    /// Days a new or renewed API token works before it expires (R-API).
    pub api_token_days: i64,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self {
            api_requests_per_minute: 600,
            webhooks_allow_http: false,
            bulk_verify_rows_per_day: tessera_domain::verification::BULK_VERIFY_ROWS_PER_DAY,
            api_token_days: tessera_domain::verification::API_TOKEN_DAYS,
        }
    }
}

/// Full-text search of shared results (one index per verifier organisation).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchConfig {
    /// Folder of the indexes; empty means `data_dir/search`. Each server process keeps its own.
    pub dir: Option<PathBuf>,
    /// Indexes kept open at once; the least recently used is closed beyond this.
    pub max_open_indexes: usize,
    /// How often the indexer reads the change log, in milliseconds.
    pub poll_interval_ms: u64,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self { dir: None, max_open_indexes: 64, poll_interval_ms: 200 }
    }
}

/// HTTP and TLS.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// The address people reach Tessera at, used in links in emails.
    pub public_url: String,
    /// PEM certificate chain; with `tls_key`, Tessera speaks HTTPS itself.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key.
    pub tls_key: Option<PathBuf>,
    /// Set `Secure` on cookies even without `tls_cert` (when a TLS proxy sits in front).
    pub secure_cookies: bool,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// On SIGTERM, how long in-flight requests get to finish.
    pub shutdown_grace_seconds: u64,
    /// With TLS on, also listen for plain HTTP here (e.g. `0.0.0.0:80`) and redirect every
    /// request to HTTPS.
    pub redirect_http_from: Option<String>,
    /// Serve Prometheus metrics at `/metrics`.
    pub metrics: bool,
    /// When set, `/metrics` wants `Authorization: Bearer <token>` (masked by `config check`).
    pub metrics_token: Option<String>,
}

/// The database.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`; empty means SQLite under `data_dir`.
    pub url: String,
    /// Connections in the pool.
    pub pool_size: u32,
    /// Seconds a request waits for a database connection before it is answered 503 with
    /// Retry-After (while a region's primary fails over, no connection can be opened).
    pub wait_seconds: u64,
}

/// Sign-in and sessions.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after sign-in.
    pub session_absolute_hours: i64,
    /// A password-reset link works for this many minutes.
    pub reset_link_minutes: i64,
    /// Password hashes computed at once (each takes 19 MiB and a core for ~50 ms).
    pub hash_concurrency: usize,
    /// How long a sign-in waits for a hashing slot before the server answers 503.
    pub hash_wait_ms: u64,
    /// Failed sign-ins allowed per client address in the window below.
    pub login_failures_per_address: usize,
    /// The window for the per-address limit, in minutes.
    pub login_failure_window_minutes: i64,
}

/// Outgoing email.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `smtp`, or `file` (each email written to `file_dir`, for development).
    pub transport: String,
    /// The sender, e.g. `Tessera <no-reply@centre.example>`.
    pub from: String,
    /// Where the file transport writes; empty means `data_dir/mail`.
    pub file_dir: Option<PathBuf>,
    /// SMTP server.
    pub smtp_host: String,
    /// SMTP port.
    pub smtp_port: u16,
    /// `none`, `starttls` or `tls`.
    pub smtp_security: String,
    /// SMTP user name, if the server wants one.
    pub smtp_username: Option<String>,
    /// SMTP password (masked by `tessera config check`).
    pub smtp_password: Option<String>,
}

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `info,tessera=debug`.
    pub level: String,
}

/// Policy plugins.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PluginsConfig {
    /// Folder of `<name>.wasm` + `<name>.toml`; empty means `data_dir/plugins`.
    pub dir: Option<PathBuf>,
}

/// Background jobs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// Jobs run at once by this process.
    pub workers: usize,
    /// How often an idle worker looks for due jobs, in milliseconds.
    pub poll_interval_ms: u64,
    /// How long a claimed job may run before another worker may take it over, in seconds.
    pub lease_seconds: i64,
    /// How often released results are looked for, to email their candidates (R-RELEASE), in ms.
    pub release_scan_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            server: ServerConfig::default(),
            database: DatabaseConfig::default(),
            auth: AuthConfig::default(),
            mail: MailConfig::default(),
            log: LogConfig::default(),
            plugins: PluginsConfig::default(),
            jobs: JobsConfig::default(),
            search: SearchConfig::default(),
            verifier: VerifierConfig::default(),
            source: None,
        }
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            tls_cert: None,
            tls_key: None,
            secure_cookies: false,
            body_limit_bytes: 10 * 1024 * 1024,
            shutdown_grace_seconds: 20,
            redirect_http_from: None,
            metrics: true,
            metrics_token: None,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: String::new(), pool_size: 8, wait_seconds: 10 }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            reset_link_minutes: 60,
            hash_concurrency: 2,
            hash_wait_ms: 2000,
            login_failures_per_address: 20,
            login_failure_window_minutes: 15,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: "file".into(),
            from: "Tessera <no-reply@localhost>".into(),
            file_dir: None,
            smtp_host: "localhost".into(),
            smtp_port: 25,
            smtp_security: "none".into(),
            smtp_username: None,
            smtp_password: None,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: "text".into(), level: "info".into() }
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self { workers: 2, poll_interval_ms: 500, lease_seconds: 300, release_scan_ms: 30_000 }
    }
}

/// The default configuration file, used when it exists and no other is named.
pub const DEFAULT_PATH: &str = "/etc/tessera/tessera.toml";

impl Config {
    /// Loads defaults, then the file (if given, or the default file if it exists), then the
    /// `TESSERA_*` environment; checks every value.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut fig = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(p) => {
                if !p.is_file() {
                    return Err(ConfigError(format!(
                        "configuration file {} does not exist or is not a file",
                        p.display()
                    )));
                }
                fig = fig.merge(Toml::file_exact(p));
            }
            None if Path::new(DEFAULT_PATH).is_file() => fig = fig.merge(Toml::file_exact(DEFAULT_PATH)),
            None => {}
        }
        // Only `TESSERA_DATA_DIR` and `TESSERA_<SECTION>__<KEY>` are configuration; other
        // TESSERA_* variables (TESSERA_CONFIG, the file's path, for one) are not.
        let env = Env::prefixed("TESSERA_").filter(|k| k == "data_dir" || k.as_str().contains("__")).split("__");
        let mut cfg: Config = fig.merge(env).extract().map_err(|e| ConfigError(describe(e)))?;
        cfg.source = match path {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_PATH)).filter(|p| p.is_file()),
        };
        cfg.resolve_defaults();
        cfg.validate()?;
        Ok(cfg)
    }

    /// Fills the values that default to places under `data_dir`.
    fn resolve_defaults(&mut self) {
        if self.database.url.trim().is_empty() {
            self.database.url = format!("sqlite://{}", self.data_dir.join("tessera.db").display());
        }
        if self.mail.file_dir.is_none() {
            self.mail.file_dir = Some(self.data_dir.join("mail"));
        }
        if self.plugins.dir.is_none() {
            self.plugins.dir = Some(self.data_dir.join("plugins"));
        }
        if self.search.dir.is_none() {
            self.search.dir = Some(self.data_dir.join("search"));
        }
    }

    /// Checks what types alone cannot: addresses, URLs, ranges, pairs of keys.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.listen_addr()?;
        if !(self.server.public_url.starts_with("http://") || self.server.public_url.starts_with("https://")) {
            return Err(bad(
                "server.public_url",
                format!("expected an http:// or https:// URL, got `{}`", self.server.public_url),
            ));
        }
        match (&self.server.tls_cert, &self.server.tls_key) {
            (Some(_), None) => return Err(bad("server.tls_key", "is required when server.tls_cert is set")),
            (None, Some(_)) => return Err(bad("server.tls_cert", "is required when server.tls_key is set")),
            (Some(c), Some(k)) => {
                for (key, p) in [("server.tls_cert", c), ("server.tls_key", k)] {
                    if !p.is_file() {
                        return Err(bad(key, format!("file {} does not exist", p.display())));
                    }
                }
            }
            (None, None) => {}
        }
        if let Some(from) = &self.server.redirect_http_from {
            from.parse::<SocketAddr>().map_err(|_| {
                bad(
                    "server.redirect_http_from",
                    format!("expected an address and port such as 0.0.0.0:80, got `{from}`"),
                )
            })?;
            if self.server.tls_cert.is_none() {
                return Err(bad(
                    "server.redirect_http_from",
                    "redirects to HTTPS: set server.tls_cert and server.tls_key",
                ));
            }
        }
        if self.server.metrics_token.as_deref().is_some_and(|t| t.trim().len() < 16) {
            return Err(bad("server.metrics_token", "expected at least 16 characters"));
        }
        if self.server.body_limit_bytes < 1024 {
            return Err(bad("server.body_limit_bytes", "expected at least 1024"));
        }
        tessera_storage::DatabaseUrl::parse(&self.database.url).map_err(|e| bad("database.url", e))?;
        if self.database.pool_size == 0 || self.database.pool_size > 256 {
            return Err(bad("database.pool_size", "expected a number from 1 to 256"));
        }
        if !(1..=120).contains(&self.database.wait_seconds) {
            return Err(bad("database.wait_seconds", "expected a number of seconds from 1 to 120"));
        }
        let a = &self.auth;
        for (key, v) in [
            ("auth.session_idle_minutes", a.session_idle_minutes),
            ("auth.session_absolute_hours", a.session_absolute_hours),
            ("auth.reset_link_minutes", a.reset_link_minutes),
            ("auth.login_failure_window_minutes", a.login_failure_window_minutes),
        ] {
            if v <= 0 {
                return Err(bad(key, format!("expected a positive number, got {v}")));
            }
        }
        if a.hash_concurrency == 0 || a.hash_concurrency > 64 {
            return Err(bad("auth.hash_concurrency", "expected a number from 1 to 64"));
        }
        match self.mail.transport.as_str() {
            "file" => {}
            "smtp" if self.mail.smtp_host.trim().is_empty() => {
                return Err(bad("mail.smtp_host", "is required when mail.transport is smtp"));
            }
            "smtp" => {}
            other => return Err(bad("mail.transport", format!("expected `smtp` or `file`, got `{other}`"))),
        }
        if !matches!(self.mail.smtp_security.as_str(), "none" | "starttls" | "tls") {
            return Err(bad(
                "mail.smtp_security",
                format!("expected `none`, `starttls` or `tls`, got `{}`", self.mail.smtp_security),
            ));
        }
        self.mail.from.parse::<lettre::message::Mailbox>().map_err(|e| {
            bad("mail.from", format!("expected an address such as `Tessera <no-reply@centre.example>`: {e}"))
        })?;
        if !matches!(self.log.format.as_str(), "text" | "json") {
            return Err(bad("log.format", format!("expected `text` or `json`, got `{}`", self.log.format)));
        }
        tracing_subscriber::EnvFilter::try_new(&self.log.level)
            .map_err(|e| bad("log.level", format!("expected a level such as `info`: {e}")))?;
        if self.search.max_open_indexes == 0 || self.search.max_open_indexes > 10_000 {
            return Err(bad("search.max_open_indexes", "expected a number from 1 to 10000"));
        }
        if self.search.poll_interval_ms == 0 || self.search.poll_interval_ms > 1000 {
            return Err(bad(
                "search.poll_interval_ms",
                "expected a number from 1 to 1000 (a new share is searchable within a second)",
            ));
        }
        if self.verifier.api_requests_per_minute == 0 || self.verifier.api_requests_per_minute > 100_000 {
            return Err(bad("verifier.api_requests_per_minute", "expected a number from 1 to 100000"));
        }
        if !(1..=10_000_000).contains(&self.verifier.bulk_verify_rows_per_day) {
            return Err(bad("verifier.bulk_verify_rows_per_day", "expected a number from 1 to 10000000"));
        }
        if !(31..=3650).contains(&self.verifier.api_token_days) {
            return Err(bad("verifier.api_token_days", "expected a number of days from 31 to 3650"));
        }
        if self.jobs.workers == 0 || self.jobs.workers > 64 {
            return Err(bad("jobs.workers", "expected a number from 1 to 64"));
        }
        if self.jobs.lease_seconds < 10 {
            return Err(bad("jobs.lease_seconds", "expected at least 10"));
        }
        if !(10..=3_600_000).contains(&self.jobs.release_scan_ms) {
            return Err(bad("jobs.release_scan_ms", "expected a number of milliseconds from 10 to 3600000"));
        }
        Ok(())
    }

    /// The listening address.
    pub fn listen_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.server.listen.parse().map_err(|_| {
            bad(
                "server.listen",
                format!("expected an address and port such as 127.0.0.1:8080, got `{}`", self.server.listen),
            )
        })
    }

    /// Whether cookies must be `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.server.secure_cookies || self.server.tls_cert.is_some()
    }

    /// The effective configuration as TOML, with secrets masked.
    pub fn to_masked_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database.url = tessera_storage::redact_url(&shown.database.url);
        if shown.server.metrics_token.is_some() {
            shown.server.metrics_token = Some("********".into());
        }
        if shown.mail.smtp_password.is_some() {
            shown.mail.smtp_password = Some("********".into());
        }
        toml::to_string_pretty(&shown).unwrap_or_else(|e| format!("# cannot print the configuration: {e}"))
    }
}

/// Figment's error, with the key and the source of the bad value in words.
fn describe(e: figment::Error) -> String {
    e.into_iter()
        .map(|e| {
            let key =
                if e.path.is_empty() { String::new() } else { format!("configuration key `{}`: ", e.path.join(".")) };
            let source = e
                .metadata
                .as_ref()
                .map(|m| {
                    format!(
                        " (from {})",
                        m.source.as_ref().map(|s| s.to_string()).unwrap_or_else(|| m.name.to_string())
                    )
                })
                .unwrap_or_default();
            format!("{key}{}{source}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
