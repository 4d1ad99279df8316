//! An entry's status, recomputed from its facts with the tenant's photo, eligibility and
//! deadlines policies.

use super::entries::StatusReasons;
use super::{exam_of, today};
use crate::error::AppError;
use crate::policy::{Decider, write_with_decisions};
use crate::state::AppState;
use chrono::NaiveDate;
use serde::Serialize;

use tessera_domain::Labelled;
use tessera_domain::TenantId;
use tessera_domain::entries::{ConsentScan, r_consent_scan, r_pl_entry_complete};
use tessera_domain::money::total_minor;
use tessera_domain::special_arrangements::{SaItem, r_sa_deadline};
use tessera_plugin_sdk::kinds::{
    CandidateFacts, Deadlines, EligibilityFacts, EntryFacts, ExtraTimeRequest, OtherEntry, PhotoFacts, SpecialistReport,
};
use tessera_storage::DbConnection;
use tessera_storage::StorageError;
use tessera_storage::repo::centre::{self, Candidate};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// An entry's computed status and why.
#[derive(Debug, Clone, Serialize)]
pub struct EntryStatus {
    pub status: String,
    pub reasons: Vec<String>,
    pub warnings: Vec<String>,
}

fn reason_text(r: &tessera_plugin_sdk::Reason) -> String {
    match &r.rule {
        Some(rule) => format!("{rule}: {}", r.message),
        None => r.message.clone(),
    }
}

/// Recomputes an entry's status from its facts with the tenant's photo and eligibility policies
/// (R-PL-ENTRY-COMPLETE where the Polish plugin decides): `pending`, `confirmed`, `manual_review`
/// or `refused`, with the policy's violations and warnings as reasons.
pub async fn recompute_status(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    actor: Option<String>,
) -> Result<EntryStatus, AppError> {
    let (t, eid) = (tenant.clone(), entry_id.to_owned());
    write_with_decisions(state, tenant.id, actor, move |c, decider| entry_status_in(c, decider, &t, &eid)).await
}

/// [`recompute_status`] inside the caller's transaction: the write that changed the entry and
/// the status it leads to commit together, or neither does when a decision fails.
pub(crate) fn entry_status_in(
    c: &mut DbConnection,
    decider: &Decider,
    tenant: &Tenant,
    entry_id: &str,
) -> Result<EntryStatus, AppError> {
    let tid = tenant.id;
    let entry = centre::entry(c, tid, entry_id)?;
    // R-ENTRY-VOID: a cancelled or voided entry keeps its status whatever arrives.
    if !tessera_domain::entries::r_entry_void_holds_place(&entry.status) {
        return Ok(EntryStatus { status: entry.status, reasons: vec![], warnings: vec![] });
    }
    let form = workflows::entry_form(c, tid, entry_id)?;
    let cand = centre::candidate(c, tid, &entry.candidate_id)?;
    let session = centre::session(c, tid, &entry.session_id)?;
    let extras = workflows::session_extras(c, tid, &session.id)?;
    let pays = workflows::payments(c, tid, entry_id)?;
    let docs = workflows::documents(c, tid, entry_id)?;
    let others = other_entries(c, tid, &cand, &entry.id)?;
    let registration_date = form.registration_date.unwrap_or(session.registration_closes);
    let exam = exam_of(&session.exam_code);
    let photo =
        decider.decide(c, &PhotoFacts { exam, candidate_date_of_birth: cand.date_of_birth, registration_date })?;
    let paid = total_minor(pays.iter().map(|p| p.amount_minor))?;
    // R-CONSENT-SCAN: a scan counts until the first exam day, by which the original must be in.
    let first_component = first_exam_day(c, tid, &session)?;
    let consent = consent_scan(&docs, first_component, today(tenant, decider.now())).counts;
    let report = match form.extra_time_report.as_deref() {
        Some(r) => Some(serde_json::from_str::<SpecialistReport>(r).map_err(AppError::internal)?),
        None => None,
    };
    let facts = EligibilityFacts {
        candidate: CandidateFacts {
            date_of_birth: cand.date_of_birth,
            nationality: cand.nationality.clone().unwrap_or_default(),
        },
        entry: EntryFacts {
            exam,
            session_date: session.written_date,
            registration_date,
            last_registration_day: session.registration_closes,
            late_entry_deadline: Some(session.late_entry_deadline),
            form_submitted: true,
            fee_paid: paid >= entry.fee_minor,
            photo_consent_required: photo.consent_needed,
            photo_consent_received: consent,
            guardian_registered: form.guardian_name.is_some(),
            student_discount_claimed: form.student_discount_claimed,
            promotional_period_end: extras.promotion_ends,
            // The student card counts as shown on the day its copy first arrived.
            student_card_shown: docs.iter().filter(|d| d.kind == "student_card").map(|d| d.received_on).min(),
            extra_time: form
                .extra_time_condition
                .as_ref()
                .map(|condition| ExtraTimeRequest { condition: condition.clone(), report: report.clone() }),
        },
        other_entries: others,
    };
    let decision = decider.decide(c, &facts)?;
    // The policy says whether the candidate may sit; the entry is confirmed only once every item
    // has arrived (form, fee, photo consent where needed: R-PL-ENTRY-COMPLETE); until then it is
    // pending, and a policy that refuses (an item missing after the deadline) makes it refused.
    let complete = paid >= entry.fee_minor && (consent || !photo.consent_needed);
    let status = r_pl_entry_complete(decision.manual_review, decision.eligible, complete).code();
    let reasons: Vec<String> = decision.violations.iter().map(reason_text).collect();
    let mut warnings: Vec<String> = decision.warnings.iter().map(reason_text).collect();
    let deadlines: Deadlines = decider.decide(c, &super::deadline_facts(&session, first_component))?;
    if form.special_arrangements.is_some() {
        let day = today(tenant, decider.now());
        warnings.extend(special_arrangements_check(&deadlines, registration_date, &docs, day));
    }
    // Shown with the entry: who signs the photo consent (the photo policy's `who_signs`) and the
    // last day for refund documents after an absence (the deadlines policy's `refund_documents`).
    let shown = StatusReasons {
        violations: reasons.clone(),
        warnings: warnings.clone(),
        photo_consent_signatory: photo.consent_needed.then_some(photo.who_signs).flatten(),
        refund_documents_due: deadlines.refund_documents,
    };
    let stored = serde_json::to_string(&shown).unwrap_or_default();
    workflows::set_entry_status(c, tid, entry_id, status, &stored, decider.now())?;
    Ok(EntryStatus { status: status.into(), reasons, warnings })
}

/// The first exam day of a session: its first component (speaking may come before the written
/// papers) or the written date, whichever is earlier.
pub(crate) fn first_exam_day(
    c: &mut DbConnection,
    tid: TenantId,
    session: &centre::ExamSession,
) -> Result<NaiveDate, StorageError> {
    let first = workflows::timetable(c, tid, &session.id)?.iter().map(|l| l.day).min();
    Ok(first.unwrap_or(session.written_date).min(session.written_date))
}

/// Where the photo consent among `docs` stands on `day` (R-CONSENT-SCAN).
pub(crate) fn consent_scan(docs: &[workflows::Document], first_exam_day: NaiveDate, day: NaiveDate) -> ConsentScan {
    let consents = || docs.iter().filter(|d| d.kind == "photo_consent");
    r_consent_scan(consents().any(|d| d.original), consents().any(|d| !d.original), first_exam_day, day)
}

/// Special arrangements (section 5): the request and the documents must arrive by the deadlines
/// policy's date (R-PL-SA-DEADLINE, R-HU-SA-DEADLINE), compared with the day each of them first
/// arrived, so what came late stays flagged; major arrangements such as Braille need contact
/// much earlier (R-PL-SA-MAJOR). Returns what is missing or late, each with its rule id.
fn special_arrangements_check(
    d: &Deadlines,
    request_day: NaiveDate,
    docs: &[workflows::Document],
    day: NaiveDate,
) -> Vec<String> {
    let rule = d
        .reasons
        .iter()
        .find_map(|r| r.rule.clone().filter(|id| id.contains("SA-DEADLINE")))
        .unwrap_or_else(|| "special arrangements".into());
    let first_of = |kind: &str| docs.iter().filter(|x| x.kind == kind).map(|x| x.received_on).min();
    let check = r_sa_deadline(
        d.special_arrangements,
        request_day,
        first_of("special_arrangements_form"),
        first_of("medical_certificate"),
        day,
    );
    let name = |item: &SaItem| match item {
        SaItem::Request => "the request",
        SaItem::SignedForm => "the signed request",
        SaItem::MedicalCertificate => "the medical certificate (unless the disability is visible)",
    };
    let list = |items: &[SaItem]| items.iter().map(name).collect::<Vec<_>>().join(" and ");
    let mut out = Vec::new();
    if !check.late.is_empty() {
        out.push(format!(
            "{rule}: late: {} arrived after {}: the arrangements cannot be guaranteed (only sudden cases such as a fracture)",
            list(&check.late),
            check.deadline
        ));
    }
    if !check.missing.is_empty() {
        if check.overdue {
            out.push(format!("{rule}: {} did not arrive by {}: the arrangements cannot be guaranteed (only sudden cases such as a fracture)", list(&check.missing), check.deadline));
        } else {
            out.push(format!("{rule}: {} must arrive by {}", list(&check.missing), check.deadline));
        }
    }
    if let Some(major) = d.special_arrangements_major {
        out.push(format!("R-PL-SA-MAJOR: arrangements such as Braille papers need contact with the centre by {major}"));
    }
    out
}

/// The candidate's other entries at the centre (same name and date of birth), for the "one per
/// month" and "several exams" rules (R-HU-ONE-PER-MONTH, R-HU-MULTI-EXAM).
fn other_entries(
    c: &mut tessera_storage::DbConnection,
    tid: TenantId,
    cand: &Candidate,
    except: &str,
) -> Result<Vec<OtherEntry>, StorageError> {
    let mut out = Vec::new();
    for s in centre::sessions(c, tid)? {
        for e in centre::session_entries(c, tid, &s.id)? {
            if e.id == except || !tessera_domain::entries::r_entry_void_holds_place(&e.status) {
                continue;
            }
            let other = centre::candidate(c, tid, &e.candidate_id)?;
            if other.first_name == cand.first_name
                && other.family_name == cand.family_name
                && other.date_of_birth == cand.date_of_birth
            {
                out.push(OtherEntry { exam: exam_of(&s.exam_code), session_date: s.written_date });
            }
        }
    }
    Ok(out)
}
