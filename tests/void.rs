//! R-ENTRY-VOID, R-HU-RULE-BREAKING: centre staff void an entry for an attempt to break the entry
//! rules, through the API and the entry page (after a confirmation step). A voided entry gets no
//! result (its line in a results file is refused; a result already imported stops being shown to
//! the candidate and its credential is revoked), frees its place, gets no refund, and the
//! candidate is told by email.

use crate::after_exam::confirmed;
use crate::both_backends;
use crate::candidate::{activated, add_entry, fixture};
use crate::centre::{adult, create_session, fce_session, post};
use crate::support::*;
use chrono::Duration;
use serde_json::{Value, json};
use tessera_domain::{Role, TenantKind};

both_backends!(r_entry_void_no_result_place_freed_email_and_no_refund, r_entry_void_hides_an_imported_result);

/// A Polish centre deciding with the `pl` plugin, mail sent to a real SMTP server.
pub(crate) async fn centre_with_smtp(backend: Backend, smtp: &SmtpSink) -> (TestServer, reqwest::Client, String) {
    let port = smtp.port;
    let dist = std::env::var("TESSERA_PLUGINS_DIST").expect("TESSERA_PLUGINS_DIST");
    let srv = TestServer::start_with(backend, move |c| {
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
    srv.assign(&centre, "pl", &["refund", "photo", "identity", "eligibility", "deadlines", "retention"]);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let http = client();
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    (srv, http, csrf)
}

/// The first message (decoded) that contains `text`, waiting up to ten seconds for it.
pub(crate) async fn mail_with(smtp: &SmtpSink, text: &str) -> String {
    for _ in 0..200 {
        if let Some(m) = smtp.messages().iter().map(|m| decode_qp(m)).find(|m| m.contains(text)) {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no email with {text:?}: {:?}", smtp.messages());
}

pub(crate) async fn details(http: &reqwest::Client, srv: &TestServer, entry: &str) -> Value {
    let res = http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn r_entry_void_no_result_place_freed_email_and_no_refund(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let (srv, http, csrf) = centre_with_smtp(backend, &smtp).await;
    // One place: the confirmed entry holds it, so another entry is refused (R-SESSION-CAPACITY).
    let session = create_session(&http, &srv, &csrf, fce_session(1, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Wiktor").await;
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Ola", "Nowak")).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("session_full")), "{v}");

    // The entry page offers voiding; a reason is required (the refusal names its field).
    let page = http.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/centre/entries/{entry}/void")), "{page}");
    let page_csrf = csrf_of(&page);
    let res = http
        .post(srv.url(&format!("/centre/entries/{entry}/void")))
        .form(&[("csrf", page_csrf.as_str()), ("reason", " ")])
        .send()
        .await
        .unwrap();
    let body = res.text().await.unwrap();
    assert!(body.contains("aria-invalid=\"true\" aria-describedby=\"void_reason-error\""), "{body}");
    assert!(
        body.contains("href=\"#void_reason\"") && body.contains("Reason for voiding"),
        "the summary links the field: {body}"
    );
    // The first step only asks for confirmation, saying what will happen; nothing changes yet.
    let res = http
        .post(srv.url(&format!("/centre/entries/{entry}/void")))
        .form(&[("csrf", page_csrf.as_str()), ("reason", "Sent another person's ID document")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("Void this entry?") && body.contains("the fee is not refunded"), "{body}");
    assert!(body.contains("name=\"confirmed\" value=\"yes\""), "{body}");
    assert_eq!(details(&http, &srv, &entry).await["entry"]["status"], "confirmed", "not before it is confirmed");
    // Confirmed: the entry is voided, with the rule and the reason.
    let res = http
        .post(srv.url(&format!("/centre/entries/{entry}/void")))
        .form(&[("csrf", page_csrf.as_str()), ("reason", "Sent another person's ID document"), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "back to the entry page");
    let d = details(&http, &srv, &entry).await;
    assert_eq!(d["entry"]["status"], "voided", "{d}");
    let why = d["form"]["status_reasons"].to_string();
    assert!(why.contains("R-HU-RULE-BREAKING") && why.contains("another person"), "{d}");
    let page = http.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Voided (rule breaking)") && page.contains("it gets no result and no refund"), "{page}");

    // The candidate is told by email (the tenant's language), through the outbox.
    let mail = mail_with(&smtp, "Your entry for B2 First is voided").await;
    assert!(mail.contains("wiktor@mail.example") && mail.contains("Sent another person's ID document"), "{mail}");
    assert!(mail.contains("No fee is refunded") && !mail.contains("R-HU-"), "no rule ids for the candidate: {mail}");
    let iso = |t: &str| {
        t.as_bytes()
            .windows(10)
            .any(|w| w.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() }))
    };
    assert!(!iso(&mail), "the exam day in words, not ISO: {mail}");

    // Its place is freed: the session takes another entry (R-SESSION-CAPACITY, R-ENTRY-VOID).
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Ola", "Nowak")).await;
    assert_eq!(status, 201, "the voided entry's place is free: {v}");
    let other = v["entry_id"].as_str().unwrap().to_owned();
    let other_number = details(&http, &srv, &other).await["entry"]["candidate_number"].as_str().unwrap().to_owned();

    // No result: a results file naming it is refused, naming the line and the candidate number.
    let number = d["entry"]["candidate_number"].as_str().unwrap().to_owned();
    let csv = format!(
        "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n{number},graded,172,C,B2,170,175,168,172,175\n{other_number},graded,172,C,B2,170,175,168,172,175\n"
    );
    let res = http
        .post(srv.url(&format!("/api/v1/sessions/{session}/results")))
        .header("x-csrf-token", &csrf)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    assert!(v.to_string().contains("results_entry_voided"), "{v}");
    assert!(details(&http, &srv, &entry).await["result_versions"].as_array().unwrap().is_empty());

    // No refund (R-HU-RULE-BREAKING), whatever the reason given.
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/refunds"),
        json!({"reason": {"type": "withdrawal"}, "request_date": "2026-11-23"}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("entry_voided_no_refund")), "{v}");
    assert!(details(&http, &srv, &entry).await["refunds"].as_array().unwrap().is_empty());

    // Voiding twice is refused; a payment or document arriving later does not revive it.
    let (status, v) =
        post(&http, &srv, &csrf, &format!("/api/v1/entries/{entry}/void"), json!({"reason": "again"})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("entry_already_void")), "{v}");
    post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/payments"),
        json!({"amount_minor": 100, "method": "cash"}),
    )
    .await;
    assert_eq!(details(&http, &srv, &entry).await["entry"]["status"], "voided");
    // The API refuses a void without a reason, naming the field.
    let (status, v) = post(&http, &srv, &csrf, &format!("/api/v1/entries/{other}/void"), json!({"reason": ""})).await;
    assert_eq!((status / 100, v["error"]["field"].as_str()), (4, Some("reason")), "{v}");
    srv.stop().await;
}

/// A result imported before the entry was voided is no longer shown to the candidate nor to the
/// organisation it was shared with, and its credential is revoked (R-ENTRY-VOID, R-CREDENTIAL).
async fn r_entry_void_hides_an_imported_result(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let fx = fixture(&srv);
    srv.user(&fx.centre, "staff@pl078.example", Role::CentreStaff);
    let (fce, _) = add_entry(&srv, &fx.centre, &fx.a.2, "FCE", start_instant() - Duration::days(3), "graded", 176);
    let (me, _) = activated(&srv, &fx.a, "zofia@mail.example").await;
    let results: Value = me.get(srv.url("/api/v1/candidate/results")).send().await.unwrap().json().await.unwrap();
    assert_eq!(results[0]["result"]["overall_score"], 176, "{results}");
    let cred = me.get(srv.url(&format!("/candidate/results/{fce}/credential.json"))).send().await.unwrap();
    assert_eq!(cred.status(), 200);
    let cred: Value = cred.json().await.unwrap();
    // The candidate shared it with an organisation, which sees it.
    let share = tessera_storage::repo::shares::create(
        &mut srv.db().conn().unwrap(),
        fx.centre.id,
        &fce,
        fx.verifier.id,
        start_instant(),
    )
    .unwrap();
    srv.user(&fx.verifier, "v@unimi.example", Role::VerifierPrimary);
    let org = client();
    api_login(&org, &srv, "unimi", "v@unimi.example", PASSWORD).await;
    let shared = format!("/api/v1/verifier/results/{}", share.id);
    assert_eq!(org.get(srv.url(&shared)).send().await.unwrap().status(), 200);

    let staff = client();
    let csrf = api_login(&staff, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    let (status, v) =
        post(&staff, &srv, &csrf, &format!("/api/v1/entries/{fce}/void"), json!({"reason": "Impersonation attempt"}))
            .await;
    assert_eq!(status, 204, "{v}");

    // The candidate sees the exam as voided, without its result, and cannot download it.
    let results: Value = me.get(srv.url("/api/v1/candidate/results")).send().await.unwrap().json().await.unwrap();
    assert_eq!(results[0]["entry_id"], fce.as_str(), "{results}");
    assert!(results[0]["result"].is_null(), "{results}");
    let page = me.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("<strong>176</strong>"), "{page}");
    for path in [format!("/candidate/results/{fce}/statement.pdf"), format!("/candidate/results/{fce}/credential.json")]
    {
        assert_eq!(me.get(srv.url(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    // Nor does the organisation it was shared with.
    assert_eq!(org.get(srv.url(&shared)).send().await.unwrap().status(), 404, "the verifier no longer sees it");
    // Its credential is revoked: anyone who checks it is told so.
    let res = client().post(srv.url("/api/v1/credentials/verify")).json(&cred).send().await.unwrap();
    let v: Value = res.json().await.unwrap();
    assert_eq!((v["verdict"].as_str(), v["revoked_reason"].as_str()), (Some("revoked"), Some("entry_voided")), "{v}");
    // The centre keeps the version for the record, no longer current.
    let d = details(&staff, &srv, &fce).await;
    assert_eq!(d["result_versions"][0]["is_current"], false, "{d}");
    assert_eq!(d["credentials"][0]["revoked_reason"], "entry_voided", "{d}");
    srv.stop().await;
}
