//! Board-level rules every country shares, for plugins to compose.

use chrono::NaiveDate;

use crate::common::{Exam, Signatory, age_on};

/// Age from which a candidate registers and signs alone (R-MINOR-GUARDIAN).
pub const ADULT_AGE: u32 = 18;

/// Whether the candidate is a minor on `registration_date` (R-MINOR-GUARDIAN).
pub fn is_minor(date_of_birth: NaiveDate, registration_date: NaiveDate) -> bool {
    age_on(date_of_birth, registration_date) < ADULT_AGE
}

/// Who registers and signs consents for the candidate (R-MINOR-GUARDIAN).
pub fn signatory(date_of_birth: NaiveDate, registration_date: NaiveDate) -> Signatory {
    if is_minor(date_of_birth, registration_date) {
        Signatory::Guardian
    } else {
        Signatory::Candidate
    }
}

/// Exams whose candidates are photographed on the day (R-PHOTO-DAY): Preliminary, First,
/// Advanced, Proficiency and the three Business exams, never the "for Schools" versions.
pub fn photographed_on_the_day(exam: Exam) -> bool {
    matches!(
        exam,
        Exam::Pet
            | Exam::Fce
            | Exam::Cae
            | Exam::Cpe
            | Exam::BecPreliminary
            | Exam::BecVantage
            | Exam::BecHigher
    )
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
