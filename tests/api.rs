//! API conventions: the OpenAPI document in sync with the code, one error shape, request ids,
//! body limits, health and readiness.

use crate::both_backends;
use crate::support::*;
use tessera_domain::{Role, TenantKind};

both_backends!(health_and_readiness);

async fn health_and_readiness(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let http = client();
    let res = http.get(srv.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"), "every response carries a request id");
    let ready: serde_json::Value = http.get(srv.url("/readyz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(ready["status"], "ready");
    let res = http.get(srv.url("/healthz")).header("x-request-id", "trace-me-123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "trace-me-123", "a client's request id is echoed");
    srv.stop().await;
}

/// The served OpenAPI document equals the committed snapshot, so any API change shows up in
/// review. Regenerate with `UPDATE_SNAPSHOTS=1 bash tests/run.sh` after an intended change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_is_in_sync() {
    let srv = TestServer::start(Backend::Sqlite).await;
    let served: serde_json::Value =
        client().get(srv.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = served["paths"].as_object().unwrap();
    for p in ["/v1/auth/login", "/v1/me", "/v1/tenants", "/v1/sessions/{id}", "/v1/results/{id}", "/v1/audit"] {
        assert!(paths.contains_key(p), "OpenAPI lists {p}");
    }
    let snapshot = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/snapshots/openapi.json");
    let pretty = serde_json::to_string_pretty(&served).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &pretty).unwrap();
    }
    let committed = std::fs::read_to_string(&snapshot).expect("tests/snapshots/openapi.json exists");
    assert!(
        committed == pretty,
        "the API changed: review it and regenerate tests/snapshots/openapi.json with UPDATE_SNAPSHOTS=1"
    );
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_have_one_shape_and_bodies_are_limited() {
    let srv = TestServer::start_with(Backend::Sqlite, |c| c.server.body_limit_bytes = 64 * 1024).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let http = client();
    let res = http.get(srv.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert!(body["error"]["message"].as_str().unwrap().len() > 5);

    let res = http
        .post(srv.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"tenant": "nope", "login": "x", "password": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.json::<serde_json::Value>().await.unwrap()["error"]["code"], "not_found");

    let huge = "x".repeat(200 * 1024);
    let res = http
        .post(srv.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(format!("{{\"tenant\":\"{huge}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413, "bodies over the limit are refused");
    assert_eq!(
        res.headers().get("connection").and_then(|v| v.to_str().ok()),
        Some("close"),
        "the unread rest of the body leaves the connection unusable, and the answer says so"
    );

    let token = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let res = http.get(srv.url("/api/v1/candidates?limit=5000")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (Some("out_of_range"), Some("limit")),
        "{v}"
    );
    let _ = token;
    srv.stop().await;
}

/// Installation admins create tenants through the API; bad input is refused by field and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_tenants_through_the_api() {
    let srv = TestServer::start(Backend::Sqlite).await;
    let mut c = srv.db().conn().unwrap();
    let inst = tessera_storage::repo::tenants::installation(&mut c, start_instant()).unwrap();
    drop(c);
    srv.user(&inst, "admin@tessera.local", Role::InstallationAdmin);
    let http = client();
    let token = api_login(&http, &srv, "installation", "admin@tessera.local", PASSWORD).await;
    let create = |body: serde_json::Value| {
        http.post(srv.url("/api/v1/tenants")).header("x-csrf-token", &token).json(&body).send()
    };
    let res = create(serde_json::json!({"kind": "centre", "name": "PL099 Łódź Centrum", "country": "pl", "timezone": "Europe/Warsaw", "locale": "pl"})).await.unwrap();
    assert_eq!(res.status(), 201);
    let t: serde_json::Value = res.json().await.unwrap();
    assert_eq!(t["slug"], "pl099-lodz-centrum");
    assert_eq!(t["country"], "PL");

    let res = create(serde_json::json!({"kind": "centre", "name": "Bad", "country": "PL", "timezone": "Mars/Olympus", "locale": "pl"})).await.unwrap();
    assert_eq!(res.status(), 400);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["field"], "timezone");
    let res = create(serde_json::json!({"kind": "centre", "name": "Again", "slug": "pl099-lodz-centrum", "country": "PL", "timezone": "Europe/Warsaw", "locale": "pl"})).await.unwrap();
    assert_eq!(res.status(), 409);
    let all: serde_json::Value = http.get(srv.url("/api/v1/tenants")).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        all.as_array().unwrap().len(),
        2,
        "installation + the one good tenant: nothing written by the bad requests"
    );
    srv.stop().await;
}
