//! Policy plugins for installation admins: what is loaded, which plugin decides what for a
//! tenant, and a decision on demand (to see a newly dropped-in plugin decide).

use crate::actor::Actor;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
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

/// The loaded plugins.
pub fn list(state: &AppState, user: &Actor) -> Result<Vec<PluginView>, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    Ok(state
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
        .collect())
}

/// The decision kind named `s` (as in a URL).
pub fn kind(s: &str) -> Result<DecisionKind, AppError> {
    s.parse().map_err(|_| {
        AppError::at(ErrorCode::InvalidChoice, "kind")
            .arg("value", s)
            .arg("choices", "refund, photo, identity, eligibility, deadlines, retention, fees")
    })
}

async fn tenant_by_slug(state: &AppState, slug: String) -> Result<tenants::Tenant, AppError> {
    Ok(state.db.call(move |c| tenants::by_slug(c, &slug)).await?)
}

/// Has `plugin`, with the tenant's `config`, decide `kind` for the tenant `slug` (validated and
/// audited; nothing is stored on a refusal).
pub async fn assign(
    state: &AppState,
    user: &Actor,
    slug: String,
    kind: &str,
    plugin: String,
    config: serde_json::Value,
) -> Result<(), AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let kind = self::kind(kind)?;
    let tenant = tenant_by_slug(state, slug).await?;
    let (registry, now, actor) = (state.policies.clone(), state.clock.now(), user.user.id.clone());
    state
        .db
        .call(move |c| {
            let what = crate::policy::AssignRequest { kind, plugin: &plugin, config: &config };
            Ok(crate::policy::assign_blocking(c, &registry, tenant.id, what, Some(&actor), now))
        })
        .await??;
    Ok(())
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

/// A decision of `kind` for the tenant `slug` on the raw `facts`, as the plugin answers it.
pub async fn decide(
    state: &AppState,
    user: &Actor,
    slug: String,
    kind: &str,
    facts: serde_json::Value,
) -> Result<DecisionView, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let kind = self::kind(kind)?;
    let tenant = tenant_by_slug(state, slug).await?;
    let d = crate::policy::decide_raw(state, tenant.id, kind, facts, Some(user.user.id.clone())).await?;
    Ok(DecisionView {
        plugin: d.plugin,
        version: d.version,
        sha256: d.sha256,
        kind: d.kind.as_str().into(),
        output: d.output,
    })
}
