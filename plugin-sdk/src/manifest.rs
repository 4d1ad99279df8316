//! The plugin manifest (`<name>.toml` next to `<name>.wasm`) and the config overlay.

use serde::{Deserialize, Serialize};

use crate::kinds::DecisionKind;
use crate::settings::{Settings, Texts};

/// A plugin manifest: who the plugin is, what it decides and its default configuration.
///
/// ```toml
/// name = "pl"
/// version = "1.0.0"
/// abi = 1
/// kinds = ["refund", "eligibility"]
/// description = "PL078 Katowice regulations"
///
/// [config]
/// medical_basis_points = 6000
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Plugin name: lowercase letters, digits and `-`; also the file stem in the plugins directory.
    pub name: String,
    /// Plugin version, recorded with every decision it makes.
    pub version: String,
    /// ABI version; must match the module's marker export.
    pub abi: u32,
    /// Kinds the plugin implements; any other kind is refused without running the module.
    pub kinds: Vec<DecisionKind>,
    /// One line for the regional admin.
    #[serde(default)]
    pub description: String,
    /// The same line in each of Tessera's languages, shown on the admin's pages in the admin's
    /// language (`description` is shown where there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Texts>,
    /// Optional sha256 (hex) of the `.wasm`; when present a mismatching module is refused,
    /// which catches a manifest and module copied from different builds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// Default configuration; a tenant's configuration is overlaid on it with [`overlay_config`].
    #[serde(default = "empty_object")]
    pub config: serde_json::Value,
    /// How each `[config]` key is shown on the admin's form and checked there (see
    /// [`crate::settings`]); none means the form is a JSON box.
    #[serde(default, skip_serializing_if = "Settings::is_empty")]
    pub settings: Settings,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(serde_json::Map::new())
}

impl Manifest {
    /// Check the fields a host relies on; returns what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self.name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !self.name.starts_with('-');
        if !name_ok {
            return Err(format!("name `{}` must be 1-64 of a-z, 0-9 and `-`, not starting with `-`", self.name));
        }
        let version_ok = !self.version.is_empty()
            && self.version.len() <= 64
            && self.version.bytes().all(|b| b.is_ascii_alphanumeric() || b"._+-".contains(&b));
        if !version_ok {
            return Err(format!("version `{}` is not a version string", self.version));
        }
        if self.kinds.is_empty() {
            return Err("kinds is empty: a plugin must implement at least one kind".into());
        }
        if !self.config.is_object() {
            return Err("config must be a table".into());
        }
        if let Some(summary) = &self.summary {
            summary.check("summary")?;
        }
        Ok(())
    }

    /// Check the `[settings]` schema against `[config]` (see [`Settings::check`]); returns what
    /// is wrong, naming the key.
    pub fn validate_settings(&self) -> Result<(), String> {
        self.settings.check(&self.config)
    }
}

/// Overlay `tenant` on `defaults`: objects merge key by key (recursively), anything else in
/// `tenant` replaces the default, and `null` in `tenant` keeps the default.
pub fn overlay_config(defaults: &serde_json::Value, tenant: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match (defaults, tenant) {
        (Value::Object(base), Value::Object(over)) => {
            let mut merged = base.clone();
            for (key, value) in over {
                let next = match base.get(key) {
                    Some(old) => overlay_config(old, value),
                    None => value.clone(),
                };
                merged.insert(key.clone(), next);
            }
            Value::Object(merged)
        }
        (base, Value::Null) => base.clone(),
        (_, over) => over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tenant_config_overlays_defaults_key_by_key() {
        let defaults = json!({"a": 1, "nested": {"x": 1, "y": 2}, "list": [1, 2]});
        let tenant = json!({"nested": {"y": 3}, "list": [9], "b": true, "a": null});
        assert_eq!(
            overlay_config(&defaults, &tenant),
            json!({"a": 1, "nested": {"x": 1, "y": 3}, "list": [9], "b": true})
        );
    }

    #[test]
    fn manifest_names_are_restricted() {
        let mut m = Manifest {
            name: "pl-katowice".into(),
            version: "1.0.0".into(),
            abi: 1,
            kinds: vec![DecisionKind::Refund],
            description: String::new(),
            summary: None,
            sha256: None,
            config: empty_object(),
            settings: Settings::default(),
        };
        assert!(m.validate().is_ok());
        m.name = "../etc".into();
        assert!(m.validate().is_err());
        m.name = "ok".into();
        m.kinds.clear();
        assert!(m.validate().is_err());
    }
}
