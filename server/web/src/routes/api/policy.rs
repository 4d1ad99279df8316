//! Policy plugins for installation admins: what is loaded, which plugin decides what for a
//! tenant, and a decision on demand (to see a newly dropped-in plugin decide).

use super::ApiUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::{Json, Path};
use crate::state::SharedState;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use tessera_domain::{ErrorCode, Role};
use tessera_policy::DecisionKind;
use tessera_storage::repo::tenants;
use utoipa::ToSchema;

/// A loaded plugin.
#[derive(Serialize, ToSchema)]
pub struct PluginView {
    name: String,
    version: String,
    abi: u32,
    kinds: Vec<String>,
    description: String,
    sha256: String,
}

/// The loaded plugins (installation admins only).
#[utoipa::path(get, path = "/v1/plugins", tag = "policy", responses((status = 200, body = [PluginView]), (status = 404, body = ErrorBody)))]
pub async fn plugins(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<PluginView>>> {
    user.require(&[Role::InstallationAdmin])?;
    Ok(Json(
        state
            .policies
            .list()
            .into_iter()
            .map(|p| PluginView {
                name: p.name,
                version: p.version,
                abi: p.abi,
                kinds: p.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
                description: p.description,
                sha256: p.sha256,
            })
            .collect(),
    ))
}

fn kind(s: &str) -> Result<DecisionKind, AppError> {
    s.parse().map_err(|_| {
        AppError::at(ErrorCode::InvalidChoice, "kind")
            .arg("value", s)
            .arg("choices", "refund, photo, identity, eligibility, deadlines, retention, fees")
    })
}

async fn tenant_by_slug(state: &SharedState, slug: String) -> AppResult<tenants::Tenant> {
    Ok(state.db.call(move |c| tenants::by_slug(c, &slug)).await?)
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
    user.require(&[Role::InstallationAdmin])?;
    let kind = kind(&kind_s)?;
    let tenant = tenant_by_slug(&state, slug).await?;
    let (registry, now, actor) = (state.policies.clone(), state.clock.now(), user.user.id.clone());
    state
        .db
        .call(move |c| {
            let what = crate::policy::AssignRequest { kind, plugin: &req.plugin, config: &req.config };
            Ok(crate::policy::assign_blocking(c, &registry, tenant.id, what, Some(&actor), now))
        })
        .await??;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// A decision and who made it.
#[derive(Serialize, ToSchema)]
pub struct DecisionView {
    plugin: String,
    version: String,
    sha256: String,
    kind: String,
    output: serde_json::Value,
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
    user.require(&[Role::InstallationAdmin])?;
    let kind = kind(&kind_s)?;
    let tenant = tenant_by_slug(&state, slug).await?;
    let d = crate::policy::decide_raw(&state, tenant.id, kind, facts, Some(user.user.id.clone())).await?;
    Ok(Json(DecisionView {
        plugin: d.plugin,
        version: d.version,
        sha256: d.sha256,
        kind: d.kind.as_str().into(),
        output: d.output,
    }))
}
