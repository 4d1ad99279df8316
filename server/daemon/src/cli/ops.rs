//! Operations commands: `tls self-signed`, `doctor`, `backup`, `restore` and `migrate-db`.
//!
//! A backup is one `.tar.gz` with a `manifest.json`, the database (an online SQLite copy made
//! with `VACUUM INTO`, or a `pg_dump` custom-format dump), the configuration file and the
//! plugins folder. Search indexes are not in it: they are derived data, rebuilt from the
//! database.

use super::CliError;
use crate::config::{Config, DEFAULT_PATH};
use clap::{Args, Subcommand};
use diesel::connection::SimpleConnection;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use tessera_storage::{DatabaseUrl, Db, DbConnection};

/// The operations commands (flattened into the top-level command list).
#[derive(Debug, Subcommand)]
pub enum OpsCommand {
    /// TLS certificates.
    #[command(subcommand)]
    Tls(TlsCommand),
    /// Check the installation: configuration, file permissions, database, disk space, plugins.
    /// Prints one finding per line; exits 1 when something is wrong.
    Doctor,
    /// Write a backup (database, configuration, plugins) to one .tar.gz file.
    Backup(BackupArgs),
    /// Restore a backup written by `tessera backup` (stop the server first).
    Restore(RestoreArgs),
    /// Copy every table of a SQLite database into a new, empty PostgreSQL database.
    MigrateDb(MigrateDbArgs),
    /// Ask the local server's /healthz (for container HEALTHCHECKs); exits 1 if it does not
    /// answer. Under TLS an accepted connection counts as healthy.
    Healthcheck {
        /// Keep trying for this many seconds.
        #[arg(long, default_value_t = 0)]
        wait: u64,
    },
}

/// TLS commands.
#[derive(Debug, Subcommand)]
pub enum TlsCommand {
    /// Make a self-signed certificate and key for a first start (browsers will warn).
    SelfSigned(SelfSignedArgs),
}

/// `tls self-signed`.
#[derive(Debug, Args)]
pub struct SelfSignedArgs {
    /// Folder for cert.pem and key.pem (default: <data_dir>/tls).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// A host name or IP address the certificate is for; repeat for several (default: the
    /// public URL's host, localhost and 127.0.0.1).
    #[arg(long = "hostname")]
    pub hostnames: Vec<String>,
    /// Days the certificate is valid.
    #[arg(long, default_value_t = 365)]
    pub days: u32,
    /// Replace existing files.
    #[arg(long)]
    pub force: bool,
}

/// `backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (.tar.gz).
    #[arg(long)]
    pub to: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file written by `tessera backup`.
    #[arg(long)]
    pub from: PathBuf,
    /// Replace a database that holds data.
    #[arg(long)]
    pub force: bool,
    /// Also write the backed-up configuration file here.
    #[arg(long)]
    pub config_to: Option<PathBuf>,
}

/// `migrate-db`.
#[derive(Debug, Args)]
pub struct MigrateDbArgs {
    /// The SQLite database to copy, e.g. sqlite:///var/lib/tessera/tessera.db.
    #[arg(long)]
    pub from: String,
    /// The new, empty PostgreSQL database, e.g. postgres://tessera:secret@db/tessera.
    #[arg(long)]
    pub to: String,
    /// Rows per INSERT.
    #[arg(long, default_value_t = 500)]
    pub batch_rows: usize,
}

/// Runs one operations command. `config_path` is the file named by --config / $TESSERA_CONFIG.
pub fn run(cfg: &Config, config_path: Option<&Path>, cmd: OpsCommand) -> Result<(), CliError> {
    match cmd {
        OpsCommand::Tls(TlsCommand::SelfSigned(a)) => self_signed(cfg, a),
        OpsCommand::Doctor => doctor(cfg, config_path),
        OpsCommand::Backup(a) => backup(cfg, config_path, a),
        OpsCommand::Restore(a) => restore(cfg, a),
        OpsCommand::MigrateDb(a) => migrate_db(a),
        OpsCommand::Healthcheck { wait } => healthcheck(cfg, wait),
    }
}

fn err(code: u8, message: impl Into<String>) -> CliError {
    CliError { code, message: message.into() }
}

/// The configuration file in use, if any (the same rule as `Config::load`).
fn config_file(given: Option<&Path>) -> Option<PathBuf> {
    match given {
        Some(p) => Some(p.to_path_buf()),
        None => Some(PathBuf::from(DEFAULT_PATH)).filter(|p| p.is_file()),
    }
}

fn plugins_dir(cfg: &Config) -> PathBuf {
    cfg.plugins.dir.clone().unwrap_or_else(|| cfg.data_dir.join("plugins"))
}

// ---------------------------------------------------------------------------------------------
// tls self-signed

fn self_signed(cfg: &Config, a: SelfSignedArgs) -> Result<(), CliError> {
    if a.days == 0 || a.days > 3650 {
        return Err(err(2, "--days: expected a number from 1 to 3650"));
    }
    let dir = a.dir.unwrap_or_else(|| cfg.data_dir.join("tls"));
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    if !a.force {
        for p in [&cert_path, &key_path] {
            if p.exists() {
                return Err(err(4, format!("{} exists: add --force to replace it", p.display())));
            }
        }
    }
    let mut hosts = a.hostnames;
    if hosts.is_empty() {
        let public_host = cfg
            .server
            .public_url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split(['/', '?']).next())
            .map(|authority| match authority.rsplit_once(':') {
                Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h.to_owned(),
                _ => authority.to_owned(),
            })
            .unwrap_or_default();
        for h in [public_host.as_str(), "localhost", "127.0.0.1"] {
            let h = h.trim_start_matches('[').trim_end_matches(']');
            if !h.is_empty() && !hosts.iter().any(|x| x == h) {
                hosts.push(h.to_owned());
            }
        }
    }
    if let Some(bad) =
        hosts.iter().find(|h| h.is_empty() || h.contains(['/', ' ', ':']) && h.parse::<std::net::IpAddr>().is_err())
    {
        return Err(err(2, format!("--hostname: `{bad}` is not a host name or IP address")));
    }
    let mut params = rcgen::CertificateParams::new(hosts.clone()).map_err(|e| err(2, format!("--hostname: {e}")))?;
    params.distinguished_name.push(rcgen::DnType::CommonName, hosts[0].clone());
    params.distinguished_name.push(rcgen::DnType::OrganizationName, "Tessera (self-signed)");
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(i64::from(a.days));
    let key = rcgen::KeyPair::generate().map_err(|e| err(1, format!("cannot generate a key: {e}")))?;
    let cert = params.self_signed(&key).map_err(|e| err(1, format!("cannot sign the certificate: {e}")))?;
    std::fs::create_dir_all(&dir).map_err(|e| err(1, format!("cannot create {}: {e}", dir.display())))?;
    write_private(&key_path, key.serialize_pem().as_bytes(), 0o600)?;
    write_private(&cert_path, cert.pem().as_bytes(), 0o644)?;
    println!("wrote certificate {} (for {}; valid for {} days)", cert_path.display(), hosts.join(", "), a.days);
    println!("wrote private key {} (mode 0600)", key_path.display());
    println!("\nUse them with these lines in the [server] section of the configuration:");
    println!("tls_cert = \"{}\"\ntls_key = \"{}\"", cert_path.display(), key_path.display());
    Ok(())
}

/// Writes a file atomically (temporary file, then rename) with `mode`.
fn write_private(path: &Path, bytes: &[u8], mode: u32) -> Result<(), CliError> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| err(1, format!("cannot write {}: {e}", tmp.display())))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| err(1, format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| err(1, format!("cannot write {}: {e}", path.display())))
}

// ---------------------------------------------------------------------------------------------
// doctor

fn doctor(cfg: &Config, config_path: Option<&Path>) -> Result<(), CliError> {
    use tessera_app::health::{self, Examined, Level};
    let mut settings = crate::server::doctor_settings(cfg);
    settings.config_file = config_file(config_path);
    let mut found = Vec::new();
    // Nothing is created or migrated here: a missing SQLite file is said, not made.
    let db_file_ok = health::doctor_files(&settings, &mut found);
    let database = db_file_ok
        .then(|| Db::open(&cfg.database.url, 1).and_then(|db| db.conn().map(|_| db)).map_err(|e| e.to_string()));
    let dir = plugins_dir(cfg);
    let opened = dir.is_dir().then(|| {
        tessera_policy::PolicyRegistry::open(&dir, tessera_policy::Limits::default()).map_err(|e| e.to_string())
    });
    let plugins = match &opened {
        None => None,
        Some(Ok((registry, report))) => Some(Ok((registry, report.failed.clone()))),
        Some(Err(e)) => Some(Err(e.clone())),
    };
    let tls_loads = |cert: &Path, key: &Path| -> Result<(), String> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key))
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    health::doctor_services(&settings, Examined { database, plugins, tls_loads: &tls_loads }, &mut found);
    let catalogues = tessera_app::i18n::Catalogues::load().map_err(|e| err(1, e))?;
    let en = tessera_domain::Locale::En;
    for x in &found {
        println!(
            "{:<8} {:<13} {}",
            x.level.code(),
            x.area_name(&catalogues, en).to_lowercase(),
            x.text(&catalogues, en)
        );
    }
    let errors = found.iter().filter(|x| x.level == Level::Error).count();
    let warnings = found.iter().filter(|x| x.level == Level::Warning).count();
    if errors > 0 {
        return Err(err(1, format!("doctor found {errors} problem(s) and {warnings} warning(s)")));
    }
    println!("\nno problems found ({warnings} warning(s))");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// backup and restore

/// What a backup holds, written first in the archive as `manifest.json`.
#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    /// Always "tessera-backup".
    format: String,
    /// The layout's version.
    version: u32,
    /// The version of Tessera that wrote it.
    tessera: String,
    created_at: chrono::DateTime<chrono::Utc>,
    /// `sqlite` or `postgres`.
    backend: String,
    /// The database's file in the archive.
    database: String,
    /// Migrations applied to the database when it was saved.
    migrations_pending: usize,
    /// The configuration file in the archive, if one was in use.
    config: Option<String>,
    /// The plugin files in the archive (under `plugins/`).
    plugins: Vec<String>,
    /// Why the search indexes are not in it.
    search_index: String,
}

const MANIFEST_FORMAT: &str = "tessera-backup";
const MANIFEST_VERSION: u32 = 1;

fn backup(cfg: &Config, config_path: Option<&Path>, a: BackupArgs) -> Result<(), CliError> {
    if a.to.exists() && !a.force {
        return Err(err(4, format!("--to: {} exists: add --force to replace it", a.to.display())));
    }
    let parent = a.to.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(err(2, format!("--to: the folder {} does not exist", parent.display())));
    }
    let url = DatabaseUrl::parse(&cfg.database.url).map_err(|e| err(3, e.to_string()))?;
    // Staging beside the target, so a large database is never copied across file systems.
    let stage = tempfile::Builder::new().prefix(".tessera-backup-").tempdir_in(parent)?;
    let s = stage.path();
    let (backend, database) = match &url {
        DatabaseUrl::Sqlite(path) => {
            if !Path::new(path).is_file() {
                return Err(err(5, format!("the database {path} does not exist")));
            }
            let db = Db::open(&cfg.database.url, 1)?;
            let out = s.join("database.sqlite");
            let sql = format!("VACUUM INTO '{}'", out.display().to_string().replace('\'', "''"));
            // An online, consistent copy: readers and the writer carry on meanwhile.
            db.conn()?.batch_execute(&sql).map_err(|e| err(1, format!("cannot copy the SQLite database: {e}")))?;
            ("sqlite", "database.sqlite")
        }
        DatabaseUrl::Postgres(u) => {
            let out = s.join("database.pgdump");
            let mut cmd = pg_command("pg_dump", u);
            cmd.args(["--format=custom", "--no-owner", "--no-privileges", "--file"]).arg(&out);
            run_tool(cmd, "pg_dump")?;
            ("postgres", "database.pgdump")
        }
    };
    let pending = Db::open(&cfg.database.url, 1).and_then(|db| db.pending_migrations()).unwrap_or(0);
    let config = match config_file(config_path) {
        Some(p) => {
            std::fs::create_dir_all(s.join("config"))?;
            std::fs::copy(&p, s.join("config/tessera.toml"))
                .map_err(|e| err(1, format!("cannot read the configuration {}: {e}", p.display())))?;
            Some("config/tessera.toml".to_owned())
        }
        None => None,
    };
    let mut plugins = Vec::new();
    let pdir = plugins_dir(cfg);
    std::fs::create_dir_all(s.join("plugins"))?;
    if let Ok(entries) = std::fs::read_dir(&pdir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let keep = name.ends_with(".wasm") || name.ends_with(".toml");
            if keep && e.file_type().map(|t| t.is_file() || t.is_symlink()).unwrap_or(false) {
                // Copying follows a symlink (the Debian package links the shipped plugins).
                std::fs::copy(e.path(), s.join("plugins").join(&name))?;
                plugins.push(name);
            }
        }
    }
    plugins.sort();
    let manifest = Manifest {
        format: MANIFEST_FORMAT.into(),
        version: MANIFEST_VERSION,
        tessera: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now(),
        backend: backend.into(),
        database: database.into(),
        migrations_pending: pending,
        config,
        plugins,
        search_index: "not included: search indexes are rebuilt from the database".into(),
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| err(1, e.to_string()))?;
    std::fs::write(s.join("manifest.json"), json)?;

    let tmp = s.join("backup.tar.gz");
    {
        let file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        tar.append_path_with_name(s.join("manifest.json"), "manifest.json")?;
        tar.append_path_with_name(s.join(database), database)?;
        if manifest.config.is_some() {
            tar.append_path_with_name(s.join("config/tessera.toml"), "config/tessera.toml")?;
        }
        tar.append_dir_all("plugins", s.join("plugins"))?;
        let gz = tar.into_inner()?;
        gz.finish()?.sync_all()?;
    }
    std::fs::rename(&tmp, &a.to)?;
    let size = std::fs::metadata(&a.to).map(|m| m.len()).unwrap_or(0);
    println!(
        "wrote {} ({} KiB): {} database, {}configuration, {} plugin file(s)",
        a.to.display(),
        size / 1024,
        backend,
        if manifest.config.is_some() { "" } else { "no " },
        manifest.plugins.len()
    );
    println!("search indexes are not in the backup: they are rebuilt from the database");
    Ok(())
}

fn restore(cfg: &Config, a: RestoreArgs) -> Result<(), CliError> {
    let file = std::fs::File::open(&a.from).map_err(|e| {
        err(if a.from.exists() { 1 } else { 5 }, format!("--from: cannot open {}: {e}", a.from.display()))
    })?;
    if let Some(p) = &a.config_to
        && p.exists()
        && !a.force
    {
        return Err(err(4, format!("--config-to: {} exists: add --force to replace it", p.display())));
    }
    std::fs::create_dir_all(&cfg.data_dir)
        .map_err(|e| err(1, format!("cannot create the data folder {}: {e}", cfg.data_dir.display())))?;
    let stage = tempfile::Builder::new().prefix(".tessera-restore-").tempdir_in(&cfg.data_dir)?;
    let s = stage.path();
    // `unpack` refuses entries that would land outside the folder (absolute paths, `..`).
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(s)
        .map_err(|e| err(2, format!("--from: {} is not a readable Tessera backup: {e}", a.from.display())))?;
    let manifest: Manifest = std::fs::read(s.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|m: &Manifest| m.format == MANIFEST_FORMAT)
        .ok_or_else(|| err(2, format!("--from: {} has no Tessera backup manifest", a.from.display())))?;
    if manifest.version != MANIFEST_VERSION {
        return Err(err(
            2,
            format!(
                "--from: backup layout version {} is not supported (expected {MANIFEST_VERSION})",
                manifest.version
            ),
        ));
    }
    let dump = s.join(&manifest.database);
    if !dump.starts_with(s) || !dump.is_file() {
        return Err(err(2, "--from: the backup's database file is missing"));
    }
    let url = DatabaseUrl::parse(&cfg.database.url).map_err(|e| err(3, e.to_string()))?;
    match (&url, manifest.backend.as_str()) {
        (DatabaseUrl::Sqlite(path), "sqlite") => {
            let path = Path::new(path);
            if path.exists() && !a.force {
                return Err(err(
                    4,
                    format!("the database {} exists: stop the server, then add --force to replace it", path.display()),
                ));
            }
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let incoming = path.with_extension("restoring");
            std::fs::copy(&dump, &incoming)?;
            std::fs::set_permissions(&incoming, std::fs::Permissions::from_mode(0o600))?;
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(side));
            }
            std::fs::rename(&incoming, path)?;
        }
        (DatabaseUrl::Postgres(u), "postgres") => {
            let db = Db::open(u, 1)?;
            let holds_data = {
                use diesel::prelude::*;
                #[derive(QueryableByName)]
                struct N {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    n: i64,
                }
                let mut c = db.conn()?;
                diesel::sql_query(
                    "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
                )
                .get_result::<N>(&mut *c)
                .map_err(|e| err(1, format!("cannot read the target database: {e}")))?
                .n > 0
            };
            drop(db);
            if holds_data && !a.force {
                return Err(err(4, "the database holds tables: stop the server, then add --force to replace them"));
            }
            let mut cmd = pg_command("pg_restore", u);
            cmd.args(["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]);
            if holds_data {
                cmd.args(["--clean", "--if-exists"]);
            }
            cmd.arg(&dump);
            run_tool(cmd, "pg_restore")?;
        }
        (_, other) => {
            let here = if url.is_sqlite() { "sqlite" } else { "postgres" };
            return Err(err(
                2,
                format!(
                    "--from: the backup holds a {other} database but database.url is {here}: restore it into a {other} \
                 database (then `tessera migrate-db` to move it)"
                ),
            ));
        }
    }
    // Plugins back into the plugins folder (same names replaced, others left alone).
    let pdir = plugins_dir(cfg);
    std::fs::create_dir_all(&pdir)?;
    for name in &manifest.plugins {
        let src = s.join("plugins").join(name);
        if name.contains('/') || !src.is_file() {
            continue;
        }
        let dst = pdir.join(name);
        let tmp = pdir.join(format!(".{name}.restoring"));
        std::fs::copy(&src, &tmp)?;
        // A symlinked shipped plugin is replaced by the backed-up file itself.
        let _ = std::fs::remove_file(&dst);
        std::fs::rename(&tmp, &dst)?;
    }
    if let Some(p) = &a.config_to {
        match &manifest.config {
            Some(c) => {
                let bytes = std::fs::read(s.join(c))?;
                write_private(p, &bytes, 0o640)?;
                println!("wrote the backed-up configuration to {}", p.display());
            }
            None => println!("the backup holds no configuration file (it ran on defaults and TESSERA_* variables)"),
        }
    }
    // A backup from an older version is brought up to this version's schema.
    let db = crate::server::open_database(cfg)?;
    let tenants = tessera_storage::repo::tenants::list(&mut *db.conn()?)?.len();
    println!(
        "restored {} ({} database of {}, Tessera {}): {} tenant(s), {} plugin file(s)",
        a.from.display(),
        manifest.backend,
        manifest.created_at.format("%Y-%m-%d %H:%M UTC"),
        manifest.tessera,
        tenants,
        manifest.plugins.len()
    );
    println!("search indexes are rebuilt from the database (at start, or with `tessera reindex`)");
    Ok(())
}

/// A libpq tool (`pg_dump`, `pg_restore`) for `url`, with the password passed in the
/// environment rather than on the command line, where other users could read it.
fn pg_command(tool: &str, url: &str) -> Command {
    let mut cmd = Command::new(tool);
    let (clean, password) = split_password(url);
    if let Some(pw) = password {
        cmd.env("PGPASSWORD", pw);
    }
    cmd.arg("--dbname").arg(clean);
    cmd
}

/// `postgres://user:pw@host/db` -> (`postgres://user@host/db`, `pw` percent-decoded).
fn split_password(url: &str) -> (String, Option<String>) {
    if let (Some(scheme_end), Some(at)) = (url.find("://"), url.rfind('@'))
        && at > scheme_end
        && let Some((user, pw)) = url[scheme_end + 3..at].split_once(':')
    {
        let clean = format!("{}{}{}", &url[..scheme_end + 3], user, &url[at..]);
        return (clean, Some(percent_decode(pw)));
    }
    (url.to_owned(), None)
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn run_tool(mut cmd: Command, tool: &str) -> Result<(), CliError> {
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            err(1, format!("{tool} is not installed: install the Debian package postgresql-client"))
        } else {
            err(1, format!("cannot run {tool}: {e}"))
        }
    })?;
    if !out.status.success() {
        return Err(err(1, format!("{tool} failed: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// migrate-db

fn migrate_db(a: MigrateDbArgs) -> Result<(), CliError> {
    let from = DatabaseUrl::parse(&a.from).map_err(|e| err(2, format!("--from: {e}")))?;
    let to = DatabaseUrl::parse(&a.to).map_err(|e| err(2, format!("--to: {e}")))?;
    let DatabaseUrl::Sqlite(path) = &from else {
        return Err(err(2, "--from: expected a sqlite:// database (the copy goes from SQLite to PostgreSQL)"));
    };
    if to.is_sqlite() {
        return Err(err(2, "--to: expected a postgres:// database"));
    }
    if a.batch_rows == 0 {
        return Err(err(2, "--batch-rows: expected at least 1"));
    }
    if !Path::new(path).is_file() {
        return Err(err(5, format!("--from: {path} does not exist")));
    }
    let source = Db::open(&a.from, 1)?;
    let pending = source.pending_migrations()?;
    if pending > 0 {
        return Err(err(
            2,
            format!("--from: the source has {pending} pending migration(s): run `tessera migrate` with it first"),
        ));
    }
    let target = Db::open(&a.to, 1).map_err(|e| err(1, format!("--to: {e}")))?;
    target.migrate().map_err(|e| err(1, format!("--to: {e}")))?;
    let (mut s, mut t) = (source.conn()?, target.conn()?);
    let (DbConnection::Sqlite(src), DbConnection::Pg(dst)) = (&mut *s, &mut *t) else {
        return Err(err(2, "expected --from sqlite:// and --to postgres://"));
    };
    println!("copying {} into {}", a.from, tessera_storage::redact_url(&a.to));
    let counts = tessera_storage::transfer::copy_sqlite_to_postgres(src, dst, a.batch_rows, |c| {
        println!("  {:<24} {:>9} row(s)", c.table, c.rows);
    })?;
    let total: i64 = counts.iter().map(|c| c.rows).sum();
    println!(
        "copied {} table(s), {total} row(s); row counts verified. Set database.url to the new database and restart.",
        counts.len()
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// healthcheck

fn healthcheck(cfg: &Config, wait: u64) -> Result<(), CliError> {
    use std::io::Read;
    use std::time::{Duration, Instant};
    let mut addr = cfg.listen_addr()?;
    // A server listening on every address is asked on the loopback one.
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    let deadline = Instant::now() + Duration::from_secs(wait);
    let tls = cfg.server.tls_cert.is_some();
    let probe = || -> Result<(), String> {
        let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(|e| e.to_string())?;
        if tls {
            return Ok(());
        }
        s.set_read_timeout(Some(Duration::from_secs(5))).map_err(|e| e.to_string())?;
        s.write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n").map_err(|e| e.to_string())?;
        let mut answer = String::new();
        s.read_to_string(&mut answer).map_err(|e| e.to_string())?;
        match answer.split_whitespace().nth(1) {
            Some("200") => Ok(()),
            other => Err(format!("answered {}", other.unwrap_or("nothing"))),
        }
    };
    loop {
        match probe() {
            Ok(()) => {
                println!("ok: http{}://{addr}/healthz", if tls { "s" } else { "" });
                return Ok(());
            }
            Err(e) if Instant::now() >= deadline => return Err(err(1, format!("{addr}/healthz: {e}"))),
            Err(_) => std::thread::sleep(Duration::from_millis(250)),
        }
    }
}
