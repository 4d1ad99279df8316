//! Whether this process can serve (the database answers and its schema is current), and the
//! doctor: the checks `tessera doctor` prints and the installation admin's health page shows.

use crate::state::AppState;

/// What readiness found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Ready to serve.
    Ready,
    /// This many migrations have not run yet.
    MigrationsPending(usize),
    /// The database did not answer (why).
    DatabaseUnavailable(String),
}

/// Checks the database and its schema (off the async runtime).
pub async fn readiness(state: &AppState) -> Readiness {
    let db = state.db.clone();
    match tokio::task::spawn_blocking(move || db.pending_migrations()).await {
        Ok(Ok(0)) => Readiness::Ready,
        Ok(Ok(n)) => Readiness::MigrationsPending(n),
        Ok(Err(e)) => Readiness::DatabaseUnavailable(e.to_string()),
        Err(e) => Readiness::DatabaseUnavailable(e.to_string()),
    }
}

/// Whether a database (the primary) answers within `within`; why not, when it does not.
pub async fn database_answers(state: &AppState, within: std::time::Duration) -> Result<(), String> {
    match tokio::time::timeout(within, state.db.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} ms", within.as_millis())),
    }
}

// ---------------------------------------------------------------------------------------------
// The doctor: what `tessera doctor` prints and the installation admin's health page shows.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tessera_storage::Db;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// As it should be.
    Ok,
    /// Works, but should be looked at.
    Warning,
    /// Does not work, or is unsafe.
    Error,
}

impl Level {
    /// `ok`, `warning` or `error`.
    pub fn code(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// One finding: its level, its area (`configuration`, `data_folder`, `disk`, `database`,
/// `jobs`, `plugins`, `tls`, `mail`) and its words (`doctor.<key>` in the catalogues, with
/// `args` filled in), so that each reader gets it in their language.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    /// How bad.
    pub level: Level,
    /// The area's code (`doctor.area.<area>` names it).
    pub area: &'static str,
    /// The message's key under `doctor.`.
    pub key: &'static str,
    /// The message's parameters.
    pub args: Vec<(&'static str, String)>,
}

impl Finding {
    /// The finding in words, in `locale`.
    pub fn text(&self, catalogues: &crate::i18n::Catalogues, locale: tessera_domain::Locale) -> String {
        let mut text = catalogues.text(locale, &format!("doctor.{}", self.key)).to_owned();
        for (name, value) in &self.args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// The area's name, in `locale`.
    pub fn area_name(&self, catalogues: &crate::i18n::Catalogues, locale: tessera_domain::Locale) -> String {
        catalogues.text(locale, &format!("doctor.area.{}", self.area)).to_owned()
    }
}

/// Where the mail goes.
#[derive(Debug, Clone)]
pub enum MailTarget {
    /// An SMTP server, `host:port`.
    Smtp(String),
    /// Files in this folder (development).
    Files(PathBuf),
}

impl Default for MailTarget {
    fn default() -> Self {
        Self::Files(PathBuf::from("data/mail"))
    }
}

/// What the doctor looks at, from the configuration.
#[derive(Debug, Clone, Default)]
pub struct DoctorSettings {
    /// The configuration file, if one was read.
    pub config_file: Option<PathBuf>,
    /// Whether the configuration holds secrets (a mail password, the metrics token, a database
    /// password).
    pub config_has_secrets: bool,
    /// The data folder.
    pub data_dir: PathBuf,
    /// The plugins folder.
    pub plugins_dir: PathBuf,
    /// The database, as shown (its password removed).
    pub database_shown: String,
    /// The database file, for SQLite.
    pub sqlite_file: Option<String>,
    /// The TLS certificate and key, when the server speaks TLS itself.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// Where the mail goes.
    pub mail: MailTarget,
}

/// The database and plugins the doctor examines: the command line opens them afresh, the
/// running server passes its own.
pub struct Examined<'a> {
    /// The database, or why it could not be opened (`None`: do not try, the file is missing).
    pub database: Option<Result<Db, String>>,
    /// The loaded plugins with the ones that failed to load, or why the folder could not be read
    /// (`None` when the folder does not exist).
    pub plugins: Option<Result<(&'a tessera_policy::PolicyRegistry, Vec<tessera_policy::PolicyError>), String>>,
    /// Whether the TLS pair loads (the server's TLS stack judges it).
    pub tls_loads: &'a dyn Fn(&Path, &Path) -> Result<(), String>,
}

struct Findings(Vec<Finding>);

impl Findings {
    fn add(&mut self, level: Level, area: &'static str, key: &'static str, args: &[(&'static str, String)]) {
        self.0.push(Finding { level, area, key, args: args.to_vec() });
    }
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

/// Checks the configuration file, the data folder, the free space, the database and its job
/// queue, the plugins and their assignments, TLS and mail. Reads only (nothing is created,
/// migrated or repaired). The first half, up to the database, runs before it is opened, so a
/// missing SQLite file is said as such.
pub fn doctor_files(s: &DoctorSettings, f_out: &mut Vec<Finding>) -> bool {
    let mut f = Findings(Vec::new());
    let me = rustix::process::geteuid().as_raw();
    match &s.config_file {
        Some(p) => {
            let path = shown(p);
            f.add(Level::Ok, "configuration", "config_valid", &[("path", path.clone())]);
            match std::fs::metadata(p) {
                Ok(m) => {
                    let mode = m.permissions().mode() & 0o777;
                    let args = [("path", path.clone()), ("mode", format!("{mode:o}"))];
                    if mode & 0o002 != 0 {
                        f.add(Level::Error, "configuration", "config_world_writable", &args);
                    } else if mode & 0o004 != 0 && s.config_has_secrets {
                        f.add(Level::Error, "configuration", "config_secrets_readable", &args);
                    } else if mode & 0o004 != 0 {
                        f.add(Level::Warning, "configuration", "config_readable", &args);
                    } else {
                        f.add(Level::Ok, "configuration", "config_mode", &args);
                    }
                }
                Err(e) => f.add(
                    Level::Error,
                    "configuration",
                    "config_unreadable",
                    &[("path", path), ("error", e.to_string())],
                ),
            }
        }
        None => f.add(Level::Ok, "configuration", "config_none", &[]),
    }

    let data = &s.data_dir;
    let path = shown(data);
    let data_ok = match std::fs::metadata(data) {
        Ok(m) if m.is_dir() => {
            let mode = m.permissions().mode() & 0o777;
            let args = [("path", path.clone()), ("mode", format!("{mode:o}"))];
            if mode & 0o002 != 0 {
                f.add(Level::Error, "data_folder", "data_world_writable", &args);
            } else if mode & 0o005 != 0 {
                f.add(Level::Warning, "data_folder", "data_open", &args);
            } else {
                f.add(Level::Ok, "data_folder", "data_mode", &args);
            }
            if m.uid() != me {
                let args = [("path", path.clone()), ("owner", m.uid().to_string()), ("me", me.to_string())];
                f.add(Level::Warning, "data_folder", "data_owner", &args);
            }
            let probe = data.join(format!(".doctor-{}", std::process::id()));
            match std::fs::write(&probe, b"") {
                Ok(()) => {
                    let _ = std::fs::remove_file(&probe);
                    f.add(Level::Ok, "data_folder", "data_writable", &[("path", path.clone())]);
                }
                Err(e) => f.add(
                    Level::Error,
                    "data_folder",
                    "data_not_writable",
                    &[("path", path.clone()), ("error", e.to_string())],
                ),
            }
            true
        }
        Ok(_) => {
            f.add(Level::Error, "data_folder", "data_not_folder", &[("path", path)]);
            false
        }
        Err(e) => {
            f.add(Level::Error, "data_folder", "data_missing", &[("path", path), ("error", e.to_string())]);
            false
        }
    };
    if data_ok {
        match rustix::fs::statvfs(data) {
            Ok(st) => {
                let free = st.f_bavail.saturating_mul(st.f_frsize);
                let total = st.f_blocks.saturating_mul(st.f_frsize).max(1);
                let pct = free as f64 * 100.0 / total as f64;
                let args = [("gib", format!("{:.1}", free as f64 / 1073741824.0)), ("pct", format!("{pct:.0}"))];
                let level = if free < 256 << 20 {
                    Level::Error
                } else if free < 1 << 30 || pct < 5.0 {
                    Level::Warning
                } else {
                    Level::Ok
                };
                f.add(level, "disk", "disk_free", &args);
            }
            Err(e) => f.add(Level::Warning, "disk", "disk_unknown", &[("error", e.to_string())]),
        }
    }
    // A SQLite file: there, and not open to everyone.
    let mut db_file_ok = true;
    if let Some(file) = &s.sqlite_file {
        match std::fs::metadata(file) {
            Ok(m) if m.permissions().mode() & 0o004 != 0 => {
                f.add(Level::Warning, "database", "db_file_readable", &[("path", file.clone())])
            }
            Ok(_) => {}
            Err(_) => {
                f.add(Level::Error, "database", "db_file_missing", &[("path", file.clone())]);
                db_file_ok = false;
            }
        }
    }
    f_out.extend(f.0);
    db_file_ok
}

/// The rest of the doctor, on the database and plugins it was given (see [`doctor_files`]).
pub fn doctor_services(s: &DoctorSettings, x: Examined<'_>, f_out: &mut Vec<Finding>) {
    let mut f = Findings(Vec::new());
    let db_shown = s.database_shown.clone();
    let db = match x.database {
        None => None,
        Some(Err(e)) => {
            f.add(Level::Error, "database", "db_unreachable", &[("db", db_shown.clone()), ("error", e)]);
            None
        }
        Some(Ok(db)) => {
            match db.pending_migrations() {
                Ok(0) => f.add(Level::Ok, "database", "db_ok", &[("db", db_shown.clone())]),
                Ok(n) => {
                    f.add(Level::Error, "database", "db_pending", &[("db", db_shown.clone()), ("n", n.to_string())])
                }
                Err(e) => f.add(
                    Level::Error,
                    "database",
                    "db_unreachable",
                    &[("db", db_shown.clone()), ("error", e.to_string())],
                ),
            }
            match db
                .conn()
                .map_err(|e| e.to_string())
                .and_then(|mut c| tessera_storage::repo::jobs::counts(&mut c).map_err(|e| e.to_string()))
            {
                Ok(counts) => {
                    let count = |s: &str| counts.iter().find(|(st, _)| st == s).map(|(_, n)| *n).unwrap_or(0);
                    let (queued, failed) = (count("queued"), count("failed"));
                    let level = if failed > 0 { Level::Warning } else { Level::Ok };
                    f.add(
                        level,
                        "jobs",
                        "jobs_counts",
                        &[("queued", queued.to_string()), ("failed", failed.to_string())],
                    );
                }
                Err(e) => f.add(Level::Warning, "jobs", "jobs_unknown", &[("error", e)]),
            }
            Some(db)
        }
    };

    let dir = shown(&s.plugins_dir);
    match x.plugins {
        None => f.add(Level::Error, "plugins", "plugins_missing_dir", &[("path", dir)]),
        Some(Err(e)) => f.add(Level::Error, "plugins", "plugins_unreadable", &[("path", dir), ("error", e)]),
        Some(Ok((registry, failed))) => {
            for e in failed {
                f.add(Level::Error, "plugins", "plugin_not_loaded", &[("error", e.to_string())]);
            }
            let loaded = registry.list();
            let names: Vec<_> = loaded.iter().map(|p| format!("{} v{}", p.name, p.version)).collect();
            if loaded.iter().any(|p| p.name == tessera_policy::BASELINE_PLUGIN) {
                let args = [("n", loaded.len().to_string()), ("path", dir), ("names", names.join(", "))];
                f.add(Level::Ok, "plugins", "plugins_loaded", &args);
            } else {
                let args = [("baseline", tessera_policy::BASELINE_PLUGIN.to_owned()), ("path", dir)];
                f.add(Level::Error, "plugins", "plugins_no_baseline", &args);
            }
            if let Some(db) = &db {
                assignments(db, registry, &mut f);
            }
        }
    }

    if let Some((cert, key)) = &s.tls {
        let (c, k) = (shown(cert), shown(key));
        match (x.tls_loads)(cert, key) {
            Ok(()) => f.add(Level::Ok, "tls", "tls_loads", &[("cert", c.clone()), ("key", k.clone())]),
            Err(e) => {
                f.add(Level::Error, "tls", "tls_broken", &[("cert", c.clone()), ("key", k.clone()), ("error", e)])
            }
        }
        if std::fs::metadata(key).is_ok_and(|m| m.permissions().mode() & 0o004 != 0) {
            f.add(Level::Error, "tls", "tls_key_readable", &[("key", k)]);
        }
    }

    match &s.mail {
        MailTarget::Smtp(target) => {
            let reachable = std::net::ToSocketAddrs::to_socket_addrs(target.as_str()).ok().and_then(|mut addrs| {
                addrs.find(|a| std::net::TcpStream::connect_timeout(a, std::time::Duration::from_secs(3)).is_ok())
            });
            match reachable {
                Some(_) => f.add(Level::Ok, "mail", "mail_ok", &[("target", target.clone())]),
                None => f.add(Level::Warning, "mail", "mail_unreachable", &[("target", target.clone())]),
            }
        }
        MailTarget::Files(dir) => f.add(Level::Warning, "mail", "mail_file", &[("path", shown(dir))]),
    }
    f_out.extend(f.0);
}

fn assignments(db: &Db, registry: &tessera_policy::PolicyRegistry, f: &mut Findings) {
    use tessera_storage::repo::{policy, tenants};
    let Ok(mut conn) = db.conn() else { return };
    let Ok(all) = tenants::list(&mut conn) else { return };
    let mut count = 0;
    for t in all {
        for a in policy::list(&mut conn, t.id).unwrap_or_default() {
            count += 1;
            let decides = registry.info(&a.plugin).map(|p| p.kinds.iter().any(|k| k.as_str() == a.kind));
            let args = [("tenant", t.slug.clone()), ("kind", a.kind.clone()), ("plugin", a.plugin.clone())];
            match decides {
                Some(true) => {}
                Some(false) => f.add(Level::Error, "plugins", "assignment_wrong_kind", &args),
                None => f.add(Level::Error, "plugins", "assignment_not_loaded", &args),
            }
        }
    }
    f.add(Level::Ok, "plugins", "assignments_checked", &[("n", count.to_string())]);
}

/// The installation admin's health page: the doctor on the running server (its database, its
/// loaded plugins, reloaded to list those that fail), findings worst first.
pub async fn doctor_page(state: &AppState, user: &crate::actor::Actor) -> Result<Vec<Finding>, crate::error::AppError> {
    user.require(&[tessera_domain::Role::InstallationAdmin])?;
    let (settings, db, registry) = (state.settings.doctor.clone(), state.db.clone(), state.policies.clone());
    let mut found = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        doctor_files(&settings, &mut out);
        let plugins = if settings.plugins_dir.is_dir() {
            let report = registry.reload();
            Some(Ok((&registry, report.failed)))
        } else {
            None
        };
        // The server's own TLS stack loaded the pair when it started.
        let loaded = |_: &Path, _: &Path| Ok(());
        doctor_services(&settings, Examined { database: Some(Ok(db)), plugins, tls_loads: &loaded }, &mut out);
        out
    })
    .await
    .map_err(crate::error::AppError::internal)?;
    found.sort_by_key(|f| std::cmp::Reverse(f.level));
    Ok(found)
}
