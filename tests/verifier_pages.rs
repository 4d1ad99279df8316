//! Results Verification Service pages and API: the shared list (R-SHARED-LIST), detail
//! (R-DETAIL, R-RESULT-CODES), the Statement of Results PDF, Candidate Search (R-SOR-LOOKUP), the
//! record of views and downloads the candidate sees, and withdrawal.

use crate::both_backends;
use crate::support::*;
use crate::verifier::{org_client, search, share, until, world};
use serde_json::Value;
use tessera_domain::Clock;
use tessera_storage::repo::{audit, shares};

async fn shared_list_marks_what_is_new_since_the_last_sign_in(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    share(&srv, &w, 0, &w.org_a);
    srv.advance(chrono::Duration::seconds(5));
    share(&srv, &w, 2, &w.org_a);
    share(&srv, &w, 3, &w.org_b);
    // First sign-in: everything shared so far is new.
    let http = client();
    assert_eq!(login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await.status(), 303);
    let page = http.get(srv.url("/verifier/shared")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("2 new candidates have shared their results with you since you last logged in"), "{html}");
    assert!(html.contains("Kowalski") && html.contains("Kowalczyk") && !html.contains("Bianchi"), "{html}");
    assert_eq!(html.matches("22 November 2026, 11:00").count(), 2, "in the organisation's time zone: {html}");
    assert_eq!(html.matches("class=\"new\"").count(), 2);
    // Signed in again an hour later, after one more share: only that one is new and bold.
    srv.advance(chrono::Duration::hours(1));
    share(&srv, &w, 1, &w.org_a);
    let http = client();
    login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    srv.advance(chrono::Duration::minutes(1));
    let http2 = client();
    login(&http2, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let html = http2.get(srv.url("/verifier/shared")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("0 new candidates"), "the previous sign-in was a minute ago: {html}");
    let api: Value = http.get(srv.url("/api/v1/verifier/shared")).send().await.unwrap().json().await.unwrap();
    assert_eq!(api["total"], 3);
    assert_eq!(api["rows"][0]["family_name"], "Szabó");
    assert_eq!(api["rows"][0]["first_name"], "Győző");
    assert_eq!(api["rows"][0]["exam_name"], "B2 First");
    // The other organisation's list holds only its own share.
    let b = org_client(&srv, "org-b", "bob@org-b.example").await;
    let api: Value = b.get(srv.url("/api/v1/verifier/shared")).send().await.unwrap().json().await.unwrap();
    assert_eq!(api["total"], 1);
    assert_eq!(api["rows"][0]["family_name"], "Bianchi");
    srv.stop().await;
}

async fn detail_and_statement_are_recorded_for_the_candidate(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let graded = share(&srv, &w, 0, &w.org_a);
    let absent = share(&srv, &w, 1, &w.org_a);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    let d: Value =
        a.get(srv.url(&format!("/api/v1/verifier/results/{graded}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["overall_score"], 170);
    assert_eq!(d["sor_number"], "SOR-2026-00001");
    assert_eq!(d["components"].as_array().unwrap().len(), 5);
    assert!(d["photo_url"].is_null());
    // R-RESULT-CODES: no component profile for X.
    let d: Value =
        a.get(srv.url(&format!("/api/v1/verifier/results/{absent}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["status"], "X");
    assert!(d["components"].as_array().unwrap().is_empty());
    assert!(d["overall_score"].is_null());
    // The page shows the same; the PDF is a PDF.
    let http = client();
    login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let html = http.get(srv.url(&format!("/verifier/results/{graded}"))).send().await.unwrap().text().await.unwrap();
    assert!(
        html.contains("Use of English") && html.contains("SOR-2026-00001") && html.contains("id=\"photo\""),
        "{html}"
    );
    let html = http.get(srv.url(&format!("/verifier/results/{absent}"))).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Use of English") && html.contains("absent from part"), "{html}");
    let pdf = http.get(srv.url(&format!("/verifier/results/{graded}/statement.pdf"))).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let pdf = a.get(srv.url(&format!("/api/v1/verifier/results/{graded}/statement.pdf"))).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    // The candidate sees who viewed and downloaded; the organisation's audit log has it too.
    let mut c = srv.db().conn().unwrap();
    let events = shares::events(&mut c, w.centre.id, &graded).unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "view").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "download").count(), 2, "{actions:?}");
    assert!(events[0].actor_name.contains("Tenant org-a"), "{:?}", events[0]);
    let log = audit::recent(&mut c, w.org_a.id, None, 50).unwrap();
    assert!(log.iter().any(|r| r.action == "verifier.result.view"));
    assert!(log.iter().any(|r| r.action == "verifier.result.download"));
    // Another organisation cannot open it, not even knowing the id.
    let b = org_client(&srv, "org-b", "bob@org-b.example").await;
    for path in
        [format!("/api/v1/verifier/results/{graded}"), format!("/api/v1/verifier/results/{graded}/statement.pdf")]
    {
        assert_eq!(b.get(srv.url(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    srv.stop().await;
}

async fn withdrawal_removes_access_everywhere(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let id = share(&srv, &w, 0, &w.org_a);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    let http = client();
    login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    until(&a, &srv, "q=kowalski", &["Kowalski"]).await;
    let paths = [
        format!("/api/v1/verifier/results/{id}"),
        format!("/api/v1/verifier/results/{id}/statement.pdf"),
        format!("/verifier/results/{id}"),
        format!("/verifier/results/{id}/statement.pdf"),
    ];
    for p in &paths {
        assert_eq!(a.get(srv.url(p)).send().await.unwrap().status(), 200, "{p} before withdrawal");
    }
    shares::withdraw(&mut srv.db().conn().unwrap(), w.centre.id, &id, srv.clock.now()).unwrap();
    for p in &paths {
        assert_eq!(a.get(srv.url(p)).send().await.unwrap().status(), 404, "{p} after withdrawal");
    }
    assert!(search(&a, &srv, "q=kowalski").await.is_empty());
    let list: Value = a.get(srv.url("/api/v1/verifier/shared")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 0);
    let html = http.get(srv.url("/verifier/search?q=kowalski")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("Kowalski</td>"), "{html}");
    srv.stop().await;
}

async fn candidate_search_needs_both_and_is_throttled_and_audited(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    let csrf = api_login(&a, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let lookup = |sor: &str, dob: &str| {
        a.post(srv.url("/api/v1/verifier/lookup"))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({"sor_number": sor, "date_of_birth": dob}))
            .send()
    };
    // Not shared with anyone, found by number and date of birth together (R-SOR-LOOKUP).
    let res = lookup("SOR-2026-00003", "1999-07-08").await.unwrap();
    assert_eq!(res.status(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["family_name"], "Kowalczyk");
    assert_eq!(d["components"].as_array().unwrap().len(), 5);
    assert_eq!(lookup("SOR-2026-00003", "1999-07-09").await.unwrap().status(), 404, "right number, wrong birthday");
    assert_eq!(lookup("SOR-2026-00004", "1999-07-08").await.unwrap().status(), 404, "wrong number, right birthday");
    let res = lookup("SOR-2026-00003", "08/07/1999").await.unwrap();
    assert_eq!(res.status(), 400);
    // Every lookup is audited; the date of birth is not written down.
    let mut c = srv.db().conn().unwrap();
    let log = audit::recent(&mut c, w.org_a.id, None, 50).unwrap();
    let lookups: Vec<_> = log.iter().filter(|r| r.action == "verifier.sor_lookup").collect();
    assert_eq!(lookups.len(), 3);
    assert!(lookups.iter().all(|r| !r.details.contains("1999")), "{lookups:?}");
    let centre_log = audit::recent(&mut c, w.centre.id, None, 50).unwrap();
    assert!(centre_log.iter().any(|r| r.action == "result.looked_up_by_verifier"));
    // Throttled per user: the budget is ten per ten minutes.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(lookup("SOR-2026-00003", "1999-07-08").await.unwrap());
    }
    let last = statuses.pop().unwrap();
    assert_eq!(last.status(), 429);
    assert!(last.headers().get("retry-after").is_some());
    // The page form works too, and also counts against the same budget.
    let http = client();
    login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let form = http.get(srv.url("/verifier/lookup")).send().await.unwrap().text().await.unwrap();
    let res = http
        .post(srv.url("/verifier/lookup"))
        .form(&[("csrf", csrf_of(&form).as_str()), ("sor_number", "SOR-2026-00001"), ("date_of_birth", "2001-02-03")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    srv.advance(chrono::Duration::minutes(11));
    let res = http
        .post(srv.url("/verifier/lookup"))
        .form(&[("csrf", csrf_of(&form).as_str()), ("sor_number", "SOR-2026-00001"), ("date_of_birth", "2001-02-03")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Kowalski"));
    srv.stop().await;
}

both_backends!(
    shared_list_marks_what_is_new_since_the_last_sign_in,
    detail_and_statement_are_recorded_for_the_candidate,
    withdrawal_removes_access_everywhere,
    candidate_search_needs_both_and_is_throttled_and_audited,
);

/// R-PHOTO-DAY, R-DETAIL: the exam-day photo a centre stored is shown to the organisation a
/// result is shared with, where the centre's photo policy lets verifiers see it; fetching it is
/// recorded as a download; no photo, another organisation, or a policy that keeps photos from
/// verifiers all give 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_day_photo_where_the_centre_policy_allows() {
    use crate::after_exam::confirmed;
    use crate::centre::{create_session, fce_session, import_csv, polish_centre};
    use chrono::TimeZone;
    use serde_json::json;
    use tessera_domain::{Role, TenantKind};
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entries =
        [confirmed(&http, &srv, &csrf, &session, "Ewa").await, confirmed(&http, &srv, &csrf, &session, "Adam").await];
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-ewa".to_vec();
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(png.clone()).file_name("ewa.png").mime_str("image/png").unwrap());
    let res = http
        .post(srv.url(&format!("/api/v1/entries/{}/photo", entries[0])))
        .header("x-csrf-token", &csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let csv = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n\
               0001,graded,176,B,B2,170,175,180,172,183\n0002,graded,165,C,B2,160,165,170,162,168\n";
    assert_eq!(import_csv(&http, &srv, &csrf, &session, csv).await, 200);
    srv.clock.set(chrono::Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap());

    let org = srv.tenant("org-p", TenantKind::Verifier);
    srv.user(&org, "vera@org-p.example", Role::VerifierPrimary);
    let other = srv.tenant("org-q", TenantKind::Verifier);
    srv.user(&other, "quinn@org-q.example", Role::VerifierPrimary);
    let mut c = srv.db().conn().unwrap();
    let centre = tessera_storage::repo::tenants::by_slug(&mut c, "pl078").unwrap();
    let now = srv.clock.now();
    let with_photo = shares::create(&mut c, centre.id, &entries[0], org.id, now).unwrap().id;
    let without = shares::create(&mut c, centre.id, &entries[1], org.id, now).unwrap().id;
    let v = org_client(&srv, "org-p", "vera@org-p.example").await;
    let detail = |id: &str| {
        let (v, url) = (v.clone(), srv.url(&format!("/api/v1/verifier/results/{id}")));
        async move { v.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let photo_path = format!("/api/v1/verifier/results/{with_photo}/photo");
    assert_eq!(detail(&with_photo).await["photo_url"], photo_path.as_str());
    let res = v.get(srv.url(&photo_path)).send().await.unwrap();
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap()), (200, "image/png"));
    assert_eq!(res.bytes().await.unwrap().to_vec(), png, "the stored photo itself");
    let events = shares::events(&mut c, centre.id, &with_photo).unwrap();
    assert_eq!(events.iter().filter(|e| e.action == "download").count(), 1, "the photo fetch is recorded");
    assert!(detail(&without).await["photo_url"].is_null());
    let res = v.get(srv.url(&format!("/api/v1/verifier/results/{without}/photo"))).send().await.unwrap();
    assert_eq!(res.status(), 404, "no photo stored");
    let page = client();
    login(&page, &srv, "org-p", "vera@org-p.example", PASSWORD).await;
    let html =
        page.get(srv.url(&format!("/verifier/results/{with_photo}"))).send().await.unwrap().text().await.unwrap();
    // minijinja escapes `/` in attributes as `&#x2f;`; browsers read it back.
    let html = html.replace("&#x2f;", "/");
    assert!(html.contains(&format!("<img src=\"{photo_path}\"")), "{html}");
    let q = org_client(&srv, "org-q", "quinn@org-q.example").await;
    assert_eq!(q.get(srv.url(&photo_path)).send().await.unwrap().status(), 404, "not shared with org-q");

    // A policy that keeps exam-day photos from verifiers (Italy's, configured so) hides it.
    tessera_storage::repo::policy::assign(
        &mut c,
        centre.id,
        "photo",
        "it",
        &json!({"visible_to_verifiers": false}),
        now,
    )
    .unwrap();
    assert!(detail(&with_photo).await["photo_url"].is_null());
    assert_eq!(v.get(srv.url(&photo_path)).send().await.unwrap().status(), 404);
    srv.stop().await;
}
