//! Running a plugin's fixture files through the real host (the same path as production).

use std::path::Path;

use tessera_plugin_sdk::fixture::{check_subset, load_dir};

use crate::registry::{DecisionInput, PolicyRegistry};

/// Run every fixture in `fixtures_dir` against the loaded plugin `plugin`. Returns the number
/// of cases run, or every failure (a decision error or an output mismatch), one per line.
pub fn run_fixtures(registry: &PolicyRegistry, plugin: &str, fixtures_dir: &Path) -> Result<usize, Vec<String>> {
    let files = load_dir(fixtures_dir).map_err(|e| vec![e])?;
    let mut failures = Vec::new();
    let mut run = 0;
    for (path, file) in &files {
        for case in &file.cases {
            run += 1;
            let input =
                DecisionInput { facts: &case.facts, tenant_config: &case.config, now: case.now, today: case.today };
            let outcome = registry
                .decide(plugin, file.kind, &input)
                .map_err(|e| e.to_string())
                .and_then(|d| check_subset(&case.expect, &d.output));
            if let Err(e) = outcome {
                failures.push(format!("{} / {}: {e}", path.display(), case.name));
            }
        }
    }
    if failures.is_empty() { Ok(run) } else { Err(failures) }
}
