//! Verification: what a credential someone holds is worth. The same check runs on the public
//! page (a link, an uploaded PDF or JSON, a paste), in the API and in `tessera verify` offline;
//! online, the issuer's keys and the revocation come from this server's database.

use super::keys;
use crate::error::AppError;
use crate::state::AppState;
use serde::Serialize;
use serde_json::Value;
use tessera_credentials::{PublicKey, STATUS_LIST_BITS, VerifyError};
use tessera_storage::repo::credentials as repo;
use tessera_storage::repo::tenants;
use utoipa::ToSchema;

/// Verifications allowed per client address (the public page needs no account).
pub const VERIFICATIONS_PER_ADDRESS: crate::rate::Budget =
    crate::rate::Budget { max: 60, window: chrono::Duration::minutes(10) };

/// What a credential is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Signed by the centre it names, unchanged, not revoked.
    Valid,
    /// Genuine, but the centre revoked it (a newer result, a cancelled entry, by hand).
    Revoked,
    /// Changed after it was signed (or signed by a key that did not sign it).
    Tampered,
    /// Signed by a key this server does not know: not a centre of this server.
    UnknownIssuer,
    /// Not a credential (nor a PDF carrying one).
    Unreadable,
}

impl Verdict {
    /// The locale key of the verdict's words (`verify.verdict.<code>`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Revoked => "revoked",
            Self::Tampered => "tampered",
            Self::UnknownIssuer => "unknown_issuer",
            Self::Unreadable => "unreadable",
        }
    }
}

/// One line of results a credential states.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatedResult {
    /// What it is, as the credential names it (e.g. `Overall score`, `Reading`).
    pub label: String,
    /// Its value as stated.
    pub value: String,
}

/// What a credential says, taken from the credential itself (nothing from the database).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Statement {
    /// The issuing centre's name.
    pub issuer_name: Option<String>,
    /// The candidate's name.
    pub candidate_name: Option<String>,
    /// The candidate's date of birth.
    pub date_of_birth: Option<String>,
    /// The exam.
    pub exam_name: Option<String>,
    /// The session's date.
    pub session_date: Option<String>,
    /// The Statement of Results number.
    pub sor_number: Option<String>,
    /// From when it is valid (the release).
    pub valid_from: Option<String>,
    /// The results stated.
    pub results: Vec<StatedResult>,
}

/// The answer of a verification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Verification {
    /// The verdict.
    pub verdict: Verdict,
    /// Whether revocation could be checked (offline, or a list of another server: no).
    pub status_checked: bool,
    /// Why it was revoked: `superseded` (a newer result version replaced it), `entry_cancelled`,
    /// `entry_voided` (R-ENTRY-VOID),
    /// or `by_hand` (the centre revoked it; its words in `revoked_note`).
    pub revoked_reason: Option<String>,
    /// The centre's words, for a revocation by hand.
    pub revoked_note: Option<String>,
    /// What it says: shown only for a valid or revoked credential (a tampered one says nothing
    /// anyone signed).
    pub statement: Option<Statement>,
}

impl Verification {
    /// A credential that is not valid: nothing it says is shown.
    pub fn failed(verdict: Verdict) -> Self {
        Self { verdict, status_checked: false, revoked_reason: None, revoked_note: None, statement: None }
    }
}

/// The credential in what someone submitted: a PDF carrying one as an attachment, or JSON.
pub fn read_submission(bytes: &[u8]) -> Option<Value> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if bytes.starts_with(b"%PDF") {
        let files = tessera_credentials::pdf::attachments(bytes).ok()?;
        let (_, json) = files
            .iter()
            .find(|(name, _)| name == crate::documents::CREDENTIAL_ATTACHMENT)
            .or_else(|| files.iter().find(|(name, _)| name.ends_with(".json")))?;
        return serde_json::from_slice(json).ok().filter(Value::is_object);
    }
    serde_json::from_slice(bytes).ok().filter(Value::is_object)
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What `doc` states, read from the document.
pub fn statement_of(doc: &Value) -> Statement {
    let subject = &doc["credentialSubject"];
    let identifiers = subject["identifier"].as_array().cloned().unwrap_or_default();
    let identity =
        |kind: &str| identifiers.iter().find(|i| i["identityType"] == kind).and_then(|i| text(&i["identityHash"]));
    let achievement = &subject["achievement"];
    let descriptions = achievement["resultDescription"].as_array().cloned().unwrap_or_default();
    let results = subject["result"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter_map(|r| {
                    let value = text(&r["value"]).or_else(|| text(&r["achievedLevel"]))?;
                    let described = r["resultDescription"].as_str().unwrap_or_default();
                    let label = descriptions
                        .iter()
                        .find(|d| d["id"] == described)
                        .and_then(|d| text(&d["name"]))
                        .unwrap_or_else(|| described.to_owned());
                    Some(StatedResult { label, value })
                })
                .collect()
        })
        .unwrap_or_default();
    Statement {
        issuer_name: text(&doc["issuer"]["name"]),
        candidate_name: identity("name"),
        date_of_birth: identity("ext:dateOfBirth"),
        exam_name: text(&achievement["name"]),
        session_date: text(&subject["activityEndDate"]),
        sor_number: identity("ext:statementOfResultsNumber"),
        valid_from: text(&doc["validFrom"]),
        results,
    }
}

/// The verification method a credential's proof names.
fn verification_method(doc: &Value) -> Option<&str> {
    doc["proof"]["verificationMethod"].as_str().or_else(|| doc["proof"][0]["verificationMethod"].as_str())
}

/// The signature check alone, with the keys `key_of` knows: `Ok(())` or the verdict it earns.
pub fn check_signature(doc: &Value, key_of: &dyn Fn(&str) -> Option<PublicKey>) -> Result<(), Verdict> {
    match tessera_credentials::verify(doc, key_of) {
        Ok(_) => Ok(()),
        Err(VerifyError::UnknownKey(_)) => Err(Verdict::UnknownIssuer),
        Err(VerifyError::BadSignature) => Err(Verdict::Tampered),
        Err(VerifyError::Malformed(_)) => {
            // A document with a proof someone changed is tampered; without one it is no credential.
            if verification_method(doc).is_some() { Err(Verdict::Tampered) } else { Err(Verdict::Unreadable) }
        }
    }
}

/// Where the credential came from: the public page, or a verifier organisation's API client.
#[derive(Debug, Clone)]
pub enum Via {
    /// The public page (no account; the visitor's address is not kept).
    PublicPage,
    /// The API, by this organisation.
    Api(String),
}

/// Verifies `doc` against this server's centres: keys, revocation, and the candidate's
/// "who viewed" record for a genuine credential of this server.
pub async fn verify_online(state: &AppState, doc: Value, via: Via) -> Result<Verification, AppError> {
    let url = state.settings.public_url.clone();
    let now = state.clock.now();
    Ok(state.db.call(move |c| verify_in(c, &url, &doc, Some(via), now)).await?)
}

/// [`verify_online`] on a connection: also what `tessera verify` runs against the local database
/// (`via` none: nothing recorded).
pub fn verify_in(
    c: &mut tessera_storage::DbConnection,
    url: &str,
    doc: &Value,
    via: Option<Via>,
    now: chrono::DateTime<chrono::Utc>,
) -> tessera_storage::StorageResult<Verification> {
    // The issuer: a centre of this server whose did:web the proof names.
    let did = verification_method(doc).and_then(|vm| vm.split_once('#')).map(|(d, _)| d.to_owned());
    let tenant = match did.as_deref().and_then(|d| d.rsplit(':').next()) {
        Some(slug) => match tenants::by_slug(c, slug) {
            Ok(t) if Some(keys::did_of(url, &t.slug)) == did => Some(t),
            Ok(_) | Err(tessera_storage::StorageError::NotFound) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let known: Vec<(String, PublicKey)> = match &tenant {
        Some(t) => keys::public_keys(c, t.id)
            .map_err(|e| tessera_storage::StorageError::Corrupt(e.to_string()))?
            .into_iter()
            .map(|(k, pk)| (format!("{}#{k}", keys::did_of(url, &t.slug)), pk))
            .collect(),
        None => vec![],
    };
    let key_of = |vm: &str| known.iter().find(|(id, _)| id == vm).map(|(_, pk)| *pk);
    if let Err(verdict) = check_signature(doc, &key_of) {
        return Ok(Verification::failed(verdict));
    }
    let Some(tenant) = tenant else {
        return Ok(Verification::failed(Verdict::UnknownIssuer));
    };
    // Revocation: the bit of this server's list, read from the database.
    let mut revoked_reason = None;
    let mut status_checked = false;
    let mut credential_id = None;
    if let Some(entry) = tessera_credentials::status_entry_of(doc) {
        let prefix = format!("{url}/t/{}/credentials/status/", tenant.slug);
        if let Some(list) = entry.list_url.strip_prefix(&prefix).and_then(|l| l.parse::<u64>().ok()) {
            let index = ((list.max(1) - 1) * STATUS_LIST_BITS + entry.index) as i64;
            if let Some(row) = repo::by_status_index(c, tenant.id, index)? {
                status_checked = true;
                if row.revoked_at.is_some() {
                    revoked_reason = Some(row.revoked_reason.clone().unwrap_or_default());
                }
                credential_id = Some(row.id);
            }
        }
    }
    if let (Some(id), Some(via)) = (&credential_id, &via) {
        let (via, name) = match via {
            Via::PublicPage => ("public_page", None),
            Via::Api(org) => ("api", Some(org.as_str())),
        };
        repo::record_check(c, tenant.id, id, via, name, now)?;
    }
    // A revocation by hand is stored as `by_hand: <the centre's words>`.
    let (revoked_reason, revoked_note) = match revoked_reason {
        Some(r) => match r.strip_prefix(super::revoke::BY_HAND) {
            Some(note) => (Some("by_hand".to_owned()), Some(note.to_owned())),
            None => (Some(r), None),
        },
        None => (None, None),
    };
    Ok(Verification {
        verdict: if revoked_reason.is_some() { Verdict::Revoked } else { Verdict::Valid },
        status_checked,
        revoked_reason,
        revoked_note,
        statement: Some(statement_of(doc)),
    })
}

/// Verifies `doc` offline with the keys `keys` (as `tessera keys export` writes them): revocation
/// cannot be checked (`status_checked` false).
pub fn verify_offline(doc: &Value, keys: &[keys::ExportedKey]) -> Verification {
    let key_of = |vm: &str| {
        keys.iter().find(|k| k.id == vm).and_then(|k| PublicKey::from_multibase(&k.public_key_multibase).ok())
    };
    match check_signature(doc, &key_of) {
        Ok(()) => Verification {
            verdict: Verdict::Valid,
            status_checked: false,
            revoked_reason: None,
            revoked_note: None,
            statement: Some(statement_of(doc)),
        },
        Err(verdict) => Verification::failed(verdict),
    }
}

/// The public page's check of a submission (a PDF, a JSON file, a paste), rate-limited per
/// client address.
pub async fn verify_submitted(
    state: &AppState,
    address: std::net::IpAddr,
    bytes: &[u8],
) -> Result<Verification, AppError> {
    take_budget(state, address).await?;
    match read_submission(bytes) {
        Some(doc) => verify_online(state, doc, Via::PublicPage).await,
        None => Ok(Verification::failed(Verdict::Unreadable)),
    }
}

async fn take_budget(state: &AppState, address: std::net::IpAddr) -> Result<(), AppError> {
    state.rate.take(&[(format!("verify:addr:{address}"), VERIFICATIONS_PER_ADDRESS)]).await?.map_err(AppError::too_many)
}

/// The stored credential `id` (whichever centre issued it): the document and its issuer.
async fn stored(state: &AppState, id: &str) -> Result<Value, AppError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(AppError::not_found());
    }
    let id = id.to_owned();
    let row = state
        .db
        .call(move |c| {
            let Some(tenant) = repo::issuer_of(c, &id)? else { return Ok(None) };
            let tid =
                tenant.parse().map_err(|_| tessera_storage::StorageError::Corrupt(format!("tenant id {tenant}")))?;
            Ok(Some(repo::get(c, tid, &id)?))
        })
        .await?
        .ok_or_else(AppError::not_found)?;
    serde_json::from_str(&row.document).map_err(AppError::internal)
}

/// The verification link (`/verify/<id>`, the QR code): the credential this server issued with
/// that id, verified. Rate-limited per client address; 404 for an id it never issued.
pub async fn verify_link(state: &AppState, address: std::net::IpAddr, id: &str) -> Result<Verification, AppError> {
    take_budget(state, address).await?;
    let doc = stored(state, id).await?;
    verify_online(state, doc, Via::PublicPage).await
}

/// A credential for a verifier organisation's API client: the document and its verification.
pub async fn credential_for_api(
    state: &AppState,
    verifier: &crate::verifier::Verifier,
    id: &str,
) -> Result<(Value, Verification), AppError> {
    let doc = stored(state, id).await?;
    let v = verify_online(state, doc.clone(), Via::Api(verifier.actor_name.clone())).await?;
    Ok((doc, v))
}
