//! Asking a tenant's policy plugins for decisions. The tenant's assignment (or the `baseline`
//! plugin) decides; every decision is written to the tenant's audit log with the plugin, version
//! and module hash that made it, and every failure too (the decision then fails closed).

use crate::error::AppError;
use crate::state::AppState;
use serde_json::{Value, json};
use tessera_domain::{ErrorCode, TenantId};
use tessera_policy::{BASELINE_PLUGIN, Decision, DecisionInput, DecisionKind, PolicyError, PolicyRegistry};
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::{policy as assignments, tenants};
use tessera_storage::{DbConnection, StorageError};

/// Prometheus counter of decisions made, by kind and plugin.
pub const DECISIONS: &str = "tessera_policy_decisions_total";
/// Prometheus counter of decisions that failed closed, by kind, plugin and cause.
pub const FAILURES: &str = "tessera_policy_failures_total";

/// Why a decision could not be made.
#[derive(Debug)]
pub enum DecideError {
    /// The plugin failed (trap, fuel, bad output, ...): the decision fails closed.
    Policy(PolicyError),
    /// The database failed.
    Storage(StorageError),
}

impl From<StorageError> for DecideError {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}

impl std::fmt::Display for DecideError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Policy(e) => e.fmt(f),
            Self::Storage(e) => e.fmt(f),
        }
    }
}

impl From<DecideError> for AppError {
    fn from(e: DecideError) -> Self {
        match e {
            DecideError::Policy(p) => AppError::new(ErrorCode::PolicyFailed).arg("detail", p),
            DecideError::Storage(s) => s.into(),
        }
    }
}

/// Decides `kind` for `tenant` on the calling thread (the CLI; handlers use [`decide`]).
pub fn decide_blocking(
    conn: &mut DbConnection,
    registry: &PolicyRegistry,
    tenant: TenantId,
    kind: DecisionKind,
    facts: &Value,
    actor: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Decision, DecideError> {
    let t = tenants::by_id(conn, tenant)?;
    let (plugin, config) = match assignments::get(conn, tenant, kind.as_str())? {
        Some(a) => (a.plugin, serde_json::from_str(&a.config).unwrap_or(Value::Null)),
        None => (BASELINE_PLUGIN.to_owned(), Value::Null),
    };
    let today = now.with_timezone(&t.timezone).date_naive();
    let input = DecisionInput { facts, tenant_config: &config, now, today: Some(today) };
    match registry.decide(&plugin, kind, &input) {
        Ok(d) => {
            metrics::counter!(DECISIONS, "kind" => kind.as_str(), "plugin" => d.plugin.clone()).increment(1);
            let details = json!({"plugin": d.plugin, "version": d.version, "sha256": d.sha256, "kind": kind.as_str(), "output": d.output});
            let ev =
                AuditEvent { actor, action: "policy.decision", target: Some(kind.as_str()), details, request_id: None };
            audit::append(conn, tenant, &ev, now)?;
            Ok(d)
        }
        Err(e) => {
            metrics::counter!(FAILURES, "kind" => kind.as_str(), "plugin" => e.plugin.clone(), "cause" => e.code())
                .increment(1);
            let details = json!({"plugin": e.plugin, "version": e.version, "kind": kind.as_str(), "cause": e.code(), "detail": e.detail});
            let ev =
                AuditEvent { actor, action: "policy.failure", target: Some(kind.as_str()), details, request_id: None };
            audit::append(conn, tenant, &ev, now)?;
            tracing::warn!(tenant = %tenant, error = %e, "policy decision failed");
            Err(DecideError::Policy(e))
        }
    }
}

/// Decides `kind` for `tenant` off the async runtime.
pub async fn decide(
    state: &AppState,
    tenant: TenantId,
    kind: DecisionKind,
    facts: Value,
    actor: Option<String>,
) -> Result<Decision, AppError> {
    let registry = state.policies.clone();
    let now = state.clock.now();
    let outcome =
        state.db.call(move |c| Ok(decide_blocking(c, &registry, tenant, kind, &facts, actor.as_deref(), now))).await?;
    Ok(outcome?)
}

/// What to assign: `plugin` decides `kind`, with the tenant's `config` (a JSON object or null).
#[derive(Debug, Clone, Copy)]
pub struct AssignRequest<'a> {
    /// The decision kind.
    pub kind: DecisionKind,
    /// The plugin's name.
    pub plugin: &'a str,
    /// The tenant's configuration of the plugin.
    pub config: &'a Value,
}

/// Checks that the plugin is loaded and implements the kind, then assigns it to `tenant`.
pub fn assign_blocking(
    conn: &mut DbConnection,
    registry: &PolicyRegistry,
    tenant: TenantId,
    req: AssignRequest<'_>,
    actor: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let AssignRequest { kind, plugin, config } = req;
    let info = registry.info(plugin).ok_or_else(|| {
        let loaded: Vec<_> = registry.list().into_iter().map(|p| p.name).collect();
        AppError::at(ErrorCode::UnknownPlugin, "plugin").arg("plugin", plugin).arg("loaded", loaded.join(", "))
    })?;
    if !info.kinds.contains(&kind) {
        return Err(AppError::at(ErrorCode::PluginKindUnsupported, "plugin")
            .arg("plugin", plugin)
            .arg("version", &info.version)
            .arg("kind", kind)
            .arg("kinds", info.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")));
    }
    if !(config.is_object() || config.is_null()) {
        return Err(AppError::at(ErrorCode::InvalidConfig, "config"));
    }
    let config = if config.is_null() { json!({}) } else { config.clone() };
    assignments::assign(conn, tenant, kind.as_str(), plugin, &config, now)?;
    let ev = AuditEvent {
        actor,
        action: "policy.assign",
        target: Some(kind.as_str()),
        details: json!({"plugin": plugin, "version": info.version, "config": config}),
        request_id: None,
    };
    audit::append(conn, tenant, &ev, now)?;
    Ok(())
}
