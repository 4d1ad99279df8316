//! Board-level rules every country shares, for plugins to compose.

use chrono::NaiveDate;

use crate::common::{Exam, Money, Reason, Signatory, age_on};
use crate::kinds::{EligibilityFacts, FeeFacts, FeeItem, FeeLine, FeeQuote};

/// Age from which a candidate registers and signs alone (R-MINOR-GUARDIAN).
pub const ADULT_AGE: u32 = 18;

/// Whether the candidate is a minor on `registration_date` (R-MINOR-GUARDIAN).
pub fn is_minor(date_of_birth: NaiveDate, registration_date: NaiveDate) -> bool {
    age_on(date_of_birth, registration_date) < ADULT_AGE
}

/// Who registers and signs consents for the candidate (R-MINOR-GUARDIAN).
pub fn signatory(date_of_birth: NaiveDate, registration_date: NaiveDate) -> Signatory {
    if is_minor(date_of_birth, registration_date) { Signatory::Guardian } else { Signatory::Candidate }
}

/// Exams whose candidates are photographed on the day (R-PHOTO-DAY): Preliminary, First,
/// Advanced, Proficiency and the three Business exams, never the "for Schools" versions.
pub fn photographed_on_the_day(exam: Exam) -> bool {
    matches!(
        exam,
        Exam::Pet | Exam::Fce | Exam::Cae | Exam::Cpe | Exam::BecPreliminary | Exam::BecVantage | Exam::BecHigher
    )
}

/// Entry checks every country shares: a guardian for a minor (R-MINOR-GUARDIAN), the student
/// card by the end of the promotional period (R-STUDENT-DISCOUNT), late entries (R-LATE-ENTRY).
pub fn entry_checks(f: &EligibilityFacts, today: NaiveDate, violations: &mut Vec<Reason>, warnings: &mut Vec<Reason>) {
    let e = &f.entry;
    if is_minor(f.candidate.date_of_birth, e.registration_date) && !e.guardian_registered {
        violations.push(Reason::rule(
            "R-MINOR-GUARDIAN",
            "under 18 on the registration date: a legal guardian must register",
        ));
    }
    if e.student_discount_claimed
        && let Some(end) = e.promotional_period_end
    {
        let shown_in_time = e.student_card_shown.is_some_and(|d| d <= end);
        if !shown_in_time && today > end {
            violations.push(Reason::rule(
                "R-STUDENT-DISCOUNT",
                "no valid student card shown by the end of the promotional period",
            ));
        } else if !shown_in_time {
            warnings.push(Reason::rule("R-STUDENT-DISCOUNT", format!("show a valid student card by {end}")));
        }
    }
    if e.registration_date > e.last_registration_day {
        match e.late_entry_deadline {
            Some(late) if e.registration_date <= late => warnings
                .push(Reason::rule("R-LATE-ENTRY", "late entry: accepted with the late fee while capacity allows")),
            _ => violations.push(Reason::rule("R-LATE-ENTRY", "registered after the late-entry deadline")),
        }
    }
}

/// The board-level fee quote: the base fee, the late fee after the last registration day
/// (R-LATE-ENTRY), the student discount in the promotional period (R-STUDENT-DISCOUNT).
pub fn fee_quote(f: &FeeFacts) -> FeeQuote {
    let mut lines = vec![FeeLine { item: FeeItem::BaseFee, amount: f.base_fee.clone() }];
    let mut reasons = Vec::new();
    let late = f.registration_date > f.last_registration_day;
    let mut accepted = true;
    let mut pay_by = Some(f.last_registration_day);
    if late {
        match (f.late_entry_deadline, &f.late_fee) {
            (Some(deadline), Some(fee)) if f.registration_date <= deadline => {
                lines.push(FeeLine { item: FeeItem::LateEntry, amount: fee.clone() });
                reasons.push(Reason::rule("R-LATE-ENTRY", "late entry: late fee added"));
                pay_by = Some(deadline);
            }
            _ => {
                accepted = false;
                pay_by = None;
                reasons.push(Reason::rule("R-LATE-ENTRY", "registration closed: no late entry possible"));
            }
        }
    }
    let in_promotion = f.promotional_period.is_some_and(|p| p.contains(f.registration_date));
    if let (true, true, Some(bp)) = (f.student_discount_claimed, in_promotion, f.student_discount) {
        let discount = f.base_fee.percent(bp);
        lines.push(FeeLine {
            item: FeeItem::StudentDiscount,
            amount: Money::new(-discount.amount_minor, discount.currency),
        });
        reasons.push(Reason::rule(
            "R-STUDENT-DISCOUNT",
            "student discount in the promotional period; show a valid student card by its end",
        ));
    } else if f.student_discount_claimed {
        reasons.push(Reason::rule("R-STUDENT-DISCOUNT", "no student discount outside the promotional period"));
    }
    let total = Money::new(lines.iter().map(|l| l.amount.amount_minor).sum(), f.base_fee.currency.clone());
    FeeQuote { accepted, lines, total, pay_by, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schools_versions_are_not_photographed() {
        assert!(photographed_on_the_day(Exam::Fce));
        assert!(!photographed_on_the_day(Exam::FceForSchools));
        assert!(!photographed_on_the_day(Exam::Ket));
    }
}
