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

/// Every signed-in page carries a skip link and its role's navigation, in a `nav` landmark with
/// the page being shown marked as current.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_has_a_navigation_marking_the_current_page() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let cases = [
        ("installation", "admin@tessera.local", "/admin/mail", "Mail queue", "/admin"),
        ("pl078", "manager@pl078.example", "/centre/calendar", "Kalendarz", "/centre/schools"),
        ("unimi", "primary@unimi.example", "/verifier/search", "Ricerca", "/verifier/api-clients"),
        ("pl078", "PL078000001", "/candidate/shares", "Udostępnianie", "/candidate/account"),
    ];
    for (slug, login_name, path, label, other) in cases {
        let http = client();
        assert_eq!(login(&http, &srv, slug, login_name, DEMO_PASSWORD).await.status(), 303);
        let html = http.get(srv.url(path)).send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
        assert!(
            html.contains(r##"<a class="skip-link" href="#main">"##) && html.contains(r#"<main id="main""#),
            "{html}"
        );
        assert!(html.contains(r#"<nav class="site-nav" aria-label="#), "{path}: {html}");
        assert!(html.contains(&format!(r#"<a href="{path}" aria-current="page">{label}</a>"#)), "{path}: {html}");
        assert!(html.contains(&format!(r#"<a href="{other}">"#)), "{path} links to {other}: {html}");
        assert_eq!(html.matches(r#"aria-current="page""#).count(), 1, "{path}");
    }
    srv.stop().await;
}

/// The new-session form proposes the centre's own currency and time zone, with date fields.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_form_proposes_the_centres_currency_and_zone() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    for (slug, login_name, currency, zone) in [
        ("hu012", "staff@hu012.example", "HUF", "Europe&#x2f;Budapest"),
        ("pl078", "manager@pl078.example", "PLN", "Europe&#x2f;Warsaw"),
    ] {
        let http = client();
        assert_eq!(login(&http, &srv, slug, login_name, DEMO_PASSWORD).await.status(), 303);
        let form = http.get(srv.url("/centre/sessions/new")).send().await.unwrap().text().await.unwrap();
        assert!(form.contains(&format!(r#"name="currency" value="{currency}""#)), "{slug}: {form}");
        assert!(form.contains(&format!(r#"name="release_timezone" value="{zone}""#)), "{slug}: {form}");
        assert!(form.contains(r#"<input type="date" id="written_date" name="written_date""#), "{form}");
    }
    srv.stop().await;
}

/// A signed-out visitor following a link to a page is asked to sign in and then lands on that
/// page; a `next` that leaves the site is ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_link_survives_signing_in() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let http = client();
    let res = http.get(srv.url("/centre/calendar?view=month")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/?next=%2Fcentre%2Fcalendar%3Fview%3Dmonth");
    // (The pages escape `/` as `&#x2f;` in attributes.)
    let text = |html: String| html.replace("&#x2f;", "/");
    let start = text(http.get(srv.url(&location(&res))).send().await.unwrap().text().await.unwrap());
    assert!(start.contains("Sign in to see the page you asked for."), "{start}");
    assert!(start.contains(r#"name="next" value="/centre/calendar?view=month""#), "{start}");
    let res = http.get(srv.url("/go?tenant=pl078&next=%2Fcentre%2Fcalendar%3Fview%3Dmonth")).send().await.unwrap();
    assert_eq!(location(&res), "/t/pl078/login?next=%2Fcentre%2Fcalendar%3Fview%3Dmonth");
    let page = text(http.get(srv.url(&location(&res))).send().await.unwrap().text().await.unwrap());
    assert!(page.contains(r#"name="next" value="/centre/calendar?view=month""#), "{page}");
    let signed_in = |next: &'static str| {
        let http = client();
        let srv = &srv;
        async move {
            let page = http.get(srv.url("/t/pl078/login")).send().await.unwrap().text().await.unwrap();
            let form = [
                ("csrf", csrf_of(&page)),
                ("login", "manager@pl078.example".into()),
                ("password", DEMO_PASSWORD.into()),
                ("next", next.into()),
            ];
            let res = http.post(srv.url("/t/pl078/login")).form(&form).send().await.unwrap();
            assert_eq!(res.status(), 303);
            location(&res)
        }
    };
    assert_eq!(signed_in("/centre/calendar?view=month").await, "/centre/calendar?view=month");
    // Another site, or a path that a browser reads as another host, is not followed.
    assert_eq!(signed_in("https://evil.example/").await, "/centre");
    assert_eq!(signed_in("//evil.example/x").await, "/centre");
    assert_eq!(signed_in("/\\evil.example/x").await, "/centre");
    srv.stop().await;
}

/// The start page offers the four languages, each named in itself; the choice is kept and wins
/// over the browser's languages, on the start page and on an organisation's sign-in page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_page_offers_a_language_choice() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let http = client();
    let get = |path: &'static str| {
        let req = http.get(srv.url(path)).header("accept-language", "en");
        async move { req.send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/") }
    };
    let start = get("/").await;
    for (code, name) in [("pl", "Polski"), ("hu", "Magyar"), ("it", "Italiano")] {
        assert!(start.contains(&format!(r#"<a href="/language/{code}?back=%2F" lang="{code}""#)), "{start}");
        assert!(start.contains(&format!(">{name}</a>")), "{start}");
    }
    assert!(start.contains(r#"<span lang="en" aria-current="true">English</span>"#), "{start}");
    let res = http.get(srv.url("/language/hu?back=%2F")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/");
    assert!(res.headers()["set-cookie"].to_str().unwrap().starts_with("tessera_lang=hu"));
    let start = get("/").await;
    assert!(start.contains("Üdvözli a Tessera") && start.contains(r#"lang="hu" aria-current="true""#), "{start}");
    // The Polish centre's sign-in page follows the choice too.
    let login = http.get(srv.url("/t/pl078/login")).send().await.unwrap().text().await.unwrap();
    assert!(login.contains("Bejelentkezés"), "{login}");
    // An unknown language is not a page; going back never leaves the site.
    assert_eq!(http.get(srv.url("/language/xx")).send().await.unwrap().status(), 404);
    let res = http.get(srv.url("/language/it?back=https%3A%2F%2Fevil.example")).send().await.unwrap();
    assert_eq!(location(&res), "/");
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
