//! Commands of the Results Verification Service: `reindex`, `org`.

use super::{CliError, tenant_by_code};
use crate::config::Config;
use crate::indexer;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tessera_domain::{TenantId, TenantKind};

/// `tessera reindex [--tenant T]`.
#[derive(Debug, Args)]
pub struct Reindex {
    /// Only this verifier organisation's index (its code); default: every verifier.
    #[arg(long)]
    pub tenant: Option<String>,
}

/// Rebuilds search indexes from the database, with a progress bar per index. When the server on
/// this machine owns the search folder, the rebuild is handed to it (see
/// [`indexer::RebuildRequest`]): its searches keep answering from the old index until the new
/// one is complete.
pub fn reindex(cfg: &Config, a: Reindex) -> Result<(), CliError> {
    let db = crate::server::open_database(cfg)?;
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
    let root = crate::server::search_dir(cfg);
    let search = match tessera_search::SearchIndexes::open(&root, cfg.search.max_open_indexes) {
        Ok(s) => Some(s),
        Err(tessera_search::SearchError::FolderInUse(_)) => {
            println!("The server on this machine owns the search indexes: it rebuilds them.");
            None
        }
        Err(e) => return Err(CliError::new(1, format!("cannot open the search folder {}: {e}", root.display()))),
    };
    for t in targets {
        let bar = ProgressBar::new(0).with_style(style.clone()).with_message(t.slug.clone());
        let started = std::time::Instant::now();
        let n = match &search {
            Some(search) => indexer::rebuild(&db, search, t.id, |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .map_err(|e| CliError::new(1, format!("{e:#}")))?,
            None => by_the_server(&root, t.id, &t.slug, &bar)?,
        };
        bar.finish();
        println!("{}: {n} shared result(s) indexed in {:.1} s", t.slug, started.elapsed().as_secs_f64());
    }
    Ok(())
}

/// How long the server may take to notice a rebuild request (its indexer looks between passes).
const PICK_UP_WITHIN: std::time::Duration = std::time::Duration::from_secs(30);

/// Asks the running server to rebuild `tenant`'s index and follows its progress.
fn by_the_server(root: &std::path::Path, tenant: TenantId, slug: &str, bar: &ProgressBar) -> Result<u64, CliError> {
    use indexer::{RebuildRequest, RequestState};
    let file = indexer::request_file(root, tenant);
    let id = uuid::Uuid::new_v4().to_string();
    let request = RebuildRequest { id: id.clone(), state: RequestState::Requested, done: 0, total: 0, error: None };
    indexer::write_request(&file, &request)
        .map_err(|e| CliError::new(1, format!("cannot write the rebuild request {}: {e}", file.display())))?;
    let asked = std::time::Instant::now();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(100));
        let Some(now) = indexer::read_request(&file) else {
            if file.exists() {
                continue; // being replaced
            }
            return Err(CliError::new(1, format!("the rebuild request of `{slug}` was removed before it finished")));
        };
        if now.id != id {
            return Err(CliError::new(1, format!("another `tessera reindex` took over the rebuild of `{slug}`")));
        }
        match now.state {
            RequestState::Requested if asked.elapsed() > PICK_UP_WITHIN => {
                let _ = std::fs::remove_file(&file);
                return Err(CliError::new(
                    4,
                    format!(
                        "the process that owns {} did not take the rebuild of `{slug}` within {} s; is the \
                         server running and healthy? (nothing was changed)",
                        root.display(),
                        PICK_UP_WITHIN.as_secs()
                    ),
                ));
            }
            RequestState::Requested => {}
            RequestState::Running => {
                bar.set_length(now.total.max(now.done));
                bar.set_position(now.done);
            }
            RequestState::Done => {
                let _ = std::fs::remove_file(&file);
                return Ok(now.done);
            }
            RequestState::Failed => {
                let _ = std::fs::remove_file(&file);
                let why = now.error.unwrap_or_default();
                return Err(CliError::new(1, format!("the server could not rebuild the index of `{slug}`: {why}")));
            }
        }
    }
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
    /// List organisations' requests for API access (R-API), pending first.
    ApiRequests,
    /// Approve an organisation's pending request for API access; its primary user is emailed.
    ApproveApi {
        /// The organisation's code.
        code: String,
    },
    /// Refuse an organisation's pending request for API access; its primary user is emailed.
    RejectApi {
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
        OrgCommand::ApiRequests => {
            println!("{:<24} {:<10} {:<20} PURPOSE", "CODE", "STATUS", "REQUESTED");
            for (t, r) in tessera_storage::repo::api_access::all(&mut conn)? {
                println!(
                    "{:<24} {:<10} {:<20} {}",
                    t.slug,
                    r.decision.as_deref().unwrap_or("pending"),
                    r.requested_at.format("%Y-%m-%d %H:%M:%S"),
                    r.purpose
                );
            }
            Ok(())
        }
        OrgCommand::ApproveApi { code } => decide_api(&mut conn, &code, true),
        OrgCommand::RejectApi { code } => decide_api(&mut conn, &code, false),
    }
}

fn decide_api(conn: &mut tessera_storage::DbConnection, code: &str, approve: bool) -> Result<(), CliError> {
    let templates = tessera_app::templates::Templates::load().map_err(|e| CliError::new(1, e))?;
    let slug = code.to_ascii_lowercase();
    match tessera_app::verifier::decide_api_access_on(conn, &templates, &slug, approve, "cli", chrono::Utc::now()) {
        Ok(v) => {
            println!("API access of `{}` ({}) {}", v.organisation, v.organisation_name, v.status);
            Ok(())
        }
        Err(tessera_storage::StorageError::NotFound) => {
            Err(CliError::new(5, format!("no verifier organisation with the code `{code}` asked for API access")))
        }
        Err(e) => Err(e.into()),
    }
}

fn decide(cfg: &Config, conn: &mut tessera_storage::DbConnection, code: &str, approve: bool) -> Result<(), CliError> {
    let templates = tessera_app::templates::Templates::load().map_err(|e| CliError::new(1, e))?;
    let public_url = cfg.server.public_url.trim_end_matches('/');
    let slug = code.to_ascii_lowercase();
    match tessera_app::organisations::decide(conn, &templates, public_url, &slug, approve, "cli", chrono::Utc::now()) {
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
