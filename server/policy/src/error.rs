//! `PolicyError`: every way a decision or a plugin load can fail, with a stable cause code.

use std::fmt;

use tessera_plugin_sdk::DecisionKind;

/// Why a plugin failed. [`Cause::code`] is stable: store it, match on it, show it in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cause {
    /// The module trapped (unreachable, out-of-bounds access, stack overflow, panic, proc_exit).
    Trap,
    /// The module used its whole fuel budget (an infinite loop ends here).
    FuelExhausted,
    /// The module tried to grow memory or a table beyond the configured limit.
    MemoryLimit,
    /// The response was not JSON or not a `{"output": ...}` / `{"error": ...}` envelope.
    BadOutputJson,
    /// The output does not satisfy the kind's JSON Schema.
    SchemaViolation,
    /// The module has no `tessera_abi_v1` marker, another ABI's marker, or the wrong exports.
    WrongAbi,
    /// The module imports something outside the allowed set.
    ForbiddenImport,
    /// The response is larger than the output cap.
    OutputTooLarge,
    /// The request is larger than the input cap.
    InputTooLarge,
    /// No plugin of that name is loaded.
    UnknownPlugin,
    /// The plugin's manifest does not list the kind (or the plugin itself refused it).
    KindNotImplemented,
    /// The plugin refused the facts as not matching the kind's input type.
    InvalidFacts,
    /// The plugin refused the merged configuration.
    InvalidConfig,
    /// The plugin returned another error of its own.
    PluginError,
    /// The manifest is missing, unreadable or invalid, or does not match the module.
    InvalidManifest,
    /// The manifest's `[settings]` schema does not parse or does not fit its `[config]`.
    InvalidSettings,
    /// The bytes are not a valid WebAssembly module.
    InvalidModule,
    /// Reading or writing plugin files failed.
    Io,
}

impl Cause {
    /// The stable machine-readable code, e.g. `fuel_exhausted`.
    pub fn code(self) -> &'static str {
        match self {
            Cause::Trap => "trap",
            Cause::FuelExhausted => "fuel_exhausted",
            Cause::MemoryLimit => "memory_limit",
            Cause::BadOutputJson => "bad_output_json",
            Cause::SchemaViolation => "schema_violation",
            Cause::WrongAbi => "wrong_abi",
            Cause::ForbiddenImport => "forbidden_import",
            Cause::OutputTooLarge => "output_too_large",
            Cause::InputTooLarge => "input_too_large",
            Cause::UnknownPlugin => "unknown_plugin",
            Cause::KindNotImplemented => "kind_not_implemented",
            Cause::InvalidFacts => "invalid_facts",
            Cause::InvalidConfig => "invalid_config",
            Cause::PluginError => "plugin_error",
            Cause::InvalidManifest => "invalid_manifest",
            Cause::InvalidSettings => "invalid_settings",
            Cause::InvalidModule => "invalid_module",
            Cause::Io => "io",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A failed decision or plugin load. The decision fails closed: no output is ever returned
/// alongside an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// Plugin name (or the file name when the manifest could not be read).
    pub plugin: String,
    /// Plugin version, when known.
    pub version: Option<String>,
    /// The decision kind, when the failure happened during a decision.
    pub kind: Option<DecisionKind>,
    /// Why.
    pub cause: Cause,
    /// Details for the audit log (the trap message, the schema path, the import name...).
    pub detail: String,
}

impl PolicyError {
    pub(crate) fn new(plugin: impl Into<String>, cause: Cause, detail: impl Into<String>) -> Self {
        Self { plugin: plugin.into(), version: None, kind: None, cause, detail: detail.into() }
    }

    pub(crate) fn version(mut self, version: &str) -> Self {
        self.version = Some(version.to_owned());
        self
    }

    pub(crate) fn kind(mut self, kind: DecisionKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// The stable cause code (shorthand for `self.cause.code()`).
    pub fn code(&self) -> &'static str {
        self.cause.code()
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "policy plugin `{}`", self.plugin)?;
        if let Some(version) = &self.version {
            write!(f, " v{version}")?;
        }
        if let Some(kind) = self.kind {
            write!(f, " ({kind} decision)")?;
        }
        write!(f, " failed [{}]: {}", self.cause.code(), self.detail)
    }
}

impl std::error::Error for PolicyError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_plugin_version_kind_and_cause() {
        let e = PolicyError::new("pl", Cause::FuelExhausted, "fuel budget of 10 used up")
            .version("1.0.0")
            .kind(DecisionKind::Refund);
        assert_eq!(
            e.to_string(),
            "policy plugin `pl` v1.0.0 (refund decision) failed [fuel_exhausted]: fuel budget of 10 used up"
        );
    }
}
