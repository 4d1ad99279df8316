//! `tessera keys` (the centres' credential signing keys) and `tessera verify` (a Statement of
//! Results credential, offline or against the local database).

use super::CliError;
use crate::config::Config;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use tessera_app::credentials::{Verdict, Verification, keys, verify};
use tessera_storage::repo::tenants;

/// Credential signing keys.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make a new current signing key for a centre; the old ones stay published in its did:web
    /// document so that what they signed keeps verifying.
    Rotate {
        /// The centre (its code).
        #[arg(long)]
        tenant: String,
    },
    /// Print the public keys (of every centre, or of one) as JSON, for `tessera verify --keys`.
    Export {
        /// Only this centre.
        #[arg(long)]
        tenant: Option<String>,
    },
}

/// `tessera verify FILE`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The credential: a Statement of Results PDF or its JSON.
    pub file: PathBuf,
    /// Check offline with these keys (written by `tessera keys export`) instead of the database.
    #[arg(long)]
    pub keys: Option<PathBuf>,
    /// Print the verification as JSON.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn keys_command(cfg: &Config, cmd: KeysCommand) -> Result<(), CliError> {
    let db = crate::server::open_database(cfg)?;
    let mut conn = db.conn()?;
    match cmd {
        KeysCommand::Rotate { tenant } => {
            let wrap = keys::Wrapping::load_or_create(&cfg.data_dir)?;
            let t = tenants::by_slug(&mut conn, &tenant)
                .map_err(|_| CliError::new(2, format!("--tenant: no tenant `{tenant}`")))?;
            if t.kind != tessera_domain::TenantKind::Centre {
                return Err(CliError::new(
                    2,
                    format!("--tenant: `{tenant}` is not a centre: it issues no credentials"),
                ));
            }
            let id = keys::rotate_in(&mut conn, &t, &wrap, chrono::Utc::now())?;
            println!("{}: new signing key {id}; earlier keys keep verifying what they signed", t.slug);
            Ok(())
        }
        KeysCommand::Export { tenant } => {
            let out = keys::export(&mut conn, &cfg.server.public_url, tenant.as_deref())
                .map_err(|e| CliError::new(1, e.to_string()))?;
            if out.is_empty() {
                return Err(CliError::new(2, "no keys: no such centre, or no centre yet"));
            }
            println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "keys": out })).expect("json"));
            Ok(())
        }
    }
}

pub(crate) fn verify_command(cfg: &Config, a: VerifyArgs) -> Result<(), CliError> {
    let bytes =
        std::fs::read(&a.file).map_err(|e| CliError::new(2, format!("{}: cannot read: {e}", a.file.display())))?;
    let Some(doc) = verify::read_submission(&bytes) else {
        return Err(CliError::new(
            2,
            format!("{}: neither a credential (JSON) nor a PDF carrying one", a.file.display()),
        ));
    };
    let v = match &a.keys {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CliError::new(2, format!("--keys {}: cannot read: {e}", path.display())))?;
            #[derive(serde::Deserialize)]
            struct Exported {
                keys: Vec<keys::ExportedKey>,
            }
            let exported: Exported = serde_json::from_str(&text).map_err(|e| {
                CliError::new(2, format!("--keys {}: not keys written by `tessera keys export`: {e}", path.display()))
            })?;
            verify::verify_offline(&doc, &exported.keys)
        }
        None => {
            let db = crate::server::open_database(cfg)?;
            let mut conn = db.conn()?;
            verify::verify_in(&mut conn, &cfg.server.public_url, &doc, None, chrono::Utc::now())?
        }
    };
    print_verification(&v, a.json, a.keys.is_some());
    match v.verdict {
        Verdict::Valid => Ok(()),
        other => Err(CliError::new(1, format!("not valid: {}", words(other)))),
    }
}

fn words(v: Verdict) -> &'static str {
    match v {
        Verdict::Valid => "valid: signed by the centre it names and unchanged",
        Verdict::Revoked => "revoked by the centre that issued it",
        Verdict::Tampered => "tampered: it was changed after it was signed",
        Verdict::UnknownIssuer => "unknown issuer: signed by a key this installation does not know",
        Verdict::Unreadable => "not a credential",
    }
}

fn print_verification(v: &Verification, json: bool, offline: bool) {
    if json {
        println!("{}", serde_json::to_string_pretty(v).expect("json"));
        return;
    }
    println!("{}", words(v.verdict));
    if let Some(reason) = &v.revoked_reason {
        println!("reason: {reason}{}", v.revoked_note.as_deref().map(|n| format!(": {n}")).unwrap_or_default());
    }
    if let Some(s) = &v.statement {
        let rows = [
            ("issuer", &s.issuer_name),
            ("candidate", &s.candidate_name),
            ("date of birth", &s.date_of_birth),
            ("exam", &s.exam_name),
            ("session", &s.session_date),
            ("Statement of Results", &s.sor_number),
            ("valid from", &s.valid_from),
        ];
        for (label, value) in rows {
            if let Some(value) = value {
                println!("{label}: {value}");
            }
        }
        for r in &s.results {
            println!("{}: {}", r.label, r.value);
        }
    }
    if v.verdict == Verdict::Valid && !v.status_checked {
        if offline {
            println!("revocation status could not be checked: offline (checked with the keys given)");
        } else {
            println!("revocation status could not be checked: the status list is not this installation's");
        }
    }
}
