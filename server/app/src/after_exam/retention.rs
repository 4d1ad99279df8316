//! The retention run: destroying what the retention policy no longer allows to keep.

use crate::error::AppError;
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use tessera_plugin_sdk::kinds::RetentionFacts;
use tessera_policy::PolicyRegistry;
use tessera_storage::DbConnection;
use tessera_storage::repo::after_exam as store;
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// One thing the retention run destroys (or, in a dry run, would destroy).
#[derive(Debug, Clone, Serialize)]
pub struct Purge {
    pub tenant: String,
    pub entry_id: String,
    pub data_class: String,
    pub due: NaiveDate,
    pub rule: Option<String>,
}

/// Applies the retention policy of `tenant` on `day` (R-PL-CERT-RETENTION, R-DATA-MINIMUM):
/// documents, contact data, photos and uncollected certificates past their dates are destroyed;
/// the verification record (name, date of birth, SoR number, result) is kept. With `dry_run`
/// nothing changes. Every purge is audited.
pub fn run_retention(
    conn: &mut DbConnection,
    registry: &PolicyRegistry,
    tenant: &Tenant,
    data_dir: &std::path::Path,
    day: NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
    dry_run: bool,
) -> Result<Vec<Purge>, AppError> {
    let tid = tenant.id;
    let certs = store::certificates(conn, tid)?;
    let mut out = Vec::new();
    for session in centre::sessions(conn, tid)? {
        for entry in centre::session_entries(conn, tid, &session.id)? {
            let cert = certs.iter().find(|c| c.entry_id == entry.id);
            let facts = RetentionFacts {
                written_exam_date: session.written_date,
                certificate_first_collection_day: cert.map(|c| c.arrived_on),
                certificate_collected: cert.is_some_and(|c| c.collected_on.is_some()),
            };
            let (schedule, _) =
                crate::policy::decide_in(conn, registry, tid, &facts, None, now).map_err(AppError::from)?;
            for rule in schedule.rules.iter().filter(|r| !r.indefinite) {
                let Some(due) = rule.delete_on.filter(|d| *d <= day) else { continue };
                let class = serde_json::to_value(rule.data_class)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let already = match class.as_str() {
                    "uncollected_certificate" => {
                        cert.is_none_or(|c| c.destroyed_on.is_some() || c.collected_on.is_some())
                    }
                    "contact_data" => centre::candidate(conn, tid, &entry.candidate_id)?.email.is_none(),
                    "documents" | "photos" => {
                        let kinds: &[&str] =
                            if class == "photos" { &["exam_photo"] } else { &crate::centre::DOCUMENT_KINDS };
                        !workflows::documents(conn, tid, &entry.id)?.iter().any(|d| kinds.contains(&d.kind.as_str()))
                    }
                    _ => true,
                };
                if already {
                    continue;
                }
                out.push(Purge {
                    tenant: tenant.slug.clone(),
                    entry_id: entry.id.clone(),
                    data_class: class.clone(),
                    due,
                    rule: rule.reason.rule.clone(),
                });
                if dry_run {
                    continue;
                }
                match class.as_str() {
                    "documents" | "photos" => {
                        let kinds: Vec<&str> =
                            if class == "photos" { vec!["exam_photo"] } else { crate::centre::DOCUMENT_KINDS.to_vec() };
                        for id in store::purge_documents(conn, tid, &entry.id, &kinds)? {
                            let _ = std::fs::remove_file(
                                data_dir.join("tenants").join(tid.to_string()).join("documents").join(id),
                            );
                        }
                    }
                    "contact_data" => {
                        store::purge_contact_data(conn, tid, &entry.candidate_id, now)?;
                    }
                    "uncollected_certificate" => {
                        // Destroyed "together with the candidate's personal data": documents,
                        // photos and contact data go; the verification record stays.
                        let mut kinds = crate::centre::DOCUMENT_KINDS.to_vec();
                        kinds.push("exam_photo");
                        for id in store::purge_documents(conn, tid, &entry.id, &kinds)? {
                            let _ = std::fs::remove_file(
                                data_dir.join("tenants").join(tid.to_string()).join("documents").join(id),
                            );
                        }
                        if let Some(c) = cert {
                            let mut c = c.clone();
                            c.destroyed_on = Some(day);
                            store::save_certificate(conn, &c)?;
                        }
                        store::purge_contact_data(conn, tid, &entry.candidate_id, now)?;
                    }
                    _ => {}
                }
                let ev = tessera_storage::repo::audit::AuditEvent {
                    actor: None,
                    action: "retention.purge",
                    target: Some(&entry.id),
                    details: json!({"data_class": class, "due": due, "rule": rule.reason.rule}),
                    request_id: None,
                };
                tessera_storage::repo::audit::append(conn, tid, &ev, now)?;
            }
        }
    }
    Ok(out)
}
