//! The plugin registry: loading `<name>.toml` + `<name>.wasm` pairs, the sha256 module cache,
//! hot reload, installation and decisions.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tessera_plugin_sdk::abi::{DecisionResponse, GuestErrorCode};
use tessera_plugin_sdk::manifest::overlay_config;
use tessera_plugin_sdk::{ABI_VERSION, DecisionKind, Manifest};

use crate::error::{Cause, PolicyError};
use crate::sandbox::{Limits, Prepared, RunFailure, Sandbox};

/// What the registry knows about a loaded plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// Plugin name.
    pub name: String,
    /// Plugin version.
    pub version: String,
    /// ABI version.
    pub abi: u32,
    /// Kinds it implements.
    pub kinds: Vec<DecisionKind>,
    /// One line for the admin.
    pub description: String,
    /// The same line in each of Tessera's languages, when the manifest gives it.
    pub summary: Option<tessera_plugin_sdk::settings::Texts>,
    /// sha256 of the `.wasm`, hex.
    pub sha256: String,
    /// The manifest's settings schema (empty: the admin's form is a JSON box).
    pub settings: tessera_plugin_sdk::settings::Settings,
}

/// The facts, configuration and clock of one decision.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    /// The kind's facts (e.g. a serialised `RefundFacts`).
    pub facts: &'a serde_json::Value,
    /// The tenant's configuration of the plugin; overlaid on the manifest defaults.
    /// `Value::Null` means "defaults only".
    pub tenant_config: &'a serde_json::Value,
    /// The instant of the decision.
    pub now: DateTime<Utc>,
    /// The tenant's calendar day at `now`; `None` means the UTC day.
    pub today: Option<NaiveDate>,
}

/// A successful decision and who made it: record `plugin`, `version` and `sha256` with it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Plugin name.
    pub plugin: String,
    /// Plugin version.
    pub version: String,
    /// sha256 of the module that ran.
    pub sha256: String,
    /// The kind decided.
    pub kind: DecisionKind,
    /// The decision, validated against the kind's output schema.
    pub output: serde_json::Value,
    /// Fuel the invocation used (a deterministic cost measure).
    pub fuel_used: u64,
}

impl Decision {
    /// The output as the kind's typed decision (e.g. `RefundDecision`).
    pub fn typed<O: serde::de::DeserializeOwned>(&self) -> Result<O, PolicyError> {
        // Deserialise from the borrowed value: no clone of the output tree.
        O::deserialize(&self.output).map_err(|e| {
            PolicyError::new(&self.plugin, Cause::SchemaViolation, e.to_string()).version(&self.version).kind(self.kind)
        })
    }
}

/// A tenant configuration a plugin refused (see [`PolicyRegistry::check_config`]).
#[derive(Debug, Clone)]
pub struct ConfigRefusal {
    /// The top-level key the plugin refuses on its own, when one is.
    pub key: Option<String>,
    /// The plugin's refusal (cause `invalid_config`), with its own message.
    pub error: PolicyError,
}

/// The outcome of a reload: what changed and what failed (failed plugins keep their old version).
#[derive(Debug, Default)]
pub struct ReloadReport {
    /// Plugins loaded for the first time or replaced by a new module or manifest.
    pub loaded: Vec<PluginInfo>,
    /// Plugins removed because their manifest is gone.
    pub removed: Vec<String>,
    /// Plugins that failed to load; an older version, if any, stays in service.
    pub failed: Vec<PolicyError>,
}

/// The request envelope, serialised straight from the borrowed facts and configuration instead
/// of cloning them into a [`tessera_plugin_sdk::DecisionRequest`] first. Field for field the same
/// JSON (a test holds the two together).
#[derive(Serialize)]
pub(crate) struct RequestEnvelope<'a> {
    pub(crate) abi: u32,
    pub(crate) kind: DecisionKind,
    pub(crate) now: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) today: Option<NaiveDate>,
    pub(crate) config: &'a serde_json::Value,
    pub(crate) facts: &'a serde_json::Value,
}

/// Initial capacity of the request buffer: a typical envelope fits without regrowing.
const REQUEST_CAPACITY: usize = 1024;

struct LoadedPlugin {
    info: PluginInfo,
    default_config: serde_json::Value,
    /// The manifest and module bytes it was built from, to tell whether a file changed.
    manifest_text: String,
    prepared: Arc<Prepared>,
}

struct Inner {
    dir: PathBuf,
    sandbox: Sandbox,
    /// Swapped whole on reload, so a decision sees either the old or the new set, never a mix.
    plugins: RwLock<Arc<BTreeMap<String, Arc<LoadedPlugin>>>>,
    /// Compiled modules by sha256: an unchanged module is never compiled twice.
    modules: Mutex<HashMap<String, Arc<Prepared>>>,
    validators: HashMap<DecisionKind, jsonschema::Validator>,
    /// Serialises reloads (watcher and manual calls).
    reload_lock: Mutex<()>,
    /// The last failure warned about, by file stem: a bad file is warned about once per
    /// version, not at every reload.
    warned: Mutex<HashMap<String, String>>,
    /// Reloads run since the registry opened (`/metrics`).
    reloads: std::sync::atomic::AtomicU64,
}

/// The plugin registry. Cheap to clone; `Send + Sync`; [`PolicyRegistry::decide`] may run on
/// many threads at once.
#[derive(Clone)]
pub struct PolicyRegistry {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for PolicyRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyRegistry").field("dir", &self.inner.dir).field("plugins", &self.list()).finish()
    }
}

impl PolicyRegistry {
    /// Open the plugins directory and load every `<name>.toml` + `<name>.wasm` in it.
    ///
    /// A plugin that fails to load is reported in the returned [`ReloadReport`] and skipped;
    /// only an unusable directory or engine is an error.
    pub fn open(dir: impl Into<PathBuf>, limits: Limits) -> Result<(Self, ReloadReport), PolicyError> {
        let dir = dir.into();
        if !dir.is_dir() {
            return Err(PolicyError::new(dir.display().to_string(), Cause::Io, "plugins directory does not exist"));
        }
        let sandbox = Sandbox::new(limits).map_err(|e| PolicyError::new("-", Cause::Io, e))?;
        let mut validators = HashMap::new();
        for kind in DecisionKind::ALL {
            let schema = tessera_plugin_sdk::schema::output_schema(kind);
            let validator = jsonschema::validator_for(&schema)
                .map_err(|e| PolicyError::new("-", Cause::SchemaViolation, e.to_string()))?;
            validators.insert(kind, validator);
        }
        let registry = Self {
            inner: Arc::new(Inner {
                dir,
                sandbox,
                plugins: RwLock::new(Arc::new(BTreeMap::new())),
                modules: Mutex::new(HashMap::new()),
                validators,
                reload_lock: Mutex::new(()),
                warned: Mutex::new(HashMap::new()),
                reloads: std::sync::atomic::AtomicU64::new(0),
            }),
        };
        let report = registry.reload();
        Ok((registry, report))
    }

    /// The plugins directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The limits every invocation runs under.
    pub fn limits(&self) -> &Limits {
        &self.inner.sandbox.limits
    }

    fn snapshot(&self) -> Arc<BTreeMap<String, Arc<LoadedPlugin>>> {
        self.inner.plugins.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Every loaded plugin, by name.
    pub fn list(&self) -> Vec<PluginInfo> {
        self.snapshot().values().map(|p| p.info.clone()).collect()
    }

    /// One loaded plugin.
    pub fn info(&self, name: &str) -> Option<PluginInfo> {
        self.snapshot().get(name).map(|p| p.info.clone())
    }

    /// The `[config]` defaults of a loaded plugin (a JSON object).
    pub fn defaults(&self, name: &str) -> Option<serde_json::Value> {
        self.snapshot().get(name).map(|p| p.default_config.clone())
    }

    /// Rescan the directory. New and changed plugins are compiled and checked first; the whole
    /// set is then swapped in one step. A plugin whose new files fail keeps its old version.
    pub fn reload(&self) -> ReloadReport {
        let _guard = self.inner.reload_lock.lock().unwrap_or_else(|e| e.into_inner());
        self.inner.reloads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut warned = self.inner.warned.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.snapshot();
        let mut next = BTreeMap::new();
        let mut report = ReloadReport::default();
        for manifest_path in manifest_paths(&self.inner.dir) {
            let stem = file_stem(&manifest_path);
            match self.load_pair(&manifest_path, current.get(&stem)) {
                Ok(plugin) => {
                    let unchanged = current.get(&stem).is_some_and(|old| Arc::ptr_eq(old, &plugin));
                    if !unchanged {
                        tracing::info!(plugin = %plugin.info.name, version = %plugin.info.version,
                            sha256 = %plugin.info.sha256, "policy plugin loaded");
                        report.loaded.push(plugin.info.clone());
                    }
                    warned.remove(&stem);
                    next.insert(stem, plugin);
                }
                Err(error) => {
                    let text = error.to_string();
                    if warned.get(&stem) != Some(&text) {
                        match current.get(&stem) {
                            Some(_) => tracing::warn!(%error, "policy plugin not loaded: the previous version stays"),
                            None => tracing::warn!(%error, "policy plugin not loaded"),
                        }
                        warned.insert(stem.clone(), text);
                    }
                    if let Some(old) = current.get(&stem) {
                        next.insert(stem, old.clone());
                    }
                    report.failed.push(error);
                }
            }
        }
        report.removed = current.keys().filter(|name| !next.contains_key(*name)).cloned().collect();
        let present: std::collections::HashSet<String> =
            manifest_paths(&self.inner.dir).iter().map(|p| file_stem(p)).collect();
        warned.retain(|stem, _| present.contains(stem));
        *self.inner.plugins.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(next);
        report
    }

    /// Load (or keep) the plugin described by `manifest_path`; `old` is the loaded version.
    fn load_pair(
        &self,
        manifest_path: &Path,
        old: Option<&Arc<LoadedPlugin>>,
    ) -> Result<Arc<LoadedPlugin>, PolicyError> {
        let stem = file_stem(manifest_path);
        let manifest_text = std::fs::read_to_string(manifest_path)
            .map_err(|e| PolicyError::new(&stem, Cause::Io, format!("{}: {e}", manifest_path.display())))?;
        let wasm_path = manifest_path.with_extension("wasm");
        let wasm = std::fs::read(&wasm_path)
            .map_err(|e| PolicyError::new(&stem, Cause::Io, format!("{}: {e}", wasm_path.display())))?;
        let sha256 = hex::encode(Sha256::digest(&wasm));
        if let Some(old) = old
            && old.info.sha256 == sha256
            && old.manifest_text == manifest_text
        {
            return Ok(old.clone());
        }
        let manifest = parse_manifest(&stem, &manifest_text, &sha256)?;
        let fail = |cause, detail: String| PolicyError::new(&manifest.name, cause, detail).version(&manifest.version);
        let prepared = self.prepare_cached(&sha256).map_or_else(
            || {
                let prepared = Arc::new(self.inner.sandbox.prepare(&wasm).map_err(|(c, d)| fail(c, d))?);
                self.inner.modules.lock().unwrap_or_else(|e| e.into_inner()).insert(sha256.clone(), prepared.clone());
                Ok::<_, PolicyError>(prepared)
            },
            Ok,
        )?;
        Ok(Arc::new(LoadedPlugin {
            info: PluginInfo {
                name: manifest.name,
                version: manifest.version,
                abi: manifest.abi,
                kinds: manifest.kinds,
                description: manifest.description,
                summary: manifest.summary,
                sha256,
                settings: manifest.settings,
            },
            default_config: manifest.config,
            manifest_text,
            prepared,
        }))
    }

    fn prepare_cached(&self, sha256: &str) -> Option<Arc<Prepared>> {
        self.inner.modules.lock().unwrap_or_else(|e| e.into_inner()).get(sha256).cloned()
    }

    /// Validate a plugin without installing it. `path` is its `.toml` or `.wasm`; the other
    /// file is found next to it with the same stem.
    pub fn check_file(&self, path: &Path) -> Result<PluginInfo, PolicyError> {
        let manifest_path = path.with_extension("toml");
        self.load_pair(&manifest_path, None).map(|p| p.info.clone())
    }

    /// Validate a plugin, then copy it into the plugins directory atomically (module first,
    /// then manifest, each written to a temporary file and renamed), and reload.
    /// The plugin takes over from any older version without a restart.
    pub fn install_file(&self, path: &Path) -> Result<PluginInfo, PolicyError> {
        let info = self.check_file(path)?;
        let io = |e: std::io::Error| PolicyError::new(&info.name, Cause::Io, e.to_string()).version(&info.version);
        let source_manifest = path.with_extension("toml");
        for (from, ext) in [(path.with_extension("wasm"), "wasm"), (source_manifest, "toml")] {
            let to = self.inner.dir.join(format!("{}.{ext}", info.name));
            let tmp = self.inner.dir.join(format!(".{}.{ext}.tmp", info.name));
            std::fs::copy(&from, &tmp).map_err(io)?;
            std::fs::rename(&tmp, &to).map_err(io)?;
        }
        let report = self.reload();
        if let Some(error) = report.failed.into_iter().find(|e| e.plugin == info.name) {
            return Err(error);
        }
        Ok(info)
    }

    /// Reload whenever the plugins directory changes, until the returned handle is dropped.
    ///
    /// Events are debounced (250 ms) so that a module and its manifest copied together load
    /// together, with one reload per burst. Only changes count: the reload's own reads of the
    /// files raise access events, which once made every reload trigger the next one.
    pub fn watch(&self) -> Result<WatchHandle, PolicyError> {
        use notify_debouncer_full::notify::RecursiveMode;
        let io = |e: notify_debouncer_full::notify::Error| {
            PolicyError::new(self.inner.dir.display().to_string(), Cause::Io, e.to_string())
        };
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let mut debouncer = notify_debouncer_full::new_debouncer(
            Duration::from_millis(250),
            None,
            move |events: notify_debouncer_full::DebounceEventResult| {
                if events.is_ok_and(|events| events.iter().any(|e| changes_plugins(&e.event))) {
                    let _ = tx.send(());
                }
            },
        )
        .map_err(io)?;
        debouncer.watch(&self.inner.dir, RecursiveMode::NonRecursive).map_err(io)?;
        let registry = Arc::downgrade(&self.inner);
        let thread = std::thread::Builder::new()
            .name("policy-watch".into())
            .spawn(move || {
                while rx.recv().is_ok() {
                    // Changes that arrived while the last reload ran are covered by the next.
                    while rx.try_recv().is_ok() {}
                    let Some(inner) = registry.upgrade() else { break };
                    // Failures are warned about inside, once per file version.
                    PolicyRegistry { inner }.reload();
                }
            })
            .map_err(|e| PolicyError::new("-", Cause::Io, e.to_string()))?;
        Ok(WatchHandle { _debouncer: debouncer, _thread: thread })
    }

    /// Reloads run since the registry opened (the start-up load included).
    pub fn reloads(&self) -> u64 {
        self.inner.reloads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Run one decision on `plugin`. Fails closed: any failure is an error naming the plugin,
    /// version, kind and cause, and the server carries on.
    pub fn decide(&self, plugin: &str, kind: DecisionKind, input: &DecisionInput<'_>) -> Result<Decision, PolicyError> {
        let loaded = self.snapshot().get(plugin).cloned().ok_or_else(|| {
            PolicyError::new(plugin, Cause::UnknownPlugin, "no plugin of that name is loaded").kind(kind)
        })?;
        let info = &loaded.info;
        let fail =
            |cause, detail: String| PolicyError::new(&info.name, cause, detail).version(&info.version).kind(kind);
        if !info.kinds.contains(&kind) {
            return Err(fail(
                Cause::KindNotImplemented,
                format!("manifest lists {:?}", info.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>()),
            ));
        }
        // No tenant configuration means the defaults as they are: borrow them instead of
        // overlaying (which would clone them).
        let merged;
        let config = if input.tenant_config.is_null() {
            &loaded.default_config
        } else {
            merged = overlay_config(&loaded.default_config, input.tenant_config);
            &merged
        };
        let envelope =
            RequestEnvelope { abi: ABI_VERSION, kind, now: input.now, today: input.today, config, facts: input.facts };
        let mut request = Vec::with_capacity(REQUEST_CAPACITY);
        serde_json::to_writer(&mut request, &envelope).map_err(|e| fail(Cause::InvalidFacts, e.to_string()))?;
        if request.len() > self.limits().max_input_bytes {
            return Err(fail(
                Cause::InputTooLarge,
                format!(
                    "request of {} bytes exceeds the cap of {} bytes",
                    request.len(),
                    self.limits().max_input_bytes
                ),
            ));
        }
        let outcome = self
            .inner
            .sandbox
            .run(&loaded.prepared, &request)
            .map_err(|RunFailure { cause, detail, .. }| fail(cause, detail))?;
        let response: DecisionResponse = serde_json::from_slice(&outcome.response).map_err(|e| {
            let shown = String::from_utf8_lossy(&outcome.response[..outcome.response.len().min(120)]).into_owned();
            fail(Cause::BadOutputJson, format!("{e}; response began {shown:?}"))
        })?;
        let output = match response {
            DecisionResponse::Output(output) => output,
            DecisionResponse::Error(error) => {
                let cause = match error.code {
                    GuestErrorCode::KindNotImplemented => Cause::KindNotImplemented,
                    GuestErrorCode::InvalidFacts => Cause::InvalidFacts,
                    GuestErrorCode::InvalidConfig => Cause::InvalidConfig,
                    GuestErrorCode::WrongAbi => Cause::WrongAbi,
                    GuestErrorCode::InvalidRequest => Cause::PluginError,
                };
                return Err(fail(cause, error.message));
            }
        };
        // `is_valid` short-circuits without building error locations; only a failing output
        // pays for `validate`, which says why.
        let validator = &self.inner.validators[&kind];
        if !validator.is_valid(&output) {
            let detail = match validator.validate(&output) {
                Err(error) => format!("{error} at {}", error.instance_path()),
                Ok(()) => "output does not satisfy the kind's schema".to_owned(),
            };
            return Err(fail(Cause::SchemaViolation, detail));
        }
        Ok(Decision {
            plugin: info.name.clone(),
            version: info.version.clone(),
            sha256: info.sha256.clone(),
            kind,
            output,
            fuel_used: outcome.fuel_used,
        })
    }

    /// Asks `plugin` whether it accepts `tenant_config` (overlaid on its manifest defaults) for
    /// `kind`, deciding nothing: the probe carries `facts: null`, and a plugin reads its
    /// configuration before its facts (the SDK's dispatch does), so it answers `invalid_config`
    /// for a configuration its own config type refuses and `invalid_facts` otherwise. The
    /// plugin's config type is the only schema there is (a manifest lists defaults, not every
    /// key a plugin reads), so the plugin is the judge. Only an `invalid_config` answer is a
    /// refusal: any other failure (a trap, a runaway module) says nothing about the configuration
    /// and is left to the decisions, which fail closed.
    ///
    /// The refusal names the first top-level key the plugin refuses on its own, when one is.
    pub fn check_config(
        &self,
        plugin: &str,
        kind: DecisionKind,
        tenant_config: &serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<(), ConfigRefusal> {
        /// Keys probed one by one to find the one at fault; a config is a handful of keys.
        const MAX_KEYS_PROBED: usize = 64;
        let refused = |config: &serde_json::Value| {
            let input = DecisionInput { facts: &serde_json::Value::Null, tenant_config: config, now, today: None };
            match self.decide(plugin, kind, &input) {
                Err(e) if e.cause == Cause::InvalidConfig => Some(e),
                _ => None,
            }
        };
        let Some(error) = refused(tenant_config) else { return Ok(()) };
        let key = tenant_config.as_object().and_then(|map| {
            map.iter().take(MAX_KEYS_PROBED).find_map(|(k, v)| {
                let alone = serde_json::Value::Object([(k.clone(), v.clone())].into_iter().collect());
                refused(&alone).map(|_| k.clone())
            })
        });
        Err(ConfigRefusal { key, error })
    }

    /// Run a raw request through `plugin`'s module with no manifest or schema checks, and
    /// report the peak memory. For the bench and the hostile-plugin tests.
    #[doc(hidden)]
    pub fn run_raw(&self, plugin: &str, request: &[u8]) -> Result<(Vec<u8>, usize), (Cause, String, usize)> {
        let loaded = self.snapshot().get(plugin).cloned().ok_or((Cause::UnknownPlugin, plugin.to_owned(), 0))?;
        self.inner
            .sandbox
            .run(&loaded.prepared, request)
            .map(|o| (o.response, o.peak_memory))
            .map_err(|f| (f.cause, f.detail, f.peak_memory))
    }
}

/// Keeps [`PolicyRegistry::watch`] running; dropping it stops watching.
pub struct WatchHandle {
    _debouncer: notify_debouncer_full::Debouncer<notify::RecommendedWatcher, notify_debouncer_full::RecommendedCache>,
    _thread: std::thread::JoinHandle<()>,
}

/// Whether `event` created, changed or removed a plugin's file (a `.toml` or `.wasm` not
/// starting with a dot: the temporary files of an install are not). Reads are not changes.
fn changes_plugins(event: &notify::Event) -> bool {
    use notify::EventKind;
    matches!(event.kind, EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any)
        && event.paths.iter().any(|p| {
            p.extension().is_some_and(|x| x == "toml" || x == "wasm")
                && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
}

fn manifest_paths(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "toml")
                && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    paths.sort();
    paths
}

fn file_stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

fn parse_manifest(stem: &str, text: &str, sha256: &str) -> Result<Manifest, PolicyError> {
    let invalid = |detail: String| PolicyError::new(stem, Cause::InvalidManifest, detail);
    let manifest: Manifest = toml::from_str(text).map_err(|e| {
        // A `[settings]` table that does not parse is the schema's fault: say so by its cause.
        let in_settings = e.span().is_some_and(|span| {
            let line_start = text[..span.start.min(text.len())].rfind("\n[").map_or(0, |i| i + 1);
            text[line_start..].starts_with("[settings")
        });
        let cause = if in_settings { Cause::InvalidSettings } else { Cause::InvalidManifest };
        PolicyError::new(stem, cause, e.to_string())
    })?;
    manifest.validate().map_err(invalid)?;
    manifest
        .validate_settings()
        .map_err(|e| PolicyError::new(&manifest.name, Cause::InvalidSettings, e).version(&manifest.version))?;
    let invalid = |cause, detail: String| PolicyError::new(&manifest.name, cause, detail).version(&manifest.version);
    if manifest.name != stem {
        return Err(invalid(
            Cause::InvalidManifest,
            format!("manifest name `{}` does not match its file name `{stem}.toml`", manifest.name),
        ));
    }
    if manifest.abi != ABI_VERSION {
        return Err(invalid(
            Cause::WrongAbi,
            format!("manifest declares ABI v{}, this host speaks v{ABI_VERSION}", manifest.abi),
        ));
    }
    if let Some(expected) = &manifest.sha256
        && !expected.eq_ignore_ascii_case(sha256)
    {
        return Err(invalid(
            Cause::InvalidManifest,
            format!("module sha256 {sha256} does not match the manifest's {expected}"),
        ));
    }
    Ok(manifest)
}
