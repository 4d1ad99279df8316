//! Asking a tenant's policy plugins for decisions. The tenant's assignment (or the `baseline`
//! plugin) decides; every decision is written to the tenant's audit log with the plugin, version
//! and module hash that made it, and every failure too (the decision then fails closed).

use crate::error::AppError;
use crate::state::AppState;
use serde_json::{Value, json};
use tessera_domain::{DomainError, ErrorCode, TenantId};
use tessera_plugin_sdk::kinds::Facts;
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

/// Decides `kind` for `tenant` on the calling thread from facts as JSON (the CLI's `plugin run`
/// and the API's decision endpoint; workflows use the typed [`decide_in`] and [`decide`]).
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
            audit_failure(conn, tenant, kind, &e, actor, now)?;
            tracing::warn!(tenant = %tenant, error = %e, "policy decision failed");
            Err(DecideError::Policy(e))
        }
    }
}

/// Writes a failed decision to the tenant's audit log.
fn audit_failure(
    conn: &mut DbConnection,
    tenant: TenantId,
    kind: DecisionKind,
    e: &PolicyError,
    actor: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StorageError> {
    let details =
        json!({"plugin": e.plugin, "version": e.version, "kind": kind.as_str(), "cause": e.code(), "detail": e.detail});
    let ev = AuditEvent { actor, action: "policy.failure", target: Some(kind.as_str()), details, request_id: None };
    audit::append(conn, tenant, &ev, now)
}

/// Which plugin made a decision: recorded with what the decision led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The plugin's name.
    pub plugin: String,
    /// Its version.
    pub version: String,
}

/// Decides for `tenant` on the calling thread with typed facts: the kind follows from the facts'
/// type and the answer is that kind's decision, every field of it, with the plugin that made it.
pub fn decide_in<F: Facts>(
    conn: &mut DbConnection,
    registry: &PolicyRegistry,
    tenant: TenantId,
    facts: &F,
    actor: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(F::Decision, Origin), DecideError> {
    let value = serde_json::to_value(facts)
        .map_err(|e| DecideError::Storage(StorageError::Unavailable(format!("facts did not serialise: {e}"))))?;
    let decision = decide_blocking(conn, registry, tenant, F::KIND, &value, actor, now)?;
    let typed = decision.typed().map_err(DecideError::Policy)?;
    Ok((typed, Origin { plugin: decision.plugin, version: decision.version }))
}

/// Decides off the async runtime with typed facts (see [`decide_in`]).
pub async fn decide<F>(
    state: &AppState,
    tenant: TenantId,
    facts: F,
    actor: Option<String>,
) -> Result<F::Decision, AppError>
where
    F: Facts + Send + 'static,
    F::Decision: Send + 'static,
{
    let registry = state.policies.clone();
    let now = state.clock.now();
    let outcome = state.db.call(move |c| Ok(decide_in(c, &registry, tenant, &facts, actor.as_deref(), now))).await?;
    Ok(outcome?.0)
}

/// Decides `kind` off the async runtime from facts as JSON (the API's decision endpoint).
pub async fn decide_raw(
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

/// The policy decisions a write needs, taken inside the write's transaction (see
/// [`write_with_decisions`]).
pub struct Decider {
    registry: PolicyRegistry,
    tenant: TenantId,
    actor: Option<String>,
    now: chrono::DateTime<chrono::Utc>,
    failed: std::cell::RefCell<Option<(DecisionKind, PolicyError)>>,
}

impl Decider {
    /// Decides with typed facts on the write's connection; the decision's audit record commits
    /// with the write.
    pub fn decide<F: Facts>(&self, conn: &mut DbConnection, facts: &F) -> Result<F::Decision, AppError> {
        self.decide_from(conn, facts).map(|(d, _)| d)
    }

    /// [`Decider::decide`], with the plugin that decided.
    pub fn decide_from<F: Facts>(&self, conn: &mut DbConnection, facts: &F) -> Result<(F::Decision, Origin), AppError> {
        match decide_in(conn, &self.registry, self.tenant, facts, self.actor.as_deref(), self.now) {
            Ok(d) => Ok(d),
            Err(DecideError::Policy(e)) => {
                let error = AppError::from(DecideError::Policy(e.clone()));
                self.failed.replace(Some((F::KIND, e)));
                Err(error)
            }
            Err(other) => Err(other.into()),
        }
    }

    /// The instant of the write.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.now
    }
}

/// Runs `write` in one transaction with a [`Decider`] for the policy decisions it needs. The
/// writes and the decisions' audit records commit together; when a decision fails (a runaway or
/// broken plugin), nothing the write did is stored, so a client that retries does not record it
/// twice, and the failure alone is written to the audit log.
pub async fn write_with_decisions<R, W>(
    state: &AppState,
    tenant: TenantId,
    actor: Option<String>,
    write: W,
) -> Result<R, AppError>
where
    R: Send + 'static,
    W: FnOnce(&mut DbConnection, &Decider) -> Result<R, AppError> + Send + 'static,
{
    let decider = Decider {
        registry: state.policies.clone(),
        tenant,
        actor,
        now: state.clock.now(),
        failed: std::cell::RefCell::new(None),
    };
    state
        .db
        .call(move |c| {
            let outcome = tessera_storage::atomically(c, |c| write(c, &decider));
            // The failure's audit record was rolled back with the write: record it on its own.
            let failed = decider.failed.take();
            if outcome.is_err()
                && let Some((kind, e)) = failed
            {
                audit_failure(c, tenant, kind, &e, decider.actor.as_deref(), decider.now)?;
            }
            Ok(outcome)
        })
        .await?
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

/// The loaded plugin `plugin`, checked to decide `kind`: a refusal names the plugins loaded, or
/// the questions the plugin decides (the settings form and every assignment check here).
pub fn plugin_deciding(
    registry: &PolicyRegistry,
    kind: DecisionKind,
    plugin: &str,
) -> Result<tessera_policy::PluginInfo, AppError> {
    let info = registry.info(plugin).ok_or_else(|| {
        let loaded: Vec<_> = registry.list().into_iter().map(|p| p.name).collect();
        AppError::at(ErrorCode::UnknownPlugin, "plugin")
            .arg("plugin", tessera_domain::error::bounded(plugin))
            .arg("loaded", loaded.join(", "))
    })?;
    if !info.kinds.contains(&kind) {
        return Err(AppError::at(ErrorCode::PluginKindUnsupported, "plugin")
            .arg("plugin", &info.name)
            .arg("version", &info.version)
            .arg_term("kind", format!("decision.{}", kind.as_str()))
            .arg_terms("kinds", info.kinds.iter().map(|k| format!("decision.{}", k.as_str()))));
    }
    Ok(info)
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
    let info = plugin_deciding(registry, kind, plugin)?;
    if !(config.is_object() || config.is_null()) {
        return Err(AppError::at(ErrorCode::InvalidConfig, "config"));
    }
    let config = if config.is_null() { json!({}) } else { config.clone() };
    // The manifest's settings schema first (bounds, choices, types), as the admin's form does,
    // so the command line and the API cannot store what the form would refuse.
    if let Some(map) = config.as_object() {
        for (key, value) in map.iter().filter(|(_, v)| !v.is_null()) {
            if let Some(setting) = info.settings.get(key)
                && let Err(why) = setting.check_value(value)
            {
                let field = format!("config.{}", key.chars().take(40).collect::<String>());
                return Err(DomainError::field(field, format!("{why} (plugin `{plugin}` v{})", info.version)).into());
            }
        }
    }
    // The plugin judges its configuration before anything is stored: a configuration it cannot
    // read would otherwise only fail at the tenant's first decision.
    if let Err(refusal) = registry.check_config(plugin, kind, &config, now) {
        // The plugin's message may quote a value of any size: keep the start of it.
        let mut detail: String = refusal.error.detail.chars().take(300).collect();
        if detail.len() < refusal.error.detail.len() {
            detail.push('…');
        }
        let message = format!("plugin `{plugin}` v{} refuses this configuration: {detail}", info.version);
        let field = match &refusal.key {
            Some(k) => format!("config.{}", k.chars().take(40).collect::<String>()),
            None => "config".to_owned(),
        };
        return Err(DomainError::field(field, message).into());
    }
    tessera_storage::transaction(conn, |conn| {
        assignments::assign(conn, tenant, kind.as_str(), plugin, &config, now)?;
        let ev = AuditEvent {
            actor,
            action: "policy.assign",
            target: Some(kind.as_str()),
            details: json!({"plugin": plugin, "version": info.version, "config": config}),
            request_id: None,
        };
        audit::append(conn, tenant, &ev, now)
    })?;
    Ok(())
}
