//! JSON-LD to RDF (oxjsonld, bundled contexts only) and RDFC-1.0 canonical N-Quads (rdf-canon).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, LazyLock, Mutex};

use oxjsonld::{JsonLdParser, JsonLdRemoteDocument};
use serde_json::Value;

use crate::{Error, contexts};

/// Relative IRIs are resolved against this base so that they show (JSON-LD would drop them
/// silently, and verifiers that process in safe mode, like Digital Bazaar's, refuse them). An
/// undefined `type` is such a relative IRI.
const RELATIVE_BASE: &str = "https://relative-iri.tessera.invalid/";

/// A probe value: an absolute IRI, so it survives whatever the property's type coercion is.
const PROBE: &str = "urn:tessera-probe:";

/// RDFC-1.0 canonical N-Quads of a JSON-LD document (bundled contexts only).
///
/// A relative IRI (a relative `id`, an undefined `type`) is an error, as in safe mode.
pub fn canonicalize(doc: &Value) -> Result<String, Error> {
    let quads: Vec<oxrdf02::Quad> = to_rdf(doc)?.into_iter().map(convert).collect();
    rdf_canon::canonicalize_quads(&quads).map_err(|e| Error::Malformed(format!("canonicalisation: {e}")))
}

/// The JSON path of the first value of `doc` that does not reach its RDF graph, if any: a
/// property the contexts do not define (JSON-LD drops it silently, so the signature does not
/// cover it). Each value and id is replaced by a unique probe IRI and looked for in the graph.
///
/// The answer depends on the document's shape only (keys, types, contexts), which the probed
/// document is: it is kept per shape, so the credentials of one issuer cost one probe.
pub(crate) fn first_value_outside_the_graph(doc: &Value) -> Result<Option<String>, Error> {
    let mut probes = Vec::new();
    let probed = probe(doc, "$", &mut probes);
    let shape = probed.to_string();
    if let Some(answer) = SHAPES.lock().ok().and_then(|shapes| shapes.get(&shape).cloned()) {
        return Ok(answer);
    }
    let quads = to_rdf(&probed)?;
    let mut seen = HashSet::new();
    let mut json_literals = Vec::new();
    for quad in &quads {
        if let oxrdf::NamedOrBlankNode::NamedNode(n) = &quad.subject {
            seen.insert(n.as_str());
        }
        match &quad.object {
            oxrdf::Term::NamedNode(n) => {
                seen.insert(n.as_str());
            }
            oxrdf::Term::Literal(l) => {
                seen.insert(l.value());
                if l.datatype().as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON" {
                    json_literals.push(l.value());
                }
            }
            oxrdf::Term::BlankNode(_) => {}
        }
    }
    let answer = probes.iter().enumerate().find_map(|(n, path)| {
        let marker = format!("{PROBE}{n}");
        let quoted = format!("\"{marker}\"");
        let reached = seen.contains(marker.as_str()) || json_literals.iter().any(|j| j.contains(&quoted));
        (!reached).then(|| path.clone())
    });
    if let Ok(mut shapes) = SHAPES.lock() {
        if shapes.len() >= MAX_SHAPES {
            shapes.clear();
        }
        shapes.insert(shape, answer.clone());
    }
    Ok(answer)
}

/// A few shapes per issuer (one per exam's component layout); the bound stops a flood.
const MAX_SHAPES: usize = 512;
static SHAPES: LazyLock<Mutex<HashMap<String, Option<String>>>> = LazyLock::new(Mutex::default);

/// `doc` with every value (string, number, boolean) and every id replaced by
/// `urn:tessera-probe:<n>`, whose path is `probes[n]`; types, contexts and other keywords are
/// kept (they shape the graph). An id is probed too: a node under an undefined property may have
/// nothing else.
fn probe(value: &Value, path: &str, probes: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| {
                    let inner = format!("{path}.{key}");
                    let kept = match key.as_str() {
                        "id" | "@id" => v.as_str().is_none_or(|id| id.starts_with("_:")),
                        "@value" | "@list" | "@set" | "@graph" | "@included" | "@nest" | "@reverse" => false,
                        key => key.starts_with('@') || key == "type",
                    };
                    let v = if kept { v.clone() } else { probe(v, &inner, probes) };
                    (key.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().enumerate().map(|(i, v)| probe(v, &format!("{path}[{i}]"), probes)).collect())
        }
        Value::Null => Value::Null,
        _ => {
            probes.push(path.to_owned());
            Value::String(format!("{PROBE}{}", probes.len() - 1))
        }
    }
}

/// The quads of `doc` (oxrdf 0.3, oxjsonld's); a relative IRI is an error.
fn to_rdf(doc: &Value) -> Result<Vec<oxrdf::Quad>, Error> {
    if !doc.is_object() {
        return Err(Error::Malformed("a JSON-LD document must be an object".into()));
    }
    let json = serde_json::to_vec(doc).map_err(|e| Error::Malformed(e.to_string()))?;
    // The loader cannot return our own error type: it notes the refused URL here instead.
    let refused: Arc<Mutex<Option<String>>> = Arc::default();
    let refused_by_loader = Arc::clone(&refused);
    let parser = JsonLdParser::new()
        .with_base_iri(RELATIVE_BASE)
        .expect("a valid base IRI")
        .for_slice(&json)
        .with_load_document_callback(move |url, _options| match contexts::bundled(url) {
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
            Ok(quad) => {
                if let Some(relative) = relative_iri(&quad) {
                    return Err(Error::Malformed(format!("relative IRI or undefined type {relative:?}")));
                }
                quads.push(quad);
            }
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

fn relative_iri(quad: &oxrdf::Quad) -> Option<&str> {
    let subject = match &quad.subject {
        oxrdf::NamedOrBlankNode::NamedNode(n) => Some(n.as_str()),
        oxrdf::NamedOrBlankNode::BlankNode(_) => None,
    };
    let object = match &quad.object {
        oxrdf::Term::NamedNode(n) => Some(n.as_str()),
        oxrdf::Term::Literal(l) => Some(l.datatype().as_str()),
        oxrdf::Term::BlankNode(_) => None,
    };
    let graph = match &quad.graph_name {
        oxrdf::GraphName::NamedNode(n) => Some(n.as_str()),
        _ => None,
    };
    [subject, Some(quad.predicate.as_str()), object, graph]
        .into_iter()
        .flatten()
        .find_map(|iri| iri.strip_prefix(RELATIVE_BASE))
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
