//! API access (R-API): an organisation asks, the installation admin approves or refuses (page,
//! API, CLI) and its primary user is emailed either way; only then API clients; tokens expire,
//! the primary user is emailed once 30 days before, renewal keeps the token; an expired token is
//! a 401 `api_token_expired`.

use crate::both_backends;
use crate::support::*;
use crate::verifier::world;
use serde_json::{Value, json};
use std::time::Duration;
use tessera_domain::{Clock, Role};
use tessera_storage::repo::{audit, jobs, tenants};

async fn mail_server(backend: Backend, days: i64) -> (tempfile::TempDir, SmtpSink, TestServer) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(backend, |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.verifier.api_token_days = days;
    })
    .await;
    (scratch, smtp, srv)
}

async fn create_client(http: &reqwest::Client, srv: &TestServer, csrf: &str, name: &str) -> reqwest::Response {
    http.post(srv.url("/api/v1/verifier/api-clients"))
        .header("x-csrf-token", csrf)
        .json(&json!({"name": name}))
        .send()
        .await
        .unwrap()
}

async fn access_is_requested_then_decided(backend: Backend) {
    let (scratch, smtp, srv) = mail_server(backend, 365).await;
    let w = world(&srv);
    let alice = client();
    let csrf = api_login(&alice, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    // No API clients before the installation admin approves.
    let res = create_client(&alice, &srv, &csrf, "Admissions").await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "api_access_not_approved");
    let status: Value = alice.get(srv.url("/api/v1/verifier/api-access")).send().await.unwrap().json().await.unwrap();
    assert_eq!(status["status"], "none");
    let ask = |purpose: &'static str| {
        alice
            .post(srv.url("/api/v1/verifier/api-access"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"purpose": purpose}))
            .send()
    };
    let res = ask("  ").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], "purpose");
    let res = ask("Our admissions system checks applicants' results").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "pending");
    let res = ask("again").await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "api_access_requested");

    // The installation admin approves through the API; the organisation cannot decide itself.
    assert_eq!(alice.get(srv.url("/api/v1/admin/api-access")).send().await.unwrap().status(), 404);
    let inst = tenants::by_slug(&mut srv.db().conn().unwrap(), "installation").unwrap();
    srv.user(&inst, "root@tessera.example", Role::InstallationAdmin);
    let admin = client();
    let admin_csrf = api_login(&admin, &srv, "installation", "root@tessera.example", PASSWORD).await;
    let list: Value = admin.get(srv.url("/api/v1/admin/api-access")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list[0]["organisation"], "org-a");
    assert_eq!(list[0]["status"], "pending");
    let decide = |code: &str, d: &str| {
        admin.post(srv.url(&format!("/api/v1/admin/api-access/{code}/{d}"))).header("x-csrf-token", &admin_csrf).send()
    };
    assert_eq!(decide("org-a", "maybe").await.unwrap().status(), 404);
    assert_eq!(decide("org-a", "approve").await.unwrap().status(), 200);
    assert_eq!(decide("org-a", "approve").await.unwrap().status(), 409, "decided once");
    assert_eq!(decide("nobody", "approve").await.unwrap().status(), 404);
    let mail = decode_qp(&smtp.wait_for(1).await[0]);
    assert!(mail.contains("To: alice@org-a.example") && mail.contains("can now use the API"), "{mail}");
    let res = create_client(&alice, &srv, &csrf, "Admissions").await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert!(created["client"]["expires_at"].as_str().unwrap().starts_with("2027-11-22"), "{created}");
    let audited = audit::recent(&mut srv.db().conn().unwrap(), inst.id, Some("api_access.approved"), 5).unwrap();
    assert_eq!(audited.len(), 1);

    // Organisation B asks on the page; the admin refuses on the page; B is told and has no clients.
    let bob = client();
    login(&bob, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    let html = bob.get(srv.url("/verifier/api-clients")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("not requested") && html.contains("action=\"/verifier/api-access\""), "{html}");
    assert!(!html.contains("action=\"/verifier/api-clients\""), "no create form before approval");
    let res = bob
        .post(srv.url("/verifier/api-access"))
        .form(&[("csrf", csrf_of(&html).as_str()), ("purpose", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = bob
        .post(srv.url("/verifier/api-access"))
        .form(&[("csrf", csrf_of(&html).as_str()), ("purpose", "HR checks")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let page_admin = client();
    login(&page_admin, &srv, "installation", "root@tessera.example", PASSWORD).await;
    let html = page_admin.get(srv.url("/admin/api-access")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("HR checks") && html.contains("/admin/api-access/org-b/reject"), "{html}");
    let res = page_admin
        .post(srv.url("/admin/api-access/org-b/reject"))
        .form(&[("csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mail = decode_qp(&smtp.wait_for(2).await[1]);
    assert!(mail.contains("To: bob@org-b.example") && mail.contains("was not approved"), "{mail}");
    let bob_api = client();
    let bob_csrf = api_login(&bob_api, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    assert_eq!(create_client(&bob_api, &srv, &bob_csrf, "HR").await.status(), 403);

    // Refused organisations may ask again; the CLI approves.
    let res = bob_api
        .post(srv.url("/api/v1/verifier/api-access"))
        .header("x-csrf-token", &bob_csrf)
        .json(&json!({"purpose": "HR checks, second try"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let env =
        [("TESSERA_DATABASE__URL", srv.database_url.as_str()), ("TESSERA_DATA_DIR", scratch.path().to_str().unwrap())];
    let (code, out, err) = tessera(&["org", "api-requests"], &env, None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("org-b") && out.contains("pending"), "{out}");
    let (code, out, err) = tessera(&["org", "approve-api", "org-b"], &env, None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("approved"), "{out}");
    let (code, _, _) = tessera(&["org", "approve-api", "org-b"], &env, None);
    assert_eq!(code, 4, "decided once");
    assert_eq!(create_client(&bob_api, &srv, &bob_csrf, "HR").await.status(), 201);
    // The CLI queued the email in the same transaction (the server's worker sends it when due:
    // the CLI stamps it with the real time, ahead of this test's clock).
    let queued = jobs::list(&mut srv.db().conn().unwrap(), w.org_b.id, 20).unwrap();
    assert!(
        queued.iter().any(|j| j.kind == "email"
            && j.payload.contains("bob@org-b.example")
            && j.payload.contains("can now use the API")),
        "{queued:?}"
    );
    srv.stop().await;
}

/// Queues the daily expiry-notice job as the scheduler does (the test clock does not wait a day).
fn run_notices(srv: &TestServer, key: &str) {
    let mut c = srv.db().conn().unwrap();
    let inst = tenants::installation(&mut c, srv.clock.now()).unwrap();
    let job = jobs::NewJob {
        kind: tessera_app::verifier::API_TOKEN_NOTICE_JOB,
        payload: json!({}),
        idempotency_key: key.into(),
        run_at: srv.clock.now(),
        max_attempts: 3,
    };
    jobs::enqueue(&mut c, inst.id, &job, srv.clock.now()).unwrap();
}

async fn tokens_expire_with_a_notice_and_renew(backend: Backend) {
    let (_scratch, smtp, srv) = mail_server(backend, 60).await;
    let w = world(&srv);
    srv.approve_api_access(&w.org_a);
    let alice = client();
    let csrf = api_login(&alice, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let created: Value = create_client(&alice, &srv, &csrf, "Admissions").await.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let id = created["client"]["id"].as_str().unwrap().to_owned();
    assert!(created["client"]["expires_at"].as_str().unwrap().starts_with("2027-01-21"), "{created}");
    let machine = reqwest::Client::new();
    let shared = || machine.get(srv.url("/api/v1/verifier/shared")).bearer_auth(&token).send();
    assert_eq!(shared().await.unwrap().status(), 200);

    // 31 days before the expiry: nothing yet; 29 days before: one email, once.
    srv.advance(chrono::Duration::days(29));
    run_notices(&srv, "n1");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(smtp.messages().is_empty());
    srv.advance(chrono::Duration::days(2));
    run_notices(&srv, "n2");
    let mail = decode_qp(&smtp.wait_for(1).await[0]);
    assert!(mail.contains("To: alice@org-a.example"), "{mail}");
    assert!(mail.contains("Admissions expires soon") && mail.contains("expires on 2027-01-21"), "{mail}");
    run_notices(&srv, "n3");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.messages().len(), 1, "once per token");

    // Renewal: the same token, a new expiry; someone else's client is not renewed.
    let alice = client();
    let csrf = api_login(&alice, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let bob = client();
    let bob_csrf = api_login(&bob, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    let res = bob
        .post(srv.url(&format!("/api/v1/verifier/api-clients/{id}/renew")))
        .header("x-csrf-token", &bob_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = alice
        .post(srv.url(&format!("/api/v1/verifier/api-clients/{id}/renew")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let renewed: Value = res.json().await.unwrap();
    assert!(renewed["expires_at"].as_str().unwrap().starts_with("2027-02-21"), "{renewed}");
    srv.advance(chrono::Duration::days(30));
    assert_eq!(shared().await.unwrap().status(), 200, "the same token works past the old expiry");

    // Past the new expiry: 401 with its own code and a message that says so.
    srv.advance(chrono::Duration::days(31));
    let res = shared().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "api_token_expired");
    assert!(body["error"]["message"].as_str().unwrap().contains("expired on 2027-02-21"), "{body}");
    let res = machine.get(srv.url("/api/v1/verifier/shared")).bearer_auth("tsk_nonsense").send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["code"], "invalid_token");
    srv.stop().await;
}

both_backends!(access_is_requested_then_decided, tokens_expire_with_a_notice_and_renew);
