//! The centre workflows (DOMAIN.md sections 3 to 10) as operations shared by pages and the API:
//! sessions, entries, payments, documents, Confirmations of Entry, results imports, speaking
//! pairs and refunds. Everything that varies by country is asked of the tenant's policy plugins.

pub mod read;

use crate::error::AppError;
use crate::outbox::{EmailAttachment, EmailJob, email_job, queue_email};
use crate::policy::{Decider, write_with_decisions};
use crate::state::AppState;
use base64::Engine;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tessera_domain::Labelled;
use tessera_domain::entries::{EntryStatus as EntryState, r_pl_entry_complete};
use tessera_domain::money::{check_amount, total_minor};
use tessera_domain::refunds::{RefundStatus, RefundStep, one_open_refund, refundable_minor};
use tessera_domain::special_arrangements::{SaItem, r_sa_deadline};
use tessera_domain::tenant::{parse_email, parse_name};
use tessera_domain::{DomainError, ErrorCode, TenantId};
use tessera_plugin_sdk::kinds::{
    CandidateFacts, DateRange, DeadlineFacts, Deadlines, EligibilityFacts, EntryFacts, ExtraTimeRequest, FeeFacts,
    OtherEntry, PhotoFacts, RefundDocument, RefundFacts, RefundReason, SpecialistReport,
};
use tessera_plugin_sdk::{BasisPoints, Exam};
use tessera_storage::DbConnection;
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre::{self, Candidate, Entry, ExamSession};
use tessera_storage::repo::jobs;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, EntryForm, EntryRefusal, SessionExtras, TimetableLine};

/// The exam of the catalogue as the policy plugins know it (see [`tessera_domain::exams`]).
pub fn exam_of(code: &str) -> Exam {
    tessera_domain::exams::policy_exam(code)
}

fn sdk_money(minor: i64, currency: &str) -> tessera_plugin_sdk::Money {
    tessera_plugin_sdk::Money::new(minor, currency)
}

fn field(name: &str, msg: impl Into<String>) -> AppError {
    DomainError::field(name, msg).into()
}

fn date(name: &str, s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::at(ErrorCode::InvalidDate, name).arg("value", s))
}

fn opt_date(name: &str, s: &Option<String>) -> Result<Option<NaiveDate>, AppError> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => date(name, v).map(Some),
    }
}

/// The tenant's calendar day at `now`.
pub fn today(tenant: &Tenant, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&tenant.timezone).date_naive()
}

/// One line of a session's timetable as typed.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TimetableInput {
    /// The component, one of the exam's (e.g. `Reading`, `Speaking`).
    pub component: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `HH:MM`, local time.
    pub starts_at: String,
    /// Venue.
    pub venue: String,
    /// Room.
    pub room: String,
}

/// A session as typed by centre staff (section 3). Money in minor units, dates `YYYY-MM-DD`,
/// the release instant as local time `YYYY-MM-DD HH:MM` in `release_timezone` (default: the
/// centre's), e.g. "by 5 October 2018 at 09:00 UK time" is `2018-10-05 09:00` + `Europe/London`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SessionInput {
    pub exam_code: String,
    pub written_date: String,
    pub time_of_day: String,
    pub delivery: String,
    pub fee_minor: i64,
    pub late_fee_minor: i64,
    pub currency: String,
    pub registration_opens: String,
    pub registration_closes: String,
    pub late_entry_deadline: String,
    pub capacity: i32,
    pub minimum_candidates: i32,
    pub release_at: String,
    pub release_timezone: Option<String>,
    pub speaking_window_start: Option<String>,
    pub speaking_window_end: Option<String>,
    pub promotion_ends: Option<String>,
    pub student_discount_bp: Option<i32>,
    #[serde(default)]
    pub venue: String,
    #[serde(default)]
    pub timetable: Vec<TimetableInput>,
}

/// A session was created or changed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionCreated {
    pub id: String,
    pub release_at: String,
    /// Things worth a second look, e.g. a release date far from the usual window (R-RESULTS-WINDOW).
    pub warnings: Vec<String>,
}

/// Creates a session with its timetable, after checking every field.
pub async fn create_session(
    state: &AppState,
    tenant: &Tenant,
    input: &SessionInput,
    actor: String,
) -> Result<SessionCreated, AppError> {
    let exams = state.db.call(centre::exams).await?;
    let (session, extras, timetable) =
        check_session(tenant, &exams, input, uuid::Uuid::new_v4().to_string(), state.clock.now())?;
    let out = SessionCreated {
        id: session.id.clone(),
        release_at: session.release_at.and_utc().to_rfc3339(),
        warnings: release_window_warning(&session).into_iter().collect(),
    };
    state.db.call(move |c| workflows::create_session(c, &session, &extras, &timetable)).await?;
    audit_event(state, tenant.id, Some(actor), "session.create", Some(out.id.clone()), json!({})).await?;
    Ok(out)
}

/// Edits a session: fees, deadlines, promotional period, capacity, minimum, release instant and
/// timetable. The exam, date, time of day and delivery cannot change: entries never move
/// (R-NO-TRANSFER).
pub async fn update_session(
    state: &AppState,
    tenant: &Tenant,
    id: &str,
    input: &SessionInput,
    actor: String,
) -> Result<SessionCreated, AppError> {
    let (tid, sid) = (tenant.id, id.to_owned());
    let (existing, exams) = state.db.call(move |c| Ok((centre::session(c, tid, &sid)?, centre::exams(c)?))).await?;
    let (mut session, extras, timetable) = check_session(tenant, &exams, input, id.to_owned(), state.clock.now())?;
    if session.exam_code != existing.exam_code
        || session.written_date != existing.written_date
        || session.delivery != existing.delivery
        || session.time_of_day != existing.time_of_day
    {
        return Err(AppError::new(ErrorCode::NoTransfer));
    }
    session.created_at = existing.created_at;
    session.status = existing.status;
    let out = SessionCreated {
        id: session.id.clone(),
        release_at: session.release_at.and_utc().to_rfc3339(),
        warnings: release_window_warning(&session).into_iter().collect(),
    };
    state.db.call(move |c| workflows::update_session(c, &session, &extras, &timetable)).await?;
    audit_event(state, tid, Some(actor), "session.update", Some(id.to_owned()), json!({})).await?;
    Ok(out)
}

/// Checks a session as typed; returns it ready to store.
pub fn check_session(
    tenant: &Tenant,
    exams: &[centre::Exam],
    input: &SessionInput,
    id: String,
    now: DateTime<Utc>,
) -> Result<(ExamSession, SessionExtras, Vec<TimetableLine>), AppError> {
    let exam = exams.iter().find(|e| e.code == input.exam_code.trim()).ok_or_else(|| {
        AppError::at(ErrorCode::InvalidChoice, "exam_code")
            .arg("value", &input.exam_code)
            .arg("choices", exams.iter().map(|e| e.code.as_str()).collect::<Vec<_>>().join(", "))
    })?;
    let written = date("written_date", &input.written_date)?;
    if !matches!(input.time_of_day.as_str(), "AM" | "PM") {
        return Err(AppError::at(ErrorCode::InvalidChoice, "time_of_day")
            .arg("value", &input.time_of_day)
            .arg("choices", "AM, PM"));
    }
    if !matches!(input.delivery.as_str(), "PB" | "CB") {
        return Err(AppError::at(ErrorCode::InvalidChoice, "delivery")
            .arg("value", &input.delivery)
            .arg("choices", "PB, CB"));
    }
    if input.fee_minor < 0 {
        return Err(AppError::at(ErrorCode::Negative, "fee_minor"));
    }
    if input.late_fee_minor < 0 {
        return Err(AppError::at(ErrorCode::Negative, "late_fee_minor"));
    }
    let currency = tessera_domain::Currency::parse(input.currency.trim())?;
    let opens = date("registration_opens", &input.registration_opens)?;
    let closes = date("registration_closes", &input.registration_closes)?;
    let late = date("late_entry_deadline", &input.late_entry_deadline)?;
    if opens > closes {
        return Err(AppError::at(ErrorCode::DateOrder, "registration_closes").arg_field("other", "registration_opens"));
    }
    if late < closes {
        return Err(AppError::at(ErrorCode::DateOrder, "late_entry_deadline").arg_field("other", "registration_closes"));
    }
    if late > written {
        return Err(AppError::at(ErrorCode::DateAfter, "late_entry_deadline").arg_field("other", "written_date"));
    }
    if input.capacity < 1 {
        return Err(AppError::at(ErrorCode::NotPositive, "capacity"));
    }
    if input.minimum_candidates < 0 || input.minimum_candidates > input.capacity {
        return Err(AppError::at(ErrorCode::OutOfRange, "minimum_candidates").arg("min", 0).arg("max", input.capacity));
    }
    let tz = match input.release_timezone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => {
            tessera_domain::tenant::parse_timezone(name).map_err(|e| AppError::from(e).on("release_timezone"))?
        }
        None => tenant.timezone,
    };
    let local = NaiveDateTime::parse_from_str(input.release_at.trim(), "%Y-%m-%d %H:%M")
        .map_err(|_| AppError::at(ErrorCode::InvalidDateTime, "release_at").arg("value", &input.release_at))?;
    let release = tz
        .from_local_datetime(&local)
        .earliest()
        .ok_or_else(|| AppError::at(ErrorCode::NonexistentLocalTime, "release_at"))?;
    let release = release.with_timezone(&Utc);
    if release.date_naive() < written {
        return Err(AppError::at(ErrorCode::DateOrder, "release_at").arg_field("other", "written_date"));
    }
    let speaking_start = opt_date("speaking_window_start", &input.speaking_window_start)?;
    let speaking_end = opt_date("speaking_window_end", &input.speaking_window_end)?;
    if let (Some(a), Some(b)) = (speaking_start, speaking_end)
        && a > b
    {
        return Err(
            AppError::at(ErrorCode::DateOrder, "speaking_window_end").arg_field("other", "speaking_window_start")
        );
    }
    let promotion_ends = opt_date("promotion_ends", &input.promotion_ends)?;
    if let Some(bp) = input.student_discount_bp
        && !(0..=10_000).contains(&bp)
    {
        return Err(AppError::at(ErrorCode::OutOfRange, "student_discount_bp").arg("min", 0).arg("max", 10_000));
    }
    let components: Vec<&str> = exam.components.split(',').collect();
    let mut timetable = Vec::new();
    for (i, line) in input.timetable.iter().enumerate() {
        let name = format!("timetable[{i}]");
        if !components.contains(&line.component.trim()) {
            return Err(AppError::at(ErrorCode::InvalidChoice, &name)
                .arg("value", &line.component)
                .arg("choices", components.join(", ")));
        }
        let day = date(&name, &line.day)?;
        if chrono::NaiveTime::parse_from_str(line.starts_at.trim(), "%H:%M").is_err() {
            return Err(AppError::at(ErrorCode::InvalidTime, &name).arg("value", &line.starts_at));
        }
        if timetable.iter().any(|l: &TimetableLine| l.component == line.component.trim()) {
            return Err(AppError::at(ErrorCode::Duplicate, &name).arg("value", &line.component));
        }
        timetable.push(TimetableLine {
            tenant_id: tenant.id.to_string(),
            session_id: id.clone(),
            component: line.component.trim().to_owned(),
            day,
            starts_at: line.starts_at.trim().to_owned(),
            venue: line.venue.trim().to_owned(),
            room: line.room.trim().to_owned(),
        });
    }
    let session = ExamSession {
        tenant_id: tenant.id.to_string(),
        id,
        exam_code: exam.code.clone(),
        written_date: written,
        time_of_day: input.time_of_day.clone(),
        delivery: input.delivery.clone(),
        fee_minor: input.fee_minor,
        late_fee_minor: input.late_fee_minor,
        currency: currency.to_string(),
        registration_opens: opens,
        registration_closes: closes,
        late_entry_deadline: late,
        capacity: input.capacity,
        minimum_candidates: input.minimum_candidates,
        release_at: release.naive_utc(),
        status: "open".into(),
        created_at: now.naive_utc(),
    };
    let extras = SessionExtras {
        speaking_window_start: speaking_start,
        speaking_window_end: speaking_end,
        promotion_ends,
        student_discount_bp: input.student_discount_bp,
        venue: input.venue.trim().to_owned(),
    };
    Ok((session, extras, timetable))
}

/// R-RESULTS-WINDOW: results usually come about 5 weeks after a paper-based exam and about 2 weeks
/// after a computer-based one. A release instant far from that is allowed but worth a warning.
pub fn release_window_warning(session: &ExamSession) -> Option<String> {
    let days = (session.release_at.date() - session.written_date).num_days();
    let (typical, range) =
        if session.delivery == "PB" { ("about 5 weeks", 21..=56) } else { ("about 2 weeks", 7..=28) };
    (!range.contains(&days)).then(|| {
        format!("R-RESULTS-WINDOW: results of a {} session usually come {typical} after the exam; this release is {days} days after it", session.delivery)
    })
}

/// Writes an audit record for `tenant`.
pub async fn audit_event(
    state: &AppState,
    tenant: TenantId,
    actor: Option<String>,
    action: &'static str,
    target: Option<String>,
    details: Value,
) -> Result<(), AppError> {
    let now = state.clock.now();
    state
        .db
        .call(move |c| {
            let ev =
                AuditEvent { actor: actor.as_deref(), action, target: target.as_deref(), details, request_id: None };
            audit::append(c, tenant, &ev, now)
        })
        .await?;
    Ok(())
}

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
    let (subject, body) = state
        .templates
        .render_email(
            "email/entry_received.txt",
            tenant.locale,
            context! { name => format!("{} {}", input.first_name.trim(), input.family_name.trim()), centre => tenant.name.clone(), exam => exam_name, date => session.written_date.to_string(), amount => amount.to_string(), pay_by => quote.pay_by.map(|d| d.to_string()), late => late, candidate_number => entry.candidate_number.clone() },
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

/// An entry's computed status and why.
#[derive(Debug, Clone, Serialize)]
pub struct EntryStatus {
    pub status: String,
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
}

fn reason_text(r: &tessera_plugin_sdk::Reason) -> String {
    match &r.rule {
        Some(rule) => format!("{rule}: {}", r.message),
        None => r.message.clone(),
    }
}

/// Recomputes an entry's status from its facts with the tenant's photo and eligibility policies
/// (R-PL-ENTRY-COMPLETE where the Polish plugin decides): `pending`, `confirmed`, `manual_review`
/// or `refused`, with the policy's violations and warnings as reasons.
pub async fn recompute_status(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    actor: Option<String>,
) -> Result<EntryStatus, AppError> {
    let (t, eid) = (tenant.clone(), entry_id.to_owned());
    write_with_decisions(state, tenant.id, actor, move |c, decider| entry_status_in(c, decider, &t, &eid)).await
}

/// [`recompute_status`] inside the caller's transaction: the write that changed the entry and
/// the status it leads to commit together, or neither does when a decision fails.
pub(crate) fn entry_status_in(
    c: &mut DbConnection,
    decider: &Decider,
    tenant: &Tenant,
    entry_id: &str,
) -> Result<EntryStatus, AppError> {
    let tid = tenant.id;
    let entry = centre::entry(c, tid, entry_id)?;
    if entry.status == EntryState::Cancelled.code() {
        return Ok(EntryStatus { status: entry.status, reasons: vec![], warnings: vec![] });
    }
    let form = workflows::entry_form(c, tid, entry_id)?;
    let cand = centre::candidate(c, tid, &entry.candidate_id)?;
    let session = centre::session(c, tid, &entry.session_id)?;
    let extras = workflows::session_extras(c, tid, &session.id)?;
    let pays = workflows::payments(c, tid, entry_id)?;
    let docs = workflows::documents(c, tid, entry_id)?;
    let others = other_entries(c, tid, &cand, &entry.id)?;
    let registration_date = form.registration_date.unwrap_or(session.registration_closes);
    let exam = exam_of(&session.exam_code);
    let photo =
        decider.decide(c, &PhotoFacts { exam, candidate_date_of_birth: cand.date_of_birth, registration_date })?;
    let paid = total_minor(pays.iter().map(|p| p.amount_minor))?;
    let consent = docs.iter().any(|d| d.kind == "photo_consent");
    let report = match form.extra_time_report.as_deref() {
        Some(r) => Some(serde_json::from_str::<SpecialistReport>(r).map_err(AppError::internal)?),
        None => None,
    };
    let facts = EligibilityFacts {
        candidate: CandidateFacts {
            date_of_birth: cand.date_of_birth,
            nationality: cand.nationality.clone().unwrap_or_default(),
        },
        entry: EntryFacts {
            exam,
            session_date: session.written_date,
            registration_date,
            last_registration_day: session.registration_closes,
            late_entry_deadline: Some(session.late_entry_deadline),
            form_submitted: true,
            fee_paid: paid >= entry.fee_minor,
            photo_consent_required: photo.consent_needed,
            photo_consent_received: consent,
            guardian_registered: form.guardian_name.is_some(),
            student_discount_claimed: form.student_discount_claimed,
            promotional_period_end: extras.promotion_ends,
            // No record of a student card shown exists yet: the policy sees "not shown".
            student_card_shown: None,
            extra_time: form
                .extra_time_condition
                .as_ref()
                .map(|condition| ExtraTimeRequest { condition: condition.clone(), report: report.clone() }),
        },
        other_entries: others,
    };
    let decision = decider.decide(c, &facts)?;
    // The policy says whether the candidate may sit; the entry is confirmed only once every item
    // has arrived (form, fee, photo consent where needed: R-PL-ENTRY-COMPLETE); until then it is
    // pending, and a policy that refuses (an item missing after the deadline) makes it refused.
    let complete = paid >= entry.fee_minor && (consent || !photo.consent_needed);
    let status = r_pl_entry_complete(decision.manual_review, decision.eligible, complete).code();
    let reasons: Vec<String> = decision.violations.iter().map(reason_text).collect();
    let mut warnings: Vec<String> = decision.warnings.iter().map(reason_text).collect();
    if form.special_arrangements.is_some() {
        let day = today(tenant, decider.now());
        warnings.extend(special_arrangements_check(c, decider, &session, registration_date, &docs, day)?);
    }
    let stored = serde_json::to_string(&json!({"violations": reasons, "warnings": warnings})).unwrap_or_default();
    workflows::set_entry_status(c, tid, entry_id, status, &stored)?;
    Ok(EntryStatus { status: status.into(), reasons, warnings })
}

/// Special arrangements (section 5): the request and the documents must arrive by the deadlines
/// policy's date (R-PL-SA-DEADLINE, R-HU-SA-DEADLINE), compared with the day each of them first
/// arrived, so what came late stays flagged; major arrangements such as Braille need contact
/// much earlier (R-PL-SA-MAJOR). Returns what is missing or late, each with its rule id.
fn special_arrangements_check(
    c: &mut DbConnection,
    decider: &Decider,
    session: &ExamSession,
    request_day: NaiveDate,
    docs: &[workflows::Document],
    day: NaiveDate,
) -> Result<Vec<String>, AppError> {
    let facts = DeadlineFacts {
        exam: exam_of(&session.exam_code),
        written_exam_date: session.written_date,
        first_component_date: session.written_date,
        last_registration_day: session.registration_closes,
        results_release: Some(session.release_at.and_utc()),
    };
    let d: Deadlines = decider.decide(c, &facts)?;
    let rule = d
        .reasons
        .iter()
        .find_map(|r| r.rule.clone().filter(|id| id.contains("SA-DEADLINE")))
        .unwrap_or_else(|| "special arrangements".into());
    let first_of = |kind: &str| docs.iter().filter(|x| x.kind == kind).map(|x| x.received_on).min();
    let check = r_sa_deadline(
        d.special_arrangements,
        request_day,
        first_of("special_arrangements_form"),
        first_of("medical_certificate"),
        day,
    );
    let name = |item: &SaItem| match item {
        SaItem::Request => "the request",
        SaItem::SignedForm => "the signed request",
        SaItem::MedicalCertificate => "the medical certificate (unless the disability is visible)",
    };
    let list = |items: &[SaItem]| items.iter().map(name).collect::<Vec<_>>().join(" and ");
    let mut out = Vec::new();
    if !check.late.is_empty() {
        out.push(format!(
            "{rule}: late: {} arrived after {}: the arrangements cannot be guaranteed (only sudden cases such as a fracture)",
            list(&check.late),
            check.deadline
        ));
    }
    if !check.missing.is_empty() {
        if check.overdue {
            out.push(format!("{rule}: {} did not arrive by {}: the arrangements cannot be guaranteed (only sudden cases such as a fracture)", list(&check.missing), check.deadline));
        } else {
            out.push(format!("{rule}: {} must arrive by {}", list(&check.missing), check.deadline));
        }
    }
    if let Some(major) = d.special_arrangements_major {
        out.push(format!("R-PL-SA-MAJOR: arrangements such as Braille papers need contact with the centre by {major}"));
    }
    Ok(out)
}

/// The candidate's other entries at the centre (same name and date of birth), for the "one per
/// month" and "several exams" rules (R-HU-ONE-PER-MONTH, R-HU-MULTI-EXAM).
fn other_entries(
    c: &mut tessera_storage::DbConnection,
    tid: TenantId,
    cand: &Candidate,
    except: &str,
) -> Result<Vec<OtherEntry>, StorageError> {
    let mut out = Vec::new();
    for s in centre::sessions(c, tid)? {
        for e in centre::session_entries(c, tid, &s.id)? {
            if e.id == except || e.status == EntryState::Cancelled.code() {
                continue;
            }
            let other = centre::candidate(c, tid, &e.candidate_id)?;
            if other.first_name == cand.first_name
                && other.family_name == cand.family_name
                && other.date_of_birth == cand.date_of_birth
            {
                out.push(OtherEntry { exam: exam_of(&s.exam_code), session_date: s.written_date });
            }
        }
    }
    Ok(out)
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
}

/// One entry with everything staff see about it: the one read model of an entry, for the page
/// and for the API alike.
#[derive(Debug, Clone, Serialize)]
pub struct EntryDetails {
    pub entry: Entry,
    pub session: ExamSession,
    pub form: EntryForm,
    pub candidate: Candidate,
    pub payments: Vec<workflows::Payment>,
    pub documents: Vec<workflows::Document>,
    pub refunds: Vec<RefundView>,
    /// Every version of the entry's result, newest last.
    pub result_versions: Vec<centre::ResultRow>,
    pub cases: Vec<tessera_storage::repo::after_exam::Case>,
    pub enquiries: Vec<tessera_storage::repo::after_exam::Enquiry>,
    pub reasons: StatusReasons,
    /// What staff checked on the specialist's report behind an extra-time request.
    pub extra_time_report: Option<SpecialistReport>,
}

/// A refund request with its reason and documents read from the facts it was decided on.
#[derive(Debug, Clone, Serialize)]
pub struct RefundView {
    #[serde(flatten)]
    pub request: workflows::RefundRequest,
    /// The reason's code, e.g. `illness`.
    pub reason: Option<String>,
    /// The documents provided, by code.
    pub documents: Vec<String>,
}

impl From<workflows::RefundRequest> for RefundView {
    fn from(request: workflows::RefundRequest) -> Self {
        let facts: Value = serde_json::from_str(&request.facts).unwrap_or_default();
        let reason = facts["reason"]["type"].as_str().map(str::to_owned);
        let documents = facts["documents"]
            .as_array()
            .map(|d| d.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        Self { request, reason, documents }
    }
}

/// Reads one entry of `tenant` with everything staff see about it.
pub async fn entry_details(state: &AppState, tenant: TenantId, entry_id: &str) -> Result<EntryDetails, AppError> {
    let id = entry_id.to_owned();
    let details = state
        .db
        .call(move |c| {
            let entry = centre::entry(c, tenant, &id)?;
            let session = centre::session(c, tenant, &entry.session_id)?;
            let form = workflows::entry_form(c, tenant, &id)?;
            let candidate = centre::candidate(c, tenant, &entry.candidate_id)?;
            let reasons = serde_json::from_str(&form.status_reasons).unwrap_or_default();
            let extra_time_report = form.extra_time_report.as_deref().and_then(|r| serde_json::from_str(r).ok());
            Ok(EntryDetails {
                payments: workflows::payments(c, tenant, &id)?,
                documents: workflows::documents(c, tenant, &id)?,
                refunds: workflows::refunds_for_entry(c, tenant, &id)?.into_iter().map(RefundView::from).collect(),
                result_versions: workflows::result_versions(c, tenant, &id)?,
                cases: tessera_storage::repo::after_exam::cases(c, tenant, &id)?,
                enquiries: tessera_storage::repo::after_exam::enquiries(c, tenant, &id)?,
                entry,
                session,
                form,
                candidate,
                reasons,
                extra_time_report,
            })
        })
        .await?;
    Ok(details)
}

/// A confirmed entry still without its Confirmation of Entry, listed for staff to contact the
/// candidate (R-COE-MISSING).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoeMissing {
    /// The entry's id.
    pub entry: String,
    pub candidate_number: String,
    /// The candidate's full name.
    pub name: String,
    /// The session's id.
    pub session: String,
    /// The exam's code.
    pub exam: String,
    pub written_date: NaiveDate,
    /// The day of the session's first component.
    pub first_component: NaiveDate,
    /// From this day the centre contacts candidates without a CoE (the deadlines policy's
    /// `coe_contact`).
    pub contact_from: NaiveDate,
}

/// R-COE-MISSING: confirmed entries of upcoming sessions still without a Confirmation of Entry,
/// from the day the tenant's deadlines policy gives (`coe_contact`, 10 days before the first
/// component in the shipped plugins). Sessions already started or over are not listed.
pub async fn coe_missing(state: &AppState, tenant: &Tenant) -> Result<Vec<CoeMissing>, AppError> {
    let tid = tenant.id;
    let day = today(tenant, state.clock.now());
    let rows = state.db.call(move |c| workflows::entries_without_coe(c, tid, day)).await?;
    let mut contact_from: std::collections::HashMap<String, NaiveDate> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (entry, session, first, cand) in rows {
        let from = match contact_from.get(&session.id) {
            Some(d) => *d,
            None => {
                let facts = DeadlineFacts {
                    exam: exam_of(&session.exam_code),
                    written_exam_date: session.written_date,
                    first_component_date: first,
                    last_registration_day: session.registration_closes,
                    results_release: Some(session.release_at.and_utc()),
                };
                let d = crate::policy::decide(state, tid, facts, None).await?.coe_contact;
                contact_from.insert(session.id.clone(), d);
                d
            }
        };
        if day >= from {
            out.push(CoeMissing {
                entry: entry.id,
                candidate_number: entry.candidate_number,
                name: format!("{} {}", cand.first_name, cand.family_name),
                session: session.id,
                exam: session.exam_code,
                written_date: session.written_date,
                first_component: first,
                contact_from: from,
            });
        }
    }
    Ok(out)
}

/// A payment as staff record it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PaymentInput {
    #[schema(example = 81000)]
    pub amount_minor: i64,
    /// `cash`, `card` or `bank_transfer`.
    #[schema(example = "card")]
    pub method: String,
    /// For bank transfers: the title, expected "<full name>, <exam short name>" (R-PL-ENTRY-COMPLETE).
    pub transfer_title: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub received_on: Option<String>,
}

/// Records a payment and recomputes the entry's status, in one transaction: when the status
/// decision fails, the payment is not stored either.
pub async fn record_payment(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: PaymentInput,
    actor: String,
) -> Result<EntryStatus, AppError> {
    let amount = check_amount("amount_minor", input.amount_minor)?;
    if !matches!(input.method.as_str(), "cash" | "card" | "bank_transfer") {
        return Err(AppError::at(ErrorCode::InvalidChoice, "method")
            .arg("value", &input.method)
            .arg("choices", "cash, card, bank_transfer"));
    }
    let title = input.transfer_title.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if input.method == "bank_transfer" && title.is_none() {
        return Err(AppError::at(ErrorCode::TransferTitleRequired, "transfer_title"));
    }
    if title.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(field("transfer_title", "must be at most 200 characters"));
    }
    let now = state.clock.now();
    let received = match &input.received_on {
        Some(d) if !d.trim().is_empty() => date("received_on", d)?,
        _ => today(tenant, now),
    };
    let (t, eid) = (tenant.clone(), entry_id.to_owned());
    write_with_decisions(state, tenant.id, Some(actor.clone()), move |c, decider| {
        let tid = t.id;
        let entry = centre::entry(c, tid, &eid)?;
        workflows::add_payment(
            c,
            &workflows::Payment {
                tenant_id: tid.to_string(),
                id: uuid::Uuid::new_v4().to_string(),
                entry_id: entry.id.clone(),
                amount_minor: amount,
                currency: entry.currency,
                method: input.method,
                transfer_title: title,
                received_on: received,
                recorded_by: actor.clone(),
                created_at: now.naive_utc(),
            },
        )?;
        let ev = AuditEvent {
            actor: Some(&actor),
            action: "entry.payment",
            target: Some(&eid),
            details: json!({"amount_minor": amount}),
            request_id: None,
        };
        audit::append(c, tid, &ev, now)?;
        entry_status_in(c, decider, &t, &eid)
    })
    .await
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

/// Document kinds an entry may carry.
pub const DOCUMENT_KINDS: [&str; 5] =
    ["photo_consent", "id_copy", "school_id_copy", "medical_certificate", "special_arrangements_form"];
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
    let Upload { kind, filename, content_type, bytes } = upload;
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
    };
    let by = actor.to_owned();
    let stored = write_with_decisions(state, tid, Some(by.clone()), move |c, decider| {
        let target = doc.entry_id.clone();
        workflows::add_document(c, &doc)?;
        let ev = AuditEvent {
            actor: Some(&by),
            action: "entry.document",
            target: Some(&target),
            details: json!({"kind": doc.kind, "size": size}),
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

/// A Confirmation of Entry just issued: the PDF, and the credentials printed on it.
pub struct IssuedCoe {
    pub pdf: Vec<u8>,
    pub id_number: String,
}

/// What a Confirmation of Entry prints, besides the centre and the secret number.
pub struct CoeParts<'a> {
    pub exam: &'a centre::Exam,
    pub session: &'a ExamSession,
    pub entry: &'a Entry,
    pub candidate: &'a Candidate,
    pub timetable: &'a [TimetableLine],
}

/// The Confirmation of Entry PDF, from its template in the centre's language (CPU only: call it
/// on the blocking pool).
pub fn coe_pdf(
    templates: &crate::templates::Templates,
    tenant: &Tenant,
    parts: &CoeParts<'_>,
    secret_number: &str,
) -> Result<Vec<u8>, AppError> {
    let ctx = context! {
        centre => tenant.name.clone(),
        exam => parts.exam,
        session => parts.session,
        entry => parts.entry,
        candidate => parts.candidate,
        timetable => parts.timetable,
        secret_number => secret_number,
        timezone => tenant.timezone.name(),
    };
    let src =
        templates.render("documents/confirmation_of_entry.txt", tenant.locale, ctx).map_err(AppError::internal)?;
    crate::pdf::typeset(&src, "Confirmation of Entry").map_err(AppError::internal)
}

/// Issues (or re-issues, for lost credentials) the Confirmation of Entry of a confirmed entry:
/// a fresh secret number (kept only as a hash), the PDF from its template, and an email with the
/// PDF attached. The secret number appears only on the CoE.
pub async fn issue_coe(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    actor: String,
) -> Result<IssuedCoe, AppError> {
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let (entry, cand, session, exam, timetable) = state
        .db
        .call(move |c| {
            let entry = centre::entry(c, tid, &eid)?;
            let cand = centre::candidate(c, tid, &entry.candidate_id)?;
            let session = centre::session(c, tid, &entry.session_id)?;
            let exam =
                centre::exams(c)?.into_iter().find(|e| e.code == session.exam_code).ok_or(StorageError::NotFound)?;
            let timetable = workflows::timetable(c, tid, &session.id)?;
            Ok((entry, cand, session, exam, timetable))
        })
        .await?;
    if entry.status != EntryState::Confirmed.code() {
        return Err(AppError::new(ErrorCode::CoeNeedsConfirmed));
    }
    let secret = {
        use rand::Rng;
        format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
    };
    let hash = state.hasher.hash(secret.clone()).await?;
    let now = state.clock.now();
    let exam_name = exam.name.clone();
    let pdf = {
        let (templates, tenant, entry, cand, session) =
            (state.templates.clone(), tenant.clone(), entry.clone(), cand.clone(), session.clone());
        tokio::task::spawn_blocking(move || {
            let parts =
                CoeParts { exam: &exam, session: &session, entry: &entry, candidate: &cand, timetable: &timetable };
            coe_pdf(&templates, &tenant, &parts, &secret)
        })
        .await
        .map_err(AppError::internal)??
    };
    let email = match cand.email.clone() {
        Some(to) => {
            let (subject, body) = state
                .templates
                .render_email("email/coe.txt", tenant.locale, context! { name => format!("{} {}", cand.first_name, cand.family_name), centre => tenant.name.clone(), exam => exam_name, date => session.written_date.to_string() })
                .map_err(AppError::internal)?;
            let attachment = EmailAttachment {
                filename: format!("confirmation-of-entry-{}.pdf", entry.candidate_number),
                content_type: "application/pdf".into(),
                base64: base64::engine::general_purpose::STANDARD.encode(&pdf),
            };
            let key = format!("coe:{}:{}", entry.id, now.timestamp_micros());
            Some(email_job(key, &EmailJob { to, subject, body, attachments: vec![attachment] }, now)?)
        }
        None => None,
    };
    // The new secret's hash, the issue date, the email and the audit record are one write: a CoE
    // is either issued and on its way, or not issued at all.
    let queued = email.is_some();
    state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                workflows::issue_coe(c, tid, &entry, &hash, now)?;
                if let Some(job) = &email {
                    jobs::enqueue(c, tid, job, now)?;
                }
                let details = json!({"candidate_number": entry.candidate_number});
                let ev = AuditEvent {
                    actor: Some(actor.as_str()),
                    action: "entry.coe",
                    target: Some(entry.id.as_str()),
                    details,
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)
            })
        })
        .await?;
    if queued {
        state.jobs_wakeup.notify_one();
    }
    Ok(IssuedCoe { pdf, id_number: cand.id_number })
}

/// What a bulk issue of a session's Confirmations of Entry did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulkCoe {
    /// Confirmations issued now (each emailed to its candidate).
    pub issued: usize,
    /// Confirmed entries that already had one (left alone: re-issuing changes the secret number).
    pub already_issued: usize,
    /// Entries not confirmed yet.
    pub not_confirmed: usize,
    /// Candidate numbers of confirmed entries without an email address: issue those one by one
    /// (`POST /api/v1/entries/{id}/coe`) to print the PDF.
    pub without_email: Vec<String>,
}

/// Issues the Confirmation of Entry of every confirmed entry of a session that has none yet and
/// whose candidate has an email address, exactly as `issue_coe` does one. The secret numbers are
/// hashed with argon2id, the dominant cost, so as many entries are in flight as the hasher runs
/// hashes at once: all cores work and sign-ins still get their turn at the hasher. A failure
/// stops the run; the entries issued so far keep their CoE, and running it again issues the rest.
pub async fn issue_session_coes(
    state: &std::sync::Arc<AppState>,
    tenant: &Tenant,
    session_id: &str,
    actor: String,
) -> Result<BulkCoe, AppError> {
    let (tid, sid) = (tenant.id, session_id.to_owned());
    let targets = state
        .db
        .call(move |c| {
            centre::session(c, tid, &sid)?;
            workflows::coe_targets(c, tid, &sid)
        })
        .await?;
    let mut outcome = BulkCoe { issued: 0, already_issued: 0, not_confirmed: 0, without_email: Vec::new() };
    let mut todo = Vec::new();
    for t in targets {
        if t.status != "confirmed" {
            outcome.not_confirmed += 1;
        } else if t.coe_issued_at.is_some() {
            outcome.already_issued += 1;
        } else if t.email.is_none() {
            outcome.without_email.push(t.candidate_number);
        } else {
            todo.push(t.entry_id);
        }
    }
    let width = state.hasher.concurrency();
    let mut running = tokio::task::JoinSet::new();
    let mut failure = None;
    for entry_id in todo {
        if running.len() >= width {
            match running.join_next().await {
                Some(Ok(Ok(_))) => outcome.issued += 1,
                Some(Ok(Err(e))) => {
                    failure = Some(e);
                    break;
                }
                Some(Err(e)) => {
                    failure = Some(AppError::internal(e));
                    break;
                }
                None => {}
            }
        }
        let (state, tenant, actor) = (state.clone(), tenant.clone(), actor.clone());
        running.spawn(async move { issue_coe(&state, &tenant, &entry_id, actor).await });
    }
    while let Some(done) = running.join_next().await {
        match done {
            Ok(Ok(_)) => outcome.issued += 1,
            Ok(Err(e)) => failure = failure.or(Some(e)),
            Err(e) => failure = failure.or(Some(AppError::internal(e))),
        }
    }
    audit_event(
        state,
        tid,
        Some(actor),
        "session.coe_bulk",
        Some(session_id.to_owned()),
        json!({"issued": outcome.issued, "already_issued": outcome.already_issued, "not_confirmed": outcome.not_confirmed, "without_email": outcome.without_email.len(), "failed": failure.is_some()}),
    )
    .await?;
    match failure {
        Some(e) => Err(e),
        None => Ok(outcome),
    }
}

/// Groups candidate numbers for the speaking test: pairs, with one group of three when the
/// number is odd (R-SPEAKING-PAIRS, the "3:2 format").
pub fn speaking_groups<T: Clone>(candidates: &[T]) -> Vec<Vec<T>> {
    let mut groups: Vec<Vec<T>> = candidates.chunks(2).map(<[T]>::to_vec).collect();
    if candidates.len() > 1 && candidates.len() % 2 == 1 {
        let last = groups.pop().expect("odd count leaves a single");
        groups.last_mut().expect("at least one pair").extend(last);
    }
    groups
}

/// A checked line of a results file.
pub use workflows::ImportedResult;

/// At most this many errors of a refused results file are reported; the rest are counted.
pub const MAX_LINE_ERRORS: usize = 100;

/// A fault in a results file: its line (1 is the header line), the column at fault when there is
/// one, and what is wrong (quoting at most 40 characters of a value).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// The line number; 1 is the header line.
    pub line: usize,
    /// The column at fault, e.g. `grade` or `Reading`; none when the line cannot be read at all.
    pub column: Option<String>,
    /// What is wrong and what was expected.
    pub message: String,
}

/// A refused results file: its first [`MAX_LINE_ERRORS`] errors and how many more it had.
#[derive(Debug, Clone, Default)]
pub struct RefusedFile {
    /// The errors reported, in line order.
    pub errors: Vec<LineError>,
    /// The errors found beyond those reported.
    pub more: usize,
}

impl RefusedFile {
    fn push(&mut self, line: usize, column: Option<&str>, message: impl Into<String>) {
        if self.errors.len() < MAX_LINE_ERRORS {
            self.errors.push(LineError { line, column: column.map(str::to_owned), message: message.into() });
        } else {
            self.more += 1;
        }
    }

    /// Every error found, reported or not.
    pub fn total(&self) -> usize {
        self.errors.len() + self.more
    }
}

/// Lines of a results file (line number, checked line), or the file's errors.
pub type ParsedResults = Result<Vec<(usize, ImportedResult)>, RefusedFile>;

/// The media types a results file may come as (a `.csv` file part is taken whatever its type).
pub const RESULTS_FILE_TYPES: [&str; 3] = ["text/csv", "application/csv", "text/plain"];

/// Whether a `Content-Type` (parameters such as `charset` aside) names a CSV file.
pub fn is_csv_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    RESULTS_FILE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(essence))
}

/// 415: a results file that is not CSV.
pub fn not_csv(content_type: Option<&str>) -> AppError {
    let given = match content_type {
        Some(t) => format!("a {} body", tessera_domain::error::quote(t)),
        None => "a body without a Content-Type".to_owned(),
    };
    AppError::bad_request(format!("a results file is CSV ({}); this is {given}", RESULTS_FILE_TYPES.join(", ")))
        .with(http::StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
}

/// Parses a board results file (CSV; see the README for the columns) for a session of `exam`.
/// Every line is checked against the exam (DOMAIN.md section 8, R-RESULT-CODES:
/// [`tessera_domain::results::check_result_line`]); every bad line is reported with its number
/// and column, and nothing is imported unless every line is good.
pub fn parse_results_csv(bytes: &[u8], exam: &tessera_domain::results::ResultExam<'_>) -> ParsedResults {
    use tessera_domain::error::quote;
    use tessera_domain::results::{ResultLine, check_result_line};
    let components = exam.components;
    let mut refused = RefusedFile::default();
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            refused.push(1, None, format!("cannot read the header line: {e}"));
            return Err(refused);
        }
    };
    let required = ["candidate_number", "status", "overall_score", "grade", "cefr"];
    for r in required.into_iter().filter(|r| !headers.iter().any(|h| h == *r)) {
        refused.push(1, Some(r), format!("the header line lacks the column {r}"));
    }
    for h in headers.iter().filter(|h| !required.contains(h) && !components.contains(h)) {
        // The column is named as quoted: a header cell can be as long as any other.
        let name = quote(h);
        refused.push(
            1,
            Some(name.trim_matches('`')),
            format!("unknown column {name}; the components of this exam are {}", components.join(", ")),
        );
    }
    if refused.total() > 0 {
        return Err(refused);
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                refused.push(line, None, format!("unreadable line: {e}"));
                continue;
            }
        };
        let get = |name: &str| col(name).and_then(|i| record.get(i)).unwrap_or("");
        let number = get("candidate_number");
        if number.len() != 4 || !number.bytes().all(|b| b.is_ascii_digit()) {
            refused.push(
                line,
                Some("candidate_number"),
                format!("candidate_number {} is not a four-digit candidate number", quote(number)),
            );
            continue;
        }
        if !seen.insert(number.to_owned()) {
            refused.push(line, Some("candidate_number"), format!("candidate number {number} appears twice"));
            continue;
        }
        let scores: Vec<(&str, &str)> = components.iter().map(|c| (*c, get(c))).collect();
        let text = ResultLine {
            status: get("status"),
            overall_score: get("overall_score"),
            grade: get("grade"),
            cefr: get("cefr"),
            components: &scores,
        };
        match check_result_line(exam, &text) {
            Ok(r) => rows.push((
                line,
                ImportedResult {
                    candidate_number: number.to_owned(),
                    status: r.status.as_str().to_owned(),
                    overall_score: r.overall_score,
                    grade: r.grade,
                    cefr: r.cefr,
                    components: r.components,
                },
            )),
            Err(errors) => {
                for e in errors {
                    refused.push(
                        line,
                        e.field.as_deref(),
                        e.detail.clone().unwrap_or_else(|| e.message(tessera_domain::Locale::En)),
                    );
                }
            }
        }
    }
    if rows.is_empty() && refused.total() == 0 {
        refused.push(1, None, "the file has no result lines");
    }
    if refused.total() == 0 { Ok(rows) } else { Err(refused) }
}

/// Imports a board results file for a session of `tenant`: checks every line against the exam,
/// then stores them all in one transaction, or nothing. Returns how many results were stored, or
/// the file's errors. The import is audited.
pub async fn import_results_file(
    state: &AppState,
    tenant: &Tenant,
    session_id: &str,
    file: &[u8],
    actor: String,
) -> Result<Result<usize, RefusedFile>, AppError> {
    let (tid, sid) = (tenant.id, session_id.to_owned());
    let session = state.db.call(move |c| centre::session(c, tid, &sid)).await?;
    let exam = tessera_domain::exams::by_code(&session.exam_code).ok_or_else(AppError::not_found)?;
    let scale =
        tessera_domain::results::ResultExam { exam_type: exam.exam_type, cefr: exam.cefr, components: exam.components };
    let rows = match parse_results_csv(file, &scale) {
        Ok(rows) => rows,
        Err(refused) => return Ok(Err(refused)),
    };
    let (now, by, sid) = (state.clock.now(), actor.clone(), session.id.clone());
    let prefix: String =
        tenant.slug.chars().filter(char::is_ascii_alphanumeric).take(2).collect::<String>().to_uppercase();
    let outcome = state
        .db
        .call(move |c| {
            use rand::Rng;
            // A Statement of Results number: the centre's country letters and eight random digits.
            let mut sor = || format!("{prefix}{:08}", rand::rngs::OsRng.gen_range(10_000_000..100_000_000u32));
            workflows::import_results(c, tid, &sid, &rows, &by, now, &mut sor)
        })
        .await?;
    match outcome {
        Ok(n) => {
            audit_event(state, tid, Some(actor), "results.import", Some(session.id.clone()), json!({"rows": n}))
                .await?;
            Ok(Ok(n))
        }
        Err(unknown) => {
            let mut refused = RefusedFile::default();
            for (line, message) in unknown {
                refused.push(line, Some("candidate_number"), message);
            }
            Ok(Err(refused))
        }
    }
}

/// A refund request as staff type it (section 10).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"reason": {"type": "withdrawal"}, "request_date": "2026-12-01"}))]
pub struct RefundInput {
    /// The reason, as the refund policy reads it, e.g. `{"type": "illness"}` or
    /// `{"type": "bereavement", "relation": "sibling"}`.
    #[schema(value_type = Object)]
    pub reason: Value,
    /// `YYYY-MM-DD`; default today.
    pub request_date: Option<String>,
    /// When the complete documents arrived, `YYYY-MM-DD`.
    pub documents_received_date: Option<String>,
    /// Documents provided, e.g. `["refund_request_form", "medical_certificate_on_centre_form"]`.
    #[serde(default)]
    pub documents: Vec<String>,
}

/// Asks the refund policy about a request for an entry and stores its decision for staff to
/// confirm; the decision records the plugin and version that made it. One transaction: at most
/// one request per entry is open at a time, and what earlier refunds paid back is not offered
/// again.
pub async fn request_refund(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: RefundInput,
    actor: String,
) -> Result<RefundView, AppError> {
    let now = state.clock.now();
    let reason: RefundReason = serde_json::from_value(input.reason.clone()).map_err(|e| {
        field(
            "reason",
            format!(
                "not a refund reason such as {{\"type\": \"illness\"}}: {}",
                tessera_domain::error::bounded(&e.to_string())
            ),
        )
    })?;
    let documents = input
        .documents
        .iter()
        .map(|d| {
            serde_json::from_value::<RefundDocument>(Value::String(d.clone())).map_err(|_| {
                field("documents", format!("{} is not a refund document", tessera_domain::error::quote(d)))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let request_date = match &input.request_date {
        Some(d) if !d.trim().is_empty() => date("request_date", d)?,
        _ => today(tenant, now),
    };
    let documents_received_date = opt_date("documents_received_date", &input.documents_received_date)?;
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let by = actor.clone();
    write_with_decisions(state, tid, Some(actor), move |c, decider| {
        workflows::lock_entry(c, tid, &eid)?;
        let entry = centre::entry(c, tid, &eid)?;
        let session = centre::session(c, tid, &entry.session_id)?;
        let earlier = workflows::refunds_for_entry(c, tid, &eid)?;
        one_open_refund(earlier.iter().filter_map(|r| RefundStatus::from_code(&r.status)))?;
        let paid = total_minor(workflows::payments(c, tid, &eid)?.iter().map(|p| p.amount_minor))?;
        let refunded = total_minor(
            earlier.iter().filter(|r| r.status == RefundStatus::Paid.code()).map(|r| r.amount_minor),
        )?;
        let refundable = refundable_minor(paid, refunded);
        if refundable == 0 {
            return Err(AppError::new(ErrorCode::NothingPaid));
        }
        let facts = RefundFacts {
            reason,
            paid: sdk_money(refundable, &entry.currency),
            request_date,
            last_registration_day: session.registration_closes,
            written_exam_date: session.written_date,
            documents_received_date,
            documents,
        };
        let (decision, origin) = decider.decide_from(c, &facts)?;
        let outcome = serde_json::to_value(decision.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        // A policy never pays back more than is refundable, whatever its arithmetic.
        if decision.amount.amount_minor > refundable || decision.amount.amount_minor < 0 {
            return Err(AppError::internal(format!(
                "the refund policy offered {} of {refundable} refundable",
                decision.amount.amount_minor
            )));
        }
        let req = workflows::RefundRequest {
            tenant_id: tid.to_string(),
            id: uuid::Uuid::new_v4().to_string(),
            entry_id: entry.id.clone(),
            facts: serde_json::to_string(&facts).map_err(AppError::internal)?,
            decision: serde_json::to_string(&decision).map_err(AppError::internal)?,
            plugin: origin.plugin,
            plugin_version: origin.version,
            outcome,
            amount_minor: decision.amount.amount_minor,
            currency: decision.amount.currency.clone(),
            pay_by: decision.pay_by,
            status: RefundStatus::Decided.code().into(),
            confirmed_by: None,
            paid_at: None,
            created_at: now.naive_utc(),
        };
        workflows::add_refund(c, &req)?;
        let ev = AuditEvent {
            actor: Some(&by),
            action: "refund.decided",
            target: Some(&req.id),
            details: json!({"entry": entry.id, "plugin": req.plugin, "version": req.plugin_version, "basis_points": decision.basis_points, "amount_minor": decision.amount.amount_minor, "cancel_entry": decision.cancel_entry}),
            request_id: None,
        };
        audit::append(c, tid, &ev, now)?;
        Ok(req)
    })
    .await
    .map(RefundView::from)
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
        let phone = phone.trim().to_owned();
        if phone.chars().count() > 40 || !phone.chars().all(|c| c.is_ascii_digit() || " +-()/".contains(c)) {
            return Err(AppError::at(ErrorCode::InvalidPhone, "phone"));
        }
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

/// One refund of a cancelled session.
#[derive(Debug, Clone, Serialize)]
pub struct CancellationRefund {
    pub entry: String,
    pub refund: String,
    pub amount_minor: i64,
    pub outcome: String,
}

/// Cancels a session that has not reached its minimum (managers only): every entry is cancelled
/// and every paid fee goes to the refund policy as `session_below_minimum` (R-SESSION-MINIMUM).
pub async fn cancel_session(
    state: &AppState,
    user: &crate::actor::Actor,
    session_id: &str,
) -> Result<Vec<CancellationRefund>, AppError> {
    user.require(&[tessera_domain::Role::CentreManager])?;
    let tid = user.tenant_id();
    let sid = session_id.to_owned();
    let (session, entries, active) = state
        .db
        .call(move |c| {
            Ok((
                centre::session(c, tid, &sid)?,
                centre::session_entries(c, tid, &sid)?,
                workflows::active_entry_count(c, tid, &sid)?,
            ))
        })
        .await?;
    if session.status == "cancelled" {
        return Err(AppError::new(ErrorCode::SessionCancelled));
    }
    if active >= i64::from(session.minimum_candidates) {
        return Err(AppError::new(ErrorCode::MinimumReached)
            .arg("active", active)
            .arg("minimum", session.minimum_candidates));
    }
    let mut refunds = Vec::new();
    for e in entries.iter().filter(|e| e.status != EntryState::Cancelled.code()) {
        let eid = e.id.clone();
        let paid = total_minor(
            state.db.call(move |c| workflows::payments(c, tid, &eid)).await?.iter().map(|p| p.amount_minor),
        )?;
        if paid > 0 {
            let input = RefundInput {
                reason: json!({"type": "session_below_minimum"}),
                request_date: None,
                documents_received_date: None,
                documents: vec![],
            };
            // An entry whose refund is already open keeps that request: staff decide it.
            match request_refund(state, &user.tenant, &e.id, input, user.user.id.clone()).await {
                Err(err) if err.code() == ErrorCode::RefundAlreadyOpen => {}
                other => {
                    let r = other?;
                    refunds.push(CancellationRefund {
                        entry: e.id.clone(),
                        refund: r.request.id,
                        amount_minor: r.request.amount_minor,
                        outcome: r.request.outcome,
                    });
                }
            }
        }
        let eid = e.id.clone();
        state
            .db
            .call(move |c| {
                workflows::set_entry_status(
                    c,
                    tid,
                    &eid,
                    EntryState::Cancelled.code(),
                    "[\"R-SESSION-MINIMUM: the session was cancelled\"]",
                )
            })
            .await?;
    }
    let sid = session_id.to_owned();
    state.db.call(move |c| workflows::set_session_status(c, tid, &sid, "cancelled")).await?;
    audit_event(
        state,
        tid,
        Some(user.user.id.clone()),
        "session.cancel",
        Some(session_id.to_owned()),
        json!({"refunds": refunds.len()}),
    )
    .await?;
    Ok(refunds)
}

/// Moves a refund request on: `confirm` the policy's decision, record the `payout`, or `reject` it.
/// Confirming a decision that cancels the entry (R-HU-REFUND-MEDICAL, R-ENTRY-VOID) cancels it in
/// the same transaction: it gets no result from then on, its place is freed, and the candidate is
/// emailed.
pub async fn advance_refund(
    state: &AppState,
    tenant: &Tenant,
    refund_id: &str,
    step: &str,
    actor: String,
) -> Result<(), AppError> {
    let step = RefundStep::parse(step)?;
    let (from, to) = step.transition();
    let (t, rid, by, now) = (tenant.clone(), refund_id.to_owned(), actor.clone(), state.clock.now());
    let templates = state.templates.clone();
    let queued = state
        .db
        .call(move |c| {
            Ok(tessera_storage::atomically(c, |c| -> Result<bool, AppError> {
                let tid = t.id;
                let refund = workflows::refund(c, tid, &rid)?;
                if !workflows::advance_refund(c, tid, &rid, from.code(), to.code(), &by, now)? {
                    return Err(AppError::new(ErrorCode::RefundWrongState));
                }
                let ev = AuditEvent {
                    actor: Some(&by),
                    action: "refund.step",
                    target: Some(&rid),
                    details: json!({"to": to.code()}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)?;
                if step != RefundStep::Confirm {
                    return Ok(false);
                }
                let decision: tessera_plugin_sdk::kinds::RefundDecision =
                    serde_json::from_str(&refund.decision).map_err(AppError::internal)?;
                if !decision.cancel_entry {
                    return Ok(false);
                }
                cancel_entry_for_refund(c, &templates, &t, &refund, &decision, &by, now)
            }))
        })
        .await??;
    if queued {
        state.jobs_wakeup.notify_one();
    }
    Ok(())
}

/// Cancels the entry of a confirmed refund whose decision says so, records why with the rules the
/// policy cited, and queues the candidate's email. True when an email was queued.
fn cancel_entry_for_refund(
    c: &mut DbConnection,
    templates: &crate::templates::Templates,
    tenant: &Tenant,
    refund: &workflows::RefundRequest,
    decision: &tessera_plugin_sdk::kinds::RefundDecision,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let tid = tenant.id;
    let entry = centre::entry(c, tid, &refund.entry_id)?;
    if entry.status == EntryState::Cancelled.code() {
        return Ok(false);
    }
    let rules: Vec<String> = decision.reasons.iter().filter_map(|r| r.rule.clone()).collect();
    let why = format!(
        "{}: the entry was cancelled with the refund; no result is issued (R-ENTRY-VOID)",
        if rules.is_empty() { "refund".to_owned() } else { rules.join(", ") }
    );
    let reasons = serde_json::to_string(&json!({"violations": [why], "warnings": []})).map_err(AppError::internal)?;
    workflows::set_entry_status(c, tid, &entry.id, EntryState::Cancelled.code(), &reasons)?;
    let ev = AuditEvent {
        actor: Some(actor),
        action: "entry.cancel",
        target: Some(&entry.id),
        details: json!({"refund": refund.id, "rules": rules}),
        request_id: None,
    };
    audit::append(c, tid, &ev, now)?;
    let cand = centre::candidate(c, tid, &entry.candidate_id)?;
    let Some(to) = cand.email.clone() else { return Ok(false) };
    let session = centre::session(c, tid, &entry.session_id)?;
    let refund_text = tessera_domain::Currency::parse(&refund.currency)
        .ok()
        .map(|cur| tessera_domain::Money::new(refund.amount_minor, cur).to_string())
        .filter(|_| refund.amount_minor > 0);
    let (subject, body) = templates
        .render_email(
            "email/entry_cancelled.txt",
            tenant.locale,
            context! { name => format!("{} {}", cand.first_name, cand.family_name), centre => tenant.name.clone(), exam => session.exam_code.clone(), date => session.written_date.to_string(), refund => refund_text },
        )
        .map_err(AppError::internal)?;
    let job =
        email_job(format!("entry-cancelled:{}", entry.id), &EmailJob { to, subject, body, attachments: vec![] }, now)?;
    jobs::enqueue(c, tid, &job, now)?;
    Ok(true)
}
