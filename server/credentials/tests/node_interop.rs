//! Interoperability with an implementation nobody here wrote: Digital Bazaar's verifier (through
//! `tests/vc-interop/interop.mjs`) checks credentials this crate built and signed, resolving the
//! issuer's did:web document and the status list from a small HTTP server in this test.
//!
//! Needs `TESSERA_VC_INTEROP` = the `tests/vc-interop` folder with its `node_modules` (`npm ci`
//! there); `tests/run.sh` installs Node and the packages and sets it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate, SubsecRound, Utc};
use serde_json::{Value, json};
use tessera_credentials::{
    Achievement, Component, SigningKey, StatusEntry, StatusList, achievement_credential, did_document, did_web, sign,
    status_list_credential,
};

type Site = Arc<Mutex<HashMap<String, Vec<u8>>>>;

fn interop_dir() -> PathBuf {
    let dir = std::env::var_os("TESSERA_VC_INTEROP").unwrap_or_else(|| {
        panic!(
            "TESSERA_VC_INTEROP is not set: it must name tests/vc-interop with its node_modules \
             installed (`npm ci` there). tests/run.sh installs Node and the packages and sets it; \
             by hand: (cd tests/vc-interop && npm ci) && \
             TESSERA_VC_INTEROP=$PWD/tests/vc-interop cargo test -p tessera-credentials --test node_interop"
        )
    });
    let dir = PathBuf::from(dir);
    assert!(
        dir.join("interop.mjs").is_file() && dir.join("node_modules").is_dir(),
        "TESSERA_VC_INTEROP={} has no interop.mjs or no node_modules (run `npm ci` there)",
        dir.display()
    );
    dir
}

/// Serves the files of `site` by path over HTTP/1.1, one request per connection.
fn serve(site: Site) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Read the headers to the blank line (GET only: no body).
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let body = site.lock().unwrap().get(&path).cloned();
            let response = match body {
                Some(body) => {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body);
                    r
                }
                None => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
            };
            let _ = stream.write_all(&response);
        }
    });
    port
}

/// `node interop.mjs verify FILE --base URL`: its JSON line and whether it exited 0.
fn digital_bazaar_verifies(dir: &Path, credential: &Value, base: &str) -> (Value, bool) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec_pretty(credential).unwrap()).unwrap();
    let output = Command::new("node")
        .arg(dir.join("interop.mjs"))
        .arg("verify")
        .arg(file.path())
        .args(["--base", base])
        .current_dir(dir)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .last()
        .unwrap_or_else(|| panic!("interop.mjs printed nothing; stderr: {}", String::from_utf8_lossy(&output.stderr)));
    let result: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("interop.mjs printed {line:?} ({e})"));
    eprintln!("interop.mjs verify: {line} ({})", output.status);
    (result, output.status.success())
}

fn achievement(did: &str, list_url: &str, index: u64) -> Achievement {
    Achievement {
        id: "https://results.example.org/verify/0b7e4c1e-5d55-4f0b-9f7e-2a4c1b3d9e10".into(),
        issuer_did: did.into(),
        issuer_name: "Centrum Egzaminacyjne Kraków".into(),
        valid_from: Utc::now().trunc_subsecs(0) - Duration::hours(1),
        candidate_name: "Zofia Wójcik".into(),
        date_of_birth: NaiveDate::from_ymd_opt(2008, 3, 21).unwrap(),
        exam_code: "B2F".into(),
        exam_name: "B2 First".into(),
        session_date: NaiveDate::from_ymd_opt(2026, 6, 6).unwrap(),
        sor_number: "PL078-2026-000123".into(),
        overall_score: Some(176),
        grade: Some("B".into()),
        cefr: Some("B2".into()),
        components: vec![
            Component { name: "Reading".into(), score: 172 },
            Component { name: "Use of English".into(), score: 180 },
        ],
        version: 2,
        status: StatusEntry { list_url: list_url.into(), index },
    }
}

#[test]
fn digital_bazaar_verifies_our_credentials_and_reads_our_revocations() {
    let dir = interop_dir();
    let site: Site = Arc::default();
    let port = serve(Arc::clone(&site));
    let base = format!("http://127.0.0.1:{port}");
    let did = did_web(&base, "pl078");
    assert_eq!(did, format!("did:web:127.0.0.1%3A{port}:t:pl078"));
    let method = format!("{did}#key-1");
    let key = SigningKey::generate();
    let list_path = "/t/pl078/status/1";
    let list_url = format!("{base}{list_path}");
    let created = Utc::now().trunc_subsecs(0) - Duration::minutes(30);

    let publish_list = |list: &StatusList| {
        let unsigned = status_list_credential(&list_url, &did, created, list);
        let signed = sign(unsigned, &key, &method, created).unwrap();
        site.lock().unwrap().insert(list_path.into(), serde_json::to_vec(&signed).unwrap());
    };
    site.lock().unwrap().insert(
        "/t/pl078/did.json".into(),
        serde_json::to_vec(&did_document(&did, &[("key-1".into(), key.public())])).unwrap(),
    );
    let mut list = StatusList::new();
    publish_list(&list);

    let credential = sign(achievement_credential(&achievement(&did, &list_url, 4242)), &key, &method, created).unwrap();

    let (result, ok) = digital_bazaar_verifies(&dir, &credential, &base);
    assert!(ok, "{result}");
    assert_eq!(result, json!({"verified": true, "revoked": false, "errors": []}));

    let mut changed = credential.clone();
    let results = changed["credentialSubject"]["result"].as_array_mut().unwrap();
    let grade = results.iter_mut().find(|r| r["resultDescription"] == "urn:tessera:exam:B2F:grade").unwrap();
    grade["value"] = json!("A");
    let (result, ok) = digital_bazaar_verifies(&dir, &changed, &base);
    assert!(!ok, "{result}");
    assert_eq!(result["verified"], false, "{result}");

    list.set(4242, true);
    publish_list(&list);
    let (result, ok) = digital_bazaar_verifies(&dir, &credential, &base);
    assert!(!ok, "{result}");
    assert_eq!(result["verified"], true, "{result}");
    assert_eq!(result["revoked"], true, "{result}");
}
