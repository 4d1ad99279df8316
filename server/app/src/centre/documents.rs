//! Uploading an entry's documents and where their bytes are kept.

use super::status::{EntryStatus, entry_status_in};
use super::today;
use crate::error::AppError;
use crate::policy::{Decider, write_with_decisions};
use crate::state::AppState;
use serde_json::json;
use tessera_domain::{ErrorCode, TenantId};
use tessera_storage::DbConnection;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// Document kinds an entry may carry.
pub const DOCUMENT_KINDS: [&str; 6] =
    ["photo_consent", "id_copy", "school_id_copy", "medical_certificate", "special_arrangements_form", "student_card"];

/// Largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;

/// Checks an upload's declared type against its first bytes: PDF, JPEG or PNG only.
pub fn sniff_document(content_type: &str, bytes: &[u8]) -> Result<(), AppError> {
    let actual = if bytes.starts_with(b"%PDF-") {
        "application/pdf"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else {
        return Err(AppError::at(ErrorCode::UnsupportedType, "file").arg("allowed", "PDF, JPEG, PNG"));
    };
    if content_type != actual {
        return Err(AppError::at(ErrorCode::FileTypeMismatch, "file")
            .arg("actual", actual)
            .arg("declared", content_type));
    }
    Ok(())
}

/// A file as it was uploaded.
pub struct Upload {
    /// What the document is (one of [`DOCUMENT_KINDS`]).
    pub kind: String,
    /// The name the sender gave it.
    pub filename: String,
    /// The declared MIME type.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The signed original (true) or a scan of it (R-CONSENT-SCAN: a scanned photo consent
    /// counts until the first exam day).
    pub original: bool,
}

/// Whether an upload is the signed original, as a form or multipart part gives it: `true`
/// (also `yes`, `original`, or nothing: the default) or `false` (also `no`, `scan`).
pub fn original_flag(given: Option<&str>) -> Result<bool, AppError> {
    match given.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "true" | "yes" | "on" | "original") => Ok(true),
        Some("false" | "no" | "off" | "scan") => Ok(false),
        Some(other) => Err(AppError::at(ErrorCode::InvalidChoice, "original")
            .arg("value", other)
            .arg("choices", "true (the signed original), false (a scan)")),
    }
}

/// Stores an uploaded document in the tenant's folder and records it; recomputes the status.
pub async fn upload_document(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    upload: Upload,
    actor: String,
) -> Result<EntryStatus, AppError> {
    if !DOCUMENT_KINDS.contains(&upload.kind.as_str()) {
        return Err(AppError::at(ErrorCode::InvalidChoice, "kind")
            .arg("value", &upload.kind)
            .arg("choices", DOCUMENT_KINDS.join(", ")));
    }
    let t = tenant.clone();
    let eid = entry_id.to_owned();
    store_document(state, tenant, entry_id, upload, &actor, move |c, decider| entry_status_in(c, decider, &t, &eid))
        .await
}

/// Checks an upload (size, type) and stores it in the tenant's folder, recorded against the entry;
/// `then` runs in the same transaction as the record (the entry's new status, say), so that
/// when its decisions fail the document is neither recorded nor kept on disk.
pub(crate) async fn store_document<R, F>(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    upload: Upload,
    actor: &str,
    then: F,
) -> Result<R, AppError>
where
    R: Send + 'static,
    F: FnOnce(&mut DbConnection, &Decider) -> Result<R, AppError> + Send + 'static,
{
    let Upload { kind, filename, content_type, bytes, original } = upload;
    let (kind, content_type) = (kind.as_str(), content_type.as_str());
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(AppError::at(ErrorCode::TooLarge, "file").arg("max_mib", MAX_DOCUMENT_BYTES / 1024 / 1024));
    }
    if bytes.is_empty() {
        return Err(AppError::at(ErrorCode::Required, "file"));
    }
    sniff_document(content_type, &bytes)?;
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    state.db.call(move |c| centre::entry(c, tid, &eid)).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let dir = state.settings.data_dir.join("tenants").join(tid.to_string()).join("documents");
    let path = dir.join(&id);
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let size = bytes.len() as i64;
    {
        let (dir, path) = (dir.clone(), path.clone());
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            std::fs::create_dir_all(&dir)?;
            let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("upload")));
            std::fs::write(&tmp, &bytes)?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    }
    let now = state.clock.now();
    let doc = workflows::Document {
        tenant_id: tid.to_string(),
        id,
        entry_id: entry_id.to_owned(),
        kind: kind.to_owned(),
        filename: filename.chars().filter(|c| !c.is_control() && *c != '/' && *c != '\\').take(200).collect(),
        content_type: content_type.to_owned(),
        size_bytes: size,
        sha256: sha,
        received_on: today(tenant, now),
        created_at: now.naive_utc(),
        original,
    };
    let by = actor.to_owned();
    let stored = write_with_decisions(state, tid, Some(by.clone()), move |c, decider| {
        let target = doc.entry_id.clone();
        workflows::add_document(c, &doc)?;
        let ev = AuditEvent {
            actor: Some(&by),
            action: "entry.document",
            target: Some(&target),
            details: json!({"kind": doc.kind, "size": size, "original": doc.original}),
            request_id: None,
        };
        audit::append(c, tid, &ev, decider.now())?;
        then(c, decider)
    })
    .await;
    if stored.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    stored
}

/// The path of a stored document's bytes.
pub fn document_path(state: &AppState, tenant: TenantId, id: &str) -> std::path::PathBuf {
    state.settings.data_dir.join("tenants").join(tenant.to_string()).join("documents").join(id)
}
