//! The centre workflows (DOMAIN.md sections 3 to 10) as operations shared by pages and the API:
//! sessions, entries, payments, documents, Confirmations of Entry, results imports, speaking
//! pairs and refunds. Everything that varies by country is asked of the tenant's policy plugins.

use crate::error::AppError;
use crate::outbox::{EmailAttachment, EmailJob, email_job, queue_email};
use crate::state::AppState;
use base64::Engine;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tessera_domain::tenant::{parse_email, parse_name};
use tessera_domain::{DomainError, TenantId};
use tessera_plugin_sdk::kinds::{EligibilityDecision, FeeQuote, PhotoPolicy, RefundDecision};
use tessera_policy::DecisionKind;
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre::{self, Candidate, Entry, ExamSession};
use tessera_storage::repo::jobs;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, EntryForm, EntryRefusal, SessionExtras, TimetableLine};

/// The policy plugins' name for an exam of the catalogue.
pub fn policy_exam(code: &str) -> &'static str {
    match code {
        "KET" => "ket",
        "KETS" => "ket_for_schools",
        "PET" => "pet",
        "PETS" => "pet_for_schools",
        "FCE" => "fce",
        "FCES" => "fce_for_schools",
        "CAE" => "cae",
        "CPE" => "cpe",
        "BECP" => "bec_preliminary",
        "BECV" => "bec_vantage",
        "BECH" => "bec_higher",
        "DELTA1" => "delta_module_one",
        "TKT" => "tkt",
        _ => "yle",
    }
}

fn field(name: &str, msg: impl Into<String>) -> AppError {
    DomainError::field(name, msg).into()
}

fn date(name: &str, s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| field(name, format!("`{s}` is not a date: expected YYYY-MM-DD")))
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
        return Err(AppError::conflict(
            "a session's exam, date and delivery cannot change: create a new session instead (R-NO-TRANSFER)",
        )
        .with(axum::http::StatusCode::CONFLICT, "no_transfer"));
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
        field(
            "exam_code",
            format!(
                "`{}` is not an exam of the catalogue: expected one of {}",
                input.exam_code,
                exams.iter().map(|e| e.code.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let written = date("written_date", &input.written_date)?;
    if !matches!(input.time_of_day.as_str(), "AM" | "PM") {
        return Err(field("time_of_day", "expected AM or PM"));
    }
    if !matches!(input.delivery.as_str(), "PB" | "CB") {
        return Err(field("delivery", "expected PB (paper-based) or CB (computer-based)"));
    }
    if input.fee_minor < 0 || input.late_fee_minor < 0 {
        return Err(field("fee_minor", "fees cannot be negative"));
    }
    let currency = tessera_domain::Currency::parse(input.currency.trim())?;
    let opens = date("registration_opens", &input.registration_opens)?;
    let closes = date("registration_closes", &input.registration_closes)?;
    let late = date("late_entry_deadline", &input.late_entry_deadline)?;
    if opens > closes {
        return Err(field("registration_closes", "must not be before registration_opens"));
    }
    if late < closes {
        return Err(field("late_entry_deadline", "must not be before registration_closes"));
    }
    if late > written {
        return Err(field("late_entry_deadline", "must be on or before the written date"));
    }
    if input.capacity < 1 {
        return Err(field("capacity", "must be at least 1"));
    }
    if input.minimum_candidates < 0 || input.minimum_candidates > input.capacity {
        return Err(field("minimum_candidates", "must be from 0 to the capacity"));
    }
    let tz = match input.release_timezone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => tessera_domain::tenant::parse_timezone(name).map_err(|e| field("release_timezone", e.message))?,
        None => tenant.timezone,
    };
    let local = NaiveDateTime::parse_from_str(input.release_at.trim(), "%Y-%m-%d %H:%M").map_err(|_| {
        field("release_at", format!("`{}` is not a local time: expected YYYY-MM-DD HH:MM", input.release_at))
    })?;
    let release = tz
        .from_local_datetime(&local)
        .earliest()
        .ok_or_else(|| field("release_at", "this local time does not exist in that time zone"))?;
    let release = release.with_timezone(&Utc);
    if release.date_naive() < written {
        return Err(field("release_at", "results cannot be released before the exam"));
    }
    let speaking_start = opt_date("speaking_window_start", &input.speaking_window_start)?;
    let speaking_end = opt_date("speaking_window_end", &input.speaking_window_end)?;
    if let (Some(a), Some(b)) = (speaking_start, speaking_end)
        && a > b
    {
        return Err(field("speaking_window_end", "must not be before speaking_window_start"));
    }
    let promotion_ends = opt_date("promotion_ends", &input.promotion_ends)?;
    if let Some(bp) = input.student_discount_bp
        && !(0..=10_000).contains(&bp)
    {
        return Err(field("student_discount_bp", "basis points from 0 to 10000"));
    }
    let components: Vec<&str> = exam.components.split(',').collect();
    let mut timetable = Vec::new();
    for (i, line) in input.timetable.iter().enumerate() {
        let name = format!("timetable[{i}]");
        if !components.contains(&line.component.trim()) {
            return Err(field(
                &name,
                format!(
                    "`{}` is not a component of {}: expected one of {}",
                    line.component,
                    exam.code,
                    components.join(", ")
                ),
            ));
        }
        let day = date(&name, &line.day)?;
        if chrono::NaiveTime::parse_from_str(line.starts_at.trim(), "%H:%M").is_err() {
            return Err(field(&name, format!("`{}` is not a time: expected HH:MM", line.starts_at)));
        }
        if timetable.iter().any(|l: &TimetableLine| l.component == line.component.trim()) {
            return Err(field(&name, format!("{} appears twice", line.component)));
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
        return Err(field("date_of_birth", "is not a plausible date of birth"));
    }
    let email = parse_email(&input.email)?;
    let id_type = input.id_document_type.trim().to_owned();
    if !id_type.is_empty() && !ID_DOCUMENTS.contains(&id_type.as_str()) {
        return Err(field("id_document_type", format!("expected one of {}", ID_DOCUMENTS.join(", "))));
    }
    let nationality = if input.nationality.trim().is_empty() {
        None
    } else {
        Some(tessera_domain::Country::parse(&input.nationality)?.to_string())
    };
    let minor = age_on(dob, day) < 18;
    let guardian_name = input.guardian_name.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if minor && guardian_name.is_none() {
        return Err(field(
            "guardian_name",
            "a candidate under 18 on the registration date is registered by a legal guardian (R-MINOR-GUARDIAN): give the guardian's name and contact",
        ));
    }
    let (tid, sid) = (tenant.id, input.session_id.clone());
    let session = state.db.call(move |c| centre::session(c, tid, &sid)).await.map_err(|e| match e {
        StorageError::NotFound => field("session_id", "no such session at this centre"),
        other => other.into(),
    })?;
    let extras = {
        let sid = session.id.clone();
        state.db.call(move |c| workflows::session_extras(c, tid, &sid)).await?
    };
    if day < session.registration_opens {
        return Err(field("session_id", format!("registration opens on {}", session.registration_opens)));
    }
    if day > session.late_entry_deadline {
        return Err(field(
            "session_id",
            format!(
                "registration closed on {}; the late-entry deadline was {}",
                session.registration_closes, session.late_entry_deadline
            ),
        ));
    }
    let late = day > session.registration_closes;
    let exam = policy_exam(&session.exam_code);

    let fee_facts = json!({
        "exam": exam,
        "base_fee": {"amount_minor": session.fee_minor, "currency": session.currency},
        "late_fee": {"amount_minor": session.late_fee_minor, "currency": session.currency},
        "registration_date": day,
        "last_registration_day": session.registration_closes,
        "late_entry_deadline": session.late_entry_deadline,
        "promotional_period": extras.promotion_ends.map(|end| json!({"start": session.registration_opens, "end": end})),
        "student_discount": extras.student_discount_bp,
        "student_discount_claimed": input.student_discount_claimed,
    });
    let quote: FeeQuote = crate::policy::decide(state, tid, DecisionKind::Fees, fee_facts, actor.clone())
        .await?
        .typed()
        .map_err(AppError::internal)?;
    if !quote.accepted {
        let why: Vec<_> = quote.reasons.iter().map(|r| r.message.clone()).collect();
        return Err(AppError::bad_request(format!("the entry cannot be accepted: {}", why.join("; ")))
            .with(axum::http::StatusCode::UNPROCESSABLE_ENTITY, "entry_refused"));
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
    let stored = state.db.call(move |c| workflows::create_entry(c, tid, &prefix, &candidate, &entry, &form)).await?;
    let entry = match stored {
        Ok(e) => e,
        Err(EntryRefusal::Full) => {
            return Err(AppError::conflict("the session is full (R-SESSION-CAPACITY)")
                .with(axum::http::StatusCode::CONFLICT, "session_full"));
        }
        Err(EntryRefusal::NotOpen) => {
            return Err(AppError::conflict("the session is not open for entries")
                .with(axum::http::StatusCode::CONFLICT, "session_closed"));
        }
    };
    audit_event(
        state,
        tid,
        actor.clone(),
        "entry.submit",
        Some(entry.id.clone()),
        json!({"session": session.id, "late": late, "amount_minor": entry.fee_minor}),
    )
    .await?;
    let status = recompute_status(state, tenant, &entry.id, actor).await?;
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
    let tid = tenant.id;
    let eid = entry_id.to_owned();
    let (entry, form, cand, session, pays, docs, others) = state
        .db
        .call(move |c| {
            let entry = centre::entry(c, tid, &eid)?;
            let form = workflows::entry_form(c, tid, &eid)?;
            let cand = centre::candidate(c, tid, &entry.candidate_id)?;
            let session = centre::session(c, tid, &entry.session_id)?;
            let pays = workflows::payments(c, tid, &eid)?;
            let docs = workflows::documents(c, tid, &eid)?;
            let others = other_entries(c, tid, &cand, &entry.id)?;
            Ok((entry, form, cand, session, pays, docs, others))
        })
        .await?;
    if entry.status == "cancelled" {
        return Ok(EntryStatus { status: entry.status, reasons: vec![], warnings: vec![] });
    }
    let registration_date = form.registration_date.unwrap_or(session.registration_closes);
    let exam = policy_exam(&session.exam_code);
    let photo: PhotoPolicy = crate::policy::decide(
        state,
        tid,
        DecisionKind::Photo,
        json!({"exam": exam, "candidate_date_of_birth": cand.date_of_birth, "registration_date": registration_date}),
        actor.clone(),
    )
    .await?
    .typed()
    .map_err(AppError::internal)?;
    let paid: i64 = pays.iter().map(|p| p.amount_minor).sum();
    let consent = docs.iter().any(|d| d.kind == "photo_consent");
    let facts = json!({
        "candidate": {"date_of_birth": cand.date_of_birth, "nationality": cand.nationality.clone().unwrap_or_default()},
        "entry": {
            "exam": exam,
            "session_date": session.written_date,
            "registration_date": registration_date,
            "last_registration_day": session.registration_closes,
            "late_entry_deadline": session.late_entry_deadline,
            "form_submitted": true,
            "fee_paid": paid >= entry.fee_minor,
            "photo_consent_required": photo.consent_needed,
            "photo_consent_received": consent,
            "guardian_registered": form.guardian_name.is_some(),
            "student_discount_claimed": form.student_discount_claimed,
            "extra_time": form.extra_time_condition.as_ref().map(|condition| json!({
                "condition": condition,
                "report": form.extra_time_report.as_deref().and_then(|r| serde_json::from_str::<Value>(r).ok()),
            })),
        },
        "other_entries": others,
    });
    let decision: EligibilityDecision = crate::policy::decide(state, tid, DecisionKind::Eligibility, facts, actor)
        .await?
        .typed()
        .map_err(AppError::internal)?;
    // The policy says whether the candidate may sit; the entry is confirmed only once every item
    // has arrived (form, fee, photo consent where needed: R-PL-ENTRY-COMPLETE); until then it is
    // pending, and a policy that refuses (an item missing after the deadline) makes it refused.
    let complete = paid >= entry.fee_minor && (consent || !photo.consent_needed);
    let status = if decision.manual_review {
        "manual_review"
    } else if !decision.eligible {
        "refused"
    } else if complete {
        "confirmed"
    } else {
        "pending"
    };
    let reasons: Vec<String> = decision.violations.iter().map(reason_text).collect();
    let mut warnings: Vec<String> = decision.warnings.iter().map(reason_text).collect();
    if form.special_arrangements.is_some() {
        warnings.extend(special_arrangements_check(state, tenant, &session, &docs).await?);
    }
    let stored = serde_json::to_string(&json!({"violations": reasons, "warnings": warnings})).unwrap_or_default();
    let (eid, st) = (entry.id.clone(), status.to_owned());
    state.db.call(move |c| workflows::set_entry_status(c, tid, &eid, &st, &stored)).await?;
    Ok(EntryStatus { status: status.into(), reasons, warnings })
}

/// Special arrangements (section 5): the signed request and the medical documents must arrive by
/// the deadlines policy's date (R-PL-SA-DEADLINE, R-HU-SA-DEADLINE); major arrangements such as
/// Braille need contact much earlier (R-PL-SA-MAJOR). Returns what is missing or late.
async fn special_arrangements_check(
    state: &AppState,
    tenant: &Tenant,
    session: &ExamSession,
    docs: &[workflows::Document],
) -> Result<Vec<String>, AppError> {
    let facts = json!({
        "exam": policy_exam(&session.exam_code),
        "written_exam_date": session.written_date,
        "first_component_date": session.written_date,
        "last_registration_day": session.registration_closes,
        "results_release": session.release_at.and_utc(),
    });
    let d: tessera_plugin_sdk::kinds::Deadlines =
        crate::policy::decide(state, tenant.id, DecisionKind::Deadlines, facts, None)
            .await?
            .typed()
            .map_err(AppError::internal)?;
    let rule = d
        .reasons
        .iter()
        .find_map(|r| r.rule.clone().filter(|id| id.contains("SA-DEADLINE")))
        .unwrap_or_else(|| "special arrangements".into());
    let has_form = docs.iter().any(|x| x.kind == "special_arrangements_form");
    let has_medical = docs.iter().any(|x| x.kind == "medical_certificate");
    let day = today(tenant, state.clock.now());
    let mut out = Vec::new();
    if !(has_form && has_medical) {
        let missing = [
            (!has_form).then_some("the signed request"),
            (!has_medical).then_some("the medical certificate (unless the disability is visible)"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ");
        if day > d.special_arrangements {
            out.push(format!("{rule}: {missing} did not arrive by {}: the arrangements cannot be guaranteed (only sudden cases such as a fracture)", d.special_arrangements));
        } else {
            out.push(format!("{rule}: {missing} must arrive by {}", d.special_arrangements));
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
) -> Result<Vec<Value>, StorageError> {
    let mut out = Vec::new();
    for s in centre::sessions(c, tid)? {
        for e in centre::session_entries(c, tid, &s.id)? {
            if e.id == except || e.status == "cancelled" {
                continue;
            }
            let other = centre::candidate(c, tid, &e.candidate_id)?;
            if other.first_name == cand.first_name
                && other.family_name == cand.family_name
                && other.date_of_birth == cand.date_of_birth
            {
                out.push(json!({"exam": policy_exam(&s.exam_code), "session_date": s.written_date}));
            }
        }
    }
    Ok(out)
}

/// A payment as staff record it.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct PaymentInput {
    pub amount_minor: i64,
    /// `cash`, `card` or `bank_transfer`.
    pub method: String,
    /// For bank transfers: the title, expected "<full name>, <exam short name>" (R-PL-ENTRY-COMPLETE).
    pub transfer_title: Option<String>,
    /// `YYYY-MM-DD`; default today.
    pub received_on: Option<String>,
}

/// Records a payment and recomputes the entry's status.
pub async fn record_payment(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: PaymentInput,
    actor: String,
) -> Result<EntryStatus, AppError> {
    if input.amount_minor <= 0 {
        return Err(field("amount_minor", "must be positive"));
    }
    if !matches!(input.method.as_str(), "cash" | "card" | "bank_transfer") {
        return Err(field("method", "expected cash, card or bank_transfer"));
    }
    let title = input.transfer_title.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if input.method == "bank_transfer" && title.is_none() {
        return Err(field("transfer_title", "a bank transfer needs its title (\"<full name>, <exam short name>\")"));
    }
    let now = state.clock.now();
    let received = match &input.received_on {
        Some(d) if !d.trim().is_empty() => date("received_on", d)?,
        _ => today(tenant, now),
    };
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let by = actor.clone();
    state
        .db
        .call(move |c| {
            let entry = centre::entry(c, tid, &eid)?;
            workflows::add_payment(
                c,
                &workflows::Payment {
                    tenant_id: tid.to_string(),
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: entry.id,
                    amount_minor: input.amount_minor,
                    currency: entry.currency,
                    method: input.method,
                    transfer_title: title,
                    received_on: received,
                    recorded_by: by,
                    created_at: now.naive_utc(),
                },
            )
        })
        .await?;
    audit_event(
        state,
        tid,
        Some(actor.clone()),
        "entry.payment",
        Some(entry_id.to_owned()),
        json!({"amount_minor": input.amount_minor}),
    )
    .await?;
    recompute_status(state, tenant, entry_id, Some(actor)).await
}

/// The extra-time condition as given on the form: trimmed, lower case, at most 60 characters.
fn extra_time_condition(given: Option<&str>) -> Result<Option<String>, AppError> {
    let Some(c) = given.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    if c.chars().count() > 60 || c.chars().any(char::is_control) {
        return Err(field("extra_time_condition", "name the difficulty in at most 60 characters, e.g. dyslexia"));
    }
    Ok(Some(c.to_lowercase()))
}

/// What staff checked on the specialist's report behind an extra-time request (R-PL-EXTRA-TIME).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraTimeReportInput {
    /// The day the report was made, YYYY-MM-DD.
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
        return Err(field("made_on", "the report cannot be made in the future"));
    }
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let form = state.db.call(move |c| workflows::entry_form(c, tid, &eid)).await?;
    if form.extra_time_condition.is_none() {
        return Err(AppError::conflict("this entry did not ask for extra time: there is no report to record")
            .with(axum::http::StatusCode::CONFLICT, "no_extra_time_request"));
    }
    let report = json!({
        "made_on": made_on,
        "states_severity": input.states_severity,
        "names_diagnostic_tests": input.names_diagnostic_tests,
        "stamped_and_signed": input.stamped_and_signed,
    });
    let (eid, stored) = (entry_id.to_owned(), report.to_string());
    state.db.call(move |c| workflows::set_extra_time_report(c, tid, &eid, &stored)).await?;
    audit_event(state, tid, Some(actor.clone()), "entry.extra_time_report", Some(entry_id.to_owned()), report).await?;
    recompute_status(state, tenant, entry_id, Some(actor)).await
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
        return Err(AppError::bad_request("documents must be PDF, JPEG or PNG files")
            .with(axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_type"));
    };
    if content_type != actual {
        return Err(AppError::bad_request(format!("the file is {actual} but was sent as {content_type}"))
            .with(axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_type"));
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
        return Err(field("kind", format!("expected one of {}", DOCUMENT_KINDS.join(", "))));
    }
    store_document(state, tenant, entry_id, upload, &actor).await?;
    recompute_status(state, tenant, entry_id, Some(actor)).await
}

/// Checks an upload (size, type) and stores it in the tenant's folder, recorded against the entry.
pub(crate) async fn store_document(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    upload: Upload,
    actor: &str,
) -> Result<(), AppError> {
    let Upload { kind, filename, content_type, bytes } = upload;
    let (kind, content_type) = (kind.as_str(), content_type.as_str());
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(AppError::bad_request(format!(
            "documents may be at most {} MiB",
            MAX_DOCUMENT_BYTES / 1024 / 1024
        ))
        .with(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "too_large"));
    }
    if bytes.is_empty() {
        return Err(field("file", "the file is empty"));
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
    let stored = state.db.call(move |c| workflows::add_document(c, &doc)).await;
    if let Err(e) = stored {
        let _ = std::fs::remove_file(&path);
        return Err(e.into());
    }
    audit_event(
        state,
        tid,
        Some(actor.to_owned()),
        "entry.document",
        Some(entry_id.to_owned()),
        json!({"kind": kind, "size": size}),
    )
    .await
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
    if entry.status != "confirmed" {
        return Err(AppError::conflict(format!(
            "a Confirmation of Entry is issued once the entry is confirmed; this entry is {}",
            entry.status
        ))
        .with(axum::http::StatusCode::CONFLICT, "entry_not_confirmed"));
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

/// Lines of a results file (line number, checked line), or every bad line with its message.
pub type ParsedResults = Result<Vec<(usize, ImportedResult)>, Vec<(usize, String)>>;

/// Parses a board results file (CSV; see the README for the columns). Every bad line is reported
/// with its line number; nothing is imported unless every line is good.
pub fn parse_results_csv(bytes: &[u8], components: &[&str]) -> ParsedResults {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![(1, format!("cannot read the header line: {e}"))]),
    };
    let required = ["candidate_number", "status", "overall_score", "grade", "cefr"];
    let missing: Vec<_> = required.iter().filter(|r| !headers.iter().any(|h| h == **r)).collect();
    if !missing.is_empty() {
        return Err(vec![(
            1,
            format!(
                "the header line lacks the column(s) {}",
                missing.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")
            ),
        )]);
    }
    let unknown: Vec<_> = headers.iter().filter(|h| !required.contains(h) && !components.contains(h)).collect();
    if !unknown.is_empty() {
        return Err(vec![(
            1,
            format!(
                "unknown column(s) {}; the components of this exam are {}",
                unknown.join(", "),
                components.join(", ")
            ),
        )]);
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push((line, format!("unreadable line: {e}")));
                continue;
            }
        };
        let get = |name: &str| col(name).and_then(|i| record.get(i)).unwrap_or("").to_owned();
        let number = get("candidate_number");
        if number.len() != 4 || !number.bytes().all(|b| b.is_ascii_digit()) {
            errors.push((line, format!("candidate_number `{number}` is not a four-digit candidate number")));
            continue;
        }
        if !seen.insert(number.clone()) {
            errors.push((line, format!("candidate number {number} appears twice")));
            continue;
        }
        let status = get("status");
        let status = match status.as_str() {
            "graded" | "X" | "Z" | "Pending" | "Withheld" => status,
            other => {
                errors.push((
                    line,
                    format!("status `{other}` is not one of graded, X, Z, Pending, Withheld (R-RESULT-CODES)"),
                ));
                continue;
            }
        };
        if status == "graded" {
            let overall = match get("overall_score").parse::<i32>() {
                Ok(v) if (80..=230).contains(&v) => v,
                _ => {
                    errors.push((
                        line,
                        format!(
                            "overall_score `{}` is not a Cambridge English Scale score (80 to 230)",
                            get("overall_score")
                        ),
                    ));
                    continue;
                }
            };
            let grade = get("grade");
            let cefr = get("cefr");
            if grade.is_empty() || cefr.is_empty() {
                errors.push((line, "a graded result needs a grade and a CEFR level".into()));
                continue;
            }
            let mut comps = Vec::new();
            let mut bad = None;
            for c in components {
                let v = get(c);
                match v.parse::<i32>() {
                    Ok(s) if (0..=230).contains(&s) => comps.push(((*c).to_owned(), s)),
                    _ => bad = Some(format!("{c} score `{v}` is not a number from 0 to 230")),
                }
            }
            if let Some(b) = bad {
                errors.push((line, b));
                continue;
            }
            rows.push((
                line,
                ImportedResult {
                    candidate_number: number,
                    status,
                    overall_score: Some(overall),
                    grade: Some(grade),
                    cefr: Some(cefr),
                    components: comps,
                },
            ));
        } else {
            rows.push((
                line,
                ImportedResult {
                    candidate_number: number,
                    status,
                    overall_score: None,
                    grade: None,
                    cefr: None,
                    components: vec![],
                },
            ));
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push((1, "the file has no result lines".into()));
    }
    if errors.is_empty() { Ok(rows) } else { Err(errors) }
}

/// Imports a board results file for a session of `tenant`: checks every line against the exam's
/// components, then stores them all in one transaction, or nothing. Returns how many results
/// were stored, or every bad line with its number. The import is audited.
pub async fn import_results_file(
    state: &AppState,
    tenant: &Tenant,
    session_id: &str,
    file: &[u8],
    actor: String,
) -> Result<Result<usize, Vec<(usize, String)>>, AppError> {
    let (tid, sid) = (tenant.id, session_id.to_owned());
    let (session, exams) = state.db.call(move |c| Ok((centre::session(c, tid, &sid)?, centre::exams(c)?))).await?;
    let exam = exams.into_iter().find(|e| e.code == session.exam_code).ok_or_else(AppError::not_found)?;
    let components: Vec<&str> = exam.components.split(',').collect();
    let rows = match parse_results_csv(file, &components) {
        Ok(rows) => rows,
        Err(errors) => return Ok(Err(errors)),
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
    if let Ok(n) = outcome {
        audit_event(state, tid, Some(actor), "results.import", Some(session.id.clone()), json!({"rows": n})).await?;
    }
    Ok(outcome)
}

/// A refund request as staff type it (section 10).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
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
/// confirm; the decision records the plugin and version that made it.
pub async fn request_refund(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: RefundInput,
    actor: String,
) -> Result<workflows::RefundRequest, AppError> {
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let (entry, session, pays) = state
        .db
        .call(move |c| {
            let entry = centre::entry(c, tid, &eid)?;
            let session = centre::session(c, tid, &entry.session_id)?;
            let pays = workflows::payments(c, tid, &eid)?;
            Ok((entry, session, pays))
        })
        .await?;
    let paid: i64 = pays.iter().map(|p| p.amount_minor).sum();
    if paid == 0 {
        return Err(AppError::conflict("nothing was paid for this entry: there is nothing to refund")
            .with(axum::http::StatusCode::CONFLICT, "nothing_paid"));
    }
    let now = state.clock.now();
    let request_date = match &input.request_date {
        Some(d) if !d.trim().is_empty() => date("request_date", d)?,
        _ => today(tenant, now),
    };
    let facts = json!({
        "reason": input.reason,
        "paid": {"amount_minor": paid, "currency": entry.currency},
        "request_date": request_date,
        "last_registration_day": session.registration_closes,
        "written_exam_date": session.written_date,
        "documents_received_date": opt_date("documents_received_date", &input.documents_received_date)?,
        "documents": input.documents,
    });
    let decision = crate::policy::decide(state, tid, DecisionKind::Refund, facts.clone(), Some(actor.clone())).await?;
    let typed: RefundDecision = decision.typed().map_err(AppError::internal)?;
    let outcome =
        serde_json::to_value(typed.outcome).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let req = workflows::RefundRequest {
        tenant_id: tid.to_string(),
        id: uuid::Uuid::new_v4().to_string(),
        entry_id: entry.id.clone(),
        facts: facts.to_string(),
        decision: decision.output.to_string(),
        plugin: decision.plugin.clone(),
        plugin_version: decision.version.clone(),
        outcome,
        amount_minor: typed.amount.amount_minor,
        currency: typed.amount.currency.clone(),
        pay_by: typed.pay_by,
        status: "decided".into(),
        confirmed_by: None,
        paid_at: None,
        created_at: now.naive_utc(),
    };
    let stored = req.clone();
    state.db.call(move |c| workflows::add_refund(c, &stored)).await?;
    audit_event(
        state,
        tid,
        Some(actor),
        "refund.decided",
        Some(req.id.clone()),
        json!({"entry": entry.id, "plugin": decision.plugin, "version": decision.version, "basis_points": typed.basis_points, "amount_minor": typed.amount.amount_minor}),
    )
    .await?;
    Ok(req)
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
    user: &crate::auth::CurrentUser,
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
        return Err(AppError::conflict("the session is already cancelled"));
    }
    if active >= i64::from(session.minimum_candidates) {
        return Err(AppError::conflict(format!(
            "the session has {active} active entries, not below its minimum of {}: it is held (R-SESSION-MINIMUM)",
            session.minimum_candidates
        ))
        .with(axum::http::StatusCode::CONFLICT, "minimum_reached"));
    }
    let mut refunds = Vec::new();
    for e in entries.iter().filter(|e| e.status != "cancelled") {
        let eid = e.id.clone();
        let paid: i64 =
            state.db.call(move |c| workflows::payments(c, tid, &eid)).await?.iter().map(|p| p.amount_minor).sum();
        if paid > 0 {
            let input = RefundInput {
                reason: json!({"type": "session_below_minimum"}),
                request_date: None,
                documents_received_date: None,
                documents: vec![],
            };
            let r = request_refund(state, &user.tenant, &e.id, input, user.user.id.clone()).await?;
            refunds.push(CancellationRefund {
                entry: e.id.clone(),
                refund: r.id,
                amount_minor: r.amount_minor,
                outcome: r.outcome,
            });
        }
        let eid = e.id.clone();
        state
            .db
            .call(move |c| {
                workflows::set_entry_status(
                    c,
                    tid,
                    &eid,
                    "cancelled",
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
pub async fn advance_refund(
    state: &AppState,
    tenant: &Tenant,
    refund_id: &str,
    step: &str,
    actor: String,
) -> Result<(), AppError> {
    let (from, to) = match step {
        "confirm" => ("decided", "confirmed"),
        "payout" => ("confirmed", "paid"),
        "reject" => ("decided", "rejected"),
        _ => return Err(field("step", "expected confirm, payout or reject")),
    };
    let tid = tenant.id;
    let (rid, by, now) = (refund_id.to_owned(), actor.clone(), state.clock.now());
    let moved = state
        .db
        .call(move |c| {
            workflows::refund(c, tid, &rid)?;
            workflows::advance_refund(c, tid, &rid, from, to, &by, now)
        })
        .await?;
    if !moved {
        return Err(AppError::conflict(format!("the refund request is not `{from}`: it cannot be moved to `{to}`")));
    }
    audit_event(state, tid, Some(actor), "refund.step", Some(refund_id.to_owned()), json!({"to": to})).await
}
