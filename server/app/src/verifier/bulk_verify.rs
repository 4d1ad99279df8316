//! Bulk verification (R-BULK-VERIFY): an organisation uploads a list (CSV or XLSX) of Statement of
//! Results numbers and dates of birth, optionally names, and gets a verdict per row.
//!
//! The whole file is checked before anything is stored: a bad file is refused with every bad
//! row and column named, and nothing is verified. A good one is stored with its job in one
//! transaction (counted against the organisation's daily row quota, apart from the Candidate
//! Search throttle); the job worker then processes it in chunks, each chunk's verdicts and audit
//! records in one transaction, so a restart resumes at the first row without a verdict.

use super::Verifier;
use crate::centre::RefusedFile;
use crate::datafile;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use tessera_domain::verification::{
    BULK_VERIFY_MAX_ROWS, BulkVerdict, r_bulk_verify_name_matches, r_bulk_verify_quota, r_bulk_verify_verdict,
};
use tessera_domain::{DomainError, ErrorCode, Locale, TenantId};
use tessera_storage::repo::bulk_verify::{self as repo, BulkVerification, NewRow, VerificationRow};
use tessera_storage::repo::{audit, jobs};
use tessera_storage::{DbConnection, StorageResult};
use utoipa::ToSchema;

/// The job kind that processes a bulk verification.
pub const BULK_VERIFY_JOB: &str = "bulk_verify";

/// Rows processed per transaction.
pub const CHUNK: usize = 500;

/// The columns of a list: the Statement of Results number and the date of birth are required,
/// the name is optional. Headers are matched ignoring case, spaces, dashes and underscores.
pub const COLUMNS: [&str; 3] = ["sor_number", "date_of_birth", "name"];

fn header_key(h: &str) -> String {
    h.trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Which column a header names, if any: `sor_number` (also `sor`, `Statement of Results
/// number`), `date_of_birth` (also `dob`, `birth date`) or `name`.
fn column_of(header: &str) -> Option<&'static str> {
    match header_key(header).as_str() {
        "sornumber" | "sor" | "statementofresultsnumber" | "sorno" => Some("sor_number"),
        "dateofbirth" | "dob" | "birthdate" => Some("date_of_birth"),
        "name" | "candidatename" | "fullname" => Some("name"),
        _ => None,
    }
}

/// A cell as read from either file type.
enum Cell {
    Text(String),
    Date(NaiveDate),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

/// Rows of the file as (line number, cells), the header line first; or why it cannot be read.
type Sheet = Vec<(usize, Vec<Cell>)>;

fn read_xlsx(bytes: &[u8]) -> Result<Sheet, DomainError> {
    use calamine::{Data, DataType, Reader};
    let unreadable = || DomainError::new(ErrorCode::BulkFileUnreadable).on("file");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|_| unreadable())?;
    let range = book.worksheet_range_at(0).ok_or_else(unreadable)?.map_err(|_| unreadable())?;
    let first = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells: Vec<Cell> = (0..first_col).map(|_| Cell::Text(String::new())).collect();
            cells.extend(row.iter().map(|c| match c {
                Data::DateTime(_) | Data::DateTimeIso(_) => {
                    c.as_datetime().map_or_else(|| Cell::Text(c.to_string()), |d| Cell::Date(d.date()))
                }
                Data::Empty => Cell::Text(String::new()),
                other => Cell::Text(other.to_string()),
            }));
            (first + i + 1, cells)
        })
        .collect())
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, RefusedFile> {
    let mut refused = RefusedFile::default();
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)).map_err(|_| {
        refused.push(1, DomainError::new(ErrorCode::BulkFileUnreadable).on("file"));
        refused.clone()
    })?;
    // Spreadsheets in much of Europe save CSV with semicolons.
    let head = text.lines().next().unwrap_or("");
    let delimiter = if head.matches(';').count() > head.matches(',').count() { b';' } else { b',' };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    // The file's line of the record the reader reads next from byte `at`: blank lines count, as
    // an editor shows them (the reader skips them).
    let bytes = text.as_bytes();
    let line_at = |at: u64| {
        let mut at = (at as usize).min(bytes.len());
        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
            at += 1;
        }
        1 + bytes[..at].iter().filter(|b| **b == b'\n').count()
    };
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = line_at(reader.position().byte());
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => out.push((line, record.iter().map(|c| Cell::Text(c.to_owned())).collect())),
            Err(e) => {
                refused.push(line, DomainError::new(ErrorCode::ResultsLineUnreadable));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    break;
                }
            }
        }
    }
    if refused.total() > 0 { Err(refused) } else { Ok(out) }
}

/// Whether an upload is an XLSX workbook (a zip) rather than CSV text.
pub fn is_xlsx(file_name: &str, bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || file_name.to_ascii_lowercase().ends_with(".xlsx")
}

/// Checks a whole list: the header names the required columns, every row has a Statement of
/// Results number (at most 64 characters), a date of birth (`YYYY-MM-DD`, or a date cell) and at
/// most a 200-character name; at most [`BULK_VERIFY_MAX_ROWS`] rows. Every bad row is reported
/// with its line and column; blank lines are skipped.
pub fn parse_list(file_name: &str, bytes: &[u8]) -> Result<Vec<NewRow>, RefusedFile> {
    let sheet = if is_xlsx(file_name, bytes) {
        read_xlsx(bytes).map_err(|e| {
            let mut r = RefusedFile::default();
            r.push(1, e);
            r
        })?
    } else {
        read_csv(bytes)?
    };
    let mut refused = RefusedFile::default();
    let mut lines = sheet.into_iter().filter(|(_, cells)| cells.iter().any(|c| !c.text().is_empty()));
    let Some((header_line, header)) = lines.next() else {
        refused.push(1, DomainError::new(ErrorCode::BulkEmpty).on("file"));
        return Err(refused);
    };
    let mut at = [None; 3];
    for (i, h) in header.iter().enumerate() {
        if let Some(col) = column_of(&h.text())
            && let Some(k) = COLUMNS.iter().position(|c| *c == col)
        {
            at[k].get_or_insert(i);
        }
    }
    for (k, col) in COLUMNS.iter().enumerate().take(2) {
        if at[k].is_none() {
            refused.push(header_line, DomainError::new(ErrorCode::ResultsColumnMissing).on(*col).arg("column", col));
        }
    }
    if refused.total() > 0 {
        return Err(refused);
    }
    let (sor_at, dob_at, name_at) = (at[0].unwrap_or(0), at[1].unwrap_or(0), at[2]);
    let mut rows = Vec::new();
    let mut count = 0usize;
    for (line, cells) in lines {
        count += 1;
        if count > BULK_VERIFY_MAX_ROWS {
            continue;
        }
        let cell = |i: usize| cells.get(i);
        let sor = cell(sor_at).map(Cell::text).unwrap_or_default();
        let mut ok = true;
        if sor.is_empty() {
            refused.push(line, DomainError::new(ErrorCode::Required).on("sor_number"));
            ok = false;
        } else if sor.chars().count() > 64 {
            refused.push(line, DomainError::new(ErrorCode::TooLong).on("sor_number").arg("max", 64));
            ok = false;
        }
        let dob = match cell(dob_at) {
            Some(Cell::Date(d)) => Some(*d),
            Some(c) if !c.text().is_empty() => {
                let t = c.text();
                let parsed = NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok();
                if parsed.is_none() {
                    refused.push(
                        line,
                        DomainError::new(ErrorCode::InvalidDate)
                            .on("date_of_birth")
                            .arg("value", tessera_domain::error::bounded(&t)),
                    );
                }
                parsed
            }
            _ => {
                refused.push(line, DomainError::new(ErrorCode::Required).on("date_of_birth"));
                None
            }
        };
        let name = name_at.and_then(cell).map(Cell::text).filter(|n| !n.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 200) {
            refused.push(line, DomainError::new(ErrorCode::TooLong).on("name").arg("max", 200));
            ok = false;
        }
        if let (true, Some(date_of_birth)) = (ok, dob) {
            rows.push(NewRow { row_no: line as i32, sor_number: sor, date_of_birth, name });
        }
    }
    if count > BULK_VERIFY_MAX_ROWS {
        refused.push(
            header_line,
            DomainError::new(ErrorCode::BulkTooManyRows)
                .on("file")
                .arg("count", count)
                .arg("max", BULK_VERIFY_MAX_ROWS),
        );
    }
    if count == 0 {
        refused.push(header_line, DomainError::new(ErrorCode::BulkEmpty).on("file"));
    }
    if refused.total() > 0 { Err(refused) } else { Ok(rows) }
}

/// A bulk verification as the page and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkVerificationView {
    /// Its id.
    pub id: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// `queued`, `running` or `done`.
    pub status: String,
    /// Rows in the list.
    pub total: i32,
    /// Rows with a verdict so far.
    pub processed: i32,
    /// Percent done (0 to 100).
    pub percent: i32,
    /// Uploaded (UTC, `YYYY-MM-DD hh:mm:ss`).
    pub created_at: String,
    /// Finished (UTC), once done.
    pub finished_at: Option<String>,
}

impl From<BulkVerification> for BulkVerificationView {
    fn from(b: BulkVerification) -> Self {
        let f = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
        let percent = if b.total == 0 { 100 } else { (b.processed as i64 * 100 / b.total as i64) as i32 };
        Self {
            id: b.id,
            file_name: b.file_name,
            status: b.status,
            total: b.total,
            processed: b.processed,
            percent,
            created_at: f(b.created_at),
            finished_at: b.finished_at.map(f),
        }
    }
}

/// Checks and stores a list, and queues its processing: `Ok(Err(refused))` for a bad file
/// (nothing stored), a 429 (`bulk_quota_exceeded`) beyond the organisation's daily rows.
pub async fn submit(
    state: &AppState,
    v: &Verifier,
    file_name: &str,
    bytes: &[u8],
) -> AppResult<Result<BulkVerificationView, RefusedFile>> {
    let rows = match parse_list(file_name, bytes) {
        Ok(rows) => rows,
        Err(refused) => return Ok(Err(refused)),
    };
    let quota = state.settings.bulk_verify_rows_per_day;
    let (tenant, actor, now) = (v.tenant, v.actor_id.clone(), state.clock.now());
    let name: String = file_name.chars().filter(|c| !c.is_control()).take(200).collect();
    let n = rows.len() as i64;
    let stored = state
        .db
        .call(move |c| {
            repo::create(c, tenant, &actor, &name, &rows, quota, now, |c, list| {
                let job = jobs::NewJob {
                    kind: BULK_VERIFY_JOB,
                    payload: serde_json::json!({"verification": list.id}),
                    idempotency_key: format!("bulk-verify:{}", list.id),
                    run_at: now,
                    max_attempts: 20,
                };
                jobs::enqueue(c, tenant, &job, now)?;
                let ev = audit::AuditEvent {
                    actor: Some(&actor),
                    action: "verifier.bulk_verify.submitted",
                    target: Some(&list.id),
                    details: serde_json::json!({"rows": list.total}),
                    request_id: None,
                };
                audit::append(c, tenant, &ev, now)
            })
        })
        .await?;
    match stored {
        Ok(list) => {
            state.jobs_wakeup.notify_one();
            Ok(Ok(list.into()))
        }
        Err(used) => {
            let left = r_bulk_verify_quota(used, n, quota).err().unwrap_or(0);
            Err(AppError::at(ErrorCode::BulkQuotaExceeded, "file").arg("rows", n).arg("left", left).arg("quota", quota))
        }
    }
}

/// The organisation's list `id` (404 for another organisation's).
pub async fn bulk_status(state: &AppState, v: &Verifier, id: &str) -> AppResult<BulkVerificationView> {
    let (tenant, id) = (v.tenant, id.to_owned());
    Ok(state.db.call(move |c| repo::get(c, tenant, &id)).await?.into())
}

/// The organisation's recent lists, newest first.
pub async fn bulk_list(state: &AppState, v: &Verifier) -> AppResult<Vec<BulkVerificationView>> {
    let tenant = v.tenant;
    Ok(state.db.call(move |c| repo::list(c, tenant, 20)).await?.into_iter().map(Into::into).collect())
}

/// Processes list `id` of `tenant` to the end, [`CHUNK`] rows per transaction (the job worker and
/// the benchmark call this). Each row is audited like a Candidate Search: in the organisation's
/// log, and in the centre's when a result matched.
pub fn process(
    conn: &mut DbConnection,
    tenant: TenantId,
    id: &str,
    now: DateTime<Utc>,
) -> StorageResult<BulkVerification> {
    let list = repo::get(conn, tenant, id)?;
    loop {
        let pending = repo::pending_rows(conn, tenant, id, CHUNK as i64)?;
        if pending.is_empty() {
            // Nothing left (a resumed job whose last chunk was written): make sure it is done.
            return repo::record_verdicts(conn, tenant, id, &[], now, |_| Ok(()));
        }
        let mut done = Vec::with_capacity(pending.len());
        let mut centres: Vec<(TenantId, String)> = Vec::new();
        for mut row in pending {
            let found = repo::match_row(conn, tenant, &row.sor_number, row.date_of_birth, now)?;
            let name_ok = found
                .as_ref()
                .is_none_or(|f| r_bulk_verify_name_matches(row.name.as_deref(), &f.first_name, &f.family_name));
            let verdict = r_bulk_verify_verdict(
                found.is_some(),
                name_ok,
                found.as_ref().is_some_and(|f| f.credential_revoked || !f.is_current),
                found.as_ref().is_some_and(|f| f.shared),
            );
            row.verdict = Some(verdict.as_str().to_owned());
            if let (BulkVerdict::Verified, Some(f)) = (verdict, &found) {
                row.candidate_name = Some(format!("{} {}", f.first_name, f.family_name));
                row.exam_code = Some(f.sheet_exam.clone());
                row.exam_date = Some(f.exam_date);
                row.centre_name = Some(f.centre_name.clone());
                row.result_status = Some(f.status.clone());
                row.overall_score = f.overall_score;
                row.grade = f.grade.clone();
                row.cefr = f.cefr.clone();
            }
            if let Some(f) = &found
                && name_ok
            {
                centres.push((f.centre_id, row.sor_number.clone()));
            }
            done.push(row);
        }
        let actor = list.actor_id.clone();
        let updated = repo::record_verdicts(conn, tenant, id, &done, now, |c| {
            for r in &done {
                // The date of birth is not written to the log: the number and the verdict suffice.
                let ev = audit::AuditEvent {
                    actor: Some(&actor),
                    action: "verifier.bulk_verify.row",
                    target: Some(&r.sor_number),
                    details: serde_json::json!({"list": id, "row": r.row_no, "verdict": r.verdict}),
                    request_id: None,
                };
                audit::append(c, tenant, &ev, now)?;
            }
            for (centre, sor) in &centres {
                let ev = audit::AuditEvent {
                    actor: None,
                    action: "result.looked_up_by_verifier",
                    target: Some(sor),
                    details: serde_json::json!({"verifier": tenant.to_string(), "bulk": true}),
                    request_id: None,
                };
                audit::append(c, *centre, &ev, now)?;
            }
            Ok(())
        })?;
        if updated.status == "done" {
            return Ok(updated);
        }
    }
}

/// The report's columns: the catalogue key of each header.
const REPORT_COLUMNS: [&str; 13] = [
    "row",
    "sor_number",
    "date_of_birth",
    "name",
    "verdict",
    "candidate_name",
    "exam",
    "exam_date",
    "centre",
    "status",
    "overall_score",
    "grade",
    "cefr",
];

fn report_cells(state: &AppState, locale: Locale, r: &VerificationRow) -> Vec<String> {
    let verdict = r.verdict.as_deref().map(|v| state.templates.text(locale, &format!("bulk_verify.verdict.{v}")));
    let d = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    vec![
        r.row_no.to_string(),
        r.sor_number.clone(),
        d(Some(r.date_of_birth)),
        r.name.clone().unwrap_or_default(),
        verdict.unwrap_or_default(),
        r.candidate_name.clone().unwrap_or_default(),
        r.exam_code.clone().unwrap_or_default(),
        d(r.exam_date),
        r.centre_name.clone().unwrap_or_default(),
        r.result_status.as_deref().map(|s| state.templates.label(locale, "result_status", s)).unwrap_or_default(),
        r.overall_score.map(|s| s.to_string()).unwrap_or_default(),
        r.grade.clone().unwrap_or_default(),
        r.cefr.clone().unwrap_or_default(),
    ]
}

/// How many rows of a finished list got each verdict, in [`BulkVerdict::ALL`] order.
pub async fn bulk_counts(state: &AppState, v: &Verifier, id: &str) -> AppResult<Vec<(BulkVerdict, usize)>> {
    let (tenant, id) = (v.tenant, id.to_owned());
    let rows = state.db.call(move |c| repo::rows(c, tenant, &id)).await?;
    Ok(BulkVerdict::ALL
        .into_iter()
        .map(|k| (k, rows.iter().filter(|r| r.verdict.as_deref() == Some(k.as_str())).count()))
        .collect())
}

/// The report of a finished list as `csv` (UTF-8 with a byte-order mark, so spreadsheets read
/// its accents) or `xlsx`, headers and verdicts in `locale`; 409 while it runs.
pub async fn bulk_report(
    state: &AppState,
    v: &Verifier,
    id: &str,
    format: &str,
    locale: Locale,
) -> AppResult<crate::bulk::File> {
    let format = datafile::Format::parse(format, "format")?;
    let (tenant, id2) = (v.tenant, id.to_owned());
    let (list, rows) = state.db.call(move |c| Ok((repo::get(c, tenant, &id2)?, repo::rows(c, tenant, &id2)?))).await?;
    if list.status != "done" {
        return Err(AppError::new(ErrorCode::BulkNotFinished)
            .arg("processed", list.processed)
            .arg("total", list.total));
    }
    let headers: Vec<String> =
        REPORT_COLUMNS.iter().map(|k| state.templates.text(locale, &format!("bulk_verify.col.{k}"))).collect();
    let stamp = list.created_at.format("%Y%m%d-%H%M%S");
    let cells: Vec<Vec<datafile::Cell>> =
        rows.iter().map(|r| report_cells(state, locale, r).into_iter().map(datafile::Cell::from).collect()).collect();
    datafile::write(format, &format!("verification-{stamp}"), &headers, &cells)
}
