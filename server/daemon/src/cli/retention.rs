//! `tessera retention`: applies the retention policies now (the server also runs it daily).

use super::CliError;
use crate::config::Config;
use tessera_domain::TenantKind;
use tessera_storage::repo::tenants;

/// Runs the retention policies of every centre (or of `tenant`); with `dry_run`, only prints
/// what would be destroyed.
pub fn run(cfg: &Config, tenant: Option<String>, dry_run: bool) -> Result<(), CliError> {
    let db = crate::server::open_database(cfg)?;
    let registry = crate::server::open_policies(cfg)?;
    let mut conn = db.conn()?;
    let all = tenants::list(&mut conn)?;
    let chosen: Vec<_> = match &tenant {
        Some(code) => {
            let t = all
                .into_iter()
                .find(|t| t.slug == code.to_ascii_lowercase())
                .ok_or_else(|| CliError { code: 5, message: format!("--tenant: no tenant has the code `{code}`") })?;
            vec![t]
        }
        None => all.into_iter().filter(|t| t.kind == TenantKind::Centre).collect(),
    };
    let now = chrono::Utc::now();
    let mut total = 0;
    for t in chosen {
        let day = now.with_timezone(&t.timezone).date_naive();
        let purged = tessera_app::after_exam::run_retention(&mut conn, &registry, &t, &cfg.data_dir, day, now, dry_run)
            .map_err(|e| CliError {
                code: if e.code() == tessera_domain::ErrorCode::PolicyFailed { 6 } else { 1 },
                message: e.text(tessera_domain::Locale::En),
            })?;
        for p in &purged {
            println!(
                "{}{:<10} entry {} {:<24} due {} {}",
                if dry_run { "would purge " } else { "purged " },
                p.tenant,
                p.entry_id,
                p.data_class,
                p.due,
                p.rule.as_deref().unwrap_or("")
            );
        }
        total += purged.len();
    }
    println!("{} item(s) {}", total, if dry_run { "would be purged (dry run: nothing changed)" } else { "purged" });
    Ok(())
}
