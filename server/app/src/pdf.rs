//! Documents as PDF: a minijinja template renders a small line-based layout language, and this
//! module typesets it with krilla in DejaVu Sans (embedded and subset, so Polish and Hungarian
//! letters print as they are).
//!
//! The layout language, one instruction per line:
//! - `# text` a title, `## text` a section heading;
//! - `label | value` a row of two columns;
//! - `---` a horizontal rule, an empty line a small gap;
//! - `!! text` text in bold; anything else a paragraph, wrapped to the page width.

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::{Data, Document};
use std::sync::OnceLock;

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");

fn fonts() -> &'static (Font, Font) {
    static FONTS: OnceLock<(Font, Font)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let regular = Font::new(Data::from(REGULAR), 0).expect("embedded DejaVu Sans parses");
        let bold = Font::new(Data::from(BOLD), 0).expect("embedded DejaVu Sans Bold parses");
        (regular, bold)
    })
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const LABEL_W: f32 = 170.0;

/// A PDF could not be produced.
#[derive(Debug, thiserror::Error)]
#[error("cannot produce the PDF: {0}")]
pub struct PdfError(String);

enum Block<'a> {
    Title(&'a str),
    Heading(&'a str),
    Row(&'a str, &'a str),
    Rule,
    Gap,
    Bold(&'a str),
    Text(&'a str),
}

fn parse(src: &str) -> Vec<Block<'_>> {
    src.lines()
        .map(|line| {
            let l = line.trim();
            if l.is_empty() {
                Block::Gap
            } else if l == "---" {
                Block::Rule
            } else if let Some(t) = l.strip_prefix("## ") {
                Block::Heading(t)
            } else if let Some(t) = l.strip_prefix("# ") {
                Block::Title(t)
            } else if let Some(t) = l.strip_prefix("!! ") {
                Block::Bold(t)
            } else if let Some((a, b)) = l.split_once(" | ") {
                Block::Row(a.trim(), b.trim())
            } else {
                Block::Text(l)
            }
        })
        .collect()
}

/// Wraps `text` into lines of at most `width` points at `size` (DejaVu Sans averages about
/// 0.55 em per character; words are never split).
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let per_line = ((width / (size * 0.55)) as usize).max(10);
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > per_line {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// One line of text placed on a page.
struct Line {
    x: f32,
    y: f32,
    bold: bool,
    size: f32,
    text: String,
}

/// What one page holds: its lines and the y positions of its rules.
#[derive(Default)]
struct PageContent {
    lines: Vec<Line>,
    rules: Vec<f32>,
}

struct Cursor<'d> {
    doc: &'d mut Document,
    page: PageContent,
    y: f32,
    pages: Vec<PageContent>,
}

impl Cursor<'_> {
    fn need(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN {
            self.pages.push(std::mem::take(&mut self.page));
            self.y = MARGIN;
        }
    }

    fn line(&mut self, x: f32, size: f32, bold: bool, text: String) {
        self.page.lines.push(Line { x, y: self.y + size, bold, size, text });
    }
}

fn draw_page(surface: &mut Surface<'_>, content: &PageContent) {
    let (regular, bold) = fonts();
    for l in &content.lines {
        let font = if l.bold { bold.clone() } else { regular.clone() };
        surface.draw_text(Point::from_xy(l.x, l.y), font, l.size, &l.text, false, TextDirection::Auto);
    }
    for y in &content.rules {
        let mut pb = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(MARGIN, *y, PAGE_W - 2.0 * MARGIN, 0.8) {
            pb.push_rect(rect);
        }
        if let Some(path) = pb.finish() {
            surface.draw_path(&path);
        }
    }
}

/// What makes a document verifiable (R-CREDENTIAL): a QR code of the verification link, drawn
/// at the top right of the first page with its caption, and the credential itself embedded as a
/// file attachment.
pub struct Seal {
    /// The verification link the QR code holds.
    pub link: String,
    /// Printed under the QR code (e.g. "Scan to verify").
    pub caption: String,
    /// The attachment's file name.
    pub attachment_name: String,
    /// The attachment (the signed credential, JSON).
    pub attachment: Vec<u8>,
}

/// Side of the QR code, in points.
const QR_SIZE: f32 = 96.0;

fn draw_qr(surface: &mut Surface<'_>, link: &str, caption: &str) -> Result<(), PdfError> {
    let code = qrcode::QrCode::with_error_correction_level(link.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| PdfError(format!("QR code: {e}")))?;
    let n = code.width();
    // Four modules of quiet zone on every side, as decoders expect.
    let module = QR_SIZE / (n + 8) as f32;
    let (x0, y0) = (PAGE_W - MARGIN - QR_SIZE, MARGIN - 24.0);
    let mut pb = PathBuilder::new();
    for (i, color) in code.to_colors().iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = ((i % n) as f32, (i / n) as f32);
            if let Some(r) = Rect::from_xywh(x0 + (x + 4.0) * module, y0 + (y + 4.0) * module, module, module) {
                pb.push_rect(r);
            }
        }
    }
    if let Some(path) = pb.finish() {
        surface.draw_path(&path);
    }
    let (regular, _) = fonts();
    let size = 6.5;
    for (i, line) in wrap(caption, size, QR_SIZE + 20.0).iter().enumerate() {
        surface.draw_text(
            Point::from_xy(x0, y0 + QR_SIZE + 4.0 + (i as f32 + 1.0) * 8.0),
            regular.clone(),
            size,
            line,
            false,
            TextDirection::Auto,
        );
    }
    Ok(())
}

/// Typesets a document written in the layout language above into an A4 PDF.
pub fn typeset(src: &str, title: &str) -> Result<Vec<u8>, PdfError> {
    typeset_sealed(src, title, None)
}

/// [`typeset`], with a [`Seal`] when the document is a credential's.
pub fn typeset_sealed(src: &str, title: &str, seal: Option<&Seal>) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::new();
    if let Some(seal) = seal {
        let file = krilla::embed::EmbeddedFile {
            path: seal.attachment_name.clone(),
            mime_type: krilla::embed::MimeType::new("application/json"),
            description: Some("W3C Verifiable Credential (Open Badges 3.0), eddsa-rdfc-2022".to_owned()),
            association_kind: krilla::embed::AssociationKind::Alternative,
            data: Data::from(seal.attachment.clone()),
            modification_date: None,
            compress: Some(true),
            location: None,
        };
        doc.embed_file(file).ok_or_else(|| PdfError("the credential cannot be attached".into()))?;
    }
    doc.set_metadata(krilla::metadata::Metadata::new().title(title.to_owned()).creator("Tessera".to_owned()));
    let width = PAGE_W - 2.0 * MARGIN;
    let mut c = Cursor { doc: &mut doc, page: PageContent::default(), y: MARGIN, pages: vec![] };
    for block in parse(src) {
        match block {
            Block::Title(t) => {
                for l in wrap(t, 18.0, width) {
                    c.need(26.0);
                    c.line(MARGIN, 18.0, true, l);
                    c.y += 26.0;
                }
                c.y += 4.0;
            }
            Block::Heading(t) => {
                c.need(30.0);
                c.y += 8.0;
                c.line(MARGIN, 12.5, true, t.to_owned());
                c.y += 20.0;
            }
            Block::Row(a, b) => {
                let values = wrap(b, 10.0, width - LABEL_W);
                let labels = wrap(a, 10.0, LABEL_W - 8.0);
                let n = values.len().max(labels.len()).max(1);
                c.need(15.0 * n as f32);
                for i in 0..n {
                    if let Some(l) = labels.get(i) {
                        c.line(MARGIN, 10.0, false, l.clone());
                    }
                    if let Some(v) = values.get(i) {
                        c.line(MARGIN + LABEL_W, 10.0, true, v.clone());
                    }
                    c.y += 15.0;
                }
            }
            Block::Rule => {
                c.need(12.0);
                c.y += 4.0;
                let y = c.y;
                c.page.rules.push(y);
                c.y += 8.0;
            }
            Block::Gap => c.y += 7.0,
            Block::Bold(t) | Block::Text(t) => {
                let bold = matches!(block, Block::Bold(_));
                for l in wrap(t, 10.0, width) {
                    c.need(14.0);
                    c.line(MARGIN, 10.0, bold, l);
                    c.y += 14.0;
                }
            }
        }
    }
    let mut pages = std::mem::take(&mut c.pages);
    pages.push(std::mem::take(&mut c.page));
    let settings = || PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid page size");
    for (n, content) in pages.iter().enumerate() {
        let mut page = c.doc.start_page_with(settings());
        let mut surface = page.surface();
        draw_page(&mut surface, content);
        if let Some(seal) = seal.filter(|_| n == 0) {
            draw_qr(&mut surface, &seal.link, &seal.caption)?;
        }
        surface.finish();
        page.finish();
    }
    doc.finish().map_err(|e| PdfError(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typesets_polish_and_hungarian_names_across_pages() {
        let mut src =
            String::from("# Statement of Results\n## Candidate\nName | Łukasz Żółkiewski\nName | Győző Szőke\n---\n");
        for i in 0..120 {
            src.push_str(&format!("Row {i} | value {i}\n"));
        }
        let pdf = typeset(&src, "Statement of Results").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.matches("/Type /Page").count() >= 2 || text.contains("/Count 2") || text.contains("/Count 3"),
            "several pages"
        );
    }

    #[test]
    fn a_sealed_document_carries_its_qr_code_and_attachment() {
        let seal = Seal {
            link: "https://results.example/verify/0b6f3c1e-4d2a-4a57-9f0e-2f1d5b7c9e11".into(),
            caption: "Scan to verify".into(),
            attachment_name: "credential.json".into(),
            attachment: br#"{"hello":"credential"}"#.to_vec(),
        };
        let pdf = typeset_sealed("# Statement of Results\nName | Zofia Nowak\n", "Statement of Results", Some(&seal))
            .unwrap();
        let files = tessera_credentials::pdf::attachments(&pdf).unwrap();
        assert_eq!(files, vec![("credential.json".to_owned(), seal.attachment.clone())]);
    }
}
