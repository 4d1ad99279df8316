//! Exam day: recording attendance with the ID check and the devices deposited, and storing an
//! exam-day photo.

use super::entry_and_session;
use crate::centre::{Upload, audit_event, exam_of, store_document};
use crate::error::AppError;
use crate::state::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_domain::exam_day::{DeviceDeposit, r_device_deposit_admits};
use tessera_domain::labels::Labelled;
use tessera_plugin_sdk::kinds::{IdDocument, IdentityFacts, PhotoFacts, PhotoPolicy};
use tessera_storage::repo::after_exam::{self as store, Attendance};
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// Attendance at a component as the invigilator records it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AttendanceInput {
    /// The component, e.g. `Reading`.
    pub component: String,
    /// Whether the candidate came.
    pub present: bool,
    /// The ID document shown, e.g. `national_id_card`, `passport`, `school_id`.
    pub id_document_shown: Option<String>,
    /// `deposited` or `refused`: what the candidate did with phones and other electronic
    /// devices (R-DEVICE-DEPOSIT). Refusing means no admission, and no refund later.
    #[serde(default)]
    #[schema(example = "deposited")]
    pub devices: Option<String>,
}

/// The ID check's outcome.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttendanceOutcome {
    pub admitted: bool,
    pub reasons: Vec<String>,
}

/// Records attendance and checks the ID shown against the identity policy's accepted documents
/// (R-PL-ACCEPTED-ID) and the document named on the photo consent (R-PHOTO-CONSENT), and whether
/// the candidate deposited their devices: one who refuses is not admitted (R-DEVICE-DEPOSIT).
pub async fn record_attendance(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: AttendanceInput,
    actor: String,
) -> Result<AttendanceOutcome, AppError> {
    let tid = tenant.id;
    let devices = match input.devices.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(code) => Some(DeviceDeposit::from_code(code).ok_or_else(|| {
            AppError::at(ErrorCode::InvalidChoice, "devices")
                .arg("value", tessera_domain::error::bounded(code))
                .arg("choices", "deposited, refused")
        })?),
    };
    let (entry, session) = entry_and_session(state, tid, entry_id).await?;
    if entry.status != "confirmed" {
        return Err(AppError::new(ErrorCode::EntryNotConfirmed));
    }
    let exams = state.db.call(centre::exams).await?;
    let exam = exams.iter().find(|e| e.code == session.exam_code).ok_or_else(AppError::not_found)?;
    if !exam.components.split(',').any(|c| c == input.component.trim()) {
        return Err(AppError::at(ErrorCode::InvalidChoice, "component")
            .arg("value", &input.component)
            .arg("choices", exam.components.replace(',', ", ")));
    }
    let eid = entry.id.clone();
    let (form, cand, docs) = state
        .db
        .call(move |c| {
            Ok((
                workflows::entry_form(c, tid, &eid)?,
                centre::candidate(c, tid, &entry.candidate_id)?,
                workflows::documents(c, tid, &eid)?,
            ))
        })
        .await?;
    let mut reasons = Vec::new();
    let mut admitted = input.present;
    if input.present {
        let shown = input.id_document_shown.clone().unwrap_or_default();
        if shown.is_empty() {
            return Err(AppError::at(ErrorCode::Required, "id_document_shown"));
        }
        let school_copy = docs.iter().find(|d| d.kind == "school_id_copy").map(|d| d.received_on);
        let shown_document: IdDocument =
            serde_json::from_value(serde_json::Value::String(shown.clone())).map_err(|_| {
                AppError::at(ErrorCode::InvalidChoice, "id_document_shown")
                    .arg("value", tessera_domain::error::bounded(&shown))
                    .arg(
                        "choices",
                        "national_id_card, passport, driving_licence, residence_permit, school_id, student_id",
                    )
            })?;
        let facts = IdentityFacts {
            candidate_date_of_birth: cand.date_of_birth,
            registration_date: form.registration_date.unwrap_or(session.registration_closes),
            last_registration_day: session.registration_closes,
            documents_on_hand: vec![shown_document],
            school_id_copy_received: school_copy,
        };
        let d = crate::policy::decide(state, tid, facts, Some(actor.clone())).await?;
        let accepted =
            d.accepted.iter().filter_map(|a| serde_json::to_value(a).ok()).any(|v| v.as_str() == Some(shown.as_str()));
        reasons.extend(
            d.reasons
                .iter()
                .map(|r| format!("{}{}", r.rule.as_deref().map(|r| format!("{r}: ")).unwrap_or_default(), r.message)),
        );
        if !accepted || !d.admissible {
            admitted = false;
        }
        if let Some(named) = &form.id_document_type
            && named != &shown
        {
            admitted = false;
            reasons.push(format!("R-PHOTO-CONSENT: the photo consent names {named}, a different document ({shown}) was shown: no admission"));
        }
        if !r_device_deposit_admits(devices) {
            admitted = false;
            reasons.push(
                "R-DEVICE-DEPOSIT: the candidate refused to deposit their electronic devices: no admission, and no refund"
                    .to_owned(),
            );
        }
    }
    // What an absent candidate did with devices is not a thing to record.
    let devices = devices.filter(|_| input.present);
    let row = Attendance {
        tenant_id: tid.to_string(),
        entry_id: entry_id.to_owned(),
        component: input.component.trim().to_owned(),
        present: input.present,
        id_document_shown: input.id_document_shown.clone(),
        admitted,
        recorded_by: actor.clone(),
        recorded_at: state.clock.now().naive_utc(),
        devices: devices.map(|d| d.code().to_owned()),
    };
    state.db.call(move |c| store::record_attendance(c, &row)).await?;
    audit_event(
        state,
        tid,
        Some(actor),
        "exam_day.attendance",
        Some(entry_id.to_owned()),
        json!({"component": input.component, "present": input.present, "admitted": admitted, "devices": devices.map(|d| d.code())}),
    )
    .await?;
    Ok(AttendanceOutcome { admitted, reasons })
}

/// Stores an exam-day photo where the photo policy requires one and the consent is on file
/// (R-PHOTO-DAY, R-PHOTO-CONSENT). JPEG or PNG only.
pub async fn upload_exam_photo(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    upload: Upload,
    actor: String,
) -> Result<PhotoPolicy, AppError> {
    let tid = tenant.id;
    let (entry, session) = entry_and_session(state, tid, entry_id).await?;
    let eid = entry.id.clone();
    let (cand, form, docs) = state
        .db
        .call(move |c| {
            Ok((
                centre::candidate(c, tid, &entry.candidate_id)?,
                workflows::entry_form(c, tid, &eid)?,
                workflows::documents(c, tid, &eid)?,
            ))
        })
        .await?;
    let facts = PhotoFacts {
        exam: exam_of(&session.exam_code),
        candidate_date_of_birth: cand.date_of_birth,
        registration_date: form.registration_date.unwrap_or(session.registration_closes),
    };
    let policy = crate::policy::decide(state, tid, facts, Some(actor.clone())).await?;
    if !policy.required {
        return Err(AppError::new(ErrorCode::PhotoNotRequired).arg("exam", &session.exam_code));
    }
    if policy.consent_needed && !docs.iter().any(|d| d.kind == "photo_consent") {
        return Err(AppError::new(ErrorCode::NoPhotoConsent));
    }
    if upload.content_type == "application/pdf" {
        return Err(AppError::at(ErrorCode::UnsupportedType, "file").arg("allowed", "JPEG, PNG"));
    }
    store_document(state, tenant, entry_id, Upload { kind: "exam_photo".into(), ..upload }, &actor, |_, _| Ok(()))
        .await?;
    Ok(policy)
}
