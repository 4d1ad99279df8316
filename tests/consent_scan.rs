//! R-CONSENT-SCAN: a scanned photo consent counts towards a complete entry (R-PL-ENTRY-COMPLETE)
//! until the first exam day of the session, by which the signed original must have arrived; the
//! entries still waiting for it are listed per upcoming session (API and centre home page).

use crate::both_backends;
use crate::centre::{adult, create_session, fce_session, pdf_bytes, polish_centre, post};
use crate::support::*;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

both_backends!(r_consent_scan_counts_until_the_first_exam_day);

async fn upload(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    entry: &str,
    kind: &str,
    original: &str,
) -> (u16, Value) {
    let form =
        reqwest::multipart::Form::new().text("kind", kind.to_owned()).text("original", original.to_owned()).part(
            "file",
            reqwest::multipart::Part::bytes(pdf_bytes()).file_name("consent.pdf").mime_str("application/pdf").unwrap(),
        );
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

async fn paid_entry(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    session: &str,
    first: &str,
    family: &str,
) -> String {
    let (status, v) = post(http, srv, csrf, "/api/v1/entries", adult(session, first, family)).await;
    assert_eq!(status, 201, "{v}");
    let entry = v["entry_id"].as_str().unwrap().to_owned();
    let (status, v) = post(
        http,
        srv,
        csrf,
        &format!("/api/v1/entries/{entry}/payments"),
        json!({"amount_minor": 81000, "method": "cash"}),
    )
    .await;
    assert_eq!((status, v["status"].as_str()), (200, Some("pending")), "the photo consent is missing: {v}");
    entry
}

async fn missing(http: &reqwest::Client, srv: &TestServer) -> Vec<Value> {
    let res = http.get(srv.url("/api/v1/consent/originals-missing")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn details(http: &reqwest::Client, srv: &TestServer, entry: &str) -> Value {
    http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap()
}

async fn text(http: &reqwest::Client, srv: &TestServer, path: &str) -> String {
    http.get(srv.url(path)).send().await.unwrap().text().await.unwrap()
}

async fn r_consent_scan_counts_until_the_first_exam_day(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    // FCE: speaking on 2026-12-05, the written papers on 2026-12-12: the first exam day is 12-05.
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let scan_only = paid_entry(&http, &srv, &csrf, &session, "Marta", "Kos").await;
    let with_original = paid_entry(&http, &srv, &csrf, &session, "Piotr", "Lis").await;

    let (status, v) = upload(&http, &srv, &csrf, &scan_only, "photo_consent", "maybe").await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("original")), "{v}");
    // A scan confirms the entry (R-PL-ENTRY-COMPLETE) before the first exam day.
    let (status, v) = upload(&http, &srv, &csrf, &scan_only, "photo_consent", "false").await;
    assert_eq!((status, v["status"].as_str()), (200, Some("confirmed")), "{v}");
    // The entry page's upload says "Received as: Scan".
    let form_page = text(&http, &srv, &format!("/centre/entries/{with_original}")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&form_page))
        .text("kind", "photo_consent")
        .text("original", "false")
        .part(
            "file",
            reqwest::multipart::Part::bytes(pdf_bytes()).file_name("scan.pdf").mime_str("application/pdf").unwrap(),
        );
    let res =
        http.post(srv.url(&format!("/centre/entries/{with_original}/documents"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let d = details(&http, &srv, &with_original).await;
    assert_eq!(
        (d["entry"]["status"].as_str(), d["documents"][0]["original"].as_bool()),
        (Some("confirmed"), Some(false)),
        "{d}"
    );

    // Both are listed as missing their original, with names, under their session.
    let list = missing(&http, &srv).await;
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(
        (list[0]["session"].as_str(), list[0]["first_exam_day"].as_str()),
        (Some(session.as_str()), Some("2026-12-05"))
    );
    assert_eq!(list[0]["overdue"], false);
    let names: Vec<&str> = list[0]["entries"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Marta Kos", "Piotr Lis"]);
    let d = details(&http, &srv, &scan_only).await;
    assert_eq!(
        (d["photo_consent"]["counts"].as_bool(), d["photo_consent"]["original_missing"].as_bool()),
        (Some(true), Some(true)),
        "{d}"
    );
    assert_eq!(d["documents"][0]["original"], false);
    let page = text(&http, &srv, &format!("/centre/entries/{scan_only}")).await;
    assert!(page.contains("only a scan so far"), "{page}");

    // The original arrives: no longer listed.
    let (_, v) = upload(&http, &srv, &csrf, &with_original, "photo_consent", "true").await;
    assert_eq!(v["status"], "confirmed");
    let list = missing(&http, &srv).await;
    let names: Vec<&str> = list[0]["entries"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Marta Kos"], "{list:?}");
    let home = text(&http, &srv, "/centre").await;
    assert!(home.contains("Photo consent originals still to arrive") && home.contains("Marta Kos"), "{home}");
    assert!(!home.contains("Piotr Lis"), "{home}");

    // The first exam day: the scan no longer counts; the entry is flagged and, once its status is
    // computed again (any document or payment), no longer confirmed. The original still counts.
    srv.clock.set(Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let list = missing(&http, &srv).await;
    assert_eq!((list.len(), list[0]["overdue"].as_bool()), (1, Some(true)), "{list:?}");
    let d = details(&http, &srv, &scan_only).await;
    assert_eq!(
        (d["photo_consent"]["counts"].as_bool(), d["photo_consent"]["overdue"].as_bool()),
        (Some(false), Some(true)),
        "{d}"
    );
    let page = text(&http, &srv, &format!("/centre/entries/{scan_only}")).await;
    assert!(page.contains("did not arrive by the first exam day"), "{page}");
    let (status, v) = upload(&http, &srv, &csrf, &scan_only, "id_copy", "true").await;
    assert_eq!(status, 200, "{v}");
    assert_ne!(v["status"], "confirmed", "a scan alone no longer completes the entry: {v}");
    let (_, v) = upload(&http, &srv, &csrf, &with_original, "id_copy", "true").await;
    assert_eq!(v["status"], "confirmed", "the original counts: {v}");

    // The day after, the session is no longer upcoming: it leaves the list.
    srv.clock.set(Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 0).unwrap());
    let _ = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    assert!(missing(&http, &srv).await.is_empty());
    srv.stop().await;
}
