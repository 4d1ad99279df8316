//! Documents as PDF: a minijinja template renders a small line-based layout language, and this
//! module typesets it with krilla in DejaVu Sans (embedded and subset, so Polish and Hungarian
//! letters print as they are).
//!
//! The layout language, one instruction per line:
//! - `# text` a title, `## text` a section heading;
//! - `label | value` a row of two columns;
//! - `---` a horizontal rule, an empty line a small gap;
//! - `!! text` text in bold; anything else a paragraph, wrapped to the page width.
//!
//! The PDF is tagged (its structure in reading order: the title and section headings as
//! headings, paragraphs, consecutive rows as a table whose first column heads its row, the QR
//! code as a figure with its link as alternative text; rules are layout artifacts), with the
//! document's title and language in its metadata, so screen readers read it as it is meant.

use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::surface::Surface;
use krilla::tagging::{
    Artifact, ArtifactType, ContentTag, Identifier, Node, SpanTag, TableHeaderScope, Tag, TagGroup, TagKind, TagTree,
};
use krilla::text::{Font, TextDirection};
use krilla::{Data, Document};
use std::num::NonZeroU16;
use std::sync::OnceLock;
use tessera_domain::Locale;

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
/// 0.55 em per character). Words are split only when one is longer than a line (a link), so
/// that nothing runs off the page.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let per_line = ((width / (size * 0.55)) as usize).max(10);
    let mut lines = Vec::new();
    let mut current = String::new();
    let words = text.split_whitespace().flat_map(|word| {
        let chars: Vec<char> = word.chars().collect();
        chars.chunks(per_line).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>()
    });
    for word in words {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > per_line {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(&word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// What a line of text is part of in the document's structure.
#[derive(Clone, Copy)]
enum Role {
    /// A heading of this level (1 for the title).
    Heading(u16),
    Paragraph,
    /// The first column of a row: it heads the row.
    RowHeader,
    /// The second column of a row.
    Cell,
}

/// One element of the structure (a heading, a paragraph, a table cell) and the pieces of page
/// content that make it, in reading order.
struct Leaf {
    role: Role,
    text: String,
    content: Vec<Identifier>,
}

/// The structure's top level, in reading order: leaves, and tables of (row header, cell) rows.
enum Element {
    Leaf(usize),
    Table(Vec<(usize, usize)>),
}

/// The document's structure as the layout builds it.
#[derive(Default)]
struct Structure {
    leaves: Vec<Leaf>,
    elements: Vec<Element>,
}

impl Structure {
    fn leaf(&mut self, role: Role, text: &str) -> usize {
        self.leaves.push(Leaf { role, text: text.to_owned(), content: Vec::new() });
        self.leaves.len() - 1
    }

    /// A heading or a paragraph.
    fn block(&mut self, role: Role, text: &str) -> usize {
        let leaf = self.leaf(role, text);
        self.elements.push(Element::Leaf(leaf));
        leaf
    }

    /// A row, added to the table just before it or starting one.
    fn row(&mut self, label: &str, value: &str) -> (usize, usize) {
        let cells = (self.leaf(Role::RowHeader, label), self.leaf(Role::Cell, value));
        match self.elements.last_mut() {
            Some(Element::Table(rows)) => rows.push(cells),
            _ => self.elements.push(Element::Table(vec![cells])),
        }
        cells
    }

    fn group(&mut self, leaf: usize) -> TagGroup {
        let l = &mut self.leaves[leaf];
        let tag: TagKind = match l.role {
            Role::Heading(level) => {
                Tag::Hn(NonZeroU16::new(level).unwrap_or(NonZeroU16::MIN), Some(l.text.clone())).into()
            }
            Role::Paragraph => Tag::P.into(),
            Role::RowHeader => Tag::TH(TableHeaderScope::Row).into(),
            Role::Cell => Tag::TD.into(),
        };
        let content = std::mem::take(&mut l.content).into_iter().map(Node::from).collect();
        TagGroup::with_children(tag, content)
    }

    /// The tag tree, in reading order, with `extra` (the QR code) at the end.
    fn tree(mut self, extra: Vec<Node>) -> TagTree {
        let mut tree = TagTree::new();
        for element in std::mem::take(&mut self.elements) {
            match element {
                Element::Leaf(leaf) => tree.push(self.group(leaf)),
                Element::Table(rows) => {
                    let rows = rows
                        .into_iter()
                        .map(|(label, value)| {
                            TagGroup::with_children(Tag::TR, vec![self.group(label).into(), self.group(value).into()])
                                .into()
                        })
                        .collect();
                    tree.push(TagGroup::with_children(Tag::Table, rows));
                }
            }
        }
        for node in extra {
            tree.push(node);
        }
        tree
    }
}

/// One line of text placed on a page, part of the structure's leaf `leaf`.
struct Line {
    x: f32,
    y: f32,
    bold: bool,
    size: f32,
    text: String,
    leaf: usize,
}

/// What one page holds: its lines and the y positions of its rules.
#[derive(Default)]
struct PageContent {
    lines: Vec<Line>,
    rules: Vec<f32>,
}

struct Cursor {
    page: PageContent,
    y: f32,
    pages: Vec<PageContent>,
    structure: Structure,
    /// The title and the section headings, for the outline: level, text, page and height.
    headings: Vec<(u16, String, usize, f32)>,
}

impl Cursor {
    fn need(&mut self, h: f32) {
        if self.y + h > PAGE_H - MARGIN {
            self.pages.push(std::mem::take(&mut self.page));
            self.y = MARGIN;
        }
    }

    fn line(&mut self, x: f32, size: f32, bold: bool, text: String, leaf: usize) {
        self.page.lines.push(Line { x, y: self.y + size, bold, size, text, leaf });
    }

    /// Notes a heading starting here, for the outline.
    fn heading(&mut self, level: u16, text: &str) {
        self.headings.push((level, text.to_owned(), self.pages.len(), self.y));
    }
}

/// The outline (bookmarks): the title with the section headings under it, each leading to its
/// place on its page.
fn outline(headings: Vec<(u16, String, usize, f32)>) -> krilla::outline::Outline {
    use krilla::destination::XyzDestination;
    use krilla::outline::{Outline, OutlineNode};
    let mut outline = Outline::new();
    let mut top: Option<OutlineNode> = None;
    for (level, text, page, y) in headings {
        let node = OutlineNode::new(text, XyzDestination::new(page, Point::from_xy(MARGIN, y)));
        match (level, top.as_mut()) {
            (1, _) => {
                if let Some(done) = top.replace(node.with_open(true)) {
                    outline.push_child(done);
                }
            }
            (_, Some(title)) => title.push_child(node),
            (_, None) => outline.push_child(node),
        }
    }
    if let Some(done) = top {
        outline.push_child(done);
    }
    outline
}

/// Draws a page's lines, each marked as content of its leaf, and its rules, as artifacts.
fn draw_page(surface: &mut Surface<'_>, content: &PageContent, structure: &mut Structure) {
    let (regular, bold) = fonts();
    for l in &content.lines {
        let font = if l.bold { bold.clone() } else { regular.clone() };
        let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
        surface.draw_text(Point::from_xy(l.x, l.y), font, l.size, &l.text, false, TextDirection::Auto);
        surface.end_tagged();
        structure.leaves[l.leaf].content.push(id);
    }
    for y in &content.rules {
        let mut pb = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(MARGIN, *y, PAGE_W - 2.0 * MARGIN, 0.8) {
            pb.push_rect(rect);
        }
        if let Some(path) = pb.finish() {
            surface.start_tagged(ContentTag::Artifact(Artifact::with_kind(ArtifactType::Layout)));
            surface.draw_path(&path);
            surface.end_tagged();
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

/// Draws the QR code and its caption; returns them as a figure (its alternative text the link)
/// and its caption, for the structure.
fn draw_qr(surface: &mut Surface<'_>, link: &str, caption: &str) -> Result<Vec<Node>, PdfError> {
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
    let mut figure = TagGroup::new(Tag::Figure(Some(link.to_owned())));
    if let Some(path) = pb.finish() {
        let id = surface.start_tagged(ContentTag::Other);
        surface.draw_path(&path);
        surface.end_tagged();
        figure.push(id);
    }
    let (regular, _) = fonts();
    let size = 6.5;
    let mut caption_group = TagGroup::new(Tag::Caption);
    for (i, line) in wrap(caption, size, QR_SIZE + 20.0).iter().enumerate() {
        let id = surface.start_tagged(ContentTag::Span(SpanTag::empty()));
        surface.draw_text(
            Point::from_xy(x0, y0 + QR_SIZE + 4.0 + (i as f32 + 1.0) * 8.0),
            regular.clone(),
            size,
            line,
            false,
            TextDirection::Auto,
        );
        surface.end_tagged();
        caption_group.push(id);
    }
    Ok(vec![figure.into(), caption_group.into()])
}

/// Typesets a document written in the layout language above into a tagged A4 PDF titled
/// `title`, in `locale`'s language.
pub fn typeset(src: &str, title: &str, locale: Locale) -> Result<Vec<u8>, PdfError> {
    typeset_sealed(src, title, locale, None)
}

/// [`typeset`], with a [`Seal`] when the document is a credential's.
pub fn typeset_sealed(src: &str, title: &str, locale: Locale, seal: Option<&Seal>) -> Result<Vec<u8>, PdfError> {
    // PDF/UA-1: krilla refuses to write what it can tell breaks it (no title, no language, a
    // figure without alternative text, content neither tagged nor an artifact).
    let configuration = krilla::configure::ConfigurationBuilder::new()
        .with_accessibility_validator(krilla::configure::Accessibility::UA1)
        .finish()
        .map_err(|e| PdfError(format!("{e:?}")))?;
    let mut doc =
        Document::new_with(krilla::SerializeSettings { enable_tagging: true, configuration, ..Default::default() });
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
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title.to_owned())
            .language(locale.as_str().to_owned())
            .creator("Tessera".to_owned()),
    );
    let width = PAGE_W - 2.0 * MARGIN;
    let mut c = Cursor {
        page: PageContent::default(),
        y: MARGIN,
        pages: vec![],
        structure: Structure::default(),
        headings: vec![],
    };
    for block in parse(src) {
        match block {
            Block::Title(t) => {
                let leaf = c.structure.block(Role::Heading(1), t);
                c.need(26.0);
                c.heading(1, t);
                for l in wrap(t, 18.0, width) {
                    c.need(26.0);
                    c.line(MARGIN, 18.0, true, l, leaf);
                    c.y += 26.0;
                }
                c.y += 4.0;
            }
            Block::Heading(t) => {
                let leaf = c.structure.block(Role::Heading(2), t);
                c.need(30.0);
                c.heading(2, t);
                c.y += 8.0;
                c.line(MARGIN, 12.5, true, t.to_owned(), leaf);
                c.y += 20.0;
            }
            Block::Row(a, b) => {
                let (label_leaf, value_leaf) = c.structure.row(a, b);
                let values = wrap(b, 10.0, width - LABEL_W);
                let labels = wrap(a, 10.0, LABEL_W - 8.0);
                let n = values.len().max(labels.len()).max(1);
                c.need(15.0 * n as f32);
                for i in 0..n {
                    if let Some(l) = labels.get(i) {
                        c.line(MARGIN, 10.0, false, l.clone(), label_leaf);
                    }
                    if let Some(v) = values.get(i) {
                        c.line(MARGIN + LABEL_W, 10.0, true, v.clone(), value_leaf);
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
                let leaf = c.structure.block(Role::Paragraph, t);
                for l in wrap(t, 10.0, width) {
                    c.need(14.0);
                    c.line(MARGIN, 10.0, bold, l, leaf);
                    c.y += 14.0;
                }
            }
        }
    }
    let mut pages = std::mem::take(&mut c.pages);
    pages.push(std::mem::take(&mut c.page));
    let mut structure = c.structure;
    let mut qr = Vec::new();
    let settings = || PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid page size");
    for (n, content) in pages.iter().enumerate() {
        let mut page = doc.start_page_with(settings());
        let mut surface = page.surface();
        draw_page(&mut surface, content, &mut structure);
        if let Some(seal) = seal.filter(|_| n == 0) {
            qr = draw_qr(&mut surface, &seal.link, &seal.caption)?;
        }
        surface.finish();
        page.finish();
    }
    doc.set_outline(outline(c.headings));
    doc.set_tag_tree(structure.tree(qr));
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
        let pdf = typeset(&src, "Statement of Results", Locale::Pl).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.matches("/Type /Page").count() >= 2 || text.contains("/Count 2") || text.contains("/Count 3"),
            "several pages"
        );
    }

    #[test]
    fn a_link_longer_than_a_line_is_split_and_short_words_are_not() {
        let link = "https://results.example.org/verify/fd44d789-c818-4532-ad94-04a689312345";
        let lines = wrap(&format!("Verify at {link} today"), 10.0, 200.0);
        assert!(lines.iter().all(|l| l.chars().count() <= 36), "{lines:?}");
        assert_eq!(lines.concat().replace(' ', ""), format!("Verifyat{link}today"), "{lines:?}");
        assert_eq!(wrap("Zofia Nowak", 10.0, 200.0), ["Zofia Nowak"]);
    }

    #[test]
    fn a_document_is_tagged_in_reading_order_with_its_title_and_language() {
        let src = "# Zaświadczenie o wynikach\nPL078 Katowice\n---\n## Kandydat\nImię i nazwisko | Zofia Nowak\nNumer ID | PL078000001\nTekst akapitu.\n";
        let pdf = typeset(src, "Zaświadczenie o wynikach", Locale::Pl).unwrap();
        // pdf-writer writes compactly (`/Lang(pl)`); spaces are set aside to read it.
        let raw = String::from_utf8_lossy(&pdf).replace(' ', "");
        assert!(raw.contains("/StructTreeRoot") && raw.contains("/Markedtrue"), "tagged");
        assert!(raw.contains("/Lang(pl)"), "the catalog names the language");
        assert!(raw.contains("pdfuaid:part"), "checked and marked as PDF/UA-1");
        assert!(raw.contains("/Outlines") && raw.contains("/DisplayDocTitletrue"), "bookmarks; the title shown");
        for tag in ["/S/H1", "/S/H2", "/S/Table", "/S/TR", "/S/TH", "/S/TD", "/S/P"] {
            assert!(raw.contains(tag), "{tag} in the structure");
        }
    }

    #[test]
    fn a_sealed_document_carries_its_qr_code_and_attachment() {
        let seal = Seal {
            link: "https://results.example/verify/0b6f3c1e-4d2a-4a57-9f0e-2f1d5b7c9e11".into(),
            caption: "Scan to verify".into(),
            attachment_name: "credential.json".into(),
            attachment: br#"{"hello":"credential"}"#.to_vec(),
        };
        let pdf = typeset_sealed(
            "# Statement of Results\nName | Zofia Nowak\n",
            "Statement of Results",
            Locale::En,
            Some(&seal),
        )
        .unwrap();
        let files = tessera_credentials::pdf::attachments(&pdf).unwrap();
        assert_eq!(files, vec![("credential.json".to_owned(), seal.attachment.clone())]);
    }
}
