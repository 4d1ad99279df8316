//! Data files people open in a spreadsheet: XLSX, or CSV as UTF-8 with a byte-order mark (without
//! it Excel on Windows reads the accents of "Łukaszewicz" as another code page). Headers and
//! values arrive already in the reader's language; this module only lays them out.

use crate::bulk::File;
use crate::error::{AppError, AppResult};
use tessera_domain::ErrorCode;

/// The MIME type of an XLSX workbook.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A data file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSV, UTF-8 with a byte-order mark, CRLF line ends.
    Csv,
    /// An Excel workbook of one sheet, the header row bold and frozen.
    Xlsx,
}

impl Format {
    /// The format named `name` (`csv` or `xlsx`), refused by name otherwise.
    pub fn parse(name: &str, field: &'static str) -> AppResult<Self> {
        match name {
            "csv" => Ok(Self::Csv),
            "xlsx" => Ok(Self::Xlsx),
            other => Err(AppError::at(ErrorCode::InvalidChoice, field).arg("value", other).arg("choices", "xlsx, csv")),
        }
    }
}

/// One cell: text, or a number a spreadsheet can sum.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, shown as it is.
    Text(String),
    /// A number.
    Number(f64),
}

impl Cell {
    fn as_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

/// Text a spreadsheet would take for a formula (`=`, `+`, `-`, `@` first) gets a leading
/// apostrophe, so a name such as `=HYPERLINK(...)` is shown and never run.
fn neutral(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() }
}

/// Lays `headers` and `rows` out as a file named `<stem>.<csv|xlsx>`.
pub fn write(format: Format, stem: &str, headers: &[String], rows: &[Vec<Cell>]) -> AppResult<File> {
    match format {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
            w.write_record(headers.iter().map(|h| neutral(h))).map_err(AppError::internal)?;
            for row in rows {
                w.write_record(row.iter().map(|c| neutral(&c.as_text()))).map_err(AppError::internal)?;
            }
            let mut bytes = b"\xef\xbb\xbf".to_vec();
            bytes.extend(w.into_inner().map_err(AppError::internal)?);
            Ok(File { name: format!("{stem}.csv"), content_type: "text/csv; charset=utf-8", bytes })
        }
        Format::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book.add_worksheet();
            let bold = rust_xlsxwriter::Format::new().set_bold();
            for (i, h) in headers.iter().enumerate() {
                sheet.write_string_with_format(0, col(i)?, h, &bold).map_err(AppError::internal)?;
            }
            for (r, row) in rows.iter().enumerate() {
                let r = u32::try_from(r + 1).map_err(AppError::internal)?;
                for (i, c) in row.iter().enumerate() {
                    match c {
                        Cell::Text(s) => sheet.write_string(r, col(i)?, s),
                        Cell::Number(n) => sheet.write_number(r, col(i)?, *n),
                    }
                    .map_err(AppError::internal)?;
                }
            }
            sheet.set_freeze_panes(1, 0).map_err(AppError::internal)?;
            sheet.autofit();
            let bytes = book.save_to_buffer().map_err(AppError::internal)?;
            Ok(File { name: format!("{stem}.xlsx"), content_type: XLSX_TYPE, bytes })
        }
    }
}

fn col(i: usize) -> AppResult<u16> {
    u16::try_from(i).map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_starts_with_a_byte_order_mark_and_neutralises_formulas() {
        let rows = vec![vec![Cell::Text("=1+1".into()), Cell::Number(172.0), Cell::Text("Łukaszewicz, A".into())]];
        let f = write(Format::Csv, "x", &["Nazwisko".into(), "Wynik".into(), "Imię".into()], &rows).unwrap();
        assert_eq!(f.name, "x.csv");
        let text = String::from_utf8(f.bytes).unwrap();
        assert_eq!(text, "\u{feff}Nazwisko,Wynik,Imię\r\n'=1+1,172,\"Łukaszewicz, A\"\r\n");
    }

    #[test]
    fn xlsx_is_a_zip_and_unknown_formats_are_refused() {
        let f = write(Format::Xlsx, "x", &["A".into()], &[vec![Cell::Number(1.0)]]).unwrap();
        assert!(f.bytes.starts_with(b"PK\x03\x04"));
        assert_eq!(f.content_type, XLSX_TYPE);
        assert!(Format::parse("ods", "format").is_err());
    }
}
