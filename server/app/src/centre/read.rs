//! A centre's sessions, candidates, entries and results as its staff read them (the API's read
//! models).

use crate::actor::Actor;
use crate::error::AppError;
use crate::records::{ExamSessionRecord, SessionExtrasRecord, TimetableLineRecord};
use crate::state::AppState;
use serde::Serialize;
use tessera_domain::TenantKind;
use tessera_domain::results::ResultStatus;
use tessera_domain::{ErrorCode, Role, TenantId};
use tessera_storage::repo::centre::{self, Candidate, Entry, ExamSession};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;
use utoipa::ToSchema;

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];

/// An exam session.
#[derive(Serialize, ToSchema)]
pub struct SessionView {
    id: String,
    exam_code: String,
    written_date: String,
    time_of_day: String,
    delivery: String,
    fee_minor: i64,
    late_fee_minor: i64,
    currency: String,
    registration_closes: String,
    capacity: i32,
    minimum_candidates: i32,
    release_at: String,
    status: String,
}

/// An entry.
#[derive(Serialize, ToSchema)]
pub struct EntryView {
    id: String,
    session_id: String,
    candidate_id: String,
    candidate_number: String,
    status: String,
    fee_minor: i64,
    currency: String,
}

/// A candidate.
#[derive(Serialize, ToSchema)]
pub struct CandidateView {
    id: String,
    first_name: String,
    family_name: String,
    date_of_birth: String,
    email: Option<String>,
    nationality: Option<String>,
    id_number: String,
    has_account: bool,
}

/// A component score.
#[derive(Serialize, ToSchema)]
pub struct ComponentView {
    component: String,
    score: i32,
}

/// One version of a result. Components are empty for X, Z, Pending and Withheld (R-RESULT-CODES).
#[derive(Serialize, ToSchema)]
pub struct ResultView {
    id: String,
    entry_id: String,
    version: i32,
    is_current: bool,
    status: String,
    overall_score: Option<i32>,
    grade: Option<String>,
    cefr: Option<String>,
    sor_number: String,
    components: Vec<ComponentView>,
}

impl From<ExamSession> for SessionView {
    fn from(s: ExamSession) -> Self {
        Self {
            id: s.id,
            exam_code: s.exam_code,
            written_date: s.written_date.to_string(),
            time_of_day: s.time_of_day,
            delivery: s.delivery,
            fee_minor: s.fee_minor,
            late_fee_minor: s.late_fee_minor,
            currency: s.currency,
            registration_closes: s.registration_closes.to_string(),
            capacity: s.capacity,
            minimum_candidates: s.minimum_candidates,
            release_at: s.release_at.and_utc().to_rfc3339(),
            status: s.status,
        }
    }
}

impl From<Entry> for EntryView {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            session_id: e.session_id,
            candidate_id: e.candidate_id,
            candidate_number: e.candidate_number,
            status: e.status,
            fee_minor: e.fee_minor,
            currency: e.currency,
        }
    }
}

impl From<Candidate> for CandidateView {
    fn from(c: Candidate) -> Self {
        Self {
            id: c.id,
            first_name: c.first_name,
            family_name: c.family_name,
            date_of_birth: c.date_of_birth.to_string(),
            email: c.email,
            nationality: c.nationality,
            id_number: c.id_number,
            has_account: c.user_id.is_some(),
        }
    }
}

/// The centre's sessions.
pub async fn sessions(state: &AppState, user: &Actor) -> Result<Vec<SessionView>, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(state.db.call(move |c| centre::sessions(c, tid)).await?.into_iter().map(SessionView::from).collect())
}

/// One session.
pub async fn session(state: &AppState, user: &Actor, id: String) -> Result<SessionView, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(state.db.call(move |c| centre::session(c, tid, &id)).await?.into())
}

/// A session's entries.
pub async fn session_entries(state: &AppState, user: &Actor, id: String) -> Result<Vec<EntryView>, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let rows = state
        .db
        .call(move |c| {
            centre::session(c, tid, &id)?;
            centre::session_entries(c, tid, &id)
        })
        .await?;
    Ok(rows.into_iter().map(EntryView::from).collect())
}

/// A page of the centre's candidates: `limit` (1 to 500) from `offset`.
pub async fn candidates(
    state: &AppState,
    user: &Actor,
    offset: i64,
    limit: i64,
) -> Result<Vec<CandidateView>, AppError> {
    user.require(STAFF)?;
    if offset < 0 {
        return Err(AppError::at(ErrorCode::Negative, "offset"));
    }
    if !(1..=500).contains(&limit) {
        return Err(AppError::at(ErrorCode::OutOfRange, "limit").arg("min", 1).arg("max", 500));
    }
    let tid = user.tenant_id();
    Ok(state
        .db
        .call(move |c| centre::candidates(c, tid, offset, limit))
        .await?
        .into_iter()
        .map(CandidateView::from)
        .collect())
}

/// One candidate.
pub async fn candidate(state: &AppState, user: &Actor, id: String) -> Result<CandidateView, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(state.db.call(move |c| centre::candidate(c, tid, &id)).await?.into())
}

/// One entry.
pub async fn entry(state: &AppState, user: &Actor, id: String) -> Result<EntryView, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(state.db.call(move |c| centre::entry(c, tid, &id)).await?.into())
}

/// One result, with its component scores when its status shows them.
pub async fn result(state: &AppState, user: &Actor, id: String) -> Result<ResultView, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let (r, comps) = state.db.call(move |c| centre::result(c, tid, &id)).await?;
    let status: ResultStatus = r.status.parse()?;
    let components = if status.shows_components() {
        comps.into_iter().map(|c| ComponentView { component: c.component, score: c.score }).collect()
    } else {
        vec![]
    };
    Ok(ResultView {
        id: r.id,
        entry_id: r.entry_id,
        version: r.version,
        is_current: r.is_current,
        status: r.status,
        overall_score: r.overall_score,
        grade: r.grade,
        cefr: r.cefr,
        sor_number: r.sor_number,
        components,
    })
}

/// A session's timetable, its extras and how many entries are active.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionTimetable {
    /// What the centre added to the session (venue, notes).
    #[schema(value_type = Object)]
    pub extras: SessionExtrasRecord,
    /// The timetabled components.
    #[schema(value_type = Vec<Object>)]
    pub timetable: Vec<TimetableLineRecord>,
    /// Entries that are not cancelled.
    pub active_entries: i64,
}

/// The timetable of session `id`.
pub async fn session_timetable(state: &AppState, user: &Actor, id: String) -> Result<SessionTimetable, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let (extras, timetable, active_entries) = state
        .db
        .call(move |c| {
            centre::session(c, tid, &id)?;
            Ok((
                workflows::session_extras(c, tid, &id)?,
                workflows::timetable(c, tid, &id)?,
                workflows::active_entry_count(c, tid, &id)?,
            ))
        })
        .await?;
    Ok(SessionTimetable {
        extras: extras.into(),
        timetable: timetable.into_iter().map(Into::into).collect(),
        active_entries,
    })
}

/// The active centre with the code `slug`, for public pages; anything else is not found.
pub async fn public_centre(state: &AppState, slug: String) -> Result<Tenant, AppError> {
    let tenant = crate::auth::login::tenant_for_login(state, &slug).await?;
    if tenant.kind != TenantKind::Centre {
        return Err(AppError::not_found());
    }
    Ok(tenant)
}

/// A stored document: its type and its bytes.
pub async fn document(state: &AppState, user: &Actor, id: String) -> Result<(String, Vec<u8>), AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let doc = state.db.call(move |c| workflows::document(c, tid, &id)).await?;
    let path = super::document_path(state, tid, &doc.id);
    let bytes = tokio::fs::read(&path).await.map_err(|_| AppError::not_found())?;
    Ok((doc.content_type, bytes))
}

/// The speaking-test groups of session `id` as (candidate number, name) lists: pairs, one trio
/// when the number is odd (R-SPEAKING-PAIRS). Another tenant's or a made-up session is not found.
pub async fn speaking_groups(
    state: &AppState,
    tid: TenantId,
    id: String,
) -> Result<Vec<Vec<(String, String)>>, AppError> {
    let people = state
        .db
        .call(move |c| {
            centre::session(c, tid, &id)?;
            let mut out = Vec::new();
            for e in centre::session_entries(c, tid, &id)?.into_iter().filter(|e| e.status == "confirmed") {
                let cand = centre::candidate(c, tid, &e.candidate_id)?;
                out.push((e.candidate_number, format!("{} {}", cand.first_name, cand.family_name)));
            }
            Ok(out)
        })
        .await?;
    Ok(super::speaking_groups(&people))
}

/// The exams sessions can be of, in code order.
pub async fn exams(state: &AppState) -> Result<Vec<centre::Exam>, AppError> {
    Ok(state.db.call(centre::exams).await?)
}

/// The exams' names by code: pages name an exam ("B2 First"), codes are for forms and files.
pub async fn exam_names(state: &AppState) -> Result<std::collections::BTreeMap<String, String>, AppError> {
    Ok(exams(state).await?.into_iter().map(|e| (e.code, e.name)).collect())
}

/// A session as stored, to be edited.
#[derive(Debug, Serialize)]
pub struct StoredSession {
    /// The session.
    pub session: ExamSessionRecord,
    /// Its extras.
    pub extras: SessionExtrasRecord,
    /// Its timetable.
    pub timetable: Vec<TimetableLineRecord>,
}

/// Session `id` as stored, with its extras and timetable.
pub async fn stored_session(state: &AppState, user: &Actor, id: String) -> Result<StoredSession, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let (session, extras, timetable) = state
        .db
        .call(move |c| {
            Ok((
                centre::session(c, tid, &id)?,
                workflows::session_extras(c, tid, &id)?,
                workflows::timetable(c, tid, &id)?,
            ))
        })
        .await?;
    Ok(StoredSession {
        session: session.into(),
        extras: extras.into(),
        timetable: timetable.into_iter().map(Into::into).collect(),
    })
}

/// One entry of a session's page.
#[derive(Debug, Serialize)]
pub struct SessionEntryRow {
    /// The entry's id.
    pub id: String,
    /// The candidate number.
    pub number: String,
    /// The candidate's name.
    pub name: String,
    /// The entry's status code (shown through the locale).
    pub status: String,
    /// The fee, written with its currency.
    pub amount: String,
}

/// A session's page: the session, its timetable and its entries.
#[derive(Debug, Serialize)]
pub struct SessionOverview {
    /// The session.
    pub session: ExamSessionRecord,
    /// Its timetable.
    pub timetable: Vec<TimetableLineRecord>,
    /// Its entries.
    pub entries: Vec<SessionEntryRow>,
}

/// Session `id` with its timetable and entries.
pub async fn session_overview(state: &AppState, user: &Actor, id: String) -> Result<SessionOverview, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(state
        .db
        .call(move |c| {
            let session = centre::session(c, tid, &id)?;
            let timetable = workflows::timetable(c, tid, &id)?;
            let mut entries = Vec::new();
            for e in centre::session_entries(c, tid, &id)? {
                let cand = centre::candidate(c, tid, &e.candidate_id)?;
                let currency = tessera_domain::Currency::parse(&e.currency)
                    .unwrap_or(tessera_domain::Currency::parse("XXX").expect("valid"));
                entries.push(SessionEntryRow {
                    id: e.id,
                    number: e.candidate_number,
                    name: format!("{} {}", cand.first_name, cand.family_name),
                    status: e.status,
                    amount: tessera_domain::Money::new(e.fee_minor, currency).to_string(),
                });
            }
            Ok(SessionOverview {
                session: session.into(),
                timetable: timetable.into_iter().map(Into::into).collect(),
                entries,
            })
        })
        .await?)
}

/// The sessions of centre `tenant` open for entries on `day` (the public entry form).
pub async fn sessions_open_for_entry(
    state: &AppState,
    tenant: TenantId,
    day: chrono::NaiveDate,
) -> Result<Vec<ExamSession>, AppError> {
    Ok(state
        .db
        .call(move |c| centre::sessions(c, tenant))
        .await?
        .into_iter()
        .filter(|s| s.status == "open" && s.registration_opens <= day && day <= s.late_entry_deadline)
        .collect())
}

/// One item of the centre's calendar: a session without a timetable, or one timetabled component.
#[derive(Debug, Serialize)]
pub struct CalendarItem {
    /// The session's id.
    pub session: String,
    /// The exam's code.
    pub exam: String,
    /// The session's status code.
    pub status: String,
    /// Morning or afternoon (a session without a timetable).
    pub time_of_day: Option<String>,
    /// Paper or computer (a session without a timetable).
    pub delivery: Option<String>,
    /// The component (a timetabled one).
    pub component: Option<String>,
    /// When it starts.
    pub starts_at: Option<String>,
    /// Where.
    pub venue: Option<String>,
    /// Which room.
    pub room: Option<String>,
}

/// Every session and timetabled component of the centre, by day, in date order.
pub async fn calendar(
    state: &AppState,
    user: &Actor,
) -> Result<std::collections::BTreeMap<chrono::NaiveDate, Vec<CalendarItem>>, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(state
        .db
        .call(move |c| {
            let mut days: std::collections::BTreeMap<chrono::NaiveDate, Vec<CalendarItem>> = Default::default();
            for s in centre::sessions(c, tid)? {
                let lines = workflows::timetable(c, tid, &s.id)?;
                let item = |s: &ExamSession| CalendarItem {
                    session: s.id.clone(),
                    exam: s.exam_code.clone(),
                    status: s.status.clone(),
                    time_of_day: None,
                    delivery: None,
                    component: None,
                    starts_at: None,
                    venue: None,
                    room: None,
                };
                if lines.is_empty() {
                    let whole = CalendarItem {
                        time_of_day: Some(s.time_of_day.clone()),
                        delivery: Some(s.delivery.clone()),
                        ..item(&s)
                    };
                    days.entry(s.written_date).or_default().push(whole);
                }
                for l in lines {
                    let part = CalendarItem {
                        component: Some(l.component),
                        starts_at: Some(l.starts_at.to_string()),
                        venue: Some(l.venue),
                        room: Some(l.room),
                        ..item(&s)
                    };
                    days.entry(l.day).or_default().push(part);
                }
            }
            Ok(days)
        })
        .await?)
}

/// A refund request as its decision step names it: its entry, its amount and the candidate.
#[derive(Debug, Serialize)]
pub struct RefundSummary {
    /// The entry's id.
    pub entry: String,
    /// The amount decided, in minor units.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: String,
    /// The candidate's full name.
    pub name: String,
}

/// Refund request `id`'s entry, amount and candidate.
pub async fn refund_summary(state: &AppState, user: &Actor, id: String) -> Result<RefundSummary, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    Ok(state
        .db
        .call(move |c| {
            let r = workflows::refund(c, tid, &id)?;
            let e = centre::entry(c, tid, &r.entry_id)?;
            let cand = centre::candidate(c, tid, &e.candidate_id)?;
            Ok(RefundSummary {
                entry: r.entry_id,
                amount_minor: r.amount_minor,
                currency: r.currency,
                name: format!("{} {}", cand.first_name, cand.family_name),
            })
        })
        .await?)
}

/// What the centre's home page counts.
#[derive(Debug, Serialize)]
pub struct CentreCounts {
    /// Sessions.
    pub sessions: i64,
    /// Candidates.
    pub candidates: i64,
    /// Entries.
    pub entries: i64,
}

/// The centre's sessions and counts, for its home page.
pub async fn overview(state: &AppState, user: &Actor) -> Result<(Vec<ExamSession>, CentreCounts), AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let (sessions, (s, c, e)) =
        state.db.call(move |conn| Ok((centre::sessions(conn, tid)?, centre::counts(conn, tid)?))).await?;
    Ok((sessions, CentreCounts { sessions: s, candidates: c, entries: e }))
}

/// How many results are shared with the verifier organisation `verifier` now.
pub async fn shared_with(state: &AppState, verifier: TenantId) -> Result<i64, AppError> {
    Ok(state.db.call(move |c| centre::active_shares_for_verifier(c, verifier)).await?)
}
