//! The Candidate Results Service (DOMAIN.md section 11), shared by the pages and the JSON API:
//! account activation with the Confirmation of Entry's credentials (R-CANDIDATE-SIGNUP), the
//! candidate's results (R-RELEASE, R-RESULT-CODES, R-RESULT-VERSIONS), sharing them with
//! approved verifier organisations, changing the account's email, and the release emails.

mod account;
mod activation;
mod releases;
mod results;
mod shares;

pub use account::*;
pub use activation::*;
pub use releases::*;
pub use results::*;
pub use shares::*;

use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use chrono::NaiveDateTime;
use tessera_domain::{ErrorCode, Role, TenantId};
use tessera_storage::StorageError;
use tessera_storage::repo::candidate as repo;

pub use tessera_storage::repo::centre::Candidate;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::users;

/// The candidate record behind a signed-in candidate; anyone else gets 404.
pub async fn candidate_of(state: &AppState, user: &Actor) -> Result<Candidate, AppError> {
    user.require(&[Role::Candidate])?;
    let (tid, uid) = (user.tenant_id(), user.user.id.clone());
    Ok(state.db.call(move |c| repo::by_user(c, tid, &uid)).await?)
}

/// Refuses (400 on `email`) an address another account of the centre uses already.
async fn email_available(
    state: &AppState,
    tenant: TenantId,
    email: &str,
    own_user: Option<&str>,
) -> Result<(), AppError> {
    let lookup = email.to_owned();
    let holder = state
        .db
        .call(move |c| match users::by_email(c, tenant, &lookup) {
            Ok(u) => Ok(Some(u.id)),
            Err(StorageError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    match holder {
        Some(id) if Some(id.as_str()) != own_user => Err(AppError::at(ErrorCode::EmailTaken, "email")),
        _ => Ok(()),
    }
}

fn local(t: NaiveDateTime, tenant: &Tenant) -> String {
    t.and_utc().with_timezone(&tenant.timezone).format("%Y-%m-%d %H:%M:%S %Z").to_string()
}
