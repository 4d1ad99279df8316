//! JSON-LD to RDF (oxjsonld, bundled contexts only) and RDFC-1.0 canonical N-Quads (rdf-canon).

use std::sync::{Arc, Mutex};

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use serde_json::Value;

use crate::{Error, contexts};

/// RDFC-1.0 canonical N-Quads of a JSON-LD document (bundled contexts only).
pub fn canonicalize(doc: &Value) -> Result<String, Error> {
    let quads = to_rdf(doc)?;
    rdf_canon::canonicalize_quads(&quads).map_err(|e| Error::Malformed(format!("canonicalisation: {e}")))
}

/// The quads of `doc`, as the oxrdf 0.2 terms rdf-canon takes.
fn to_rdf(doc: &Value) -> Result<Vec<oxrdf02::Quad>, Error> {
    if !doc.is_object() {
        return Err(Error::Malformed("a JSON-LD document must be an object".into()));
    }
    let json = serde_json::to_vec(doc).map_err(|e| Error::Malformed(e.to_string()))?;
    // The loader cannot return our own error type: it notes the refused URL here instead.
    let refused: Arc<Mutex<Option<String>>> = Arc::default();
    let refused_by_loader = Arc::clone(&refused);
    let parser =
        JsonLdParser::new().for_slice(&json).with_load_document_callback(move |url, _options| match contexts::bundled(
            url,
        ) {
            Some(context) => {
                Ok(JsonLdRemoteDocument { document: context.as_bytes().to_vec(), document_url: url.to_owned() })
            }
            None => {
                if let Ok(mut refused) = refused_by_loader.lock() {
                    refused.get_or_insert_with(|| url.to_owned());
                }
                Err(format!("context {url} is not bundled (nothing is fetched)").into())
            }
        });
    let mut quads = Vec::new();
    for quad in parser {
        match quad {
            Ok(quad) => quads.push(convert(quad)),
            Err(e) => {
                if let Some(url) = refused.lock().ok().and_then(|mut r| r.take()) {
                    return Err(Error::UnsupportedContext(url));
                }
                return Err(Error::Malformed(format!("JSON-LD: {e}")));
            }
        }
    }
    Ok(quads)
}

/// oxrdf 0.3 (oxjsonld's) to oxrdf 0.2 (rdf-canon's), term by term.
fn convert(quad: oxrdf::Quad) -> oxrdf02::Quad {
    let subject = match quad.subject {
        oxrdf::NamedOrBlankNode::NamedNode(n) => oxrdf02::Subject::NamedNode(named(n)),
        oxrdf::NamedOrBlankNode::BlankNode(b) => oxrdf02::Subject::BlankNode(blank(b)),
    };
    let predicate = named(quad.predicate);
    let object = match quad.object {
        oxrdf::Term::NamedNode(n) => oxrdf02::Term::NamedNode(named(n)),
        oxrdf::Term::BlankNode(b) => oxrdf02::Term::BlankNode(blank(b)),
        oxrdf::Term::Literal(l) => oxrdf02::Term::Literal(literal(&l)),
    };
    let graph_name = match quad.graph_name {
        oxrdf::GraphName::DefaultGraph => oxrdf02::GraphName::DefaultGraph,
        oxrdf::GraphName::NamedNode(n) => oxrdf02::GraphName::NamedNode(named(n)),
        oxrdf::GraphName::BlankNode(b) => oxrdf02::GraphName::BlankNode(blank(b)),
    };
    oxrdf02::Quad::new(subject, predicate, object, graph_name)
}

fn named(n: oxrdf::NamedNode) -> oxrdf02::NamedNode {
    // Already validated by oxjsonld.
    oxrdf02::NamedNode::new_unchecked(n.into_string())
}

fn blank(b: oxrdf::BlankNode) -> oxrdf02::BlankNode {
    oxrdf02::BlankNode::new_unchecked(b.into_string())
}

fn literal(l: &oxrdf::Literal) -> oxrdf02::Literal {
    match l.language() {
        Some(language) => oxrdf02::Literal::new_language_tagged_literal_unchecked(l.value(), language),
        // A plain string's datatype is xsd:string, which oxrdf 0.2 folds back to a simple literal.
        None => {
            oxrdf02::Literal::new_typed_literal(l.value(), oxrdf02::NamedNode::new_unchecked(l.datatype().as_str()))
        }
    }
}
