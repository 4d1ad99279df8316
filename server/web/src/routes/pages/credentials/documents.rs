//! What verifiers' software fetches: a centre's `did:web` document (its public keys) and its
//! Bitstring Status Lists (revocation), both public.

use crate::error::AppResult;
use crate::extract::Path;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `GET /t/{tenant}/did.json`: the centre's DID document (did:web), every key it signed with.
pub(crate) async fn did_document(State(state): State<SharedState>, Path(tenant): Path<String>) -> AppResult<Response> {
    let doc = tessera_app::credentials::did_document(&state, &tenant).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/did+json"), (header::CACHE_CONTROL, "public, max-age=300")],
        doc.to_string(),
    )
        .into_response())
}

/// `GET /t/{tenant}/credentials/status/{list}`: a signed Bitstring Status List credential.
/// Revalidated on every use (`no-cache` with an entity tag): a revocation shows at once, and an
/// unchanged list costs a 304.
pub(crate) async fn status_list(
    State(state): State<SharedState>,
    Path((tenant, list)): Path<(String, u64)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let signed = tessera_app::credentials::status::status_list(&state, &tenant, list).await?;
    let cache = [(header::ETAG, signed.etag.clone()), (header::CACHE_CONTROL, "public, no-cache".to_owned())];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == signed.etag));
    if matches {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((cache, [(header::CONTENT_TYPE, "application/vc+ld+json".to_owned())], signed.json.to_string()).into_response())
}
