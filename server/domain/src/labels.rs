//! Statuses, kinds and reasons as people see them: each value has a stable `code()` (what storage
//! and the API keep) and a locale key (what a page, an email or a document shows, through the
//! catalogue). People never see a code.

use crate::results::ResultStatus;
use crate::tenant::{Role, TenantKind};
use tessera_plugin_sdk::kinds::{IdDocument, RefundDocument, RefundOutcome};

/// A value shown to people as words: its code and the catalogue key of its label.
pub trait Labelled: Copy + Sized + 'static {
    /// The catalogue prefix of every label of this type, e.g. `status.entry.`.
    const PREFIX: &'static str;
    /// Every value, in a fixed order.
    const ALL: &'static [Self];

    /// The stable code kept in storage and on the wire.
    fn code(self) -> &'static str;

    /// The catalogue key of the label, e.g. `status.entry.confirmed`.
    fn label_key(self) -> String {
        format!("{}{}", Self::PREFIX, self.code())
    }

    /// The value with `code`, if there is one.
    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == code)
    }
}

macro_rules! labelled {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, { $($(#[$vdoc:meta])* $variant:ident => $code:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant),*
        }

        impl Labelled for $name {
            const PREFIX: &'static str = $prefix;
            const ALL: &'static [Self] = &[$(Self::$variant),*];
            fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code),*
                }
            }
        }
    };
}

labelled!(
    /// Whether a tenant may be used: an organisation waits for the installation admin's decision.
    TenantStatus, "status.tenant.", {
        /// In use.
        Active => "active",
        /// Asked for access, not decided yet.
        Pending => "pending",
        /// Access refused.
        Rejected => "rejected",
        /// Switched off by the installation admin.
        Suspended => "suspended",
    }
);

labelled!(
    /// Where a queued job (an email, a webhook delivery, ...) stands.
    JobStatus, "status.job.", {
        /// Waiting for its turn, or for its next attempt after a failure.
        Queued => "queued",
        /// A worker runs it.
        Running => "running",
        /// Done.
        Done => "done",
        /// Failed on every attempt.
        Failed => "failed",
    }
);

labelled!(
    /// An exam session's state.
    SessionStatus, "status.session.", {
        /// Taking entries.
        Open => "open",
        /// No longer taking entries.
        Closed => "closed",
        /// Cancelled (R-SESSION-MINIMUM): its entries are cancelled and refunded.
        Cancelled => "cancelled",
    }
);

labelled!(
    /// An entry's state (R-PL-ENTRY-COMPLETE).
    EntryStatus, "status.entry.", {
        /// Sent through the public form, not looked at yet.
        Submitted => "submitted",
        /// Items (form, fee, consent) are still missing.
        Pending => "pending",
        /// Complete: the candidate sits the exam.
        Confirmed => "confirmed",
        /// A person at the centre decides.
        ManualReview => "manual_review",
        /// The policy refused it.
        Refused => "refused",
        /// Cancelled (the session, a refund, a withdrawal).
        Cancelled => "cancelled",
        /// Voided by the centre for an attempt to break entry rules (R-HU-RULE-BREAKING):
        /// no result, no refund (R-ENTRY-VOID).
        Voided => "voided",
    }
);

labelled!(
    /// What the centre's staff still have to do about an entry: the home page's counts per
    /// session and the entry list's filters (see `entries::r_entry_queue`).
    EntryQueue, "status.entry_queue.", {
        /// Submitted, pending or waiting for a person: items still to come or to decide.
        Incomplete => "incomplete",
        /// Confirmed: the candidate sits the exam.
        Confirmed => "confirmed",
        /// Confirmed without its Confirmation of Entry.
        CoeMissing => "coe_missing",
        /// Confirmed without a result yet.
        ResultsPending => "results_pending",
        /// With an enquiry on results still open.
        EnquiriesOpen => "enquiries_open",
        /// With a refund the policy decided, for a person to confirm or reject.
        RefundsToDecide => "refunds_to_decide",
        /// With a case (special consideration, malpractice, ...) open or an appeal lodged.
        CasesOpen => "cases_open",
    }
);

labelled!(
    /// Who died, for a bereavement refund (the refund policy's `Relation`, same codes).
    Relation, "relation.", {
        /// Husband or wife.
        Spouse => "spouse",
        /// A partner living with the candidate.
        CohabitingPartner => "cohabiting_partner",
        /// Brother or sister.
        Sibling => "sibling",
        /// Mother or father.
        Parent => "parent",
        /// Grandparent or further ascendant.
        Grandparent => "grandparent",
        /// Son or daughter.
        Child => "child",
        /// Grandchild or further descendant.
        Grandchild => "grandchild",
        /// Mother- or father-in-law.
        ParentInLaw => "parent_in_law",
        /// Son-in-law.
        SonInLaw => "son_in_law",
        /// Daughter-in-law.
        DaughterInLaw => "daughter_in_law",
        /// Step-mother or step-father.
        StepParent => "step_parent",
        /// Step-son or step-daughter.
        Stepchild => "stepchild",
        /// A parent by adoption.
        AdoptiveParent => "adoptive_parent",
        /// A child by adoption.
        AdoptedChild => "adopted_child",
        /// Aunt or uncle.
        AuntOrUncle => "aunt_or_uncle",
        /// Cousin.
        Cousin => "cousin",
        /// Niece or nephew.
        NieceOrNephew => "niece_or_nephew",
        /// Friend.
        Friend => "friend",
        /// Anyone else.
        Other => "other",
    }
);

labelled!(
    /// Where a refund request stands.
    RefundStatus, "status.refund.", {
        /// The policy decided; a person confirms or rejects.
        Decided => "decided",
        /// Confirmed, to be paid.
        Confirmed => "confirmed",
        /// Paid out.
        Paid => "paid",
        /// Rejected.
        Rejected => "rejected",
    }
);

labelled!(
    /// Where an exam-day case (special consideration, malpractice, ...) stands.
    CaseStatus, "status.case.", {
        /// Not decided.
        Open => "open",
        /// Upheld.
        Upheld => "upheld",
        /// Dismissed.
        Dismissed => "dismissed",
    }
);

labelled!(
    /// What an exam-day case is about.
    CaseKind, "kind.case.", {
        /// Special consideration.
        SpecialConsideration => "special_consideration",
        /// Suspected malpractice (R-MALPRACTICE).
        Malpractice => "malpractice",
        /// A complaint about the conduct of the exam.
        ConductComplaint => "conduct_complaint",
        /// A change of timetable.
        TimetableChange => "timetable_change",
    }
);

labelled!(
    /// Where an enquiry about results stands.
    EnquiryStatus, "status.enquiry.", {
        /// Waiting for the board's outcome.
        Open => "open",
        /// The outcome is recorded.
        Completed => "completed",
    }
);

labelled!(
    /// What an enquiry did to the overall score.
    EnquiryOutcome, "outcome.enquiry.", {
        /// The score went up.
        Higher => "higher",
        /// The score went down.
        Lower => "lower",
        /// The score stayed the same.
        Unchanged => "unchanged",
    }
);

labelled!(
    /// What an appeal is lodged against (R-APPEAL).
    AppealGround, "kind.appeal.", {
        /// The outcome of a completed Stage 2 enquiry.
        Enquiry => "enquiry",
        /// An upheld malpractice decision (R-MALPRACTICE).
        Malpractice => "malpractice",
    }
);

labelled!(
    /// Where an appeal stands (R-APPEAL).
    AppealStatus, "status.appeal.", {
        /// Lodged by the centre, waiting for the board's decision.
        Lodged => "lodged",
        /// Upheld: the result after the appeal is a new result version.
        Upheld => "upheld",
        /// Dismissed: the result stands.
        Dismissed => "dismissed",
    }
);

labelled!(
    /// What an upheld appeal did to the overall score.
    AppealOutcome, "outcome.appeal.", {
        /// The score went up.
        Higher => "higher",
        /// The score went down.
        Lower => "lower",
        /// The score stayed the same.
        Unchanged => "unchanged",
    }
);

labelled!(
    /// What a candidate did with phones and other electronic devices on the exam day
    /// (R-DEVICE-DEPOSIT).
    DeviceDeposit, "device_deposit.", {
        /// Switched off and deposited for the whole exam.
        Deposited => "deposited",
        /// Refused to deposit them: not admitted, and no refund.
        Refused => "refused",
    }
);

labelled!(
    /// How a payment was made.
    PaymentMethod, "payment.method.", {
        /// Cash at the centre.
        Cash => "cash",
        /// Card.
        Card => "card",
        /// Bank transfer.
        BankTransfer => "bank_transfer",
    }
);

labelled!(
    /// Why a recorded bank transfer is flagged for staff (R-PAYMENT-TITLE).
    PaymentFlag, "payment.flag.", {
        /// Its title is not "<full name>, <exam short name>".
        TitleMismatch => "title_mismatch",
        /// Its amount is not what was due.
        AmountMismatch => "amount_mismatch",
    }
);

labelled!(
    /// How a refund is paid back, as the candidate chose it.
    RefundMethod, "refund.method.", {
        /// By bank transfer to the candidate's account.
        BankTransfer => "bank_transfer",
        /// In cash at the centre.
        Cash => "cash",
    }
);

labelled!(
    /// A document kept against an entry: uploaded by the centre, or named in a refund request.
    DocumentKind, "document.", {
        /// Consent to the exam-day photo.
        PhotoConsent => "photo_consent",
        /// Copy of the identity document.
        IdCopy => "id_copy",
        /// Copy of the school ID (R-PL-SCHOOL-ID).
        SchoolIdCopy => "school_id_copy",
        /// Medical certificate.
        MedicalCertificate => "medical_certificate",
        /// Special arrangements form.
        SpecialArrangementsForm => "special_arrangements_form",
        /// A copy of the valid student card behind a discounted entry (R-STUDENT-DISCOUNT); the
        /// day it arrives is the day the card was shown.
        StudentCard => "student_card",
        /// The photo taken on the exam day.
        ExamPhoto => "exam_photo",
        /// The centre's refund request form, signed.
        RefundRequestForm => "refund_request_form",
        /// The original medical certificate on the centre's medical-refund form.
        MedicalCertificateOnCentreForm => "medical_certificate_on_centre_form",
        /// A copy of the death certificate.
        DeathCertificateCopy => "death_certificate_copy",
        /// The centre's family-reasons refund form.
        BereavementRequestForm => "bereavement_request_form",
    }
);

labelled!(
    /// Why a refund is requested (the `type` of the policy's refund reason).
    RefundReasonKind, "reason.refund.", {
        /// The candidate withdraws.
        Withdrawal => "withdrawal",
        /// Illness.
        Illness => "illness",
        /// Bereavement.
        Bereavement => "bereavement",
        /// The session is below its minimum.
        SessionBelowMinimum => "session_below_minimum",
        /// Only the fee was paid.
        IncompleteRegistrationOnlyFeePaid => "incomplete_registration_only_fee_paid",
        /// No CoE, not reported.
        NoCoeNotReported => "no_coe_not_reported",
        /// Refused to hand in devices.
        RefusedDevices => "refused_devices",
        /// Entry voided for rule breaking.
        RuleBreaking => "rule_breaking",
        /// The centre could not run the session as announced (R-CENTRE-FAULT).
        CentreFault => "centre_fault",
        /// Any other reason.
        Other => "other",
    }
);

labelled!(
    /// How an exam is delivered.
    Delivery, "delivery.", {
        /// Paper-based.
        PaperBased => "PB",
        /// Computer-based.
        ComputerBased => "CB",
    }
);

labelled!(
    /// When on its day a session's written papers are sat.
    TimeOfDay, "time_of_day.", {
        /// Morning.
        Morning => "AM",
        /// Afternoon.
        Afternoon => "PM",
    }
);

labelled!(
    /// Who collected a certificate.
    Collector, "collected_by.", {
        /// The candidate in person.
        Candidate => "candidate",
        /// A person the candidate authorised.
        AuthorisedPerson => "authorised_person",
        /// Sent by courier.
        Courier => "courier",
    }
);

labelled!(
    /// A form a centre publishes for download on its public pages (R-PUBLIC-CALENDAR).
    PublicFormKind, "public_form.", {
        /// Consent to the exam-day photo.
        PhotoConsent => "photo_consent",
        /// A request for special arrangements.
        SpecialArrangements => "special_arrangements",
        /// A refund request on medical grounds.
        MedicalRefund => "medical_refund",
        /// A refund request after a bereavement.
        Bereavement => "bereavement",
        /// A withdrawal from the exam.
        Withdrawal => "withdrawal",
        /// An authorisation for another person to collect the certificate.
        CollectionAuthorisation => "collection_authorisation",
    }
);

impl Labelled for ResultStatus {
    const PREFIX: &'static str = "status.result.";
    const ALL: &'static [Self] =
        &[ResultStatus::Graded, ResultStatus::X, ResultStatus::Z, ResultStatus::Pending, ResultStatus::Withheld];
    fn code(self) -> &'static str {
        self.as_str()
    }
}

impl Labelled for TenantKind {
    const PREFIX: &'static str = "kind.tenant.";
    const ALL: &'static [Self] = &[TenantKind::Installation, TenantKind::Centre, TenantKind::Verifier];
    fn code(self) -> &'static str {
        self.as_str()
    }
}

impl Labelled for Role {
    const PREFIX: &'static str = "role.";
    const ALL: &'static [Self] = &Role::ALL;
    fn code(self) -> &'static str {
        self.as_str()
    }
}

impl Labelled for RefundOutcome {
    const PREFIX: &'static str = "outcome.refund.";
    const ALL: &'static [Self] = &[RefundOutcome::Approve, RefundOutcome::Reject, RefundOutcome::ManualReview];
    fn code(self) -> &'static str {
        match self {
            RefundOutcome::Approve => "approve",
            RefundOutcome::Reject => "reject",
            RefundOutcome::ManualReview => "manual_review",
        }
    }
}

impl Labelled for IdDocument {
    const PREFIX: &'static str = "id_document.";
    const ALL: &'static [Self] = &[
        IdDocument::NationalIdCard,
        IdDocument::Passport,
        IdDocument::DrivingLicence,
        IdDocument::ResidencePermit,
        IdDocument::SchoolId,
        IdDocument::StudentId,
    ];
    fn code(self) -> &'static str {
        match self {
            IdDocument::NationalIdCard => "national_id_card",
            IdDocument::Passport => "passport",
            IdDocument::DrivingLicence => "driving_licence",
            IdDocument::ResidencePermit => "residence_permit",
            IdDocument::SchoolId => "school_id",
            IdDocument::StudentId => "student_id",
        }
    }
}

impl From<RefundDocument> for DocumentKind {
    fn from(d: RefundDocument) -> Self {
        match d {
            RefundDocument::RefundRequestForm => DocumentKind::RefundRequestForm,
            RefundDocument::MedicalCertificateOnCentreForm => DocumentKind::MedicalCertificateOnCentreForm,
            RefundDocument::MedicalCertificate => DocumentKind::MedicalCertificate,
            RefundDocument::DeathCertificateCopy => DocumentKind::DeathCertificateCopy,
            RefundDocument::BereavementRequestForm => DocumentKind::BereavementRequestForm,
        }
    }
}

/// One kind of labelled value, by the name templates use for it (`{{ e.status|label("entry") }}`).
struct Group {
    name: &'static str,
    prefix: &'static str,
    codes: fn() -> Vec<&'static str>,
}

fn codes_of<T: Labelled>() -> Vec<&'static str> {
    T::ALL.iter().map(|v| v.code()).collect()
}

macro_rules! groups {
    ($($name:literal => $ty:ty),* ; $($extra:expr),* $(,)?) => {
        &[$(Group { name: $name, prefix: <$ty as Labelled>::PREFIX, codes: codes_of::<$ty> }),*, $($extra),*]
    };
}

fn audit_actions() -> Vec<&'static str> {
    crate::audit::ACTIONS.to_vec()
}

const GROUPS: &[Group] = groups!(
    "tenant_status" => TenantStatus,
    "job_status" => JobStatus,
    "session_status" => SessionStatus,
    "entry_status" => EntryStatus,
    "entry_queue" => EntryQueue,
    "relation" => Relation,
    "result_status" => ResultStatus,
    "refund_status" => RefundStatus,
    "refund_outcome" => RefundOutcome,
    "refund_reason" => RefundReasonKind,
    "case_status" => CaseStatus,
    "case_kind" => CaseKind,
    "enquiry_status" => EnquiryStatus,
    "enquiry_outcome" => EnquiryOutcome,
    "appeal_ground" => AppealGround,
    "appeal_status" => AppealStatus,
    "appeal_outcome" => AppealOutcome,
    "device_deposit" => DeviceDeposit,
    "payment_method" => PaymentMethod,
    "payment_flag" => PaymentFlag,
    "refund_method" => RefundMethod,
    "document" => DocumentKind,
    "id_document" => IdDocument,
    "delivery" => Delivery,
    "time_of_day" => TimeOfDay,
    "collector" => Collector,
    "public_form" => PublicFormKind,
    "tenant_kind" => TenantKind,
    "role" => Role;
    // The audit log's actions (`{{ a.action|label("audit_action") }}`); codes hold dots, so
    // their keys are quoted in the catalogues: `[audit]` `"tenant.create" = "..."`.
    Group { name: "audit_action", prefix: "audit.", codes: audit_actions },
);

/// The catalogue key of the label of `code` in the group named `group` (`entry_status`,
/// `document`, ...); `None` for an unknown group or a code the group does not have.
pub fn label_key(group: &str, code: &str) -> Option<String> {
    let g = GROUPS.iter().find(|g| g.name == group)?;
    (g.codes)().contains(&code).then(|| format!("{}{code}", g.prefix))
}

/// Every group name with its codes and their catalogue keys: for catalogue checks and for tests
/// that look for codes on pages.
pub fn all() -> Vec<(&'static str, &'static str, String)> {
    GROUPS.iter().flat_map(|g| (g.codes)().into_iter().map(move |c| (g.name, c, format!("{}{c}", g.prefix)))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_keys_name_their_group() {
        assert_eq!(EntryStatus::from_code("manual_review"), Some(EntryStatus::ManualReview));
        assert_eq!(EntryStatus::Confirmed.label_key(), "status.entry.confirmed");
        assert_eq!(DocumentKind::from(RefundDocument::RefundRequestForm).label_key(), "document.refund_request_form");
        assert_eq!(label_key("result_status", "X").as_deref(), Some("status.result.X"));
        assert_eq!(label_key("entry_status", "graded"), None);
        assert_eq!(label_key("no_such_group", "open"), None);
    }

    #[test]
    fn relations_are_the_refund_policys() {
        for r in Relation::ALL {
            let code = r.code();
            let sdk: tessera_plugin_sdk::kinds::Relation =
                serde_json::from_value(serde_json::Value::from(code)).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(serde_json::to_value(sdk).unwrap(), r.code());
        }
    }

    #[test]
    fn every_group_has_distinct_codes() {
        for g in GROUPS {
            let mut codes = (g.codes)();
            let n = codes.len();
            codes.sort();
            codes.dedup();
            assert_eq!(codes.len(), n, "{}", g.name);
        }
    }
}
