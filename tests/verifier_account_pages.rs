//! A verifier user's own settings and the organisation's API access as pages, driven as a browser
//! would: email notifications (R-NOTIFY) and API clients (R-API: primary user only; the token is
//! shown once, works as a Bearer token, stops working when rotated or revoked).

use crate::both_backends;
use crate::support::*;
use crate::verifier::{share, world};
use crate::verifier_download_pages::page;
use serde_json::Value;
use tessera_domain::Role;

async fn mode_of(http: &reqwest::Client, srv: &TestServer) -> String {
    let v: Value = http.get(srv.url("/api/v1/verifier/notifications")).send().await.unwrap().json().await.unwrap();
    v["mode"].as_str().unwrap().to_owned()
}

async fn notification_setting_is_saved_and_shown(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    srv.user(&w.org_a, "dan@org-a.example", Role::VerifierAdmin);
    let http = client();
    login(&http, &srv, "org-a", "dan@org-a.example", PASSWORD).await;
    let html = page(&http, &srv, "/verifier/notifications").await;
    assert!(html.contains("name=\"mode\" value=\"off\" checked"), "off until chosen: {html}");
    for m in ["each", "daily", "weekly"] {
        assert!(html.contains(&format!("name=\"mode\" value=\"{m}\">")), "{m}: {html}");
    }
    assert!(html.contains("A weekly summary, sent on Mondays"));
    let csrf = csrf_of(&html);
    let res = http
        .post(srv.url("/verifier/notifications"))
        .form(&[("csrf", csrf.as_str()), ("mode", "weekly")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = page(&http, &srv, &location(&res)).await;
    assert!(html.contains("Your notification setting was saved."), "{html}");
    assert!(html.contains("name=\"mode\" value=\"weekly\" checked") && !html.contains("value=\"off\" checked"));
    assert_eq!(mode_of(&http, &srv).await, "weekly");
    // Anything else is refused on the page and changes nothing.
    for bad in ["hourly", ""] {
        let res = http
            .post(srv.url("/verifier/notifications"))
            .form(&[("csrf", csrf.as_str()), ("mode", bad)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad:?}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains("class=\"error-summary") && html.contains("expected one of off, each, daily, weekly"),
            "{html}"
        );
        assert!(html.contains("value=\"weekly\" checked"), "{html}");
    }
    let res = http
        .post(srv.url("/verifier/notifications"))
        .form(&[("csrf", "forged"), ("mode", "off")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "a forged anti-forgery token");
    assert_eq!(mode_of(&http, &srv).await, "weekly");
    // The setting is the user's own: the primary user's is still off.
    let alice = client();
    login(&alice, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    assert!(page(&alice, &srv, "/verifier/notifications").await.contains("value=\"off\" checked"));
    srv.stop().await;
}

/// The token shown on a page, if any.
fn token_of(html: &str) -> Option<String> {
    let marker = "<code id=\"token\">";
    let start = html.find(marker)? + marker.len();
    Some(html[start..start + html[start..].find('<').unwrap()].to_owned())
}

async fn shared_status(srv: &TestServer, token: &str) -> u16 {
    let res = reqwest::Client::new()
        .get(srv.url("/api/v1/verifier/shared"))
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

/// The id in the first `/verifier/api-clients/{id}/{action}` form of `html`.
fn client_id(html: &str, action: &str) -> String {
    let end = html.find(&format!("/{action}\"")).unwrap_or_else(|| panic!("no {action} form: {html}"));
    let start = html[..end].rfind("/verifier/api-clients/").unwrap() + "/verifier/api-clients/".len();
    html[start..end].to_owned()
}

async fn api_clients_page_for_the_primary_user_only(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    share(&srv, &w, 0, &w.org_a);
    srv.approve_api_access(&w.org_a);
    srv.user(&w.org_a, "dan@org-a.example", Role::VerifierAdmin);
    let http = client();
    login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let nav = page(&http, &srv, "/verifier").await;
    assert!(nav.contains("href=\"/verifier/api-clients\""), "the primary user sees the link");
    let html = page(&http, &srv, "/verifier/api-clients").await;
    assert!(html.contains("Your organisation has no API clients yet.") && token_of(&html).is_none());
    let csrf = csrf_of(&html);
    let c = csrf.as_str();

    // A bad name is refused on the page; nothing is created.
    for bad in ["", "   ", &"x".repeat(101)] {
        let res = http.post(srv.url("/verifier/api-clients")).form(&[("csrf", c), ("name", bad)]).send().await.unwrap();
        assert_eq!(res.status(), 400);
        let html = res.text().await.unwrap();
        assert!(html.contains("class=\"error-summary") && html.contains("Name: 1 to 100 characters."), "{html}");
        assert!(html.contains("aria-describedby=\"name-error\""), "the name is marked: {html}");
        assert!(token_of(&html).is_none());
    }
    assert!(page(&http, &srv, "/verifier/api-clients").await.contains("no API clients yet"));

    // Created: the token is on the answering page, once, and works as a Bearer token.
    let res =
        http.post(srv.url("/verifier/api-clients")).form(&[("csrf", c), ("name", "Admissions system")]).send().await;
    let res = res.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let token = token_of(&html).expect("the token is shown");
    assert!(token.starts_with("tsk_") && html.contains("shown only this once"), "{html}");
    let listed = page(&http, &srv, "/verifier/api-clients").await;
    assert!(listed.contains("Admissions system") && listed.contains(&token[token.len() - 4..]), "{listed}");
    assert!(token_of(&listed).is_none() && !listed.contains(&token), "never shown again: {listed}");
    assert_eq!(shared_status(&srv, &token).await, 200);
    let res = reqwest::Client::new()
        .get(srv.url("/api/v1/verifier/shared"))
        .header("x-api-key", &token)
        .send()
        .await
        .unwrap();
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["total"], 1);

    // Rotated: a new token, shown once; the old one stops working at once.
    let id = client_id(&listed, "rotate");
    let res = http.post(srv.url(&format!("/verifier/api-clients/{id}/rotate"))).form(&[("csrf", c)]).send().await;
    let res = res.unwrap();
    assert_eq!(res.status(), 200);
    let rotated = token_of(&res.text().await.unwrap()).expect("the new token is shown");
    assert_ne!(rotated, token);
    assert_eq!(shared_status(&srv, &token).await, 401, "the old token");
    assert_eq!(shared_status(&srv, &rotated).await, 200, "the new token");

    // Revoked: the token is refused; the client stays listed as revoked, with no actions.
    let res = http.post(srv.url(&format!("/verifier/api-clients/{id}/revoke"))).form(&[("csrf", c)]).send().await;
    let res = res.unwrap();
    assert_eq!(res.status(), 303);
    let html = page(&http, &srv, &location(&res)).await;
    assert!(html.contains("its token no longer works") && html.contains("revoked 22 November 2026, "), "{html}");
    assert!(!html.contains(&format!("/verifier/api-clients/{id}/rotate")), "{html}");
    assert_eq!(shared_status(&srv, &rotated).await, 401);
    let res = http.post(srv.url(&format!("/verifier/api-clients/{id}/rotate"))).form(&[("csrf", c)]).send().await;
    assert_eq!(res.unwrap().status(), 404, "a revoked client gets no new token");
    let res = http
        .post(srv.url("/verifier/api-clients"))
        .form(&[("csrf", "forged"), ("name", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "a forged anti-forgery token");

    // An admin user (not primary) is refused the page and every action; no link is shown.
    let dan = client();
    login(&dan, &srv, "org-a", "dan@org-a.example", PASSWORD).await;
    let home = page(&dan, &srv, "/verifier").await;
    assert!(!home.contains("href=\"/verifier/api-clients\""), "{home}");
    assert_eq!(dan.get(srv.url("/verifier/api-clients")).send().await.unwrap().status(), 404);
    let dc = csrf_of(&home);
    let res = dan.post(srv.url("/verifier/api-clients")).form(&[("csrf", dc.as_str()), ("name", "Mine")]).send().await;
    assert_eq!(res.unwrap().status(), 404);
    let res = dan.post(srv.url(&format!("/verifier/api-clients/{id}/rotate"))).form(&[("csrf", dc.as_str())]).send();
    assert_eq!(res.await.unwrap().status(), 404);
    // Another organisation's primary user cannot see or touch this organisation's clients.
    let bob = client();
    login(&bob, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    let b_page = page(&bob, &srv, "/verifier/api-clients").await;
    assert!(!b_page.contains("Admissions system"), "{b_page}");
    let res =
        bob.post(srv.url(&format!("/verifier/api-clients/{id}/revoke"))).form(&[("csrf", csrf_of(&b_page).as_str())]);
    assert_eq!(res.send().await.unwrap().status(), 404);
    let clients: Value = http.get(srv.url("/api/v1/verifier/api-clients")).send().await.unwrap().json().await.unwrap();
    assert_eq!(clients.as_array().unwrap().len(), 1);
    srv.stop().await;
}

both_backends!(notification_setting_is_saved_and_shown, api_clients_page_for_the_primary_user_only);
