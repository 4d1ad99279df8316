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
    Ok(state.policies.list().into_iter().map(view).collect())
}

/// The loaded plugins for a page: each described in the admin's language when its manifest
/// says it in that language (the API's list keeps the manifest's `description`).
pub fn list_for_page(state: &AppState, user: &Actor) -> Result<Vec<PluginView>, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let lang = user.tenant.locale.as_str();
    Ok(state
        .policies
        .list()
        .into_iter()
        .map(|mut p| {
            if let Some(summary) = p.summary.take() {
                p.description = summary.get(lang).to_owned();
            }
            view(p)
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

/// The largest plugin module accepted from a page: 8 MiB (the shipped plugins are well below 1).
pub const MAX_MODULE_BYTES: usize = 8 * 1024 * 1024;

/// The digest of a plugin's files as the database stores them: sha256 of the manifest's bytes
/// followed by the module's (the nodes of a region compare it with their own copies).
pub fn digest(manifest: &str, module: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(manifest.as_bytes());
    h.update(module);
    hex::encode(h.finalize())
}

/// Runs the plugin check (`tessera plugin check`: the manifest read, the module compiled in the
/// sandbox, its imports, ABI and kinds checked) on a manifest and module given as bytes and, when
/// it passes, installs them into the plugins folder (the registry loads it at once). The command
/// line and the installation admin's upload both install here.
pub fn install_bytes(
    registry: &tessera_policy::PolicyRegistry,
    manifest: &str,
    module: &[u8],
) -> Result<tessera_policy::PluginInfo, tessera_policy::PolicyError> {
    let io = |e: std::io::Error| tessera_policy::PolicyError {
        plugin: "upload".into(),
        version: None,
        kind: None,
        cause: tessera_policy::Cause::Io,
        detail: e.to_string(),
    };
    // A folder of its own beside the system's temporary files, removed whatever happens.
    let scratch = std::env::temp_dir().join(format!("tessera-plugin-{}", crate::auth::random_token()));
    std::fs::create_dir(&scratch).map_err(io)?;
    // The files are named after the plugin, as the check wants (a name that is not a plain
    // word is left to the check to refuse).
    let stem = manifest
        .parse::<toml::Table>()
        .ok()
        .and_then(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_owned))
        .filter(|n| {
            !n.is_empty() && n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .unwrap_or_else(|| "upload".to_owned());
    let installed = (|| {
        let wasm = scratch.join(format!("{stem}.wasm"));
        std::fs::write(&wasm, module).map_err(io)?;
        std::fs::write(scratch.join(format!("{stem}.toml")), manifest).map_err(io)?;
        registry.check_file(&wasm)?;
        registry.install_file(&wasm)
    })();
    let _ = std::fs::remove_dir_all(&scratch);
    installed
}

/// Publishes an installed plugin's files to the database, so that every node of a region copies
/// it into its own plugins folder.
pub fn publish(
    c: &mut tessera_storage::DbConnection,
    name: &str,
    manifest: &str,
    module: &[u8],
    now: chrono::DateTime<chrono::Utc>,
) -> tessera_storage::StorageResult<()> {
    tessera_storage::repo::plugin_files::publish(c, name, manifest, module, &digest(manifest, module), now)
}

/// A plugin uploaded from the page: its module and its manifest.
pub struct PluginUpload {
    /// The `.wasm` module's bytes.
    pub module: Vec<u8>,
    /// The `.toml` manifest's bytes.
    pub manifest: Vec<u8>,
}

/// The installation admin uploads a plugin: the module must be WebAssembly (its magic number)
/// of at most [`MAX_MODULE_BYTES`] and the manifest UTF-8 text; then the same check as the
/// command line runs, and a plugin that fails it is refused with the finding in words (nothing
/// is installed). Installed, it is published to the database for the other nodes and audited
/// as `plugin.install`.
pub async fn upload(state: &AppState, user: &Actor, upload: PluginUpload) -> Result<PluginView, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    const WASM_MAGIC: &[u8] = b"\0asm";
    if upload.module.is_empty() {
        return Err(AppError::at(ErrorCode::Required, "module"));
    }
    if upload.module.len() > MAX_MODULE_BYTES {
        return Err(AppError::at(ErrorCode::TooLarge, "module").arg("max_mib", MAX_MODULE_BYTES / (1024 * 1024)));
    }
    if !upload.module.starts_with(WASM_MAGIC) {
        return Err(AppError::at(ErrorCode::UnsupportedType, "module").arg("allowed", "WebAssembly (.wasm)"));
    }
    if upload.manifest.is_empty() {
        return Err(AppError::at(ErrorCode::Required, "manifest"));
    }
    let Ok(manifest) = String::from_utf8(upload.manifest) else {
        return Err(AppError::at(ErrorCode::UnsupportedType, "manifest").arg("allowed", "TOML (.toml)"));
    };
    let registry = state.policies.clone();
    let module = upload.module;
    let (m, w) = (manifest.clone(), module.clone());
    let installed =
        tokio::task::spawn_blocking(move || install_bytes(&registry, &m, &w)).await.map_err(AppError::internal)?;
    let info = match installed {
        Ok(info) => info,
        Err(e) => {
            use tessera_policy::Cause;
            let field =
                if matches!(e.cause, Cause::InvalidManifest | Cause::InvalidSettings) { "manifest" } else { "module" };
            let finding = state.templates.text(user.tenant.locale, &format!("plugin.finding.{}", e.code()));
            return Err(AppError::at(ErrorCode::PluginRefused, field).arg("finding", finding).arg("detail", e.detail));
        }
    };
    let (name, now, u) = (info.name.clone(), state.clock.now(), user.clone());
    state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                publish(c, &name, &manifest, &module, now)?;
                u.audit(c, "plugin.install", &name, now)
            })
        })
        .await?;
    Ok(view(info))
}

fn view(p: tessera_policy::PluginInfo) -> PluginView {
    PluginView {
        name: p.name,
        version: p.version,
        abi: p.abi,
        kinds: p.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        description: p.description,
        sha256: p.sha256,
    }
}

/// Which plugin decides a kind for a tenant, with the tenant's settings.
#[derive(Serialize)]
pub struct AssignmentView {
    /// The decision kind's code.
    pub kind: String,
    /// The plugin assigned, or none (the baseline plugin decides).
    pub plugin: Option<String>,
    /// The tenant's settings, as pretty JSON (empty when none).
    pub config: String,
}

/// For every decision kind, the plugin the tenant `slug` has assigned and its settings.
pub async fn assignments(state: &AppState, user: &Actor, slug: String) -> Result<Vec<AssignmentView>, AppError> {
    user.require(&[Role::InstallationAdmin])?;
    let tenant = tenant_by_slug(state, slug).await?;
    let stored = state.db.call(move |c| tessera_storage::repo::policy::list(c, tenant.id)).await?;
    Ok(DecisionKind::ALL
        .iter()
        .map(|k| {
            let a = stored.iter().find(|a| a.kind == k.as_str());
            let config = a
                .and_then(|a| serde_json::from_str::<serde_json::Value>(&a.config).ok())
                .filter(|v| v.as_object().is_some_and(|o| !o.is_empty()))
                .map(|v| serde_json::to_string_pretty(&v).unwrap_or_default())
                .unwrap_or_default();
            AssignmentView { kind: k.as_str().to_owned(), plugin: a.map(|a| a.plugin.clone()), config }
        })
        .collect())
}

/// The codes of every decision kind, in order.
pub fn kinds() -> Vec<&'static str> {
    DecisionKind::ALL.iter().map(|k| k.as_str()).collect()
}
