//! What the centre's staff still have to do about an entry, and what they may do with it: the
//! queues the home page counts and the entry list filters by (R-ENTRY-QUEUE), and the actions an
//! entry's page offers in its state (R-ENTRY-ACTIONS).

pub use crate::labels::EntryQueue;
use crate::labels::{EntryStatus, Labelled};

/// The facts about an entry that its queues and actions depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryWork {
    /// The entry's status (an unknown code counts as incomplete: a person looks at it).
    pub status: Option<EntryStatus>,
    /// Its Confirmation of Entry has been issued.
    pub coe_issued: bool,
    /// It has a result (any version).
    pub has_result: bool,
    /// Enquiries on results still open.
    pub open_enquiries: usize,
    /// Refund requests the policy decided, waiting for a person.
    pub refunds_to_decide: usize,
    /// Cases open and appeals lodged.
    pub open_cases: usize,
}

/// R-ENTRY-QUEUE: whether an entry with `work` is in `queue`. An entry is incomplete while it is
/// submitted, pending or waiting for a person's review; confirmed ones are missing their
/// Confirmation of Entry until it is issued and their result until one arrives; the other queues
/// hold entries with an open enquiry, a refund the policy decided, or an open case or appeal,
/// whatever their status.
pub fn r_entry_queue(queue: EntryQueue, work: &EntryWork) -> bool {
    let confirmed = work.status == Some(EntryStatus::Confirmed);
    match queue {
        EntryQueue::Incomplete => matches!(
            work.status,
            None | Some(EntryStatus::Submitted | EntryStatus::Pending | EntryStatus::ManualReview)
        ),
        EntryQueue::Confirmed => confirmed,
        EntryQueue::CoeMissing => confirmed && !work.coe_issued,
        EntryQueue::ResultsPending => confirmed && !work.has_result,
        EntryQueue::EnquiriesOpen => work.open_enquiries > 0,
        EntryQueue::RefundsToDecide => work.refunds_to_decide > 0,
        EntryQueue::CasesOpen => work.open_cases > 0,
    }
}

/// Something staff may do with an entry from its page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryAction {
    /// Record a payment.
    RecordPayment,
    /// Add a document (original or scan).
    AddDocument,
    /// Record the specialist report of an extra-time request.
    ExtraTimeReport,
    /// Issue the Confirmation of Entry.
    IssueCoe,
    /// Issue it again: a new secret number replaces the candidate's (needs confirming).
    ReissueCoe,
    /// Ask the refund policy about a refund.
    RequestRefund,
    /// Record attendance on the exam day.
    RecordAttendance,
    /// Open a case (special consideration, malpractice, ...).
    OpenCase,
    /// Open an enquiry on results.
    OpenEnquiry,
    /// Lodge an appeal.
    LodgeAppeal,
    /// Record who collected the certificate.
    RecordCollection,
    /// Correct the candidate's name.
    CorrectName,
    /// Issue a certifying statement for a name misspelt on the certificate.
    CertifyingStatement,
    /// Revoke a credential issued for the result.
    RevokeCredential,
    /// Void the entry for an attempt to break entry rules (needs confirming).
    Void,
}

impl EntryAction {
    /// A stable name, for templates to place each action's form.
    pub fn code(self) -> &'static str {
        match self {
            Self::RecordPayment => "record_payment",
            Self::AddDocument => "add_document",
            Self::ExtraTimeReport => "extra_time_report",
            Self::IssueCoe => "issue_coe",
            Self::ReissueCoe => "reissue_coe",
            Self::RequestRefund => "request_refund",
            Self::RecordAttendance => "record_attendance",
            Self::OpenCase => "open_case",
            Self::OpenEnquiry => "open_enquiry",
            Self::LodgeAppeal => "lodge_appeal",
            Self::RecordCollection => "record_collection",
            Self::CorrectName => "correct_name",
            Self::CertifyingStatement => "certifying_statement",
            Self::RevokeCredential => "revoke_credential",
            Self::Void => "void",
        }
    }
}

/// R-ENTRY-ACTIONS: the actions that apply to an entry with `work`, in the order of its life.
/// A voided entry takes nothing more (no result, no refund: R-ENTRY-VOID); a cancelled one only
/// documents (for its refund). Until it is confirmed an entry takes payments, documents, an
/// extra-time report, a corrected name, a refund request and voiding; once confirmed, its
/// Confirmation of Entry (issued, or issued again), and attendance and cases on the exam day;
/// with a result, enquiries, appeals, the certificate's collection, certifying statements and
/// the revocation of credentials; an appeal only while none is waiting for its decision (the
/// page decides the lodged one first).
pub fn r_entry_actions(
    work: &EntryWork,
    extra_time_asked: bool,
    has_credentials: bool,
    appeal_lodged: bool,
) -> Vec<EntryAction> {
    use EntryAction as A;
    let mut out = Vec::new();
    match work.status {
        Some(EntryStatus::Voided) => return out,
        Some(EntryStatus::Cancelled) => {
            out.push(A::AddDocument);
            return out;
        }
        Some(EntryStatus::Confirmed) => {
            out.push(if work.coe_issued { A::ReissueCoe } else { A::IssueCoe });
        }
        _ => out.push(A::RecordPayment),
    }
    out.push(A::AddDocument);
    if extra_time_asked && !work.has_result {
        out.push(A::ExtraTimeReport);
    }
    if work.status == Some(EntryStatus::Confirmed) {
        if !work.has_result {
            out.push(A::RecordAttendance);
        }
        out.push(A::OpenCase);
    }
    if work.has_result {
        out.push(A::OpenEnquiry);
        if !appeal_lodged {
            out.push(A::LodgeAppeal);
        }
        out.extend([A::RecordCollection, A::CertifyingStatement]);
        if has_credentials {
            out.push(A::RevokeCredential);
        }
    }
    out.push(A::CorrectName);
    if !work.has_result {
        out.push(A::RequestRefund);
    }
    out.push(A::Void);
    out
}

/// Parses a queue or an entry status code, as the entry list's `state` filter takes them.
pub fn entry_state_filter(code: &str) -> Option<Result<EntryQueue, EntryStatus>> {
    EntryQueue::from_code(code).map(Ok).or_else(|| EntryStatus::from_code(code).map(Err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work(status: EntryStatus) -> EntryWork {
        EntryWork {
            status: Some(status),
            coe_issued: false,
            has_result: false,
            open_enquiries: 0,
            refunds_to_decide: 0,
            open_cases: 0,
        }
    }

    #[test]
    fn queues_follow_the_entrys_state() {
        let confirmed = work(EntryStatus::Confirmed);
        assert!(r_entry_queue(EntryQueue::CoeMissing, &confirmed));
        assert!(r_entry_queue(EntryQueue::ResultsPending, &confirmed));
        assert!(!r_entry_queue(EntryQueue::Incomplete, &confirmed));
        let issued = EntryWork { coe_issued: true, has_result: true, ..confirmed };
        assert!(!r_entry_queue(EntryQueue::CoeMissing, &issued) && !r_entry_queue(EntryQueue::ResultsPending, &issued));
        for s in [EntryStatus::Submitted, EntryStatus::Pending, EntryStatus::ManualReview] {
            assert!(r_entry_queue(EntryQueue::Incomplete, &work(s)), "{s:?}");
            assert!(!r_entry_queue(EntryQueue::CoeMissing, &work(s)), "{s:?}");
        }
        assert!(!r_entry_queue(EntryQueue::Incomplete, &work(EntryStatus::Cancelled)));
        let refund = EntryWork { refunds_to_decide: 1, ..work(EntryStatus::Cancelled) };
        assert!(r_entry_queue(EntryQueue::RefundsToDecide, &refund));
        assert!(r_entry_queue(EntryQueue::CasesOpen, &EntryWork { open_cases: 2, ..confirmed }));
        assert!(r_entry_queue(EntryQueue::EnquiriesOpen, &EntryWork { open_enquiries: 1, ..issued }));
    }

    #[test]
    fn only_the_actions_of_the_state_apply() {
        use EntryAction as A;
        let pending = r_entry_actions(&work(EntryStatus::Pending), false, false, false);
        assert!(pending.contains(&A::RecordPayment) && pending.contains(&A::Void));
        assert!(!pending.contains(&A::IssueCoe) && !pending.contains(&A::ReissueCoe));
        assert!(!pending.contains(&A::OpenEnquiry) && !pending.contains(&A::RecordAttendance));
        let confirmed = r_entry_actions(&work(EntryStatus::Confirmed), true, false, false);
        assert!(confirmed.contains(&A::IssueCoe) && !confirmed.contains(&A::ReissueCoe));
        assert!(confirmed.contains(&A::ExtraTimeReport) && !confirmed.contains(&A::RecordPayment));
        let issued = EntryWork { coe_issued: true, ..work(EntryStatus::Confirmed) };
        assert!(r_entry_actions(&issued, false, false, false).contains(&A::ReissueCoe));
        let graded = EntryWork { has_result: true, ..issued };
        let after = r_entry_actions(&graded, true, true, false);
        assert!(!r_entry_actions(&graded, true, true, true).contains(&A::LodgeAppeal), "one appeal at a time");
        assert!(after.contains(&A::OpenEnquiry) && after.contains(&A::RevokeCredential));
        assert!(!after.contains(&A::RequestRefund) && !after.contains(&A::ExtraTimeReport));
        assert!(r_entry_actions(&work(EntryStatus::Voided), true, true, false).is_empty());
        assert_eq!(r_entry_actions(&work(EntryStatus::Cancelled), false, false, false), vec![A::AddDocument]);
    }

    #[test]
    fn the_state_filter_takes_queues_and_statuses() {
        assert_eq!(entry_state_filter("coe_missing"), Some(Ok(EntryQueue::CoeMissing)));
        assert_eq!(entry_state_filter("confirmed"), Some(Ok(EntryQueue::Confirmed)));
        assert_eq!(entry_state_filter("voided"), Some(Err(EntryStatus::Voided)));
        assert_eq!(entry_state_filter("graded"), None);
    }
}
