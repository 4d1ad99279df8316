//! JSON Schemas of every kind's facts and decision, generated from the Rust types.
//!
//! The host validates each plugin output against [`output_schema`]; plugin authors using
//! another language read the generated files in `plugin-sdk/schemas/`.

use schemars::{JsonSchema, schema_for};

use crate::kinds::*;

fn to_value<T: JsonSchema>() -> serde_json::Value {
    serde_json::to_value(schema_for!(T)).expect("a schema always serialises")
}

/// The JSON Schema of the facts a `kind` decision receives.
pub fn facts_schema(kind: DecisionKind) -> serde_json::Value {
    match kind {
        DecisionKind::Refund => to_value::<RefundFacts>(),
        DecisionKind::Photo => to_value::<PhotoFacts>(),
        DecisionKind::Identity => to_value::<IdentityFacts>(),
        DecisionKind::Eligibility => to_value::<EligibilityFacts>(),
        DecisionKind::Deadlines => to_value::<DeadlineFacts>(),
        DecisionKind::Retention => to_value::<RetentionFacts>(),
        DecisionKind::Fees => to_value::<FeeFacts>(),
    }
}

/// The JSON Schema a plugin's `kind` decision must satisfy.
pub fn output_schema(kind: DecisionKind) -> serde_json::Value {
    match kind {
        DecisionKind::Refund => to_value::<RefundDecision>(),
        DecisionKind::Photo => to_value::<PhotoPolicy>(),
        DecisionKind::Identity => to_value::<IdentityDecision>(),
        DecisionKind::Eligibility => to_value::<EligibilityDecision>(),
        DecisionKind::Deadlines => to_value::<Deadlines>(),
        DecisionKind::Retention => to_value::<RetentionSchedule>(),
        DecisionKind::Fees => to_value::<FeeQuote>(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// The committed schema files must be what the types generate. Run with
    /// `TESSERA_BLESS=1` after changing a type to rewrite them.
    #[test]
    fn committed_schemas_are_current() {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let bless = std::env::var_os("TESSERA_BLESS").is_some();
        let mut stale = Vec::new();
        for kind in DecisionKind::ALL {
            for (part, schema) in [("facts", facts_schema(kind)), ("output", output_schema(kind))] {
                let path = dir.join(format!("{kind}.{part}.json"));
                let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
                if bless {
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(&path, &text).unwrap();
                } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                    stale.push(path.display().to_string());
                }
            }
        }
        assert!(stale.is_empty(), "stale schemas (rerun with TESSERA_BLESS=1): {stale:?}");
    }

    #[test]
    fn output_schemas_forbid_unknown_fields() {
        let schema = output_schema(DecisionKind::Refund);
        assert_eq!(schema["additionalProperties"], serde_json::json!(false));
        assert!(schema["required"].as_array().unwrap().contains(&"outcome".into()));
    }
}
