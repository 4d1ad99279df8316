//! Bulk downloads (R-BULK-DOWNLOAD): ticked shared results as one zip of Statement of Results
//! PDFs, or as a data file (CSV or XLSX) from the default template (every field) or a custom
//! template (chosen fields, order and headers); every download is kept in the history and can be
//! downloaded again (rebuilt from the shares still active then).

mod column_templates;
mod download;

pub use column_templates::*;
pub use download::*;

use crate::datafile::{self, Cell};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::verifier::{Verifier, file_safe, record, shared_sheet};
use serde::{Deserialize, Serialize};
use std::io::Write;
use tessera_domain::labels::Labelled;
use tessera_domain::results::ResultStatus;
use tessera_domain::{ErrorCode, Locale};
use tessera_storage::repo::downloads;
use utoipa::ToSchema;

/// Every field a data file can hold, in the default template's order; each one's header in the
/// reader's language is the catalogue's `verifier.fields.<field>`.
pub const FIELDS: &[&str] = &[
    "first_name",
    "family_name",
    "date_of_birth",
    "id_number",
    "email",
    "exam_code",
    "exam_name",
    "exam_date",
    "centre_name",
    "place_of_entry",
    "sor_number",
    "status",
    "overall_score",
    "grade",
    "cefr",
    "components",
    "shared_at",
];

/// One column of a data file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Column {
    /// One of the available fields.
    pub field: String,
    /// The column's header.
    pub header: String,
}

/// The default template: every field, headers in `locale`.
pub fn default_columns(state: &AppState, locale: Locale) -> Vec<Column> {
    FIELDS
        .iter()
        .map(|f| Column { field: (*f).into(), header: state.templates.text(locale, &format!("verifier.fields.{f}")) })
        .collect()
}

/// Checks a custom template's columns.
pub fn check_columns(cols: &[Column]) -> AppResult<()> {
    if cols.is_empty() || cols.len() > 50 {
        return Err(AppError::at(ErrorCode::SelectionSize, "fields").arg("min", 1).arg("max", 50));
    }
    for c in cols {
        if !FIELDS.contains(&c.field.as_str()) {
            return Err(AppError::at(ErrorCode::InvalidChoice, "fields")
                .arg("value", &c.field)
                .arg("choices", FIELDS.join(", ")));
        }
        if c.header.trim().is_empty() || c.header.chars().count() > 100 {
            return Err(AppError::at(ErrorCode::Length, "fields").arg("min", 1).arg("max", 100));
        }
    }
    Ok(())
}

/// A file to send.
pub struct File {
    /// Suggested file name.
    pub name: String,
    /// MIME type.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// The cell of `field` for one shared result, in the reader's language and time zone: statuses
/// in words, scores as numbers, the sharing instant in the organisation's zone.
fn value(
    state: &AppState,
    v: &Verifier,
    field: &str,
    sheet: &tessera_storage::repo::centre::ResultSheet,
    centre: &tessera_storage::repo::tenants::Tenant,
    shared_at: chrono::NaiveDateTime,
) -> Cell {
    let r = &sheet.result;
    let graded = r.status == ResultStatus::Graded.code();
    let text = |s: &str| Cell::Text(s.to_owned());
    match field {
        "first_name" => text(&sheet.candidate.first_name),
        "family_name" => text(&sheet.candidate.family_name),
        "date_of_birth" => Cell::Text(sheet.candidate.date_of_birth.to_string()),
        "id_number" => text(&sheet.candidate.id_number),
        "email" => text(sheet.candidate.email.as_deref().unwrap_or_default()),
        "exam_code" => text(&sheet.exam.code),
        "exam_name" => text(&sheet.exam.name),
        "exam_date" => Cell::Text(sheet.session.written_date.to_string()),
        "centre_name" => text(&centre.name),
        "place_of_entry" => Cell::Text(centre.country.to_string()),
        "sor_number" => text(&r.sor_number),
        "status" => Cell::Text(state.templates.label(v.locale, "result_status", &r.status)),
        "overall_score" if graded => r.overall_score.map_or(Cell::Text(String::new()), |s| Cell::Number(f64::from(s))),
        "grade" if graded => text(r.grade.as_deref().unwrap_or_default()),
        "cefr" if graded => text(r.cefr.as_deref().unwrap_or_default()),
        // R-RESULT-CODES: no component profile unless graded.
        "components" if graded => Cell::Text(
            sheet.components.iter().map(|c| format!("{} {}", c.component, c.score)).collect::<Vec<_>>().join("; "),
        ),
        "shared_at" => Cell::Text(shared_at.and_utc().with_timezone(&v.timezone).format("%Y-%m-%d %H:%M").to_string()),
        _ => Cell::Text(String::new()),
    }
}

/// Builds the file for `share_ids` (those no longer shared are left out) and records a download
/// event for each result in it. Returns the file and how many results it holds.
async fn build(
    state: &AppState,
    v: &Verifier,
    share_ids: &[String],
    format: &str,
    cols: &[Column],
) -> AppResult<(File, usize)> {
    let mut rows = Vec::new();
    for id in share_ids {
        match shared_sheet(state, v, id).await {
            Ok(x) => rows.push(x),
            Err(e) if e.status == http::StatusCode::NOT_FOUND => continue,
            Err(e) => return Err(e),
        }
    }
    let stamp = state.clock.now().format("%Y%m%d-%H%M%S");
    let file = match format {
        "pdf" => {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            for (share, sheet, centre) in &rows {
                let pdf =
                    crate::documents::statement_of_results(state, centre.id, share.entry_id.clone(), v.locale).await?;
                let name = format!("statement-of-results-{}.pdf", file_safe(&sheet.result.sor_number));
                zip.start_file(name, opts).map_err(AppError::internal)?;
                zip.write_all(&pdf).map_err(AppError::internal)?;
            }
            let bytes = zip.finish().map_err(AppError::internal)?.into_inner();
            File { name: format!("statements-{stamp}.zip"), content_type: "application/zip", bytes }
        }
        "csv" | "xlsx" => {
            let headers: Vec<String> = cols.iter().map(|c| c.header.clone()).collect();
            let cells: Vec<Vec<Cell>> = rows
                .iter()
                .map(|(share, sheet, centre)| {
                    cols.iter().map(|c| value(state, v, &c.field, sheet, centre, share.shared_at)).collect()
                })
                .collect();
            let format = datafile::Format::parse(format, "format")?;
            datafile::write(format, &format!("results-{stamp}"), &headers, &cells)?
        }
        other => {
            return Err(AppError::at(ErrorCode::InvalidChoice, "format")
                .arg("value", other)
                .arg("choices", "pdf, csv, xlsx"));
        }
    };
    for (share, _, _) in &rows {
        record(state, v, &share.id, "download").await?;
    }
    Ok((file, rows.len()))
}

async fn columns(state: &AppState, v: &Verifier, template_id: Option<&str>) -> AppResult<Vec<Column>> {
    match template_id {
        None => Ok(default_columns(state, v.locale)),
        Some(id) => {
            let (tenant, id) = (v.tenant, id.to_owned());
            let t = state.db.call(move |c| downloads::template(c, tenant, &id)).await.map_err(|e| match e {
                tessera_storage::StorageError::NotFound => AppError::at(ErrorCode::TemplateNotFound, "template_id"),
                other => other.into(),
            })?;
            serde_json::from_str(&t.fields).map_err(AppError::internal)
        }
    }
}
