//! Verifiable Statements of Results (R-CREDENTIAL).
//!
//! A released result version becomes a W3C Verifiable Credential 2.0 shaped as an Open Badges 3.0
//! `AchievementCredential`, secured with a Data Integrity proof of the `eddsa-rdfc-2022`
//! cryptosuite: the document and the proof options are canonicalised with RDFC-1.0 (JSON-LD to
//! RDF with the bundled contexts only: nothing is fetched), hashed with SHA-256 and signed with
//! the issuing tenant's Ed25519 key. Revocation is a Bitstring Status List credential per tenant.
//!
//! This crate is pure: no database, no HTTP. The app decides what to sign and with which key.
//!
//! What the app must keep to (checked against Digital Bazaar's verifier by `tests/node_interop.rs`):
//! - the credential's `issuer.id` is the tenant's `did:web` ([`did_web`]) and the proof's
//!   verification method is `<that DID>#<fragment>`, listed in the tenant's DID document
//!   ([`did_document`], served at `<public_url>/t/<slug>/did.json`);
//! - the status list credential ([`status_list_credential`]) is served at the `list_url` the
//!   credentials name and signed with [`sign`] by the same issuer DID (Digital Bazaar's status
//!   check verifies it and requires matching issuers);
//! - `validFrom` and the proof's `created` are not in the future at the verifier (whole seconds,
//!   UTC, `Z`);
//! - [`verify`] refuses what the contexts do not define (values the signature would not cover).

mod canon;
pub mod contexts;
mod credential;
mod did;
mod keys;
pub mod pdf;
mod proof;
mod status_list;
pub mod wrap;

use chrono::{DateTime, NaiveDate, Utc};

pub use canon::canonicalize;
pub use credential::{achievement_credential, status_entry_of, status_list_credential};
pub use did::{did_document, did_web};
pub use proof::{sign, verify};
pub use status_list::{STATUS_LIST_BITS, StatusList, status_list_of};

/// What went wrong while building, signing or reading a credential.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The document is not JSON-LD this crate can process (names what).
    #[error("malformed credential: {0}")]
    Malformed(String),
    /// The document refers to a context that is not bundled (nothing is fetched at run time).
    #[error("unsupported context {0}")]
    UnsupportedContext(String),
    /// A key could not be read or unwrapped.
    #[error("key: {0}")]
    Key(String),
}

/// Why a credential did not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// Not a credential with one `eddsa-rdfc-2022` Data Integrity proof (names what is wrong).
    #[error("malformed credential: {0}")]
    Malformed(String),
    /// The proof's verification method is not one the caller knows (unknown issuer).
    #[error("unknown verification method {0}")]
    UnknownKey(String),
    /// The signature does not match the document: it was changed after signing (tampered).
    #[error("the signature does not match the document")]
    BadSignature,
}

/// An Ed25519 signing key of an issuing tenant.
pub struct SigningKey {
    key: ed25519_dalek::SigningKey,
}

/// An Ed25519 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub [u8; 32]);

/// A proof that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The proof's `verificationMethod` (e.g. `did:web:host:t:slug#key-1`).
    pub verification_method: String,
    /// The credential's issuer id (the DID the verification method belongs to).
    pub issuer: String,
    /// The proof's `created`.
    pub created: DateTime<Utc>,
}

/// Where a credential's revocation bit lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    /// The status list credential's URL.
    pub list_url: String,
    /// The bit's index in that list.
    pub index: u64,
}

/// One component (paper) of a result.
#[derive(Debug, Clone)]
pub struct Component {
    /// The component's name as shown on the Statement of Results (e.g. "Reading").
    pub name: String,
    /// Its score on the Cambridge English Scale.
    pub score: i32,
}

/// What a Statement of Results credential says.
#[derive(Debug, Clone)]
pub struct Achievement {
    /// The credential's id (a URL of this server: `<public_url>/verify/<credential id>`).
    pub id: String,
    /// The issuer's DID (`did:web:...`).
    pub issuer_did: String,
    /// The issuing centre's name.
    pub issuer_name: String,
    /// When the result was released.
    pub valid_from: DateTime<Utc>,
    /// The candidate's full name.
    pub candidate_name: String,
    /// The candidate's date of birth.
    pub date_of_birth: NaiveDate,
    /// The exam's code (e.g. `B2F`) and name (e.g. "B2 First").
    pub exam_code: String,
    /// The exam's name.
    pub exam_name: String,
    /// The session's (first paper's) date.
    pub session_date: NaiveDate,
    /// The Statement of Results number.
    pub sor_number: String,
    /// The overall Cambridge English Scale score.
    pub overall_score: Option<i32>,
    /// The grade (e.g. "B").
    pub grade: Option<String>,
    /// The CEFR level (e.g. "B2").
    pub cefr: Option<String>,
    /// The components.
    pub components: Vec<Component>,
    /// The result version (1, then 2 after an enquiry changed it...).
    pub version: i32,
    /// The revocation bit.
    pub status: StatusEntry,
}

#[cfg(test)]
pub(crate) mod sample {
    use chrono::TimeZone;

    use super::*;

    pub const DID: &str = "did:web:results.example.org%3A8443:t:pl078";
    pub const LIST_URL: &str = "https://results.example.org:8443/t/pl078/status/1";

    /// A B2 First result as the app would describe it.
    pub fn achievement() -> Achievement {
        Achievement {
            id: "https://results.example.org:8443/verify/0b7e4c1e-5d55-4f0b-9f7e-2a4c1b3d9e10".into(),
            issuer_did: DID.into(),
            issuer_name: "Centrum Egzaminacyjne Kraków".into(),
            valid_from: Utc.with_ymd_and_hms(2026, 7, 14, 9, 0, 0).unwrap(),
            candidate_name: "Zofia Wójcik".into(),
            date_of_birth: NaiveDate::from_ymd_opt(2008, 3, 21).unwrap(),
            exam_code: "B2F".into(),
            exam_name: "B2 First".into(),
            session_date: NaiveDate::from_ymd_opt(2026, 6, 6).unwrap(),
            sor_number: "PL078-2026-000123".into(),
            overall_score: Some(176),
            grade: Some("B".into()),
            cefr: Some("B2".into()),
            components: ["Reading", "Use of English", "Writing", "Listening", "Speaking"]
                .into_iter()
                .zip([172, 180, 169, 181, 178])
                .map(|(name, score)| Component { name: name.into(), score })
                .collect(),
            version: 1,
            status: StatusEntry { list_url: LIST_URL.into(), index: 4242 },
        }
    }
}
