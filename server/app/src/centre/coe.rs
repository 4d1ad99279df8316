//! Confirmations of Entry: issuing one or a whole session's, and listing confirmed entries still
//! without one (R-COE-MISSING).

use super::{audit_event, today};
use crate::error::AppError;
use crate::outbox::{EmailAttachment, EmailJob, email_job};
use crate::state::AppState;
use base64::Engine;
use chrono::NaiveDate;
use minijinja::context;
use serde::Serialize;
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_domain::Labelled;
use tessera_domain::entries::EntryStatus as EntryState;
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::centre::{self, Candidate, Entry, ExamSession};
use tessera_storage::repo::jobs;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, TimetableLine};

/// A confirmed entry still without its Confirmation of Entry, listed for staff to contact the
/// candidate (R-COE-MISSING).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoeMissing {
    /// The entry's id.
    pub entry: String,
    pub candidate_number: String,
    /// The candidate's full name.
    pub name: String,
    /// The candidate's ID number.
    pub id_number: String,
    /// The session's id.
    pub session: String,
    /// The exam's code.
    pub exam: String,
    pub written_date: NaiveDate,
    /// The day of the session's first component.
    pub first_component: NaiveDate,
    /// From this day the centre contacts candidates without a CoE (the deadlines policy's
    /// `coe_contact`).
    pub contact_from: NaiveDate,
}

/// R-COE-MISSING: confirmed entries of upcoming sessions still without a Confirmation of Entry,
/// from the day the tenant's deadlines policy gives (`coe_contact`, 10 days before the first
/// component in the shipped plugins). Sessions already started or over are not listed.
pub async fn coe_missing(state: &AppState, tenant: &Tenant) -> Result<Vec<CoeMissing>, AppError> {
    let tid = tenant.id;
    let day = today(tenant, state.clock.now());
    let rows = state.db.call(move |c| workflows::entries_without_coe(c, tid, day)).await?;
    let mut contact_from: std::collections::HashMap<String, NaiveDate> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for (entry, session, first, cand) in rows {
        let from = match contact_from.get(&session.id) {
            Some(d) => *d,
            None => {
                let facts = super::deadline_facts(&session, first);
                let d = crate::policy::decide(state, tid, facts, None).await?.coe_contact;
                contact_from.insert(session.id.clone(), d);
                d
            }
        };
        if day >= from {
            out.push(CoeMissing {
                entry: entry.id,
                candidate_number: entry.candidate_number,
                name: format!("{} {}", cand.first_name, cand.family_name),
                id_number: cand.id_number,
                session: session.id,
                exam: session.exam_code,
                written_date: session.written_date,
                first_component: first,
                contact_from: from,
            });
        }
    }
    Ok(out)
}

/// A Confirmation of Entry just issued: the PDF, and the credentials printed on it.
pub struct IssuedCoe {
    pub pdf: Vec<u8>,
    pub id_number: String,
}

/// What a Confirmation of Entry prints, besides the centre and the secret number.
pub struct CoeParts<'a> {
    pub exam: &'a centre::Exam,
    pub session: &'a ExamSession,
    pub entry: &'a Entry,
    pub candidate: &'a Candidate,
    pub timetable: &'a [TimetableLine],
}

/// The Confirmation of Entry PDF, from its template in the centre's language (CPU only: call it
/// on the blocking pool).
pub fn coe_pdf(
    templates: &crate::templates::Templates,
    tenant: &Tenant,
    public_url: &str,
    parts: &CoeParts<'_>,
    secret_number: &str,
) -> Result<Vec<u8>, AppError> {
    let ctx = context! {
        centre => crate::documents::DocumentCentre::from(tenant),
        activation_url => format!("{public_url}/t/{}/signup", tenant.slug),
        exam => parts.exam,
        session => parts.session,
        entry => parts.entry,
        candidate => parts.candidate,
        timetable => parts.timetable,
        secret_number => secret_number,
        timezone => tenant.timezone.name(),
    };
    let src =
        templates.render("documents/confirmation_of_entry.txt", tenant.locale, ctx).map_err(AppError::internal)?;
    let title = templates.text(tenant.locale, "coe.title");
    crate::pdf::typeset(&src, &title, tenant.locale).map_err(AppError::internal)
}

/// Issues (or re-issues, for lost credentials) the Confirmation of Entry of a confirmed entry:
/// a fresh secret number (kept only as a hash), the PDF from its template, and an email with the
/// PDF attached. The secret number appears only on the CoE.
pub async fn issue_coe(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    actor: String,
) -> Result<IssuedCoe, AppError> {
    let (tid, eid) = (tenant.id, entry_id.to_owned());
    let (entry, cand, session, exam, timetable) = state
        .db
        .call(move |c| {
            let entry = centre::entry(c, tid, &eid)?;
            let cand = centre::candidate(c, tid, &entry.candidate_id)?;
            let session = centre::session(c, tid, &entry.session_id)?;
            let exam =
                centre::exams(c)?.into_iter().find(|e| e.code == session.exam_code).ok_or(StorageError::NotFound)?;
            let timetable = workflows::timetable(c, tid, &session.id)?;
            Ok((entry, cand, session, exam, timetable))
        })
        .await?;
    if entry.status != EntryState::Confirmed.code() {
        return Err(AppError::new(ErrorCode::CoeNeedsConfirmed));
    }
    let secret = {
        use rand::Rng;
        format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
    };
    let hash = state.secrets.hash(tid, &cand.id, &secret);
    let now = state.clock.now();
    let exam_name = exam.name.clone();
    let pdf = {
        let (templates, tenant, entry, cand, session) =
            (state.templates.clone(), tenant.clone(), entry.clone(), cand.clone(), session.clone());
        let public_url = state.settings.public_url.clone();
        tokio::task::spawn_blocking(move || {
            let parts =
                CoeParts { exam: &exam, session: &session, entry: &entry, candidate: &cand, timetable: &timetable };
            coe_pdf(&templates, &tenant, &public_url, &parts, &secret)
        })
        .await
        .map_err(AppError::internal)??
    };
    let email = match cand.email.clone() {
        Some(to) => {
            let (subject, body) = state
                .templates
                .render_email("email/coe.txt", tenant.locale, context! { name => format!("{} {}", cand.first_name, cand.family_name), centre => tenant.name.clone(), help => crate::documents::DocumentCentre::from(tenant), exam => exam_name, date => session.written_date.to_string() })
                .map_err(AppError::internal)?;
            let attachment = EmailAttachment {
                filename: format!("confirmation-of-entry-{}.pdf", entry.candidate_number),
                content_type: "application/pdf".into(),
                base64: base64::engine::general_purpose::STANDARD.encode(&pdf),
            };
            let key = format!("coe:{}:{}", entry.id, now.timestamp_micros());
            Some(email_job(key, &EmailJob { to, subject, body, attachments: vec![attachment] }, now)?)
        }
        None => None,
    };
    // The new secret's hash, the issue date, the email and the audit record are one write: a CoE
    // is either issued and on its way, or not issued at all.
    let queued = email.is_some();
    state
        .db
        .call(move |c| {
            tessera_storage::transaction(c, |c| {
                workflows::issue_coe(c, tid, &entry, &hash, now)?;
                if let Some(job) = &email {
                    jobs::enqueue(c, tid, job, now)?;
                }
                let details = json!({"candidate_number": entry.candidate_number});
                let ev = AuditEvent {
                    actor: Some(actor.as_str()),
                    action: "entry.coe",
                    target: Some(entry.id.as_str()),
                    details,
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)
            })
        })
        .await?;
    if queued {
        state.jobs_wakeup.notify_one();
    }
    Ok(IssuedCoe { pdf, id_number: cand.id_number })
}

/// What a bulk issue of a session's Confirmations of Entry did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulkCoe {
    /// Confirmations issued now (each emailed to its candidate).
    pub issued: usize,
    /// Confirmed entries that already had one (left alone: re-issuing changes the secret number).
    pub already_issued: usize,
    /// Entries not confirmed yet.
    pub not_confirmed: usize,
    /// Candidate numbers of confirmed entries without an email address: issue those one by one
    /// (`POST /api/v1/entries/{id}/coe`) to print the PDF.
    pub without_email: Vec<String>,
}

/// A candidate a bulk issue of Confirmations of Entry names.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct CoeCandidate {
    /// The entry's id.
    pub entry: String,
    pub candidate_number: String,
    /// The candidate's full name.
    pub name: String,
}

/// What issuing every Confirmation of Entry of a session would do, before it is done (the page's
/// confirmation step) and as [`issue_session_coes`] does it.
#[derive(Debug, Clone, Serialize)]
pub struct CoePlan {
    /// Confirmed entries without a CoE whose candidate has an email address: issued.
    pub to_issue: Vec<CoeCandidate>,
    /// Confirmed entries with a CoE already: left alone (re-issuing replaces the secret number).
    pub already_issued: usize,
    /// Entries not confirmed: no CoE yet.
    pub not_confirmed: usize,
    /// Confirmed entries without a CoE whose candidate has no email address: issued one by one
    /// from the entry's page, to print.
    pub without_email: Vec<CoeCandidate>,
}

/// What [`issue_session_coes`] would do for session `session_id` of `tenant` now. Another
/// tenant's or a made-up session is not found.
pub async fn plan_session_coes(state: &AppState, tenant: &Tenant, session_id: &str) -> Result<CoePlan, AppError> {
    let (tid, sid) = (tenant.id, session_id.to_owned());
    let targets = state
        .db
        .call(move |c| {
            centre::session(c, tid, &sid)?;
            workflows::coe_targets(c, tid, &sid)
        })
        .await?;
    let mut plan = CoePlan { to_issue: Vec::new(), already_issued: 0, not_confirmed: 0, without_email: Vec::new() };
    for t in targets {
        let who = CoeCandidate {
            entry: t.entry_id,
            candidate_number: t.candidate_number,
            name: format!("{} {}", t.first_name, t.family_name),
        };
        if t.status != EntryState::Confirmed.code() {
            plan.not_confirmed += 1;
        } else if t.coe_issued_at.is_some() {
            plan.already_issued += 1;
        } else if t.email.is_none() {
            plan.without_email.push(who);
        } else {
            plan.to_issue.push(who);
        }
    }
    Ok(plan)
}

/// Issues the Confirmation of Entry of every confirmed entry of a session that has none yet and
/// whose candidate has an email address, exactly as `issue_coe` does one. The secret numbers are
/// hashed with argon2id, the dominant cost, so as many entries are in flight as the hasher runs
/// hashes at once: all cores work and sign-ins still get their turn at the hasher. A failure
/// stops the run; the entries issued so far keep their CoE, and running it again issues the rest.
pub async fn issue_session_coes(
    state: &std::sync::Arc<AppState>,
    tenant: &Tenant,
    session_id: &str,
    actor: String,
) -> Result<BulkCoe, AppError> {
    let tid = tenant.id;
    let plan = plan_session_coes(state, tenant, session_id).await?;
    let mut outcome = BulkCoe {
        issued: 0,
        already_issued: plan.already_issued,
        not_confirmed: plan.not_confirmed,
        without_email: plan.without_email.into_iter().map(|c| c.candidate_number).collect(),
    };
    let mut failure = None;
    for chunk in plan.to_issue.chunks(coe_width()) {
        for (_, issued) in issue_together(state, tenant, &actor, chunk.to_vec()).await {
            match issued {
                Ok(_) => outcome.issued += 1,
                Err(e) => failure = failure.or(Some(e)),
            }
        }
        if failure.is_some() {
            break;
        }
    }
    audit_event(
        state,
        tid,
        Some(actor),
        "session.coe_bulk",
        Some(session_id.to_owned()),
        json!({"issued": outcome.issued, "already_issued": outcome.already_issued, "not_confirmed": outcome.not_confirmed, "without_email": outcome.without_email.len(), "failed": failure.is_some()}),
    )
    .await?;
    match failure {
        Some(e) => Err(e),
        None => Ok(outcome),
    }
}

/// How many Confirmations of Entry are issued at once: as many as the hasher hashes secret
/// numbers at once, so every core works and sign-ins still get their turn at the hasher.
pub(crate) fn coe_width() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Issues the Confirmations of Entry of `who` at once, each as [`issue_coe`] does one; every
/// candidate comes back with its outcome (a task that died is an internal error).
pub(crate) async fn issue_together(
    state: &std::sync::Arc<AppState>,
    tenant: &Tenant,
    actor: &str,
    who: Vec<CoeCandidate>,
) -> Vec<(CoeCandidate, Result<IssuedCoe, AppError>)> {
    let mut running = tokio::task::JoinSet::new();
    let mut waiting = std::collections::HashMap::new();
    for c in who {
        let (state, tenant, actor, entry) = (state.clone(), tenant.clone(), actor.to_owned(), c.entry.clone());
        let task = running.spawn(async move { issue_coe(&state, &tenant, &entry, actor).await });
        waiting.insert(task.id(), c);
    }
    let mut out = Vec::new();
    while let Some(done) = running.join_next_with_id().await {
        let (id, issued) = match done {
            Ok((id, issued)) => (id, issued),
            Err(e) => (e.id(), Err(AppError::internal(e))),
        };
        if let Some(c) = waiting.remove(&id) {
            out.push((c, issued));
        }
    }
    out
}

/// A confirmed entry still without a result after the release window (R-RESULTS-WINDOW).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultMissing {
    /// The entry's id.
    pub entry: String,
    pub candidate_number: String,
    /// The candidate's full name.
    pub name: String,
    /// The session's id.
    pub session: String,
    /// The exam's code.
    pub exam: String,
    /// `PB` or `CB`.
    pub delivery: String,
    pub written_date: NaiveDate,
    /// By when results are typically released (5 weeks after a paper-based exam, 2 after a
    /// computer-based one).
    pub expected_by: NaiveDate,
    /// Days since then.
    pub days_late: i64,
}

/// R-RESULTS-WINDOW: confirmed entries that sat the exam and still have no result after the
/// release window, the longest overdue first, for the centre to chase with the board.
pub async fn results_missing(state: &AppState, tenant: &Tenant) -> Result<Vec<ResultMissing>, AppError> {
    use tessera_domain::labels::{Delivery, Labelled};
    let tid = tenant.id;
    let day = today(tenant, state.clock.now());
    // No window is shorter than two weeks: sessions written since then cannot be late.
    let written_by = day - chrono::Duration::weeks(2);
    let rows = state.db.call(move |c| workflows::entries_without_result(c, tid, written_by)).await?;
    let mut out: Vec<ResultMissing> = rows
        .into_iter()
        .filter_map(|(entry, session, cand)| {
            let delivery = Delivery::from_code(&session.delivery).unwrap_or(Delivery::PaperBased);
            let expected_by = tessera_domain::results::r_results_window(delivery, session.written_date);
            (day > expected_by).then(|| ResultMissing {
                entry: entry.id,
                candidate_number: entry.candidate_number,
                name: format!("{} {}", cand.first_name, cand.family_name),
                session: session.id,
                exam: session.exam_code,
                delivery: session.delivery,
                written_date: session.written_date,
                expected_by,
                days_late: (day - expected_by).num_days(),
            })
        })
        .collect();
    out.sort_by(|a, b| b.days_late.cmp(&a.days_late).then_with(|| a.candidate_number.cmp(&b.candidate_number)));
    Ok(out)
}
