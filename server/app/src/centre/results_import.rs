//! Importing a board results file for a session (section 8).

use super::audit_event;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use serde_json::json;
use tessera_domain::{DomainError, ErrorCode, Locale};
use tessera_storage::repo::centre;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// A checked line of a results file.
pub use workflows::ImportedResult;

/// At most this many errors of a refused results file are reported; the rest are counted.
pub const MAX_LINE_ERRORS: usize = 100;

/// A fault in a results file: its line (1 is the header line), the column at fault when there is
/// one, and what is wrong (quoting at most 40 characters of a value).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LineError {
    /// The line number; 1 is the header line.
    pub line: usize,
    /// The column at fault, e.g. `grade` or `Reading`; none when the line cannot be read at all.
    pub column: Option<String>,
    /// What is wrong, as a stable code.
    #[schema(value_type = String)]
    pub code: ErrorCode,
    /// What is wrong and what was expected, in the reader's language (see [`RefusedFile::in_locale`]).
    pub message: String,
    #[serde(skip)]
    #[schema(ignore)]
    error: DomainError,
}

impl LineError {
    /// The refusal, for its message in any language.
    pub fn error(&self) -> &DomainError {
        &self.error
    }
}

/// A refused results file: its first [`MAX_LINE_ERRORS`] errors and how many more it had.
#[derive(Debug, Clone, Default)]
pub struct RefusedFile {
    /// The errors reported, in line order.
    pub errors: Vec<LineError>,
    /// The errors found beyond those reported.
    pub more: usize,
}

impl RefusedFile {
    /// Records the fault `error` on `line` (counted beyond the first [`MAX_LINE_ERRORS`]).
    pub fn push(&mut self, line: usize, error: DomainError) {
        if self.errors.len() < MAX_LINE_ERRORS {
            let column = error.field.clone();
            let (code, message) = (error.code, error.message(Locale::En));
            self.errors.push(LineError { line, column, code, message, error });
        } else {
            self.more += 1;
        }
    }

    /// The messages in `locale`.
    pub fn in_locale(mut self, locale: Locale) -> Self {
        for e in &mut self.errors {
            e.message = e.error.message(locale);
        }
        self
    }

    /// Every error found, reported or not.
    pub fn total(&self) -> usize {
        self.errors.len() + self.more
    }
}

/// Lines of a results file (line number, checked line), or the file's errors.
pub type ParsedResults = Result<Vec<(usize, ImportedResult)>, RefusedFile>;

/// The media types a results file may come as (a `.csv` file part is taken whatever its type).
pub const RESULTS_FILE_TYPES: [&str; 3] = ["text/csv", "application/csv", "text/plain"];

/// Whether a `Content-Type` (parameters such as `charset` aside) names a CSV file.
pub fn is_csv_type(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    RESULTS_FILE_TYPES.iter().any(|t| t.eq_ignore_ascii_case(essence))
}

/// 415: a results file that is not CSV (the types it may come as are named).
pub fn not_csv(content_type: Option<&str>) -> AppError {
    tracing::debug!(content_type = content_type.unwrap_or("none"), "a results file that is not CSV");
    AppError::new(ErrorCode::UnsupportedMediaType).arg("allowed", RESULTS_FILE_TYPES.join(", "))
}

/// Parses a board results file (CSV; the columns are in the manual, docs/src/centre/results.md)
/// for a session of `exam`; `progress` is told the number of lines checked every few hundred.
/// Every line is checked against the exam (DOMAIN.md section 8, R-RESULT-CODES:
/// [`tessera_domain::results::check_result_line`]); every bad line is reported with its number
/// and column, and nothing is imported unless every line is good.
pub fn parse_results_csv(
    bytes: &[u8],
    exam: &tessera_domain::results::ResultExam<'_>,
    progress: &mut dyn FnMut(usize),
) -> ParsedResults {
    use tessera_domain::error::quote;
    use tessera_domain::results::{ResultLine, check_result_line};
    let components = exam.components;
    let mut refused = RefusedFile::default();
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            tracing::debug!(error = %e, "unreadable results header");
            refused.push(1, DomainError::new(ErrorCode::ResultsHeaderUnreadable));
            return Err(refused);
        }
    };
    let required = ["candidate_number", "status", "overall_score", "grade", "cefr"];
    for r in required.into_iter().filter(|r| !headers.iter().any(|h| h == *r)) {
        refused.push(1, DomainError::new(ErrorCode::ResultsColumnMissing).on(r).arg("column", r));
    }
    for h in headers.iter().filter(|h| !required.contains(h) && !components.contains(h)) {
        // The column is named as quoted: a header cell can be as long as any other.
        let name = quote(h);
        refused.push(
            1,
            DomainError::new(ErrorCode::ResultsColumnUnknown)
                .on(name.trim_matches('`'))
                .arg("column", &name)
                .arg("components", components.join(", ")),
        );
    }
    if refused.total() > 0 {
        return Err(refused);
    }
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut rows = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if i > 0 && i % super::bulk_runs::IMPORT_PROGRESS_LINES == 0 {
            progress(i);
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(line, error = %e, "unreadable results line");
                refused.push(line, DomainError::new(ErrorCode::ResultsLineUnreadable));
                continue;
            }
        };
        let get = |name: &str| col(name).and_then(|i| record.get(i)).unwrap_or("");
        let number = get("candidate_number");
        if number.len() != 4 || !number.bytes().all(|b| b.is_ascii_digit()) {
            refused.push(
                line,
                DomainError::new(ErrorCode::ResultsCandidateNumber).on("candidate_number").arg("value", quote(number)),
            );
            continue;
        }
        if !seen.insert(number.to_owned()) {
            refused.push(
                line,
                DomainError::new(ErrorCode::ResultsCandidateTwice).on("candidate_number").arg("number", number),
            );
            continue;
        }
        let scores: Vec<(&str, &str)> = components.iter().map(|c| (*c, get(c))).collect();
        let text = ResultLine {
            status: get("status"),
            overall_score: get("overall_score"),
            grade: get("grade"),
            cefr: get("cefr"),
            components: &scores,
        };
        match check_result_line(exam, &text) {
            Ok(r) => rows.push((
                line,
                ImportedResult {
                    candidate_number: number.to_owned(),
                    status: r.status.as_str().to_owned(),
                    overall_score: r.overall_score,
                    grade: r.grade,
                    cefr: r.cefr,
                    components: r.components,
                },
            )),
            Err(errors) => {
                for e in errors {
                    refused.push(line, e);
                }
            }
        }
    }
    if rows.is_empty() && refused.total() == 0 {
        refused.push(1, DomainError::new(ErrorCode::ResultsEmpty));
    }
    if refused.total() == 0 { Ok(rows) } else { Err(refused) }
}

/// Imports a board results file for a session of `tenant`: checks every line against the exam,
/// then stores them all in one transaction, or nothing. Returns how many results were stored, or
/// the file's errors. The import is audited.
pub async fn import_results_file(
    state: &AppState,
    tenant: &Tenant,
    session_id: &str,
    file: &[u8],
    actor: String,
) -> Result<Result<usize, RefusedFile>, AppError> {
    let (tid, sid) = (tenant.id, session_id.to_owned());
    let session = state.db.call(move |c| centre::session(c, tid, &sid)).await?;
    let exam = tessera_domain::exams::by_code(&session.exam_code).ok_or_else(AppError::not_found)?;
    let rows = match parse_results_csv(file, &exam.result_scale(), &mut |_| {}) {
        Ok(rows) => rows,
        Err(refused) => return Ok(Err(refused)),
    };
    let outcome = store_results(state, tenant, &session.id, rows, actor.clone()).await?;
    if let Ok(n) = outcome {
        audit_event(state, tid, Some(actor), "results.import", Some(session.id.clone()), json!({"rows": n})).await?;
    }
    Ok(outcome)
}

/// Stores checked results lines for session `session_id` of `tenant` in one transaction: all of
/// them, or none when a line names no entry of the session (or one that gets no result).
pub(crate) async fn store_results(
    state: &AppState,
    tenant: &Tenant,
    session_id: &str,
    rows: Vec<(usize, ImportedResult)>,
    actor: String,
) -> Result<Result<usize, RefusedFile>, AppError> {
    let (tid, sid, now) = (tenant.id, session_id.to_owned(), state.clock.now());
    let prefix: String =
        tenant.slug.chars().filter(char::is_ascii_alphanumeric).take(2).collect::<String>().to_uppercase();
    let outcome = state
        .db
        .call(move |c| {
            use rand::Rng;
            // A Statement of Results number: the centre's country letters and eight random digits.
            let mut sor = || format!("{prefix}{:08}", rand::rngs::OsRng.gen_range(10_000_000..100_000_000u32));
            workflows::import_results(c, tid, &sid, &rows, &actor, now, &mut sor)
        })
        .await?;
    Ok(outcome.map_err(|unknown| {
        let mut refused = RefusedFile::default();
        for (line, error) in unknown {
            refused.push(line, error);
        }
        refused
    }))
}
