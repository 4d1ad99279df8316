//! Finding a candidate across all of a centre's sessions, by name, ID number or email.

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use tessera_domain::payments::normalise_title;
use tessera_domain::{ErrorCode, Role};
use tessera_storage::repo::centre;

/// At most this many candidates are shown for one search.
pub const FIND_LIMIT: usize = 50;

/// A candidate found, with every entry of theirs at the centre.
#[derive(Debug, Clone, Serialize)]
pub struct CandidateHit {
    /// The candidate's id.
    pub candidate_id: String,
    /// First and family name.
    pub name: String,
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// The ID number of their Confirmation of Entry.
    pub id_number: String,
    /// Email, if given.
    pub email: Option<String>,
    /// Their entries, the latest session first.
    pub entries: Vec<EntryHit>,
}

/// One entry of a candidate found.
#[derive(Debug, Clone, Serialize)]
pub struct EntryHit {
    /// The entry's id (its page is `/centre/entries/{id}`).
    pub entry_id: String,
    /// The exam's code.
    pub exam_code: String,
    /// The day of the written papers.
    pub written_date: NaiveDate,
    /// The candidate number in that session.
    pub candidate_number: String,
    /// The entry's status code.
    pub status: String,
}

/// The centre's candidates whose name (accents, case and punctuation aside), ID number or email
/// contains `q` (2 to 100 characters), at most [`FIND_LIMIT`], by family name.
pub async fn find_candidates(state: &AppState, user: &Actor, q: &str) -> AppResult<Vec<CandidateHit>> {
    user.require(&[Role::CentreManager, Role::CentreStaff])?;
    let wanted = normalise_title(q);
    if !(2..=100).contains(&q.trim().chars().count()) || wanted.is_empty() {
        return Err(AppError::at(ErrorCode::Length, "q").arg("min", 2).arg("max", 100));
    }
    let raw = q.trim().to_lowercase();
    let tid = user.tenant_id();
    let (found, entries, sessions) = state
        .db
        .call(move |c| {
            let found: Vec<_> = centre::all_candidates(c, tid)?
                .into_iter()
                .filter(|cand| {
                    let name = normalise_title(&format!("{} {}", cand.first_name, cand.family_name));
                    let reversed = normalise_title(&format!("{} {}", cand.family_name, cand.first_name));
                    name.contains(&wanted)
                        || reversed.contains(&wanted)
                        || cand.id_number.to_lowercase().contains(&raw)
                        || cand.email.as_deref().is_some_and(|e| e.to_lowercase().contains(&raw))
                })
                .take(FIND_LIMIT)
                .collect();
            let ids: Vec<String> = found.iter().map(|c| c.id.clone()).collect();
            let entries = centre::entries_of_candidates(c, tid, &ids)?;
            Ok((found, entries, centre::sessions(c, tid)?))
        })
        .await?;
    let sessions: HashMap<&str, _> = sessions.iter().map(|s| (s.id.as_str(), s)).collect();
    let mut by_candidate: HashMap<&str, Vec<EntryHit>> = HashMap::new();
    for e in &entries {
        let Some(s) = sessions.get(e.session_id.as_str()) else { continue };
        by_candidate.entry(e.candidate_id.as_str()).or_default().push(EntryHit {
            entry_id: e.id.clone(),
            exam_code: s.exam_code.clone(),
            written_date: s.written_date,
            candidate_number: e.candidate_number.clone(),
            status: e.status.clone(),
        });
    }
    Ok(found
        .into_iter()
        .map(|c| {
            let mut entries = by_candidate.remove(c.id.as_str()).unwrap_or_default();
            entries.sort_by_key(|e| std::cmp::Reverse(e.written_date));
            CandidateHit {
                name: format!("{} {}", c.first_name, c.family_name),
                candidate_id: c.id,
                date_of_birth: c.date_of_birth,
                id_number: c.id_number,
                email: c.email,
                entries,
            }
        })
        .collect())
}
