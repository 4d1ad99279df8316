//! Several Tessera nodes on one database (a region): what one node counts or revokes holds on
//! every node. Two servers in this process share a database, as the nodes of a region share
//! PostgreSQL (SQLite is checked too: the same table serves the embedded default).

use crate::both_backends;
use crate::support::*;
use crate::verifier::world;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tessera_domain::{Role, TenantKind};

/// A second node on `first`'s database, with `tweak` applied to its configuration.
async fn second_node(
    backend: Backend,
    first: &TestServer,
    tweak: impl FnOnce(&mut tessera_daemon::config::Config),
) -> TestServer {
    let url = first.database_url.clone();
    TestServer::start_with(backend, move |c| {
        c.database.url = url;
        tweak(c);
    })
    .await
}

both_backends!(
    sign_in_failures_are_counted_across_nodes,
    sor_lookups_are_limited_as_one_across_nodes,
    api_rate_limit_and_revocation_hold_on_every_node,
    a_plugin_installed_and_assigned_through_one_node_is_used_by_every_node,
);

async fn sign_in_failures_are_counted_across_nodes(backend: Backend) {
    let a = TestServer::start_with(backend, |c| c.auth.login_failures_per_address = 4).await;
    let b = second_node(backend, &a, |c| c.auth.login_failures_per_address = 4).await;
    let centre = a.tenant("pl078", TenantKind::Centre);
    for i in 0..4 {
        a.user(&centre, &format!("user{i}@pl078.example"), Role::CentreStaff);
    }
    // Four failures from one address, alternating between the nodes, on four accounts so none
    // locks: the address has used its budget on both nodes together.
    for i in 0..4 {
        let node = if i % 2 == 0 { &a } else { &b };
        let res = login(&client(), node, "pl078", &format!("user{i}@pl078.example"), "bad guess 12").await;
        assert_eq!(res.status(), 401, "failure {i}");
    }
    for node in [&a, &b] {
        let res = login(&client(), node, "pl078", "user0@pl078.example", PASSWORD).await;
        assert_eq!(res.status(), 429, "the address is throttled on every node");
        assert!(res.headers().contains_key("retry-after"));
    }
    b.stop().await;
    a.stop().await;
}

async fn sor_lookups_are_limited_as_one_across_nodes(backend: Backend) {
    let a = TestServer::start(backend).await;
    let b = second_node(backend, &a, |_| {}).await;
    let _w = world(&a);
    let mut statuses = Vec::new();
    // The per-user budget is ten lookups per ten minutes (R-SOR-LOOKUP): spread over two nodes,
    // the eleventh is refused wherever it lands.
    let (on_a, on_b) = (client(), client());
    let csrf_a = api_login(&on_a, &a, "org-a", "alice@org-a.example", PASSWORD).await;
    let csrf_b = api_login(&on_b, &b, "org-a", "alice@org-a.example", PASSWORD).await;
    // Sent all at once: counting and recording is one step, so no two requests take the same
    // last slot, whichever node each lands on.
    let mut sent = Vec::new();
    for i in 0..12 {
        let (http, node, csrf) = if i % 2 == 0 { (&on_a, &a, &csrf_a) } else { (&on_b, &b, &csrf_b) };
        let req = http
            .post(node.url("/api/v1/verifier/lookup"))
            .header("x-csrf-token", csrf)
            .json(&json!({"sor_number": "SOR-2026-00003", "date_of_birth": "1999-07-08"}));
        sent.push(tokio::spawn(async move { req.send().await.unwrap().status().as_u16() }));
    }
    for s in sent {
        statuses.push(s.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    b.stop().await;
    a.stop().await;
}

async fn api_rate_limit_and_revocation_hold_on_every_node(backend: Backend) {
    let a = TestServer::start_with(backend, |c| c.verifier.api_requests_per_minute = 6).await;
    let b = second_node(backend, &a, |c| c.verifier.api_requests_per_minute = 6).await;
    let w = world(&a);
    a.approve_api_access(&w.org_a);
    let primary = client();
    let csrf = api_login(&primary, &a, "org-a", "alice@org-a.example", PASSWORD).await;
    let res = primary
        .post(a.url("/api/v1/verifier/api-clients"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "busy"}))
        .send()
        .await
        .unwrap();
    let created: Value = res.json().await.unwrap();
    let (token, id) =
        (created["token"].as_str().unwrap().to_owned(), created["client"]["id"].as_str().unwrap().to_owned());
    let machine = reqwest::Client::new();
    let mut statuses = Vec::new();
    for i in 0..8 {
        let node = if i % 2 == 0 { &a } else { &b };
        let res = machine.get(node.url("/api/v1/verifier/shared")).bearer_auth(&token).send().await.unwrap();
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 200, 429, 429], "six requests a minute over both nodes");
    // Revoked through node A: node B refuses the token within the token cache's bound.
    a.advance(chrono::Duration::seconds(61));
    b.advance(chrono::Duration::seconds(61));
    assert_eq!(machine.get(b.url("/api/v1/verifier/shared")).bearer_auth(&token).send().await.unwrap().status(), 200);
    let res = primary
        .delete(a.url(&format!("/api/v1/verifier/api-clients/{id}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "revoke: {}", res.status());
    let bound = tessera_app::api_clients::TokenCache::TTL;
    let revoked_at = Instant::now();
    loop {
        let status = machine.get(b.url("/api/v1/verifier/shared")).bearer_auth(&token).send().await.unwrap().status();
        if status == 401 {
            break;
        }
        assert!(
            revoked_at.elapsed() < bound + Duration::from_secs(5),
            "node B still accepts a revoked token: {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    b.stop().await;
    a.stop().await;
}

/// While the database refuses every connection (as during a failover, before the standby is
/// promoted) the server answers 503 with Retry-After, never a 500 or a hang, and `/healthz` says
/// "database unreachable"; once the database takes connections again the server reconnects by
/// itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_a_503_and_the_server_reconnects() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;
    let srv = TestServer::start_with(Backend::Postgres, |c| c.database.wait_seconds = 2).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let http = client();
    assert_eq!(http.get(srv.url("/healthz")).send().await.unwrap().text().await.unwrap(), "ok");
    let name = srv.database_url.rsplit('/').next().unwrap().to_owned();
    let mut admin = diesel::pg::PgConnection::establish(&std::env::var("TESSERA_TEST_PG").unwrap()).unwrap();
    admin
        .batch_execute(&format!(
            "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .unwrap();

    let res = http.get(srv.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.headers().contains_key("retry-after"));
    assert_eq!(res.text().await.unwrap(), "database unreachable");
    let sign_in = || {
        http.post(srv.url("/api/v1/auth/login"))
            .json(&json!({"tenant": "pl078", "login": "manager@pl078.example", "password": PASSWORD}))
            .send()
    };
    for res in [sign_in().await.unwrap(), http.get(srv.url("/t/pl078/login")).send().await.unwrap()] {
        assert_eq!(res.status(), 503, "{}", res.url());
        assert!(res.headers().contains_key("retry-after"), "{}", res.url());
    }

    admin.batch_execute(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).unwrap();
    let back = Instant::now();
    loop {
        let res = http.get(srv.url("/healthz")).send().await.unwrap();
        if res.status() == 200 {
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(30), "the server did not reconnect: {}", res.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(sign_in().await.unwrap().status(), 200, "signing in works again");
    srv.stop().await;
}

async fn a_plugin_installed_and_assigned_through_one_node_is_used_by_every_node(backend: Backend) {
    let dist = std::path::PathBuf::from(
        std::env::var("TESSERA_PLUGINS_DIST")
            .expect("TESSERA_PLUGINS_DIST is not set: run the suite with `bash tests/run.sh`"),
    );
    let a = TestServer::start(backend).await;
    let b = second_node(backend, &a, |_| {}).await;
    let inst = {
        let mut c = a.db().conn().unwrap();
        tessera_storage::repo::tenants::installation(&mut c, start_instant()).unwrap()
    };
    a.user(&inst, "admin@tessera.local", Role::InstallationAdmin);
    a.tenant("it001", TenantKind::Centre);

    // Installed with node A's command line: A's plugins folder and the shared database.
    let cli_data = tempfile::tempdir().unwrap();
    let a_plugins = a.running.as_ref().unwrap().state.policies.dir().to_path_buf();
    let (code, out, err) = tessera(
        &["plugin", "install", dist.join("it.wasm").to_str().unwrap()],
        &[
            ("TESSERA_DATA_DIR", cli_data.path().to_str().unwrap()),
            ("TESSERA_PLUGINS__DIR", a_plugins.to_str().unwrap()),
            ("TESSERA_DATABASE__URL", a.database_url.as_str()),
        ],
        None,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("published plugin `it`"), "{out}{err}");

    // Node B loads it from the database without a restart.
    let on_b = client();
    let csrf_b = api_login(&on_b, &b, "installation", "admin@tessera.local", PASSWORD).await;
    let waited = Instant::now();
    loop {
        let listed: Value = on_b.get(b.url("/api/v1/plugins")).send().await.unwrap().json().await.unwrap();
        if listed.as_array().unwrap().iter().any(|p| p["name"] == "it") {
            break;
        }
        assert!(waited.elapsed() < Duration::from_secs(30), "node B never loaded the plugin: {listed}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Assigned through node A, it decides on node B.
    let on_a = client();
    let csrf_a = api_login(&on_a, &a, "installation", "admin@tessera.local", PASSWORD).await;
    let res = on_a
        .put(a.url("/api/v1/tenants/it001/policies/photo"))
        .header("x-csrf-token", &csrf_a)
        .json(&json!({"plugin": "it", "config": {"photographed_exams": ["cae"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = on_b
        .post(b.url("/api/v1/tenants/it001/decisions/photo"))
        .header("x-csrf-token", &csrf_b)
        .json(&json!({"exam": "fce", "candidate_date_of_birth": "1995-01-01", "registration_date": "2026-04-10"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let decision: Value = res.json().await.unwrap();
    assert_eq!(decision["plugin"], "it", "{decision}");
    b.stop().await;
    a.stop().await;
}
