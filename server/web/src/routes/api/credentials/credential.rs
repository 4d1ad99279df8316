//! `GET /api/v1/credentials/{id}`.

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::verifier::VerifierCaller;
use crate::state::SharedState;
use axum::extract::State;
use serde::Serialize;
use tessera_app::credentials::{Verification, verify};
use utoipa::ToSchema;

/// A credential and what it is worth now.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialResponse {
    /// The signed credential (W3C VC 2.0, Open Badges 3.0 `AchievementCredential`, Data Integrity
    /// proof `eddsa-rdfc-2022`), as issued.
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
    /// Its verification: signature, issuer and revocation, checked now.
    pub verification: Verification,
}

/// A Statement of Results credential by id (the last segment of its verification link), with its
/// verification. For verifier organisations' users and API clients; the check appears in the
/// candidate's "who viewed" list under the organisation's name.
#[utoipa::path(get, path = "/v1/credentials/{id}", tag = "verifier",
    params(("id" = String, Path, description = "The credential's id")),
    responses((status = 200, body = CredentialResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn credential(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(id): Path<String>,
) -> AppResult<Json<CredentialResponse>> {
    let (credential, verification) = verify::credential_for_api(&state, &v, &id).await?;
    Ok(Json(CredentialResponse { credential, verification }))
}
