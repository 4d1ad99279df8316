//! Entries: submitting one (section 4), changing its contact data, recording the specialist's
//! report behind extra time, and reading everything staff see about one.

use super::refunds::RefundView;
use super::status::{EntryStatus, entry_status_in};
use super::{audit_event, date, exam_of, sdk_money, today};
use crate::error::AppError;
use crate::outbox::{EmailJob, queue_email};
use crate::policy::write_with_decisions;
use crate::records::{
    CandidateRecord, CaseRecord, DocumentRecord, EnquiryRecord, EntryFormRecord, EntryRecord, ExamSessionRecord,
    PaymentRecord, ResultRecord,
};
use crate::state::AppState;
use chrono::{Datelike, NaiveDate};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::payments::r_payment_title;
use tessera_domain::tenant::{parse_email, parse_name};
use tessera_domain::{ErrorCode, TenantId};
use tessera_plugin_sdk::BasisPoints;
use tessera_plugin_sdk::kinds::{DateRange, FeeFacts, SpecialistReport};
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre::{self, Candidate, Entry};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, EntryForm, EntryRefusal};

/// An entry as the candidate or guardian types it (section 4).
#[derive(Debug, Clone, Deserialize, Serialize, Default, utoipa::ToSchema)]
pub struct EntryInput {
    pub session_id: String,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub email: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub nationality: String,
    #[serde(default)]
    pub id_document_type: String,
    #[serde(default)]
    pub id_document_number: String,
    /// Required for a candidate under 18 on the registration date (R-MINOR-GUARDIAN).
    pub guardian_name: Option<String>,
    pub guardian_contact: Option<String>,
    /// A special-arrangements request (section 5), if any.
    pub special_arrangements: Option<String>,
    #[serde(default)]
    pub student_discount_claimed: bool,
    /// A learning difficulty for which extra time is asked, e.g. `dyslexia` (R-PL-EXTRA-TIME);
    /// the specialist's report follows.
    #[serde(default)]
    pub extra_time_condition: Option<String>,
    /// The centre's regulations accepted: required on the public entry form (R-PUBLIC-CALENDAR).
    #[serde(default)]
    pub regulations_accepted: bool,
}

/// The outcome of an entry as the person who submitted it sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EntryReceipt {
    pub entry_id: String,
    pub candidate_number: String,
    pub status: String,
    pub amount_due_minor: i64,
    pub currency: String,
    pub pay_by: Option<String>,
    pub late: bool,
    pub warnings: Vec<String>,
    pub reasons: Vec<String>,
}

const ID_DOCUMENTS: [&str; 6] =
    ["national_id_card", "passport", "driving_licence", "residence_permit", "school_id", "student_id"];

fn age_on(dob: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - dob.year();
    if (day.month(), day.day()) < (dob.month(), dob.day()) {
        age -= 1;
    }
    age
}

/// What an entry form says of the candidate, checked field by field.
pub struct CheckedPerson {
    /// First name.
    pub first: String,
    /// Family name.
    pub family: String,
    /// Date of birth.
    pub dob: NaiveDate,
    /// Email.
    pub email: String,
    /// ID document type (empty when not given).
    pub id_type: String,
    /// Nationality (ISO country code).
    pub nationality: Option<String>,
    /// The guardian of a minor (R-MINOR-GUARDIAN).
    pub guardian_name: Option<String>,
}

/// Checks the candidate's fields of an entry form on `day` (a refusal names the field): the
/// checks every entry passes before anything is stored, also run on every row of a school's
/// group entry before any of them is entered.
pub fn check_person(input: &EntryInput, day: NaiveDate) -> Result<CheckedPerson, AppError> {
    let first = parse_name("first_name", &input.first_name)?;
    let family = parse_name("family_name", &input.family_name)?;
    let dob = date("date_of_birth", &input.date_of_birth)?;
    if dob >= day || age_on(dob, day) > 120 {
        return Err(AppError::at(ErrorCode::ImplausibleBirthDate, "date_of_birth"));
    }
    let email = parse_email(&input.email)?;
    let id_type = input.id_document_type.trim().to_owned();
    if !id_type.is_empty() && !ID_DOCUMENTS.contains(&id_type.as_str()) {
        return Err(AppError::at(ErrorCode::InvalidChoice, "id_document_type")
            .arg("value", &id_type)
            .arg("choices", ID_DOCUMENTS.join(", ")));
    }
    let nationality = if input.nationality.trim().is_empty() {
        None
    } else {
        Some(tessera_domain::Country::parse(&input.nationality)?.to_string())
    };
    let minor = age_on(dob, day) < 18;
    let guardian_name = input.guardian_name.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if minor && guardian_name.is_none() {
        return Err(AppError::at(ErrorCode::GuardianRequired, "guardian_name"));
    }
    Ok(CheckedPerson { first, family, dob, email, id_type, nationality, guardian_name })
}

/// Submits an entry: checks the form, the registration window (late entries pay the late fee,
/// R-LATE-ENTRY), asks the fees and eligibility policies, stores candidate and entry with the
/// session's capacity checked in the same transaction (R-SESSION-CAPACITY), and emails an
/// acknowledgement with the amount due and the pay-by date.
pub async fn submit_entry(
    state: &AppState,
    tenant: &Tenant,
    input: EntryInput,
    actor: Option<String>,
) -> Result<EntryReceipt, AppError> {
    let now = state.clock.now();
    let day = today(tenant, now);
    let CheckedPerson { first, family, dob, email, id_type, nationality, guardian_name } = check_person(&input, day)?;
    // An entry through the public form (no actor) accepts the centre's regulations; the version
    // accepted is recorded with the entry below (R-PUBLIC-CALENDAR).
    let public = actor.is_none();
    if public {
        tessera_domain::public_pages::r_public_calendar_regulations_accepted(input.regulations_accepted)
            .map_err(|code| AppError::at(code, "regulations_accepted"))?;
    }
    let (tid, sid) = (tenant.id, input.session_id.clone());
    let session = state.db.call(move |c| centre::session(c, tid, &sid)).await.map_err(|e| match e {
        StorageError::NotFound => AppError::at(ErrorCode::NotFound, "session_id"),
        other => other.into(),
    })?;
    let extras = {
        let sid = session.id.clone();
        state.db.call(move |c| workflows::session_extras(c, tid, &sid)).await?
    };
    if day < session.registration_opens {
        return Err(AppError::at(ErrorCode::RegistrationNotOpen, "session_id").arg("date", session.registration_opens));
    }
    if day > session.late_entry_deadline {
        return Err(AppError::at(ErrorCode::RegistrationClosed, "session_id")
            .arg("closed", session.registration_closes)
            .arg("late", session.late_entry_deadline));
    }
    let late = day > session.registration_closes;
    let exam = exam_of(&session.exam_code);
    let fee_facts = FeeFacts {
        exam,
        base_fee: sdk_money(session.fee_minor, &session.currency),
        late_fee: Some(sdk_money(session.late_fee_minor, &session.currency)),
        registration_date: day,
        last_registration_day: session.registration_closes,
        late_entry_deadline: Some(session.late_entry_deadline),
        promotional_period: extras.promotion_ends.map(|end| DateRange { start: session.registration_opens, end }),
        student_discount: extras.student_discount_bp.map(|bp| BasisPoints(u32::try_from(bp).unwrap_or(0))),
        student_discount_claimed: input.student_discount_claimed,
    };
    let quote = crate::policy::decide(state, tid, fee_facts, actor.clone()).await?;
    if !quote.accepted {
        let why: Vec<_> = quote.reasons.iter().map(|r| r.message.clone()).collect();
        return Err(AppError::new(ErrorCode::EntryRefused).arg("reasons", why.join("; ")));
    }
    let candidate = Candidate {
        tenant_id: tid.to_string(),
        id: tessera_domain::CandidateId::new().to_string(),
        first_name: first,
        family_name: family,
        date_of_birth: dob,
        email: Some(email.clone()),
        phone: Some(input.phone.trim().to_owned()).filter(|p| !p.is_empty()),
        nationality,
        id_number: String::new(),
        secret_hash: None,
        user_id: None,
        created_at: now.naive_utc(),
    };
    let entry = Entry {
        tenant_id: tid.to_string(),
        id: tessera_domain::EntryId::new().to_string(),
        session_id: session.id.clone(),
        candidate_id: candidate.id.clone(),
        candidate_number: String::new(),
        status: "submitted".into(),
        fee_minor: quote.total.amount_minor,
        currency: quote.total.currency.clone(),
        created_at: now.naive_utc(),
    };
    let form = EntryForm {
        guardian_name,
        guardian_contact: input.guardian_contact.clone().filter(|s| !s.trim().is_empty()),
        id_document_type: Some(id_type).filter(|s| !s.is_empty()),
        id_document_number: Some(input.id_document_number.trim().to_owned()).filter(|s| !s.is_empty()),
        special_arrangements: input.special_arrangements.clone().filter(|s| !s.trim().is_empty()),
        student_discount_claimed: input.student_discount_claimed,
        is_late: late,
        registration_date: Some(day),
        pay_by: quote.pay_by,
        status_reasons: "[]".into(),
        coe_issued_at: None,
        extra_time_condition: extra_time_condition(input.extra_time_condition.as_deref())?,
        extra_time_report: None,
        notices_acknowledged_at: None,
    };
    let prefix: String =
        tenant.slug.chars().filter(char::is_ascii_alphanumeric).take(5).collect::<String>().to_uppercase();
    // The entry and the decisions on it are one unit: a failed eligibility or photo decision
    // stores no entry, so a retry does not create a second one.
    let (t, sid, by) = (tenant.clone(), session.id.clone(), actor.clone());
    let stored = write_with_decisions(state, tid, actor.clone(), move |c, decider| {
        let entry = match workflows::create_entry(c, tid, &prefix, &candidate, &entry, &form)? {
            Ok(e) => e,
            Err(EntryRefusal::Full) => {
                return Err(AppError::new(ErrorCode::SessionFull));
            }
            Err(EntryRefusal::NotOpen) => {
                return Err(AppError::new(ErrorCode::SessionClosed));
            }
        };
        let ev = AuditEvent {
            actor: by.as_deref(),
            action: "entry.submit",
            target: Some(&entry.id),
            details: json!({"session": sid, "late": late, "amount_minor": entry.fee_minor}),
            request_id: None,
        };
        audit::append(c, tid, &ev, decider.now())?;
        if public {
            let version = tessera_storage::repo::public_pages::regulations(c, tid)?.map(|r| r.updated_at);
            tessera_storage::repo::public_pages::record_acceptance(c, tid, &entry.id, version, decider.now())?;
        }
        let status = entry_status_in(c, decider, &t, &entry.id)?;
        Ok((entry, status))
    })
    .await?;
    let (entry, status) = stored;
    let amount = tessera_domain::Money::new(entry.fee_minor, tessera_domain::Currency::parse(&entry.currency)?);
    // The email names the exam ("B2 First"), not its code.
    let code = session.exam_code.clone();
    let exam_name = state
        .db
        .call(move |c| Ok(centre::exams(c)?.into_iter().find(|e| e.code == code).map(|e| e.name)))
        .await?
        .unwrap_or_else(|| session.exam_code.clone());
    // R-PAYMENT-TITLE: the email gives the centre's bank account, the amount and the title the
    // transfer must carry.
    let title = tessera_domain::exams::by_code(&session.exam_code)
        .map(|exam| r_payment_title(input.first_name.trim(), input.family_name.trim(), exam));
    let bank = super::bank_account(state, tid).await?;
    let (subject, body) = state
        .templates
        .render_email(
            "email/entry_received.txt",
            tenant.locale,
            context! { name => format!("{} {}", input.first_name.trim(), input.family_name.trim()), centre => tenant.name.clone(), exam => exam_name, date => session.written_date.to_string(), amount => amount.in_locale(tenant.locale), pay_by => quote.pay_by.map(|d| d.to_string()), late => late, candidate_number => entry.candidate_number.clone(), title => title, bank => bank },
        )
        .map_err(AppError::internal)?;
    queue_email(
        state,
        tid,
        format!("entry-received:{}", entry.id),
        EmailJob { to: email, subject, body, attachments: vec![] },
    )
    .await?;
    Ok(EntryReceipt {
        entry_id: entry.id,
        candidate_number: entry.candidate_number,
        status: status.status,
        amount_due_minor: amount.minor,
        currency: amount.currency.to_string(),
        pay_by: quote.pay_by.map(|d| d.to_string()),
        late,
        warnings: status.warnings,
        reasons: status.reasons,
    })
}

/// Why an entry has its status: the policy's violations and warnings, as stored with it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StatusReasons {
    /// What stops the entry.
    #[serde(default)]
    pub violations: Vec<String>,
    /// What staff should know.
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Who signs the photo consent, when the photo policy needs one (its `who_signs`).
    #[serde(default)]
    pub photo_consent_signatory: Option<tessera_plugin_sdk::common::Signatory>,
    /// The last day for refund documents after an absence, where the deadlines policy has one
    /// (its `refund_documents`, R-PL-REFUND-MEDICAL).
    #[serde(default)]
    pub refund_documents_due: Option<chrono::NaiveDate>,
}

/// One entry with everything staff see about it: the one read model of an entry, for the page
/// and for the API alike.
#[derive(Debug, Clone, Serialize)]
pub struct EntryDetails {
    pub entry: EntryRecord,
    pub session: ExamSessionRecord,
    pub form: EntryFormRecord,
    pub candidate: CandidateRecord,
    pub payments: Vec<PaymentRecord>,
    pub documents: Vec<DocumentRecord>,
    pub refunds: Vec<RefundView>,
    /// Every version of the entry's result, newest last.
    pub result_versions: Vec<ResultRecord>,
    /// Attendance at each component, with the ID check and the devices (R-DEVICE-DEPOSIT).
    pub attendance: Vec<crate::records::AttendanceRecord>,
    pub cases: Vec<CaseRecord>,
    pub enquiries: Vec<EnquiryRecord>,
    /// The appeals the centre lodged (R-APPEAL), oldest first.
    pub appeals: Vec<crate::after_exam::AppealRecord>,
    /// The centre's appeal window: days from the decision appealed against.
    pub appeal_window_days: i32,
    /// R-SPECIAL-CONSIDERATION: a special-consideration case was upheld and the current result
    /// is still a fail (graded below the exam's pass): the centre follows it up.
    pub special_consideration_still_failed: bool,
    pub reasons: StatusReasons,
    /// What staff checked on the specialist's report behind an extra-time request.
    pub extra_time_report: Option<SpecialistReport>,
    /// The credentials issued for the entry's result versions, newest first (R-CREDENTIAL).
    pub credentials: Vec<CredentialRecord>,
    /// When the entry's session is at fault: what its candidate chooses from (R-CENTRE-FAULT).
    pub fault: Option<super::FaultOptions>,
    /// The session the entry was moved from after the centre's fault, if it was.
    pub moved_from: Option<ExamSessionRecord>,
    /// The regulations accepted with a public entry (R-PUBLIC-CALENDAR).
    pub regulations_acceptance: Option<RegulationsAcceptance>,
    /// Certifying Statements issued for it, newest first, each with its fee: the charges due on
    /// the entry for them (R-NAME-SPELLING).
    pub certifying_statements: Vec<crate::after_exam::CertifyingStatementView>,
    /// Where the photo consent stands today (R-CONSENT-SCAN), once one has arrived.
    pub photo_consent: Option<PhotoConsentView>,
}

impl EntryDetails {
    /// The facts its queues and actions depend on (R-ENTRY-QUEUE).
    pub fn work(&self) -> tessera_domain::entry_work::EntryWork {
        use tessera_domain::labels::{EntryStatus, Labelled};
        tessera_domain::entry_work::EntryWork {
            status: EntryStatus::from_code(&self.entry.status),
            coe_issued: self.form.coe_issued_at.is_some(),
            has_result: !self.result_versions.is_empty(),
            open_enquiries: self.enquiries.iter().filter(|q| q.status == "open").count(),
            refunds_to_decide: self.refunds.iter().filter(|r| r.request.status == "decided").count(),
            open_cases: self.cases.iter().filter(|c| c.status == "open").count()
                + self.appeals.iter().filter(|a| a.status == "lodged").count(),
        }
    }

    /// The codes of the actions that apply to the entry in its state (R-ENTRY-ACTIONS), for its
    /// page's task list.
    pub fn actions(&self) -> Vec<&'static str> {
        let extra_time = self.form.extra_time_condition.is_some();
        let appeal_lodged = self.appeals.iter().any(|a| a.status == "lodged");
        tessera_domain::entry_work::r_entry_actions(
            &self.work(),
            extra_time,
            !self.credentials.is_empty(),
            appeal_lodged,
        )
        .into_iter()
        .map(|a| a.code())
        .collect()
    }
}

/// The centre's regulations as accepted on the public entry form (R-PUBLIC-CALENDAR).
#[derive(Debug, Clone, Serialize)]
pub struct RegulationsAcceptance {
    /// The version accepted: the regulations' `updated_at` (UTC, RFC 3339); none when the centre
    /// had published none.
    pub regulations_updated_at: Option<String>,
    /// When they were accepted (UTC, RFC 3339).
    pub accepted_at: String,
}

/// An entry's photo consent on the day it is read (R-CONSENT-SCAN): a scan counts until the first
/// exam day, by which the signed original must have arrived.
#[derive(Debug, Clone, Serialize)]
pub struct PhotoConsentView {
    /// The signed original has arrived.
    pub original_received: bool,
    /// A scan has arrived.
    pub scan_received: bool,
    /// The session's first exam day: the original is due by then.
    pub first_exam_day: NaiveDate,
    /// The consent counts towards a complete entry today.
    pub counts: bool,
    /// Only a scan so far.
    pub original_missing: bool,
    /// The first exam day has come without the original: the scan no longer counts (flagged).
    pub overdue: bool,
}

/// A credential issued for one of an entry's result versions.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialRecord {
    /// The credential's id (its verification link ends with it).
    pub id: String,
    /// The result version it states.
    pub result_id: String,
    /// When it was issued (UTC, RFC 3339).
    pub issued_at: String,
    /// When it was revoked, if it was.
    pub revoked_at: Option<String>,
    /// Why: `superseded`, `entry_cancelled`, `entry_voided`, or `by_hand: <the centre's words>`.
    pub revoked_reason: Option<String>,
}

/// Reads one entry of `tenant` with everything staff see about it.
pub async fn entry_details(state: &AppState, tenant: TenantId, entry_id: &str) -> Result<EntryDetails, AppError> {
    let id = entry_id.to_owned();
    let now = state.clock.now();
    let details = state
        .db
        .call(move |c| {
            let entry = centre::entry(c, tenant, &id)?;
            let session = centre::session(c, tenant, &entry.session_id)?;
            let docs = workflows::documents(c, tenant, &id)?;
            let photo_consent = if docs.iter().any(|d| d.kind == "photo_consent") {
                let zone = tessera_storage::repo::tenants::by_id(c, tenant)?;
                let first = super::status::first_exam_day(c, tenant, &session)?;
                let check = super::status::consent_scan(&docs, first, today(&zone, now));
                let kinds = |original: bool| docs.iter().any(|d| d.kind == "photo_consent" && d.original == original);
                Some(PhotoConsentView {
                    original_received: kinds(true),
                    scan_received: kinds(false),
                    first_exam_day: first,
                    counts: check.counts,
                    original_missing: check.original_missing,
                    overdue: check.overdue,
                })
            } else {
                None
            };
            let form = workflows::entry_form(c, tenant, &id)?;
            let candidate = centre::candidate(c, tenant, &entry.candidate_id)?;
            let reasons = serde_json::from_str(&form.status_reasons).unwrap_or_default();
            let cases = tessera_storage::repo::after_exam::cases(c, tenant, &id)?;
            let result_versions = workflows::result_versions(c, tenant, &id)?;
            let special_consideration_still_failed = crate::after_exam::still_failed(
                &session.exam_code,
                crate::after_exam::consideration_upheld(&cases),
                result_versions.iter().find(|r| r.is_current),
            );
            let extra_time_report = form.extra_time_report.as_deref().and_then(|r| serde_json::from_str(r).ok());
            let fault = super::fault_options_in(c, tenant, &id)?;
            let moved_from = match tessera_storage::repo::centre_fault::moved_from(c, tenant, &id)? {
                Some(sid) => Some(centre::session(c, tenant, &sid)?.into()),
                None => None,
            };
            Ok(EntryDetails {
                fault,
                moved_from,
                payments: workflows::payments(c, tenant, &id)?.into_iter().map(Into::into).collect(),
                documents: docs.into_iter().map(Into::into).collect(),
                photo_consent,
                refunds: workflows::refunds_for_entry(c, tenant, &id)?.into_iter().map(RefundView::from).collect(),
                result_versions: result_versions.into_iter().map(Into::into).collect(),
                attendance: tessera_storage::repo::after_exam::attendance(c, tenant, &id)?
                    .into_iter()
                    .map(Into::into)
                    .collect(),
                cases: cases.into_iter().map(Into::into).collect(),
                enquiries: tessera_storage::repo::after_exam::enquiries(c, tenant, &id)?
                    .into_iter()
                    .map(Into::into)
                    .collect(),
                appeals: tessera_storage::repo::after_exam::appeals(c, tenant, &id)?
                    .into_iter()
                    .map(Into::into)
                    .collect(),
                appeal_window_days: crate::after_exam::window_days(c, tenant)?,
                special_consideration_still_failed,
                entry: entry.into(),
                session: session.into(),
                form: form.into(),
                candidate: candidate.into(),
                reasons,
                extra_time_report,
                credentials: tessera_storage::repo::credentials::for_entry(c, tenant, &id)?
                    .into_iter()
                    .map(|r| CredentialRecord {
                        id: r.id,
                        result_id: r.result_id,
                        issued_at: r.issued_at.and_utc().to_rfc3339(),
                        revoked_at: r.revoked_at.map(|t| t.and_utc().to_rfc3339()),
                        revoked_reason: r.revoked_reason,
                    })
                    .collect(),
                certifying_statements: tessera_storage::repo::public_pages::certifying_statements(c, tenant, &id)?
                    .into_iter()
                    .map(Into::into)
                    .collect(),
                regulations_acceptance: tessera_storage::repo::public_pages::acceptance(c, tenant, &id)?.map(|a| {
                    RegulationsAcceptance {
                        regulations_updated_at: a.regulations_updated_at.map(|t| t.and_utc().to_rfc3339()),
                        accepted_at: a.accepted_at.and_utc().to_rfc3339(),
                    }
                }),
            })
        })
        .await?;
    Ok(details)
}

/// The extra-time condition as given on the form: trimmed, lower case, at most 60 characters.
fn extra_time_condition(given: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(c) = given.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    if c.chars().count() > 60 || c.chars().any(char::is_control) {
        return Err(AppError::at(ErrorCode::Length, "extra_time_condition").arg("min", 1).arg("max", 60));
    }
    Ok(Some(c.to_lowercase()))
}

/// What staff checked on the specialist's report behind an extra-time request (R-PL-EXTRA-TIME).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraTimeReportInput {
    /// The day the report was made, YYYY-MM-DD.
    #[schema(example = "2026-10-01")]
    pub made_on: String,
    /// The report states the severity.
    pub states_severity: bool,
    /// The report names the diagnostic tests used.
    pub names_diagnostic_tests: bool,
    /// The report is stamped and signed by the specialist.
    pub stamped_and_signed: bool,
}

/// Records the specialist's report for an entry that asked for extra time; the eligibility
/// policy then says whether it gives the extra time, and the entry's status is recomputed.
pub async fn record_extra_time_report(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: ExtraTimeReportInput,
    actor: String,
) -> Result<EntryStatus, AppError> {
    let made_on = date("made_on", &input.made_on)?;
    if made_on > today(tenant, state.clock.now()) {
        return Err(AppError::at(ErrorCode::InFuture, "made_on"));
    }
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let form = state.db.call(move |c| workflows::entry_form(c, tid, &eid)).await?;
    if form.extra_time_condition.is_none() {
        return Err(AppError::new(ErrorCode::NoExtraTimeRequest));
    }
    let report = json!({
        "made_on": made_on,
        "states_severity": input.states_severity,
        "names_diagnostic_tests": input.names_diagnostic_tests,
        "stamped_and_signed": input.stamped_and_signed,
    });
    let (t, eid, stored) = (tenant.clone(), entry_id.to_owned(), report.to_string());
    write_with_decisions(state, tid, Some(actor.clone()), move |c, decider| {
        workflows::set_extra_time_report(c, tid, &eid, &stored)?;
        let ev = AuditEvent {
            actor: Some(&actor),
            action: "entry.extra_time_report",
            target: Some(&eid),
            details: report,
            request_id: None,
        };
        audit::append(c, tid, &ev, decider.now())?;
        entry_status_in(c, decider, &t, &eid)
    })
    .await
}

/// A change staff make to an entry: contact data only.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EntryChange {
    /// Present to move the entry to another session: always refused (R-NO-TRANSFER).
    pub session_id: Option<String>,
    /// New phone number.
    pub phone: Option<String>,
}

/// Changes an entry's contact data (audited). An entry or fee never moves to another session,
/// date or level (R-NO-TRANSFER).
pub async fn change_entry(
    state: &AppState,
    user: &crate::actor::Actor,
    id: String,
    change: EntryChange,
) -> Result<(), AppError> {
    user.require(&[tessera_domain::Role::CentreManager, tessera_domain::Role::CentreStaff])?;
    let tid = user.tenant_id();
    let eid = id.clone();
    let entry = state.db.call(move |c| centre::entry(c, tid, &eid)).await?;
    if let Some(target) = change.session_id
        && target != entry.session_id
    {
        return Err(AppError::at(ErrorCode::NoTransfer, "session_id"));
    }
    if let Some(phone) = change.phone {
        let phone = match phone.trim() {
            "" => String::new(),
            p => tessera_domain::tenant::parse_phone("phone", p)?,
        };
        let candidate = entry.candidate_id.clone();
        state
            .db
            .call(move |c| {
                tessera_storage::repo::candidate::set_phone(
                    c,
                    tid,
                    &candidate,
                    Some(phone.as_str()).filter(|p| !p.is_empty()),
                )
            })
            .await?;
        audit_event(state, tid, Some(user.user.id.clone()), "entry.update", Some(id), json!({"phone": "changed"}))
            .await?;
    }
    Ok(())
}
