//! Exam day and after (DOMAIN.md sections 7 to 9): attendance with the ID check, exam-day
//! photos, cases (special consideration, malpractice, complaints), results enquiries,
//! certificates and name corrections, and the retention purge. Country rules come from the
//! tenant's identity, photo, deadlines and retention policies.

use crate::centre::{Upload, audit_event, exam_of, store_document, today};
use crate::error::AppError;
use crate::state::AppState;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::{ErrorCode, TenantId};
use tessera_plugin_sdk::kinds::{
    DeadlineFacts, Deadlines, IdDocument, IdentityFacts, PhotoFacts, PhotoPolicy, RetentionFacts,
};
use tessera_policy::PolicyRegistry;
use tessera_storage::repo::after_exam::{self as store, Attendance, Case, Certificate, Enquiry};
use tessera_storage::repo::centre::{self, Entry, ExamSession};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, ImportedResult};
use tessera_storage::{DbConnection, StorageError};

async fn entry_and_session(state: &AppState, tid: TenantId, entry_id: &str) -> Result<(Entry, ExamSession), AppError> {
    let eid = entry_id.to_owned();
    Ok(state
        .db
        .call(move |c| {
            let e = centre::entry(c, tid, &eid)?;
            let s = centre::session(c, tid, &e.session_id)?;
            Ok((e, s))
        })
        .await?)
}

/// Attendance at a component as the invigilator records it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AttendanceInput {
    /// The component, e.g. `Reading`.
    pub component: String,
    /// Whether the candidate came.
    pub present: bool,
    /// The ID document shown, e.g. `national_id_card`, `passport`, `school_id`.
    pub id_document_shown: Option<String>,
}

/// The ID check's outcome.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttendanceOutcome {
    pub admitted: bool,
    pub reasons: Vec<String>,
}

/// Records attendance and checks the ID shown against the identity policy's accepted documents
/// (R-PL-ACCEPTED-ID) and the document named on the photo consent (R-PHOTO-CONSENT).
pub async fn record_attendance(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: AttendanceInput,
    actor: String,
) -> Result<AttendanceOutcome, AppError> {
    let tid = tenant.id;
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
    }
    let row = Attendance {
        tenant_id: tid.to_string(),
        entry_id: entry_id.to_owned(),
        component: input.component.trim().to_owned(),
        present: input.present,
        id_document_shown: input.id_document_shown.clone(),
        admitted,
        recorded_by: actor.clone(),
        recorded_at: state.clock.now().naive_utc(),
    };
    state.db.call(move |c| store::record_attendance(c, &row)).await?;
    audit_event(
        state,
        tid,
        Some(actor),
        "exam_day.attendance",
        Some(entry_id.to_owned()),
        json!({"component": input.component, "present": input.present, "admitted": admitted}),
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

/// A case as staff open it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CaseInput {
    /// `special_consideration`, `malpractice`, `conduct_complaint` or `timetable_change`.
    #[schema(example = "special_consideration")]
    pub kind: String,
    /// What happened.
    pub description: String,
}

async fn deadlines(
    state: &AppState,
    tenant: &Tenant,
    session: &ExamSession,
    actor: &str,
) -> Result<Deadlines, AppError> {
    let tid = tenant.id;
    let sid = session.id.clone();
    let first = state
        .db
        .call(move |c| workflows::timetable(c, tid, &sid))
        .await?
        .first()
        .map(|l| l.day)
        .unwrap_or(session.written_date);
    let facts = DeadlineFacts {
        exam: exam_of(&session.exam_code),
        written_exam_date: session.written_date,
        first_component_date: first.min(session.written_date),
        last_registration_day: session.registration_closes,
        results_release: Some(session.release_at.and_utc()),
    };
    crate::policy::decide(state, tid, facts, Some(actor.to_owned())).await
}

/// Opens a case. A special-consideration case only before results are released
/// (R-SPECIAL-CONSIDERATION); a written conduct complaint within the deadlines policy's window
/// (R-CONDUCT-COMPLAINT).
pub async fn open_case(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: CaseInput,
    actor: String,
) -> Result<Case, AppError> {
    let tid = tenant.id;
    if !matches!(
        input.kind.as_str(),
        "special_consideration" | "malpractice" | "conduct_complaint" | "timetable_change"
    ) {
        return Err(AppError::at(ErrorCode::InvalidChoice, "kind")
            .arg("value", &input.kind)
            .arg("choices", "special_consideration, malpractice, conduct_complaint, timetable_change"));
    }
    let description = tessera_domain::tenant::parse_name("description", &input.description)?;
    let (entry, session) = entry_and_session(state, tid, entry_id).await?;
    let now = state.clock.now();
    match input.kind.as_str() {
        "special_consideration" if now >= session.release_at.and_utc() => {
            return Err(AppError::new(ErrorCode::ResultsReleased));
        }
        "conduct_complaint" => {
            let d = deadlines(state, tenant, &session, &actor).await?;
            if today(tenant, now) > d.conduct_complaint {
                return Err(AppError::new(ErrorCode::TooLate)
                    .arg("deadline", d.conduct_complaint)
                    .arg("rule", "R-CONDUCT-COMPLAINT"));
            }
        }
        _ => {}
    }
    let case = Case {
        tenant_id: tid.to_string(),
        id: uuid::Uuid::new_v4().to_string(),
        entry_id: entry.id,
        kind: input.kind.clone(),
        description,
        status: "open".into(),
        opened_by: actor.clone(),
        opened_at: now.naive_utc(),
        closed_at: None,
    };
    let stored = case.clone();
    state.db.call(move |c| store::open_case(c, &stored)).await?;
    audit_event(
        state,
        tid,
        Some(actor),
        "case.open",
        Some(case.id.clone()),
        json!({"kind": case.kind, "entry": case.entry_id}),
    )
    .await?;
    Ok(case)
}

/// Closes a case. An upheld malpractice case withholds the result (a new `Withheld` version)
/// and so the certificate (R-MALPRACTICE).
pub async fn close_case(
    state: &AppState,
    tenant: &Tenant,
    case_id: &str,
    upheld: bool,
    actor: String,
) -> Result<Case, AppError> {
    let (tid, cid, now) = (tenant.id, case_id.to_owned(), state.clock.now());
    let status = if upheld { "upheld" } else { "dismissed" };
    let case = state
        .db
        .call(move |c| {
            let case = store::case(c, tid, &cid)?;
            tessera_storage::transaction(c, |c| {
                if !store::close_case(c, tid, &cid, status, now)? {
                    return Ok(Err(case));
                }
                if upheld
                    && case.kind == "malpractice"
                    && !workflows::result_versions(c, tid, &case.entry_id)?.is_empty()
                {
                    let withheld = ImportedResult {
                        candidate_number: String::new(),
                        status: "Withheld".into(),
                        overall_score: None,
                        grade: None,
                        cefr: None,
                        components: vec![],
                    };
                    workflows::add_result_version(c, tid, &case.entry_id, &withheld, now, &mut String::new)?;
                }
                Ok::<_, StorageError>(Ok(store::case(c, tid, &cid)?))
            })
        })
        .await?;
    match case {
        Ok(case) => {
            audit_event(state, tid, Some(actor), "case.close", Some(case.id.clone()), json!({"status": status}))
                .await?;
            Ok(case)
        }
        Err(_) => Err(AppError::new(ErrorCode::CaseClosed)),
    }
}

/// A request to move a candidate's paper to another day (R-TIMETABLE-CHANGE).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TimetableChangeInput {
    /// The component to move: only `Speaking` can move.
    #[schema(example = "Speaking")]
    pub component: String,
    /// The new day, `YYYY-MM-DD`.
    #[schema(example = "2027-03-02")]
    pub day: String,
    /// The serious reason.
    #[schema(example = "illness")]
    pub reason: String,
    /// Whether the reason is documented (e.g. a medical certificate is on file).
    #[serde(default)]
    #[schema(example = true)]
    pub documented: bool,
}

/// Moves a candidate's speaking test: written and listening dates never change; a speaking date
/// may move for a serious documented reason, free, within the session's speaking window; where
/// the deadlines policy sets one (Hungary), the request must come by its date
/// (R-TIMETABLE-CHANGE).
pub async fn change_speaking_day(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: TimetableChangeInput,
    actor: String,
) -> Result<NaiveDate, AppError> {
    let tid = tenant.id;
    if input.component.trim() != "Speaking" {
        return Err(AppError::new(ErrorCode::DateFixed).arg("component", input.component.trim()));
    }
    let day = NaiveDate::parse_from_str(input.day.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::at(ErrorCode::InvalidDate, "day").arg("value", &input.day))?;
    if !input.documented || input.reason.trim().is_empty() {
        return Err(AppError::at(ErrorCode::ReasonRequired, "documented"));
    }
    let (entry, session) = entry_and_session(state, tid, entry_id).await?;
    let sid = session.id.clone();
    let extras = state.db.call(move |c| workflows::session_extras(c, tid, &sid)).await?;
    match (extras.speaking_window_start, extras.speaking_window_end) {
        (Some(a), Some(b)) if (a..=b).contains(&day) => {}
        (Some(a), Some(b)) => {
            return Err(AppError::at(ErrorCode::OutsideWindow, "day").arg("start", a).arg("end", b));
        }
        _ => {
            return Err(AppError::new(ErrorCode::NoSpeakingWindow));
        }
    }
    let d = deadlines(state, tenant, &session, &actor).await?;
    if let Some(by) = d.timetable_change_request
        && today(tenant, state.clock.now()) > by
    {
        return Err(AppError::new(ErrorCode::TooLate).arg("deadline", by).arg("rule", "R-TIMETABLE-CHANGE"));
    }
    let eid = entry.id.clone();
    state.db.call(move |c| workflows::set_speaking_day(c, tid, &eid, day)).await?;
    audit_event(
        state,
        tid,
        Some(actor),
        "entry.speaking_day",
        Some(entry.id),
        json!({"day": day, "reason": input.reason, "fee": 0}),
    )
    .await?;
    Ok(day)
}

/// A results enquiry as staff open it for a candidate (R-ENQUIRY).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct EnquiryInput {
    /// 1 (clerical re-check) or 2 (re-mark; after a completed Stage 1).
    pub stage: i32,
    /// The enquiry fee in minor units.
    pub fee_minor: i64,
}

/// Opens a results enquiry: only for a released result, inside the enquiry window of the
/// deadlines policy (15 days in Poland), Stage 2 only after a completed Stage 1, one at a time.
pub async fn open_enquiry(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: EnquiryInput,
    actor: String,
) -> Result<Enquiry, AppError> {
    let tid = tenant.id;
    if !(1..=2).contains(&input.stage) {
        return Err(AppError::at(ErrorCode::InvalidChoice, "stage").arg("value", input.stage).arg("choices", "1, 2"));
    }
    if input.fee_minor < 0 {
        return Err(AppError::at(ErrorCode::Negative, "fee_minor"));
    }
    let (entry, session) = entry_and_session(state, tid, entry_id).await?;
    let now = state.clock.now();
    if now < session.release_at.and_utc() {
        return Err(AppError::new(ErrorCode::NotReleased));
    }
    let d = deadlines(state, tenant, &session, &actor).await?;
    let day = today(tenant, now);
    if let Some(end) = d.enquiry_window_end
        && day > end
    {
        return Err(AppError::new(ErrorCode::EnquiryWindowClosed).arg("date", end));
    }
    let eid = entry.id.clone();
    let (previous, results) = state
        .db
        .call(move |c| Ok((store::enquiries(c, tid, &eid)?, workflows::result_versions(c, tid, &eid)?)))
        .await?;
    if results.is_empty() {
        return Err(AppError::new(ErrorCode::NoResult));
    }
    if previous.iter().any(|e| e.status == "open") {
        return Err(AppError::new(ErrorCode::EnquiryOpen));
    }
    if input.stage == 2 && !previous.iter().any(|e| e.stage == 1 && e.status == "completed") {
        return Err(AppError::new(ErrorCode::StageOneFirst));
    }
    let enquiry = Enquiry {
        tenant_id: tid.to_string(),
        id: uuid::Uuid::new_v4().to_string(),
        entry_id: entry.id.clone(),
        stage: input.stage,
        fee_minor: input.fee_minor,
        currency: entry.currency.clone(),
        requested_on: day,
        status: "open".into(),
        outcome: None,
        fee_refunded: false,
        created_at: now.naive_utc(),
    };
    let stored = enquiry.clone();
    state.db.call(move |c| store::open_enquiry(c, &stored)).await?;
    audit_event(state, tid, Some(actor), "enquiry.open", Some(enquiry.id.clone()), json!({"stage": input.stage}))
        .await?;
    Ok(enquiry)
}

/// The outcome of an enquiry: the result after the re-check or re-mark.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct EnquiryOutcomeInput {
    #[schema(example = 180)]
    pub overall_score: i32,
    #[schema(example = "A")]
    pub grade: String,
    #[schema(example = "C2")]
    pub cefr: String,
    /// Component scores by name (Speaking is not re-marked at Stage 2).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub components: std::collections::BTreeMap<String, i32>,
}

/// Completes an enquiry: the outcome becomes a new result version (R-RESULT-VERSIONS), higher,
/// lower or unchanged, and the fee is refunded when the grade changes (R-ENQUIRY).
pub async fn complete_enquiry(
    state: &AppState,
    tenant: &Tenant,
    enquiry_id: &str,
    input: EnquiryOutcomeInput,
    actor: String,
) -> Result<Enquiry, AppError> {
    let (tid, qid, now) = (tenant.id, enquiry_id.to_owned(), state.clock.now());
    if !(80..=230).contains(&input.overall_score) {
        return Err(AppError::at(ErrorCode::OutOfRange, "overall_score").arg("min", 80).arg("max", 230));
    }
    let outcome = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                let enquiry = store::enquiry(c, tid, &qid)?;
                if enquiry.status != "open" {
                    return Ok(None);
                }
                let current = workflows::result_versions(c, tid, &enquiry.entry_id)?
                    .into_iter()
                    .find(|r| r.is_current)
                    .ok_or(StorageError::NotFound)?;
                let mut components = Vec::new();
                let (old, comps) = centre::result(c, tid, &current.id)?;
                for comp in comps {
                    let score = if enquiry.stage == 2 && comp.component == "Speaking" {
                        comp.score
                    } else {
                        *input.components.get(&comp.component).unwrap_or(&comp.score)
                    };
                    components.push((comp.component, score));
                }
                let direction = match input.overall_score.cmp(&old.overall_score.unwrap_or(input.overall_score)) {
                    std::cmp::Ordering::Greater => "higher",
                    std::cmp::Ordering::Less => "lower",
                    std::cmp::Ordering::Equal => "unchanged",
                };
                let grade_changed = old.grade.as_deref() != Some(input.grade.as_str());
                let row = ImportedResult {
                    candidate_number: String::new(),
                    status: "graded".into(),
                    overall_score: Some(input.overall_score),
                    grade: Some(input.grade.clone()),
                    cefr: Some(input.cefr.clone()),
                    components,
                };
                workflows::add_result_version(c, tid, &enquiry.entry_id, &row, now, &mut String::new)?;
                store::complete_enquiry(c, tid, &qid, direction, grade_changed)?;
                Ok(Some(store::enquiry(c, tid, &qid)?))
            })
        })
        .await?;
    let enquiry = outcome.ok_or_else(|| AppError::new(ErrorCode::EnquiryClosed))?;
    audit_event(
        state,
        tid,
        Some(actor),
        "enquiry.complete",
        Some(enquiry.id.clone()),
        json!({"outcome": enquiry.outcome, "fee_refunded": enquiry.fee_refunded}),
    )
    .await?;
    Ok(enquiry)
}

/// Records the arrival of the certificates of a session's passing candidates and emails them
/// that they can collect (R-CERT-ARRIVAL). Returns how many arrived.
pub async fn certificates_arrived(
    state: &AppState,
    tenant: &Tenant,
    session_id: &str,
    actor: String,
) -> Result<usize, AppError> {
    let (tid, sid) = (tenant.id, session_id.to_owned());
    let day = today(tenant, state.clock.now());
    let arrived = state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                // Another tenant's or a made-up session is not found, and nothing is written.
                centre::session(c, tid, &sid)?;
                let mut out = Vec::new();
                for e in centre::session_entries(c, tid, &sid)? {
                    let Ok((r, _)) = centre::current_result(c, tid, &e.id) else { continue };
                    let passed =
                        r.status == "graded" && r.grade.as_deref().is_some_and(|g| matches!(g, "A" | "B" | "C"));
                    if !passed || store::certificate(c, tid, &e.id).is_ok() {
                        continue;
                    }
                    store::certificate_arrived(
                        c,
                        &Certificate {
                            tenant_id: tid.to_string(),
                            entry_id: e.id.clone(),
                            arrived_on: day,
                            collected_on: None,
                            collected_by: None,
                            collector_name: None,
                            collector_id_document: None,
                            signature_recorded: false,
                            courier_address: None,
                            replacements: 0,
                            destroyed_on: None,
                        },
                    )?;
                    out.push(centre::candidate(c, tid, &e.candidate_id)?);
                }
                Ok::<_, StorageError>(out)
            })
        })
        .await?;
    for cand in &arrived {
        if let Some(to) = cand.email.clone() {
            let body = format!(
                "Hello {} {},\n\nYour certificate has arrived at {}. Collect it in person with a photo ID, send a person named on an authorisation form, or ask for a courier.\n",
                cand.first_name, cand.family_name, tenant.name
            );
            let job = crate::outbox::EmailJob {
                to,
                subject: "Your certificate can be collected".into(),
                body,
                attachments: vec![],
            };
            crate::outbox::queue_email(state, tid, format!("certificate-arrived:{}:{}", cand.id, session_id), job)
                .await?;
        }
    }
    audit_event(
        state,
        tid,
        Some(actor),
        "certificates.arrived",
        Some(session_id.to_owned()),
        json!({"count": arrived.len()}),
    )
    .await?;
    Ok(arrived.len())
}

/// How a certificate leaves the centre (R-CERT-COLLECTION).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CollectionInput {
    /// `candidate` (in person with photo ID), `authorised_person` (named on an authorisation form) or `courier`.
    pub by: String,
    pub collector_name: Option<String>,
    /// The photo ID shown by whoever collects.
    pub collector_id_document: Option<String>,
    /// Whether the collector signed for it.
    #[serde(default)]
    pub signature_recorded: bool,
    pub courier_address: Option<String>,
}

/// Records the collection of a certificate: in person with photo ID and signature, by an
/// authorised person, or by courier (R-CERT-COLLECTION). A withheld result has no certificate
/// to collect (R-MALPRACTICE).
pub async fn collect_certificate(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: CollectionInput,
    actor: String,
) -> Result<Certificate, AppError> {
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let (mut cert, current) = state
        .db
        .call(move |c| Ok((store::certificate(c, tid, &eid)?, centre::current_result(c, tid, &eid)?.0)))
        .await?;
    if current.status == "Withheld" {
        return Err(AppError::new(ErrorCode::Withheld));
    }
    if cert.collected_on.is_some() {
        return Err(AppError::new(ErrorCode::Collected));
    }
    if cert.destroyed_on.is_some() {
        return Err(AppError::new(ErrorCode::Destroyed));
    }
    let nonempty = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    match input.by.as_str() {
        "candidate" | "authorised_person" => {
            if nonempty(&input.collector_id_document).is_none() {
                return Err(AppError::at(ErrorCode::CollectionNeedsId, "collector_id_document"));
            }
            if !input.signature_recorded {
                return Err(AppError::at(ErrorCode::CollectionNeedsSignature, "signature_recorded"));
            }
            if input.by == "authorised_person" && nonempty(&input.collector_name).is_none() {
                return Err(AppError::at(ErrorCode::Required, "collector_name"));
            }
        }
        "courier" => {
            if nonempty(&input.courier_address).is_none() {
                return Err(AppError::at(ErrorCode::Required, "courier_address"));
            }
        }
        _ => {
            return Err(AppError::at(ErrorCode::InvalidChoice, "by")
                .arg("value", &input.by)
                .arg("choices", "candidate, authorised_person, courier"));
        }
    }
    cert.collected_on = Some(today(tenant, state.clock.now()));
    cert.collected_by = Some(input.by.clone());
    cert.collector_name = nonempty(&input.collector_name);
    cert.collector_id_document = nonempty(&input.collector_id_document);
    cert.signature_recorded = input.signature_recorded;
    cert.courier_address = nonempty(&input.courier_address);
    let saved = cert.clone();
    state.db.call(move |c| store::save_certificate(c, &saved)).await?;
    audit_event(state, tid, Some(actor), "certificate.collected", Some(entry_id.to_owned()), json!({"by": input.by}))
        .await?;
    Ok(cert)
}

/// A replacement request (R-CERT-REPLACEMENT).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReplacementInput {
    #[serde(default)]
    pub accidental_damage: bool,
    #[serde(default)]
    pub original_returned: bool,
    #[serde(default)]
    pub fee_paid: bool,
    #[serde(default)]
    pub id_checked: bool,
}

/// Accepts a replacement only for accidental damage, with the damaged original returned, for an
/// original issued 5 years ago or less, with the fee paid and ID checked (R-CERT-REPLACEMENT).
pub async fn replace_certificate(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: ReplacementInput,
    actor: String,
) -> Result<Certificate, AppError> {
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let mut cert = state.db.call(move |c| store::certificate(c, tid, &eid)).await?;
    let day = today(tenant, state.clock.now());
    let five_years = cert.arrived_on.with_year(cert.arrived_on.year() + 5).unwrap_or(cert.arrived_on);
    let why = if !input.accidental_damage {
        Some("reason.replacement_not_accidental")
    } else if !input.original_returned {
        Some("reason.replacement_original_not_returned")
    } else if day > five_years {
        Some("reason.replacement_too_old")
    } else if !input.fee_paid || !input.id_checked {
        Some("reason.replacement_fee_and_id")
    } else {
        None
    };
    if let Some(why) = why {
        return Err(AppError::new(ErrorCode::ReplacementRefused).arg_term("reason", why));
    }
    cert.replacements += 1;
    let saved = cert.clone();
    state.db.call(move |c| store::save_certificate(c, &saved)).await?;
    audit_event(
        state,
        tid,
        Some(actor),
        "certificate.replacement",
        Some(entry_id.to_owned()),
        json!({"replacements": cert.replacements}),
    )
    .await?;
    Ok(cert)
}

/// A name correction request (R-NAME-SPELLING).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NameCorrectionInput {
    pub first_name: String,
    pub family_name: String,
}

/// What a name correction costs or why it was refused.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NameCorrection {
    pub corrected: bool,
    pub fee_applies: bool,
    pub message: String,
}

/// Corrects a misspelt name: free before certificates are printed, with a fee after, and
/// refused 2 years or more after the certificate was issued, when a Certifying Statement is
/// offered instead (R-NAME-SPELLING).
pub async fn correct_name(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: NameCorrectionInput,
    actor: String,
) -> Result<NameCorrection, AppError> {
    let first = tessera_domain::tenant::parse_name("first_name", &input.first_name)?;
    let family = tessera_domain::tenant::parse_name("family_name", &input.family_name)?;
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let (entry, cert) =
        state.db.call(move |c| Ok((centre::entry(c, tid, &eid)?, store::certificate(c, tid, &eid).ok()))).await?;
    let day = today(tenant, state.clock.now());
    let (fee, message) = match &cert {
        Some(c) if day >= c.arrived_on.with_year(c.arrived_on.year() + 2).unwrap_or(c.arrived_on) => {
            return Ok(NameCorrection {
                corrected: false,
                fee_applies: false,
                message: "the certificate was issued 2 years ago or more: the name cannot be corrected; a Certifying Statement is offered instead (R-NAME-SPELLING)".into(),
            });
        }
        Some(_) => (true, "the certificate is printed already: the correction costs a fee (R-NAME-SPELLING)"),
        None => (false, "corrected before certificates are printed: no fee (R-NAME-SPELLING)"),
    };
    let cand_id = entry.candidate_id.clone();
    state.db.call(move |c| workflows::rename_candidate(c, tid, &cand_id, &first, &family)).await?;
    audit_event(state, tid, Some(actor), "candidate.name_correction", Some(entry.candidate_id), json!({"fee": fee}))
        .await?;
    Ok(NameCorrection { corrected: true, fee_applies: fee, message: message.into() })
}

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
