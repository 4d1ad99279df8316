//! API clients of verifier organisations (R-API): tokens shown once and hashed at rest, Bearer
//! and header-key authentication, the verifier endpoints through a token, rotation, revocation,
//! tenant isolation and rate limits.

use crate::both_backends;
use crate::support::*;
use crate::verifier::{share, until, world};
use serde_json::{Value, json};
use tessera_domain::{Clock, Role};
use tessera_storage::repo::{api_clients, audit, shares};

async fn api_clients_authenticate_and_are_scoped(backend: Backend) {
    let srv = TestServer::start_with(backend, |c| c.verifier.api_requests_per_minute = 30).await;
    let w = world(&srv);
    srv.approve_api_access(&w.org_a);
    let id_a = share(&srv, &w, 0, &w.org_a);
    let id_b = share(&srv, &w, 3, &w.org_b);
    let primary = client();
    let csrf = api_login(&primary, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    // Only the primary user manages API clients.
    srv.user(&w.org_a, "carol@org-a.example", Role::VerifierAdmin);
    let admin = client();
    let admin_csrf = api_login(&admin, &srv, "org-a", "carol@org-a.example", PASSWORD).await;
    let res = admin
        .post(srv.url("/api/v1/verifier/api-clients"))
        .header("x-csrf-token", &admin_csrf)
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let create = |name: &'static str| {
        primary
            .post(srv.url("/api/v1/verifier/api-clients"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": name}))
            .send()
    };
    assert_eq!(create("   ").await.unwrap().status(), 400);
    let res = create("Admissions system").await.unwrap();
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let token = created["token"].as_str().unwrap().to_owned();
    let client_id = created["client"]["id"].as_str().unwrap().to_owned();
    assert!(token.starts_with("tsk_"));
    // Shown once: the list and the database hold no token.
    let list = primary.get(srv.url("/api/v1/verifier/api-clients")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Admissions system") && !list.contains(&token[20..]), "{list}");
    let stored = api_clients::list(&mut srv.db().conn().unwrap(), w.org_a.id).unwrap();
    assert_ne!(stored[0].token_hash, token);
    assert_eq!(stored[0].token_hash.len(), 64);

    let machine = reqwest::Client::new();
    let bearer = |path: &str, token: &str| machine.get(srv.url(path)).bearer_auth(token).send();
    let until_found = until(&primary, &srv, "q=kowalski", &["Kowalski"]).await;
    assert!(until_found.as_secs() < 5);
    let res = bearer("/api/v1/verifier/search?q=kowalski", &token).await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["results"][0]["family_name"], "Kowalski");
    let res = machine.get(srv.url("/api/v1/verifier/shared")).header("x-api-key", &token).send().await.unwrap();
    assert_eq!(res.status(), 200, "header-key authentication");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["total"], 1);
    let res = bearer(&format!("/api/v1/verifier/results/{id_a}"), &token).await.unwrap();
    assert_eq!(res.status(), 200);
    let res = bearer(&format!("/api/v1/verifier/results/{id_a}/statement.pdf"), &token).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    // The candidate sees the API client's name among who viewed the result.
    let events = shares::events(&mut srv.db().conn().unwrap(), w.centre.id, &id_a).unwrap();
    assert!(events.iter().any(|e| e.actor_name.starts_with("Admissions system (API")), "{events:?}");
    // A write needs no CSRF header with a token.
    let res = machine
        .post(srv.url("/api/v1/verifier/lookup"))
        .bearer_auth(&token)
        .json(&json!({"sor_number": "SOR-2026-00003", "date_of_birth": "1999-07-08"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Organisation B's share is not there for A's client, not even by id.
    let res = bearer(&format!("/api/v1/verifier/results/{id_b}"), &token).await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(
        !bearer("/api/v1/verifier/search?q=PL078000004", &token)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("Bianchi")
    );
    // A token with another organisation's id in it is worthless.
    let forged = token.replace(&w.org_a.id.0.simple().to_string(), &w.org_b.id.0.simple().to_string());
    assert_eq!(bearer("/api/v1/verifier/shared", &forged).await.unwrap().status(), 401);
    assert_eq!(bearer("/api/v1/verifier/shared", "tsk_nonsense").await.unwrap().status(), 401);
    // Tokens do not reach anything but the verifier endpoints.
    assert_eq!(bearer("/api/v1/me", &token).await.unwrap().status(), 401);

    // Rotation: the old token stops, the new one works.
    let res = primary
        .post(srv.url(&format!("/api/v1/verifier/api-clients/{client_id}/rotate")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let rotated: Value = res.json().await.unwrap();
    let new_token = rotated["token"].as_str().unwrap().to_owned();
    assert_eq!(bearer("/api/v1/verifier/shared", &token).await.unwrap().status(), 401);
    assert_eq!(bearer("/api/v1/verifier/shared", &new_token).await.unwrap().status(), 200);
    // Revocation.
    let res = primary
        .delete(srv.url(&format!("/api/v1/verifier/api-clients/{client_id}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(bearer("/api/v1/verifier/shared", &new_token).await.unwrap().status(), 401);
    let res = primary
        .delete(srv.url(&format!("/api/v1/verifier/api-clients/{client_id}")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "revoked once");
    // After withdrawal the client sees nothing either.
    let res = create("Second").await.unwrap();
    let token: String = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    shares::withdraw(&mut srv.db().conn().unwrap(), w.centre.id, &id_a, srv.clock.now()).unwrap();
    assert_eq!(bearer(&format!("/api/v1/verifier/results/{id_a}"), &token).await.unwrap().status(), 404);
    assert_eq!(bearer(&format!("/api/v1/verifier/results/{id_a}/statement.pdf"), &token).await.unwrap().status(), 404);
    let body: Value = bearer("/api/v1/verifier/search?q=kowalski", &token).await.unwrap().json().await.unwrap();
    assert!(body["results"].as_array().unwrap().is_empty());
    // Every change to the clients is in the organisation's audit log, by the primary user.
    let mut c = srv.db().conn().unwrap();
    for action in ["api_client.created", "api_client.rotated", "api_client.revoked"] {
        let rows = audit::recent(&mut c, w.org_a.id, Some(action), 10).unwrap();
        assert!(!rows.is_empty(), "{action} is audited");
        assert!(rows.iter().all(|r| r.actor.as_deref().is_some_and(|a| !a.is_empty()) && r.target.is_some()));
    }
    assert!(audit::recent(&mut c, w.org_b.id, Some("api_client.created"), 10).unwrap().is_empty());
    srv.stop().await;
}

async fn api_clients_are_rate_limited(backend: Backend) {
    let srv = TestServer::start_with(backend, |c| c.verifier.api_requests_per_minute = 5).await;
    let w = world(&srv);
    srv.approve_api_access(&w.org_a);
    let primary = client();
    let csrf = api_login(&primary, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let res = primary
        .post(srv.url("/api/v1/verifier/api-clients"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "busy"}))
        .send()
        .await
        .unwrap();
    let token: String = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let machine = reqwest::Client::new();
    for i in 0..5 {
        let res = machine.get(srv.url("/api/v1/verifier/shared")).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 200, "request {i}");
    }
    let res = machine.get(srv.url("/api/v1/verifier/shared")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    srv.advance(chrono::Duration::seconds(61));
    let res = machine.get(srv.url("/api/v1/verifier/shared")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    srv.stop().await;
}

both_backends!(api_clients_authenticate_and_are_scoped, api_clients_are_rate_limited);
