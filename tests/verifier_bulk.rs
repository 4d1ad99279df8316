//! Bulk downloads (R-BULK-DOWNLOAD): PDFs as one zip, CSV and XLSX data files from the default or
//! a custom template, the download history with re-download; each result in a file is recorded
//! for its candidate.

use crate::both_backends;
use crate::support::*;
use crate::verifier::{org_client, share, world};
use serde_json::{Value, json};
use std::io::Read;
use tessera_domain::Clock;
use tessera_storage::repo::shares;

pub fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    (0..z.len())
        .map(|i| {
            let mut f = z.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().unwrap().into_owned(), out)
        })
        .collect()
}

async fn bulk_downloads_and_history(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let ids: Vec<String> = (0..3).map(|i| share(&srv, &w, i, &w.org_a)).collect();
    let other = share(&srv, &w, 3, &w.org_b);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    let csrf = api_login(&a, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let post =
        |body: Value| a.post(srv.url("/api/v1/verifier/downloads")).header("x-csrf-token", &csrf).json(&body).send();

    // PDFs as one zip; another organisation's share in the selection is left out.
    let res = post(json!({"share_ids": [ids[0], ids[2], other], "format": "pdf"})).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let pdf_download = res.headers()["x-download-id"].to_str().unwrap().to_owned();
    let files = unzip(&res.bytes().await.unwrap());
    let names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"statement-of-results-SOR-2026-00001.pdf"), "{names:?}");
    assert!(files.iter().all(|f| f.1.starts_with(b"%PDF")));

    // CSV from the default template: every field; X results have no profile (R-RESULT-CODES).
    let res = post(json!({"share_ids": ids, "format": "csv"})).await.unwrap();
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    // UTF-8 with a byte-order mark, so Excel reads the accents; headers and statuses in words.
    assert!(lines[0].starts_with("\u{feff}First name,Family name,Date of birth,ID number,Email"), "{csv}");
    assert!(csv.contains("Łukasz,Kowalski,2001-02-03,PL078000001"), "{csv}");
    assert!(csv.contains("Reading 160; Speaking 164; Use of English 161"), "{csv}");
    let szabo = lines.iter().find(|l| l.contains("Szabó")).unwrap();
    assert!(szabo.contains(",Absent from part of the exam (X),") && !szabo.contains("Reading"), "{szabo}");

    // A custom template: chosen fields, order and headers; bad ones are refused.
    let res = a
        .post(srv.url("/api/v1/verifier/download-templates"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "Admissions", "fields": [{"field": "nope", "header": "X"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = a
        .post(srv.url("/api/v1/verifier/download-templates"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "Admissions", "fields": [
            {"field": "family_name", "header": "Surname"},
            {"field": "overall_score", "header": "Score"},
            {"field": "sor_number", "header": "SoR"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let template: Value = res.json().await.unwrap();
    let tid = template["id"].as_str().unwrap();
    let res = post(json!({"share_ids": [ids[0]], "format": "xlsx", "template_id": tid})).await.unwrap();
    assert_eq!(res.status(), 200);
    let xlsx_download = res.headers()["x-download-id"].to_str().unwrap().to_owned();
    let files = unzip(&res.bytes().await.unwrap());
    let strings =
        files.iter().find(|f| f.0 == "xl/sharedStrings.xml").map(|f| String::from_utf8_lossy(&f.1).into_owned());
    let sheet =
        files.iter().find(|f| f.0 == "xl/worksheets/sheet1.xml").map(|f| String::from_utf8_lossy(&f.1).into_owned());
    let text = format!("{strings:?}{sheet:?}");
    assert!(text.contains("Surname") && text.contains("Kowalski") && text.contains("SOR-2026-00001"), "{text}");
    assert!(!text.contains("Łukasz"), "only the chosen fields: {text}");
    assert_eq!(post(json!({"share_ids": [], "format": "csv"})).await.unwrap().status(), 400);
    assert_eq!(post(json!({"share_ids": [ids[0]], "format": "doc"})).await.unwrap().status(), 400);
    assert_eq!(post(json!({"share_ids": [other], "format": "csv"})).await.unwrap().status(), 404);

    // Each result in a file is a download the candidate sees.
    let events = shares::events(&mut srv.db().conn().unwrap(), w.centre.id, &ids[0]).unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "download").count(), 3);

    // History with re-download; a withdrawn result is left out when downloaded again.
    let history: Value = a.get(srv.url("/api/v1/verifier/downloads")).send().await.unwrap().json().await.unwrap();
    assert_eq!(history.as_array().unwrap().len(), 3);
    assert!(history.as_array().unwrap().iter().any(|h| h["id"] == pdf_download.as_str() && h["count"] == 2));
    shares::withdraw(&mut srv.db().conn().unwrap(), w.centre.id, &ids[2], srv.clock.now()).unwrap();
    let res = a.get(srv.url(&format!("/api/v1/verifier/downloads/{pdf_download}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(unzip(&res.bytes().await.unwrap()).len(), 1);
    let res = a.get(srv.url(&format!("/api/v1/verifier/downloads/{xlsx_download}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    // Another organisation sees neither the history nor the files.
    let b = org_client(&srv, "org-b", "bob@org-b.example").await;
    let res = b.get(srv.url(&format!("/api/v1/verifier/downloads/{pdf_download}"))).send().await.unwrap();
    assert_eq!(res.status(), 404);
    let history: Value = b.get(srv.url("/api/v1/verifier/downloads")).send().await.unwrap().json().await.unwrap();
    assert!(history.as_array().unwrap().is_empty());
    let templates: Value =
        b.get(srv.url("/api/v1/verifier/download-templates")).send().await.unwrap().json().await.unwrap();
    assert_eq!(templates.as_array().unwrap().len(), 1, "only the default template: {templates}");

    // An organisation working in Polish gets Polish headers and statuses.
    {
        use diesel::RunQueryDsl;
        let mut c = srv.db().conn().unwrap();
        diesel::sql_query("UPDATE tenants SET locale = 'pl' WHERE slug = 'org-a'").execute(&mut *c).unwrap();
    }
    let polish = post(json!({"share_ids": ids, "format": "csv"})).await.unwrap().text().await.unwrap();
    assert!(polish.starts_with("\u{feff}Imię,Nazwisko,Data urodzenia,Numer ID,E-mail"), "{polish}");
    assert!(polish.contains("Łukasz,Kowalski") && polish.contains(",Wynik wystawiony,"), "{polish}");
    srv.stop().await;
}

both_backends!(bulk_downloads_and_history);
