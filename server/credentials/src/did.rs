//! `did:web` identifiers of tenants and their DID documents.

use serde_json::{Value, json};

use crate::{PublicKey, contexts};

/// `did:web` of a tenant: public_url `"https://results.example.org:8443"` + slug `"pl078"` ->
/// `"did:web:results.example.org%3A8443:t:pl078"` (resolves to `<public_url>/t/<slug>/did.json`
/// per the did:web spec; path in public_url is kept as extra segments).
pub fn did_web(public_url: &str, tenant_slug: &str) -> String {
    let rest = public_url.split_once("://").map_or(public_url, |(_, rest)| rest);
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let mut did = format!("did:web:{}", authority.replace(':', "%3A"));
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        did.push(':');
        did.push_str(segment);
    }
    did.push_str(":t:");
    did.push_str(tenant_slug);
    did
}

/// The DID document: @context [did/v1, multikey/v1], id, verificationMethod (each key: id
/// `"<did>#<fragment>"`, type Multikey, controller did, publicKeyMultibase), assertionMethod listing
/// every key id. Each key is given by its fragment (`key-1`; a full `<did>#key-1` is taken too).
pub fn did_document(did: &str, keys: &[(String, PublicKey)]) -> Value {
    let ids: Vec<String> = keys
        .iter()
        .map(|(fragment, _)| {
            if fragment.starts_with(&format!("{did}#")) {
                fragment.clone()
            } else {
                format!("{did}#{}", fragment.trim_start_matches('#'))
            }
        })
        .collect();
    let methods: Vec<Value> = ids
        .iter()
        .zip(keys)
        .map(|(id, (_, key))| {
            json!({
                "id": id,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": key.to_multibase(),
            })
        })
        .collect();
    json!({
        "@context": [contexts::DID_V1, contexts::MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_is_percent_encoded_and_a_path_becomes_segments() {
        assert_eq!(did_web("https://results.example.org:8443", "pl078"), "did:web:results.example.org%3A8443:t:pl078");
        assert_eq!(did_web("https://results.example.org/", "hu"), "did:web:results.example.org:t:hu");
        assert_eq!(did_web("https://example.org/exams/tessera", "it01"), "did:web:example.org:exams:tessera:t:it01");
    }

    #[test]
    fn the_did_document_lists_every_key_for_assertions() {
        let key = crate::SigningKey::from_bytes(&[7; 32]).public();
        let doc = did_document("did:web:x.org:t:a", &[("key-1".into(), key)]);
        assert_eq!(doc["verificationMethod"][0]["id"], "did:web:x.org:t:a#key-1");
        assert_eq!(doc["verificationMethod"][0]["type"], "Multikey");
        assert_eq!(doc["verificationMethod"][0]["controller"], "did:web:x.org:t:a");
        assert_eq!(doc["verificationMethod"][0]["publicKeyMultibase"], key.to_multibase());
        assert_eq!(doc["assertionMethod"], json!(["did:web:x.org:t:a#key-1"]));
        // It is JSON-LD of the bundled contexts only.
        crate::canonicalize(&doc).unwrap();
    }
}
