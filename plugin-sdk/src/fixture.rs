//! Plugin fixtures: JSON files of cases with facts and the expected decision, run natively by
//! [`run_native`] and through the real host by `tessera-policy`.
//!
//! A fixture file (`fixtures/*.json`):
//!
//! ```json
//! { "kind": "refund",
//!   "cases": [
//!     { "name": "medical certificate on day 14 is in time",
//!       "rule": "R-PL-REFUND-MEDICAL",
//!       "now": "2026-06-20T10:00:00Z",
//!       "config": {},
//!       "facts": { "...": "..." },
//!       "expect": { "outcome": "approve", "basis_points": 6000 } } ] }
//! ```
//!
//! `expect` is matched as a subset: every key it names must be present with a matching value;
//! arrays must have the same length and match element by element.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::abi::{ABI_VERSION, DecisionRequest, DecisionResponse};
use crate::kinds::DecisionKind;
use crate::manifest::overlay_config;
#[cfg(feature = "testing")]
use crate::{abi::Policy, manifest::Manifest};

/// One fixture file: cases of a single kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    /// The kind every case asks for.
    pub kind: DecisionKind,
    /// The cases.
    pub cases: Vec<FixtureCase>,
}

/// One fixture case.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureCase {
    /// What the case shows, in a sentence.
    pub name: String,
    /// The rule id the case exercises.
    #[serde(default)]
    pub rule: Option<String>,
    /// The decision instant.
    pub now: DateTime<Utc>,
    /// The tenant's day, when it differs from the UTC day of `now`.
    #[serde(default)]
    pub today: Option<NaiveDate>,
    /// Tenant configuration overlaid on the manifest defaults.
    #[serde(default)]
    pub config: serde_json::Value,
    /// The facts.
    pub facts: serde_json::Value,
    /// The expected decision (subset match).
    pub expect: serde_json::Value,
}

impl FixtureCase {
    /// The request this case sends, with `defaults` (the manifest config) under the case config.
    pub fn request(&self, kind: DecisionKind, defaults: &serde_json::Value) -> DecisionRequest {
        DecisionRequest {
            abi: ABI_VERSION,
            kind,
            now: self.now,
            today: self.today,
            config: overlay_config(defaults, &self.config),
            facts: self.facts.clone(),
        }
    }
}

/// Every `*.json` fixture file in `dir`, sorted by path.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, FixtureFile)>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let file: FixtureFile = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((path, file))
        })
        .collect()
}

/// Check that `actual` matches `expected` as a subset; the error names the first mismatch.
pub fn check_subset(expected: &serde_json::Value, actual: &serde_json::Value) -> Result<(), String> {
    check_at("$", expected, actual)
}

fn check_at(path: &str, expected: &serde_json::Value, actual: &serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    match (expected, actual) {
        (Value::Object(want), Value::Object(got)) => {
            for (key, value) in want {
                let here = format!("{path}.{key}");
                match got.get(key) {
                    Some(found) => check_at(&here, value, found)?,
                    // An expected null also matches a field the output leaves out.
                    None if value.is_null() => {}
                    None => return Err(format!("{here}: missing, expected {value}")),
                }
            }
            Ok(())
        }
        (Value::Array(want), Value::Array(got)) => {
            if want.len() != got.len() {
                return Err(format!("{path}: expected {} items, got {}: {actual}", want.len(), got.len()));
            }
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                check_at(&format!("{path}[{i}]"), w, g)?;
            }
            Ok(())
        }
        (want, got) if want == got => Ok(()),
        (want, got) => Err(format!("{path}: expected {want}, got {got}")),
    }
}

/// Read `plugin_dir/plugin.toml` (the source manifest of a plugin crate).
#[cfg(feature = "testing")]
pub fn read_source_manifest(plugin_dir: &Path) -> Result<Manifest, String> {
    let path = plugin_dir.join("plugin.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let manifest: Manifest = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    manifest.validate()?;
    Ok(manifest)
}

/// Run every fixture of the plugin crate at `plugin_dir` natively against `policy`, and check
/// that the manifest lists exactly the kinds `policy` implements and that every listed kind has
/// fixtures. Panics with every failure listed; returns the number of cases run.
#[cfg(feature = "testing")]
pub fn run_native<C: serde::de::DeserializeOwned>(plugin_dir: &Path, policy: &Policy<C>) -> usize {
    let manifest = read_source_manifest(plugin_dir).unwrap_or_else(|e| panic!("{e}"));
    let mut listed = manifest.kinds.clone();
    listed.sort();
    assert_eq!(listed, policy.kinds(), "plugin.toml kinds must match the kinds the policy implements");
    let files = load_dir(&plugin_dir.join("fixtures")).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut run = 0;
    for (path, file) in &files {
        for case in &file.cases {
            run += 1;
            let request = serde_json::to_vec(&case.request(file.kind, &manifest.config)).expect("request serialises");
            let response = policy.decide_json(&request);
            if let Err(e) = check_response(&case.expect, &response) {
                failures.push(format!("{} / {}: {e}", path.display(), case.name));
            }
        }
    }
    for kind in &manifest.kinds {
        if !files.iter().any(|(_, f)| f.kind == *kind) {
            failures.push(format!("no fixture file covers kind `{kind}`"));
        }
    }
    assert!(failures.is_empty(), "{} fixture failures:\n{}", failures.len(), failures.join("\n"));
    assert!(run > 0, "no fixtures found in {}", plugin_dir.display());
    run
}

/// Check a raw guest response against a case's `expect`.
pub fn check_response(expect: &serde_json::Value, response: &[u8]) -> Result<(), String> {
    match serde_json::from_slice::<DecisionResponse>(response) {
        Ok(DecisionResponse::Output(output)) => check_subset(expect, &output),
        Ok(DecisionResponse::Error(e)) => Err(format!("plugin error {:?}: {}", e.code, e.message)),
        Err(e) => Err(format!("response is not a DecisionResponse: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset_matching_names_the_mismatch() {
        let actual = json!({"outcome": "approve", "reasons": [{"rule": "R-X", "message": "m"}]});
        assert!(check_subset(&json!({"outcome": "approve"}), &actual).is_ok());
        assert!(check_subset(&json!({"reasons": [{"rule": "R-X"}]}), &actual).is_ok());
        let err = check_subset(&json!({"reasons": [{"rule": "R-Y"}]}), &actual).unwrap_err();
        assert!(err.contains("$.reasons[0].rule"), "{err}");
        assert!(check_subset(&json!({"reasons": []}), &actual).is_err());
        assert!(check_subset(&json!({"pay_by": null}), &actual).is_ok());
        assert!(check_subset(&json!({"missing": 1}), &actual).is_err());
    }
}
