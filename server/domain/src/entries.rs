//! An entry's status (DOMAIN.md section 4): what the eligibility policy says and what has
//! arrived decide it.

pub use crate::labels::EntryStatus;
use crate::{DomainError, ErrorCode, Labelled};

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

/// R-ENTRY-VOID: whether an entry with `status` is out of the exam: a voided entry
/// (R-HU-RULE-BREAKING) or a cancelled one (a refund decision that cancels it, the session
/// cancelled). Such an entry gets no result, frees its place and keeps its status whatever
/// arrives afterwards.
pub fn r_entry_void(status: EntryStatus) -> bool {
    matches!(status, EntryStatus::Cancelled | EntryStatus::Voided)
}

/// R-ENTRY-VOID, R-SESSION-CAPACITY, R-SESSION-MINIMUM: whether an entry with `status` holds a
/// place in its session (counts towards its capacity and its minimum). An unknown status code
/// holds its place: a place is freed only by a known voiding or cancellation.
pub fn r_entry_void_holds_place(status: &str) -> bool {
    EntryStatus::from_code(status).is_none_or(|s| !r_entry_void(s))
}

/// R-ENTRY-VOID: whether a result line may be imported for an entry with `status`; the refusal
/// names the candidate number.
pub fn r_entry_void_may_receive_result(status: &str, candidate_number: &str) -> Result<(), DomainError> {
    let code = match EntryStatus::from_code(status) {
        Some(EntryStatus::Cancelled) => ErrorCode::ResultsEntryCancelled,
        Some(EntryStatus::Voided) => ErrorCode::ResultsEntryVoided,
        _ => return Ok(()),
    };
    Err(DomainError::new(code).on("candidate_number").arg("number", candidate_number))
}

/// R-HU-RULE-BREAKING: the centre may void an entry for an attempt to break entry rules, with a
/// reason (required, at most 500 characters), unless it is already out of the exam
/// (R-ENTRY-VOID). Returns the trimmed reason.
pub fn r_hu_rule_breaking(status: &str, reason: &str) -> Result<String, DomainError> {
    if EntryStatus::from_code(status).is_some_and(r_entry_void) {
        return Err(DomainError::new(ErrorCode::EntryAlreadyVoid).on("entry"));
    }
    stated_reason(reason)
}

/// A reason staff state for a decision (voiding an entry, marking a session at fault): required,
/// at most 500 characters; returned trimmed.
fn stated_reason(reason: &str) -> Result<String, DomainError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(DomainError::new(ErrorCode::Required).on("reason"));
    }
    if reason.chars().count() > 500 {
        return Err(DomainError::new(ErrorCode::TooLong).on("reason").arg("max", 500));
    }
    Ok(reason.to_owned())
}

/// R-HU-RULE-BREAKING: a voided entry gets no refund: a refund request for it is refused.
pub fn r_hu_rule_breaking_no_refund(status: &str) -> Result<(), DomainError> {
    if status == EntryStatus::Voided.code() {
        return Err(DomainError::new(ErrorCode::EntryVoidedNoRefund).on("entry"));
    }
    Ok(())
}

/// R-CENTRE-FAULT: why the centre cannot run a session as announced: required, at most 500
/// characters. Marking a session twice is refused. Returns the trimmed reason.
pub fn r_centre_fault_reason(already_at_fault: bool, reason: &str) -> Result<String, DomainError> {
    if already_at_fault {
        return Err(DomainError::new(ErrorCode::SessionAlreadyAtFault).on("session"));
    }
    stated_reason(reason)
}

/// Where an entry would move, as R-NO-TRANSFER and R-CENTRE-FAULT look at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MoveRequest<'a> {
    /// The entry's status code.
    pub entry_status: &'a str,
    /// Whether the entry's session is marked as not runnable as announced (R-CENTRE-FAULT).
    pub from_at_fault: bool,
    /// The exam of the entry's session.
    pub from_exam: &'a str,
    /// The target session's id is the entry's own session.
    pub same_session: bool,
    /// The exam of the target session (at the same centre: sessions are per tenant).
    pub to_exam: &'a str,
    /// Whether the target session takes entries (open, not at fault itself).
    pub to_open: bool,
}

/// R-NO-TRANSFER: an entry never moves to another session, date or level; the only exception is
/// R-CENTRE-FAULT: from a session the centre cannot run as announced to another open session of
/// the same exam at the same centre. A voided or cancelled entry does not move (R-ENTRY-VOID).
pub fn r_no_transfer(m: MoveRequest<'_>) -> Result<(), DomainError> {
    if !m.from_at_fault {
        return Err(DomainError::new(ErrorCode::NoTransfer).on("session_id"));
    }
    r_centre_fault_choice(m.entry_status)?;
    if m.same_session || m.from_exam != m.to_exam || !m.to_open {
        return Err(DomainError::new(ErrorCode::FaultMoveTarget).on("session_id"));
    }
    Ok(())
}

/// R-CENTRE-FAULT: whether the candidate of an entry with `status` may still choose (a move or a
/// full refund): not once the entry is voided or cancelled (R-ENTRY-VOID).
pub fn r_centre_fault_choice(status: &str) -> Result<(), DomainError> {
    if EntryStatus::from_code(status).is_some_and(r_entry_void) {
        return Err(DomainError::new(ErrorCode::EntryAlreadyVoid).on("entry"));
    }
    Ok(())
}

/// R-CENTRE-FAULT: the refund a candidate who chooses it gets: the whole fee paid, less what
/// earlier refunds already paid back.
pub fn r_centre_fault_refund(paid_minor: i64, refunded_minor: i64) -> i64 {
    crate::refunds::refundable_minor(paid_minor, refunded_minor)
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

    fn request<'a>(at_fault: bool, to_exam: &'a str, same: bool, open: bool) -> MoveRequest<'a> {
        MoveRequest {
            entry_status: "confirmed",
            from_at_fault: at_fault,
            from_exam: "FCE",
            same_session: same,
            to_exam,
            to_open: open,
        }
    }

    #[test]
    fn r_no_transfer_refuses_every_move_but_the_centre_fault_one() {
        assert_eq!(r_no_transfer(request(false, "FCE", false, true)).unwrap_err().code, ErrorCode::NoTransfer);
        assert_eq!(r_no_transfer(request(false, "FCE", false, true)).unwrap_err().field.as_deref(), Some("session_id"));
        assert!(r_no_transfer(request(true, "FCE", false, true)).is_ok());
        for bad in
            [request(true, "CAE", false, true), request(true, "FCE", true, true), request(true, "FCE", false, false)]
        {
            assert_eq!(r_no_transfer(bad).unwrap_err().code, ErrorCode::FaultMoveTarget, "{bad:?}");
        }
        let voided = MoveRequest { entry_status: "voided", ..request(true, "FCE", false, true) };
        assert_eq!(r_no_transfer(voided).unwrap_err().code, ErrorCode::EntryAlreadyVoid);
    }

    #[test]
    fn r_centre_fault_needs_a_reason_once_and_refunds_the_whole_fee() {
        assert_eq!(r_centre_fault_reason(false, " examiner ill ").unwrap(), "examiner ill");
        assert_eq!(r_centre_fault_reason(false, "").unwrap_err().code, ErrorCode::Required);
        assert_eq!(r_centre_fault_reason(true, "again").unwrap_err().code, ErrorCode::SessionAlreadyAtFault);
        assert_eq!(r_centre_fault_refund(81_000, 0), 81_000);
        assert_eq!(r_centre_fault_refund(81_000, 1_000), 80_000);
        assert!(r_centre_fault_choice("confirmed").is_ok());
        assert_eq!(r_centre_fault_choice("cancelled").unwrap_err().code, ErrorCode::EntryAlreadyVoid);
    }

    #[test]
    fn r_entry_void_frees_the_place_of_voided_and_cancelled_entries_only() {
        assert!(r_entry_void(EntryStatus::Voided));
        assert!(r_entry_void(EntryStatus::Cancelled));
        for s in ["submitted", "pending", "confirmed", "manual_review", "refused", "unknown"] {
            assert!(r_entry_void_holds_place(s), "{s}");
        }
        assert!(!r_entry_void_holds_place("voided"));
        assert!(!r_entry_void_holds_place("cancelled"));
    }

    #[test]
    fn r_entry_void_refuses_results_for_voided_and_cancelled_entries() {
        assert!(r_entry_void_may_receive_result("confirmed", "0001").is_ok());
        assert_eq!(r_entry_void_may_receive_result("voided", "0001").unwrap_err().code, ErrorCode::ResultsEntryVoided);
        assert_eq!(
            r_entry_void_may_receive_result("cancelled", "0002").unwrap_err().code,
            ErrorCode::ResultsEntryCancelled
        );
    }

    #[test]
    fn r_hu_rule_breaking_voids_with_a_reason_and_refuses_the_refund() {
        assert_eq!(r_hu_rule_breaking("confirmed", "  forged ID  ").unwrap(), "forged ID");
        assert_eq!(r_hu_rule_breaking("pending", " ").unwrap_err().code, ErrorCode::Required);
        assert_eq!(r_hu_rule_breaking("pending", &"x".repeat(501)).unwrap_err().code, ErrorCode::TooLong);
        assert_eq!(r_hu_rule_breaking("voided", "again").unwrap_err().code, ErrorCode::EntryAlreadyVoid);
        assert_eq!(r_hu_rule_breaking("cancelled", "late").unwrap_err().code, ErrorCode::EntryAlreadyVoid);
        assert_eq!(r_hu_rule_breaking_no_refund("voided").unwrap_err().code, ErrorCode::EntryVoidedNoRefund);
        assert!(r_hu_rule_breaking_no_refund("confirmed").is_ok());
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
