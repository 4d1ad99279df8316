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
