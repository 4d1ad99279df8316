//! Bulk downloads (R-BULK-DOWNLOAD): ticked shared results as one zip of Statement of Results
//! PDFs, or as a data file (CSV or XLSX) from the default template (every field) or a custom
//! template (chosen fields, order and headers); every download is kept in the history and can be
//! downloaded again (rebuilt from the shares still active then).

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::verifier::{Verifier, file_safe, record, shared_sheet};
use serde::{Deserialize, Serialize};
use std::io::Write;
use tessera_domain::ErrorCode;
use tessera_storage::repo::downloads::{self, Download};
use utoipa::ToSchema;

/// Shared results per download at most.
pub const MAX_SELECTION: usize = 500;

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

/// A bulk download asked for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct BulkRequest {
    /// The ticked shared results.
    pub share_ids: Vec<String>,
    /// `pdf` (a zip of Statements of Results), `csv` or `xlsx`.
    pub format: String,
    /// A custom template for data files; the default template (every field) when absent.
    #[serde(default)]
    pub template_id: Option<String>,
}

/// Builds a bulk download and records it in the history. Returns its id and the file.
pub async fn create(state: &AppState, v: &Verifier, req: BulkRequest) -> AppResult<(String, File)> {
    let mut ids = req.share_ids.clone();
    ids.sort();
    ids.dedup();
    if ids.is_empty() || ids.len() > MAX_SELECTION {
        return Err(AppError::at(ErrorCode::SelectionSize, "share_ids").arg("min", 1).arg("max", MAX_SELECTION));
    }
    if !matches!(req.format.as_str(), "pdf" | "csv" | "xlsx") {
        return Err(AppError::at(ErrorCode::InvalidChoice, "format")
            .arg("value", &req.format)
            .arg("choices", "pdf, csv, xlsx"));
    }
    let cols = columns(state, v, req.template_id.as_deref()).await?;
    let (file, count) = build(state, v, &ids, &req.format, &cols).await?;
    if count == 0 {
        return Err(AppError::new(ErrorCode::NothingShared));
    }
    let d = Download {
        tenant_id: v.tenant.to_string(),
        id: uuid::Uuid::new_v4().to_string(),
        actor_id: v.actor_id.clone(),
        format: req.format.clone(),
        template_id: req.template_id.clone(),
        share_ids: serde_json::to_string(&ids).map_err(AppError::internal)?,
        count: count as i32,
        created_at: state.clock.now().naive_utc(),
    };
    let (id, actor, tenant, now) = (d.id.clone(), v.actor_id.clone(), v.tenant, state.clock.now());
    state
        .db
        .call(move |c| {
            downloads::record(c, &d)?;
            let ev = tessera_storage::repo::audit::AuditEvent {
                actor: Some(&actor),
                action: "verifier.bulk_download",
                target: Some(&d.id),
                details: serde_json::json!({"format": d.format, "count": d.count}),
                request_id: None,
            };
            tessera_storage::repo::audit::append(c, tenant, &ev, now)
        })
        .await?;
    Ok((id, file))
}

/// Downloads a past download again (the results still shared).
pub async fn again(state: &AppState, v: &Verifier, id: &str) -> AppResult<File> {
    let (tenant, id) = (v.tenant, id.to_owned());
    let d = state.db.call(move |c| downloads::get(c, tenant, &id)).await?;
    let ids: Vec<String> = serde_json::from_str(&d.share_ids).map_err(AppError::internal)?;
    let cols = columns(state, v, d.template_id.as_deref()).await?;
    let (file, _) = build(state, v, &ids, &d.format, &cols).await?;
    Ok(file)
}

/// A past download.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DownloadView {
    /// Id, for downloading again.
    pub id: String,
    /// `pdf`, `csv` or `xlsx`.
    pub format: String,
    /// Custom template used, if any.
    pub template_id: Option<String>,
    /// Results in the file when it was made.
    pub count: i32,
    /// Who asked (user or `api:<client id>`).
    pub actor_id: String,
    /// When (UTC, `YYYY-MM-DD hh:mm:ss`).
    pub created_at: String,
}

/// Names for a download's "by" column, by id: the organisation's users, and its API clients
/// (revoked ones too) as `api:<id>`.
pub async fn who_names(state: &AppState, v: &Verifier) -> AppResult<std::collections::HashMap<String, String>> {
    use tessera_storage::repo::{api_clients, users};
    let tid = v.tenant;
    let (people, clients) = state.db.call(move |c| Ok((users::list(c, tid)?, api_clients::list(c, tid)?))).await?;
    let mut names: std::collections::HashMap<String, String> =
        people.into_iter().map(|u| (u.id, u.display_name)).collect();
    names.extend(clients.into_iter().map(|c| (format!("api:{}", c.id), c.name)));
    Ok(names)
}

/// The organisation's download history, newest first (the latest 200).
pub async fn history(state: &AppState, v: &Verifier) -> AppResult<Vec<DownloadView>> {
    let tenant = v.tenant;
    let rows = state.db.call(move |c| downloads::history(c, tenant, 200)).await?;
    Ok(rows
        .into_iter()
        .map(|d| DownloadView {
            id: d.id,
            format: d.format,
            template_id: d.template_id,
            count: d.count,
            actor_id: d.actor_id,
            created_at: d.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        })
        .collect())
}

/// A data-file template.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TemplateView {
    /// Id (absent when creating).
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Columns in order.
    pub fields: Vec<Column>,
}

/// The name the default template goes by in the API.
pub const DEFAULT_TEMPLATE_NAME: &str = "Default (every field)";

/// The data-file templates: the default one (every field, no id) first, then the custom ones by name.
pub async fn templates(state: &AppState, v: &Verifier) -> AppResult<Vec<TemplateView>> {
    let tenant = v.tenant;
    let rows = state.db.call(move |c| downloads::templates(c, tenant)).await?;
    let mut out = vec![TemplateView { id: None, name: DEFAULT_TEMPLATE_NAME.into(), fields: default_columns() }];
    for t in rows {
        out.push(TemplateView {
            id: Some(t.id),
            name: t.name,
            fields: serde_json::from_str(&t.fields).map_err(AppError::internal)?,
        });
    }
    Ok(out)
}

/// Checks and saves a custom data-file template: chosen fields, their order and headers.
pub async fn create_template(
    state: &AppState,
    v: &Verifier,
    name: &str,
    fields: Vec<Column>,
) -> AppResult<TemplateView> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::at(ErrorCode::Length, "name").arg("min", 1).arg("max", 100));
    }
    check_columns(&fields)?;
    let json = serde_json::to_string(&fields).map_err(AppError::internal)?;
    let (tenant, actor, now, n2) = (v.tenant, v.actor_id.clone(), state.clock.now(), name.clone());
    let row = state.db.call(move |c| downloads::create_template(c, tenant, &n2, &json, &actor, now)).await?;
    Ok(TemplateView { id: Some(row.id), name, fields })
}

/// Deletes a custom data-file template of the organisation (404 for any other id).
pub async fn delete_template(state: &AppState, v: &Verifier, id: &str) -> AppResult<()> {
    let (tenant, id) = (v.tenant, id.to_owned());
    Ok(state.db.call(move |c| downloads::delete_template(c, tenant, &id)).await?)
}
