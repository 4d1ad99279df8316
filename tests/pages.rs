//! Pages as a person sees them: every role lands on its home, pages speak the tenant's language,
//! and a real browser (Debian's Chromium, headless) renders the sign-in page without JavaScript.

use crate::support::*;
use tessera_daemon::demo::DEMO_PASSWORD;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_lands_on_its_home() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let cases = [
        ("installation", "admin@tessera.local", "/admin", "HU012 Budapest Language Centre"),
        ("pl078", "manager@pl078.example", "/centre", "Sesje egzaminacyjne"),
        ("hu012", "staff@hu012.example", "/centre", "Vizsgaidőpontok"),
        ("unimi", "primary@unimi.example", "/verifier", "risultati sono condivisi"),
        ("unimi", "admin@unimi.example", "/verifier", "Results Verification Service"),
        ("pl078", "PL078000001", "/candidate", "Serwis wyników kandydata"),
    ];
    for (slug, login_name, home, text) in cases {
        let http = client();
        let res = login(&http, &srv, slug, login_name, DEMO_PASSWORD).await;
        assert_eq!(res.status(), 303, "{login_name} signs in");
        assert_eq!(location(&res), home, "{login_name} lands on {home}");
        let page = http.get(srv.url(home)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains(text), "{home} for {login_name} shows `{text}`");
        assert_eq!(
            http.get(srv.url("/")).send().await.unwrap().status(),
            303,
            "the start page sends signed-in users home"
        );
    }
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_page_finds_organisations_by_code() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let http = client();
    let res = http.get(srv.url("/go?tenant=PL078")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/t/pl078/login");
    let res = http.get(srv.url("/go?tenant=nope")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("No organisation uses the code"));
    assert_eq!(http.get(srv.url("/t/nope/login")).send().await.unwrap().status(), 404);
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_renders_the_sign_in_page() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let profile = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            &srv.url("/t/pl078/login"),
        ])
        .output()
        .expect("chromium (Debian package) must be installed: the test script installs it");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(dom.contains("<form method=\"post\" action=\"/t/pl078/login\">"), "the form renders:\n{dom}");
    assert!(!dom.contains("<script"), "the page needs no JavaScript: it has none");
    assert!(dom.contains("Logowanie"), "the Polish centre's page is in Polish");
    assert!(dom.contains("name=\"csrf\""));
    srv.stop().await;
}

/// A public page of a tenant names the tenant in its header, though nobody is signed in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_name_their_tenant() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let html = client().get(srv.url("/t/hu012/login")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("· HU012 Budapest Language Centre</strong>"), "{html}");
    srv.stop().await;
}
