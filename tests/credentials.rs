//! Verifiable Statements of Results (R-CREDENTIAL): every released result is a signed credential
//! (W3C VC 2.0, Open Badges 3.0, `eddsa-rdfc-2022`) with a QR code on its PDF; anyone checks it
//! without an account (the public page, the API) or offline (`tessera verify`); the centre revokes
//! it by hand, and a newer result version revokes the old one on every node. Digital Bazaar's
//! libraries (an implementation nobody here wrote) verify what Tessera issues, and what they sign
//! with a key Tessera does not know is refused.

use crate::after_exam::confirmed;
use crate::both_backends;
use crate::candidate::{activated, add_entry, fixture};
use crate::centre::{create_session, fce_session, polish_centre, post};
use crate::support::*;
use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use tessera_domain::{Role, TenantKind};

both_backends!(
    r_credential_issued_verified_and_revoked_by_hand,
    r_credential_an_enquiry_revokes_the_old_version_on_every_node
);

/// The public check of a credential through the API, with no account.
async fn check(srv: &TestServer, credential: &Value) -> Value {
    let res = client().post(srv.url("/api/v1/credentials/verify")).json(credential).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Changes the first stated result whose value is `from` (a forged score).
fn forge(credential: &Value, from: &str, to: &str) -> Value {
    let mut bad = credential.clone();
    let results = bad["credentialSubject"]["result"].as_array_mut().expect("results");
    let r = results.iter_mut().find(|r| r["value"] == from).unwrap_or_else(|| panic!("{from} in {credential}"));
    r["value"] = json!(to);
    bad
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (the test script installs it)"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

async fn r_credential_issued_verified_and_revoked_by_hand(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let fx = fixture(&srv);
    let now = start_instant();
    let (fce, _) = add_entry(&srv, &fx.centre, &fx.a.2, "FCE", now - Duration::days(3), "graded", 176);
    let (pending, _) = add_entry(&srv, &fx.centre, &fx.a.2, "CPE", now - Duration::days(3), "Pending", 0);
    let (me, _) = activated(&srv, &fx.a, "zofia@mail.example").await;

    // The candidate downloads the credential of a released result; it is issued once.
    let res = me.get(srv.url(&format!("/candidate/results/{fce}/credential.json"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/vc+ld+json");
    let cred: Value = res.json().await.unwrap();
    assert_eq!(cred["proof"]["type"], "DataIntegrityProof", "{cred}");
    assert_eq!(cred["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(cred["proof"]["proofPurpose"], "assertionMethod");
    let did = "did:web:127.0.0.1%3A8080:t:pl078";
    let issuer = cred["issuer"]["id"].as_str().or(cred["issuer"].as_str()).unwrap();
    assert_eq!(issuer, did);
    assert!(cred["proof"]["verificationMethod"].as_str().unwrap().starts_with(&format!("{did}#")));
    assert_eq!(cred["credentialStatus"]["type"], "BitstringStatusListEntry");
    let again: Value = me
        .get(srv.url(&format!("/candidate/results/{fce}/credential.json")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again, cred, "issued once: the same credential every time");
    let res = me.get(srv.url(&format!("/candidate/results/{pending}/credential.json"))).send().await.unwrap();
    assert_eq!(res.status(), 404, "a pending result states nothing to verify");
    let page = me.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/candidate/results/{fce}/credential.json")), "the results page offers it");

    // Anyone checks it, with no account: valid, and it shows what the credential says.
    let v = check(&srv, &cred).await;
    assert_eq!(v["verdict"], "valid", "{v}");
    assert_eq!(v["status_checked"], true);
    assert_eq!(v["statement"]["candidate_name"], "Zofia Nowak");
    assert_eq!(v["statement"]["date_of_birth"], "2001-05-17");
    assert_eq!(v["statement"]["issuer_name"].as_str().map(|n| !n.is_empty()), Some(true));
    assert!(v["statement"]["results"].as_array().unwrap().iter().any(|r| r["value"] == "176"), "{v}");
    // A changed score is tampered, and nothing it says is shown.
    let v = check(&srv, &forge(&cred, "176", "196")).await;
    assert_eq!((v["verdict"].as_str(), v["statement"].is_null()), (Some("tampered"), true), "{v}");
    // Not a credential at all.
    let v = check(&srv, &json!({"hello": "world"})).await;
    assert_eq!(v["verdict"], "unreadable");

    // The PDF: its QR code decodes (zbarimg) to the verification link, and the credential attached
    // to it (pdfdetach) is the same credential.
    let pdf = me.get(srv.url(&format!("/candidate/results/{fce}/statement.pdf"))).send().await.unwrap();
    let status = pdf.status();
    let pdf = pdf.bytes().await.unwrap().to_vec();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&pdf));
    let scratch = tempfile::tempdir().unwrap();
    let pdf_path = scratch.path().join("sor.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let (code, _, err) = run(Command::new("pdfdetach").arg("-saveall").arg("-o").arg(scratch.path()).arg(&pdf_path));
    assert_eq!(code, 0, "pdfdetach: {err}");
    let attached: Value =
        serde_json::from_slice(&std::fs::read(scratch.path().join("credential.json")).unwrap()).unwrap();
    assert_eq!(attached, cred, "the PDF carries the credential");
    let png = scratch.path().join("page");
    let (code, _, err) = run(Command::new("pdftoppm")
        .args(["-r", "200", "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf_path)
        .arg(&png));
    assert_eq!(code, 0, "pdftoppm: {err}");
    let (code, out, err) = run(Command::new("zbarimg").args(["--raw", "-q"]).arg(png.with_extension("png")));
    assert_eq!(code, 0, "zbarimg found no code: {err}");
    assert_eq!(out.trim(), cred["id"].as_str().unwrap(), "the QR code is the verification link");
    let id = cred["id"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();

    // The public page, in the visitor's language: upload the PDF.
    let visitor = client();
    let form = visitor.get(srv.url("/verify")).header("accept-language", "pl").send().await.unwrap();
    assert_eq!(form.status(), 200);
    let csrf = csrf_of(&form.text().await.unwrap());
    let upload = reqwest::multipart::Form::new().text("csrf", csrf.clone()).part(
        "file",
        reqwest::multipart::Part::bytes(pdf.clone()).file_name("sor.pdf").mime_str("application/pdf").unwrap(),
    );
    let res = visitor.post(srv.url("/verify")).header("accept-language", "pl").multipart(upload).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Ważny") && page.contains("Zofia Nowak"), "{page}");
    // Pasted and forged: tampered, in Italian.
    let paste =
        reqwest::multipart::Form::new().text("csrf", csrf.clone()).text("text", forge(&cred, "176", "196").to_string());
    let page = visitor
        .post(srv.url("/verify"))
        .header("accept-language", "it")
        .multipart(paste)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Modificata dopo il rilascio") && !page.contains("Zofia"), "{page}");
    // Nothing submitted: the field is named.
    let res = visitor
        .post(srv.url("/verify"))
        .multipart(reqwest::multipart::Form::new().text("csrf", csrf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("href=\"#file\""));
    // The QR link.
    let res = visitor.get(srv.url(&format!("/verify/{id}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Zofia Nowak"));
    let res = visitor.get(srv.url(&format!("/verify/{}", uuid::Uuid::new_v4()))).send().await.unwrap();
    assert_eq!(res.status(), 404, "an id this server never issued");

    // The candidate sees the checks, without the visitor's address.
    let page = me.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Checked on the public verification page"), "{page}");
    assert!(!page.contains("127.0.0.1"), "no visitor address");

    // The centre's did:web document and its status list, with caching headers.
    let doc: Value = visitor.get(srv.url("/t/pl078/did.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["id"], did);
    let vm = &doc["verificationMethod"][0];
    assert_eq!(vm["type"], "Multikey");
    assert!(vm["publicKeyMultibase"].as_str().unwrap().starts_with("z6Mk"), "{doc}");
    assert!(doc["assertionMethod"].as_array().unwrap().contains(&vm["id"]));
    let list_url = cred["credentialStatus"]["statusListCredential"].as_str().unwrap();
    let list_path = list_url.strip_prefix("http://127.0.0.1:8080").unwrap().to_owned();
    let index: u64 = cred["credentialStatus"]["statusListIndex"].as_str().unwrap().parse().unwrap();
    let res = visitor.get(srv.url(&list_path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("no-cache"));
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let list: Value = res.json().await.unwrap();
    assert!(!tessera_credentials::status_list_of(&list).unwrap().get(index), "not revoked yet");
    let res = visitor.get(srv.url(&list_path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(res.status(), 304);
    let res = visitor.get(srv.url("/t/pl078/credentials/status/7")).send().await.unwrap();
    assert_eq!(res.status(), 404, "a list no credential uses");
    let res = visitor.get(srv.url("/t/unimi/did.json")).send().await.unwrap();
    assert_eq!(res.status(), 404, "a verifier organisation issues nothing");

    // Revoked by hand: the reason is required, recorded and audited; another centre cannot.
    srv.user(&fx.centre, "manager@pl078.example", Role::CentreManager);
    let other = srv.tenant("pl099", TenantKind::Centre);
    srv.user(&other, "manager@pl099.example", Role::CentreManager);
    let intruder = client();
    login(&intruder, &srv, "pl099", "manager@pl099.example", PASSWORD).await;
    let page = intruder.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap();
    let res = intruder
        .post(srv.url(&format!("/centre/entries/{fce}/credential/revoke")))
        .form(&[("csrf", csrf_of(&page).as_str()), ("revocation_reason", "not ours")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "another centre's entry");
    let mgr = client();
    login(&mgr, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let page = mgr.get(srv.url(&format!("/centre/entries/{fce}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/verify/{id}")), "the entry page lists the credential");
    let mcsrf = csrf_of(&page);
    let res = mgr
        .post(srv.url(&format!("/centre/entries/{fce}/credential/revoke")))
        .form(&[("csrf", mcsrf.as_str()), ("revocation_reason", " ")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("href=\"#revocation_reason\""));
    assert_eq!(check(&srv, &cred).await["verdict"], "valid", "a refused revocation changes nothing");
    // Revoking cannot be undone: a confirmation page says so first, and changes nothing.
    let res = mgr
        .post(srv.url(&format!("/centre/entries/{fce}/credential/revoke")))
        .form(&[("csrf", mcsrf.as_str()), ("revocation_reason", "Issued to the wrong candidate")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let confirm = res.text().await.unwrap();
    assert!(confirm.contains("Revoke the credential of") && confirm.contains("cannot be undone"), "{confirm}");
    assert_eq!(check(&srv, &cred).await["verdict"], "valid", "not revoked before the confirmation");
    let res = mgr
        .post(srv.url(&format!("/centre/entries/{fce}/credential/revoke")))
        .form(&[("csrf", mcsrf.as_str()), ("revocation_reason", "Issued to the wrong candidate"), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let v = check(&srv, &cred).await;
    assert_eq!(
        (v["verdict"].as_str(), v["revoked_reason"].as_str(), v["revoked_note"].as_str()),
        (Some("revoked"), Some("by_hand"), Some("Issued to the wrong candidate")),
        "{v}"
    );
    let res = visitor.get(srv.url(&list_path)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(res.status(), 200, "the list changed");
    assert_ne!(res.headers()["etag"].to_str().unwrap(), etag);
    let list: Value = res.json().await.unwrap();
    assert!(tessera_credentials::status_list_of(&list).unwrap().get(index), "the bit is set");
    let page = visitor.get(srv.url(&format!("/verify/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Revoked") && page.contains("Issued to the wrong candidate"), "{page}");
    let mcsrf2 = api_login(&mgr, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let _ = mcsrf2;
    let audit: Value =
        mgr.get(srv.url("/api/v1/audit?action=credential.revoke")).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");
    // Share withdrawal is about access: only revocation changes validity (nothing else revoked it).
    srv.stop().await;
}

async fn r_credential_an_enquiry_revokes_the_old_version_on_every_node(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Wiktor").await;
    let csv = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n0001,graded,172,C,B2,170,175,168,172,175\n";
    assert_eq!(crate::centre::import_csv(&http, &srv, &csrf, &session, csv).await, 200);
    let res = http.get(srv.url(&format!("/api/v1/entries/{entry}/credential"))).send().await.unwrap();
    assert_eq!(res.status(), 404, "no credential before the release (R-RELEASE)");
    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let v1: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/credential"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(check(&srv, &v1).await["verdict"], "valid");
    let second = {
        let url = srv.database_url.clone();
        TestServer::start_with(backend, move |c| c.database.url = url).await
    };
    second.clock.set(Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap());
    assert_eq!(check(&second, &v1).await["verdict"], "valid", "the other node agrees");

    let (status, e1) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/enquiries"),
        json!({"stage": 1, "fee_minor": 15000}),
    )
    .await;
    assert_eq!(status, 201, "{e1}");
    let (status, done) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/enquiries/{}/outcome", e1["id"].as_str().unwrap()),
        json!({"overall_score": 174, "grade": "B", "cefr": "B2", "components": {"Writing": 178}}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    // The old version's credential is revoked at once, on this node and the other.
    let started = std::time::Instant::now();
    for node in [&srv, &second] {
        let v = check(node, &v1).await;
        assert_eq!((v["verdict"].as_str(), v["revoked_reason"].as_str()), (Some("revoked"), Some("superseded")), "{v}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "within a second");
    // The new version has a credential of its own, valid, stating the new grade.
    let v2: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/credential"))).send().await.unwrap().json().await.unwrap();
    assert_ne!(v2["id"], v1["id"]);
    let v = check(&second, &v2).await;
    assert_eq!(v["verdict"], "valid", "{v}");
    assert!(v["statement"]["results"].as_array().unwrap().iter().any(|r| r["value"] == "174"), "{v}");
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["credentials"].as_array().map(Vec::len), Some(2), "{d}");
    second.stop().await;
    srv.stop().await;
}

/// Where the test script installed Digital Bazaar's libraries (`tests/vc-interop` with its
/// node_modules).
fn interop_dir() -> std::path::PathBuf {
    let dir = std::env::var("TESSERA_VC_INTEROP").expect(
        "TESSERA_VC_INTEROP is not set: run the suite with `bash tests/run.sh`, which installs Digital Bazaar's \
         verifier (npm ci in tests/vc-interop)",
    );
    let dir = std::path::PathBuf::from(dir);
    assert!(dir.join("node_modules/@digitalbazaar/vc").is_dir(), "{}: npm ci has not run", dir.display());
    dir
}

fn node(dir: &Path, args: &[&str]) -> (i32, String, String) {
    run(Command::new("node").current_dir(dir).arg("interop.mjs").args(args))
}

/// Interoperability: Digital Bazaar's verifier accepts what Tessera issues, refuses a forged
/// grade, and reports a revoked credential revoked; what Digital Bazaar signs with a key Tessera
/// does not know is refused by the public check and by `tessera verify`. And `tessera verify`
/// checks offline with exported keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_credential_interoperates_with_digital_bazaar_and_verifies_offline() {
    let dir = interop_dir();
    let port = free_port();
    let srv = TestServer::start_with(Backend::Sqlite, move |c| {
        c.server.listen = format!("127.0.0.1:{port}");
        c.server.public_url = format!("http://127.0.0.1:{port}");
    })
    .await;
    let fx = fixture(&srv);
    let now = start_instant();
    let (fce, _) = add_entry(&srv, &fx.centre, &fx.a.2, "FCE", now - Duration::days(3), "graded", 176);
    let (me, _) = activated(&srv, &fx.a, "zofia@mail.example").await;
    let cred: Value = me
        .get(srv.url(&format!("/candidate/results/{fce}/credential.json")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let file = |name: &str, v: &Value| {
        let p = scratch.path().join(name);
        std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let good = file("good.json", &cred);
    let forged = file("forged.json", &forge(&cred, "176", "196"));
    let base = srv.base.clone();

    let (code, out, err) = node(&dir, &["verify", &good, "--base", &base]);
    let v: Value = serde_json::from_str(out.trim().lines().last().unwrap_or("{}")).unwrap_or(Value::Null);
    assert_eq!((code, v["verified"].as_bool(), v["revoked"].as_bool()), (0, Some(true), Some(false)), "{out}{err}");
    let (code, out, err) = node(&dir, &["verify", &forged, "--base", &base]);
    let v: Value = serde_json::from_str(out.trim().lines().last().unwrap_or("{}")).unwrap_or(Value::Null);
    assert_eq!((code, v["verified"].as_bool()), (1, Some(false)), "a changed grade fails: {out}{err}");

    // Offline, with the exported keys: valid, and revocation cannot be checked.
    let data = srv.running.as_ref().unwrap().state.settings.data_dir.clone();
    let public = format!("http://127.0.0.1:{port}");
    let env = [("TESSERA_DATA_DIR", data.to_str().unwrap()), ("TESSERA_SERVER__PUBLIC_URL", public.as_str())];
    let (code, keys, err) = tessera(&["keys", "export", "--tenant", "pl078"], &env, None);
    assert_eq!(code, 0, "{err}");
    let keys_path = scratch.path().join("keys.json");
    std::fs::write(&keys_path, &keys).unwrap();
    let keys_arg = keys_path.to_str().unwrap();
    let (code, out, err) = tessera(&["verify", &good, "--keys", keys_arg], &[], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("valid") && out.contains("Zofia Nowak") && out.contains("revocation status could not be checked"),
        "{out}"
    );
    let (code, out, _) = tessera(&["verify", &forged, "--keys", keys_arg], &[], None);
    assert_eq!(code, 1);
    assert!(out.contains("tampered"), "{out}");
    // The PDF works as well as the JSON.
    let pdf = me
        .get(srv.url(&format!("/candidate/results/{fce}/statement.pdf")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let pdf_path = scratch.path().join("sor.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let (code, out, err) = tessera(&["verify", pdf_path.to_str().unwrap(), "--keys", keys_arg], &[], None);
    assert_eq!(code, 0, "{out}{err}");

    // A new key: the old one stays in the DID document and keeps verifying what it signed; what is
    // issued from now on is signed with the new one.
    let (code, out, err) = tessera(&["keys", "rotate", "--tenant", "pl078"], &env, None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("key-2"), "{out}");
    let doc: Value = client().get(srv.url("/t/pl078/did.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(doc["verificationMethod"].as_array().map(Vec::len), Some(2), "{doc}");
    assert_eq!(check(&srv, &cred).await["verdict"], "valid", "signed with the retired key");
    let (cae, _) = add_entry(&srv, &fx.centre, &fx.a.2, "CAE", now - Duration::days(1), "graded", 190);
    let newer: Value = me
        .get(srv.url(&format!("/candidate/results/{cae}/credential.json")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(newer["proof"]["verificationMethod"].as_str().unwrap().ends_with("#key-2"), "{newer}");
    assert_eq!(check(&srv, &newer).await["verdict"], "valid");
    let (code, out, err) = node(&dir, &["verify", &file("newer.json", &newer), "--base", &base]);
    assert_eq!(code, 0, "Digital Bazaar resolves the new key too: {out}{err}");
    // A centre created from the command line has its key from the start; an organisation none.
    let (code, _, err) = tessera(
        &[
            "tenant",
            "create",
            "--kind",
            "centre",
            "--name",
            "HU001 Budapest",
            "--slug",
            "hu001",
            "--country",
            "HU",
            "--timezone",
            "Europe/Budapest",
            "--locale",
            "hu",
        ],
        &env,
        None,
    );
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = tessera(&["keys", "export", "--tenant", "hu001"], &env, None);
    assert_eq!(code, 0, "{err}");
    let exported: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(exported["keys"].as_array().map(Vec::len), Some(1), "{out}");
    let (code, _, _) = tessera(&["keys", "rotate", "--tenant", "unimi"], &env, None);
    assert_eq!(code, 2, "a verifier organisation issues nothing");

    // Revoked (by hand): Digital Bazaar's status check reports it.
    srv.user(&fx.centre, "manager@pl078.example", Role::CentreManager);
    let mgr = client();
    login(&mgr, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let page = mgr.get(srv.url(&format!("/centre/entries/{fce}"))).send().await.unwrap().text().await.unwrap();
    let res = mgr
        .post(srv.url(&format!("/centre/entries/{fce}/credential/revoke")))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("revocation_reason", "checked with the board"),
            ("confirmed", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (code, out, err) = node(&dir, &["verify", &good, "--base", &base]);
    let v: Value = serde_json::from_str(out.trim().lines().last().unwrap_or("{}")).unwrap_or(Value::Null);
    assert_eq!((code, v["revoked"].as_bool()), (1, Some(true)), "reported revoked: {out}{err}");
    // Against the database (not offline), `tessera verify` knows it is revoked.
    let (code, out, _) = tessera(&["verify", &good], &env, None);
    assert_eq!(code, 1);
    assert!(out.contains("revoked"), "{out}");

    // The reverse: a credential Digital Bazaar signs with its own key is refused.
    let foreign = scratch.path().join("foreign.json");
    let (code, out, err) = node(&dir, &["sign", foreign.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let foreign_doc: Value = serde_json::from_slice(&std::fs::read(&foreign).unwrap()).unwrap();
    assert_eq!(foreign_doc["proof"]["cryptosuite"], "eddsa-rdfc-2022", "{foreign_doc}");
    assert_eq!(check(&srv, &foreign_doc).await["verdict"], "unknown_issuer");
    let (code, out, _) = tessera(&["verify", foreign.to_str().unwrap(), "--keys", keys_arg], &[], None);
    assert_eq!(code, 1);
    assert!(out.contains("unknown issuer"), "{out}");
    srv.stop().await;
}
