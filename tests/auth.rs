//! Signing in and out, R-LOCKOUT and its expiry, per-address throttling, CSRF, sessions'
//! timeouts, password reset by email, and the bounded password hasher.

use crate::both_backends;
use crate::support::*;
use chrono::Duration;
use tessera_domain::{Role, TenantKind};

both_backends!(
    login_and_logout,
    r_lockout_and_its_expiry,
    per_address_throttle,
    csrf_is_required,
    session_timeouts,
    password_reset_by_email
);

async fn login_and_logout(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let http = client();

    let res = login(&http, &srv, "pl078", "Manager@PL078.example", PASSWORD).await;
    assert_eq!(res.status(), 303, "emails are case-insensitive logins");
    assert_eq!(location(&res), "/centre");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("tessera_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "session cookie flags: {cookie}");
    let token_len = cookie.split(['=', ';']).nth(1).unwrap().split('.').nth(1).unwrap().len();
    assert_eq!(token_len, 32, "128-bit session token in hex");

    let home = http.get(srv.url("/centre")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    let html = home.text().await.unwrap();
    assert!(html.contains("Tenant pl078"), "centre home names the centre");

    // Replaying the cookie after logout must not work: the session ends on the server.
    let stolen = client();
    let session_value = cookie.split(';').next().unwrap().to_owned();
    let res = http.post(srv.url("/logout")).form(&[("csrf", csrf_of(&html).as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/t/pl078/login");
    let after = http.get(srv.url("/centre")).send().await.unwrap();
    assert_eq!(after.status(), 303, "signed out: sent to the start page");
    let replay = stolen.get(srv.url("/api/v1/me")).header("cookie", &session_value).send().await.unwrap();
    assert_eq!(replay.status(), 401);

    // Wrong password: the same form, 401, a message that does not say which part was wrong.
    let res = login(&http, &srv, "pl078", "manager@pl078.example", "wrong password 11").await;
    assert_eq!(res.status(), 401);
    let body = res.text().await.unwrap();
    assert!(body.contains("The login or the password is wrong."), "{body}");
    let res = login(&http, &srv, "pl078", "nobody@pl078.example", "wrong password 11").await;
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("The login or the password is wrong."));
    srv.stop().await;
}

async fn r_lockout_and_its_expiry(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let http = client();
    for attempt in 1..=3 {
        let res = login(&http, &srv, "pl078", "staff@pl078.example", "not it 123").await;
        assert_eq!(res.status(), 401, "wrong password {attempt} of 3 is only refused");
    }
    let res = login(&http, &srv, "pl078", "staff@pl078.example", "not it 123").await;
    assert_eq!(res.status(), 423, "R-LOCKOUT: the fourth wrong password locks the account");
    assert!(res.text().await.unwrap().contains("locked until 11:30."), "the time of day in Warsaw");
    let res = login(&http, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    assert_eq!(res.status(), 423, "R-LOCKOUT: even the right password is refused while locked");

    srv.advance(Duration::minutes(29));
    let res = login(&http, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    assert_eq!(res.status(), 423, "still locked after 29 minutes");
    srv.advance(Duration::minutes(2));
    let res = login(&http, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    assert_eq!(res.status(), 303, "R-LOCKOUT lasts 30 minutes");

    // The lock and the failures are in the audit log.
    let mgr = client();
    api_login(&mgr, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let audit: serde_json::Value =
        mgr.get(srv.url("/api/v1/audit?action=login.lockout")).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
    let failed: serde_json::Value =
        mgr.get(srv.url("/api/v1/audit?action=login.failed")).send().await.unwrap().json().await.unwrap();
    assert_eq!(failed.as_array().unwrap().len(), 3);
    srv.stop().await;
}

async fn per_address_throttle(backend: Backend) {
    let srv = TestServer::start_with(backend, |c| c.auth.login_failures_per_address = 5).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    for i in 0..3 {
        srv.user(&centre, &format!("user{i}@pl078.example"), Role::CentreStaff);
    }
    let http = client();
    // Spread over several accounts so no account locks: the address is what is throttled.
    for i in 0..5 {
        let res = login(&http, &srv, "pl078", &format!("user{}@pl078.example", i % 3), "bad guess 12").await;
        assert_eq!(res.status(), 401);
    }
    let res = login(&http, &srv, "pl078", "user2@pl078.example", PASSWORD).await;
    assert_eq!(res.status(), 429, "the sixth attempt from the address is throttled, right password or not");
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "Retry-After {retry}");
    srv.advance(Duration::minutes(16));
    let res = login(&http, &srv, "pl078", "user2@pl078.example", PASSWORD).await;
    assert_eq!(res.status(), 303, "the window has passed");
    srv.stop().await;
}

async fn csrf_is_required(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let http = client();
    let page = http.get(srv.url("/t/pl078/login")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);

    let res = http
        .post(srv.url("/t/pl078/login"))
        .form(&[("login", "manager@pl078.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "a form without the token field is malformed");
    let res = http
        .post(srv.url("/t/pl078/login"))
        .form(&[
            ("csrf", "0123456789abcdef0123456789abcdef"),
            ("login", "manager@pl078.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "a wrong token is refused");
    let fresh = client();
    let res = fresh
        .post(srv.url("/t/pl078/login"))
        .form(&[("csrf", csrf.as_str()), ("login", "manager@pl078.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "a token without its cookie (another site's form) is refused");

    let res = login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    assert_eq!(res.status(), 303);
    // The pre-login token no longer works once signed in: the session's own token does.
    let res = http.post(srv.url("/logout")).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        http.get(srv.url("/centre")).send().await.unwrap().status(),
        200,
        "still signed in after the refused logout"
    );

    let api = client();
    let token = api_login(&api, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let res = api.post(srv.url("/api/v1/auth/logout")).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "csrf_failed");
    let res = api.post(srv.url("/api/v1/auth/logout")).header("x-csrf-token", token).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(api.get(srv.url("/api/v1/me")).send().await.unwrap().status(), 401);
    srv.stop().await;
}

async fn session_timeouts(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    let idle = client();
    api_login(&idle, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    let busy = client();
    api_login(&busy, &srv, "pl078", "staff@pl078.example", PASSWORD).await;

    // The busy session makes a request every 20 minutes; the idle one makes none.
    for _ in 0..3 {
        srv.advance(Duration::minutes(20));
        assert_eq!(busy.get(srv.url("/api/v1/me")).send().await.unwrap().status(), 200);
    }
    assert_eq!(idle.get(srv.url("/api/v1/me")).send().await.unwrap().status(), 401, "idle timeout of 30 minutes");
    // ... until the absolute limit of 12 hours ends it too.
    for _ in 0..32 {
        srv.advance(Duration::minutes(20));
        assert_eq!(busy.get(srv.url("/api/v1/me")).send().await.unwrap().status(), 200);
    }
    srv.advance(Duration::minutes(20));
    assert_eq!(busy.get(srv.url("/api/v1/me")).send().await.unwrap().status(), 401, "absolute timeout of 12 hours");
    srv.stop().await;
}

async fn password_reset_by_email(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(backend, |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.server.public_url = "https://tessera.example".into();
    })
    .await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    let http = client();

    let request_link = |n: usize| {
        let http = http.clone();
        let srv_url = srv.url("/t/pl078/password/forgot");
        let smtp = &smtp;
        async move {
            let page = http.get(&srv_url).send().await.unwrap().text().await.unwrap();
            let res = http
                .post(&srv_url)
                .form(&[("csrf", csrf_of(&page).as_str()), ("email", "Staff@pl078.example")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            assert!(res.text().await.unwrap().contains("If an account uses this address"));
            let mail = decode_qp(&smtp.wait_for(n).await[n - 1]);
            assert!(mail.contains("To: staff@pl078.example"), "{mail}");
            let start = mail.find("https://tessera.example/t/pl078/password/reset/").expect("reset link in the email");
            mail[start..].split_whitespace().next().unwrap().trim_start_matches("https://tessera.example").to_owned()
        }
    };

    // An unknown address gets the same answer and no email.
    let page = http.get(srv.url("/t/pl078/password/forgot")).send().await.unwrap().text().await.unwrap();
    let res = http
        .post(srv.url("/t/pl078/password/forgot"))
        .form(&[("csrf", csrf_of(&page).as_str()), ("email", "nobody@pl078.example")])
        .send()
        .await
        .unwrap();
    assert!(res.text().await.unwrap().contains("If an account uses this address"));

    let path = request_link(1).await;
    assert_eq!(smtp.messages().len(), 1, "no email for the unknown address");
    let form = http.get(srv.url(&path)).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let csrf = csrf_of(&form.text().await.unwrap());

    // R-PASSWORD and a mismatch are refused, and the link stays usable.
    let res = http
        .post(srv.url(&path))
        .form(&[("csrf", csrf.as_str()), ("password", "short1"), ("confirm", "short1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("at least 2 digits"));
    let res = http
        .post(srv.url(&path))
        .form(&[("csrf", csrf.as_str()), ("password", "new secret 77"), ("confirm", "new secret 78")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        login(&client(), &srv, "pl078", "staff@pl078.example", PASSWORD).await.status(),
        303,
        "old password still works"
    );

    let res = http
        .post(srv.url(&path))
        .form(&[("csrf", csrf.as_str()), ("password", "new secret 77"), ("confirm", "new secret 77")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Your password has been changed"));
    assert_eq!(
        login(&client(), &srv, "pl078", "staff@pl078.example", PASSWORD).await.status(),
        401,
        "old password no longer works"
    );
    assert_eq!(login(&client(), &srv, "pl078", "staff@pl078.example", "new secret 77").await.status(), 303);

    // A used link is refused.
    let res = http
        .post(srv.url(&path))
        .form(&[("csrf", csrf.as_str()), ("password", "other secret 88"), ("confirm", "other secret 88")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("already been used"));
    assert_eq!(http.get(srv.url(&path)).send().await.unwrap().status(), 410);

    // An expired link is refused.
    let path2 = request_link(2).await;
    srv.advance(Duration::minutes(61));
    let res = http.get(srv.url(&path2)).send().await.unwrap();
    assert_eq!(res.status(), 410);
    assert!(res.text().await.unwrap().contains("expired"));
    assert_eq!(
        http.get(srv.url("/t/pl078/password/reset/00000000000000000000000000000000")).send().await.unwrap().status(),
        404
    );
    srv.stop().await;
}

/// The password hasher is bounded: when every slot is busy past the wait, sign-in answers 503
/// with Retry-After instead of queueing without limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saturated_hasher_answers_503() {
    let srv = TestServer::start_with(Backend::Sqlite, |c| {
        c.auth.hash_concurrency = 1;
        c.auth.hash_wait_ms = 1;
        c.auth.login_failures_per_address = 1000;
    })
    .await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let http = client();
        let url = srv.url("/api/v1/auth/login");
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .json(
                    &serde_json::json!({"tenant": "pl078", "login": "nobody@pl078.example", "password": "whatever 12"}),
                )
                .send()
                .await
                .unwrap()
        }));
    }
    let mut busy = 0;
    for t in tasks {
        let res = t.await.unwrap();
        match res.status().as_u16() {
            503 => {
                busy += 1;
                assert!(res.headers().contains_key("retry-after"));
            }
            // Wrong passwords (401) until the unknown login "locks" like an account would after
            // three of them (423, R-LOCKOUT): how many get that far depends on timing.
            401 | 423 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(busy > 0, "some of 16 simultaneous sign-ins found the single hashing slot busy");
    // An over-long password is refused before any hashing.
    let long = "a1".repeat(100);
    let res = client()
        .post(srv.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"tenant": "pl078", "login": "staff@pl078.example", "password": long}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    srv.stop().await;
}
