//! The documents: a Statement of Results as an Open Badges 3.0 credential, and a tenant's
//! Bitstring Status List credential.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::{Achievement, StatusEntry, StatusList, contexts};

/// The type Digital Bazaar's verifier and Open Badges validators accept (`AchievementCredential`
/// is only an alias of it in the context).
const CREDENTIAL_TYPE: &str = "OpenBadgeCredential";
const REVOCATION: &str = "revocation";

/// The unsigned credential of a result (see shape below).
///
/// Every term is one the VC 2.0 and Open Badges 3.0.3 contexts define, so verifiers that
/// canonicalise in safe mode accept it. The candidate is identified by `identifier`
/// (IdentityObjects, unhashed): name, date of birth, Statement of Results number and the result
/// version (`ext:resultVersion`, so a changed result is told apart from the one it replaced).
pub fn achievement_credential(a: &Achievement) -> Value {
    let exam = format!("urn:tessera:exam:{}", a.exam_code);
    let mut descriptions = Vec::new();
    let mut results = Vec::new();
    let mut add = |what: &str, name: &str, result_type: &str, value: String| {
        let id = format!("{exam}:{what}");
        descriptions.push(json!({
            "id": id,
            "type": ["ResultDescription"],
            "name": name,
            "resultType": result_type,
        }));
        results.push(json!({
            "type": ["Result"],
            "resultDescription": id,
            "value": value,
        }));
    };
    if let Some(score) = a.overall_score {
        add("overall", "Overall score", "ScaledScore", score.to_string());
    }
    if let Some(grade) = &a.grade {
        add("grade", "Grade", "LetterGrade", grade.clone());
    }
    if let Some(cefr) = &a.cefr {
        add("cefr", "CEFR level", "ext:CEFRLevel", cefr.clone());
    }
    for component in &a.components {
        add(
            &format!("component:{}", component_key(&component.name)),
            &component.name,
            "ScaledScore",
            component.score.to_string(),
        );
    }
    let identity = |identity_type: &str, value: String| {
        json!({
            "type": ["IdentityObject"],
            "identityType": identity_type,
            "identityHash": value,
            "hashed": false,
        })
    };
    json!({
        "@context": [contexts::CREDENTIALS_V2, contexts::OPEN_BADGES_V3],
        "id": a.id,
        "type": ["VerifiableCredential", CREDENTIAL_TYPE],
        "name": format!("Statement of Results {} — {}", a.sor_number, a.exam_name),
        "issuer": {
            "id": a.issuer_did,
            "type": ["Profile"],
            "name": a.issuer_name,
        },
        "validFrom": timestamp(a.valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                identity("name", a.candidate_name.clone()),
                identity("ext:dateOfBirth", a.date_of_birth.format("%Y-%m-%d").to_string()),
                identity("ext:statementOfResultsNumber", a.sor_number.clone()),
                identity("ext:resultVersion", a.version.to_string()),
            ],
            "activityEndDate": a.session_date.format("%Y-%m-%d").to_string(),
            "achievement": {
                "id": exam,
                "type": ["Achievement"],
                "name": a.exam_name,
                "description": format!("The {} examination.", a.exam_name),
                "criteria": {
                    "narrative": format!(
                        "Sat the {} examination in the session of {}.",
                        a.exam_name,
                        a.session_date.format("%Y-%m-%d")
                    ),
                },
                "resultDescription": descriptions,
            },
            "result": results,
        },
        "credentialStatus": status_entry(&a.status),
    })
}

/// A component's name as a URN segment: lower case ASCII letters and digits, the rest `-`.
fn component_key(name: &str) -> String {
    name.trim().chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect()
}

fn status_entry(status: &StatusEntry) -> Value {
    json!({
        "id": format!("{}#{}", status.list_url, status.index),
        "type": "BitstringStatusListEntry",
        "statusPurpose": REVOCATION,
        "statusListIndex": status.index.to_string(),
        "statusListCredential": status.list_url,
    })
}

/// Instants in credentials: seconds precision, UTC, `Z` (as XML Schema dateTime).
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The unsigned BitstringStatusListCredential (statusPurpose "revocation"); credentialSubject.id
/// = list_url + "#list".
pub fn status_list_credential(list_url: &str, issuer_did: &str, valid_from: DateTime<Utc>, list: &StatusList) -> Value {
    json!({
        "@context": [contexts::CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": format!("{list_url}#list"),
            // A string, not an array: Digital Bazaar's checkStatus compares it with `===`.
            "type": "BitstringStatusList",
            "statusPurpose": REVOCATION,
            "encodedList": list.encode(),
        },
    })
}

/// The credentialStatus entry of a credential, if it has a BitstringStatusListEntry
/// (statusListIndex is a string of digits in the document).
pub fn status_entry_of(credential: &Value) -> Option<StatusEntry> {
    let entries = match credential.get("credentialStatus")? {
        Value::Array(entries) => entries.iter().collect(),
        entry => vec![entry],
    };
    entries.into_iter().find_map(|entry| {
        let is_bitstring = match entry.get("type")? {
            Value::String(t) => t == "BitstringStatusListEntry",
            Value::Array(types) => types.iter().any(|t| t.as_str() == Some("BitstringStatusListEntry")),
            _ => false,
        };
        if !is_bitstring || entry.get("statusPurpose")?.as_str()? != REVOCATION {
            return None;
        }
        let index = entry.get("statusListIndex")?.as_str()?;
        if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(StatusEntry {
            list_url: entry.get("statusListCredential")?.as_str()?.to_owned(),
            index: index.parse().ok()?,
        })
    })
}
