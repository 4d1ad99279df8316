//! `baseline`: the board-level rules, used for any tenant and kind with no plugin assigned.
//!
//! Where DOMAIN.md leaves a decision to the country (most refunds), baseline sends it to a
//! person rather than guessing.

use serde::Deserialize;
use tessera_plugin_sdk::board;
use tessera_plugin_sdk::prelude::*;

/// Baseline configuration (defaults in `plugin.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Days from the request to the payout of an approved refund.
    pub payout_days: u64,
    /// A candidate without a CoE contacts the centre this many days before the first component.
    pub coe_contact_days: u64,
    /// Written conduct complaints within this many days of the exam.
    pub conduct_complaint_days: u64,
    /// Months after the exam that uploaded documents are kept.
    pub documents_retention_months: u32,
    /// Months after the exam that contact data is kept.
    pub contact_data_retention_months: u32,
    /// Months after the exam that the centre keeps exam-day photos.
    pub photos_retention_months: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            payout_days: 14,
            coe_contact_days: 10,
            conduct_complaint_days: 7,
            documents_retention_months: 12,
            contact_data_retention_months: 24,
            photos_retention_months: 24,
        }
    }
}

/// The baseline policy: every kind.
pub const POLICY: Policy<Config> = Policy::new()
    .refund(refund)
    .photo(photo)
    .identity(identity)
    .eligibility(eligibility)
    .deadlines(deadlines)
    .retention(retention)
    .fees(fees);

tessera_plugin_sdk::export_policy!(POLICY);

/// Refunds: a cancelled session is refunded in full; a voided entry gets nothing; the rest is
/// the centre's call.
pub fn refund(input: &Input<RefundFacts, Config>) -> RefundDecision {
    let f = &input.facts;
    let (outcome, bp, reason) = match f.reason {
        RefundReason::SessionBelowMinimum => (
            RefundOutcome::Approve,
            BasisPoints::FULL,
            Reason::rule("R-SESSION-MINIMUM", "session cancelled below its minimum: full refund"),
        ),
        RefundReason::NoCoeNotReported => (
            RefundOutcome::Reject,
            BasisPoints::ZERO,
            Reason::rule("R-COE-MISSING", "missing CoE was not reported: no refund"),
        ),
        _ => (RefundOutcome::ManualReview, BasisPoints::ZERO, Reason::note("no board-level rule: the centre decides")),
    };
    let pay_by = (outcome == RefundOutcome::Approve).then(|| f.request_date + Days::new(input.config.payout_days));
    RefundDecision {
        outcome,
        basis_points: bp,
        amount: f.paid.percent(bp),
        reasons: vec![reason],
        pay_by,
        cancel_entry: false,
    }
}

/// Photos on the day (R-PHOTO-DAY), signed for by a guardian for a minor (R-MINOR-GUARDIAN).
pub fn photo(input: &Input<PhotoFacts, Config>) -> PhotoPolicy {
    let f = &input.facts;
    let required = board::photographed_on_the_day(f.exam);
    let mut reasons = vec![Reason::rule(
        "R-PHOTO-DAY",
        if required {
            "candidates for this exam are photographed on the day"
        } else {
            "this exam has no exam-day photo"
        },
    )];
    let who_signs = required.then(|| board::signatory(f.candidate_date_of_birth, f.registration_date));
    if who_signs == Some(Signatory::Guardian) {
        reasons.push(Reason::rule("R-MINOR-GUARDIAN", "under 18 on the registration date: a guardian signs"));
    }
    PhotoPolicy { required, consent_needed: required, who_signs, visible_to_verifiers: required, reasons }
}

/// A valid photo ID: national ID card, passport or driving licence.
pub fn identity(input: &Input<IdentityFacts, Config>) -> IdentityDecision {
    let accepted = vec![IdDocument::NationalIdCard, IdDocument::Passport, IdDocument::DrivingLicence];
    let admissible = input.facts.documents_on_hand.iter().any(|d| accepted.contains(d));
    IdentityDecision { accepted, admissible, reasons: vec![Reason::note("a valid photo ID is required on the day")] }
}

/// Board-level entry checks: guardian for a minor, the student card, late entries.
pub fn eligibility(input: &Input<EligibilityFacts, Config>) -> EligibilityDecision {
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    board::entry_checks(&input.facts, input.today, &mut violations, &mut warnings);
    EligibilityDecision { eligible: violations.is_empty(), manual_review: false, violations, warnings }
}

/// Board-level dates: CoE contact (R-COE-MISSING) and conduct complaints (R-CONDUCT-COMPLAINT).
pub fn deadlines(input: &Input<DeadlineFacts, Config>) -> Deadlines {
    let f = &input.facts;
    let c = &input.config;
    Deadlines {
        special_arrangements: f.last_registration_day,
        special_arrangements_major: None,
        enquiry_window_end: None,
        refund_documents: None,
        coe_contact: f.first_component_date - Days::new(c.coe_contact_days),
        timetable_change_request: None,
        conduct_complaint: f.written_exam_date + Days::new(c.conduct_complaint_days),
        reasons: vec![
            Reason::note("special arrangements: by the last registration day"),
            Reason::rule("R-COE-MISSING", "contact the centre if no CoE has arrived"),
            Reason::rule("R-CONDUCT-COMPLAINT", "written complaints within 7 days"),
        ],
    }
}

/// The verification record is kept indefinitely; other data for configured periods (R-DATA-MINIMUM).
pub fn retention(input: &Input<RetentionFacts, Config>) -> RetentionSchedule {
    let f = &input.facts;
    let c = &input.config;
    let after_exam = |months: u32| f.written_exam_date.checked_add_months(Months::new(months));
    let rule = |data_class, delete_on| RetentionRule {
        data_class,
        indefinite: false,
        delete_on,
        reason: Reason::rule("R-DATA-MINIMUM", "kept only as long as exam administration needs it"),
    };
    RetentionSchedule {
        rules: vec![
            RetentionRule {
                data_class: DataClass::VerificationRecord,
                indefinite: true,
                delete_on: None,
                reason: Reason::rule("R-DATA-MINIMUM", "what verifies a result is kept indefinitely"),
            },
            rule(DataClass::Documents, after_exam(c.documents_retention_months)),
            rule(DataClass::ContactData, after_exam(c.contact_data_retention_months)),
            rule(DataClass::Photos, after_exam(c.photos_retention_months)),
        ],
    }
}

/// The base fee, the late fee after the last registration day (R-LATE-ENTRY) and the student
/// discount in the promotional period (R-STUDENT-DISCOUNT).
pub fn fees(input: &Input<FeeFacts, Config>) -> FeeQuote {
    board::fee_quote(&input.facts)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fixtures_pass_natively() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        assert!(tessera_plugin_sdk::fixture::run_native(dir, &super::POLICY) > 0);
    }
}
