//! Certificates after the exam (DOMAIN.md section 9): replacements and name corrections, each a
//! window counted from the day the certificate was issued (the day it reached the centre).

use crate::DomainError;
use crate::error::ErrorCode;
use chrono::{Datelike, NaiveDate};

/// R-CERT-REPLACEMENT: an original issued this many years ago or less can be replaced.
pub const REPLACEMENT_YEARS: i32 = 5;

/// R-NAME-SPELLING: from this many years after issue, a name is no longer corrected.
pub const NAME_CORRECTION_YEARS: i32 = 2;

/// `day` plus `years` (29 February becomes 28 February in a year without one).
fn years_after(day: NaiveDate, years: i32) -> NaiveDate {
    let year = day.year() + years;
    day.with_year(year).or_else(|| NaiveDate::from_ymd_opt(year, day.month(), 28)).unwrap_or(day)
}

/// What staff checked on a request for a replacement certificate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplacementRequest {
    /// The certificate was damaged by accident.
    pub accidental_damage: bool,
    /// The damaged original was handed back.
    pub original_returned: bool,
    /// The replacement fee was paid.
    pub fee_paid: bool,
    /// The candidate's ID was checked.
    pub id_checked: bool,
}

/// R-CERT-REPLACEMENT: a replacement only for accidental damage, with the damaged original
/// returned, for an original issued [`REPLACEMENT_YEARS`] years ago or less (on `today`), with the
/// fee paid and ID checked. A refusal names the first condition not met (`replacement_refused`
/// with the reason as a translated term).
pub fn r_cert_replacement(
    request: ReplacementRequest,
    issued_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), DomainError> {
    let why = if !request.accidental_damage {
        Some("reason.replacement_not_accidental")
    } else if !request.original_returned {
        Some("reason.replacement_original_not_returned")
    } else if today > years_after(issued_on, REPLACEMENT_YEARS) {
        Some("reason.replacement_too_old")
    } else if !request.fee_paid || !request.id_checked {
        Some("reason.replacement_fee_and_id")
    } else {
        None
    };
    match why {
        Some(why) => Err(DomainError::new(ErrorCode::ReplacementRefused).arg_term("reason", why)),
        None => Ok(()),
    }
}

/// The terms of a name correction (R-NAME-SPELLING).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameCorrectionTerms {
    /// No certificate is printed yet: corrected free of charge.
    Free,
    /// The certificate is printed: the correction costs a fee.
    WithFee,
    /// The certificate was issued [`NAME_CORRECTION_YEARS`] years ago or more: no correction; a
    /// Certifying Statement is offered instead.
    Refused,
}

impl NameCorrectionTerms {
    /// The stable code (`free`, `with_fee`, `refused`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::WithFee => "with_fee",
            Self::Refused => "refused",
        }
    }

    /// Whether the name is corrected.
    pub fn corrects(self) -> bool {
        self != Self::Refused
    }

    /// Whether a fee applies.
    pub fn fee_applies(self) -> bool {
        self == Self::WithFee
    }
}

/// R-NAME-SPELLING: a misspelt name is corrected free before certificates are printed
/// (`issued_on` is `None`), with a fee after, and not at all from [`NAME_CORRECTION_YEARS`] years
/// after the certificate was issued.
pub fn r_name_spelling(issued_on: Option<NaiveDate>, today: NaiveDate) -> NameCorrectionTerms {
    match issued_on {
        None => NameCorrectionTerms::Free,
        Some(issued) if today >= years_after(issued, NAME_CORRECTION_YEARS) => NameCorrectionTerms::Refused,
        Some(_) => NameCorrectionTerms::WithFee,
    }
}

/// R-NAME-SPELLING: a Certifying Statement (the name as on the certificate and as it should be)
/// is offered, and may be issued, exactly where a correction is refused: from
/// [`NAME_CORRECTION_YEARS`] years after the certificate was issued.
pub fn r_name_spelling_certifying_statement(issued_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    r_name_spelling(issued_on, today) == NameCorrectionTerms::Refused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const ALL: ReplacementRequest =
        ReplacementRequest { accidental_damage: true, original_returned: true, fee_paid: true, id_checked: true };

    #[test]
    fn r_cert_replacement_needs_every_condition_and_five_years_at_most() {
        let issued = day("2021-06-30");
        assert!(r_cert_replacement(ALL, issued, day("2026-06-30")).is_ok(), "5 years to the day");
        let late = r_cert_replacement(ALL, issued, day("2026-07-01")).unwrap_err();
        assert_eq!(late.code, ErrorCode::ReplacementRefused);
        assert!(late.message(crate::Locale::En).contains("5 years"), "{}", late.message(crate::Locale::En));
        for (req, reason) in [
            (ReplacementRequest { accidental_damage: false, ..ALL }, "accidental damage"),
            (ReplacementRequest { original_returned: false, ..ALL }, "original must be returned"),
            (ReplacementRequest { fee_paid: false, ..ALL }, "fee and an ID check"),
            (ReplacementRequest { id_checked: false, ..ALL }, "fee and an ID check"),
        ] {
            let e = r_cert_replacement(req, issued, day("2022-01-01")).unwrap_err();
            assert!(e.message(crate::Locale::En).contains(reason), "{req:?}: {}", e.message(crate::Locale::En));
            assert!(!e.message(crate::Locale::Pl).contains(reason), "translated: {}", e.message(crate::Locale::Pl));
        }
        // A certificate of 29 February counts to 28 February five years on.
        assert!(r_cert_replacement(ALL, day("2024-02-29"), day("2029-02-28")).is_ok());
        assert!(r_cert_replacement(ALL, day("2024-02-29"), day("2029-03-01")).is_err());
    }

    #[test]
    fn r_name_spelling_certifying_statement_only_where_a_correction_is_refused() {
        let issued = Some(day("2026-03-14"));
        assert!(!r_name_spelling_certifying_statement(None, day("2030-01-01")), "no certificate yet");
        assert!(!r_name_spelling_certifying_statement(issued, day("2028-03-13")));
        assert!(r_name_spelling_certifying_statement(issued, day("2028-03-14")));
    }

    #[test]
    fn r_name_spelling_is_free_then_paid_then_refused_from_two_years() {
        assert_eq!(r_name_spelling(None, day("2030-01-01")), NameCorrectionTerms::Free);
        let issued = Some(day("2026-03-14"));
        assert_eq!(r_name_spelling(issued, day("2026-03-14")), NameCorrectionTerms::WithFee);
        assert_eq!(r_name_spelling(issued, day("2028-03-13")), NameCorrectionTerms::WithFee);
        assert_eq!(r_name_spelling(issued, day("2028-03-14")), NameCorrectionTerms::Refused);
        assert!(NameCorrectionTerms::WithFee.corrects() && NameCorrectionTerms::WithFee.fee_applies());
        assert!(!NameCorrectionTerms::Refused.corrects() && !NameCorrectionTerms::Free.fee_applies());
    }
}
