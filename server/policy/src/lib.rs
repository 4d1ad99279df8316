//! Tessera's policy-plugin host.
//!
//! Everything that varies by country or centre is decided by a sandboxed WASM plugin (ABI v1,
//! see `plugin-sdk/ABI.md`). This crate loads plugins from a directory, compiles each module
//! once (keyed by sha256), runs every decision in a fresh wasmtime store with fuel, memory and
//! table limits and size caps, validates the output against the kind's JSON Schema, and
//! reloads plugins when the directory changes. Every failure fails closed as a [`PolicyError`].
//!
//! Which plugin a tenant uses for a kind, and the tenant's plugin configuration, are the
//! caller's business: [`PolicyRegistry::decide`] takes the plugin name and the configuration.

mod error;
pub mod fixtures;
mod registry;
mod sandbox;

pub use error::{Cause, PolicyError};
pub use registry::{ConfigRefusal, Decision, DecisionInput, PluginInfo, PolicyRegistry, ReloadReport, WatchHandle};
pub use sandbox::Limits;
pub use tessera_plugin_sdk::DecisionKind;

/// The plugin every tenant and kind falls back to when nothing is assigned.
pub const BASELINE_PLUGIN: &str = "baseline";

#[cfg(test)]
mod tests;
