//! `it`: Italy's photo exception. The Italian brochure shows exam-day photos for B2 First,
//! C1 Advanced and C2 Proficiency "with some exceptions in Italy": which exams are photographed
//! is the centre's configuration.

use serde::Deserialize;
use tessera_plugin_sdk::board;
use tessera_plugin_sdk::prelude::*;

/// IT configuration (defaults in `plugin.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Exams whose candidates are photographed on the day.
    pub photographed_exams: Vec<Exam>,
    /// Whether verifiers see the photo.
    pub visible_to_verifiers: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self { photographed_exams: vec![Exam::Fce, Exam::Cae, Exam::Cpe], visible_to_verifiers: true }
    }
}

/// The IT policy.
pub const POLICY: Policy<Config> = Policy::new().photo(photo);

tessera_plugin_sdk::export_policy!(POLICY);

/// R-PHOTO-DAY with Italy's configurable list of photographed exams.
pub fn photo(input: &Input<PhotoFacts, Config>) -> PhotoPolicy {
    let f = &input.facts;
    let c = &input.config;
    let required = c.photographed_exams.contains(&f.exam);
    let mut reasons = vec![Reason::rule(
        "R-PHOTO-DAY",
        if required {
            "photographed on the exam day (Italian list)"
        } else {
            "no exam-day photo for this exam in Italy"
        },
    )];
    let who_signs = required.then(|| board::signatory(f.candidate_date_of_birth, f.registration_date));
    if who_signs == Some(Signatory::Guardian) {
        reasons.push(Reason::rule("R-MINOR-GUARDIAN", "under 18 on the registration date: a legal guardian signs"));
    }
    PhotoPolicy {
        required,
        consent_needed: required,
        who_signs,
        visible_to_verifiers: required && c.visible_to_verifiers,
        reasons,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures_pass_natively() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        assert!(tessera_plugin_sdk::fixture::run_native(dir, &super::POLICY) > 0);
    }
}
