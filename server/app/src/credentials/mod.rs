//! Verifiable Statements of Results (R-CREDENTIAL): every released result version is a signed
//! W3C Verifiable Credential (Open Badges 3.0 `AchievementCredential`, `eddsa-rdfc-2022`) that
//! anyone can check without an account, online (the public page `/verify`, the API) or offline
//! (`tessera verify`), and that the centre can revoke (a Bitstring Status List per centre).
//!
//! - [`keys`]: each centre's Ed25519 keys, sealed under the data folder's key; `did:web`.
//! - [`issue`]: the credential of a result version, made once and stored.
//! - [`status`]: the centres' status lists, signed and cached.
//! - [`verify`]: what a submitted credential is (valid, revoked, tampered, unknown issuer).
//! - [`revoke`]: revocation by hand; superseded and cancelled results are revoked by storage in
//!   the transaction that replaces or cancels them.

pub mod issue;
pub mod keys;
pub mod revoke;
pub mod status;
pub mod verify;

pub use issue::Issued;
pub use keys::Wrapping;
pub use status::StatusLists;
pub use verify::{Statement, Verdict, Verification};

/// The verification link of credential `id` (its `id` in the document, and the QR code).
pub fn credential_url(public_url: &str, id: &str) -> String {
    format!("{public_url}/verify/{id}")
}

/// The URL of status list `list` (1, 2, ...) of the centre `slug`.
pub fn status_list_url(public_url: &str, slug: &str, list: u64) -> String {
    format!("{public_url}/t/{slug}/credentials/status/{list}")
}

use crate::error::AppError;
use crate::state::AppState;

/// The `did:web` document of centre `slug`: every key it signed with, current and retired.
pub async fn did_document(state: &AppState, slug: &str) -> Result<serde_json::Value, AppError> {
    let (slug, url) = (slug.to_owned(), state.settings.public_url.clone());
    state
        .db
        .call(move |c| {
            let tenant = tessera_storage::repo::tenants::by_slug(c, &slug)?;
            Ok(keys::public_keys(c, tenant.id).map(|k| (tenant, k)))
        })
        .await?
        .and_then(|(tenant, keys)| {
            if keys.is_empty() {
                return Err(AppError::not_found());
            }
            Ok(tessera_credentials::did_document(&keys::did_of(&url, &tenant.slug), &keys))
        })
}
