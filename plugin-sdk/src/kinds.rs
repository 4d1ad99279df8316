//! The decision kinds: for each, the facts the server sends and the decision a plugin returns.
//!
//! Every struct rejects unknown fields so that a misspelt field is an error, not a silent default.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "schema")]
use schemars::JsonSchema;

use crate::common::{BasisPoints, Exam, Money, Reason, Signatory};

/// What a decision is about. A plugin's manifest lists the kinds it implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// How much of a paid fee comes back, and why ([`RefundFacts`] -> [`RefundDecision`]).
    Refund,
    /// Whether the candidate is photographed on the day ([`PhotoFacts`] -> [`PhotoPolicy`]).
    Photo,
    /// Which identity documents admit the candidate ([`IdentityFacts`] -> [`IdentityDecision`]).
    Identity,
    /// Whether an entry may stand ([`EligibilityFacts`] -> [`EligibilityDecision`]).
    Eligibility,
    /// Dates derived from a session ([`DeadlineFacts`] -> [`Deadlines`]).
    Deadlines,
    /// How long each class of data is kept ([`RetentionFacts`] -> [`RetentionSchedule`]).
    Retention,
    /// What a candidate pays ([`FeeFacts`] -> [`FeeQuote`]).
    Fees,
}

impl DecisionKind {
    /// Every kind, in a fixed order.
    pub const ALL: [DecisionKind; 7] = [
        DecisionKind::Refund,
        DecisionKind::Photo,
        DecisionKind::Identity,
        DecisionKind::Eligibility,
        DecisionKind::Deadlines,
        DecisionKind::Retention,
        DecisionKind::Fees,
    ];

    /// The wire name, e.g. `"refund"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Refund => "refund",
            DecisionKind::Photo => "photo",
            DecisionKind::Identity => "identity",
            DecisionKind::Eligibility => "eligibility",
            DecisionKind::Deadlines => "deadlines",
            DecisionKind::Retention => "retention",
            DecisionKind::Fees => "fees",
        }
    }
}

impl std::fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for DecisionKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DecisionKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown decision kind `{s}`"))
    }
}

// ---------------------------------------------------------------- refund

/// A person whose death may justify a bereavement refund (R-PL-REFUND-BEREAVEMENT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// Husband or wife.
    Spouse,
    /// A partner living with the candidate.
    CohabitingPartner,
    /// Brother or sister.
    Sibling,
    /// Mother or father (an ascendant).
    Parent,
    /// Grandparent or further ascendant.
    Grandparent,
    /// Son or daughter (a descendant).
    Child,
    /// Grandchild or further descendant.
    Grandchild,
    /// Mother- or father-in-law.
    ParentInLaw,
    /// Son-in-law.
    SonInLaw,
    /// Daughter-in-law.
    DaughterInLaw,
    /// Step-mother or step-father.
    StepParent,
    /// Step-son or step-daughter.
    Stepchild,
    /// A parent by adoption.
    AdoptiveParent,
    /// A child by adoption.
    AdoptedChild,
    /// Aunt or uncle.
    AuntOrUncle,
    /// Cousin.
    Cousin,
    /// Niece or nephew.
    NieceOrNephew,
    /// Friend.
    Friend,
    /// Anyone else.
    Other,
}

/// Why a refund is requested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RefundReason {
    /// The candidate withdraws (R-PL-REFUND-WITHDRAWAL).
    Withdrawal,
    /// The session did not reach its minimum and is cancelled (R-SESSION-MINIMUM).
    SessionBelowMinimum,
    /// Absent through illness (R-PL-REFUND-MEDICAL, R-HU-REFUND-MEDICAL).
    Illness,
    /// Absent after the death of `relation` (R-PL-REFUND-BEREAVEMENT).
    Bereavement {
        /// Who died, as related to the candidate.
        relation: Relation,
    },
    /// Only the fee was paid; the entry was never complete (R-PL-ENTRY-COMPLETE).
    IncompleteRegistrationOnlyFeePaid,
    /// The candidate had no CoE, did not report it and missed the exam (R-COE-MISSING).
    NoCoeNotReported,
    /// The candidate refused to hand in electronic devices.
    RefusedDevices,
    /// The entry was voided for an attempt to break entry rules (R-HU-RULE-BREAKING).
    RuleBreaking,
    /// Any other reason.
    Other,
}

/// A document supporting a refund request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundDocument {
    /// The centre's refund request form, signed.
    RefundRequestForm,
    /// The original medical certificate issued on the centre's medical-refund form.
    MedicalCertificateOnCentreForm,
    /// A medical certificate naming the medical reason, on any form.
    MedicalCertificate,
    /// A copy of the death certificate.
    DeathCertificateCopy,
    /// The centre's family-reasons refund form.
    BereavementRequestForm,
}

/// Facts for a `refund` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundFacts {
    /// Why the refund is requested.
    pub reason: RefundReason,
    /// What was paid for the entry.
    pub paid: Money,
    /// The day the request reached the centre.
    pub request_date: NaiveDate,
    /// The session's last registration day.
    pub last_registration_day: NaiveDate,
    /// The session's written exam date.
    pub written_exam_date: NaiveDate,
    /// The day the last required document arrived, if any did.
    #[serde(default)]
    pub documents_received_date: Option<NaiveDate>,
    /// Documents received with the request.
    #[serde(default)]
    pub documents: Vec<RefundDocument>,
}

/// The outcome of a refund decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RefundOutcome {
    /// Pay `amount`.
    Approve,
    /// Pay nothing.
    Reject,
    /// A person at the centre decides; `amount` is a suggestion, zero when there is none.
    ManualReview,
}

/// A `refund` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RefundDecision {
    /// Approve, reject or send to a person.
    pub outcome: RefundOutcome,
    /// Share of `paid` refunded.
    pub basis_points: BasisPoints,
    /// Refund amount: `paid` scaled by `basis_points`, rounded down.
    pub amount: Money,
    /// The rules applied.
    pub reasons: Vec<Reason>,
    /// Latest payout date, when the refund is approved.
    #[serde(default)]
    pub pay_by: Option<NaiveDate>,
    /// Whether the entry is cancelled with no result issued (R-HU-REFUND-MEDICAL).
    #[serde(default)]
    pub cancel_entry: bool,
}

// ---------------------------------------------------------------- photo

/// Facts for a `photo` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PhotoFacts {
    /// The exam entered.
    pub exam: Exam,
    /// The candidate's date of birth.
    pub candidate_date_of_birth: NaiveDate,
    /// The day the entry was registered (age for R-MINOR-GUARDIAN is taken on this day).
    pub registration_date: NaiveDate,
}

/// A `photo` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PhotoPolicy {
    /// The candidate is photographed on the exam day (R-PHOTO-DAY).
    pub required: bool,
    /// A signed photo-consent form is needed before the entry is complete.
    pub consent_needed: bool,
    /// Who signs the consent, when one is needed.
    #[serde(default)]
    pub who_signs: Option<Signatory>,
    /// The photo is shown to verifiers the candidate shares a result with.
    pub visible_to_verifiers: bool,
    /// The rules applied.
    pub reasons: Vec<Reason>,
}

// ---------------------------------------------------------------- identity

/// A document a candidate may show on the exam day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdDocument {
    /// National identity card with a current photo.
    NationalIdCard,
    /// Passport.
    Passport,
    /// Driving licence with a photo.
    DrivingLicence,
    /// Residence permit with a photo.
    ResidencePermit,
    /// School ID card (legitymacja szkolna).
    SchoolId,
    /// Student ID card.
    StudentId,
}

/// Facts for an `identity` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentityFacts {
    /// The candidate's date of birth.
    pub candidate_date_of_birth: NaiveDate,
    /// The day the entry was registered.
    pub registration_date: NaiveDate,
    /// The session's last registration day.
    pub last_registration_day: NaiveDate,
    /// Documents the candidate holds (as declared on the form).
    pub documents_on_hand: Vec<IdDocument>,
    /// The day a copy of the school ID reached the centre, if it did (R-PL-SCHOOL-ID).
    #[serde(default)]
    pub school_id_copy_received: Option<NaiveDate>,
}

/// An `identity` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentityDecision {
    /// Document types that admit this candidate on the day.
    pub accepted: Vec<IdDocument>,
    /// Whether at least one document on hand is accepted.
    pub admissible: bool,
    /// The rules applied.
    pub reasons: Vec<Reason>,
}

// ---------------------------------------------------------------- eligibility

/// The candidate, as far as eligibility rules need them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CandidateFacts {
    /// Date of birth.
    pub date_of_birth: NaiveDate,
    /// Nationality as an ISO 3166-1 alpha-2 code, e.g. `PL`.
    pub nationality: String,
}

/// The entry being checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EntryFacts {
    /// The exam entered.
    pub exam: Exam,
    /// The written exam date of the session.
    pub session_date: NaiveDate,
    /// The day the entry was registered.
    pub registration_date: NaiveDate,
    /// The session's last registration day.
    pub last_registration_day: NaiveDate,
    /// The late-entry deadline, if the session accepts late entries (R-LATE-ENTRY).
    #[serde(default)]
    pub late_entry_deadline: Option<NaiveDate>,
    /// The entry form was submitted.
    pub form_submitted: bool,
    /// The fee was paid in full.
    pub fee_paid: bool,
    /// A photo-consent form is needed (from the tenant's `photo` decision).
    pub photo_consent_required: bool,
    /// The photo-consent form was received.
    pub photo_consent_received: bool,
    /// A legal guardian registered the candidate.
    pub guardian_registered: bool,
    /// The candidate claims the student discount.
    #[serde(default)]
    pub student_discount_claimed: bool,
    /// The last day of the promotional period, when there is one.
    #[serde(default)]
    pub promotional_period_end: Option<NaiveDate>,
    /// The day a valid student card was shown, if it was.
    #[serde(default)]
    pub student_card_shown: Option<NaiveDate>,
    /// Extra time asked for a specific learning difficulty, if it was (R-PL-EXTRA-TIME).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_time: Option<ExtraTimeRequest>,
}

/// A request for extra time on the grounds of a specific learning difficulty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ExtraTimeRequest {
    /// The difficulty named, e.g. `dyslexia`, `dysgraphia`, `dysorthography`.
    pub condition: String,
    /// The specialist's report, once the centre has it.
    #[serde(default)]
    pub report: Option<SpecialistReport>,
}

/// What the centre checked on a specialist's report (a psychological clinic's opinion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SpecialistReport {
    /// The day the report was made.
    pub made_on: NaiveDate,
    /// It states how severe the difficulty is.
    pub states_severity: bool,
    /// It names the diagnostic tests used.
    pub names_diagnostic_tests: bool,
    /// It is stamped and signed by the specialist.
    pub stamped_and_signed: bool,
}

/// Another entry of the same candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct OtherEntry {
    /// The exam of that entry.
    pub exam: Exam,
    /// Its written exam date.
    pub session_date: NaiveDate,
}

/// Facts for an `eligibility` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EligibilityFacts {
    /// Who is entering.
    pub candidate: CandidateFacts,
    /// The entry checked.
    pub entry: EntryFacts,
    /// The candidate's other live entries.
    #[serde(default)]
    pub other_entries: Vec<OtherEntry>,
}

/// An `eligibility` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct EligibilityDecision {
    /// No violations: the entry may stand (it may still be held for manual review).
    pub eligible: bool,
    /// A person at the centre must look at the entry before it is confirmed.
    pub manual_review: bool,
    /// Rules broken: the candidate cannot sit while any remains.
    pub violations: Vec<Reason>,
    /// Things staff and the candidate should know; they do not block the entry.
    pub warnings: Vec<Reason>,
}

// ---------------------------------------------------------------- deadlines

/// Facts for a `deadlines` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DeadlineFacts {
    /// The exam of the session.
    pub exam: Exam,
    /// The written exam date.
    pub written_exam_date: NaiveDate,
    /// The date of the first component (speaking may come before the written papers).
    pub first_component_date: NaiveDate,
    /// The session's last registration day.
    pub last_registration_day: NaiveDate,
    /// The results-release instant, once known.
    #[serde(default)]
    pub results_release: Option<DateTime<Utc>>,
}

/// A `deadlines` decision. Every date is the last day on which the thing may still happen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// Special-arrangements requests and documents (R-PL-SA-DEADLINE, R-HU-SA-DEADLINE).
    pub special_arrangements: NaiveDate,
    /// Major arrangements such as Braille papers (R-PL-SA-MAJOR), where the policy has one.
    #[serde(default)]
    pub special_arrangements_major: Option<NaiveDate>,
    /// Results enquiries (R-ENQUIRY), once the release instant is known.
    #[serde(default)]
    pub enquiry_window_end: Option<NaiveDate>,
    /// Refund documents after an absence (R-PL-REFUND-MEDICAL), where the policy has one.
    #[serde(default)]
    pub refund_documents: Option<NaiveDate>,
    /// A candidate without a CoE must contact the centre by this day (R-COE-MISSING).
    pub coe_contact: NaiveDate,
    /// Exceptional timetable-change requests (R-TIMETABLE-CHANGE), where the policy has one.
    #[serde(default)]
    pub timetable_change_request: Option<NaiveDate>,
    /// Written complaints about how the exam was run (R-CONDUCT-COMPLAINT).
    pub conduct_complaint: NaiveDate,
    /// The rules applied.
    pub reasons: Vec<Reason>,
}

// ---------------------------------------------------------------- retention

/// A class of personal data with its own retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DataClass {
    /// What verifies a result: name, date of birth, SoR number, result (R-DATA-MINIMUM).
    VerificationRecord,
    /// An uncollected certificate and the personal data kept for it (R-PL-CERT-RETENTION).
    UncollectedCertificate,
    /// Uploaded documents: medical certificates, ID copies, consent forms.
    Documents,
    /// Email, phone and postal address.
    ContactData,
    /// Exam-day photos held by the centre.
    Photos,
}

/// Facts for a `retention` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionFacts {
    /// The written exam date of the entry.
    pub written_exam_date: NaiveDate,
    /// The first day the certificate could be collected, once known.
    #[serde(default)]
    pub certificate_first_collection_day: Option<NaiveDate>,
    /// Whether the certificate has been collected.
    #[serde(default)]
    pub certificate_collected: bool,
}

/// How long one class of data is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    /// The data class.
    pub data_class: DataClass,
    /// Kept without limit (the verification record).
    pub indefinite: bool,
    /// The day the data is destroyed; absent when indefinite or not yet known.
    #[serde(default)]
    pub delete_on: Option<NaiveDate>,
    /// The rule applied.
    pub reason: Reason,
}

/// A `retention` decision: one rule per data class the policy governs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RetentionSchedule {
    /// The periods, one per data class.
    pub rules: Vec<RetentionRule>,
}

// ---------------------------------------------------------------- fees

/// Facts for a `fees` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FeeFacts {
    /// The exam entered.
    pub exam: Exam,
    /// The session's fee.
    pub base_fee: Money,
    /// The late-entry surcharge, when the session has one (R-LATE-ENTRY).
    #[serde(default)]
    pub late_fee: Option<Money>,
    /// The day of registration.
    pub registration_date: NaiveDate,
    /// The session's last registration day.
    pub last_registration_day: NaiveDate,
    /// The late-entry deadline, when late entries are accepted.
    #[serde(default)]
    pub late_entry_deadline: Option<NaiveDate>,
    /// The promotional period `[start, end]`, inclusive, when there is one.
    #[serde(default)]
    pub promotional_period: Option<DateRange>,
    /// The session's student discount, applied to the base fee in the promotional period.
    #[serde(default)]
    pub student_discount: Option<BasisPoints>,
    /// The candidate claims the student discount (R-STUDENT-DISCOUNT).
    #[serde(default)]
    pub student_discount_claimed: bool,
}

/// An inclusive range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DateRange {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
}

impl DateRange {
    /// Whether `day` lies in the range.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}

/// One line of a fee quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FeeItem {
    /// The session fee.
    BaseFee,
    /// The late-entry surcharge.
    LateEntry,
    /// The student discount (a negative amount).
    StudentDiscount,
}

/// A fee line and its amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FeeLine {
    /// What the line is for.
    pub item: FeeItem,
    /// Its amount; negative for a discount.
    pub amount: Money,
}

/// A `fees` decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct FeeQuote {
    /// Whether an entry registered on this day is accepted at all.
    pub accepted: bool,
    /// The lines, base fee first.
    pub lines: Vec<FeeLine>,
    /// The sum of the lines.
    pub total: Money,
    /// The day by which the total must be paid, when accepted.
    #[serde(default)]
    pub pay_by: Option<NaiveDate>,
    /// The rules applied.
    pub reasons: Vec<Reason>,
}

// ---------------------------------------------------------------- typed calls

/// Ties a kind's facts to the decision a plugin answers with, so that a host asks with typed
/// facts and gets a typed decision back (`decide::<RefundFacts>(..) -> RefundDecision`): no
/// decision field can be lost to a hand-built JSON value.
pub trait Facts: Serialize {
    /// The kind these facts are for.
    const KIND: DecisionKind;
    /// What a plugin answers for them.
    type Decision: serde::de::DeserializeOwned;
}

macro_rules! facts_of {
    ($($facts:ty => $kind:ident, $decision:ty;)*) => {
        $(impl Facts for $facts {
            const KIND: DecisionKind = DecisionKind::$kind;
            type Decision = $decision;
        })*
    };
}

facts_of! {
    RefundFacts => Refund, RefundDecision;
    PhotoFacts => Photo, PhotoPolicy;
    IdentityFacts => Identity, IdentityDecision;
    EligibilityFacts => Eligibility, EligibilityDecision;
    DeadlineFacts => Deadlines, Deadlines;
    RetentionFacts => Retention, RetentionSchedule;
    FeeFacts => Fees, FeeQuote;
}
