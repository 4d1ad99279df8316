//! An entry's status (DOMAIN.md section 4): what the eligibility policy says and what has
//! arrived decide it.

pub use crate::labels::EntryStatus;

/// R-PL-ENTRY-COMPLETE: the status an entry gets from the eligibility policy's answer
/// (`manual_review`, `eligible`) and whether every item has arrived (`complete`: form, fee and,
/// where the photo policy needs it, the photo consent). A person decides first; a refusal beats
/// completeness; a complete entry is confirmed, an incomplete one pending. A cancelled entry
/// keeps its status whatever arrives (R-ENTRY-VOID): the caller does not recompute it.
pub fn r_pl_entry_complete(manual_review: bool, eligible: bool, complete: bool) -> EntryStatus {
    if manual_review {
        EntryStatus::ManualReview
    } else if !eligible {
        EntryStatus::Refused
    } else if complete {
        EntryStatus::Confirmed
    } else {
        EntryStatus::Pending
    }
}

/// Where an entry's photo consent stands under R-CONSENT-SCAN on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentScan {
    /// The consent counts towards a complete entry (R-PL-ENTRY-COMPLETE) on that day.
    pub counts: bool,
    /// Only a scan has arrived: the signed original is still to come.
    pub original_missing: bool,
    /// The original is missing on or after the first exam day: the scan no longer counts.
    pub overdue: bool,
}

/// R-CONSENT-SCAN: a scanned photo consent counts until the first exam day of the session, by
/// which the signed original must have arrived; the original counts whenever it arrived. From
/// the first exam day on, a scan alone is as good as no consent.
pub fn r_consent_scan(
    original_received: bool,
    scan_received: bool,
    first_exam_day: chrono::NaiveDate,
    day: chrono::NaiveDate,
) -> ConsentScan {
    let original_missing = scan_received && !original_received;
    let overdue = original_missing && day >= first_exam_day;
    ConsentScan { counts: original_received || (scan_received && !overdue), original_missing, overdue }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn r_consent_scan_counts_a_scan_until_the_first_exam_day() {
        let first = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        let before = first.pred_opt().unwrap();
        let scan = r_consent_scan(false, true, first, before);
        assert_eq!(scan, ConsentScan { counts: true, original_missing: true, overdue: false });
        let on_the_day = r_consent_scan(false, true, first, first);
        assert_eq!(on_the_day, ConsentScan { counts: false, original_missing: true, overdue: true });
        assert!(!r_consent_scan(false, true, first, first.succ_opt().unwrap()).counts);
        // The original counts whenever it arrived, with or without a scan before it.
        assert_eq!(
            r_consent_scan(true, true, first, first),
            ConsentScan { counts: true, original_missing: false, overdue: false }
        );
        assert!(r_consent_scan(true, false, first, first.succ_opt().unwrap()).counts);
        // Nothing arrived: nothing counts, and no original is "missing" after a scan.
        assert_eq!(
            r_consent_scan(false, false, first, before),
            ConsentScan { counts: false, original_missing: false, overdue: false }
        );
    }

    #[test]
    fn r_pl_entry_complete_confirms_only_a_complete_eligible_entry() {
        assert_eq!(r_pl_entry_complete(false, true, true), EntryStatus::Confirmed);
        assert_eq!(r_pl_entry_complete(false, true, false), EntryStatus::Pending);
        assert_eq!(r_pl_entry_complete(false, false, true), EntryStatus::Refused);
        assert_eq!(r_pl_entry_complete(true, false, true), EntryStatus::ManualReview);
        assert_eq!(r_pl_entry_complete(true, true, false), EntryStatus::ManualReview);
    }
}
