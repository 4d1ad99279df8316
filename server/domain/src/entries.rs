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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_pl_entry_complete_confirms_only_a_complete_eligible_entry() {
        assert_eq!(r_pl_entry_complete(false, true, true), EntryStatus::Confirmed);
        assert_eq!(r_pl_entry_complete(false, true, false), EntryStatus::Pending);
        assert_eq!(r_pl_entry_complete(false, false, true), EntryStatus::Refused);
        assert_eq!(r_pl_entry_complete(true, false, true), EntryStatus::ManualReview);
        assert_eq!(r_pl_entry_complete(true, true, false), EntryStatus::ManualReview);
    }
}
