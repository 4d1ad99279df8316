//! A centre's public pages (R-PUBLIC-CALENDAR): the session calendar anyone may read, the
//! regulations staff write and the public entry form asks to accept, and the forms staff publish
//! for download.

use super::Upload;
use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use serde_json::json;
use tessera_domain::public_pages::{
    MAX_PUBLIC_FORM_BYTES, PublicFormKind, r_public_calendar_form_is_pdf, r_public_calendar_late_fee,
    r_public_calendar_listed, r_public_calendar_places_left,
};
use tessera_domain::{ErrorCode, Labelled, Role, TenantId};
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::public_pages::{self as repo, PublicForm};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::{centre, workflows};

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];

/// One session of the public calendar (R-PUBLIC-CALENDAR).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CalendarSession {
    /// The session's id (the entry form's `session_id`).
    pub id: String,
    /// The exam's code.
    pub exam_code: String,
    /// The exam's name.
    pub exam_name: String,
    /// The day of the written papers (`YYYY-MM-DD`, the centre's calendar).
    pub written_date: String,
    /// `AM` or `PM`.
    pub time_of_day: String,
    /// `PB` or `CB`.
    pub delivery: String,
    /// The fee, in minor units.
    pub fee_minor: i64,
    /// The late-entry fee, where late entries are taken.
    pub late_fee_minor: Option<i64>,
    /// The currency of both fees.
    pub currency: String,
    /// The fee as written, e.g. `810.00 PLN`.
    pub fee: String,
    /// The late-entry fee as written, where there is one.
    pub late_fee: Option<String>,
    /// The first day of registration.
    pub registration_opens: String,
    /// The registration deadline.
    pub registration_closes: String,
    /// The last day of late entries (the deadline itself when there are none).
    pub late_entry_deadline: String,
    /// Places left: capacity minus the entries that hold a place.
    pub places_left: i64,
    /// Whether the entry form takes entries for it today.
    pub open_for_entry: bool,
}

/// Centre `tenant`'s upcoming open sessions, soonest first, with places left (R-PUBLIC-CALENDAR).
pub async fn public_calendar(state: &AppState, tenant: &Tenant) -> Result<Vec<CalendarSession>, AppError> {
    let day = super::today(tenant, state.clock.now());
    let tid = tenant.id;
    let names = crate::centre::read::exam_names(state).await?;
    let rows = state
        .db
        .call(move |c| {
            let mut out = Vec::new();
            for s in centre::sessions(c, tid)? {
                if r_public_calendar_listed(s.status == "open", s.written_date, day) {
                    let taken = workflows::active_entry_count(c, tid, &s.id)?;
                    out.push((s, taken));
                }
            }
            Ok(out)
        })
        .await?;
    let mut sessions = Vec::with_capacity(rows.len());
    for (s, taken) in rows {
        let currency = tessera_domain::Currency::parse(&s.currency)?;
        let late_fee_minor = r_public_calendar_late_fee(s.late_fee_minor, s.registration_closes, s.late_entry_deadline);
        sessions.push(CalendarSession {
            fee: tessera_domain::Money::new(s.fee_minor, currency).to_string(),
            late_fee: late_fee_minor.map(|m| tessera_domain::Money::new(m, currency).to_string()),
            exam_name: names.get(&s.exam_code).cloned().unwrap_or_else(|| s.exam_code.clone()),
            late_fee_minor,
            places_left: r_public_calendar_places_left(s.capacity, taken),
            open_for_entry: s.registration_opens <= day && day <= s.late_entry_deadline,
            written_date: s.written_date.to_string(),
            registration_opens: s.registration_opens.to_string(),
            registration_closes: s.registration_closes.to_string(),
            late_entry_deadline: s.late_entry_deadline.to_string(),
            id: s.id,
            exam_code: s.exam_code,
            time_of_day: s.time_of_day,
            delivery: s.delivery,
            fee_minor: s.fee_minor,
            currency: s.currency,
        });
    }
    sessions.sort_by(|a, b| (&a.written_date, &a.exam_code).cmp(&(&b.written_date, &b.exam_code)));
    Ok(sessions)
}

/// A centre's regulations (R-PUBLIC-CALENDAR).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegulationsView {
    /// The text.
    pub body: String,
    /// When it was last changed (UTC, RFC 3339): the version an entry accepts.
    pub updated_at: String,
}

impl From<repo::Regulations> for RegulationsView {
    fn from(r: repo::Regulations) -> Self {
        Self { body: r.body, updated_at: r.updated_at.and_utc().to_rfc3339() }
    }
}

/// Centre `tenant`'s regulations, if it has written any.
pub async fn regulations(state: &AppState, tenant: TenantId) -> Result<Option<RegulationsView>, AppError> {
    Ok(state.db.call(move |c| repo::regulations(c, tenant)).await?.map(Into::into))
}

/// Longest regulations text accepted.
pub const MAX_REGULATIONS_CHARS: usize = 50_000;

/// Replaces the centre's regulations (staff); audited. The new `updated_at` is the version the
/// next public entries accept.
pub async fn set_regulations(state: &AppState, user: &Actor, body: String) -> Result<RegulationsView, AppError> {
    user.require(STAFF)?;
    let body = body.trim().replace("\r\n", "\n");
    if body.is_empty() {
        return Err(AppError::at(ErrorCode::Required, "regulations"));
    }
    if body.chars().count() > MAX_REGULATIONS_CHARS {
        return Err(AppError::at(ErrorCode::TooLong, "regulations").arg("max", MAX_REGULATIONS_CHARS));
    }
    let (tid, by, now) = (user.tenant_id(), user.user.id.clone(), state.clock.now());
    let stored = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let r = repo::set_regulations(c, tid, &body, &by, now)?;
                let ev = AuditEvent {
                    actor: Some(&by),
                    action: "regulations.update",
                    target: None,
                    details: json!({"chars": r.body.chars().count()}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)?;
                Ok(r)
            })
        })
        .await?;
    Ok(stored.into())
}

/// A published form, as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicFormView {
    /// Its kind: photo_consent, special_arrangements, medical_refund, bereavement, withdrawal or
    /// collection_authorisation.
    pub kind: String,
    /// The file's name.
    pub filename: String,
    /// Its size in bytes.
    pub size_bytes: i64,
    /// When it was uploaded (UTC, RFC 3339).
    pub uploaded_at: String,
}

impl From<PublicForm> for PublicFormView {
    fn from(f: PublicForm) -> Self {
        Self {
            kind: f.kind,
            filename: f.filename,
            size_bytes: f.size_bytes,
            uploaded_at: f.uploaded_at.and_utc().to_rfc3339(),
        }
    }
}

/// Centre `tenant`'s published forms, in the order of their kinds.
pub async fn public_forms(state: &AppState, tenant: TenantId) -> Result<Vec<PublicFormView>, AppError> {
    let mut forms = state.db.call(move |c| repo::forms(c, tenant)).await?;
    let rank = |k: &str| PublicFormKind::ALL.iter().position(|v| v.code() == k).unwrap_or(usize::MAX);
    forms.sort_by_key(|f| rank(&f.kind));
    Ok(forms.into_iter().map(Into::into).collect())
}

fn form_path(state: &AppState, tenant: TenantId, file_id: &str) -> std::path::PathBuf {
    state.settings.data_dir.join("tenants").join(tenant.to_string()).join("public_forms").join(file_id)
}

/// Publishes a form of kind `upload.kind` (staff): a PDF (by its bytes) of at most 5 MiB, kept in
/// the tenant's folder; it replaces the form of that kind. Audited.
pub async fn publish_form(state: &AppState, user: &Actor, upload: Upload) -> Result<PublicFormView, AppError> {
    user.require(STAFF)?;
    let Upload { kind, filename, bytes, .. } = upload;
    let kind = PublicFormKind::from_code(kind.trim()).ok_or_else(|| {
        AppError::at(ErrorCode::InvalidChoice, "kind")
            .arg("value", kind.trim())
            .arg("choices", PublicFormKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>().join(", "))
    })?;
    if bytes.is_empty() {
        return Err(AppError::at(ErrorCode::Required, "file"));
    }
    if bytes.len() > MAX_PUBLIC_FORM_BYTES {
        return Err(AppError::at(ErrorCode::TooLarge, "file").arg("max_mib", MAX_PUBLIC_FORM_BYTES / 1024 / 1024));
    }
    if !r_public_calendar_form_is_pdf(&bytes) {
        return Err(AppError::at(ErrorCode::UnsupportedType, "file").arg("allowed", "PDF"));
    }
    let tid = user.tenant_id();
    let file_id = uuid::Uuid::new_v4().to_string();
    let path = form_path(state, tid, &file_id);
    let form = PublicForm {
        tenant_id: tid.to_string(),
        kind: kind.code().to_owned(),
        file_id,
        filename: filename.chars().filter(|c| !c.is_control() && *c != '"').take(200).collect(),
        size_bytes: bytes.len() as i64,
        sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        uploaded_at: state.clock.now().naive_utc(),
        uploaded_by: user.user.id.clone(),
    };
    {
        let path = path.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            let dir = path.parent().expect("a form's path has a folder");
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!(".{}.tmp", path.file_name().and_then(|n| n.to_str()).unwrap_or("form")));
            std::fs::write(&tmp, &bytes)?;
            std::fs::rename(&tmp, &path)
        })
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    }
    let (row, now, by) = (form.clone(), state.clock.now(), user.user.id.clone());
    let stored = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let old = repo::put_form(c, tid, &row)?;
                let ev = AuditEvent {
                    actor: Some(&by),
                    action: "public_form.publish",
                    target: Some(&row.kind),
                    details: json!({"filename": row.filename, "size": row.size_bytes, "sha256": row.sha256}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)?;
                Ok(old)
            })
        })
        .await;
    match stored {
        Ok(Some(old)) => {
            // The replaced form's file is no longer served.
            let _ = tokio::fs::remove_file(form_path(state, tid, &old.file_id)).await;
        }
        Ok(None) => {}
        Err(e) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(e.into());
        }
    }
    Ok(form.into())
}

/// Centre `tenant`'s published form of kind `kind`: its file name and bytes. An unknown kind, or
/// one the centre has not published, is not found.
pub async fn public_form_file(state: &AppState, tenant: TenantId, kind: String) -> Result<(String, Vec<u8>), AppError> {
    let kind = PublicFormKind::from_code(&kind).ok_or_else(AppError::not_found)?;
    let form = state.db.call(move |c| repo::form(c, tenant, kind.code())).await?.ok_or_else(AppError::not_found)?;
    let bytes = tokio::fs::read(form_path(state, tenant, &form.file_id)).await.map_err(|_| AppError::not_found())?;
    Ok((form.filename, bytes))
}
