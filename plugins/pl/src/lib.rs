//! `pl`: the Polish centre's regulations (PL078 International House Integra Katowice).

use serde::Deserialize;
use tessera_plugin_sdk::board;
use tessera_plugin_sdk::prelude::*;

/// PL configuration (defaults in `plugin.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Refund share for an absence through illness (R-PL-REFUND-MEDICAL).
    pub medical_basis_points: BasisPoints,
    /// Refund share for an absence after a close person's death (R-PL-REFUND-BEREAVEMENT).
    pub bereavement_basis_points: BasisPoints,
    /// Days after the written exam by which refund documents must arrive (day N counts).
    pub refund_documents_days: u64,
    /// Days from complete documents to the payout.
    pub payout_days: u64,
    /// Days after the release for results enquiries (R-ENQUIRY).
    pub enquiry_days: u64,
    /// Days before the first component a candidate without a CoE must call (R-COE-MISSING).
    pub coe_contact_days: u64,
    /// Days after the exam for written conduct complaints (R-CONDUCT-COMPLAINT).
    pub conduct_complaint_days: u64,
    /// Months before registration closes to ask for major arrangements (R-PL-SA-MAJOR).
    pub special_arrangements_major_months: u32,
    /// Years uncollected certificates are kept (R-PL-CERT-RETENTION).
    pub certificate_retention_years: u32,
    /// Nationalities the individual-entry rules cover (R-PL-NATIONALITY).
    pub nationalities: Vec<String>,
    /// Difficulties that give 25% extra time on a specialist's report (R-PL-EXTRA-TIME).
    pub extra_time_conditions: Vec<String>,
    /// The youngest age at which that report may have been made (R-PL-EXTRA-TIME).
    pub extra_time_report_min_age: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            medical_basis_points: BasisPoints(6_000),
            bereavement_basis_points: BasisPoints(6_000),
            refund_documents_days: 14,
            payout_days: 14,
            enquiry_days: 15,
            coe_contact_days: 10,
            conduct_complaint_days: 7,
            special_arrangements_major_months: 2,
            certificate_retention_years: 2,
            nationalities: vec!["PL".into()],
            extra_time_conditions: vec!["dyslexia".into(), "dysgraphia".into(), "dysorthography".into()],
            extra_time_report_min_age: 13,
        }
    }
}

/// The PL policy.
pub const POLICY: Policy<Config> = Policy::new()
    .refund(refund)
    .photo(photo)
    .identity(identity)
    .eligibility(eligibility)
    .deadlines(deadlines)
    .retention(retention);

tessera_plugin_sdk::export_policy!(POLICY);

/// Close persons for R-PL-REFUND-BEREAVEMENT: spouse, cohabiting partner, siblings, ascendants,
/// descendants, parents-in-law, sons- and daughters-in-law, step-parents, stepchildren, adoption.
pub fn is_close_person(relation: Relation) -> bool {
    !matches!(
        relation,
        Relation::AuntOrUncle | Relation::Cousin | Relation::NieceOrNephew | Relation::Friend | Relation::Other
    )
}

fn decision(
    f: &RefundFacts,
    outcome: RefundOutcome,
    bp: BasisPoints,
    reason: Reason,
    pay_by: Option<NaiveDate>,
) -> RefundDecision {
    RefundDecision {
        outcome,
        basis_points: bp,
        amount: f.paid.percent(bp),
        reasons: vec![reason],
        pay_by: if outcome == RefundOutcome::Approve { pay_by } else { None },
        cancel_entry: false,
    }
}

/// Refunds under section III of the regulations (DOMAIN.md section 10, Poland column).
pub fn refund(input: &Input<RefundFacts, Config>) -> RefundDecision {
    let f = &input.facts;
    let c = &input.config;
    let payout = |from: NaiveDate| Some(from + Days::new(c.payout_days));
    let reject = |rule: Option<&str>, msg: &str| {
        let reason = match rule {
            Some(rule) => Reason::rule(rule, msg),
            None => Reason::note(msg),
        };
        decision(f, RefundOutcome::Reject, BasisPoints::ZERO, reason, None)
    };
    match &f.reason {
        RefundReason::Withdrawal if f.request_date <= f.last_registration_day => decision(
            f,
            RefundOutcome::Approve,
            BasisPoints::FULL,
            Reason::rule("R-PL-REFUND-WITHDRAWAL", "withdrawal requested by the last registration day: full refund"),
            payout(f.request_date),
        ),
        RefundReason::Withdrawal => {
            reject(Some("R-PL-REFUND-WITHDRAWAL"), "withdrawal requested after the last registration day: no refund")
        }
        RefundReason::SessionBelowMinimum => decision(
            f,
            RefundOutcome::Approve,
            BasisPoints::FULL,
            Reason::rule("R-SESSION-MINIMUM", "session cancelled below its minimum: full refund"),
            payout(f.request_date),
        ),
        RefundReason::IncompleteRegistrationOnlyFeePaid => {
            // Paid back once registration has closed, whenever the request came in.
            let from = f.request_date.max(f.last_registration_day + Days::new(1));
            decision(
                f,
                RefundOutcome::Approve,
                BasisPoints::FULL,
                Reason::rule(
                    "R-PL-ENTRY-COMPLETE",
                    "entry never complete, only the fee paid: full refund after registration closes",
                ),
                payout(from),
            )
        }
        RefundReason::Illness => documented_absence(
            input,
            "R-PL-REFUND-MEDICAL",
            &[RefundDocument::MedicalCertificateOnCentreForm],
            c.medical_basis_points,
        ),
        RefundReason::Bereavement { relation } if is_close_person(*relation) => documented_absence(
            input,
            "R-PL-REFUND-BEREAVEMENT",
            &[RefundDocument::DeathCertificateCopy, RefundDocument::BereavementRequestForm],
            c.bereavement_basis_points,
        ),
        RefundReason::Bereavement { .. } => {
            reject(Some("R-PL-REFUND-BEREAVEMENT"), "not a close person under the regulations: no refund")
        }
        RefundReason::NoCoeNotReported => {
            reject(Some("R-COE-MISSING"), "no CoE and the centre was not told 10 days before the exam: no refund")
        }
        RefundReason::RefusedDevices => reject(None, "refused to hand in electronic devices: no refund"),
        RefundReason::RuleBreaking | RefundReason::Other => reject(None, "no refund for any other reason"),
    }
}

/// A refund for an absence that needs `required` documents within the documents window.
fn documented_absence(
    input: &Input<RefundFacts, Config>,
    rule: &str,
    required: &[RefundDocument],
    bp: BasisPoints,
) -> RefundDecision {
    let f = &input.facts;
    let c = &input.config;
    let deadline = f.written_exam_date + Days::new(c.refund_documents_days);
    let complete = required.iter().all(|d| f.documents.contains(d));
    match f.documents_received_date {
        Some(received) if complete && received <= deadline => decision(
            f,
            RefundOutcome::Approve,
            bp,
            Reason::rule(rule, format!("documents received on {received}, within the deadline of {deadline}")),
            Some(received + Days::new(c.payout_days)),
        ),
        Some(received) if complete => decision(
            f,
            RefundOutcome::Reject,
            BasisPoints::ZERO,
            Reason::rule(rule, format!("documents received on {received}, after the deadline of {deadline}")),
            None,
        ),
        // Still time to complete the documents: a person follows up instead of rejecting now.
        _ if input.today <= deadline => decision(
            f,
            RefundOutcome::ManualReview,
            BasisPoints::ZERO,
            Reason::rule(rule, format!("documents incomplete; they may still arrive until {deadline}")),
            None,
        ),
        _ => decision(
            f,
            RefundOutcome::Reject,
            BasisPoints::ZERO,
            Reason::rule(rule, format!("required documents not received by {deadline}")),
            None,
        ),
    }
}

/// Photos on the day (R-PHOTO-DAY) need a signed consent received by the last registration day
/// (R-PL-ENTRY-COMPLETE), signed by a guardian for a minor (R-MINOR-GUARDIAN).
pub fn photo(input: &Input<PhotoFacts, Config>) -> PhotoPolicy {
    let f = &input.facts;
    let required = board::photographed_on_the_day(f.exam);
    let mut reasons = vec![Reason::rule(
        "R-PHOTO-DAY",
        if required { "photographed on the exam day" } else { "no exam-day photo for this exam" },
    )];
    let who_signs = required.then(|| board::signatory(f.candidate_date_of_birth, f.registration_date));
    if required {
        reasons.push(Reason::rule(
            "R-PL-ENTRY-COMPLETE",
            "the photo-consent form must arrive by the last registration day",
        ));
    }
    if who_signs == Some(Signatory::Guardian) {
        reasons.push(Reason::rule("R-MINOR-GUARDIAN", "under 18 on the registration date: a legal guardian signs"));
    }
    PhotoPolicy { required, consent_needed: required, who_signs, visible_to_verifiers: required, reasons }
}

/// R-PL-ACCEPTED-ID and R-PL-SCHOOL-ID.
pub fn identity(input: &Input<IdentityFacts, Config>) -> IdentityDecision {
    let f = &input.facts;
    let mut accepted = vec![IdDocument::NationalIdCard, IdDocument::Passport, IdDocument::DrivingLicence];
    let mut reasons =
        vec![Reason::rule("R-PL-ACCEPTED-ID", "national ID card, driving licence or passport with a current photo")];
    let has_photo_id = f.documents_on_hand.iter().any(|d| accepted.contains(d));
    let minor = board::is_minor(f.candidate_date_of_birth, f.registration_date);
    if minor && !has_photo_id && f.documents_on_hand.contains(&IdDocument::SchoolId) {
        match f.school_id_copy_received {
            Some(day) if day <= f.last_registration_day => {
                accepted.push(IdDocument::SchoolId);
                reasons.push(Reason::rule(
                    "R-PL-SCHOOL-ID",
                    "school ID accepted: its copy arrived by the last registration day",
                ));
            }
            _ => reasons.push(Reason::rule(
                "R-PL-SCHOOL-ID",
                "school ID not accepted: no copy arrived by the last registration day",
            )),
        }
    }
    let admissible = f.documents_on_hand.iter().any(|d| accepted.contains(d));
    IdentityDecision { accepted, admissible, reasons }
}

/// Exams the individual-entry regulations do not cover.
fn outside_regulations(exam: Exam) -> bool {
    matches!(exam, Exam::Yle | Exam::Tkt)
}

/// R-PL-ENTRY-COMPLETE, R-PL-NATIONALITY, plus the board-level entry checks.
pub fn eligibility(input: &Input<EligibilityFacts, Config>) -> EligibilityDecision {
    let f = &input.facts;
    let e = &f.entry;
    let mut violations = Vec::new();
    let mut warnings = Vec::new();
    board::entry_checks(f, input.today, &mut violations, &mut warnings);
    if outside_regulations(e.exam) {
        violations.push(Reason::note("Young Learners and TKT are not covered by these regulations"));
    }
    let mut missing = Vec::new();
    if !e.form_submitted {
        missing.push("entry form");
    }
    if !e.fee_paid {
        missing.push("fee payment");
    }
    if e.photo_consent_required && !e.photo_consent_received {
        missing.push("photo-consent form");
    }
    if !missing.is_empty() {
        let what = missing.join(", ");
        // The last registration day itself still counts: only the day after is too late.
        if input.today > e.last_registration_day {
            violations.push(Reason::rule(
                "R-PL-ENTRY-COMPLETE",
                format!("not received by the last registration day: {what}"),
            ));
        } else {
            warnings.push(Reason::rule(
                "R-PL-ENTRY-COMPLETE",
                format!("still missing, due by {}: {what}", e.last_registration_day),
            ));
        }
    }
    if let Some(request) = &e.extra_time {
        warnings.push(extra_time(request, f.candidate.date_of_birth, &input.config));
    }
    let national = input.config.nationalities.iter().any(|n| n.eq_ignore_ascii_case(&f.candidate.nationality));
    if !national {
        warnings.push(Reason::rule(
            "R-PL-NATIONALITY",
            "individual-entry rules cover Polish nationals only: the centre reviews this entry",
        ));
    }
    EligibilityDecision { eligible: violations.is_empty(), manual_review: !national, violations, warnings }
}

/// R-PL-EXTRA-TIME: 25% extra time for dyslexia, dysgraphia or dysorthography on a report from a
/// psychological clinic made when the candidate was at least 13, stating the severity and the
/// diagnostic tests used, stamped and signed. Without such a report the candidate still sits,
/// without the extra time: a warning either way, never a violation.
fn extra_time(request: &ExtraTimeRequest, date_of_birth: NaiveDate, c: &Config) -> Reason {
    let condition = request.condition.trim().to_lowercase();
    if !c.extra_time_conditions.iter().any(|k| k.eq_ignore_ascii_case(&condition)) {
        return Reason::rule(
            "R-PL-EXTRA-TIME",
            format!(
                "25% extra time is for {} only: the centre decides on `{condition}` with the board",
                c.extra_time_conditions.join(", ")
            ),
        );
    }
    let Some(report) = &request.report else {
        return Reason::rule(
            "R-PL-EXTRA-TIME",
            format!(
                "25% extra time for {condition} needs a report from a psychological clinic made at {} or older, \
                 stating the severity and the diagnostic tests used, stamped and signed by the specialist",
                c.extra_time_report_min_age
            ),
        );
    };
    let age = age_on(date_of_birth, report.made_on);
    let mut problems = Vec::new();
    if age < c.extra_time_report_min_age {
        problems.push(format!("it was made at age {age}, under {}", c.extra_time_report_min_age));
    }
    if !report.states_severity {
        problems.push("it does not state the severity".to_owned());
    }
    if !report.names_diagnostic_tests {
        problems.push("it does not name the diagnostic tests used".to_owned());
    }
    if !report.stamped_and_signed {
        problems.push("it is not stamped and signed by the specialist".to_owned());
    }
    if problems.is_empty() {
        Reason::rule("R-PL-EXTRA-TIME", format!("25% extra time for {condition}, on the report of {}", report.made_on))
    } else {
        Reason::rule(
            "R-PL-EXTRA-TIME",
            format!("the report of {} gives no extra time: {}", report.made_on, problems.join("; ")),
        )
    }
}

/// Deadlines from the regulations.
pub fn deadlines(input: &Input<DeadlineFacts, Config>) -> Deadlines {
    let f = &input.facts;
    let c = &input.config;
    let enquiry_window_end = f.results_release.map(|at| at.date_naive() + Days::new(c.enquiry_days));
    Deadlines {
        special_arrangements: f.last_registration_day,
        special_arrangements_major: f
            .last_registration_day
            .checked_sub_months(Months::new(c.special_arrangements_major_months)),
        enquiry_window_end,
        refund_documents: Some(f.written_exam_date + Days::new(c.refund_documents_days)),
        coe_contact: f.first_component_date - Days::new(c.coe_contact_days),
        timetable_change_request: None,
        conduct_complaint: f.written_exam_date + Days::new(c.conduct_complaint_days),
        reasons: vec![
            Reason::rule("R-PL-SA-DEADLINE", "special-arrangements documents by the last registration day"),
            Reason::rule("R-PL-SA-MAJOR", "major arrangements: contact the centre 2 months before registration closes"),
            Reason::rule("R-ENQUIRY", "results enquiries within 15 days of release"),
            Reason::rule("R-PL-REFUND-MEDICAL", "refund documents within 14 days of the written exam"),
            Reason::rule("R-COE-MISSING", "no CoE 10 days before the first component: contact the centre"),
            Reason::rule("R-CONDUCT-COMPLAINT", "written complaints within 7 days"),
        ],
    }
}

/// R-PL-CERT-RETENTION and R-DATA-MINIMUM.
pub fn retention(input: &Input<RetentionFacts, Config>) -> RetentionSchedule {
    let f = &input.facts;
    let c = &input.config;
    let certificate_deadline = match (f.certificate_collected, f.certificate_first_collection_day) {
        (false, Some(first)) => first.checked_add_months(Months::new(12 * c.certificate_retention_years)),
        _ => None,
    };
    RetentionSchedule {
        rules: vec![
            RetentionRule {
                data_class: DataClass::VerificationRecord,
                indefinite: true,
                delete_on: None,
                reason: Reason::rule("R-DATA-MINIMUM", "what verifies a result is kept indefinitely"),
            },
            RetentionRule {
                data_class: DataClass::UncollectedCertificate,
                indefinite: false,
                delete_on: certificate_deadline,
                reason: Reason::rule(
                    "R-PL-CERT-RETENTION",
                    "uncollected certificates are destroyed with the candidate's personal data 2 years after they could first be collected",
                ),
            },
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
