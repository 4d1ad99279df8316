//! Photo consents received as scans (R-CONSENT-SCAN): a scan counts until the first exam day of
//! the session, by which the signed original must have arrived. Staff see which originals are
//! still to come, per upcoming session.

use super::status::{consent_scan, first_exam_day};
use super::today;
use crate::error::AppError;
use crate::state::AppState;
use chrono::NaiveDate;
use serde::Serialize;
use tessera_domain::Labelled;
use tessera_domain::entries::EntryStatus as EntryState;
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// An entry whose photo consent arrived as a scan only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OriginalMissing {
    /// The entry's id.
    pub entry: String,
    pub candidate_number: String,
    /// The candidate's full name.
    pub name: String,
    /// The day the scan arrived.
    pub scan_received_on: NaiveDate,
}

/// An upcoming session's entries whose signed photo consent is still to arrive.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionOriginalsMissing {
    /// The session's id.
    pub session: String,
    /// The exam's code.
    pub exam: String,
    pub written_date: NaiveDate,
    /// The first exam day: the originals must have arrived by then.
    pub first_exam_day: NaiveDate,
    /// True on the first exam day: the scans no longer count.
    pub overdue: bool,
    pub entries: Vec<OriginalMissing>,
}

/// R-CONSENT-SCAN: per session whose first exam day is today or later, the entries (not
/// cancelled) whose photo consent arrived only as a scan, earliest session first; sessions with
/// none are left out.
pub async fn consent_originals_missing(
    state: &AppState,
    tenant: &Tenant,
) -> Result<Vec<SessionOriginalsMissing>, AppError> {
    let tid = tenant.id;
    let day = today(tenant, state.clock.now());
    let mut out = state
        .db
        .call(move |c| {
            let mut out = Vec::new();
            for s in centre::sessions(c, tid)? {
                let first = first_exam_day(c, tid, &s)?;
                if first < day {
                    continue;
                }
                let mut entries = Vec::new();
                for e in centre::session_entries(c, tid, &s.id)? {
                    if e.status == EntryState::Cancelled.code() {
                        continue;
                    }
                    let docs = workflows::documents(c, tid, &e.id)?;
                    if !consent_scan(&docs, first, day).original_missing {
                        continue;
                    }
                    let cand = centre::candidate(c, tid, &e.candidate_id)?;
                    let scan_received_on = docs
                        .iter()
                        .filter(|d| d.kind == "photo_consent" && !d.original)
                        .map(|d| d.received_on)
                        .min()
                        .unwrap_or(day);
                    entries.push(OriginalMissing {
                        entry: e.id,
                        candidate_number: e.candidate_number,
                        name: format!("{} {}", cand.first_name, cand.family_name),
                        scan_received_on,
                    });
                }
                if !entries.is_empty() {
                    entries.sort_by(|a, b| a.candidate_number.cmp(&b.candidate_number));
                    out.push(SessionOriginalsMissing {
                        session: s.id,
                        exam: s.exam_code,
                        written_date: s.written_date,
                        first_exam_day: first,
                        overdue: day >= first,
                        entries,
                    });
                }
            }
            Ok(out)
        })
        .await?;
    out.sort_by_key(|s| (s.first_exam_day, s.written_date));
    Ok(out)
}
