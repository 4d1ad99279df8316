//! The JSON-LD contexts this crate knows, bundled so that nothing is fetched at run time.

/// The W3C Verifiable Credentials 2.0 context (defines the Bitstring Status List and Data
/// Integrity terms too).
pub const CREDENTIALS_V2: &str = "https://www.w3.org/ns/credentials/v2";
/// The Open Badges 3.0 context, version 3.0.3.
pub const OPEN_BADGES_V3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";
/// The DID Core 1.0 context (DID documents).
pub const DID_V1: &str = "https://www.w3.org/ns/did/v1";
/// The Multikey context (public keys in DID documents).
pub const MULTIKEY_V1: &str = "https://w3id.org/security/multikey/v1";

/// The bundled copy of the context at `url`, or `None` when it is not one of ours.
pub fn bundled(url: &str) -> Option<&'static str> {
    match url {
        CREDENTIALS_V2 => Some(include_str!("../contexts/credentials-v2.jsonld")),
        OPEN_BADGES_V3 => Some(include_str!("../contexts/ob-v3p0-3.0.3.jsonld")),
        DID_V1 => Some(include_str!("../contexts/did-v1.jsonld")),
        MULTIKEY_V1 => Some(include_str!("../contexts/multikey-v1.jsonld")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_context_is_a_json_ld_context() {
        for url in [CREDENTIALS_V2, OPEN_BADGES_V3, DID_V1, MULTIKEY_V1] {
            let doc: serde_json::Value = serde_json::from_str(bundled(url).unwrap()).unwrap();
            assert!(doc.get("@context").is_some(), "{url}");
        }
        assert_eq!(bundled("https://example.org/context.json"), None);
    }
}
