//! Issuing: the credential of a released result version is made once, the first time anyone
//! needs it (the Statement of Results PDF, the candidate's download, the API), signed with the
//! centre's current key, and stored; later requests get the stored document.

use super::keys::{self, Wrapping};
use super::{credential_url, status_list_url};
use crate::error::AppError;
use chrono::{DateTime, Utc};
use serde_json::Value;
use tessera_credentials::{Achievement, Component, STATUS_LIST_BITS, StatusEntry};
use tessera_domain::results::ResultStatus;
use tessera_storage::repo::centre::{self, ResultSheet};
use tessera_storage::repo::credentials::{self as repo, CredentialRow};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::{DbConnection, StorageError};

/// An issued credential.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The credential's id (the last segment of its verification link).
    pub id: String,
    /// The verification link (`<public_url>/verify/<id>`), printed as the QR code.
    pub link: String,
    /// The signed document.
    pub document: Value,
    /// Whether it is revoked.
    pub revoked: bool,
}

impl Issued {
    fn of(row: CredentialRow, public_url: &str) -> Result<Self, AppError> {
        Ok(Self {
            link: credential_url(public_url, &row.id),
            document: serde_json::from_str(&row.document).map_err(AppError::internal)?,
            revoked: row.revoked_at.is_some(),
            id: row.id,
        })
    }
}

fn achievement(
    sheet: &ResultSheet,
    tenant: &Tenant,
    public_url: &str,
    id: &str,
    index: u64,
    valid_from: DateTime<Utc>,
) -> Achievement {
    let r = &sheet.result;
    let graded = r.status.parse::<ResultStatus>().is_ok_and(ResultStatus::shows_components);
    Achievement {
        id: credential_url(public_url, id),
        issuer_did: keys::did_of(public_url, &tenant.slug),
        issuer_name: tenant.name.clone(),
        valid_from,
        candidate_name: format!("{} {}", sheet.candidate.first_name, sheet.candidate.family_name),
        date_of_birth: sheet.candidate.date_of_birth,
        exam_code: sheet.exam.code.clone(),
        exam_name: sheet.exam.name.clone(),
        session_date: sheet.session.written_date,
        sor_number: r.sor_number.clone(),
        overall_score: r.overall_score,
        grade: r.grade.clone(),
        cefr: r.cefr.clone(),
        components: if graded {
            sheet.components.iter().map(|c| Component { name: c.component.clone(), score: c.score }).collect()
        } else {
            vec![]
        },
        version: r.version,
        status: {
            let (list, bit) = list_of(index);
            StatusEntry { list_url: status_list_url(public_url, &tenant.slug, list), index: bit }
        },
    }
}

/// The credential of the current result version of `entry_id`, issuing it if it has none yet.
/// `None` when the result is not released or states nothing to verify (pending, withheld:
/// R-CREDENTIAL). Callers check who may see it.
pub fn for_entry_in(
    c: &mut DbConnection,
    tenant: &Tenant,
    entry_id: &str,
    wrap: &Wrapping,
    public_url: &str,
    now: DateTime<Utc>,
) -> Result<Option<Issued>, AppError> {
    let sheet = match centre::result_sheet(c, tenant.id, entry_id) {
        Ok(s) => s,
        Err(StorageError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let release_at = sheet.session.release_at.and_utc();
    let states_a_result = sheet.result.status.parse::<ResultStatus>().is_ok_and(ResultStatus::r_credential);
    if now < release_at || !states_a_result {
        return Ok(None);
    }
    if let Some(row) = repo::for_result(c, tenant.id, &sheet.result.id)? {
        return Ok(Some(Issued::of(row, public_url)?));
    }
    let (key_id, key) = keys::signing_key(c, tenant.id, wrap)?;
    let vm = format!("{}#{key_id}", keys::did_of(public_url, &tenant.slug));
    // A version made after the release (an enquiry) is valid from when it was made.
    let valid_from = release_at.max(sheet.result.created_at.and_utc());
    // Two servers issuing at once: the unique indexes refuse the second insert, which retries
    // (and finds the first one's credential if it was for the same result).
    for _ in 0..5 {
        let index = repo::next_status_index(c, tenant.id)?;
        let id = uuid::Uuid::new_v4().to_string();
        let unsigned = tessera_credentials::achievement_credential(&achievement(
            &sheet,
            tenant,
            public_url,
            &id,
            index as u64,
            valid_from,
        ));
        let signed = tessera_credentials::sign(unsigned, &key, &vm, now).map_err(AppError::internal)?;
        let row = CredentialRow {
            tenant_id: tenant.id.to_string(),
            id,
            result_id: sheet.result.id.clone(),
            entry_id: entry_id.to_owned(),
            status_index: index,
            document: signed.to_string(),
            issued_at: now.naive_utc(),
            revoked_at: None,
            revoked_reason: None,
        };
        match repo::insert(c, &row) {
            Ok(()) => return Ok(Some(Issued::of(row, public_url)?)),
            Err(StorageError::Conflict(_)) => {
                if let Some(row) = repo::for_result(c, tenant.id, &sheet.result.id)? {
                    return Ok(Some(Issued::of(row, public_url)?));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(AppError::busy(1))
}

/// Which status list holds bit `index`, and the bit's place in it.
pub fn list_of(index: u64) -> (u64, u64) {
    (index / STATUS_LIST_BITS + 1, index % STATUS_LIST_BITS)
}

/// The credential of the current result of an entry of the centre `tenant`, for its staff (to
/// hand to a candidate without an account, or to check what was issued). 404 before the release
/// and for a result that states nothing to verify.
pub async fn for_centre(state: &crate::state::AppState, tenant: &Tenant, entry_id: &str) -> Result<Issued, AppError> {
    let (t, eid, wrap, url, now) = (
        tenant.clone(),
        entry_id.to_owned(),
        state.credential_keys.clone(),
        state.settings.public_url.clone(),
        state.clock.now(),
    );
    state
        .db
        .call(move |c| {
            centre::entry(c, t.id, &eid)?;
            Ok(for_entry_in(c, &t, &eid, &wrap, &url, now))
        })
        .await??
        .ok_or_else(AppError::not_found)
}
