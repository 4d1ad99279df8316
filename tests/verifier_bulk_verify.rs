//! Bulk verification (R-BULK-VERIFY): a list uploaded through the API and the pages, checked
//! whole (refusals by row and column), processed by a durable job that survives a restart, a
//! verdict per row (verified, no match, not shared, revoked), reports as CSV (BOM, headers in the
//! reader's language) and XLSX, the organisation's own daily quota, audit, and isolation.

use crate::both_backends;
use crate::support::*;
use crate::verifier::{World, share, world};
use serde_json::Value;
use std::time::Duration;
use tessera_domain::Clock;
use tessera_storage::repo::{audit, centre, credentials};

/// Revokes the credential of entry `i`'s result (as a superseding result would).
fn revoke_result(srv: &TestServer, w: &World, i: usize) {
    let mut c = srv.db().conn().unwrap();
    let sheet = centre::result_sheet(&mut c, w.centre.id, &w.entries[i]).unwrap();
    let row = credentials::CredentialRow {
        tenant_id: w.centre.id.to_string(),
        id: uuid::Uuid::new_v4().to_string(),
        result_id: sheet.result.id.clone(),
        entry_id: w.entries[i].clone(),
        status_index: 7,
        document: "{}".into(),
        issued_at: start_instant().naive_utc(),
        revoked_at: None,
        revoked_reason: None,
    };
    credentials::insert(&mut c, &row).unwrap();
    credentials::revoke(&mut c, w.centre.id, &row.id, "superseded", srv.clock.now()).unwrap();
}

fn multipart(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()))
}

/// Uploads `bytes` as the list `name` through the API; returns the response.
async fn upload(http: &reqwest::Client, srv: &TestServer, csrf: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    http.post(srv.url("/api/v1/verifier/bulk-verifications"))
        .header("x-csrf-token", csrf)
        .multipart(multipart(name, bytes))
        .send()
        .await
        .unwrap()
}

/// Polls a list until it is done; returns its status.
async fn until_done(http: &reqwest::Client, srv: &TestServer, id: &str) -> Value {
    for _ in 0..400 {
        let body: Value = http
            .get(srv.url(&format!("/api/v1/verifier/bulk-verifications/{id}")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if body["status"] == "done" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("bulk verification {id} did not finish");
}

const LIST: &str = "sor_number,date_of_birth,name\r\n\
SOR-2026-00001,2001-02-03,Łukasz Kowalski\r\n\
SOR-2026-00001,2001-02-04,\r\n\
SOR-2026-00003,1999-07-08,\r\n\
SOR-2026-00004,2002-09-10,\r\n\
SOR-2026-00001,2001-02-03,Jan Nowak\r\n";

async fn each_row_gets_a_verdict_and_a_report(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    share(&srv, &w, 0, &w.org_a);
    share(&srv, &w, 2, &w.org_b);
    share(&srv, &w, 3, &w.org_a);
    revoke_result(&srv, &w, 3);
    let http = client();
    let csrf = api_login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let res = upload(&http, &srv, &csrf, "list.csv", LIST.as_bytes().to_vec()).await;
    assert_eq!(res.status(), 202);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["total"], 5);
    let id = created["id"].as_str().unwrap().to_owned();
    let done = until_done(&http, &srv, &id).await;
    assert_eq!((done["processed"].as_i64(), done["percent"].as_i64()), (Some(5), Some(100)));

    // The CSV report: a byte-order mark, headers and verdicts in words.
    let res = http.get(srv.url(&format!("/api/v1/verifier/bulk-verifications/{id}/report"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let bytes = res.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\xef\xbb\xbf"), "a byte-order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("Row,Statement of Results number,Date of birth,Name,Verdict"), "{text}");
    assert!(lines[1].starts_with("2,SOR-2026-00001,2001-02-03,Łukasz Kowalski,Verified,Łukasz Kowalski,FCE"), "{text}");
    assert!(lines[1].contains(",B,B2"), "the result: {text}");
    assert!(lines[2].starts_with("3,SOR-2026-00001,2001-02-04,,No match,,"), "{text}");
    assert!(lines[3].starts_with("4,SOR-2026-00003,1999-07-08,,Not shared with you,,"), "{text}");
    assert!(lines[4].starts_with("5,SOR-2026-00004,2002-09-10,,Revoked,,"), "{text}");
    assert!(
        lines[5].starts_with("6,SOR-2026-00001,2001-02-03,Jan Nowak,No match,,"),
        "a name that is not the candidate's: {text}"
    );
    // In the reader's language.
    let res = http
        .get(srv.url(&format!("/api/v1/verifier/bulk-verifications/{id}/report?format=csv")))
        .header("accept-language", "pl")
        .send()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&res.bytes().await.unwrap()).into_owned();
    assert!(text.contains("Wiersz,Numer Statement of Results") && text.contains("Zweryfikowano"), "{text}");
    assert!(text.contains("Nieudostępniony Tobie") && text.contains("Unieważniony"), "{text}");
    // XLSX.
    let res = http
        .get(srv.url(&format!("/api/v1/verifier/bulk-verifications/{id}/report?format=xlsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"PK\x03\x04"));
    let res =
        http.get(srv.url(&format!("/api/v1/verifier/bulk-verifications/{id}/report?format=pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "format");

    // Every row is audited like a lookup: in the organisation's log, and the centre's for a match.
    let mut c = srv.db().conn().unwrap();
    let rows = audit::recent(&mut c, w.org_a.id, Some("verifier.bulk_verify.row"), 50).unwrap();
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| !r.details.contains("2001-02-03")), "no date of birth in the log");
    let centre_rows = audit::recent(&mut c, w.centre.id, Some("result.looked_up_by_verifier"), 50).unwrap();
    assert_eq!(centre_rows.len(), 3, "the three rows whose number, date and name matched");

    // Another organisation sees none of it.
    let bob = client();
    api_login(&bob, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    for path in [
        format!("/api/v1/verifier/bulk-verifications/{id}"),
        format!("/api/v1/verifier/bulk-verifications/{id}/report"),
    ] {
        assert_eq!(bob.get(srv.url(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    let listed: Value =
        bob.get(srv.url("/api/v1/verifier/bulk-verifications")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 0);

    // An XLSX list, its date of birth a date cell, semicolons do not matter there.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "SoR number").unwrap();
    sheet.write_string(0, 1, "Date of birth").unwrap();
    sheet.write_string(1, 0, "SOR-2026-00001").unwrap();
    let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2001, 2, 3).unwrap();
    let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    sheet.write_datetime_with_format(1, 1, &date, &fmt).unwrap();
    sheet.write_string(2, 0, "SOR-2026-00003").unwrap();
    sheet.write_string(2, 1, "1999-07-08").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let res = upload(&http, &srv, &csrf, "list.xlsx", bytes).await;
    assert_eq!(res.status(), 202);
    let id2 = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    until_done(&http, &srv, &id2).await;
    let text = String::from_utf8_lossy(
        &http
            .get(srv.url(&format!("/api/v1/verifier/bulk-verifications/{id2}/report")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    )
    .into_owned();
    assert!(text.contains("2,SOR-2026-00001,2001-02-03,,Verified"), "{text}");
    assert!(text.contains("3,SOR-2026-00003,1999-07-08,,Not shared with you"), "{text}");
    srv.stop().await;
}

async fn bad_lists_are_refused_by_row_and_column(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    share(&srv, &w, 0, &w.org_a);
    let http = client();
    let csrf = api_login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    // A header without the date of birth.
    let res = upload(&http, &srv, &csrf, "list.csv", b"sor_number,name\nSOR-1,X\n".to_vec()).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_bulk_file");
    assert_eq!(body["error"]["lines"][0]["line"], 1);
    assert_eq!(body["error"]["lines"][0]["column"], "date_of_birth");
    // Bad rows: each named by its line and column; semicolons as a spreadsheet saves them.
    let list = "sor_number;date_of_birth\nSOR-2026-00001;2001-02-03\nSOR-2026-00002;03/02/2001\n;2000-05-06\n\nSOR-2026-00004;\n";
    let res = upload(&http, &srv, &csrf, "list.csv", list.as_bytes().to_vec()).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let lines: Vec<(i64, String, String)> = body["error"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["line"].as_i64().unwrap(),
                l["column"].as_str().unwrap().to_owned(),
                l["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (3, "date_of_birth".into(), "invalid_date".into()),
            (4, "sor_number".into(), "required".into()),
            (6, "date_of_birth".into(), "required".into()),
        ]
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("3 bad row(s)"), "{body}");
    // Not a list at all.
    let res = upload(&http, &srv, &csrf, "list.xlsx", b"PK\x03\x04 not really a workbook".to_vec()).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["lines"][0]["column"], "file");
    assert_eq!(body["error"]["lines"][0]["code"], "bulk_file_unreadable");
    // Too many rows.
    let mut big = String::from("sor_number,date_of_birth\n");
    for i in 0..10_001 {
        big.push_str(&format!("SOR-{i},2000-01-01\n"));
    }
    let res = upload(&http, &srv, &csrf, "big.csv", big.into_bytes()).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["lines"][0]["code"], "bulk_too_many_rows");
    // Nothing was half-done: no list, no job.
    let listed: Value =
        http.get(srv.url("/api/v1/verifier/bulk-verifications")).send().await.unwrap().json().await.unwrap();
    assert!(listed.as_array().unwrap().is_empty());
    // The page names the row and the column in words.
    let page = client();
    login(&page, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let html = page.get(srv.url("/verifier/bulk-verify")).send().await.unwrap().text().await.unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&html))
        .part("file", reqwest::multipart::Part::bytes(list.as_bytes().to_vec()).file_name("list.csv"));
    let res = page.post(srv.url("/verifier/bulk-verify")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Row 3, column Date of birth:"), "{html}");
    assert!(html.contains("Row 4, column Statement of Results number:"), "{html}");
    srv.stop().await;
}

async fn the_daily_quota_is_per_organisation(backend: Backend) {
    let srv = TestServer::start_with(backend, |c| c.verifier.bulk_verify_rows_per_day = 3).await;
    let w = world(&srv);
    share(&srv, &w, 0, &w.org_a);
    let http = client();
    let csrf = api_login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let two = b"sor_number,date_of_birth\nSOR-2026-00001,2001-02-03\nSOR-2026-00002,2000-05-06\n".to_vec();
    assert_eq!(upload(&http, &srv, &csrf, "a.csv", two.clone()).await.status(), 202);
    let res = upload(&http, &srv, &csrf, "b.csv", two.clone()).await;
    assert_eq!(res.status(), 429);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bulk_quota_exceeded");
    assert_eq!(body["error"]["field"], "file");
    assert!(body["error"]["message"].as_str().unwrap().contains("only 1 of your organisation's 3"), "{body}");
    // The interactive Candidate Search is a budget of its own.
    let res = http
        .post(srv.url("/api/v1/verifier/lookup"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"sor_number": "SOR-2026-00001", "date_of_birth": "2001-02-03"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Another organisation has its own rows.
    let bob = client();
    let bob_csrf = api_login(&bob, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    assert_eq!(upload(&bob, &srv, &bob_csrf, "b.csv", two.clone()).await.status(), 202);
    // A day later the rows are back.
    srv.advance(chrono::Duration::hours(24) + chrono::Duration::seconds(1));
    let http = client();
    let csrf = api_login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    assert_eq!(upload(&http, &srv, &csrf, "c.csv", two).await.status(), 202);
    srv.stop().await;
}

async fn the_page_shows_progress_and_a_restart_resumes(backend: Backend) {
    // A server without job workers takes the list; the next one (same database) processes it.
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(backend, dir.path());
    let data = dir.path().to_path_buf();
    let (u1, d1) = (url.clone(), data.clone());
    let srv = TestServer::start_tweaked(backend, false, move |c| {
        c.database.url = u1;
        c.data_dir = d1.join("a");
        c.jobs.workers = 0;
    })
    .await;
    let w = world(&srv);
    share(&srv, &w, 0, &w.org_a);
    let http = client();
    login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let html = http.get(srv.url("/verifier/bulk-verify")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("enctype=\"multipart/form-data\""));
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&html))
        .part("file", reqwest::multipart::Part::bytes(LIST.as_bytes().to_vec()).file_name("list.csv"));
    let res = http.post(srv.url("/verifier/bulk-verify")).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let at = location(&res);
    assert!(at.starts_with("/verifier/bulk-verify/"), "{at}");
    let html = http.get(srv.url(&at)).send().await.unwrap().text().await.unwrap();
    // Followed in place by the page's script; without JavaScript, a link reloads it (no timed
    // refresh: WCAG 2.2.1).
    assert!(
        html.contains(&format!("data-follow=\"{at}\""))
            && html.contains("src=\"/static/follow.js\"")
            && html.contains(&format!("href=\"{at}\""))
            && !html.contains("http-equiv=\"refresh\""),
        "{html}"
    );
    assert!(html.contains("0 of 5 rows verified") && html.contains("<progress"), "{html}");
    let res = http.get(srv.url(&format!("{at}/report.csv"))).send().await.unwrap();
    assert_eq!(res.status(), 409, "no report before every row is done");
    srv.stop().await;

    let srv = TestServer::start_with(backend, move |c| {
        c.database.url = url;
        c.data_dir = data.join("b");
    })
    .await;
    let http = client();
    login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let mut html = String::new();
    for _ in 0..200 {
        html = http.get(srv.url(&at)).send().await.unwrap().text().await.unwrap();
        if html.contains("5 of 5 rows verified") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(html.contains("5 of 5 rows verified") && !html.contains("data-follow"), "no longer followed: {html}");
    assert!(html.contains("Not shared with you") && html.contains("report.xlsx"), "{html}");
    let res = http.get(srv.url(&format!("{at}/report.csv"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"\xef\xbb\xbf"));
    srv.stop().await;
}

both_backends!(
    each_row_gets_a_verdict_and_a_report,
    bad_lists_are_refused_by_row_and_column,
    the_daily_quota_is_per_organisation,
    the_page_shows_progress_and_a_restart_resumes,
);
