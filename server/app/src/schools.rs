//! Schools (R-SCHOOL-ENTRY), as the seed's Prep Centre Service: a school (a verifier organisation)
//! asks a centre for a link; once the centre approves it, the school enters its students as a
//! group (one CSV upload) and sees its own students' results without each student sharing them.
//! The candidates see that their school can.

use crate::centre::{EntryInput, check_person, submit_entry};
use crate::centre::{audit_event, today};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::verifier::Verifier;
use serde::Serialize;
use serde_json::json;
use tessera_domain::{ErrorCode, TenantId, TenantKind};
use tessera_storage::StorageError;
use tessera_storage::repo::schools::{self as repo, SchoolLink};
use tessera_storage::repo::tenants::{self, Tenant};
use tessera_storage::repo::{centre, workflows};
use utoipa::ToSchema;

/// Most students in one group entry.
pub const GROUP_MAX: usize = 500;

/// A school's link with a centre.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolLinkView {
    /// The link's id.
    pub id: String,
    /// The centre's code.
    pub centre: String,
    /// The centre's name.
    pub centre_name: String,
    /// The school's name.
    pub school_name: String,
    /// `pending`, `approved` or `refused`.
    pub status: String,
    /// When the school asked (UTC, RFC 3339).
    pub requested_at: String,
    /// When the centre decided, if it did.
    pub decided_at: Option<String>,
}

fn view(c: &mut tessera_storage::DbConnection, l: SchoolLink) -> Result<SchoolLinkView, StorageError> {
    let parse = |id: &str| id.parse::<TenantId>().map_err(|_| StorageError::Corrupt(format!("tenant id {id}")));
    let centre = tenants::by_id(c, parse(&l.tenant_id)?)?;
    let school = tenants::by_id(c, parse(&l.school_tenant_id)?)?;
    Ok(SchoolLinkView {
        id: l.id,
        centre: centre.slug,
        centre_name: centre.name,
        school_name: school.name,
        status: l.status,
        requested_at: l.requested_at.and_utc().to_rfc3339(),
        decided_at: l.decided_at.map(|d| d.and_utc().to_rfc3339()),
    })
}

async fn active_centre(state: &AppState, code: &str) -> AppResult<Tenant> {
    let code = code.trim().to_ascii_lowercase();
    let found = state.db.call(move |c| tenants::by_slug(c, &code)).await;
    match found {
        Ok(t) if t.kind == TenantKind::Centre && t.status == "active" => Ok(t),
        Ok(_) | Err(StorageError::NotFound) => Err(AppError::at(ErrorCode::NotFound, "centre")),
        Err(e) => Err(e.into()),
    }
}

/// The school asks centre `centre_code` for a link (409 when one is pending or approved).
pub async fn request_link(state: &AppState, v: &Verifier, centre_code: &str) -> AppResult<SchoolLinkView> {
    let centre = active_centre(state, centre_code).await?;
    let (school, by, now) = (v.tenant, v.actor_id.clone(), state.clock.now());
    let link = state
        .db
        .call(move |c| {
            let l = repo::request(c, centre.id, school, &by, now)?;
            view(c, l)
        })
        .await?;
    audit_event(
        state,
        v.tenant,
        Some(v.actor_id.clone()),
        "school.link_request",
        Some(link.id.clone()),
        json!({"centre": link.centre}),
    )
    .await?;
    Ok(link)
}

/// The school's links with centres.
pub async fn links_of_school(state: &AppState, v: &Verifier) -> AppResult<Vec<SchoolLinkView>> {
    let school = v.tenant;
    Ok(state
        .db
        .call(move |c| repo::of_school(c, school)?.into_iter().map(|l| view(c, l)).collect::<Result<Vec<_>, _>>())
        .await?)
}

/// The centre's links with schools, pending first.
pub async fn links_of_centre(state: &AppState, tenant: &Tenant) -> AppResult<Vec<SchoolLinkView>> {
    let tid = tenant.id;
    Ok(state
        .db
        .call(move |c| repo::of_centre(c, tid)?.into_iter().map(|l| view(c, l)).collect::<Result<Vec<_>, _>>())
        .await?)
}

/// The centre approves or refuses a pending link (audited); 404 for another centre's link, 409
/// for one decided already.
pub async fn decide_link(
    state: &AppState,
    tenant: &Tenant,
    id: &str,
    approve: bool,
    actor: String,
) -> AppResult<SchoolLinkView> {
    let (tid, lid, by, now) = (tenant.id, id.to_owned(), actor.clone(), state.clock.now());
    let decided = state
        .db
        .call(move |c| {
            if !repo::of_centre(c, tid)?.iter().any(|l| l.id == lid) {
                return Err(StorageError::NotFound);
            }
            repo::decide(c, tid, &lid, approve, &by, now)?.map(|l| view(c, l)).transpose()
        })
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Conflict))?;
    let action = if approve { "school.link_approve" } else { "school.link_refuse" };
    audit_event(
        state,
        tenant.id,
        Some(actor),
        action,
        Some(decided.id.clone()),
        json!({"school": decided.school_name}),
    )
    .await?;
    Ok(decided)
}

/// A session a school can enter its students for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenSession {
    /// The session's id.
    pub id: String,
    /// The exam's code.
    pub exam_code: String,
    /// The exam's name.
    pub exam_name: String,
    /// The written paper's date.
    pub written_date: chrono::NaiveDate,
    /// `PB` or `CB`.
    pub delivery: String,
}

/// The sessions of centre `centre_code` open for entries today, for a school linked with it.
pub async fn open_sessions(state: &AppState, v: &Verifier, centre_code: &str) -> AppResult<Vec<OpenSession>> {
    let centre = active_centre(state, centre_code).await?;
    let (cid, school) = (centre.id, v.tenant);
    if !state.db.call(move |c| repo::approved(c, cid, school)).await? {
        return Err(AppError::at(ErrorCode::SchoolNotLinked, "centre"));
    }
    let day = today(&centre, state.clock.now());
    Ok(crate::centre::read::sessions_open_for_entry(state, cid, day)
        .await?
        .into_iter()
        .map(|s| OpenSession {
            exam_name: tessera_domain::exams::by_code(&s.exam_code)
                .map_or_else(|| s.exam_code.clone(), |e| e.name.to_owned()),
            id: s.id,
            exam_code: s.exam_code,
            written_date: s.written_date,
            delivery: s.delivery,
        })
        .collect())
}

/// One student entered by a group entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupEntered {
    /// The row of the file (the header is row 1).
    pub row: usize,
    /// The entry's id at the centre.
    pub entry_id: String,
    /// The candidate number.
    pub candidate_number: String,
    /// The student's name.
    pub name: String,
}

const COLUMNS: &[&str] = &[
    "first_name",
    "family_name",
    "date_of_birth",
    "email",
    "phone",
    "nationality",
    "guardian_name",
    "guardian_contact",
];

fn file_error() -> AppError {
    AppError::at(ErrorCode::GroupEntryFile, "file").arg("max", GROUP_MAX)
}

/// A refusal of row `row` of a group entry: the column as the field, the problem in `locale`.
fn row_error(row: usize, e: &AppError, locale: tessera_domain::Locale) -> AppError {
    let column = e.field().unwrap_or("file").to_owned();
    AppError::at(ErrorCode::GroupEntryRow, column).arg("row", row).arg("problem", e.text(locale))
}

/// Reads a group entry file: one [`EntryInput`] a row, with its row number.
fn read_rows(csv_bytes: &[u8], session_id: &str) -> AppResult<Vec<(usize, EntryInput)>> {
    let text =
        std::str::from_utf8(csv_bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(csv_bytes)).map_err(|_| file_error())?;
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(text.as_bytes());
    let header: Vec<String> =
        reader.headers().map_err(|_| file_error())?.iter().map(|h| h.to_ascii_lowercase()).collect();
    if header.iter().any(|h| !COLUMNS.contains(&h.as_str()))
        || ["first_name", "family_name", "date_of_birth", "email"].iter().any(|c| !header.iter().any(|h| h == c))
    {
        return Err(file_error());
    }
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record = record.map_err(|_| file_error())?;
        let cell =
            |name: &str| header.iter().position(|h| h == name).and_then(|p| record.get(p)).unwrap_or("").to_owned();
        let opt = |name: &str| Some(cell(name)).filter(|s| !s.is_empty());
        rows.push((
            row,
            EntryInput {
                session_id: session_id.to_owned(),
                first_name: cell("first_name"),
                family_name: cell("family_name"),
                date_of_birth: cell("date_of_birth"),
                email: cell("email"),
                phone: cell("phone"),
                nationality: cell("nationality"),
                id_document_type: String::new(),
                id_document_number: String::new(),
                guardian_name: opt("guardian_name"),
                guardian_contact: opt("guardian_contact"),
                special_arrangements: None,
                student_discount_claimed: false,
                extra_time_condition: None,
                regulations_accepted: false,
            },
        ));
    }
    if rows.is_empty() || rows.len() > GROUP_MAX {
        return Err(file_error());
    }
    Ok(rows)
}

/// A school enters its students for a session of centre `centre_code` (R-SCHOOL-ENTRY): every
/// row is checked first (a bad one is refused by row and column, and nothing is entered), the
/// session must have a place for each student, then each student is entered as the centre's own
/// entry form would (fees, eligibility, acknowledgement email) with the school recorded.
pub async fn group_entry(
    state: &AppState,
    v: &Verifier,
    centre_code: &str,
    session_id: &str,
    csv_bytes: &[u8],
) -> AppResult<Vec<GroupEntered>> {
    let centre = active_centre(state, centre_code).await?;
    let (cid, school) = (centre.id, v.tenant);
    if !state.db.call(move |c| repo::approved(c, cid, school)).await? {
        return Err(AppError::at(ErrorCode::SchoolNotLinked, "centre"));
    }
    let rows = read_rows(csv_bytes, session_id)?;
    let day = today(&centre, state.clock.now());
    for (row, input) in &rows {
        if let Err(e) = check_person(input, day) {
            return Err(row_error(*row, &e, v.locale));
        }
    }
    let sid = session_id.to_owned();
    let (session, taken) = state
        .db
        .call(move |c| Ok((centre::session(c, cid, &sid)?, workflows::active_entry_count(c, cid, &sid)?)))
        .await
        .map_err(|e| match e {
            StorageError::NotFound => AppError::at(ErrorCode::NotFound, "session_id"),
            other => other.into(),
        })?;
    let left = (i64::from(session.capacity) - taken).max(0);
    if (rows.len() as i64) > left {
        return Err(AppError::at(ErrorCode::GroupEntryFull, "file").arg("left", left).arg("asked", rows.len()));
    }
    let mut entered = Vec::new();
    for (row, input) in rows {
        let name = format!("{} {}", input.first_name, input.family_name);
        let receipt = submit_entry(state, &centre, input, Some(v.actor_id.clone()))
            .await
            .map_err(|e| row_error(row, &e, v.locale))?;
        let (eid, now) = (receipt.entry_id.clone(), state.clock.now());
        state.db.call(move |c| repo::record_entries(c, cid, school, &[eid], now)).await?;
        entered.push(GroupEntered {
            row,
            entry_id: receipt.entry_id,
            candidate_number: receipt.candidate_number,
            name,
        });
    }
    audit_event(
        state,
        v.tenant,
        Some(v.actor_id.clone()),
        "school.group_entry",
        Some(session_id.to_owned()),
        json!({"centre": centre.slug, "students": entered.len()}),
    )
    .await?;
    Ok(entered)
}

/// One of the school's students and their result, once released.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SchoolStudentResult {
    /// The centre's name.
    pub centre_name: String,
    /// The entry's id at the centre.
    pub entry_id: String,
    /// The student's name.
    pub name: String,
    /// Date of birth.
    pub date_of_birth: chrono::NaiveDate,
    /// The exam.
    pub exam_name: String,
    /// The written paper's date.
    pub written_date: chrono::NaiveDate,
    /// Whether results are released (R-RELEASE); until then no result is given.
    pub released: bool,
    /// The result's status (`graded`, `X`, `Z`, `Pending`, `Withheld`), once released.
    pub status: Option<String>,
    /// Overall score, once released and graded.
    pub overall_score: Option<i32>,
    /// Grade.
    pub grade: Option<String>,
    /// CEFR level.
    pub cefr: Option<String>,
    /// Statement of Results number.
    pub sor_number: Option<String>,
}

/// The school's students at every centre it is linked with, with their results once released:
/// no share needed (R-SCHOOL-ENTRY). Only entries the school made, at centres whose link is
/// still approved.
pub async fn results(state: &AppState, v: &Verifier) -> AppResult<Vec<SchoolStudentResult>> {
    let (school, now) = (v.tenant, state.clock.now());
    Ok(state
        .db
        .call(move |c| {
            let mut out = Vec::new();
            for (centre_id, entry_id) in repo::entries_of(c, school)? {
                let tid: TenantId =
                    centre_id.parse().map_err(|_| StorageError::Corrupt(format!("tenant id {centre_id}")))?;
                let centre_t = tenants::by_id(c, tid)?;
                let entry = centre::entry(c, tid, &entry_id)?;
                let cand = centre::candidate(c, tid, &entry.candidate_id)?;
                let session = centre::session(c, tid, &entry.session_id)?;
                let exam_name = tessera_domain::exams::by_code(&session.exam_code)
                    .map_or_else(|| session.exam_code.clone(), |e| e.name.to_owned());
                let released = now >= session.release_at.and_utc();
                let result =
                    if released { centre::current_result(c, tid, &entry_id).ok().map(|(r, _)| r) } else { None };
                let graded = result.as_ref().is_some_and(|r| r.status == "graded");
                out.push(SchoolStudentResult {
                    centre_name: centre_t.name,
                    entry_id,
                    name: format!("{} {}", cand.first_name, cand.family_name),
                    date_of_birth: cand.date_of_birth,
                    exam_name,
                    written_date: session.written_date,
                    released,
                    status: result.as_ref().map(|r| r.status.clone()),
                    overall_score: result.as_ref().filter(|_| graded).and_then(|r| r.overall_score),
                    grade: result.as_ref().filter(|_| graded).and_then(|r| r.grade.clone()),
                    cefr: result.as_ref().filter(|_| graded).and_then(|r| r.cefr.clone()),
                    sor_number: result.map(|r| r.sor_number),
                });
            }
            Ok(out)
        })
        .await?)
}

/// The school that can see the result of entry `entry_id` of `centre`, for the candidate.
pub fn school_name_in(
    c: &mut tessera_storage::DbConnection,
    centre: TenantId,
    entry_id: &str,
) -> Result<Option<String>, StorageError> {
    match repo::school_of_entry(c, centre, entry_id)? {
        Some(school) => {
            let id: TenantId = school.parse().map_err(|_| StorageError::Corrupt(format!("tenant id {school}")))?;
            Ok(Some(tenants::by_id(c, id)?.name))
        }
        None => Ok(None),
    }
}
