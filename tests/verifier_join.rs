//! "Join an existing account" (R-ORG-JOIN): a person asks to join an approved organisation from
//! the public page or the API; its primary user approves (a set-password email, then the person
//! signs in as an admin user) or refuses (an email too), on `/verifier/users` or through the API.

use crate::both_backends;
use crate::support::*;
use crate::verifier::world;
use serde_json::{Value, json};
use tessera_storage::repo::{audit, tenants};

const PUBLIC: &str = "https://tessera.example";

fn fields<'a>(org: &'a str, email: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("organisation", org),
        ("first_name", "Carla"),
        ("family_name", "Verdi"),
        ("job_title", "Registrar"),
        ("email", email),
    ]
}

async fn people_ask_to_join_and_the_primary_user_decides(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(backend, |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.server.public_url = PUBLIC.into();
    })
    .await;
    let w = world(&srv);
    // A pending organisation cannot be joined.
    let mut c = srv.db().conn().unwrap();
    let pending = tenants::NewTenant {
        slug: "org-pending".into(),
        kind: tessera_domain::TenantKind::Verifier,
        name: "Pending org".into(),
        country: tessera_domain::Country::parse("IT").unwrap(),
        timezone: chrono_tz::Europe::Rome,
        locale: tessera_domain::Locale::En,
        status: "pending",
    };
    tenants::create(&mut c, &pending, start_instant()).unwrap();
    drop(c);

    // The public page, linked from the organisation sign-up page.
    let visitor = client();
    let signup = visitor.get(srv.url("/organisations/signup")).send().await.unwrap().text().await.unwrap();
    assert!(signup.contains("href=\"/organisations/join\""), "{signup}");
    let html = visitor.get(srv.url("/organisations/join")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&html);
    let post = |f: Vec<(&'static str, &str)>| {
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend(f);
        let form: Vec<(String, String)> = form.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
        visitor.post(srv.url("/organisations/join")).form(&form).send()
    };
    let res = post(fields("org-pending", "carla@org-a.example")).await.unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("No approved organisation uses the code `org-pending`"), "{html}");
    let mut bad = fields("org-a", "not-an-email");
    let res = post(bad.clone()).await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("aria-invalid"), "the email field is marked");
    bad[3] = ("job_title", "");
    bad[4] = ("email", "carla@org-a.example");
    assert_eq!(post(bad).await.unwrap().status(), 400);
    let res = post(fields("ORG-A", "carla@org-a.example")).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("id=\"sent\""));
    // Twice is refused; so is someone already in.
    assert_eq!(post(fields("org-a", "carla@org-a.example")).await.unwrap().status(), 409);
    let res = post(fields("org-a", "alice@org-a.example")).await.unwrap();
    assert_eq!(res.status(), 409);
    // The API takes the same request.
    let api = reqwest::Client::new();
    let res = api
        .post(srv.url("/api/v1/organisations/join"))
        .json(&json!({"organisation": "org-a", "first_name": "Dario", "family_name": "Neri",
            "job_title": "HR", "email": "dario@org-a.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let res = api
        .post(srv.url("/api/v1/organisations/join"))
        .json(&json!({"organisation": "nope", "first_name": "D", "family_name": "N", "job_title": "HR",
            "email": "d@x.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        (body["error"]["code"].as_str(), body["error"]["field"].as_str()),
        (Some("join_unknown_organisation"), Some("organisation"))
    );

    // The primary user sees both on the users page and approves Carla there.
    let alice = client();
    login(&alice, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let html = alice.get(srv.url("/verifier/users")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("carla@org-a.example") && html.contains("dario@org-a.example"), "{html}");
    let marker = "/verifier/users/join/";
    let carla_row = &html[html.find("carla@org-a.example").unwrap()..];
    let start = carla_row.find(marker).unwrap() + marker.len();
    let carla_id = carla_row[start..].split('/').next().unwrap().to_owned();
    // Another organisation's primary user cannot decide it.
    let bob = client();
    let bob_csrf = api_login(&bob, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    let res = bob
        .post(srv.url(&format!("/api/v1/verifier/join-requests/{carla_id}/approve")))
        .header("x-csrf-token", &bob_csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let listed: Value = bob.get(srv.url("/api/v1/verifier/join-requests")).send().await.unwrap().json().await.unwrap();
    assert!(listed.as_array().unwrap().is_empty());
    let res = alice
        .post(srv.url(&format!("/verifier/users/join/{carla_id}/approve")))
        .form(&[("csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let mail = decode_qp(&smtp.wait_for(1).await[0]);
    assert!(mail.contains("To: carla@org-a.example") && mail.contains("was approved"), "{mail}");
    let start = mail.find(&format!("{PUBLIC}/t/org-a/password/reset/")).expect("a set-password link");
    let path = mail[start..].split_whitespace().next().unwrap().trim_start_matches(PUBLIC).to_owned();
    let carla = client();
    let form = carla.get(srv.url(&path)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let csrf2 = csrf_of(&form.text().await.unwrap());
    let pw = "a long new password 27";
    let res = carla
        .post(srv.url(&path))
        .form(&[("csrf", csrf2.as_str()), ("password", pw), ("confirm", pw)])
        .send()
        .await
        .unwrap();
    assert!(
        res.status().is_success() || res.status().is_redirection(),
        "{}: {}",
        res.status(),
        res.text().await.unwrap()
    );
    api_login(&carla, &srv, "org-a", "carla@org-a.example", pw).await;

    // Dario is refused through the API and told by email.
    let alice_api = client();
    let csrf = api_login(&alice_api, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    let listed: Value =
        alice_api.get(srv.url("/api/v1/verifier/join-requests")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let dario = listed[0]["id"].as_str().unwrap().to_owned();
    let decide = |d: &str| {
        alice_api
            .post(srv.url(&format!("/api/v1/verifier/join-requests/{dario}/{d}")))
            .header("x-csrf-token", &csrf)
            .send()
    };
    assert_eq!(decide("reject").await.unwrap().status(), 204);
    assert_eq!(decide("approve").await.unwrap().status(), 404, "decided once");
    let mail = decode_qp(&smtp.wait_for(2).await[1]);
    assert!(mail.contains("To: dario@org-a.example") && mail.contains("not approved"), "{mail}");
    let mut c = srv.db().conn().unwrap();
    for action in ["organisation.join_requested", "organisation.join_approved", "organisation.join_rejected"] {
        assert!(!audit::recent(&mut c, w.org_a.id, Some(action), 5).unwrap().is_empty(), "{action}");
    }
    // No account is needed, so one address may ask 10 times an hour (6 so far); then 429.
    let ask = || {
        reqwest::Client::new()
            .post(srv.url("/api/v1/organisations/join"))
            .json(&json!({"organisation": "nope", "first_name": "D", "family_name": "N", "job_title": "HR",
                "email": "d@x.example"}))
            .send()
    };
    for _ in 0..4 {
        assert_eq!(ask().await.unwrap().status(), 400);
    }
    let res = ask().await.unwrap();
    assert_eq!(res.status(), 429, "the 11th request from one address in an hour");
    assert!(res.headers().contains_key("retry-after"));
    srv.stop().await;
}

both_backends!(people_ask_to_join_and_the_primary_user_decides);
