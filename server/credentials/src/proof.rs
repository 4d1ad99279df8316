//! Data Integrity proofs of the `eddsa-rdfc-2022` cryptosuite (W3C vc-di-eddsa).

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::{Error, PublicKey, SigningKey, Verified, VerifyError, canonicalize};

const PROOF_TYPE: &str = "DataIntegrityProof";
const CRYPTOSUITE: &str = "eddsa-rdfc-2022";
const ASSERTION_METHOD: &str = "assertionMethod";

/// Adds a `proof` (eddsa-rdfc-2022, assertionMethod). Errors if the document cannot be
/// canonicalised.
pub fn sign(
    unsigned: Value,
    key: &SigningKey,
    verification_method: &str,
    created: DateTime<Utc>,
) -> Result<Value, Error> {
    let Value::Object(document) = unsigned else {
        return Err(Error::Malformed("a credential must be a JSON object".into()));
    };
    if document.contains_key("proof") {
        return Err(Error::Malformed("the document already has a proof".into()));
    }
    let mut options = Map::new();
    options.insert("type".into(), PROOF_TYPE.into());
    options.insert("cryptosuite".into(), CRYPTOSUITE.into());
    options.insert("created".into(), created.to_rfc3339_opts(SecondsFormat::Secs, true).into());
    options.insert("verificationMethod".into(), verification_method.into());
    options.insert("proofPurpose".into(), ASSERTION_METHOD.into());

    let document = Value::Object(document);
    let hash = hash_data(&document, &options)?;
    let proof_value = format!("z{}", bs58::encode(key.sign_bytes(&hash)).into_string());
    options.insert("proofValue".into(), proof_value.into());

    let Value::Object(mut signed) = document else { unreachable!("built as an object above") };
    signed.insert("proof".into(), Value::Object(options));
    Ok(Value::Object(signed))
}

/// Checks the one proof: cryptosuite, proofPurpose assertionMethod, that the verification method
/// belongs to the issuer (`<issuer id>#...`; issuer may be a string or an object with id), asks
/// `key_of(verification_method)` for the key (None -> UnknownKey), recomputes hashData and checks
/// the signature (mismatch, or a document that no longer canonicalises -> BadSignature; not
/// JSON-LD/credential-shaped -> Malformed).
pub fn verify(signed: &Value, key_of: &dyn Fn(&str) -> Option<PublicKey>) -> Result<Verified, VerifyError> {
    let malformed = |what: &str| VerifyError::Malformed(what.to_owned());
    let document = signed.as_object().ok_or_else(|| malformed("a credential must be a JSON object"))?;
    let mut options = match document.get("proof") {
        Some(Value::Object(proof)) => proof.clone(),
        Some(Value::Array(proofs)) if proofs.len() == 1 => {
            proofs[0].as_object().cloned().ok_or_else(|| malformed("the proof must be an object"))?
        }
        Some(Value::Array(_)) => return Err(malformed("exactly one proof is expected")),
        _ => return Err(malformed("the credential has no proof")),
    };
    let text = |name: &str| -> Result<String, VerifyError> {
        options
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| VerifyError::Malformed(format!("the proof has no {name}")))
    };
    if text("type")? != PROOF_TYPE {
        return Err(malformed("the proof is not a DataIntegrityProof"));
    }
    if text("cryptosuite")? != CRYPTOSUITE {
        return Err(malformed("the proof's cryptosuite is not eddsa-rdfc-2022"));
    }
    if text("proofPurpose")? != ASSERTION_METHOD {
        return Err(malformed("the proof's purpose is not assertionMethod"));
    }
    let verification_method = text("verificationMethod")?;
    let created = DateTime::parse_from_rfc3339(&text("created")?)
        .map_err(|_| malformed("the proof's created is not an RFC 3339 date-time"))?
        .with_timezone(&Utc);
    let issuer = match document.get("issuer") {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Object(issuer)) => issuer
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| malformed("the issuer has no id"))?,
        _ => return Err(malformed("the credential has no issuer")),
    };
    let belongs_to_issuer =
        verification_method.strip_prefix(issuer.as_str()).is_some_and(|rest| rest.starts_with('#') && rest.len() > 1);
    if !belongs_to_issuer {
        return Err(VerifyError::Malformed(format!(
            "the verification method {verification_method} is not one of the issuer {issuer}"
        )));
    }
    let signature = text("proofValue")?
        .strip_prefix('z')
        .and_then(|encoded| bs58::decode(encoded).into_vec().ok())
        .and_then(|bytes| <[u8; 64]>::try_from(bytes).ok())
        .ok_or_else(|| malformed("the proofValue is not a base58btc Ed25519 signature"))?;
    let key = key_of(&verification_method).ok_or_else(|| VerifyError::UnknownKey(verification_method.clone()))?;

    options.remove("proofValue");
    let mut unsecured = document.clone();
    unsecured.remove("proof");
    let unsecured = Value::Object(unsecured);
    let hash = match hash_data(&unsecured, &options) {
        Ok(hash) => hash,
        Err(Error::UnsupportedContext(url)) => {
            return Err(VerifyError::Malformed(format!("the credential uses the context {url}, which is not bundled")));
        }
        Err(_) => return Err(VerifyError::BadSignature),
    };
    if !key.verifies(&hash, &signature) {
        return Err(VerifyError::BadSignature);
    }
    // JSON-LD drops what its contexts do not define, so the signature does not cover it: such a
    // credential is refused, as verifiers processing in safe mode refuse it.
    match crate::canon::first_value_outside_the_graph(&unsecured) {
        Ok(None) => {}
        Ok(Some(path)) => {
            return Err(VerifyError::Malformed(format!(
                "{path} is not defined by the credential's contexts (not covered by the signature)"
            )));
        }
        Err(e) => return Err(VerifyError::Malformed(e.to_string())),
    }
    Ok(Verified { verification_method, issuer, created })
}

/// hashData: SHA-256(canonical proof configuration) || SHA-256(canonical document).
fn hash_data(document: &Value, options: &Map<String, Value>) -> Result<[u8; 64], Error> {
    let context = document.get("@context").ok_or_else(|| Error::Malformed("the document has no @context".into()))?;
    let config_hash = Sha256::digest(canonical_proof_config(context, options)?.as_bytes());
    let document_hash = Sha256::digest(canonicalize(document)?.as_bytes());
    let mut hash = [0u8; 64];
    hash[..32].copy_from_slice(&config_hash);
    hash[32..].copy_from_slice(&document_hash);
    Ok(hash)
}

/// The canonical proof configuration: the proof options with the document's `@context`.
///
/// Processing the two contexts costs oxjsonld about a millisecond per parse (it clones its active
/// context for every context it applies), and a tenant signs every proof with the same context
/// and verification method: only `created` changes. So the canonical form of the usual five
/// options is kept per (context, verification method) with a placeholder instant, and the
/// instant is put in its place. That is exact: the configuration has one blank node (always
/// `_:c14n0`) and one `created` quad, whose position in the sorted N-Quads is fixed by its
/// predicate, and an RFC 3339 instant needs no escaping. Any other shape takes the full path.
fn canonical_proof_config(context: &Value, options: &Map<String, Value>) -> Result<String, Error> {
    let full = || {
        let mut config = options.clone();
        config.insert("@context".into(), context.clone());
        canonicalize(&Value::Object(config))
    };
    let usual = options.len() == 5
        && options.get("type").and_then(Value::as_str) == Some(PROOF_TYPE)
        && options.get("cryptosuite").and_then(Value::as_str) == Some(CRYPTOSUITE)
        && options.get("proofPurpose").and_then(Value::as_str) == Some(ASSERTION_METHOD);
    let created = options.get("created").and_then(Value::as_str);
    let method = options.get("verificationMethod").and_then(Value::as_str);
    let (true, Some(created), Some(method)) = (usual, created, method) else {
        return full();
    };
    if DateTime::parse_from_rfc3339(created).is_err()
        || !created.bytes().all(|b| b.is_ascii_alphanumeric() || b"-:.+ ".contains(&b))
    {
        return full();
    }
    let key = (context.to_string(), method.to_owned());
    let cached = PROOF_CONFIGS.lock().ok().and_then(|configs| configs.get(&key).cloned());
    let template = match cached {
        Some(template) => template,
        None => {
            let mut config = options.clone();
            config.insert("created".into(), PLACEHOLDER_INSTANT.into());
            config.insert("@context".into(), context.clone());
            let template = canonicalize(&Value::Object(config))?;
            if template.matches(PLACEHOLDER_LITERAL).count() != 1 {
                return full();
            }
            if let Ok(mut configs) = PROOF_CONFIGS.lock() {
                if configs.len() >= MAX_PROOF_CONFIGS {
                    configs.clear();
                }
                configs.insert(key, template.clone());
            }
            template
        }
    };
    Ok(template.replace(PLACEHOLDER_LITERAL, &format!("\"{created}\"^^<http://www.w3.org/2001/XMLSchema#dateTime>")))
}

const PLACEHOLDER_INSTANT: &str = "1970-01-01T00:00:00Z";
const PLACEHOLDER_LITERAL: &str = "\"1970-01-01T00:00:00Z\"^^<http://www.w3.org/2001/XMLSchema#dateTime>";
/// Tenants times keys: a handful in practice; the bound only stops a flood of foreign methods.
const MAX_PROOF_CONFIGS: usize = 1024;

type ProofConfigs = HashMap<(String, String), String>;
static PROOF_CONFIGS: LazyLock<Mutex<ProofConfigs>> = LazyLock::new(Mutex::default);

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::{achievement_credential, sample};

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[9; 32])
    }

    fn method() -> String {
        format!("{}#key-1", sample::DID)
    }

    fn signed() -> Value {
        let created = Utc.with_ymd_and_hms(2026, 7, 14, 9, 0, 1).unwrap();
        sign(achievement_credential(&sample::achievement()), &key(), &method(), created).unwrap()
    }

    fn issuer_key(method: &str) -> Option<PublicKey> {
        (method == format!("{}#key-1", sample::DID)).then(|| key().public())
    }

    #[test]
    fn a_signed_credential_verifies() {
        let signed = signed();
        assert_eq!(signed["proof"]["created"], "2026-07-14T09:00:01Z");
        assert_eq!(signed["proof"]["cryptosuite"], "eddsa-rdfc-2022");
        assert!(signed["proof"]["proofValue"].as_str().unwrap().starts_with('z'));
        let verified = verify(&signed, &issuer_key).unwrap();
        assert_eq!(verified.issuer, sample::DID);
        assert_eq!(verified.verification_method, method());
        assert_eq!(verified.created, Utc.with_ymd_and_hms(2026, 7, 14, 9, 0, 1).unwrap());
    }

    #[test]
    fn a_changed_grade_name_or_created_breaks_the_signature() {
        let mut grade = signed();
        let results = grade["credentialSubject"]["result"].as_array_mut().unwrap();
        let graded = results.iter_mut().find(|r| r["resultDescription"] == "urn:tessera:exam:B2F:grade").unwrap();
        graded["value"] = json!("A");
        assert_eq!(verify(&grade, &issuer_key), Err(VerifyError::BadSignature));

        let mut name = signed();
        name["credentialSubject"]["identifier"][0]["identityHash"] = json!("Zofia Wojcik");
        assert_eq!(verify(&name, &issuer_key), Err(VerifyError::BadSignature));

        let mut created = signed();
        created["proof"]["created"] = json!("2026-07-14T09:00:02Z");
        assert_eq!(verify(&created, &issuer_key), Err(VerifyError::BadSignature));
    }

    #[test]
    fn the_kept_proof_configuration_is_the_one_canonicalisation_gives() {
        let context = achievement_credential(&sample::achievement())["@context"].clone();
        for created in ["2026-07-14T09:00:01Z", "2031-12-31T23:59:59Z", "2026-07-14T11:00:01+02:00"] {
            let mut options = Map::new();
            options.insert("type".into(), PROOF_TYPE.into());
            options.insert("cryptosuite".into(), CRYPTOSUITE.into());
            options.insert("created".into(), created.into());
            options.insert("verificationMethod".into(), method().into());
            options.insert("proofPurpose".into(), ASSERTION_METHOD.into());
            let mut config = options.clone();
            config.insert("@context".into(), context.clone());
            let full = crate::canonicalize(&Value::Object(config)).unwrap();
            assert!(full.contains(created), "{full}");
            assert_eq!(canonical_proof_config(&context, &options).unwrap(), full);
        }
    }

    #[test]
    fn a_key_the_caller_does_not_know_is_unknown() {
        assert_eq!(verify(&signed(), &|_| None), Err(VerifyError::UnknownKey(method())));
    }

    #[test]
    fn a_verification_method_of_another_did_is_refused() {
        let created = Utc.with_ymd_and_hms(2026, 7, 14, 9, 0, 1).unwrap();
        let credential = achievement_credential(&sample::achievement());
        let other = "did:web:evil.example:t:pl078#key-1";
        let signed = sign(credential, &key(), other, created).unwrap();
        let asked = std::cell::Cell::new(false);
        let result = verify(&signed, &|_| {
            asked.set(true);
            Some(key().public())
        });
        assert!(matches!(result, Err(VerifyError::Malformed(_))), "{result:?}");
        assert!(!asked.get(), "no key is looked up for a foreign DID");

        // A prefix of the issuer's DID is not the issuer either.
        let prefix = format!("{}0#key-1", sample::DID);
        let mut credential = achievement_credential(&sample::achievement());
        credential["issuer"] = json!(sample::DID);
        let signed = sign(credential, &key(), &prefix, created).unwrap();
        assert!(matches!(verify(&signed, &|_| Some(key().public())), Err(VerifyError::Malformed(_))));
    }

    #[test]
    fn what_the_contexts_do_not_define_is_refused_not_ignored() {
        // Added after signing: JSON-LD would drop it, so the signature still matches.
        let mut extra = signed();
        extra["credentialSubject"]["grade"] = json!("A*");
        match verify(&extra, &issuer_key) {
            Err(VerifyError::Malformed(why)) => {
                assert!(why.contains("$.credentialSubject.grade"), "{why}")
            }
            other => panic!("expected Malformed, got {other:?}"),
        }
        let mut nested = signed();
        nested["issuer"]["homepage"] = json!({"id": "https://evil.example/"});
        assert!(matches!(verify(&nested, &issuer_key), Err(VerifyError::Malformed(_))));

        // An undefined type or a relative id does not canonicalise at all.
        let mut credential = achievement_credential(&sample::achievement());
        credential["credentialSubject"]["type"] = json!(["AchievementSubject", "Undefined"]);
        assert!(matches!(crate::canonicalize(&credential), Err(Error::Malformed(_))));
        let mut credential = achievement_credential(&sample::achievement());
        credential["id"] = json!("verify/123");
        assert!(matches!(crate::canonicalize(&credential), Err(Error::Malformed(_))));
    }

    #[test]
    fn a_wrong_key_is_a_bad_signature() {
        let other = SigningKey::from_bytes(&[10; 32]).public();
        assert_eq!(verify(&signed(), &|_| Some(other)), Err(VerifyError::BadSignature));
    }

    #[test]
    fn an_unbundled_context_is_refused_without_fetching() {
        let mut credential = achievement_credential(&sample::achievement());
        // A port nobody listens on: were it fetched, the error would be a network one.
        let url = "http://127.0.0.1:9/context.jsonld";
        credential["@context"].as_array_mut().unwrap().push(json!(url));
        match crate::canonicalize(&credential) {
            Err(Error::UnsupportedContext(refused)) => assert_eq!(refused, url),
            other => panic!("expected UnsupportedContext, got {other:?}"),
        }
        let created = Utc.with_ymd_and_hms(2026, 7, 14, 9, 0, 1).unwrap();
        assert!(matches!(sign(credential, &key(), &method(), created), Err(Error::UnsupportedContext(_))));
    }

    #[test]
    fn something_that_is_not_a_credential_is_malformed() {
        assert!(matches!(verify(&json!([1, 2]), &issuer_key), Err(VerifyError::Malformed(_))));
        let mut no_proof = signed();
        no_proof.as_object_mut().unwrap().remove("proof");
        assert!(matches!(verify(&no_proof, &issuer_key), Err(VerifyError::Malformed(_))));
        let mut other_suite = signed();
        other_suite["proof"]["cryptosuite"] = json!("ecdsa-rdfc-2019");
        assert!(matches!(verify(&other_suite, &issuer_key), Err(VerifyError::Malformed(_))));
    }
}

#[cfg(test)]
mod digital_bazaar {
    use serde_json::json;

    use super::*;

    /// Written by `node tests/vc-interop/interop.mjs sign` (Digital Bazaar's vc 7.3 with
    /// data-integrity 2.5 and eddsa-rdfc-2022-cryptosuite 1.3), with a did:key issuer.
    const SIGNED: &str = include_str!("../tests/fixtures/signed-by-digital-bazaar.json");
    const KEY: &str = include_str!("../tests/fixtures/signed-by-digital-bazaar.key");

    fn their_key(_: &str) -> Option<PublicKey> {
        Some(PublicKey::from_multibase(KEY.trim()).unwrap())
    }

    #[test]
    fn a_credential_signed_by_digital_bazaar_verifies() {
        let signed: Value = serde_json::from_str(SIGNED).unwrap();
        let verified = verify(&signed, &their_key).unwrap();
        assert_eq!(verified.issuer, format!("did:key:{}", KEY.trim()));
        assert_eq!(verified.verification_method, format!("did:key:{0}#{0}", KEY.trim()));
    }

    #[test]
    fn a_credential_signed_by_digital_bazaar_fails_once_changed() {
        let mut signed: Value = serde_json::from_str(SIGNED).unwrap();
        signed["credentialSubject"]["result"][0]["value"] = json!("B");
        assert_eq!(verify(&signed, &their_key), Err(VerifyError::BadSignature));
    }
}
