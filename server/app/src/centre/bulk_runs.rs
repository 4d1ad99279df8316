//! A centre's bulk actions run in the background, with their progress on a page: issuing every
//! Confirmation of Entry of a session, and importing a board results file. The page stores the
//! run and queues a durable job in one transaction; the job worker (on any node of a region)
//! advances the run and records its report, so the page can be left, reloaded or opened on
//! another node, and a restart resumes the run where it stopped.
//!
//! - Issuing: the entries the confirmation page announced, a few at a time (each CoE its own
//!   transaction, as one issued from the entry page); a refusal for one entry is reported and the
//!   run goes on; an entry that has its CoE by then is not issued again (its secret number stays).
//! - Importing: every line is checked (progress by line), then the results are stored in one
//!   transaction: a file is imported whole or not at all, and its refused lines are reported.

use super::{CoeCandidate, RefusedFile, audit_event, coe_width, issue_together, parse_results_csv, plan_session_coes};
use crate::error::AppError;
use crate::state::AppState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use tessera_domain::{DomainError, Locale, TenantId};
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::bulk_runs::{self as repo, BulkRun};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::{centre, jobs, workflows};

/// The job that advances a centre's bulk run (payload: `{"run": id}`).
pub const CENTRE_BULK_JOB: &str = "centre_bulk_run";

/// Lines of a results file checked between two progress records.
pub(crate) const IMPORT_PROGRESS_LINES: usize = 500;

/// What a bulk run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    /// Every Confirmation of Entry of a session issued.
    CoeIssue,
    /// A board results file imported.
    ResultsImport,
}

impl BulkKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::CoeIssue => "coe_issue",
            Self::ResultsImport => "results_import",
        }
    }

    /// The kind stored as `code`.
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::CoeIssue, Self::ResultsImport].into_iter().find(|k| k.code() == code)
    }
}

/// A refusal a run met: an import's line and column, or an entry the run could not issue; its
/// message is kept in every language, so each reader sees it in theirs.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunFault {
    /// The file's line (1 is the header line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The file's column at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// The entry not issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidate_number: Option<String>,
    /// The candidate's full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The message by language tag.
    pub messages: BTreeMap<String, String>,
}

impl RunFault {
    fn of(error: &DomainError) -> Self {
        let messages = Locale::ALL.iter().map(|l| (l.as_str().to_owned(), error.message(*l))).collect();
        Self { messages, ..Self::default() }
    }
}

/// What a run did so far (and, once it ended, in all).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunReport {
    /// Confirmations issued by this run.
    #[serde(default)]
    pub issued: usize,
    /// Confirmed entries that had one already (left alone).
    #[serde(default)]
    pub already_issued: usize,
    /// Entries not confirmed.
    #[serde(default)]
    pub not_confirmed: usize,
    /// Confirmed entries without an email address (issued one by one, to print).
    #[serde(default)]
    pub without_email: Vec<CoeCandidate>,
    /// Results stored by an import.
    #[serde(default)]
    pub imported: usize,
    /// What was refused and why (at most [`super::MAX_LINE_ERRORS`] of a file's lines).
    #[serde(default)]
    pub faults: Vec<RunFault>,
    /// A file's refused lines beyond those reported.
    #[serde(default)]
    pub more: usize,
}

/// A refusal of a run, in the reader's language.
#[derive(Debug, Clone, Serialize)]
pub struct FaultView {
    pub line: Option<usize>,
    pub column: Option<String>,
    pub entry: Option<String>,
    pub candidate_number: Option<String>,
    pub name: Option<String>,
    pub message: String,
}

/// A run as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BulkRunView {
    pub id: String,
    /// The session's id.
    pub session: String,
    /// `coe_issue` or `results_import`.
    pub kind: String,
    /// `queued`, `running`, `storing`, `done`, `refused` or `failed`.
    pub status: String,
    /// Still under way (the page follows it).
    pub under_way: bool,
    pub file_name: Option<String>,
    /// Entries to issue, or lines of the file.
    pub total: i32,
    pub processed: i32,
    /// 0 to 100.
    pub percent: i32,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub report: RunReport,
    /// The report's refusals in the reader's language.
    pub faults: Vec<FaultView>,
}

impl BulkRunView {
    fn new(run: BulkRun, locale: Locale) -> Self {
        let report: RunReport = serde_json::from_str(&run.report).unwrap_or_default();
        let faults = report
            .faults
            .iter()
            .map(|f| FaultView {
                line: f.line,
                column: f.column.clone(),
                entry: f.entry.clone(),
                candidate_number: f.candidate_number.clone(),
                name: f.name.clone(),
                message: f
                    .messages
                    .get(locale.as_str())
                    .or_else(|| f.messages.get(Locale::En.as_str()))
                    .cloned()
                    .unwrap_or_default(),
            })
            .collect();
        let percent = if run.total <= 0 { 100 } else { (i64::from(run.processed) * 100 / i64::from(run.total)) as i32 };
        Self {
            under_way: repo::UNDER_WAY.contains(&run.status.as_str()),
            id: run.id,
            session: run.session_id,
            kind: run.kind,
            status: run.status,
            file_name: run.file_name,
            total: run.total,
            processed: run.processed,
            percent: percent.clamp(0, 100),
            created_at: run.created_at.and_utc(),
            finished_at: run.finished_at.map(|t| t.and_utc()),
            report,
            faults,
        }
    }
}

fn new_run(tenant: &Tenant, session_id: &str, kind: BulkKind, actor: &str, now: DateTime<Utc>) -> BulkRun {
    BulkRun {
        tenant_id: tenant.id.to_string(),
        id: uuid::Uuid::new_v4().to_string(),
        session_id: session_id.to_owned(),
        kind: kind.code().to_owned(),
        status: "queued".into(),
        file_name: None,
        input: String::new(),
        total: 0,
        processed: 0,
        report: "{}".into(),
        created_by: actor.to_owned(),
        created_at: now.naive_utc(),
        finished_at: None,
    }
}

/// Stores `run` and queues its job in one transaction, audited as `action`.
async fn store_and_queue(
    state: &AppState,
    tid: TenantId,
    run: BulkRun,
    action: &'static str,
) -> Result<String, AppError> {
    let (now, id) = (state.clock.now(), run.id.clone());
    state
        .db
        .call(move |c| {
            repo::create(c, &run, |c| {
                let job = jobs::NewJob {
                    kind: CENTRE_BULK_JOB,
                    payload: json!({"run": run.id}),
                    idempotency_key: format!("centre-bulk:{}", run.id),
                    run_at: now,
                    max_attempts: 20,
                };
                jobs::enqueue(c, tid, &job, now)?;
                let ev = AuditEvent {
                    actor: Some(&run.created_by),
                    action,
                    target: Some(&run.session_id),
                    details: json!({"run": run.id, "total": run.total}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)
            })
        })
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(id)
}

/// Starts issuing every Confirmation of Entry the confirmation page announces for session
/// `session_id` of `tenant` (see [`plan_session_coes`]); returns the run's id. While a run of the
/// session is under way, that run is returned instead of a second one.
pub async fn start_coe_issue(
    state: &AppState,
    tenant: &Tenant,
    session_id: &str,
    actor: String,
) -> Result<String, AppError> {
    let (tid, sid) = (tenant.id, session_id.to_owned());
    let running = state.db.call(move |c| repo::under_way(c, tid, &sid, BulkKind::CoeIssue.code())).await?;
    if let Some(run) = running {
        return Ok(run.id);
    }
    let plan = plan_session_coes(state, tenant, session_id).await?;
    let ids: Vec<&str> = plan.to_issue.iter().map(|c| c.entry.as_str()).collect();
    let report = RunReport {
        already_issued: plan.already_issued,
        not_confirmed: plan.not_confirmed,
        without_email: plan.without_email.clone(),
        ..RunReport::default()
    };
    let mut run = new_run(tenant, session_id, BulkKind::CoeIssue, &actor, state.clock.now());
    run.input = serde_json::to_string(&ids).map_err(AppError::internal)?;
    run.total = ids.len() as i32;
    run.report = serde_json::to_string(&report).map_err(AppError::internal)?;
    store_and_queue(state, tenant.id, run, "session.coe_bulk_started").await
}

/// Starts importing a results file for session `session_id` of `tenant`; returns the run's id, or
/// the file's faults when it cannot be read as text at all (nothing stored).
pub async fn start_results_import(
    state: &AppState,
    tenant: &Tenant,
    session_id: &str,
    file_name: Option<String>,
    file: &[u8],
    actor: String,
) -> Result<Result<String, RefusedFile>, AppError> {
    let (tid, sid) = (tenant.id, session_id.to_owned());
    let session = state.db.call(move |c| centre::session(c, tid, &sid)).await?;
    let exam = tessera_domain::exams::by_code(&session.exam_code).ok_or_else(AppError::not_found)?;
    let Ok(text) = String::from_utf8(file.to_vec()) else {
        // Not text: the checks say so, line by line, as they would in the job.
        return Ok(Err(parse_results_csv(file, &exam.result_scale(), &mut |_| {}).err().unwrap_or_default()));
    };
    let lines = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes()).records().count();
    let mut run = new_run(tenant, session_id, BulkKind::ResultsImport, &actor, state.clock.now());
    run.file_name = file_name.map(|n| n.chars().filter(|c| !c.is_control()).take(200).collect());
    run.input = text;
    run.total = lines as i32;
    Ok(Ok(store_and_queue(state, tenant.id, run, "results.import_started").await?))
}

/// Run `id` of `tenant` as its page shows it, in `locale` (not found for another tenant's).
pub async fn bulk_run(state: &AppState, tenant: TenantId, id: &str, locale: Locale) -> Result<BulkRunView, AppError> {
    let id = id.to_owned();
    let run = state.db.call(move |c| repo::shown(c, tenant, &id)).await?;
    Ok(BulkRunView::new(run, locale))
}

/// A session's five latest runs, newest first (the session page links each one's report).
pub async fn session_runs(
    state: &AppState,
    tenant: TenantId,
    session_id: &str,
    locale: Locale,
) -> Result<Vec<BulkRunView>, AppError> {
    let sid = session_id.to_owned();
    let runs = state.db.call(move |c| repo::for_session(c, tenant, &sid, 5)).await?;
    Ok(runs.into_iter().map(|r| BulkRunView::new(r, locale)).collect())
}

/// Advances run `id` of `tenant` to its end (the job worker calls this). A refusal ends the run
/// with its report; a fault of the machine (the database gone) is returned, and the job is tried
/// again later from where the run got to.
pub async fn advance_bulk_run(state: &Arc<AppState>, tenant: TenantId, id: &str) -> Result<(), AppError> {
    let id_owned = id.to_owned();
    let (run, t) = state
        .db
        .call(move |c| Ok((repo::get(c, tenant, &id_owned)?, tessera_storage::repo::tenants::by_id(c, tenant)?)))
        .await?;
    if !repo::UNDER_WAY.contains(&run.status.as_str()) {
        return Ok(());
    }
    match BulkKind::from_code(&run.kind) {
        Some(BulkKind::CoeIssue) => advance_coe_issue(state, &t, run).await,
        Some(BulkKind::ResultsImport) => advance_import(state, &t, run).await,
        None => Err(AppError::internal(format!("a bulk run of an unknown kind `{}`", run.kind))),
    }
}

/// Ends run `id` of `tenant` as failed, its report as far as it got: its job gave up after its
/// last attempt (the job worker calls this). A run already ended is left as it is.
pub async fn give_up_bulk_run(state: &AppState, tenant: TenantId, id: &str) -> Result<(), AppError> {
    let (id, now) = (id.to_owned(), state.clock.now());
    state
        .db
        .call(move |c| {
            let run = repo::shown(c, tenant, &id)?;
            if !repo::UNDER_WAY.contains(&run.status.as_str()) {
                return Ok(());
            }
            let report: serde_json::Value = serde_json::from_str(&run.report).unwrap_or_else(|_| json!({}));
            repo::record(c, tenant, &id, "failed", run.processed, &report, Some(now))
        })
        .await?;
    Ok(())
}

async fn record(
    state: &AppState,
    tid: TenantId,
    run: &BulkRun,
    status: &str,
    processed: usize,
    report: &RunReport,
    end: bool,
) -> Result<(), AppError> {
    let (id, status, now) = (run.id.clone(), status.to_owned(), state.clock.now());
    let report = serde_json::to_value(report).map_err(AppError::internal)?;
    let processed = processed as i32;
    state.db.call(move |c| repo::record(c, tid, &id, &status, processed, &report, end.then_some(now))).await?;
    Ok(())
}

async fn advance_coe_issue(state: &Arc<AppState>, tenant: &Tenant, run: BulkRun) -> Result<(), AppError> {
    let ids: Vec<String> = serde_json::from_str(&run.input).map_err(AppError::internal)?;
    let mut report: RunReport = serde_json::from_str(&run.report).unwrap_or_default();
    let mut done = (run.processed.max(0) as usize).min(ids.len());
    record(state, tenant.id, &run, "running", done, &report, false).await?;
    let width = coe_width();
    while done < ids.len() {
        let chunk = &ids[done..(done + width).min(ids.len())];
        let (tid, sid) = (tenant.id, run.session_id.clone());
        let targets: BTreeMap<String, workflows::CoeTarget> = state
            .db
            .call(move |c| workflows::coe_targets(c, tid, &sid))
            .await?
            .into_iter()
            .map(|t| (t.entry_id.clone(), t))
            .collect();
        let mut to_issue = Vec::new();
        for entry_id in chunk {
            let Some(target) = targets.get(entry_id) else {
                // Gone from the session since the run began: nothing to issue.
                continue;
            };
            if let Some(at) = target.coe_issued_at {
                // Issued since the run began (by this run before a restart, or by hand): the
                // candidate keeps the secret number they have.
                if at >= run.created_at {
                    report.issued += 1;
                } else {
                    report.already_issued += 1;
                }
                continue;
            }
            to_issue.push(CoeCandidate {
                entry: entry_id.clone(),
                candidate_number: target.candidate_number.clone(),
                name: format!("{} {}", target.first_name, target.family_name),
            });
        }
        let mut machine_fault = None;
        for (who, issued) in issue_together(state, tenant, &run.created_by, to_issue).await {
            match issued {
                Ok(_) => report.issued += 1,
                Err(e) if e.status.is_server_error() => machine_fault = Some(e),
                Err(e) => report.faults.push(RunFault {
                    entry: Some(who.entry),
                    candidate_number: Some(who.candidate_number),
                    name: Some(who.name),
                    ..RunFault::of(&e.error)
                }),
            }
        }
        if let Some(e) = machine_fault {
            // Tried again by the job: the CoEs issued in this chunk are counted then.
            return Err(e);
        }
        done += chunk.len();
        record(state, tenant.id, &run, "running", done, &report, false).await?;
    }
    record(state, tenant.id, &run, "done", done, &report, true).await?;
    audit_event(
        state,
        tenant.id,
        Some(run.created_by.clone()),
        "session.coe_bulk",
        Some(run.session_id.clone()),
        json!({"run": run.id, "issued": report.issued, "already_issued": report.already_issued, "not_confirmed": report.not_confirmed, "without_email": report.without_email.len(), "refused": report.faults.len()}),
    )
    .await
}

async fn advance_import(state: &Arc<AppState>, tenant: &Tenant, run: BulkRun) -> Result<(), AppError> {
    let (tid, sid) = (tenant.id, run.session_id.clone());
    let session = state.db.call(move |c| centre::session(c, tid, &sid)).await?;
    let exam = tessera_domain::exams::by_code(&session.exam_code).ok_or_else(AppError::not_found)?;
    let scale = exam.result_scale();
    record(state, tenant.id, &run, "running", 0, &RunReport::default(), false).await?;
    // The checks, with the count of lines checked recorded as they go.
    let (db, tid, id) = (state.db.clone(), tenant.id, run.id.clone());
    let input = run.input.clone();
    let parsed = tokio::task::spawn_blocking(move || {
        let mut conn = db.conn()?;
        let empty = json!({});
        let mut progress = |line: usize| {
            // A progress record that cannot be written costs nothing but the bar's accuracy.
            if let Err(e) = repo::record(&mut conn, tid, &id, "running", line as i32, &empty, None) {
                tracing::warn!(error = %e, "cannot record an import's progress");
            }
        };
        Ok::<_, tessera_storage::StorageError>(parse_results_csv(input.as_bytes(), &scale, &mut progress))
    })
    .await
    .map_err(AppError::internal)??;
    let total = run.total.max(0) as usize;
    let refused = |refused: RefusedFile| RunReport {
        faults: refused
            .errors
            .iter()
            .map(|e| RunFault { line: Some(e.line), column: e.column.clone(), ..RunFault::of(e.error()) })
            .collect(),
        more: refused.more,
        ..RunReport::default()
    };
    let rows = match parsed {
        Ok(rows) => rows,
        Err(file) => {
            let report = refused(file);
            record(state, tenant.id, &run, "refused", total, &report, true).await?;
            return audit_import(state, tenant, &run, 0, report.faults.len() + report.more).await;
        }
    };
    record(state, tenant.id, &run, "storing", total, &RunReport::default(), false).await?;
    match super::store_results(state, tenant, &session.id, rows, run.created_by.clone()).await? {
        Ok(n) => {
            let report = RunReport { imported: n, ..RunReport::default() };
            record(state, tenant.id, &run, "done", total, &report, true).await?;
            audit_import(state, tenant, &run, n, 0).await
        }
        Err(file) => {
            let report = refused(file);
            record(state, tenant.id, &run, "refused", total, &report, true).await?;
            audit_import(state, tenant, &run, 0, report.faults.len() + report.more).await
        }
    }
}

async fn audit_import(
    state: &AppState,
    tenant: &Tenant,
    run: &BulkRun,
    rows: usize,
    refused: usize,
) -> Result<(), AppError> {
    let action = if refused == 0 { "results.import" } else { "results.import_refused" };
    let details = json!({"run": run.id, "rows": rows, "refused_lines": refused});
    audit_event(state, tenant.id, Some(run.created_by.clone()), action, Some(run.session_id.clone()), details).await
}
