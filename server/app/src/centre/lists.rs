//! The centre's work lists as staff read them: the home page's counts by queue for each upcoming
//! session, and the entry lists (a session's, or the whole centre's) filtered by state or exam,
//! sorted and paged (R-ENTRY-QUEUE).

use super::today;
use crate::actor::Actor;
use crate::error::AppError;
use crate::records::ExamSessionRecord;
use crate::state::AppState;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use tessera_domain::entry_work::{EntryQueue, EntryWork, entry_state_filter, r_entry_queue};
use tessera_domain::labels::{EntryStatus, Labelled};
use tessera_domain::{ErrorCode, Role};
use tessera_storage::repo::centre;
use tessera_storage::repo::centre_lists::{self, EntryFacts};

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];

/// Entries on one page of a list.
pub const PAGE_SIZE: usize = 50;

fn work(f: &EntryFacts) -> EntryWork {
    EntryWork {
        status: EntryStatus::from_code(&f.status),
        coe_issued: f.coe_issued,
        has_result: f.has_result,
        open_enquiries: f.open_enquiries,
        refunds_to_decide: f.refunds_to_decide,
        open_cases: f.open_cases,
    }
}

/// How many entries of a session are in one queue.
#[derive(Debug, Serialize)]
pub struct QueueCount {
    /// The queue's code (the list's `state` filter; shown through the locale).
    pub queue: &'static str,
    /// How many entries.
    pub count: usize,
}

/// An upcoming session and its entries counted by queue.
#[derive(Debug, Serialize)]
pub struct SessionCounts {
    /// The session.
    pub session: ExamSessionRecord,
    /// Its entries.
    pub entries: usize,
    /// Per queue, in [`EntryQueue::ALL`]'s order.
    pub queues: Vec<QueueCount>,
}

/// The centre's sessions whose written paper is today or later (the tenant's day) and that are
/// not cancelled, in date order, each with its entries counted by queue.
pub async fn upcoming_counts(state: &AppState, user: &Actor) -> Result<Vec<SessionCounts>, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let day = today(&user.tenant, state.clock.now());
    let (sessions, facts) = state
        .db
        .call(move |c| {
            let mut sessions: Vec<centre::ExamSession> = centre::sessions(c, tid)?
                .into_iter()
                .filter(|s| s.written_date >= day && s.status != "cancelled")
                .collect();
            sessions.sort_by(|a, b| (a.written_date, &a.id).cmp(&(b.written_date, &b.id)));
            let ids: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
            Ok((sessions, centre_lists::entry_facts(c, tid, Some(&ids))?))
        })
        .await?;
    let mut by_session: HashMap<&str, Vec<EntryWork>> = HashMap::new();
    for f in &facts {
        by_session.entry(f.session_id.as_str()).or_default().push(work(f));
    }
    Ok(sessions
        .into_iter()
        .map(|s| {
            let works = by_session.get(s.id.as_str()).map(Vec::as_slice).unwrap_or_default();
            let queues = EntryQueue::ALL
                .iter()
                .map(|q| QueueCount { queue: q.code(), count: works.iter().filter(|w| r_entry_queue(*q, w)).count() })
                .collect();
            SessionCounts { entries: works.len(), queues, session: s.into() }
        })
        .collect())
}

/// An entry list's query as typed in the address: every value is optional and checked by
/// [`ListQuery::parse`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ListQuery {
    /// A queue (`coe_missing`, ...) or an entry status (`pending`, ...).
    pub state: Option<String>,
    /// An exam's code (the centre's list only).
    pub exam: Option<String>,
    /// `name`, `number`, `id_number`, `status` or `date` (the entry's).
    pub sort: Option<String>,
    /// `asc` or `desc`.
    pub direction: Option<String>,
    /// From 1.
    pub page: Option<String>,
}

/// What an entry list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// Family name, then first name.
    Name,
    /// Candidate number.
    Number,
    /// ID number.
    IdNumber,
    /// Status, in the order of an entry's life.
    Status,
    /// When the entry was made.
    Date,
}

const SORT_KEYS: &[(&str, SortKey)] = &[
    ("name", SortKey::Name),
    ("number", SortKey::Number),
    ("id_number", SortKey::IdNumber),
    ("status", SortKey::Status),
    ("date", SortKey::Date),
];

/// An entry list's checked query.
#[derive(Debug, Clone, Serialize)]
pub struct ListParams {
    /// The state filter's code, if any.
    pub state: Option<String>,
    /// The exam filter, if any.
    pub exam: Option<String>,
    /// The sort key's code.
    pub sort: &'static str,
    /// Descending.
    pub desc: bool,
    /// The page asked for, from 1.
    pub page: usize,
}

fn blank(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn unknown(field: &'static str, value: &str) -> AppError {
    AppError::at(ErrorCode::UnknownFilter, field).arg("value", tessera_domain::error::bounded(value))
}

impl ListQuery {
    /// The checked query, and the first value refused: a refused value is left out (its field's
    /// default is used) so the list is still shown, with the refusal naming the field. A page
    /// past the last is the last page.
    pub fn parse(&self, exams: &[String]) -> (ListParams, Option<AppError>) {
        let mut error = None;
        let mut refuse = |e: AppError| {
            error.get_or_insert(e);
        };
        let state = blank(&self.state).and_then(|s| match entry_state_filter(s) {
            Some(_) => Some(s.to_owned()),
            None => {
                refuse(unknown("state", s));
                None
            }
        });
        let exam = blank(&self.exam).and_then(|e| {
            if exams.iter().any(|x| x == e) {
                Some(e.to_owned())
            } else {
                refuse(unknown("exam", e));
                None
            }
        });
        let sort = match blank(&self.sort) {
            None => "name",
            Some(s) => SORT_KEYS.iter().find(|(c, _)| *c == s).map(|(c, _)| *c).unwrap_or_else(|| {
                refuse(unknown("sort", s));
                "name"
            }),
        };
        let desc = match blank(&self.direction) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(d) => {
                refuse(unknown("direction", d));
                false
            }
        };
        let page = match blank(&self.page) {
            None => 1,
            Some(p) => match p.parse::<usize>() {
                Ok(n) => n.max(1),
                Err(_) => {
                    refuse(
                        AppError::at(ErrorCode::InvalidNumber, "page").arg("value", tessera_domain::error::bounded(p)),
                    );
                    1
                }
            },
        };
        (ListParams { state, exam, sort, desc, page }, error)
    }
}

/// One entry of a list.
#[derive(Debug, Serialize)]
pub struct EntryRow {
    /// The entry's id.
    pub id: String,
    /// The candidate number.
    pub number: String,
    /// The candidate's name.
    pub name: String,
    /// The candidate's ID number.
    pub id_number: String,
    /// The entry's status code (shown through the locale).
    pub status: String,
    /// When the entry was made (UTC).
    pub created_at: NaiveDateTime,
    /// Its Confirmation of Entry has been issued.
    pub coe_issued: bool,
    /// The session's id.
    pub session: String,
    /// The exam's code.
    pub exam: String,
    /// The session's written paper.
    pub written_date: chrono::NaiveDate,
}

/// A page of an entry list.
#[derive(Debug, Serialize)]
pub struct EntryList {
    /// The entries of the page.
    pub rows: Vec<EntryRow>,
    /// Entries that pass the filters, on every page.
    pub total: usize,
    /// This page, from 1.
    pub page: usize,
    /// The first row of this page, counted from 1 over every page (for "showing 51-100 of 230").
    pub first: usize,
    /// Pages (at least 1).
    pub pages: usize,
    /// The query used.
    pub params: ListParams,
}

/// The entries of session `session` (None: of every session of the centre) passing `params`'s
/// filters, sorted, the page asked for. Another tenant's or a made-up session is not found.
pub async fn entry_list(
    state: &AppState,
    user: &Actor,
    session: Option<String>,
    mut params: ListParams,
) -> Result<EntryList, AppError> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let (sessions, facts) = state
        .db
        .call(move |c| {
            let sessions: HashMap<String, centre::ExamSession> = match &session {
                Some(id) => {
                    let s = centre::session(c, tid, id)?;
                    HashMap::from([(s.id.clone(), s)])
                }
                None => centre::sessions(c, tid)?.into_iter().map(|s| (s.id.clone(), s)).collect(),
            };
            let ids = session.map(|id| vec![id]);
            Ok((sessions, centre_lists::entry_facts(c, tid, ids.as_deref())?))
        })
        .await?;
    let filter = params.state.as_deref().and_then(entry_state_filter);
    let mut rows: Vec<(EntryFacts, &centre::ExamSession)> = facts
        .into_iter()
        .filter_map(|f| {
            let s = sessions.get(&f.session_id)?;
            let keep = match filter {
                None => true,
                Some(Ok(q)) => r_entry_queue(q, &work(&f)),
                Some(Err(status)) => f.status == status.code(),
            } && params.exam.as_ref().is_none_or(|e| *e == s.exam_code);
            keep.then_some((f, s))
        })
        .collect();
    let status_rank = |code: &str| EntryStatus::ALL.iter().position(|s| s.code() == code).unwrap_or(usize::MAX);
    let folded = |s: &str| s.to_lowercase();
    match SORT_KEYS.iter().find(|(c, _)| *c == params.sort).map_or(SortKey::Name, |(_, k)| *k) {
        SortKey::Name => rows
            .sort_by_cached_key(|(f, _)| (folded(&f.family_name), folded(&f.first_name), f.candidate_number.clone())),
        SortKey::Number => rows.sort_by(|(a, _), (b, _)| a.candidate_number.cmp(&b.candidate_number)),
        SortKey::IdNumber => rows.sort_by(|(a, _), (b, _)| a.id_number.cmp(&b.id_number)),
        SortKey::Status => rows.sort_by_key(|(f, _)| (status_rank(&f.status), f.candidate_number.clone())),
        SortKey::Date => {
            rows.sort_by(|(a, _), (b, _)| (a.created_at, &a.candidate_number).cmp(&(b.created_at, &b.candidate_number)))
        }
    }
    if params.desc {
        rows.reverse();
    }
    let total = rows.len();
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    params.page = params.page.min(pages);
    let rows = rows
        .into_iter()
        .skip((params.page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|(f, s)| EntryRow {
            id: f.entry_id,
            number: f.candidate_number,
            name: format!("{} {}", f.first_name, f.family_name),
            id_number: f.id_number,
            status: f.status,
            created_at: f.created_at,
            coe_issued: f.coe_issued,
            session: s.id.clone(),
            exam: s.exam_code.clone(),
            written_date: s.written_date,
        })
        .collect();
    let first = (params.page - 1) * PAGE_SIZE + 1;
    Ok(EntryList { rows, total, page: params.page, first, pages, params })
}
