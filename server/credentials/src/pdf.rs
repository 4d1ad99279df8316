//! Reading the files attached to a PDF (a Statement of Results carries its credential so).

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::Error;

/// How deep a name tree may go: deeper is a loop or a hostile file.
const MAX_NAME_TREE_DEPTH: usize = 32;

/// The embedded files (name, bytes) of a PDF (EmbeddedFiles name tree and FileAttachment
/// annotations), decompressed. Not a PDF -> Err.
pub fn attachments(pdf: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let doc = Document::load_mem(pdf).map_err(|e| Error::Malformed(format!("PDF: {e}")))?;
    let mut found = Attachments { doc: &doc, seen: HashSet::new(), files: Vec::new() };
    if let Ok(tree) = doc
        .catalog()
        .and_then(|catalog| catalog.get_deref(b"Names", &doc))
        .and_then(Object::as_dict)
        .and_then(|names| names.get_deref(b"EmbeddedFiles", &doc))
        .and_then(Object::as_dict)
    {
        found.name_tree(tree, 0);
    }
    for page in doc.get_pages().into_values() {
        for annotation in doc.get_page_annotations(page).unwrap_or_default() {
            let is_attachment =
                annotation.get(b"Subtype").and_then(Object::as_name).is_ok_and(|s| s == b"FileAttachment");
            if let (true, Ok(spec)) = (is_attachment, annotation.get(b"FS")) {
                found.file_spec(spec, None);
            }
        }
    }
    Ok(found.files)
}

struct Attachments<'a> {
    doc: &'a Document,
    /// Embedded file streams already taken (a file may be both in the tree and an annotation).
    seen: HashSet<ObjectId>,
    files: Vec<(String, Vec<u8>)>,
}

impl Attachments<'_> {
    fn name_tree(&mut self, node: &Dictionary, depth: usize) {
        if depth > MAX_NAME_TREE_DEPTH {
            return;
        }
        if let Ok(names) = node.get_deref(b"Names", self.doc).and_then(Object::as_array) {
            for pair in names.chunks(2) {
                if let [key, spec] = pair {
                    let key = self.doc.dereference(key).ok().and_then(|(_, key)| lopdf::decode_text_string(key).ok());
                    self.file_spec(spec, key);
                }
            }
        }
        if let Ok(kids) = node.get_deref(b"Kids", self.doc).and_then(Object::as_array) {
            for kid in kids {
                if let Ok((_, Object::Dictionary(kid))) = self.doc.dereference(kid) {
                    self.name_tree(kid, depth + 1);
                }
            }
        }
    }

    /// A file specification: its name (UF, then F, then the name tree's key) and its stream.
    fn file_spec(&mut self, spec: &Object, key: Option<String>) {
        let Ok((_, Object::Dictionary(spec))) = self.doc.dereference(spec) else {
            return;
        };
        let text = |name: &[u8]| spec.get_deref(name, self.doc).ok().and_then(|o| lopdf::decode_text_string(o).ok());
        let name = text(b"UF").or_else(|| text(b"F")).or(key).unwrap_or_default();
        let Ok(files) = spec.get_deref(b"EF", self.doc).and_then(Object::as_dict) else {
            return;
        };
        let Ok(reference) = files.get(b"UF").or_else(|_| files.get(b"F")) else {
            return;
        };
        let Ok((id, Object::Stream(stream))) = self.doc.dereference(reference) else {
            return;
        };
        if let Some(id) = id
            && !self.seen.insert(id)
        {
            return;
        }
        let bytes = if stream.dict.has(b"Filter") {
            match stream.decompressed_content() {
                Ok(bytes) => bytes,
                Err(_) => return,
            }
        } else {
            stream.content.clone()
        };
        self.files.push((name, bytes));
    }
}

#[cfg(test)]
mod tests {
    use krilla::embed::{AssociationKind, EmbeddedFile};

    use super::*;

    /// A one-page PDF with `files` embedded (EmbeddedFiles name tree), written by krilla.
    fn pdf_with(files: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut doc = krilla::Document::new();
        doc.start_page().finish();
        for (name, data, compress) in files {
            doc.embed_file(EmbeddedFile {
                path: (*name).to_owned(),
                mime_type: None,
                description: Some("test attachment".into()),
                association_kind: AssociationKind::Supplement,
                data: data.to_vec().into(),
                modification_date: None,
                compress: Some(*compress),
                location: None,
            })
            .unwrap();
        }
        doc.finish().unwrap()
    }

    #[test]
    fn the_embedded_files_of_a_pdf_are_read_decompressed() {
        let credential = br#"{"@context":["https://www.w3.org/ns/credentials/v2"],"name":"x"}"#.repeat(20);
        let pdf = pdf_with(&[("credential.json", &credential, true), ("notes.txt", b"plain", false)]);
        let mut files = attachments(&pdf).unwrap();
        files.sort();
        assert_eq!(
            files,
            vec![("credential.json".to_owned(), credential.clone()), ("notes.txt".to_owned(), b"plain".to_vec()),]
        );
    }

    #[test]
    fn a_file_attachment_annotation_is_read_too() {
        use lopdf::{Stream, dictionary};

        let mut doc = Document::with_version("1.7");
        let pages = doc.new_object_id();
        let mut file = Stream::new(dictionary! {"Type" => "EmbeddedFile"}, b"{\"a\":1}".repeat(50));
        file.compress().unwrap();
        assert!(file.dict.has(b"Filter"), "stored compressed");
        let file = doc.add_object(file);
        let spec = doc.add_object(dictionary! {
            "Type" => "Filespec",
            "F" => Object::string_literal("sor.json"),
            "EF" => dictionary! {"F" => file},
        });
        let annotation = doc.add_object(dictionary! {
            "Type" => "Annot",
            "Subtype" => "FileAttachment",
            "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
            "FS" => spec,
        });
        let page = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Annots" => vec![annotation.into()],
        });
        doc.objects.insert(
            pages,
            Object::Dictionary(dictionary! {"Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1}),
        );
        let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages});
        doc.trailer.set("Root", catalog);
        let mut pdf = Vec::new();
        doc.save_to(&mut pdf).unwrap();

        assert_eq!(attachments(&pdf).unwrap(), vec![("sor.json".to_owned(), b"{\"a\":1}".repeat(50))]);
    }

    #[test]
    fn a_pdf_without_attachments_has_none_and_a_non_pdf_is_an_error() {
        assert_eq!(attachments(&pdf_with(&[])).unwrap(), vec![]);
        assert!(attachments(b"{\"not\": \"a pdf\"}").is_err());
    }
}
