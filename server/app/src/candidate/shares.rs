//! Sharing results with approved verifier organisations, seeing who looked, and withdrawing a
//! share.

use super::{Candidate, local};
use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use std::collections::HashMap;
use tessera_domain::{ErrorCode, TenantId, TenantKind};
use tessera_storage::StorageError;
use tessera_storage::repo::candidate::{self as repo, ShareRefusal};
use tessera_storage::repo::centre;
use tessera_storage::repo::shares;
use tessera_storage::repo::tenants::{self, Tenant};
use utoipa::ToSchema;

/// Most results shared in one request.
pub const MAX_SHARE_BATCH: usize = 50;

/// An approved verifier organisation in the directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryEntry {
    /// The organisation's id (what a share names).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its country (ISO 3166 code).
    pub country: String,
}

/// Approved verifier organisations whose name contains `q` (at most 100).
pub async fn directory(state: &AppState, q: &str) -> Result<Vec<DirectoryEntry>, AppError> {
    let q: String = q.trim().chars().take(100).collect();
    let rows = state.db.call(move |c| tenants::verifier_directory(c, &q)).await?;
    Ok(rows
        .into_iter()
        .map(|t| DirectoryEntry { id: t.id.to_string(), name: t.name, country: t.country.to_string() })
        .collect())
}

/// A view or download of a shared result by someone at the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateShareEvent {
    /// Who (their name at the organisation).
    pub actor_name: String,
    /// `view` or `download`.
    pub action: String,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// When, in the centre's time zone.
    pub at_local: String,
    /// The result version seen (R-RESULT-VERSIONS); none for events recorded before versions were.
    pub result_version: Option<i32>,
    /// Whether it was an earlier version than the current one (replaced after an enquiry).
    pub earlier_version: bool,
}

/// A share of one result with one organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateShare {
    /// The share's id.
    pub id: String,
    /// The entry whose result is shared.
    pub entry_id: String,
    /// The exam's name.
    pub exam_name: String,
    /// The organisation's id.
    pub verifier_id: String,
    /// The organisation's name.
    pub verifier_name: String,
    /// When it was shared (UTC, RFC 3339).
    pub shared_at: String,
    /// When it was shared, in the centre's time zone.
    pub shared_local: String,
    /// When it was withdrawn, if it was (UTC, RFC 3339).
    pub withdrawn_at: Option<String>,
    /// When it was withdrawn, in the centre's time zone.
    pub withdrawn_local: Option<String>,
    /// Whether the organisation can still see the result.
    pub active: bool,
    /// Who at the organisation viewed or downloaded it, newest first.
    pub events: Vec<CandidateShareEvent>,
}

/// Every share of the candidate's results, newest first, with who viewed or downloaded each.
pub async fn shares_of(state: &AppState, tenant: &Tenant, cand: &Candidate) -> Result<Vec<CandidateShare>, AppError> {
    let (tid, cid) = (tenant.id, cand.id.clone());
    let rows = state
        .db
        .call(move |c| {
            let mut names: HashMap<String, String> = HashMap::new();
            let mut exams: HashMap<String, String> = HashMap::new();
            let mut out = Vec::new();
            for s in repo::shares_of(c, tid, &cid)? {
                if !names.contains_key(&s.verifier_tenant_id) {
                    let name = match s.verifier_tenant_id.parse() {
                        Ok(v) => tenants::by_id(c, v).map(|t| t.name).unwrap_or_default(),
                        Err(_) => String::new(),
                    };
                    names.insert(s.verifier_tenant_id.clone(), name);
                }
                if !exams.contains_key(&s.entry_id) {
                    let sheet = centre::result_sheet(c, tid, &s.entry_id)?;
                    exams.insert(s.entry_id.clone(), sheet.exam.name);
                }
                let events = shares::events(c, tid, &s.id)?;
                let current = centre::current_result(c, tid, &s.entry_id).ok().map(|(r, _)| r.version);
                out.push((names[&s.verifier_tenant_id].clone(), exams[&s.entry_id].clone(), s, events, current));
            }
            Ok(out)
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(verifier_name, exam_name, s, events, current)| CandidateShare {
            id: s.id,
            entry_id: s.entry_id,
            exam_name,
            verifier_id: s.verifier_tenant_id,
            verifier_name,
            shared_at: s.shared_at.and_utc().to_rfc3339(),
            shared_local: local(s.shared_at, tenant),
            withdrawn_at: s.withdrawn_at.map(|t| t.and_utc().to_rfc3339()),
            withdrawn_local: s.withdrawn_at.map(|t| local(t, tenant)),
            active: s.withdrawn_at.is_none(),
            events: events
                .into_iter()
                .map(|e| CandidateShareEvent {
                    actor_name: e.actor_name,
                    action: e.action,
                    at: e.at.and_utc().to_rfc3339(),
                    at_local: local(e.at, tenant),
                    earlier_version: matches!((e.result_version, current), (Some(seen), Some(now)) if seen < now),
                    result_version: e.result_version,
                })
                .collect(),
        })
        .collect())
}

/// Shares released results of the candidate with an approved verifier organisation. Every
/// entry must be the candidate's own, released and shareable, or nothing is shared (404 for an
/// entry that is not theirs, as if it did not exist). Sharing again an active share keeps it.
pub async fn share(
    state: &AppState,
    user: &Actor,
    cand: &Candidate,
    verifier: &str,
    entry_ids: &[String],
) -> Result<Vec<String>, AppError> {
    let mut ids: Vec<String> = entry_ids.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::at(ErrorCode::NoResultChosen, "entry_ids"));
    }
    if ids.len() > MAX_SHARE_BATCH {
        return Err(AppError::at(ErrorCode::SelectionSize, "entry_ids").arg("min", 1).arg("max", MAX_SHARE_BATCH));
    }
    let bad_verifier = || AppError::at(ErrorCode::UnknownVerifier, "verifier");
    let verifier_id: TenantId = verifier.trim().parse().map_err(|_| bad_verifier())?;
    let verifier = match state.db.call(move |c| tenants::by_id(c, verifier_id)).await {
        Ok(t) if t.kind == TenantKind::Verifier && t.status == "active" => t,
        Ok(_) | Err(StorageError::NotFound) => return Err(bad_verifier()),
        Err(e) => return Err(e.into()),
    };
    let (tid, cid, now, uid) = (user.tenant_id(), cand.id.clone(), state.clock.now(), user.user.id.clone());
    let vid = verifier.id;
    match state.db.call(move |c| repo::share_results(c, tid, &cid, vid, &ids, &uid, now)).await? {
        Ok(ids) => Ok(ids),
        Err(ShareRefusal::NotShareable(_)) => Err(AppError::at(ErrorCode::NotShareable, "entry_ids")),
    }
}

/// Withdraws one of the candidate's shares: the organisation loses access at once. Another
/// candidate's share is a 404.
pub async fn withdraw(state: &AppState, user: &Actor, cand: &Candidate, share_id: &str) -> Result<(), AppError> {
    let (tid, cid, now, uid, sid) =
        (user.tenant_id(), cand.id.clone(), state.clock.now(), user.user.id.clone(), share_id.to_owned());
    state.db.call(move |c| repo::withdraw_share(c, tid, &cid, &sid, &uid, now)).await?;
    Ok(())
}
