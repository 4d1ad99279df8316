//! The centre's year through the API (DOMAIN.md sections 3 to 10): sessions, entries, payments,
//! documents, Confirmations of Entry, results imports, speaking pairs and refunds, with the
//! country rules decided by the real policy plugins (`pl` for the Polish centre).

use crate::both_backends;
use crate::support::*;
use chrono::Duration;
use serde_json::{Value, json};
use tessera_app::secrets::SecretMatch;
use tessera_domain::{Role, TenantKind};

both_backends!(entries_from_form_to_confirmation, concurrent_entries_fill_the_session_exactly);

/// A Polish centre with the `pl` plugin deciding everything it implements, a manager signed in.
pub(crate) async fn polish_centre(backend: Backend) -> (TestServer, reqwest::Client, String) {
    let srv = TestServer::start_with_plugins(backend).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.assign(&centre, "pl", &["refund", "photo", "identity", "eligibility", "deadlines", "retention"]);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let http = client();
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    (srv, http, csrf)
}

/// An FCE session: registration 2026-11-01..2026-12-01, late entries until 2026-12-10, exam
/// 2026-12-12; the test clock stands at 2026-11-22.
pub(crate) fn fce_session(capacity: i32, minimum: i32) -> Value {
    json!({
        "exam_code": "FCE", "written_date": "2026-12-12", "time_of_day": "AM", "delivery": "PB",
        "fee_minor": 81000, "late_fee_minor": 15000, "currency": "PLN",
        "registration_opens": "2026-11-01", "registration_closes": "2026-12-01", "late_entry_deadline": "2026-12-10",
        "capacity": capacity, "minimum_candidates": minimum,
        "release_at": "2027-01-16 09:00", "release_timezone": "Europe/London",
        "speaking_window_start": "2026-12-05", "speaking_window_end": "2026-12-13", "venue": "Katowice, ul. Jagiellońska 5",
        "timetable": [
            {"component": "Reading", "day": "2026-12-12", "starts_at": "09:00", "venue": "Main building", "room": "101"},
            {"component": "Writing", "day": "2026-12-12", "starts_at": "10:30", "venue": "Main building", "room": "101"},
            {"component": "Speaking", "day": "2026-12-05", "starts_at": "14:00", "venue": "Main building", "room": "12"}
        ]
    })
}

pub(crate) async fn post(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let res = http.post(srv.url(path)).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    if status >= 500 {
        eprintln!("POST {path} -> {status}: {text}");
    }
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub(crate) fn adult(session: &str, first: &str, family: &str) -> Value {
    json!({"session_id": session, "first_name": first, "family_name": family, "date_of_birth": "1999-05-04",
           "email": format!("{}@mail.example", tessera_domain::tenant::slug_from_name(first)), "phone": "+48 600 100 200", "nationality": "PL",
           "id_document_type": "national_id_card", "id_document_number": "ABC123456", "regulations_accepted": true})
}

/// A new entry of `first` `family` in `session`, made by the centre's staff; returns its id.
pub(crate) async fn new_entry(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    session: &str,
    first: &str,
    family: &str,
) -> String {
    let (status, r) = post(http, srv, csrf, "/api/v1/entries", adult(session, first, family)).await;
    assert_eq!(status, 201, "{r}");
    r["entry_id"].as_str().unwrap().to_owned()
}

/// Uploads a board results file (CSV) for `session` through the API; returns the status.
pub(crate) async fn import_csv(http: &reqwest::Client, srv: &TestServer, csrf: &str, session: &str, csv: &str) -> u16 {
    let res = http
        .post(srv.url(&format!("/api/v1/sessions/{session}/results")))
        .header("x-csrf-token", csrf)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

pub(crate) async fn create_session(http: &reqwest::Client, srv: &TestServer, csrf: &str, body: Value) -> String {
    let (status, v) = post(http, srv, csrf, "/api/v1/sessions", body).await;
    assert_eq!(status, 201, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn upload(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    entry: &str,
    kind: &str,
    file: (&str, &str, Vec<u8>),
) -> (u16, Value) {
    let (name, ct, bytes) = file;
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_owned())
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(ct).unwrap());
    let res = http
        .post(srv.url(&format!("/api/v1/entries/{entry}/documents")))
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) fn pdf_bytes() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

async fn entries_from_form_to_confirmation(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    // Bad sessions are refused by field and create nothing.
    let mut bad = fce_session(10, 2);
    bad["late_entry_deadline"] = json!("2026-11-20");
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/sessions", bad).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("late_entry_deadline")), "{v}");
    let mut bad = fce_session(10, 2);
    bad["timetable"][0]["component"] = json!("Chemistry");
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/sessions", bad).await;
    assert_eq!(status, 400, "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("Use of English"), "lists the exam's components: {v}");
    let sessions: Value = http.get(srv.url("/api/v1/sessions")).send().await.unwrap().json().await.unwrap();
    assert_eq!(sessions.as_array().unwrap().len(), 0, "nothing was created");

    let (status, v) = post(&http, &srv, &csrf, "/api/v1/sessions", fce_session(2, 1)).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["release_at"], "2027-01-16T09:00:00+00:00", "09:00 UK time in January is 09:00 UTC");
    let session = v["id"].as_str().unwrap().to_owned();

    // The public entry form: R-MINOR-GUARDIAN.
    let mut minor = adult(&session, "Zosia", "Wójcik");
    minor["date_of_birth"] = json!("2010-03-03");
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", minor.clone()).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("guardian_name")), "R-MINOR-GUARDIAN: {v}");
    minor["guardian_name"] = json!("Anna Wójcik");
    minor["guardian_contact"] = json!("+48 600 000 001");
    let (status, minor_receipt) = post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", minor).await;
    assert_eq!(status, 201, "{minor_receipt}");

    let (status, receipt) =
        post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", adult(&session, "Łukasz", "Nowak")).await;
    assert_eq!(status, 201, "{receipt}");
    assert_eq!(receipt["status"], "pending", "fee and photo consent still missing (R-PL-ENTRY-COMPLETE)");
    assert_eq!(receipt["amount_due_minor"], 81000);
    assert_eq!(receipt["late"], false);
    assert_eq!(receipt["candidate_number"], "0002");
    let entry = receipt["entry_id"].as_str().unwrap().to_owned();

    // R-SESSION-CAPACITY: the session holds two.
    let (status, v) =
        post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", adult(&session, "Paweł", "Kowalski")).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("session_full")), "{v}");

    // The acknowledgement email names the amount and the pay-by date.
    let mail_dir = srv.running.as_ref().unwrap().state.settings.data_dir.join("mail");
    let mut ack = String::new();
    for _ in 0..100 {
        ack = std::fs::read_dir(&mail_dir)
            .map(|d| {
                d.filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
                    .find(|m| m.contains("lukasz@mail.example"))
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        if !ack.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let ack = decode_qp(&ack);
    assert!(ack.contains("810.00\u{a0}PLN"), "the acknowledgement names the amount: {ack}");

    // Payment: still pending until the photo consent arrives; then confirmed.
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/payments"),
        json!({"amount_minor": 81000, "method": "bank_transfer"}),
    )
    .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (400, Some("transfer_title")),
        "a transfer needs its title: {v}"
    );
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/payments"),
        json!({"amount_minor": 81000, "method": "bank_transfer", "transfer_title": "Łukasz Nowak, FCE"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "pending", "R-PHOTO-CONSENT: FCE candidates are photographed, the consent is missing");

    // Uploads: oversized and mislabelled files are refused and nothing is stored.
    let (status, _) = upload(
        &http,
        &srv,
        &csrf,
        &entry,
        "photo_consent",
        ("big.pdf", "application/pdf", [pdf_bytes(), vec![b'x'; 6 * 1024 * 1024]].concat()),
    )
    .await;
    assert_eq!(status, 413);
    let (status, v) = upload(
        &http,
        &srv,
        &csrf,
        &entry,
        "photo_consent",
        ("consent.pdf", "application/pdf", b"just text, not a PDF".to_vec()),
    )
    .await;
    assert_eq!(status, 415, "{v}");
    let (status, v) =
        upload(&http, &srv, &csrf, &entry, "selfie", ("consent.pdf", "application/pdf", pdf_bytes())).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("kind")));
    let details: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(details["documents"].as_array().unwrap().len(), 0, "refused uploads store nothing");
    let (status, v) =
        upload(&http, &srv, &csrf, &entry, "photo_consent", ("consent.pdf", "application/pdf", pdf_bytes())).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["status"], "confirmed", "R-PL-ENTRY-COMPLETE: form, fee and photo consent");
    let details: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    let doc = details["documents"][0]["id"].as_str().unwrap();
    let stored = http.get(srv.url(&format!("/api/v1/documents/{doc}"))).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(stored.to_vec(), pdf_bytes());

    // R-NO-TRANSFER: the entry cannot move; the session's exam and date cannot change.
    let other = create_session(&http, &srv, &csrf, {
        let mut s = fce_session(10, 1);
        s["exam_code"] = json!("CAE");
        s["timetable"] = json!([]);
        s
    })
    .await;
    let res = http
        .patch(srv.url(&format!("/api/v1/entries/{entry}")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"session_id": other}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "R-NO-TRANSFER");
    let mut moved = fce_session(2, 1);
    moved["written_date"] = json!("2026-12-19");
    let res = http
        .put(srv.url(&format!("/api/v1/sessions/{session}")))
        .header("x-csrf-token", &csrf)
        .json(&moved)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "R-NO-TRANSFER: a session's date cannot change under its entries");

    // R-LATE-ENTRY: after the last registration day, with the late fee, until the deadline.
    srv.advance(Duration::days(10)); // 2026-12-02
    let (status, late) =
        post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", adult(&other, "Grzegorz", "Brzęczyszczykiewicz"))
            .await;
    assert_eq!(status, 201, "{late}");
    assert_eq!(late["late"], true);
    assert_eq!(late["amount_due_minor"], 81000 + 15000, "R-LATE-ENTRY: the late fee is added");
    srv.advance(Duration::days(9)); // 2026-12-11
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", adult(&other, "Jan", "Późny")).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("session_id")), "after the late-entry deadline: {v}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_of_entry_and_coe_missing() {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let dist = std::env::var("TESSERA_PLUGINS_DIST").expect("TESSERA_PLUGINS_DIST");
    let srv = TestServer::start_with(Backend::Sqlite, move |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        let dir = c.plugins.dir.clone().unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&dist).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    })
    .await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.assign(&centre, "pl", &["photo", "eligibility"]);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    let http = client();
    let csrf = api_login(&http, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let (_, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Małgorzata", "Dąbrowska")).await;
    let entry = r["entry_id"].as_str().unwrap().to_owned();
    let res =
        http.post(srv.url(&format!("/api/v1/entries/{entry}/coe"))).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(res.status(), 409, "no CoE before the entry is confirmed");
    post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/payments"),
        json!({"amount_minor": 81000, "method": "cash"}),
    )
    .await;
    let (status, v) =
        upload(&http, &srv, &csrf, &entry, "photo_consent", ("c.pdf", "application/pdf", pdf_bytes())).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("confirmed")));

    // R-COE-MISSING: 10 days before the first component (speaking on 2026-12-05) the entry is listed.
    let missing: Value = http.get(srv.url("/api/v1/coe/missing")).send().await.unwrap().json().await.unwrap();
    assert_eq!(missing.as_array().unwrap().len(), 0, "on 2026-11-22 the first component is 13 days away");
    srv.advance(Duration::days(3));
    // Three days later the session has long expired: sign in again.
    let csrf = api_login(&http, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    let missing: Value = http.get(srv.url("/api/v1/coe/missing")).send().await.unwrap().json().await.unwrap();
    assert_eq!(missing.as_array().map(Vec::len), Some(1), "R-COE-MISSING: 10 days before, no CoE: listed: {missing}");

    let res =
        http.post(srv.url(&format!("/api/v1/entries/{entry}/coe"))).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let id_number = res.headers()["x-candidate-id-number"].to_str().unwrap().to_owned();
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    assert!(text.contains("Małgorzata Dąbrowska") && text.contains(&id_number) && text.contains("0001"), "{text}");
    let secret = text
        .lines()
        .skip_while(|l| !l.contains("Secret number"))
        .find_map(|l| l.split_whitespace().find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit())))
        .expect("a six-digit secret number on the CoE");
    let missing: Value = http.get(srv.url("/api/v1/coe/missing")).send().await.unwrap().json().await.unwrap();
    assert_eq!(missing.as_array().unwrap().len(), 0, "issued: no longer missing");

    // The secret is stored only as a hash, and the hash matches the number on the CoE.
    let mut c = srv.db().conn().unwrap();
    let t = tessera_storage::repo::tenants::by_slug(&mut c, "pl078").unwrap();
    let details = tessera_storage::repo::centre::entry(&mut c, t.id, &entry).unwrap();
    let cand = tessera_storage::repo::centre::candidate(&mut c, t.id, &details.candidate_id).unwrap();
    let hash = cand.secret_hash.clone().unwrap();
    assert!(!hash.contains(secret) && hash.starts_with("keyed$"), "a keyed hash: {hash}");
    let keys = srv.running.as_ref().unwrap().state.secrets.clone();
    let matches = |secret: &str, hash: &str| keys.check(t.id, &cand.id, secret, Some(hash)) == SecretMatch::Yes;
    assert!(matches(secret, &hash));
    drop(c);

    // The CoE is emailed as a PDF attachment.
    let mails = smtp.wait_for(2).await;
    let coe_mail = mails.iter().find(|m| m.contains("Subject: Confirmation of Entry")).expect("the CoE email");
    assert!(coe_mail.contains("application/pdf") && coe_mail.contains("confirmation-of-entry-0001.pdf"), "{coe_mail}");
    assert!(
        mails.iter().any(|m| m.contains("Subject: We have received your entry for B2 First")),
        "the entry email names the exam, not its code: {mails:?}"
    );

    // Lost credentials: a re-issue makes a new secret number; the old one no longer matches.
    let res =
        http.post(srv.url(&format!("/api/v1/entries/{entry}/coe"))).header("x-csrf-token", &csrf).send().await.unwrap();
    let text2 = pdf_text(&res.bytes().await.unwrap());
    assert!(text2.contains("12 December 2026") && !text2.contains("2026-12-12"), "days in words: {text2}");
    let secret2 = text2
        .lines()
        .skip_while(|l| !l.contains("Secret number"))
        .find_map(|l| l.split_whitespace().find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit())))
        .unwrap()
        .to_owned();
    let mut c = srv.db().conn().unwrap();
    let hash2 =
        tessera_storage::repo::centre::candidate(&mut c, t.id, &details.candidate_id).unwrap().secret_hash.unwrap();
    assert!(matches(&secret2, &hash2));
    if secret2 != secret {
        assert!(!matches(secret, &hash2), "the old secret number no longer works");
    }
    drop(c);
    srv.stop().await;
}

/// The text of a PDF, through poppler's pdftotext.
pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) must be installed");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_import_versions_codes_and_speaking_pairs() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(20, 1)).await;
    let names = ["Anna", "Bartosz", "Celina", "Dawid", "Ewa"];
    let mut entries = Vec::new();
    for n in names {
        let (_, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, n, "Lis")).await;
        let e = r["entry_id"].as_str().unwrap().to_owned();
        post(
            &http,
            &srv,
            &csrf,
            &format!("/api/v1/entries/{e}/payments"),
            json!({"amount_minor": 81000, "method": "card"}),
        )
        .await;
        upload(&http, &srv, &csrf, &e, "photo_consent", ("c.pdf", "application/pdf", pdf_bytes())).await;
        entries.push(e);
    }
    // R-SPEAKING-PAIRS: five candidates make one pair and one group of three.
    let groups: Value = http
        .get(srv.url(&format!("/api/v1/sessions/{session}/speaking-pairs")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sizes: Vec<usize> = groups.as_array().unwrap().iter().map(|g| g.as_array().unwrap().len()).collect();
    assert_eq!(sizes, [2, 3], "R-SPEAKING-PAIRS: {groups}");

    let import = |body: String| {
        let http = http.clone();
        let url = srv.url(&format!("/api/v1/sessions/{session}/results"));
        let csrf = csrf.clone();
        async move {
            let res = http
                .post(url)
                .header("x-csrf-token", csrf)
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let header = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n";
    // Malformed files: every bad line reported with its number, nothing imported.
    let bad = format!(
        "{header}0001,graded,176,B,B2,170,175,180,172,183\n0002,Absent,,,,,,,,\n0003,graded,999,A,C1,1,1,1,1,1\n0001,X,,,,,,,,\n0099,graded,160,C,B2,160,160,160,160,160\n"
    );
    let (status, v) = import(bad).await;
    assert_eq!(status, 422, "{v}");
    let lines: Vec<u64> = v["error"]["lines"].as_array().unwrap().iter().map(|l| l["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 4, 5], "status, score and duplicate lines: {v}");
    let (status, v) = import(format!("{header}0099,graded,160,C,B2,160,160,160,160,160\n")).await;
    assert_eq!(status, 422, "an unknown candidate number: {v}");
    assert_eq!(v["error"]["lines"][0]["line"], 2);
    let (status, v) = import("candidate_number,status\n0001,X\n".into()).await;
    assert_eq!(status, 422, "missing columns: {v}");
    let details: Value = http
        .get(srv.url(&format!("/api/v1/entries/{}/details", entries[0])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(details["result_versions"].as_array().unwrap().len(), 0, "nothing was imported");

    let good = format!(
        "{header}0001,graded,176,B,B2,170,175,180,172,183\n0002,X,,,,,,,,\n0003,Z,,,,,,,,\n0004,Pending,,,,,,,,\n0005,graded,185,A,C1,180,190,185,182,188\n"
    );
    let (status, v) = import(good).await;
    assert_eq!((status, v["imported"].as_u64()), (200, Some(5)), "{v}");
    // R-RESULT-CODES: an X result shows no component profile.
    let d2: Value = http
        .get(srv.url(&format!("/api/v1/entries/{}/details", entries[1])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rid = d2["result_versions"][0]["id"].as_str().unwrap();
    let r: Value = http.get(srv.url(&format!("/api/v1/results/{rid}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((r["status"].as_str(), r["components"].as_array().unwrap().len()), (Some("X"), 0), "R-RESULT-CODES");

    // R-RESULT-VERSIONS: a re-import makes version 2 current and keeps version 1, same SoR number.
    let (status, _) = import(format!("{header}0001,graded,181,A,C1,175,180,185,178,186\n")).await;
    assert_eq!(status, 200);
    let d1: Value = http
        .get(srv.url(&format!("/api/v1/entries/{}/details", entries[0])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions = d1["result_versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (versions[0]["version"].as_i64(), versions[0]["is_current"].as_bool(), versions[0]["grade"].as_str()),
        (Some(2), Some(true), Some("A"))
    );
    assert_eq!((versions[1]["version"].as_i64(), versions[1]["is_current"].as_bool()), (Some(1), Some(false)));
    assert_eq!(versions[0]["sor_number"], versions[1]["sor_number"]);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refunds_through_the_policy_and_session_minimum() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(20, 5)).await;
    let mut entries = Vec::new();
    for n in ["Olga", "Piotr"] {
        let (_, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, n, "Sikora")).await;
        let e = r["entry_id"].as_str().unwrap().to_owned();
        post(
            &http,
            &srv,
            &csrf,
            &format!("/api/v1/entries/{e}/payments"),
            json!({"amount_minor": 81000, "method": "cash"}),
        )
        .await;
        entries.push(e);
    }
    // R-PL-REFUND-MEDICAL: illness, the certificate on the centre's form on day 14: 60%.
    let (status, r) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{}/refunds", entries[0]),
        json!({"reason": {"type": "illness"}, "request_date": "2026-12-14", "documents_received_date": "2026-12-26",
               "documents": ["refund_request_form", "medical_certificate_on_centre_form"]}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (r["plugin"].as_str(), r["outcome"].as_str(), r["amount_minor"].as_i64()),
        (Some("pl"), Some("approve"), Some(48600)),
        "{r}"
    );
    let id = r["id"].as_str().unwrap();
    let step = |s: &str| http.post(srv.url(&format!("/api/v1/refunds/{id}/{s}"))).header("x-csrf-token", &csrf).send();
    assert_eq!(step("payout").await.unwrap().status(), 409, "a decision is confirmed before it is paid");
    assert_eq!(step("confirm").await.unwrap().status(), 204);
    assert_eq!(step("payout").await.unwrap().status(), 204);
    let audit: Value =
        http.get(srv.url("/api/v1/audit?action=refund.decided")).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit[0]["details"]["plugin"], "pl", "the audit trail names the plugin that decided");
    assert!(audit[0]["details"]["version"].as_str().is_some());

    // R-SESSION-MINIMUM: two entries, minimum five: cancelled, every fee refunded in full: what
    // the medical refund already paid back is not paid twice (810.00 - 486.00 = 324.00).
    let (status, v) = post(&http, &srv, &csrf, &format!("/api/v1/sessions/{session}/cancel"), json!({})).await;
    assert_eq!(status, 200, "{v}");
    let refunds = v["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 2);
    assert!(refunds.iter().all(|r| r["outcome"] == "approve"), "{v}");
    let amount_of = |e: &str| refunds.iter().find(|r| r["entry"] == e).map(|r| r["amount_minor"].as_i64());
    assert_eq!(amount_of(&entries[0]), Some(Some(32400)), "the rest of the fee: {v}");
    assert_eq!(amount_of(&entries[1]), Some(Some(81000)), "the whole fee: {v}");
    let d: Value = http
        .get(srv.url(&format!("/api/v1/entries/{}/details", entries[1])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d["entry"]["status"], "cancelled");

    let held = create_session(&http, &srv, &csrf, {
        let mut s = fce_session(20, 0);
        s["exam_code"] = json!("CAE");
        s["timetable"] = json!([]);
        s
    })
    .await;
    let (status, v) = post(&http, &srv, &csrf, &format!("/api/v1/sessions/{held}/cancel"), json!({})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("minimum_reached")), "{v}");
    srv.stop().await;
}

/// The same flows as pages, usable without JavaScript: the public entry form, the staff's
/// session page with its results import, and the entry page's payment form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn centre_pages_without_javascript() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;

    let visitor = client();
    let page = visitor.get(srv.url("/t/pl078/enter")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("B2 First – 12 December 2026, Morning (Paper-based)"), "the open session is offered");
    let token = csrf_of(&page);
    let mut form = vec![
        ("csrf", token.as_str()),
        ("session_id", session.as_str()),
        ("first_name", "Żaneta"),
        ("family_name", "Kwiatkowska"),
        ("date_of_birth", "2001-02-03"),
        ("email", "zaneta@mail.example"),
        ("email_again", "zaneta@mail.example"),
        ("phone", ""),
        ("nationality", "PL"),
        ("id_document_type", "passport"),
        ("id_document_number", "EA1234567"),
        ("guardian_name", ""),
        ("guardian_contact", ""),
        ("special_arrangements", ""),
        ("regulations_accepted", "yes"),
    ];
    form[6].1 = "other@mail.example";
    let res = visitor.post(srv.url("/t/pl078/enter")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("The two email addresses differ.") && html.contains("Kwiatkowska"),
        "the form comes back filled in"
    );
    form[6].1 = "zaneta@mail.example";
    let res = visitor.post(srv.url("/t/pl078/enter")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("0001") && html.contains("810.00\u{a0}PLN") && html.contains("2026-"),
        "the receipt: number, amount, pay-by date:\n{html}"
    );

    // Staff: the session page lists the entry; a bad results file is refused line by line.
    let staff = client();
    let res = login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let page = staff.get(srv.url(&format!("/centre/sessions/{session}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Żaneta Kwiatkowska"));
    let entry_id = page.split("/centre/entries/").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let token = csrf_of(&page);
    let file = reqwest::multipart::Part::bytes(
        b"candidate_number,status,overall_score,grade,cefr\n1,graded,170,B,B2\n".to_vec(),
    )
    .file_name("results.csv")
    .mime_str("text/csv")
    .unwrap();
    let form = reqwest::multipart::Form::new().text("csrf", token.clone()).part("file", file);
    let res = staff.post(srv.url(&format!("/centre/sessions/{session}/results"))).multipart(form).send().await.unwrap();
    let report = follow_run(&staff, &srv, res).await;
    assert!(
        report.contains("Refused: nothing imported")
            && report.contains("Line 2, column candidate_number: `1` is not a four-digit candidate number."),
        "the bad line is named: {report}"
    );
    let file = reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("results.csv").mime_str("text/csv").unwrap();
    let form = reqwest::multipart::Form::new().text("csrf", "0".repeat(32)).part("file", file);
    let res = staff.post(srv.url(&format!("/centre/sessions/{session}/results"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 403, "uploads check the anti-forgery token too");

    // The entry page records a payment through its form.
    let page = staff.get(srv.url(&format!("/centre/entries/{entry_id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"entry-status\">Incomplete</strong>"), "the status in words");
    let res = staff
        .post(srv.url(&format!("/centre/entries/{entry_id}/payments")))
        .form(&[("csrf", token.as_str()), ("amount", "abc"), ("method", "cash"), ("transfer_title", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = staff
        .post(srv.url(&format!("/centre/entries/{entry_id}/payments")))
        .form(&[("csrf", token.as_str()), ("amount", "810.00"), ("method", "cash"), ("transfer_title", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page = staff.get(srv.url(&format!("/centre/entries/{entry_id}"))).send().await.unwrap().text().await.unwrap();
    let history = page.split("id=\"payment-history\"").nth(1).expect("a payment history");
    assert!(history.contains("810.00\u{a0}PLN"), "the payment is listed, the amount as the language writes it");
    srv.stop().await;
}

/// The Hungarian rules through the `hu` plugin: one entry per exam type per month
/// (R-HU-ONE-PER-MONTH), different exam types allowed (R-HU-MULTI-EXAM), the age target a
/// warning only (R-HU-AGE-TARGET), a void entry with no refund (R-HU-RULE-BREAKING), medical
/// refunds at the centre's discretion (R-HU-REFUND-MEDICAL); special arrangements' deadline
/// (R-HU-SA-DEADLINE); and the student discount (R-STUDENT-DISCOUNT).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hungarian_rules_and_special_arrangements() {
    let srv = TestServer::start_with_plugins(Backend::Sqlite).await;
    let centre = srv.tenant("hu012", TenantKind::Centre);
    srv.assign(&centre, "hu", &["refund", "eligibility", "deadlines"]);
    srv.user(&centre, "manager@hu012.example", Role::CentreManager);
    let http = client();
    let csrf = api_login(&http, &srv, "hu012", "manager@hu012.example", PASSWORD).await;
    let session = |exam: &str, date: &str| {
        let mut s = fce_session(20, 1);
        s["exam_code"] = json!(exam);
        s["written_date"] = json!(date);
        s["currency"] = json!("HUF");
        s["timetable"] = json!([]);
        s["promotion_ends"] = json!("2026-11-25");
        s["student_discount_bp"] = json!(1000);
        s
    };
    let fce1 = create_session(&http, &srv, &csrf, session("FCE", "2026-12-12")).await;
    let fce2 = create_session(&http, &srv, &csrf, session("FCES", "2026-12-19")).await;
    let cae = create_session(&http, &srv, &csrf, session("CAE", "2026-12-19")).await;
    let pets = create_session(&http, &srv, &csrf, session("PETS", "2026-12-19")).await;
    let who = |s: &str| {
        let mut v = adult(s, "Győző", "Szabó");
        v["nationality"] = json!("HU");
        v
    };
    let (status, first) = post(&http, &srv, &csrf, "/api/v1/entries", who(&fce1)).await;
    assert_eq!((status, first["status"].as_str()), (201, Some("pending")), "{first}");
    let (_, second) = post(&http, &srv, &csrf, "/api/v1/entries", who(&fce2)).await;
    assert_eq!(second["status"], "refused", "R-HU-ONE-PER-MONTH: FCE for Schools counts as FCE: {second}");
    assert!(second["reasons"][0].as_str().unwrap().contains("R-HU-ONE-PER-MONTH"));
    let (_, third) = post(&http, &srv, &csrf, "/api/v1/entries", who(&cae)).await;
    assert_eq!(third["status"], "pending", "R-HU-MULTI-EXAM: FCE and CAE in one period: {third}");
    let mut teen = who(&pets);
    teen["first_name"] = json!("Lőrinc");
    teen["date_of_birth"] = json!("2007-06-01");
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", teen).await;
    assert_ne!(v["status"], "refused", "R-HU-AGE-TARGET is a warning, not a refusal: {v}");
    assert!(v["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("R-HU-AGE-TARGET")), "{v}");

    // R-STUDENT-DISCOUNT: claimed within the promotional period: 10% off.
    let mut student = who(&cae);
    student["first_name"] = json!("Dóra");
    student["student_discount_claimed"] = json!(true);
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", student).await;
    assert_eq!(v["amount_due_minor"], 72900, "810 HUF-minor fee less 10%: {v}");

    // Special arrangements: the deadline policy's date and what is missing (R-HU-SA-DEADLINE).
    let mut sa = who(&cae);
    sa["first_name"] = json!("Ödön");
    sa["special_arrangements"] = json!("extra time: dyslexia");
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", sa).await;
    let warnings = v["warnings"].to_string();
    assert!(warnings.contains("R-HU-SA-DEADLINE") && warnings.contains("the medical certificate"), "{v}");

    // Refunds: a voided entry gets nothing; illness is for the centre to decide.
    let e = first["entry_id"].as_str().unwrap();
    post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{e}/payments"),
        json!({"amount_minor": 81000, "method": "cash"}),
    )
    .await;
    let (_, r) =
        post(&http, &srv, &csrf, &format!("/api/v1/entries/{e}/refunds"), json!({"reason": {"type": "rule_breaking"}}))
            .await;
    assert_eq!(
        (r["outcome"].as_str(), r["amount_minor"].as_i64()),
        (Some("reject"), Some(0)),
        "R-HU-RULE-BREAKING: {r}"
    );
    // One open request per entry: staff close this one before the next.
    let rid = r["id"].as_str().unwrap();
    let res = http
        .post(srv.url(&format!("/api/v1/refunds/{rid}/reject")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let (_, r) = post(&http, &srv, &csrf, &format!("/api/v1/entries/{e}/refunds"), json!({"reason": {"type": "illness"}, "documents": ["medical_certificate"], "documents_received_date": "2026-12-14", "request_date": "2026-12-14"})).await;
    assert_eq!(r["outcome"], "manual_review", "R-HU-REFUND-MEDICAL: at the centre's discretion: {r}");
    srv.stop().await;
}

/// The Polish regulations' remaining rules through HTTP with the `pl` plugin: nationality
/// (R-PL-NATIONALITY), withdrawal and bereavement refunds (R-PL-REFUND-WITHDRAWAL,
/// R-PL-REFUND-BEREAVEMENT), special arrangements' deadlines (R-PL-SA-DEADLINE, R-PL-SA-MAJOR),
/// the school ID of a minor (R-PL-SCHOOL-ID), conduct complaints (R-CONDUCT-COMPLAINT) and the
/// usual results window (R-RESULTS-WINDOW).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polish_regulations_through_http() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/sessions", fce_session(20, 1)).await;
    assert_eq!(status, 201);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 0, "PB released 5 weeks after: usual");
    let session = v["id"].as_str().unwrap().to_owned();
    let mut odd = fce_session(20, 1);
    odd["exam_code"] = json!("CAE");
    odd["timetable"] = json!([]);
    odd["release_at"] = json!("2026-12-14 09:00");
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/sessions", odd).await;
    assert!(v["warnings"][0].as_str().unwrap().contains("R-RESULTS-WINDOW"), "{v}");

    let mut german = adult(&session, "Hans", "Müller");
    german["nationality"] = json!("DE");
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", german).await;
    assert_eq!(v["status"], "manual_review", "R-PL-NATIONALITY: {v}");

    let mut sa = adult(&session, "Julia", "Mazur");
    sa["special_arrangements"] = json!("Braille papers");
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", sa).await;
    let w = v["warnings"].to_string();
    assert!(
        w.contains("R-PL-SA-DEADLINE") && w.contains("must arrive by 2026-12-01") && w.contains("R-PL-SA-MAJOR"),
        "{v}"
    );

    // Refunds: withdrawal on the last registration day 100%, the day after nothing; bereavement 60%.
    let (_, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Adam", "Wróbel")).await;
    let e = r["entry_id"].as_str().unwrap().to_owned();
    post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{e}/payments"),
        json!({"amount_minor": 81000, "method": "cash"}),
    )
    .await;
    let refunds_path = format!("/api/v1/entries/{e}/refunds");
    let refund = |reason: Value, date: &str, docs: Value, received: Option<&str>| {
        let body =
            json!({"reason": reason, "request_date": date, "documents": docs, "documents_received_date": received});
        post(&http, &srv, &csrf, &refunds_path, body)
    };
    // One open request per entry: each example is rejected by staff before the next.
    let close = |r: Value| {
        let url = srv.url(&format!("/api/v1/refunds/{}/reject", r["id"].as_str().unwrap()));
        let req = http.post(url).header("x-csrf-token", &csrf).send();
        async move { assert_eq!(req.await.unwrap().status(), 204) }
    };
    let (_, r) = refund(json!({"type": "withdrawal"}), "2026-12-01", json!([]), None).await;
    assert_eq!(
        (r["outcome"].as_str(), r["amount_minor"].as_i64()),
        (Some("approve"), Some(81000)),
        "R-PL-REFUND-WITHDRAWAL: {r}"
    );
    close(r).await;
    let (_, r) = refund(json!({"type": "withdrawal"}), "2026-12-02", json!([]), None).await;
    assert_eq!(r["amount_minor"], 0, "R-PL-REFUND-WITHDRAWAL: the day after: {r}");
    close(r).await;
    let (_, r) = refund(
        json!({"type": "bereavement", "relation": "sibling"}),
        "2026-12-14",
        json!(["death_certificate_copy", "bereavement_request_form"]),
        Some("2026-12-20"),
    )
    .await;
    assert_eq!(
        (r["outcome"].as_str(), r["amount_minor"].as_i64()),
        (Some("approve"), Some(48600)),
        "R-PL-REFUND-BEREAVEMENT: {r}"
    );

    // R-PL-SCHOOL-ID: a minor whose only ID is a school ID needs the copy by the deadline.
    let mut minor = adult(&session, "Kuba", "Nowicki");
    minor["date_of_birth"] = json!("2011-01-10");
    minor["guardian_name"] = json!("Ewa Nowicka");
    minor["id_document_type"] = json!("school_id");
    let (_, r) = post(&http, &srv, &csrf, "/api/v1/entries", minor).await;
    let kid = r["entry_id"].as_str().unwrap().to_owned();
    post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{kid}/payments"),
        json!({"amount_minor": 81000, "method": "cash"}),
    )
    .await;
    upload(&http, &srv, &csrf, &kid, "photo_consent", ("c.pdf", "application/pdf", pdf_bytes())).await;
    let attendance_path = format!("/api/v1/entries/{kid}/attendance");
    let attend = || {
        post(
            &http,
            &srv,
            &csrf,
            &attendance_path,
            json!({"component": "Reading", "present": true, "id_document_shown": "school_id"}),
        )
    };
    let (_, v) = attend().await;
    assert_eq!(v["admitted"], false, "R-PL-SCHOOL-ID: no copy received: {v}");
    upload(&http, &srv, &csrf, &kid, "school_id_copy", ("s.pdf", "application/pdf", pdf_bytes())).await;
    let (_, v) = attend().await;
    assert_eq!(v["admitted"], true, "R-PL-SCHOOL-ID: the copy arrived by the last registration day: {v}");

    // R-CONDUCT-COMPLAINT: in writing within 7 days of the written exam (2026-12-12).
    srv.clock.set(chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 19, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, _) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{kid}/cases"),
        json!({"kind": "conduct_complaint", "description": "the room was too cold"}),
    )
    .await;
    assert_eq!(status, 201, "R-CONDUCT-COMPLAINT: on day 7");
    srv.advance(Duration::days(1));
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{kid}/cases"),
        json!({"kind": "conduct_complaint", "description": "late"}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("too_late")), "R-CONDUCT-COMPLAINT: day 8: {v}");
    srv.stop().await;
}

/// The session and refund buttons of the pages: cancel below the minimum (R-SESSION-MINIMUM),
/// certificates arrived, and a refund confirmed then paid out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_and_refund_buttons() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let held = create_session(&http, &srv, &csrf, fce_session(10, 0)).await;
    let small = create_session(&http, &srv, &csrf, {
        let mut s = fce_session(10, 3);
        s["exam_code"] = json!("CAE");
        s["timetable"] = json!([]);
        s
    })
    .await;
    let (_, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&small, "Leon", "Kot")).await;
    let entry = r["entry_id"].as_str().unwrap().to_owned();
    post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/payments"),
        json!({"amount_minor": 81000, "method": "cash"}),
    )
    .await;

    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let page = staff.get(srv.url(&format!("/centre/sessions/{held}"))).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&page);
    let res = staff
        .post(srv.url(&format!("/centre/sessions/{held}/do/cancel")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "a session at its minimum is held");
    let res = staff
        .post(srv.url(&format!("/centre/sessions/{small}/do/cancel")))
        .form(&[("csrf", token.as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("1 refund(s) decided"));
    let page = staff.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    let refund = page.split("/centre/refunds/").nth(1).unwrap().split('/').next().unwrap().to_owned();
    let res = staff
        .post(srv.url(&format!("/centre/refunds/{refund}/payout")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "confirm before paying out");
    for step in ["confirm", "payout"] {
        let res = staff
            .post(srv.url(&format!("/centre/refunds/{refund}/{step}")))
            .form(&[("csrf", token.as_str()), ("confirmed", "yes")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303, "{step}");
    }
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (d["refunds"][0]["status"].as_str(), d["refunds"][0]["amount_minor"].as_i64()),
        (Some("paid"), Some(81000))
    );
    let res = staff
        .post(srv.url(&format!("/centre/sessions/{held}/do/certificates")))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("0 certificate(s) arrived"), "no results yet, no certificates");
    srv.stop().await;
}

/// R-SESSION-CAPACITY under load: twenty entries sent at once to a session that holds twelve.
/// Each one either gets a place with its own candidate number or is refused as full; none fails
/// (on SQLite a read-then-write transaction must not lose the write lock to another writer).
async fn concurrent_entries_fill_the_session_exactly(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(12, 1)).await;
    let names = ["Anna", "Bartosz", "Celina", "Dawid", "Ewa", "Filip", "Grażyna", "Henryk", "Iga", "Jan"];
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..20 {
        let body = adult(&session, names[i % 10], &format!("Nowak{i}"));
        let (http, url, csrf) = (http.clone(), srv.url("/api/v1/entries"), csrf.clone());
        sends.spawn(async move {
            let res = http.post(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        });
    }
    let answers = sends.join_all().await;
    let mut numbers: Vec<String> = Vec::new();
    let mut full = 0;
    for (status, v) in &answers {
        match status {
            201 => numbers.push(v["candidate_number"].as_str().expect("a candidate number").to_owned()),
            409 if v["error"]["code"] == "session_full" => full += 1,
            _ => panic!("an entry neither placed nor refused as full: {status} {v}"),
        }
    }
    numbers.sort();
    let expected: Vec<String> = (1..=12).map(|n| format!("{n:04}")).collect();
    assert_eq!((numbers, full), (expected, 8), "twelve places numbered 0001..0012, eight refusals");
}
