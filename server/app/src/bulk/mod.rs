//! Bulk downloads (R-BULK-DOWNLOAD): ticked shared results as one zip of Statement of Results
//! PDFs, or as a data file (CSV or XLSX) from the default template (every field) or a custom
//! template (chosen fields, order and headers); every download is kept in the history and can be
//! downloaded again (rebuilt from the shares still active then).

mod column_templates;
mod download;

pub use column_templates::*;
pub use download::*;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::verifier::{Verifier, file_safe, record, shared_sheet};
use serde::{Deserialize, Serialize};
use std::io::Write;
use tessera_domain::ErrorCode;
use tessera_storage::repo::downloads;
use utoipa::ToSchema;

/// Every field a data file can hold, with its default header: the default template.
pub const FIELDS: &[(&str, &str)] = &[
    ("first_name", "First name"),
    ("family_name", "Family name"),
    ("date_of_birth", "Date of birth"),
    ("id_number", "ID number"),
    ("email", "Email"),
    ("exam_code", "Exam code"),
    ("exam_name", "Exam"),
    ("exam_date", "Exam date"),
    ("centre_name", "Centre"),
    ("place_of_entry", "Place of entry"),
    ("sor_number", "Statement of Results number"),
    ("status", "Status"),
    ("overall_score", "Overall score"),
    ("grade", "Grade"),
    ("cefr", "CEFR level"),
    ("components", "Scores by paper"),
    ("shared_at", "Date shared"),
];

/// One column of a data file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Column {
    /// One of the available fields.
    pub field: String,
    /// The column's header.
    pub header: String,
}

/// The default template: every field, default headers.
pub fn default_columns() -> Vec<Column> {
    FIELDS.iter().map(|(f, h)| Column { field: (*f).into(), header: (*h).into() }).collect()
}

/// Checks a custom template's columns.
pub fn check_columns(cols: &[Column]) -> AppResult<()> {
    if cols.is_empty() || cols.len() > 50 {
        return Err(AppError::at(ErrorCode::SelectionSize, "fields").arg("min", 1).arg("max", 50));
    }
    for c in cols {
        if !FIELDS.iter().any(|(f, _)| *f == c.field) {
            let names: Vec<&str> = FIELDS.iter().map(|(f, _)| *f).collect();
            return Err(AppError::at(ErrorCode::InvalidChoice, "fields")
                .arg("value", &c.field)
                .arg("choices", names.join(", ")));
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

fn value(
    field: &str,
    sheet: &tessera_storage::repo::centre::ResultSheet,
    centre: &tessera_storage::repo::tenants::Tenant,
    shared_at: chrono::NaiveDateTime,
) -> String {
    let r = &sheet.result;
    let graded = r.status == "graded";
    match field {
        "first_name" => sheet.candidate.first_name.clone(),
        "family_name" => sheet.candidate.family_name.clone(),
        "date_of_birth" => sheet.candidate.date_of_birth.to_string(),
        "id_number" => sheet.candidate.id_number.clone(),
        "email" => sheet.candidate.email.clone().unwrap_or_default(),
        "exam_code" => sheet.exam.code.clone(),
        "exam_name" => sheet.exam.name.clone(),
        "exam_date" => sheet.session.written_date.to_string(),
        "centre_name" => centre.name.clone(),
        "place_of_entry" => centre.country.to_string(),
        "sor_number" => r.sor_number.clone(),
        "status" => r.status.clone(),
        "overall_score" if graded => r.overall_score.map(|s| s.to_string()).unwrap_or_default(),
        "grade" if graded => r.grade.clone().unwrap_or_default(),
        "cefr" if graded => r.cefr.clone().unwrap_or_default(),
        // R-RESULT-CODES: no component profile unless graded.
        "components" if graded => {
            sheet.components.iter().map(|c| format!("{} {}", c.component, c.score)).collect::<Vec<_>>().join("; ")
        }
        "shared_at" => shared_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => String::new(),
    }
}

/// A CSV cell: quoted when needed; a leading formula character is neutralised so a spreadsheet
/// does not run it.
fn csv_cell(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@']) { format!("'{v}") } else { v.to_owned() };
    if v.contains([',', '"', '\n', '\r']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v }
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
        "csv" => {
            let mut out = String::new();
            out.push_str(&cols.iter().map(|c| csv_cell(&c.header)).collect::<Vec<_>>().join(","));
            out.push_str("\r\n");
            for (share, sheet, centre) in &rows {
                let line: Vec<String> =
                    cols.iter().map(|c| csv_cell(&value(&c.field, sheet, centre, share.shared_at))).collect();
                out.push_str(&line.join(","));
                out.push_str("\r\n");
            }
            File {
                name: format!("results-{stamp}.csv"),
                content_type: "text/csv; charset=utf-8",
                bytes: out.into_bytes(),
            }
        }
        "xlsx" => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet_out = book.add_worksheet();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (i, c) in cols.iter().enumerate() {
                sheet_out.write_string_with_format(0, i as u16, &c.header, &bold).map_err(AppError::internal)?;
            }
            for (r, (share, sheet, centre)) in rows.iter().enumerate() {
                for (i, c) in cols.iter().enumerate() {
                    let v = value(&c.field, sheet, centre, share.shared_at);
                    sheet_out.write_string((r + 1) as u32, i as u16, &v).map_err(AppError::internal)?;
                }
            }
            let bytes = book.save_to_buffer().map_err(AppError::internal)?;
            File {
                name: format!("results-{stamp}.xlsx"),
                content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                bytes,
            }
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
        None => Ok(default_columns()),
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
