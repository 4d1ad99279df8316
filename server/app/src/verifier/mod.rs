//! The Results Verification Service (DOMAIN.md section 12) as pages and the API both use it:
//! searching the results shared with an organisation, reading one, the Statement of Results.
//!
//! The organisation is always the caller's own tenant. A search hit is re-checked against the
//! database before it is shown, so a withdrawn share is gone at once, even in the moment before
//! this process's index has applied the withdrawal.

mod api_access;
mod api_tokens;
mod bulk_verify;
mod detail;
mod downloads;
mod lookup;
mod search;
mod shared_list;

pub use api_access::*;
pub use api_tokens::*;
pub use bulk_verify::*;
pub use detail::*;
pub use downloads::*;
pub use lookup::*;
pub use search::*;
pub use shared_list::*;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::NaiveDate;
use tessera_domain::ErrorCode;
use tessera_domain::results::r_release;
use tessera_domain::{Role, TenantId};

/// The roles of a verifier organisation's users; everyone else gets a 404.
pub const VERIFIER_ROLES: &[Role] = &[Role::VerifierPrimary, Role::VerifierAdmin];

fn blank(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn date(field: &'static str, v: &Option<String>) -> AppResult<Option<NaiveDate>> {
    match blank(v) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::at(ErrorCode::InvalidDate, field).arg("value", &s)),
    }
}

/// Who at an organisation is asking: a signed-in user or (R-API) an API client.
#[derive(Debug, Clone)]
pub struct Verifier {
    /// The organisation (the caller's own tenant: the only scope).
    pub tenant: TenantId,
    /// Id of the user or API client, for the audit log.
    pub actor_id: String,
    /// The name the candidate sees in "who viewed my result".
    pub actor_name: String,
    /// Language of documents.
    pub locale: tessera_domain::Locale,
    /// The organisation's time zone: instants in its files are written in it.
    pub timezone: chrono_tz::Tz,
}

impl Verifier {
    /// The signed-in user as a verifier; 404 for anyone who is not a verifier user.
    pub fn from_user(user: &crate::actor::Actor) -> AppResult<Self> {
        user.require(VERIFIER_ROLES)?;
        Ok(Self {
            tenant: user.tenant_id(),
            actor_id: user.user.id.clone(),
            actor_name: format!("{} ({})", user.user.display_name, user.tenant.name),
            locale: user.tenant.locale,
            timezone: user.tenant.timezone,
        })
    }
}

/// Records a view or download of a share: the share event the candidate sees and the
/// organisation's audit record, in one transaction. Fails (404) if the share is not active.
pub(crate) async fn record(state: &AppState, v: &Verifier, share_id: &str, action: &'static str) -> AppResult<()> {
    let (tenant, id, actor, name, now) =
        (v.tenant, share_id.to_owned(), v.actor_id.clone(), v.actor_name.clone(), state.clock.now());
    state
        .db
        .call(move |c| tessera_storage::repo::verifier::record_access(c, tenant, &id, &actor, &name, action, now))
        .await?;
    Ok(())
}

/// The active share `share_id` of `v`'s organisation with its released result sheet; 404 when
/// the share is not the organisation's, withdrawn, or its result not released (R-RELEASE).
pub(crate) async fn shared_sheet(
    state: &AppState,
    v: &Verifier,
    share_id: &str,
) -> AppResult<(
    tessera_storage::repo::centre::Share,
    tessera_storage::repo::centre::ResultSheet,
    tessera_storage::repo::tenants::Tenant,
)> {
    let (tenant, id, now) = (v.tenant, share_id.to_owned(), state.clock.now());
    state
        .db
        .call(move |c| {
            let share = tessera_storage::repo::shares::active_for_verifier(c, tenant, &id)?;
            let centre: TenantId = share
                .tenant_id
                .parse()
                .map_err(|_| tessera_storage::StorageError::Corrupt(format!("tenant id `{}`", share.tenant_id)))?;
            let sheet = tessera_storage::repo::centre::result_sheet(c, centre, &share.entry_id)?;
            if !r_release(sheet.session.release_at.and_utc(), now) {
                return Err(tessera_storage::StorageError::NotFound);
            }
            let centre = tessera_storage::repo::tenants::by_id(c, centre)?;
            Ok((share, sheet, centre))
        })
        .await
        .map_err(AppError::from)
}

/// The newest exam-day photo of the share's entry, if the centre's photo policy lets verifiers
/// see it; the policy is asked of the centre (the photo is the centre's).
async fn visible_photo(
    state: &AppState,
    share: &tessera_storage::repo::centre::Share,
    sheet: &tessera_storage::repo::centre::ResultSheet,
) -> AppResult<Option<tessera_storage::repo::workflows::Document>> {
    use tessera_storage::repo::workflows;
    let centre: TenantId = share.tenant_id.parse().map_err(AppError::internal)?;
    let eid = share.entry_id.clone();
    let (docs, form) = state
        .db
        .call(move |c| Ok((workflows::documents(c, centre, &eid)?, workflows::entry_form(c, centre, &eid)?)))
        .await?;
    let Some(doc) = docs.into_iter().filter(|d| d.kind == "exam_photo").max_by_key(|d| d.created_at) else {
        return Ok(None);
    };
    let facts = tessera_plugin_sdk::kinds::PhotoFacts {
        exam: crate::centre::exam_of(&sheet.session.exam_code),
        candidate_date_of_birth: sheet.candidate.date_of_birth,
        registration_date: form.registration_date.unwrap_or(sheet.session.registration_closes),
    };
    let policy = crate::policy::decide(state, centre, facts, None).await?;
    Ok(policy.visible_to_verifiers.then_some(doc))
}
