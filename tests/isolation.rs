//! Tenant isolation, the first security property: a user of one tenant gets 404 for every
//! resource of another, exactly as for a resource that does not exist.

use crate::both_backends;
use crate::support::*;
use tessera_storage::repo::{centre, tenants, users};

both_backends!(other_tenants_resources_are_not_found);

async fn other_tenants_resources_are_not_found(backend: Backend) {
    let srv = TestServer::start(backend).await;
    srv.demo();
    let mut c = srv.db().conn().unwrap();
    let pl = tenants::by_slug(&mut c, "pl078").unwrap();
    let hu = tenants::by_slug(&mut c, "hu012").unwrap();
    let ids = |t: &tenants::Tenant, c: &mut _| {
        let session = centre::sessions(c, t.id).unwrap().remove(0);
        let entry = centre::session_entries(c, t.id, &session.id).unwrap().remove(0);
        let candidate = entry.candidate_id.clone();
        let user = users::list(c, t.id).unwrap().remove(0);
        let result = result_of(c, t, &entry.id);
        vec![
            format!("/api/v1/sessions/{}", session.id),
            format!("/api/v1/sessions/{}/entries", session.id),
            format!("/api/v1/candidates/{candidate}"),
            format!("/api/v1/entries/{}", entry.id),
            format!("/api/v1/results/{result}"),
            format!("/api/v1/users/{}", user.id),
        ]
    };
    let own = ids(&pl, &mut c);
    let foreign = ids(&hu, &mut c);
    drop(c);

    let http = client();
    api_login(&http, &srv, "pl078", "manager@pl078.example", tessera_daemon::demo::DEMO_PASSWORD).await;
    for path in &own {
        assert_eq!(http.get(srv.url(path)).send().await.unwrap().status(), 200, "own resource {path}");
    }
    for path in &foreign {
        let res = http.get(srv.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 404, "tenant B's {path} must be not found for tenant A");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found");
    }
    // Listings show only the caller's own data.
    let sessions: serde_json::Value = http.get(srv.url("/api/v1/sessions")).send().await.unwrap().json().await.unwrap();
    assert_eq!(sessions.as_array().unwrap().len(), 4, "pl078 has 4 sessions; hu012's 3 are not listed");
    let cands: serde_json::Value =
        http.get(srv.url("/api/v1/candidates?limit=500")).send().await.unwrap().json().await.unwrap();
    assert_eq!(cands.as_array().unwrap().len(), 240);
    assert!(cands.as_array().unwrap().iter().all(|c| c["id_number"].as_str().unwrap().starts_with("PL078")));

    // Other roles' and tenants' pages are not found either.
    assert_eq!(http.get(srv.url("/admin")).send().await.unwrap().status(), 404);
    assert_eq!(http.get(srv.url("/api/v1/tenants")).send().await.unwrap().status(), 404);

    // A verifier sees no centre's data through the centre endpoints.
    let verifier = client();
    api_login(&verifier, &srv, "unimi", "primary@unimi.example", tessera_daemon::demo::DEMO_PASSWORD).await;
    for path in own.iter().chain(&foreign) {
        assert_eq!(verifier.get(srv.url(path)).send().await.unwrap().status(), 404, "verifier and {path}");
    }

    // A session cookie re-labelled with another tenant's id is no session at all.
    let res = client().post(srv.url("/api/v1/auth/login")).json(&serde_json::json!({"tenant": "pl078", "login": "manager@pl078.example", "password": tessera_daemon::demo::DEMO_PASSWORD})).send().await.unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("tessera_session="))
        .unwrap();
    let token = cookie.split(';').next().unwrap().split('.').nth(1).unwrap().to_owned();
    let forged = format!("tessera_session={}.{token}", hu.id);
    let res = reqwest::Client::new().get(srv.url("/api/v1/me")).header("cookie", forged).send().await.unwrap();
    assert_eq!(res.status(), 401);
    srv.stop().await;
}

fn result_of(c: &mut tessera_storage::DbConnection, t: &tenants::Tenant, entry_id: &str) -> String {
    centre::current_result(c, t.id, entry_id).unwrap().0.id
}
