//! Policy plugins for installation admins: what is loaded, which plugin decides what for a
//! tenant, and a decision on demand (to see a newly dropped-in plugin decide).

use crate::error::{AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::routes::api::ApiUser;
use crate::state::SharedState;
use axum::extract::State;
use serde::Deserialize;
use tessera_app::plugins::{self, DecisionView, PluginView};
use utoipa::ToSchema;

/// The loaded plugins (installation admins only).
#[utoipa::path(get, path = "/v1/plugins", tag = "policy", responses((status = 200, body = [PluginView]), (status = 404, body = ErrorBody)))]
pub async fn plugins(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<PluginView>>> {
    Ok(Json(plugins::list(&state, &user)?))
}

/// An assignment of a plugin to a tenant and kind.
#[derive(Deserialize, ToSchema)]
pub struct Assign {
    /// The plugin's name.
    plugin: String,
    /// The tenant's configuration of the plugin (merged over the manifest's defaults).
    #[serde(default)]
    config: serde_json::Value,
}

/// Assigns a plugin to decide a kind for a tenant (installation admins only).
#[utoipa::path(put, path = "/v1/tenants/{tenant}/policies/{kind}", tag = "policy", request_body = Assign,
    params(("tenant" = String, Path), ("kind" = String, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn assign(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((slug, kind_s)): Path<(String, String)>,
    Json(req): Json<Assign>,
) -> AppResult<axum::http::StatusCode> {
    plugins::assign(&state, &user, slug, &kind_s, req.plugin, req.config).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Asks the tenant's plugin for a decision on the given facts (installation admins only). The
/// decision is audited in the tenant's log like every other.
#[utoipa::path(post, path = "/v1/tenants/{tenant}/decisions/{kind}", tag = "policy",
    params(("tenant" = String, Path), ("kind" = String, Path)),
    responses((status = 200, body = DecisionView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path((slug, kind_s)): Path<(String, String)>,
    Json(facts): Json<serde_json::Value>,
) -> AppResult<Json<DecisionView>> {
    Ok(Json(plugins::decide(&state, &user, slug, &kind_s, facts).await?))
}
