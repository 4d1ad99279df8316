//! The `tessera` command line. Exit codes: 0 success; 1 a runtime failure (database down, port
//! taken); 2 bad arguments or input (clap uses 2 as well); 3 bad configuration; 4 a conflict with
//! existing data; 5 not found; 6 a policy plugin failed (the decision fails closed).

mod credentials;
mod ops;
mod retention;
mod verifier;

pub use ops::OpsCommand;
pub use verifier::{OrgCommand, Reindex};

use crate::config::{Config, ConfigError};
use crate::demo;
use clap::{Args, Parser, Subcommand};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use tessera_domain::tenant::{TenantSpec, UserSpec};
use tessera_domain::{DomainError, SystemClock};
use tessera_storage::StorageError;
use tessera_storage::repo::auth as auth_repo;
use tessera_storage::repo::tenants;

/// Tessera: a self-hosted, multi-tenant appliance for exam centres and result verifiers.
#[derive(Debug, Parser)]
#[command(name = "tessera", version, about, long_about = None)]
pub struct Cli {
    /// The configuration file (default: $TESSERA_CONFIG, else /etc/tessera/tessera.toml if it exists).
    #[arg(long, short = 'c', global = true, env = "TESSERA_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server (migrates the database first).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create and list tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Create users.
    #[command(subcommand)]
    User(UserCommand),
    /// Load the deterministic demo data set (no-op when it is loaded already).
    Demo {
        /// Start the server afterwards.
        #[arg(long)]
        serve: bool,
    },
    /// Inspect the configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Policy plugins: list, check, install, assign to a tenant, run a decision.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Apply the retention policies now (the server also does it daily).
    Retention {
        /// Only print what would be destroyed.
        #[arg(long)]
        dry_run: bool,
        /// Only this tenant (default: every centre).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Operations: tls, doctor, backup, restore, migrate-db.
    #[command(flatten)]
    Ops(ops::OpsCommand),
    /// Rebuild the full-text search indexes of this process from the database.
    Reindex(verifier::Reindex),
    /// Verifier organisations: list, approve and reject sign-up requests.
    #[command(subcommand)]
    Org(verifier::OrgCommand),
    /// The keys secret numbers are hashed with (in the data folder, never in the database).
    #[command(subcommand)]
    SecretKeys(SecretKeysCommand),
    /// The centres' credential signing keys: rotate, export the public keys.
    #[command(subcommand)]
    Keys(credentials::KeysCommand),
    /// Check a Statement of Results credential (PDF or JSON): against this installation's
    /// database, or offline with `--keys` (revocation cannot be checked offline).
    Verify(credentials::VerifyArgs),
}

/// Secret-number key commands.
#[derive(Subcommand, Debug)]
pub enum SecretKeysCommand {
    /// Add a new current key: new secret numbers are hashed with it, older keys keep verifying the
    /// numbers already issued. Restart the server (or every node) to use it.
    Rotate,
}

/// Policy-plugin commands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// List the plugins loaded from the plugins folder (and those that failed to load).
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check a plugin (its .wasm or .toml; the other file sits beside it) without installing it.
    Check {
        /// The plugin's .wasm or .toml.
        file: PathBuf,
    },
    /// Check a plugin, then copy it into the plugins folder; a running server picks it up.
    Install {
        /// The plugin's .wasm or .toml.
        file: PathBuf,
    },
    /// Make PLUGIN decide KIND for a tenant.
    Assign {
        /// The tenant's code.
        #[arg(long)]
        tenant: String,
        /// refund, photo, identity, eligibility, deadlines, retention or fees.
        #[arg(long)]
        kind: String,
        /// The tenant's settings for the plugin, as a JSON object overlaid on the manifest's
        /// `[config]` defaults, e.g. '{"medical_basis_points": 7500}'. The plugin checks them
        /// before anything is stored.
        #[arg(long, value_name = "JSON", conflicts_with = "settings_file")]
        settings: Option<String>,
        /// Read the settings (a JSON object) from FILE instead.
        #[arg(long, value_name = "FILE")]
        settings_file: Option<PathBuf>,
        /// The plugin's name.
        plugin: String,
    },
    /// Ask a tenant's plugin for a decision on the facts in a JSON file; prints the decision.
    Run {
        /// The tenant's code.
        #[arg(long)]
        tenant: String,
        /// The decision kind.
        #[arg(long)]
        kind: String,
        /// A JSON file with the facts.
        #[arg(long)]
        input: PathBuf,
    },
}

/// Tenant commands.
#[derive(Debug, Subcommand)]
pub enum TenantCommand {
    /// Create a centre or verifier tenant.
    Create(TenantCreate),
    /// List the tenants.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// `tenant create`.
#[derive(Debug, Args)]
pub struct TenantCreate {
    /// `centre` or `verifier`.
    #[arg(long)]
    pub kind: String,
    /// Display name, e.g. "PL078 International House Integra Katowice".
    #[arg(long)]
    pub name: String,
    /// The code used in URLs (default: derived from the name).
    #[arg(long)]
    pub slug: Option<String>,
    /// ISO 3166 country code, e.g. PL.
    #[arg(long)]
    pub country: String,
    /// IANA time zone, e.g. Europe/Warsaw.
    #[arg(long)]
    pub timezone: String,
    /// Language of pages and emails: en, pl, hu or it.
    #[arg(long, default_value = "en")]
    pub locale: String,
}

/// User commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user in a tenant.
    Create(UserCreate),
}

/// `user create`.
#[derive(Debug, Args)]
pub struct UserCreate {
    /// The tenant's code.
    #[arg(long)]
    pub tenant: String,
    /// installation_admin, centre_manager, centre_staff, verifier_primary, verifier_admin or candidate.
    #[arg(long)]
    pub role: String,
    /// Email address (the login, except for candidates).
    #[arg(long)]
    pub email: Option<String>,
    /// Login for candidates: their ID number.
    #[arg(long)]
    pub login: Option<String>,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Read the password from standard input; without it a set-password link is printed.
    #[arg(long)]
    pub password_stdin: bool,
}

/// Configuration commands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the configuration and print it, secrets masked.
    Check,
}

/// A failed command: the message for stderr and the exit code.
#[derive(Debug)]
pub struct CliError {
    /// Exit code.
    pub code: u8,
    /// What went wrong.
    pub message: String,
}

impl CliError {
    pub(crate) fn new(code: u8, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        Self::new(3, format!("invalid configuration: {e}"))
    }
}

impl From<DomainError> for CliError {
    fn from(e: DomainError) -> Self {
        let arg = e.field.as_deref().map(|f| format!("--{}: ", f.replace('_', "-"))).unwrap_or_default();
        Self::new(2, format!("{arg}{e}"))
    }
}

impl From<StorageError> for CliError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::Conflict(e) => Self::new(4, e.to_string()),
            StorageError::NotFound => Self::new(5, "not found"),
            other => Self::new(1, other.to_string()),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        Self::new(1, format!("{e:#}"))
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::new(1, e.to_string())
    }
}

fn init_logging(cfg: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&cfg.log.level).unwrap_or_else(|_| "info".into());
    // Colours only for a person at a terminal: journald and container logs showed the escapes.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = if cfg.log.format == "json" { builder.json().try_init() } else { builder.try_init() };
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Runs one command.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let cfg = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Config(ConfigCommand::Check) => {
            println!("# configuration is valid\n{}", cfg.to_masked_toml());
            Ok(())
        }
        Command::Serve => {
            init_logging(&cfg);
            runtime()?.block_on(crate::server::serve(&cfg, Arc::new(SystemClock)))?;
            Ok(())
        }
        Command::Migrate => {
            let db = tessera_storage::Db::open(&cfg.database.url, 1)?;
            let applied = db.migrate()?;
            if applied.is_empty() {
                println!("the database is up to date");
            } else {
                println!("applied {} migration(s): {}", applied.len(), applied.join(", "));
            }
            Ok(())
        }
        Command::Tenant(TenantCommand::Create(a)) => {
            let spec = TenantSpec::parse(&a.kind, &a.name, a.slug.as_deref(), &a.country, &a.timezone, &a.locale)?;
            let db = crate::server::open_database(&cfg)?;
            let mut conn = db.conn()?;
            let wrap = tessera_app::credentials::Wrapping::load_or_create(&cfg.data_dir)?;
            let t = tessera_app::tenants::create_in(&mut conn, spec, None, &wrap, chrono::Utc::now())?;
            println!("created {} tenant `{}` ({}) with id {}", t.kind, t.slug, t.name, t.id);
            Ok(())
        }
        Command::Tenant(TenantCommand::List { json }) => {
            let db = crate::server::open_database(&cfg)?;
            let all = tenants::list(&mut *db.conn()?)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&all).map_err(|e| CliError::new(1, e.to_string()))?);
            } else {
                println!("{:<16} {:<12} {:<8} {:<18} {:<7} NAME", "CODE", "KIND", "COUNTRY", "TIMEZONE", "STATUS");
                for t in all {
                    println!(
                        "{:<16} {:<12} {:<8} {:<18} {:<7} {}",
                        t.slug,
                        t.kind.as_str(),
                        t.country,
                        t.timezone.name(),
                        t.status,
                        t.name
                    );
                }
            }
            Ok(())
        }
        Command::User(UserCommand::Create(a)) => user_create(&cfg, a),
        Command::Plugin(cmd) => plugin(&cfg, cmd),
        Command::Retention { dry_run, tenant } => retention::run(&cfg, tenant, dry_run),
        Command::Ops(cmd) => ops::run(&cfg, cli.config.as_deref(), cmd),
        Command::Reindex(a) => verifier::reindex(&cfg, a),
        Command::Org(cmd) => verifier::org(&cfg, cmd),
        Command::Keys(cmd) => credentials::keys_command(&cfg, cmd),
        Command::Verify(a) => credentials::verify_command(&cfg, a),
        Command::SecretKeys(SecretKeysCommand::Rotate) => {
            let id = tessera_app::secrets::SecretNumbers::rotate(&cfg.data_dir)
                .map_err(|e| CliError::new(1, format!("cannot rotate the secret-number keys: {e}")))?;
            println!(
                "added key {id} to {}: restart the server to hash new secret numbers with it",
                cfg.data_dir.join(tessera_app::secrets::KEY_FILE).display()
            );
            Ok(())
        }
        Command::Demo { serve } => {
            let db = crate::server::open_database(&cfg)?;
            let secrets = tessera_app::secrets::SecretNumbers::load_or_create(&cfg.data_dir)
                .map_err(|e| CliError::new(1, format!("the secret-number keys: {e}")))?;
            let summary = demo::load(&db, &secrets)?;
            if summary.created {
                println!(
                    "demo data loaded: {} candidates, {} results, {} shared with the verifier",
                    summary.candidates, summary.results, summary.shares
                );
            } else {
                println!("demo data is already loaded");
            }
            println!(
                "\nOpen {} and sign in (password for every demo user: {}):",
                cfg.server.public_url,
                demo::DEMO_PASSWORD
            );
            for l in &summary.logins {
                println!("  {:<14} {:<24} {}", l.tenant, l.login, l.role);
            }
            println!("\nCandidates can activate an account at {}/t/pl078/signup with:", cfg.server.public_url);
            for a in &summary.activations {
                println!("  {:<14} ID number {:<14} secret number {}", a.tenant, a.id_number, a.secret_number);
            }
            if serve {
                init_logging(&cfg);
                runtime()?.block_on(crate::server::serve(&cfg, Arc::new(SystemClock)))?;
            }
            Ok(())
        }
    }
}

fn user_create(cfg: &Config, a: UserCreate) -> Result<(), CliError> {
    let password = if a.password_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        let p = s.trim_end_matches(['\n', '\r']).to_owned();
        tessera_domain::auth::check_password(&p)?;
        Some(p)
    } else {
        None
    };
    let db = crate::server::open_database(cfg)?;
    let mut conn = db.conn()?;
    let tenant = tenant_by_code(&mut conn, &a.tenant)?;
    let spec = UserSpec::parse(tenant.kind, &a.role, &a.name, a.email.as_deref(), a.login.as_deref())?;
    let hash = password
        .map(|p| tessera_app::auth::hash_blocking(&p))
        .transpose()
        .map_err(|e| CliError::new(1, e.text(tessera_domain::Locale::En)))?;
    let has_password = hash.is_some();
    let now = chrono::Utc::now();
    let user = tessera_app::users::create_in(&mut conn, &tenant, &spec, hash, None, now)?;
    println!("created {} `{}` in `{}`", spec.role, user.login, tenant.slug);
    if !has_password {
        let token = tessera_app::auth::random_token();
        let ttl = chrono::Duration::minutes(cfg.auth.reset_link_minutes.max(24 * 60));
        auth_repo::create_reset(
            &mut conn,
            tenant.id,
            &tessera_app::auth::token_hash(&token),
            &user.id,
            now,
            now + ttl,
        )?;
        println!(
            "set the password within {} hours at: {}/t/{}/password/reset/{}",
            ttl.num_hours(),
            cfg.server.public_url.trim_end_matches('/'),
            tenant.slug,
            token
        );
    }
    Ok(())
}

fn policy_error(e: tessera_policy::PolicyError) -> CliError {
    CliError::new(2, e.to_string())
}

pub(crate) fn tenant_by_code(
    conn: &mut tessera_storage::DbConnection,
    code: &str,
) -> Result<tenants::Tenant, CliError> {
    match tenants::by_slug(conn, &code.to_ascii_lowercase()) {
        Ok(t) => Ok(t),
        Err(StorageError::NotFound) => Err(CliError::new(5, format!("--tenant: no tenant has the code `{code}`"))),
        Err(e) => Err(e.into()),
    }
}

fn decision_kind(kind: &str) -> Result<tessera_policy::DecisionKind, CliError> {
    kind.parse().map_err(|_| {
        CliError::new(2, format!("--kind: `{kind}` is not a decision kind: expected refund, photo, identity, eligibility, deadlines, retention or fees"))
    })
}

fn plugin(cfg: &Config, cmd: PluginCommand) -> Result<(), CliError> {
    let registry = crate::server::open_policies(cfg)?;
    match cmd {
        PluginCommand::List { json } => {
            let list = registry.list();
            if json {
                let rows: Vec<_> = list
                    .iter()
                    .map(|p| serde_json::json!({"name": p.name, "version": p.version, "abi": p.abi, "kinds": p.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(), "sha256": p.sha256}))
                    .collect();
                println!("{}", serde_json::Value::Array(rows));
            } else {
                println!("{:<12} {:<9} {:<4} {:<64} KINDS", "NAME", "VERSION", "ABI", "SHA256");
                for p in list {
                    let kinds: Vec<_> = p.kinds.iter().map(|k| k.as_str()).collect();
                    println!("{:<12} {:<9} {:<4} {:<64} {}", p.name, p.version, p.abi, p.sha256, kinds.join(","));
                }
            }
            Ok(())
        }
        PluginCommand::Check { file } => {
            let info = registry.check_file(&file).map_err(policy_error)?;
            let kinds: Vec<_> = info.kinds.iter().map(|k| k.as_str()).collect();
            println!(
                "ok: plugin `{}` v{} (ABI {}) decides {}; sha256 {}",
                info.name,
                info.version,
                info.abi,
                kinds.join(", "),
                info.sha256
            );
            if info.settings.is_empty() {
                println!(
                    "note: the manifest has no [settings] schema: the admin page asks for the settings as a JSON object"
                );
            } else {
                let keys: Vec<_> = info.settings.iter().map(|(k, _)| k).collect();
                println!("settings form: {}", keys.join(", "));
            }
            Ok(())
        }
        PluginCommand::Install { file } => {
            let read = |ext: &str| {
                let path = file.with_extension(ext);
                std::fs::read(&path).map_err(|e| CliError::new(2, format!("cannot read {}: {e}", path.display())))
            };
            let module = read("wasm")?;
            let manifest = String::from_utf8(read("toml")?).map_err(|_| {
                CliError::new(2, format!("{}: the manifest is not UTF-8", file.with_extension("toml").display()))
            })?;
            let info = tessera_app::plugins::install_bytes(&registry, &manifest, &module).map_err(policy_error)?;
            println!("installed plugin `{}` v{} into {}", info.name, info.version, registry.dir().display());
            // Published to the database too, so that every node of a region loads it.
            let published = crate::server::open_database(cfg).and_then(|db| {
                let mut c = db.conn()?;
                Ok(tessera_app::plugins::publish(&mut c, &info.name, &manifest, &module, chrono::Utc::now())?)
            });
            match published {
                Ok(()) => println!("published plugin `{}` to the database: every node loads it", info.name),
                Err(e) => eprintln!("warning: not published to the database (other nodes will not load it): {e:#}"),
            }
            Ok(())
        }
        PluginCommand::Assign { tenant, kind, settings, settings_file, plugin } => {
            let kind = decision_kind(&kind)?;
            let (flag, text) = match (settings, settings_file) {
                (Some(text), _) => ("--settings", Some(text)),
                (None, Some(file)) => (
                    "--settings-file",
                    Some(std::fs::read_to_string(&file).map_err(|e| {
                        CliError::new(2, format!("--settings-file: cannot read {}: {e}", file.display()))
                    })?),
                ),
                (None, None) => ("--settings", None),
            };
            let config: serde_json::Value = match text {
                Some(text) => {
                    serde_json::from_str(&text).map_err(|e| CliError::new(2, format!("{flag}: not JSON: {e}")))?
                }
                None => serde_json::Value::Null,
            };
            let db = crate::server::open_database(cfg)?;
            let mut conn = db.conn()?;
            let t = tenant_by_code(&mut conn, &tenant)?;
            let what = tessera_app::policy::AssignRequest { kind, plugin: &plugin, config: &config };
            tessera_app::policy::assign_blocking(&mut conn, &registry, t.id, what, None, chrono::Utc::now()).map_err(
                |e| {
                    // The settings are `config` in the API; here they are the flag the user typed.
                    let field = e.error.field.clone().unwrap_or_default();
                    let text = e.text(tessera_domain::Locale::En);
                    let message = match field.strip_prefix("config") {
                        Some(key) => {
                            let label = tessera_domain::error::field_label(tessera_domain::Locale::En, &field);
                            let why = match &e.error.detail {
                                Some(detail) => detail.clone(),
                                None => text.strip_prefix(&format!("{label}: ")).unwrap_or(&text).to_owned(),
                            };
                            match key.strip_prefix('.') {
                                Some(key) => format!("{flag}: key `{key}`: {why}"),
                                None => format!("{flag}: {why}"),
                            }
                        }
                        None => text,
                    };
                    CliError::new(if e.status.as_u16() == 404 { 5 } else { 2 }, message)
                },
            )?;
            println!("`{}` now decides {kind} for `{}`", plugin, t.slug);
            Ok(())
        }
        PluginCommand::Run { tenant, kind, input } => {
            let kind = decision_kind(&kind)?;
            let text = std::fs::read_to_string(&input)
                .map_err(|e| CliError::new(2, format!("--input: cannot read {}: {e}", input.display())))?;
            let facts: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| CliError::new(2, format!("--input: {} is not JSON: {e}", input.display())))?;
            let db = crate::server::open_database(cfg)?;
            let mut conn = db.conn()?;
            let t = tenant_by_code(&mut conn, &tenant)?;
            match tessera_app::policy::decide_blocking(
                &mut conn,
                &registry,
                t.id,
                kind,
                &facts,
                None,
                chrono::Utc::now(),
            ) {
                Ok(d) => {
                    let out = serde_json::json!({"plugin": d.plugin, "version": d.version, "sha256": d.sha256, "kind": kind.as_str(), "decision": d.output});
                    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
                    Ok(())
                }
                Err(tessera_app::policy::DecideError::Policy(e)) => Err(CliError::new(6, e.to_string())),
                Err(tessera_app::policy::DecideError::Storage(e)) => Err(e.into()),
            }
        }
    }
}
