//! The records the workflows show: what a page and the API display of an entry, a session, a
//! case, an enquiry or a certificate, field by field. They are the app's own types, filled from
//! storage, so the API does not change when a table does (and nothing secret, such as a secret
//! number's hash, is ever on the wire).

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use tessera_domain::Labelled;
use tessera_domain::payments::PaymentFlag;
use tessera_storage::repo::{after_exam, centre, workflows};

/// An exam session of the centre.
#[derive(Debug, Clone, Serialize)]
pub struct ExamSessionRecord {
    pub tenant_id: String,
    pub id: String,
    pub exam_code: String,
    pub written_date: NaiveDate,
    pub time_of_day: String,
    pub delivery: String,
    pub fee_minor: i64,
    pub late_fee_minor: i64,
    pub currency: String,
    pub registration_opens: NaiveDate,
    pub registration_closes: NaiveDate,
    pub late_entry_deadline: NaiveDate,
    pub capacity: i32,
    pub minimum_candidates: i32,
    pub release_at: NaiveDateTime,
    pub status: String,
    pub created_at: NaiveDateTime,
}

impl From<centre::ExamSession> for ExamSessionRecord {
    fn from(r: centre::ExamSession) -> Self {
        Self {
            tenant_id: r.tenant_id,
            id: r.id,
            exam_code: r.exam_code,
            written_date: r.written_date,
            time_of_day: r.time_of_day,
            delivery: r.delivery,
            fee_minor: r.fee_minor,
            late_fee_minor: r.late_fee_minor,
            currency: r.currency,
            registration_opens: r.registration_opens,
            registration_closes: r.registration_closes,
            late_entry_deadline: r.late_entry_deadline,
            capacity: r.capacity,
            minimum_candidates: r.minimum_candidates,
            release_at: r.release_at,
            status: r.status,
            created_at: r.created_at,
        }
    }
}

/// A candidate as the centre holds them (the secret number's hash is never shown).
#[derive(Debug, Clone, Serialize)]
pub struct CandidateRecord {
    pub tenant_id: String,
    pub id: String,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub nationality: Option<String>,
    pub id_number: String,
    pub user_id: Option<String>,
    pub created_at: NaiveDateTime,
}

impl From<centre::Candidate> for CandidateRecord {
    fn from(r: centre::Candidate) -> Self {
        Self {
            tenant_id: r.tenant_id,
            id: r.id,
            first_name: r.first_name,
            family_name: r.family_name,
            date_of_birth: r.date_of_birth,
            email: r.email,
            phone: r.phone,
            nationality: r.nationality,
            id_number: r.id_number,
            user_id: r.user_id,
            created_at: r.created_at,
        }
    }
}

/// An entry of a candidate for a session.
#[derive(Debug, Clone, Serialize)]
pub struct EntryRecord {
    pub tenant_id: String,
    pub id: String,
    pub session_id: String,
    pub candidate_id: String,
    pub candidate_number: String,
    pub status: String,
    pub fee_minor: i64,
    pub currency: String,
    pub created_at: NaiveDateTime,
}

impl From<centre::Entry> for EntryRecord {
    fn from(r: centre::Entry) -> Self {
        Self {
            tenant_id: r.tenant_id,
            id: r.id,
            session_id: r.session_id,
            candidate_id: r.candidate_id,
            candidate_number: r.candidate_number,
            status: r.status,
            fee_minor: r.fee_minor,
            currency: r.currency,
            created_at: r.created_at,
        }
    }
}

/// One version of an entry's result.
#[derive(Debug, Clone, Serialize)]
pub struct ResultRecord {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub version: i32,
    pub is_current: bool,
    pub status: String,
    pub overall_score: Option<i32>,
    pub grade: Option<String>,
    pub cefr: Option<String>,
    pub sor_number: String,
    pub created_at: NaiveDateTime,
}

impl From<centre::ResultRow> for ResultRecord {
    fn from(r: centre::ResultRow) -> Self {
        Self {
            tenant_id: r.tenant_id,
            id: r.id,
            entry_id: r.entry_id,
            version: r.version,
            is_current: r.is_current,
            status: r.status,
            overall_score: r.overall_score,
            grade: r.grade,
            cefr: r.cefr,
            sor_number: r.sor_number,
            created_at: r.created_at,
        }
    }
}

/// Attendance at one component: the ID check and the devices (R-DEVICE-DEPOSIT).
#[derive(Debug, Clone, Serialize)]
pub struct AttendanceRecord {
    pub component: String,
    pub present: bool,
    pub id_document_shown: Option<String>,
    pub admitted: bool,
    /// `deposited` or `refused`, where it was recorded.
    pub devices: Option<String>,
    pub recorded_at: NaiveDateTime,
}

impl From<after_exam::Attendance> for AttendanceRecord {
    fn from(r: after_exam::Attendance) -> Self {
        Self {
            component: r.component,
            present: r.present,
            id_document_shown: r.id_document_shown,
            admitted: r.admitted,
            devices: r.devices,
            recorded_at: r.recorded_at,
        }
    }
}

/// A case opened about an entry (special consideration, malpractice, a complaint, a timetable change).
#[derive(Debug, Clone, Serialize)]
pub struct CaseRecord {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub kind: String,
    pub description: String,
    pub status: String,
    pub opened_by: String,
    pub opened_at: NaiveDateTime,
    pub closed_at: Option<NaiveDateTime>,
}

impl From<after_exam::Case> for CaseRecord {
    fn from(r: after_exam::Case) -> Self {
        Self {
            tenant_id: r.tenant_id,
            id: r.id,
            entry_id: r.entry_id,
            kind: r.kind,
            description: r.description,
            status: r.status,
            opened_by: r.opened_by,
            opened_at: r.opened_at,
            closed_at: r.closed_at,
        }
    }
}

/// A results enquiry.
#[derive(Debug, Clone, Serialize)]
pub struct EnquiryRecord {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub stage: i32,
    pub fee_minor: i64,
    pub currency: String,
    pub requested_on: NaiveDate,
    pub status: String,
    pub outcome: Option<String>,
    pub fee_refunded: bool,
    pub created_at: NaiveDateTime,
}

impl From<after_exam::Enquiry> for EnquiryRecord {
    fn from(r: after_exam::Enquiry) -> Self {
        Self {
            tenant_id: r.tenant_id,
            id: r.id,
            entry_id: r.entry_id,
            stage: r.stage,
            fee_minor: r.fee_minor,
            currency: r.currency,
            requested_on: r.requested_on,
            status: r.status,
            outcome: r.outcome,
            fee_refunded: r.fee_refunded,
            created_at: r.created_at,
        }
    }
}

/// A certificate: its arrival, collection and replacements.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateRecord {
    pub tenant_id: String,
    pub entry_id: String,
    pub arrived_on: NaiveDate,
    pub collected_on: Option<NaiveDate>,
    pub collected_by: Option<String>,
    pub collector_name: Option<String>,
    pub collector_id_document: Option<String>,
    pub signature_recorded: bool,
    pub courier_address: Option<String>,
    pub replacements: i32,
    pub destroyed_on: Option<NaiveDate>,
}

impl From<after_exam::Certificate> for CertificateRecord {
    fn from(r: after_exam::Certificate) -> Self {
        Self {
            tenant_id: r.tenant_id,
            entry_id: r.entry_id,
            arrived_on: r.arrived_on,
            collected_on: r.collected_on,
            collected_by: r.collected_by,
            collector_name: r.collector_name,
            collector_id_document: r.collector_id_document,
            signature_recorded: r.signature_recorded,
            courier_address: r.courier_address,
            replacements: r.replacements,
            destroyed_on: r.destroyed_on,
        }
    }
}

/// What the centre added to a session.
#[derive(Debug, Clone, Serialize)]
pub struct SessionExtrasRecord {
    pub speaking_window_start: Option<NaiveDate>,
    pub speaking_window_end: Option<NaiveDate>,
    pub promotion_ends: Option<NaiveDate>,
    pub student_discount_bp: Option<i32>,
    pub venue: String,
}

impl From<workflows::SessionExtras> for SessionExtrasRecord {
    fn from(r: workflows::SessionExtras) -> Self {
        Self {
            speaking_window_start: r.speaking_window_start,
            speaking_window_end: r.speaking_window_end,
            promotion_ends: r.promotion_ends,
            student_discount_bp: r.student_discount_bp,
            venue: r.venue,
        }
    }
}

/// One timetabled component of a session.
#[derive(Debug, Clone, Serialize)]
pub struct TimetableLineRecord {
    pub tenant_id: String,
    pub session_id: String,
    pub component: String,
    pub day: NaiveDate,
    pub starts_at: String,
    pub venue: String,
    pub room: String,
}

impl From<workflows::TimetableLine> for TimetableLineRecord {
    fn from(r: workflows::TimetableLine) -> Self {
        Self {
            tenant_id: r.tenant_id,
            session_id: r.session_id,
            component: r.component,
            day: r.day,
            starts_at: r.starts_at,
            venue: r.venue,
            room: r.room,
        }
    }
}

/// What the entry form said, and what was checked on it.
#[derive(Debug, Clone, Serialize)]
pub struct EntryFormRecord {
    pub guardian_name: Option<String>,
    pub guardian_contact: Option<String>,
    pub id_document_type: Option<String>,
    pub id_document_number: Option<String>,
    pub special_arrangements: Option<String>,
    pub student_discount_claimed: bool,
    pub is_late: bool,
    pub registration_date: Option<NaiveDate>,
    pub pay_by: Option<NaiveDate>,
    pub status_reasons: String,
    pub coe_issued_at: Option<NaiveDateTime>,
    /// The learning difficulty extra time is asked for (R-PL-EXTRA-TIME).
    pub extra_time_condition: Option<String>,
    /// What staff checked on the specialist's report, as JSON.
    pub extra_time_report: Option<String>,
    /// When the candidate confirmed reading the Notice to candidates and that the speaking test
    /// may be recorded, sent with the CoE (R-NOTICES); none until they do.
    pub notices_acknowledged_at: Option<NaiveDateTime>,
}

impl From<workflows::EntryForm> for EntryFormRecord {
    fn from(r: workflows::EntryForm) -> Self {
        Self {
            guardian_name: r.guardian_name,
            guardian_contact: r.guardian_contact,
            id_document_type: r.id_document_type,
            id_document_number: r.id_document_number,
            special_arrangements: r.special_arrangements,
            student_discount_claimed: r.student_discount_claimed,
            is_late: r.is_late,
            registration_date: r.registration_date,
            pay_by: r.pay_by,
            status_reasons: r.status_reasons,
            coe_issued_at: r.coe_issued_at,
            extra_time_condition: r.extra_time_condition,
            extra_time_report: r.extra_time_report,
            notices_acknowledged_at: r.notices_acknowledged_at,
        }
    }
}

/// A payment recorded for an entry.
#[derive(Debug, Clone, Serialize)]
pub struct PaymentRecord {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub amount_minor: i64,
    pub currency: String,
    pub method: String,
    pub transfer_title: Option<String>,
    pub received_on: NaiveDate,
    pub recorded_by: String,
    pub created_at: NaiveDateTime,
    /// The title the transfer should carry, "<full name>, <exam short name>" (R-PAYMENT-TITLE).
    pub expected_title: Option<String>,
    /// What was still due when the payment was recorded.
    pub amount_due_minor: Option<i64>,
    /// True when staff should look at it: see `flags`.
    pub flagged: bool,
    /// Why it is flagged: `title_mismatch`, `amount_mismatch` (R-PAYMENT-TITLE).
    pub flags: Vec<String>,
}

impl From<workflows::Payment> for PaymentRecord {
    fn from(r: workflows::Payment) -> Self {
        Self {
            tenant_id: r.tenant_id,
            id: r.id,
            entry_id: r.entry_id,
            amount_minor: r.amount_minor,
            currency: r.currency,
            method: r.method,
            transfer_title: r.transfer_title,
            received_on: r.received_on,
            recorded_by: r.recorded_by,
            created_at: r.created_at,
            expected_title: r.expected_title,
            amount_due_minor: r.amount_due_minor,
            flagged: r.title_mismatch || r.amount_mismatch,
            flags: [(r.title_mismatch, PaymentFlag::TitleMismatch), (r.amount_mismatch, PaymentFlag::AmountMismatch)]
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, f)| f.code().to_owned())
                .collect(),
        }
    }
}

/// A document received for an entry.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentRecord {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub kind: String,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub received_on: NaiveDate,
    pub created_at: NaiveDateTime,
    /// The signed original (true) or a scan of it (R-CONSENT-SCAN).
    pub original: bool,
}

impl From<workflows::Document> for DocumentRecord {
    fn from(r: workflows::Document) -> Self {
        Self {
            tenant_id: r.tenant_id,
            id: r.id,
            entry_id: r.entry_id,
            kind: r.kind,
            filename: r.filename,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            received_on: r.received_on,
            created_at: r.created_at,
            original: r.original,
        }
    }
}

/// A refund request with the policy's decision.
#[derive(Debug, Clone, Serialize)]
pub struct RefundRequestRecord {
    pub tenant_id: String,
    pub id: String,
    pub entry_id: String,
    pub facts: String,
    pub decision: String,
    pub plugin: String,
    pub plugin_version: String,
    pub outcome: String,
    pub amount_minor: i64,
    pub currency: String,
    pub pay_by: Option<NaiveDate>,
    pub status: String,
    pub confirmed_by: Option<String>,
    pub paid_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    /// How the candidate chose to be paid back: `bank_transfer` or `cash`.
    pub payout_method: Option<String>,
    /// The account for a refund by transfer.
    pub payout_account: Option<String>,
    /// How it was paid, once paid.
    pub paid_method: Option<String>,
    /// The day it was paid, in the centre's calendar.
    pub paid_on: Option<NaiveDate>,
}

impl From<workflows::RefundRequest> for RefundRequestRecord {
    fn from(r: workflows::RefundRequest) -> Self {
        Self {
            tenant_id: r.tenant_id,
            id: r.id,
            entry_id: r.entry_id,
            facts: r.facts,
            decision: r.decision,
            plugin: r.plugin,
            plugin_version: r.plugin_version,
            outcome: r.outcome,
            amount_minor: r.amount_minor,
            currency: r.currency,
            pay_by: r.pay_by,
            status: r.status,
            confirmed_by: r.confirmed_by,
            paid_at: r.paid_at,
            created_at: r.created_at,
            payout_method: r.payout_method,
            payout_account: r.payout_account,
            paid_method: r.paid_method,
            paid_on: r.paid_on,
        }
    }
}
