//! Webhooks of verifier organisations (R-WEBHOOK): every event reaches a real receiver that
//! verifies it with the Standard Webhooks reference library (Python `standardwebhooks`, from
//! PyPI, installed by tests/run.sh into a virtual environment named by TESSERA_WEBHOOK_PY); a
//! receiver that is down gets the event when it is back; two servers on one database deliver each
//! event once; both secrets verify during a rotation; an endpoint failing for a day is disabled
//! and its organisation's primary user emailed; other organisations see nothing; bad input is
//! refused by field.

use crate::both_backends;
use crate::support::*;
use crate::verifier::{World, world};
use chrono::Duration;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use tessera_domain::Clock;
use tessera_storage::repo::{candidate, centre, workflows};

both_backends!(
    r_webhook_events_arrive_signed_and_only_for_their_organisation,
    r_webhook_a_receiver_that_was_down_gets_the_event_when_back,
    r_webhook_two_servers_deliver_each_event_once,
    r_webhook_both_secrets_verify_during_a_rotation,
    r_webhook_an_endpoint_failing_for_a_day_is_disabled_and_its_primary_user_emailed,
);

/// The receiver: `receiver.py` under the virtual environment's Python.
struct Receiver {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

impl Receiver {
    /// A receiver on a free port, not started yet (connections are refused).
    fn new() -> Self {
        Self { child: None, port: free_port(), dir: tempfile::tempdir().unwrap() }
    }

    fn started() -> Self {
        let mut r = Self::new();
        r.start();
        r
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn start(&mut self) {
        let python = std::env::var("TESSERA_WEBHOOK_PY").expect(
            "TESSERA_WEBHOOK_PY is not set: run the suite with `bash tests/run.sh`, which installs the \
             Standard Webhooks library (pip install standardwebhooks) into a virtual environment, or set it \
             to a Python that has it",
        );
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/webhook-receiver/receiver.py");
        let child = Command::new(python)
            .args([script, &self.port.to_string(), self.dir.path().to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the webhook receiver");
        self.child = Some(child);
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        panic!("the webhook receiver did not start on port {}", self.port);
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn secrets(&self, secrets: &[&str]) {
        std::fs::write(self.dir.path().join("secrets"), secrets.join("\n")).unwrap();
    }

    fn mode(&self, mode: &str) {
        std::fs::write(self.dir.path().join("mode"), mode).unwrap();
    }

    /// Every request received, oldest first.
    fn log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.dir.path().join("log"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The requests it answered 200 (verified).
    fn accepted(&self) -> Vec<Value> {
        self.log().into_iter().filter(|r| r["code"] == 200).collect()
    }

    /// Waits until `n` deliveries were accepted.
    async fn wait_accepted(&self, n: usize) -> Vec<Value> {
        for _ in 0..300 {
            let got = self.accepted();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("expected {n} accepted deliveries, the receiver saw {:#?}", self.log());
    }

    /// Waits until `n` requests arrived, whatever the answer.
    async fn wait_requests(&self, n: usize) -> Vec<Value> {
        for _ in 0..300 {
            let got = self.log();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("expected {n} requests, the receiver saw {:#?}", self.log());
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Alice, org-a's primary user, signed in to the API: (client, csrf).
async fn alice(srv: &TestServer) -> (reqwest::Client, String) {
    let http = client();
    let csrf = api_login(&http, srv, "org-a", "alice@org-a.example", PASSWORD).await;
    (http, csrf)
}

async fn post(http: &reqwest::Client, srv: &TestServer, csrf: &str, path: &str, body: Value) -> (u16, Value) {
    let res = http.post(srv.url(path)).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Adds an endpoint for `url` with `events` through the API; returns (endpoint id, secret).
async fn add_endpoint(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    url: &str,
    events: &[&str],
) -> (String, String) {
    let (status, body) = post(
        http,
        srv,
        csrf,
        "/api/v1/verifier/webhooks",
        json!({"url": url, "description": "Admissions system", "event_types": events}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    (body["endpoint"]["id"].as_str().unwrap().to_owned(), secret)
}

const ALL: [&str; 4] = ["share.created", "share.withdrawn", "result.updated", "result.revoked"];

/// The candidate of entry `i` shares it with `org` (the storage call the candidate's request makes).
fn share(srv: &TestServer, w: &World, i: usize, org: &tessera_storage::repo::tenants::Tenant) -> String {
    let mut c = srv.db().conn().unwrap();
    let entry = centre::entry(&mut c, w.centre.id, &w.entries[i]).unwrap();
    let ids = candidate::share_results(
        &mut c,
        w.centre.id,
        &entry.candidate_id,
        org.id,
        std::slice::from_ref(&w.entries[i]),
        "candidate",
        srv.clock.now(),
    )
    .unwrap()
    .unwrap();
    ids[0].clone()
}

fn withdraw(srv: &TestServer, w: &World, i: usize, share_id: &str) {
    let mut c = srv.db().conn().unwrap();
    let entry = centre::entry(&mut c, w.centre.id, &w.entries[i]).unwrap();
    candidate::withdraw_share(&mut c, w.centre.id, &entry.candidate_id, share_id, "candidate", srv.clock.now())
        .unwrap();
}

async fn endpoint_log(http: &reqwest::Client, srv: &TestServer, id: &str) -> Vec<Value> {
    let res = http.get(srv.url(&format!("/api/v1/verifier/webhooks/{id}/deliveries"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

async fn r_webhook_events_arrive_signed_and_only_for_their_organisation(backend: Backend) {
    let rx = Receiver::started();
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let (http, csrf) = alice(&srv).await;

    // Bad input is refused by field.
    for (body, code, field) in [
        (json!({"url": "ftp://hooks.example.com/in", "event_types": ["share.created"]}), "webhook_url", "url"),
        (json!({"url": "hooks.example.com", "event_types": ["share.created"]}), "webhook_url", "url"),
        (
            json!({"url": "http://hooks.example.com/in", "event_types": ["share.created"]}),
            "webhook_url_not_https",
            "url",
        ),
        (
            json!({"url": "https://hooks.example.com/in", "event_types": ["share.deleted"]}),
            "unknown_event_type",
            "event_types",
        ),
        (json!({"url": "https://hooks.example.com/in", "event_types": []}), "required", "event_types"),
    ] {
        let (status, err) = post(&http, &srv, &csrf, "/api/v1/verifier/webhooks", body.clone()).await;
        assert_eq!(status, 400, "{body}: {err}");
        let err = &err["error"];
        assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some(code), Some(field)), "{err}");
        assert!(!err["message"].as_str().unwrap().is_empty());
    }

    let (id, secret) = add_endpoint(&http, &srv, &csrf, &rx.url(), &ALL).await;
    rx.secrets(&[&secret]);

    // share.created
    let share_id = share(&srv, &w, 0, &w.org_a);
    let got = rx.wait_accepted(1).await;
    assert_eq!(got[0]["body"]["type"], "share.created");
    assert_eq!(got[0]["body"]["data"]["share_id"], share_id.as_str());
    assert_eq!(got[0]["body"]["data"]["sor_number"], "SOR-2026-00001");
    assert_eq!(got[0]["body"]["data"]["result_version"], 1);
    assert_eq!(got[0]["body"]["timestamp"], "2026-11-22T10:00:00Z");
    // Nothing personal beyond what the share shows: no names, no dates of birth.
    let text = got[0]["body"].to_string();
    assert!(!text.contains("Kowalski") && !text.contains("2001-02-03"), "{text}");

    // result.updated: a new version after an enquiry.
    srv.advance(Duration::minutes(1));
    {
        let mut c = srv.db().conn().unwrap();
        let row = workflows::ImportedResult {
            candidate_number: "0001".into(),
            status: "graded".into(),
            overall_score: Some(180),
            grade: Some("A".into()),
            cefr: Some("C1".into()),
            components: vec![],
        };
        let now = srv.clock.now();
        tessera_storage::transaction(&mut c, |c| {
            workflows::add_result_version(c, w.centre.id, &w.entries[0], &row, now, &mut String::new)
        })
        .unwrap();
    }
    let got = rx.wait_accepted(2).await;
    assert_eq!(got[1]["body"]["type"], "result.updated");
    assert_eq!(got[1]["body"]["data"]["result_version"], 2);
    assert_eq!(got[1]["body"]["data"]["sor_number"], "SOR-2026-00001");

    // result.revoked: the centre revokes the credential by hand (the app's own path).
    let state = srv.running.as_ref().unwrap().state.clone();
    let n = tessera_app::credentials::revoke::revoke_by_hand(
        &state,
        &w.centre,
        &w.entries[0],
        "Marking error",
        "staff".into(),
    )
    .await
    .unwrap();
    assert_eq!(n, 1);
    let got = rx.wait_accepted(3).await;
    assert_eq!(got[2]["body"]["type"], "result.revoked");
    assert_eq!(got[2]["body"]["data"]["reason"], "revoked", "the centre's words stay with the centre");
    assert_eq!(got[2]["body"]["data"]["result_version"], 2);

    // share.withdrawn
    withdraw(&srv, &w, 0, &share_id);
    let got = rx.wait_accepted(4).await;
    assert_eq!(got[3]["body"]["type"], "share.withdrawn");
    assert_eq!(got[3]["body"]["data"]["share_id"], share_id.as_str());
    assert!(got.iter().all(|r| r["verified"] == json!([0])), "every delivery verifies: {got:#?}");

    // A result shared with org-b only says nothing to org-a.
    share(&srv, &w, 2, &w.org_b);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(rx.log().len(), 4);

    // The delivery log: four delivered, each with its attempt's status code and response time.
    let log = endpoint_log(&http, &srv, &id).await;
    assert_eq!(log.len(), 4);
    for d in &log {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["attempt_log"][0]["status_code"], 200);
        assert!(d["attempt_log"][0]["response_ms"].as_i64().unwrap() >= 0);
    }
    // Redelivery by hand sends the same message again.
    let first = log.iter().find(|d| d["event_type"] == "share.created").unwrap()["id"].as_str().unwrap().to_owned();
    let (status, _) =
        post(&http, &srv, &csrf, &format!("/api/v1/verifier/webhooks/{id}/deliveries/{first}/redeliver"), json!({}))
            .await;
    assert_eq!(status, 202);
    let got = rx.wait_accepted(5).await;
    assert_eq!(got[4]["id"], first.as_str());
    assert_eq!(got[4]["body"], got[0]["body"]);

    // Another organisation neither sees nor touches the endpoint.
    let bob = client();
    let bcsrf = api_login(&bob, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    let res = bob.get(srv.url("/api/v1/verifier/webhooks")).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), json!([]));
    for path in [format!("/api/v1/verifier/webhooks/{id}"), format!("/api/v1/verifier/webhooks/{id}/deliveries")] {
        assert_eq!(bob.get(srv.url(&path)).send().await.unwrap().status(), 404, "{path}");
    }
    for path in ["rotate", "disable", "enable", &format!("deliveries/{first}/redeliver")] {
        let (status, _) = post(&bob, &srv, &bcsrf, &format!("/api/v1/verifier/webhooks/{id}/{path}"), json!({})).await;
        assert_eq!(status, 404, "{path}");
    }
    let res = bob
        .delete(srv.url(&format!("/api/v1/verifier/webhooks/{id}")))
        .header("x-csrf-token", &bcsrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let page = client();
    login(&page, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    assert_eq!(page.get(srv.url(&format!("/verifier/webhooks/{id}"))).send().await.unwrap().status(), 404);

    // Alice's pages: the list, the endpoint with its delivery log, a refusal by field.
    let page = client();
    login(&page, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let html = page.get(srv.url("/verifier/webhooks")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains(&format!("127.0.0.1:{}", rx.port)) && html.contains("Admissions system"), "{html}");
    let html = page.get(srv.url(&format!("/verifier/webhooks/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("delivered") && html.contains("Send again"), "{html}");
    assert!(!html.contains("/delete\""), "deleting asks first");
    let confirm = page
        .get(srv.url(&format!("/verifier/webhooks/{id}?confirm=delete")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(confirm.contains(&format!("action=\"/verifier/webhooks/{id}/delete\"")), "{confirm}");
    let csrf_page = csrf_of(&html);
    let res = page
        .post(srv.url("/verifier/webhooks"))
        .form(&[("csrf", csrf_page.as_str()), ("url", "gopher://x.example"), ("event_types", "share.created")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"url-error\""), "{html}");
    let res = page
        .post(srv.url("/verifier/webhooks"))
        .form(&[
            ("csrf", csrf_page.as_str()),
            ("url", "https://hooks.example.com/in"),
            ("event_types", "share.created"),
            ("event_types", "result.revoked"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"secret\">whsec_"), "the secret is shown once: {html}");

    // Deleting: audited with creation and rotation.
    let res = http
        .delete(srv.url(&format!("/api/v1/verifier/webhooks/{id}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let mut c = srv.db().conn().unwrap();
    let audit = tessera_storage::repo::audit::recent(&mut c, w.org_a.id, None, 100).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"webhook.created") && actions.contains(&"webhook.deleted"), "{actions:?}");
    drop(c);
    srv.stop().await;
}

async fn r_webhook_a_receiver_that_was_down_gets_the_event_when_back(backend: Backend) {
    let mut rx = Receiver::new(); // not started: connection refused
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let (http, csrf) = alice(&srv).await;
    let (id, secret) = add_endpoint(&http, &srv, &csrf, &rx.url(), &["share.created"]).await;
    rx.secrets(&[&secret]);
    share(&srv, &w, 0, &w.org_a);
    let log = wait_log(&http, &srv, &id, |d| d["attempts"] == 1).await;
    assert_eq!(log["status"], "pending");
    assert_eq!(log["attempt_log"][0]["outcome"], "connect");
    assert!(log["next_attempt_at"].is_string());

    // Back, but answering 500.
    rx.mode("500");
    rx.start();
    srv.advance(Duration::seconds(6));
    let got = rx.wait_requests(1).await;
    assert_eq!(got[0]["code"], 500);
    let log = wait_log(&http, &srv, &id, |d| d["attempts"] == 2).await;
    assert_eq!(log["attempt_log"][1]["status_code"], 500);
    assert_eq!(log["status"], "pending");

    // Healthy again: the next attempt waits for its back-off (a minute)...
    rx.mode("ok");
    srv.advance(Duration::seconds(30));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(rx.accepted().is_empty(), "not before the back-off ends");
    // ... unless someone presses "send again": the waiting attempt is brought forward, once.
    let did = log["id"].as_str().unwrap();
    let (status, _) =
        post(&http, &srv, &csrf, &format!("/api/v1/verifier/webhooks/{id}/deliveries/{did}/redeliver"), json!({}))
            .await;
    assert_eq!(status, 202);
    let got = rx.wait_accepted(1).await;
    assert_eq!(got[0]["id"], rx.log()[0]["id"], "the same message id on every attempt");
    assert_eq!(got[0]["verified"], json!([0]));
    let log = wait_log(&http, &srv, &id, |d| d["status"] == "delivered").await;
    assert_eq!(log["attempts"], 3);
    srv.advance(Duration::hours(80));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(rx.accepted().len(), 1, "delivered once");
    // The daily retention run keeps 30 days of the log.
    let now = srv.clock.now();
    let mut c = srv.db().conn().unwrap();
    assert_eq!(tessera_storage::repo::webhooks::prune(&mut c, now - Duration::days(30)).unwrap(), 0);
    assert_eq!(tessera_storage::repo::webhooks::prune(&mut c, now + Duration::days(1)).unwrap(), 1);
    drop(c);
    let (http, _) = alice(&srv).await;
    assert!(endpoint_log(&http, &srv, &id).await.is_empty());
    srv.stop().await;
}

/// Waits until the newest delivery of endpoint `id` satisfies `ok`; returns it.
async fn wait_log(http: &reqwest::Client, srv: &TestServer, id: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..200 {
        if let Some(d) = endpoint_log(http, srv, id).await.into_iter().next() {
            if ok(&d) {
                return d;
            }
            last = d;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the delivery never got there: {last:#}");
}

async fn r_webhook_two_servers_deliver_each_event_once(backend: Backend) {
    let rx = Receiver::started();
    let a = TestServer::start_with(backend, |c| c.jobs.workers = 3).await;
    let url = a.database_url.clone();
    // The nodes of a region share the data folder's sealing key (endpoint secrets are sealed).
    let key = a.running.as_ref().unwrap().state.settings.data_dir.join("credential-keys.key");
    let b = TestServer::start_with(backend, move |c| {
        c.database.url = url;
        c.jobs.workers = 3;
        std::fs::create_dir_all(&c.data_dir).unwrap();
        std::fs::copy(&key, c.data_dir.join("credential-keys.key")).unwrap();
    })
    .await;
    let w = world(&a);
    let (http, csrf) = alice(&a).await;
    let (_, secret) = add_endpoint(&http, &a, &csrf, &rx.url(), &ALL).await;
    // A second endpoint on the same receiver: each endpoint gets each event once.
    let (_, secret2) = add_endpoint(&http, &b, &csrf, &format!("{}?second", rx.url()), &ALL).await;
    rx.secrets(&[&secret, &secret2]);
    let mut shares = Vec::new();
    for i in 0..4 {
        shares.push(share(&a, &w, i, &w.org_a));
    }
    for (i, s) in shares.iter().enumerate() {
        withdraw(&b, &w, i, s);
    }
    for s in [&a, &b] {
        s.running.as_ref().unwrap().state.jobs_wakeup.notify_waiters();
    }
    rx.wait_accepted(16).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let got = rx.accepted();
    assert_eq!(got.len(), 16, "8 events x 2 endpoints, none twice: {got:#?}");
    let mut ids: Vec<&str> = got.iter().map(|r| r["id"].as_str().unwrap()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 16);
    b.stop().await;
    a.stop().await;
}

async fn r_webhook_both_secrets_verify_during_a_rotation(backend: Backend) {
    let rx = Receiver::started();
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let (http, csrf) = alice(&srv).await;
    let (id, old) = add_endpoint(&http, &srv, &csrf, &rx.url(), &ALL).await;
    let (status, rotated) =
        post(&http, &srv, &csrf, &format!("/api/v1/verifier/webhooks/{id}/rotate"), json!({})).await;
    assert_eq!(status, 200);
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["endpoint"]["previous_secret_valid_until"].is_string());
    rx.secrets(&[&old, &new]);
    let s = share(&srv, &w, 0, &w.org_a);
    let got = rx.wait_accepted(1).await;
    assert_eq!(got[0]["verified"], json!([0, 1]), "old and new secret both verify");
    assert_eq!(got[0]["signatures"].as_array().unwrap().len(), 2);
    // A day later only the new one signs.
    srv.advance(Duration::hours(25));
    withdraw(&srv, &w, 0, &s);
    let got = rx.wait_accepted(2).await;
    assert_eq!(got[1]["verified"], json!([1]));
    assert_eq!(got[1]["signatures"].as_array().unwrap().len(), 1);
    let mut c = srv.db().conn().unwrap();
    let audit = tessera_storage::repo::audit::recent(&mut c, w.org_a.id, None, 100).unwrap();
    assert!(audit.iter().any(|a| a.action == "webhook.rotated"));
    drop(c);
    srv.stop().await;
}

async fn r_webhook_an_endpoint_failing_for_a_day_is_disabled_and_its_primary_user_emailed(backend: Backend) {
    let rx = Receiver::started();
    rx.mode("500");
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(backend, move |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
    })
    .await;
    let w = world(&srv);
    let (mut http, csrf) = alice(&srv).await;
    let (id, secret) = add_endpoint(&http, &srv, &csrf, &rx.url(), &ALL).await;
    rx.secrets(&[&secret]);
    share(&srv, &w, 0, &w.org_a);
    let mut attempts = 0;
    loop {
        attempts += 1;
        wait_log(&http, &srv, &id, |d| d["attempts"] == attempts).await;
        let e: Value =
            http.get(srv.url(&format!("/api/v1/verifier/webhooks/{id}"))).send().await.unwrap().json().await.unwrap();
        if e["enabled"] == false {
            assert_eq!(e["disabled_reason"], "failing");
            break;
        }
        assert!(attempts < 8, "still enabled after {attempts} attempts: {e}");
        srv.advance(Duration::hours(6));
        // Hours later the session has ended: sign in again.
        http = alice(&srv).await.0;
    }
    assert_eq!(attempts, 5, "the attempt a day after the first failure disables it");
    let msgs = smtp.wait_for(1).await;
    let mail = decode_qp(&msgs[0]);
    assert!(mail.contains("alice@org-a.example"), "{mail}");
    assert!(mail.contains("Webhook endpoint disabled"), "{mail}");
    assert!(mail.contains(&format!("/verifier/webhooks/{id}")), "{mail}");
    let d = wait_log(&http, &srv, &id, |d| d["status"] == "failed").await;
    assert_eq!(d["attempts"], 5);
    // Nothing more is sent while disabled; enabled again, the log redelivers.
    let before = rx.log().len();
    srv.advance(Duration::hours(20));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(rx.log().len(), before);
    let (http, csrf) = alice(&srv).await;
    rx.mode("ok");
    let (status, e) = post(&http, &srv, &csrf, &format!("/api/v1/verifier/webhooks/{id}/enable"), json!({})).await;
    assert_eq!((status, e["enabled"].clone()), (200, json!(true)));
    let did = d["id"].as_str().unwrap();
    let (status, _) =
        post(&http, &srv, &csrf, &format!("/api/v1/verifier/webhooks/{id}/deliveries/{did}/redeliver"), json!({}))
            .await;
    assert_eq!(status, 202);
    let got = rx.wait_accepted(1).await;
    assert_eq!(got[0]["id"], did);
    srv.stop().await;
}
