//! Verifiable Statements of Results (R-CREDENTIAL).
//!
//! A released result version becomes a W3C Verifiable Credential 2.0 shaped as an Open Badges 3.0
//! `AchievementCredential`, secured with a Data Integrity proof of the `eddsa-rdfc-2022`
//! cryptosuite: the document and the proof options are canonicalised with RDFC-1.0 (JSON-LD to
//! RDF with the bundled contexts only: nothing is fetched), hashed with SHA-256 and signed with
//! the issuing tenant's Ed25519 key. Revocation is a Bitstring Status List credential per tenant.
//!
//! This crate is pure: no database, no HTTP. The app decides what to sign and with which key.

pub mod contexts;

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;

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
    _private: (),
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

// TEMPORARY: signatures only, replaced by the implementation on the `credentials` branch.
impl SigningKey {
    pub fn generate() -> Self { todo!() }
    pub fn from_bytes(_secret: &[u8; 32]) -> Self { todo!() }
    pub fn to_bytes(&self) -> [u8; 32] { todo!() }
    pub fn public(&self) -> PublicKey { todo!() }
}
impl PublicKey {
    pub fn to_multibase(&self) -> String { todo!() }
    pub fn from_multibase(_s: &str) -> Result<Self, Error> { todo!() }
}
pub fn achievement_credential(_a: &Achievement) -> Value { todo!() }
pub fn status_list_credential(_u: &str, _i: &str, _v: DateTime<Utc>, _l: &StatusList) -> Value { todo!() }
pub fn sign(_u: Value, _k: &SigningKey, _vm: &str, _c: DateTime<Utc>) -> Result<Value, Error> { todo!() }
pub fn verify(_s: &Value, _k: &dyn Fn(&str) -> Option<PublicKey>) -> Result<Verified, VerifyError> { todo!() }
pub fn canonicalize(_d: &Value) -> Result<String, Error> { todo!() }
pub fn status_entry_of(_c: &Value) -> Option<StatusEntry> { todo!() }
pub fn did_web(_p: &str, _s: &str) -> String { todo!() }
pub fn did_document(_d: &str, _k: &[(String, PublicKey)]) -> Value { todo!() }
pub const STATUS_LIST_BITS: u64 = 131_072;
pub struct StatusList;
impl StatusList {
    pub fn new() -> Self { todo!() }
    pub fn set(&mut self, _i: u64, _r: bool) { todo!() }
    pub fn get(&self, _i: u64) -> bool { todo!() }
}
pub fn status_list_of(_c: &Value) -> Result<StatusList, Error> { todo!() }
pub mod wrap {
    pub fn seal(_w: &[u8; 32], _s: &[u8; 32]) -> String { todo!() }
    pub fn open(_w: &[u8; 32], _s: &str) -> Result<[u8; 32], super::Error> { todo!() }
}
pub mod pdf {
    pub fn attachments(_p: &[u8]) -> Result<Vec<(String, Vec<u8>)>, super::Error> { todo!() }
}
