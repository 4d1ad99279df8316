//! Commands of the Results Verification Service: `reindex`, `org`.

use crate::cli::{CliError, tenant_by_code};
use crate::config::Config;
use crate::indexer;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tessera_domain::TenantKind;

/// `tessera reindex [--tenant T]`.
#[derive(Debug, Args)]
pub struct Reindex {
    /// Only this verifier organisation's index (its code); default: every verifier.
    #[arg(long)]
    pub tenant: Option<String>,
}

/// Rebuilds search indexes from the database, with a progress bar per index. The indexes belong
/// to the server process on this machine: stop it first (a running server holds them).
pub fn reindex(cfg: &Config, a: Reindex) -> Result<(), CliError> {
    let db = crate::server::open_database(cfg)?;
    let search = crate::server::open_search(cfg)?;
    let targets = match &a.tenant {
        Some(code) => {
            let t = tenant_by_code(&mut *db.conn()?, code)?;
            if t.kind != TenantKind::Verifier {
                return Err(CliError::new(
                    2,
                    format!("--tenant: `{code}` is a {}, not a verifier organisation", t.kind),
                ));
            }
            vec![t]
        }
        None => indexer::verifier_tenants(&db)?,
    };
    let style = ProgressStyle::with_template("{msg:<16} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)")
        .expect("a valid template")
        .progress_chars("=> ");
    for t in targets {
        let bar = ProgressBar::new(0).with_style(style.clone()).with_message(t.slug.clone());
        let started = std::time::Instant::now();
        let n = indexer::rebuild(&db, &search, t.id, |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .map_err(|e| match e.downcast_ref::<tessera_search::SearchError>() {
            Some(tessera_search::SearchError::Busy(_)) => CliError::new(
                4,
                format!(
                    "the search index of `{}` is in use: stop the server on this machine, then run reindex",
                    t.slug
                ),
            ),
            _ => CliError::new(1, format!("{e:#}")),
        })?;
        bar.finish();
        println!("{}: {n} shared result(s) indexed in {:.1} s", t.slug, started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// `tessera org ...`: verifier organisations' sign-up requests (R-ORG-SIGNUP).
#[derive(Debug, clap::Subcommand)]
pub enum OrgCommand {
    /// List sign-up requests.
    List {
        /// Only those not decided yet.
        #[arg(long)]
        pending: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Approve a pending organisation: it becomes active and its primary user gets a
    /// set-password email (sent by the running server's job worker).
    Approve {
        /// The organisation's code.
        code: String,
    },
    /// Reject a pending organisation (its applicant is told by email).
    Reject {
        /// The organisation's code.
        code: String,
    },
}

/// Runs an `org` command.
pub fn org(cfg: &Config, cmd: OrgCommand) -> Result<(), CliError> {
    let db = crate::server::open_database(cfg)?;
    let mut conn = db.conn()?;
    match cmd {
        OrgCommand::List { pending, json } => {
            let rows = tessera_storage::repo::organisations::signups(&mut conn, pending)?;
            if json {
                let v: Vec<_> = rows
                    .iter()
                    .map(|(t, s)| serde_json::json!({"code": t.slug, "name": t.name, "status": t.status, "signup": s}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&v).map_err(|e| CliError::new(1, e.to_string()))?);
            } else {
                println!("{:<24} {:<9} {:<11} {:<20} {:<32} NAME", "CODE", "STATUS", "TYPE", "REQUESTED", "APPLICANT");
                for (t, s) in rows {
                    println!(
                        "{:<24} {:<9} {:<11} {:<20} {:<32} {}",
                        t.slug,
                        t.status,
                        s.org_type,
                        s.submitted_at.format("%Y-%m-%d %H:%M:%S"),
                        s.email,
                        t.name
                    );
                }
            }
            Ok(())
        }
        OrgCommand::Approve { code } => decide(cfg, &mut conn, &code, true),
        OrgCommand::Reject { code } => decide(cfg, &mut conn, &code, false),
    }
}

fn decide(cfg: &Config, conn: &mut tessera_storage::DbConnection, code: &str, approve: bool) -> Result<(), CliError> {
    let templates = tessera_web::templates::Templates::load().map_err(|e| CliError::new(1, e))?;
    let public_url = cfg.server.public_url.trim_end_matches('/');
    let slug = code.to_ascii_lowercase();
    match tessera_web::organisations::decide(conn, &templates, public_url, &slug, approve, "cli", chrono::Utc::now()) {
        Ok(t) => {
            println!("{} `{}` ({})", if approve { "approved" } else { "rejected" }, t.slug, t.name);
            Ok(())
        }
        Err(tessera_storage::StorageError::NotFound) => {
            Err(CliError::new(5, format!("no verifier organisation has the code `{code}` or asked to join")))
        }
        Err(e) => Err(e.into()),
    }
}
