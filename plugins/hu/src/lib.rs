//! `hu`: the Hungarian regulations.

use chrono::Datelike;
use serde::Deserialize;
use tessera_plugin_sdk::board;
use tessera_plugin_sdk::prelude::*;

/// HU configuration (defaults in `plugin.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Share refunded for a documented illness; unset sends it to the centre (R-HU-REFUND-MEDICAL).
    pub medical_basis_points: Option<BasisPoints>,
    /// Weeks before the exam the board needs special-arrangements requests (R-HU-SA-DEADLINE).
    pub special_arrangements_weeks: u64,
    /// Days before the exam for exceptional timetable-change requests (R-TIMETABLE-CHANGE).
    pub timetable_change_days: u64,
    /// Days before the first component a candidate without a CoE must call (R-COE-MISSING).
    pub coe_contact_days: u64,
    /// Days after the exam for written conduct complaints (R-CONDUCT-COMPLAINT).
    pub conduct_complaint_days: u64,
    /// Days from the request to an automatic payout.
    pub payout_days: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            medical_basis_points: None,
            special_arrangements_weeks: 12,
            timetable_change_days: 7,
            coe_contact_days: 10,
            conduct_complaint_days: 7,
            payout_days: 14,
        }
    }
}

/// The HU policy.
pub const POLICY: Policy<Config> = Policy::new().refund(refund).eligibility(eligibility).deadlines(deadlines);

tessera_plugin_sdk::export_policy!(POLICY);

/// Refunds (DOMAIN.md section 10, Hungary column).
pub fn refund(input: &Input<RefundFacts, Config>) -> RefundDecision {
    let f = &input.facts;
    let c = &input.config;
    let make = |outcome, bp: BasisPoints, reason, cancel_entry| RefundDecision {
        outcome,
        basis_points: bp,
        amount: f.paid.percent(bp),
        reasons: vec![reason],
        pay_by: (outcome == RefundOutcome::Approve).then(|| {
            f.request_date.max(f.documents_received_date.unwrap_or(f.request_date)) + Days::new(c.payout_days)
        }),
        cancel_entry,
    };
    match f.reason {
        RefundReason::SessionBelowMinimum => make(
            RefundOutcome::Approve,
            BasisPoints::FULL,
            Reason::rule("R-SESSION-MINIMUM", "session cancelled below its minimum: full refund"),
            false,
        ),
        RefundReason::Illness => {
            let certified = f.documents.contains(&RefundDocument::MedicalCertificate)
                || f.documents.contains(&RefundDocument::MedicalCertificateOnCentreForm);
            match (certified, c.medical_basis_points) {
                (false, _) => make(
                    RefundOutcome::Reject,
                    BasisPoints::ZERO,
                    Reason::rule("R-HU-REFUND-MEDICAL", "a medical certificate naming the reason is required"),
                    false,
                ),
                (true, Some(bp)) => make(
                    RefundOutcome::Approve,
                    bp,
                    Reason::rule(
                        "R-HU-REFUND-MEDICAL",
                        "medical refund at the centre's configured share; the entry is cancelled and no result issued",
                    ),
                    true,
                ),
                (true, None) => make(
                    RefundOutcome::ManualReview,
                    BasisPoints::ZERO,
                    Reason::rule(
                        "R-HU-REFUND-MEDICAL",
                        "full or partial refund at the centre's discretion; if approved the entry is cancelled and no result issued",
                    ),
                    true,
                ),
            }
        }
        RefundReason::RuleBreaking => make(
            RefundOutcome::Reject,
            BasisPoints::ZERO,
            Reason::rule("R-HU-RULE-BREAKING", "entry voided for an attempt to break the entry rules: no refund"),
            true,
        ),
        _ => make(
            RefundOutcome::ManualReview,
            BasisPoints::ZERO,
            Reason::note("other reasons are considered in exceptional cases only"),
            false,
        ),
    }
}

/// The target age range of an exam, where the board publishes one (R-HU-AGE-TARGET).
pub fn target_ages(exam: Exam) -> Option<(u32, u32)> {
    match exam {
        Exam::PetForSchools | Exam::FceForSchools => Some((14, 15)),
        Exam::Yle => Some((7, 12)),
        _ => None,
    }
}

/// R-HU-ONE-PER-MONTH, R-HU-MULTI-EXAM, R-HU-AGE-TARGET, plus the board-level entry checks.
pub fn eligibility(input: &Input<EligibilityFacts, Config>) -> EligibilityDecision {
    let f = &input.facts;
    let e = &f.entry;
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    board::entry_checks(f, input.today, &mut violations, &mut warnings);
    let month = (e.session_date.year(), e.session_date.month());
    for other in &f.other_entries {
        let same_month = (other.session_date.year(), other.session_date.month()) == month;
        if same_month && other.exam.exam_type() == e.exam.exam_type() {
            violations.push(Reason::rule(
                "R-HU-ONE-PER-MONTH",
                format!("already entered for the same exam type on {} in the same month", other.session_date),
            ));
        }
    }
    if let Some((min, max)) = target_ages(e.exam) {
        let age = age_on(f.candidate.date_of_birth, e.session_date);
        if age < min || age > max {
            warnings.push(Reason::rule(
                "R-HU-AGE-TARGET",
                format!("this exam targets ages {min}-{max}; the candidate will be {age}"),
            ));
        }
    }
    EligibilityDecision { eligible: violations.is_empty(), manual_review: false, violations, warnings }
}

/// R-HU-SA-DEADLINE and R-TIMETABLE-CHANGE (Hungary), plus the board-level dates.
pub fn deadlines(input: &Input<DeadlineFacts, Config>) -> Deadlines {
    let f = &input.facts;
    let c = &input.config;
    Deadlines {
        special_arrangements: f.written_exam_date - Days::new(7 * c.special_arrangements_weeks),
        special_arrangements_major: None,
        enquiry_window_end: None,
        refund_documents: None,
        coe_contact: f.first_component_date - Days::new(c.coe_contact_days),
        timetable_change_request: Some(f.first_component_date - Days::new(c.timetable_change_days)),
        conduct_complaint: f.written_exam_date + Days::new(c.conduct_complaint_days),
        reasons: vec![
            Reason::rule(
                "R-HU-SA-DEADLINE",
                "the board needs special-arrangements requests 8-12 weeks before the exam",
            ),
            Reason::rule("R-TIMETABLE-CHANGE", "exceptional timetable requests reach the board at least a week before"),
            Reason::rule("R-COE-MISSING", "no CoE 10 days before the first component: contact the centre"),
            Reason::rule("R-CONDUCT-COMPLAINT", "written complaints within 7 days"),
        ],
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
