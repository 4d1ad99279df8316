//! A centre's public pages (R-PUBLIC-CALENDAR): its session calendar with fees, deadlines and
//! places left, its regulations (accepted on the entry form) and the forms to download.

use chrono::NaiveDate;

pub use crate::labels::PublicFormKind;

/// R-PUBLIC-CALENDAR: the places a session has left: its capacity minus the entries that hold a
/// place (every entry but a cancelled one), never below zero.
pub fn r_public_calendar_places_left(capacity: i32, entries_holding_a_place: i64) -> i64 {
    (i64::from(capacity) - entries_holding_a_place).max(0)
}

/// R-PUBLIC-CALENDAR: whether a session belongs on the public calendar on `today`: it is open
/// and its written papers are still to come.
pub fn r_public_calendar_listed(open: bool, written_date: NaiveDate, today: NaiveDate) -> bool {
    open && written_date >= today
}

/// R-PUBLIC-CALENDAR: the late fee the calendar shows, if any: only where late entries are taken
/// after the registration deadline and a late fee is charged for them.
pub fn r_public_calendar_late_fee(
    late_fee_minor: i64,
    registration_closes: NaiveDate,
    late_entry_deadline: NaiveDate,
) -> Option<i64> {
    (late_fee_minor > 0 && late_entry_deadline > registration_closes).then_some(late_fee_minor)
}

/// R-PUBLIC-CALENDAR: an entry through the public form needs the centre's regulations accepted.
pub fn r_public_calendar_regulations_accepted(accepted: bool) -> Result<(), crate::ErrorCode> {
    if accepted { Ok(()) } else { Err(crate::ErrorCode::RegulationsNotAccepted) }
}

/// Largest form a centre may publish.
pub const MAX_PUBLIC_FORM_BYTES: usize = 5 * 1024 * 1024;

/// R-PUBLIC-CALENDAR: whether the bytes of a published form are a PDF (by its magic bytes, not by
/// what the sender says it is).
pub fn r_public_calendar_form_is_pdf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"%PDF-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Labelled;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn r_public_calendar_places_left_is_capacity_minus_entries_never_negative() {
        assert_eq!(r_public_calendar_places_left(30, 0), 30);
        assert_eq!(r_public_calendar_places_left(30, 29), 1);
        assert_eq!(r_public_calendar_places_left(30, 30), 0);
        assert_eq!(r_public_calendar_places_left(2, 5), 0);
    }

    #[test]
    fn r_public_calendar_lists_open_sessions_still_to_come() {
        assert!(r_public_calendar_listed(true, d("2026-12-10"), d("2026-12-10")));
        assert!(!r_public_calendar_listed(true, d("2026-12-09"), d("2026-12-10")));
        assert!(!r_public_calendar_listed(false, d("2027-01-10"), d("2026-12-10")));
    }

    #[test]
    fn r_public_calendar_shows_a_late_fee_only_when_late_entries_are_taken() {
        assert_eq!(r_public_calendar_late_fee(15000, d("2026-12-01"), d("2026-12-08")), Some(15000));
        assert_eq!(r_public_calendar_late_fee(15000, d("2026-12-01"), d("2026-12-01")), None);
        assert_eq!(r_public_calendar_late_fee(0, d("2026-12-01"), d("2026-12-08")), None);
    }

    #[test]
    fn r_public_calendar_regulations_must_be_accepted() {
        assert!(r_public_calendar_regulations_accepted(true).is_ok());
        assert_eq!(r_public_calendar_regulations_accepted(false), Err(crate::ErrorCode::RegulationsNotAccepted));
    }

    #[test]
    fn r_public_calendar_forms_are_pdfs_by_their_bytes() {
        assert!(r_public_calendar_form_is_pdf(b"%PDF-1.7\n..."));
        assert!(!r_public_calendar_form_is_pdf(b"\x89PNG\r\n\x1a\n"));
        assert!(!r_public_calendar_form_is_pdf(b""));
    }

    #[test]
    fn r_public_calendar_form_kinds_are_the_six_of_the_rule() {
        let codes: Vec<_> = PublicFormKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(
            codes,
            [
                "photo_consent",
                "special_arrangements",
                "medical_refund",
                "bereavement",
                "withdrawal",
                "collection_authorisation"
            ]
        );
        assert_eq!(PublicFormKind::Withdrawal.label_key(), "public_form.withdrawal");
    }
}
