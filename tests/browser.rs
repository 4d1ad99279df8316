//! The pages in a real browser: Debian's Chromium, driven through `chromedriver` (WebDriver), with
//! axe-core (npm, pinned in tests/axe) injected into each page.
//!
//! - Every page each role reaches from its home (the crawl of tests/crawl.rs, one page of each
//!   shape) and the signed-out pages, at a 360 px wide window: axe-core finds no violation of
//!   WCAG 2.0, 2.1 and 2.2 at levels A and AA, and the page does not scroll sideways
//!   (`scrollWidth` at most the viewport's width).
//! - Each role's main journey, typed and clicked through the pages in English, Polish, Hungarian
//!   and Italian at a desktop size, with a screenshot of each step saved as an artefact in
//!   `<target>/tmp/screenshots/` (`UPDATE_SCREENSHOTS=1` also writes the English ones the manual
//!   shows into `docs/src/screenshots/`).
//!
//! The browser sees the same pages on either database, so these run on SQLite only; the HTTP
//! tests cover both backends.

use crate::crawl::{exercise_states, first_pages, set_every_locale, shape, skipped};
use crate::support::*;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tessera_daemon::demo::DEMO_PASSWORD;
use tessera_domain::Locale;

/// Pages checked per role at most.
const MAX_PAGES: usize = 45;

/// The axe-core rule sets run on every page: WCAG 2.0, 2.1 and 2.2, levels A and AA.
const WCAG_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"];

/// Every role, with the language its pages are checked in (each language at least once).
const ROLES: [(&str, &str, &str, Locale); 7] = [
    ("installation", "admin@tessera.local", "installation admin", Locale::En),
    ("pl078", "manager@pl078.example", "centre manager", Locale::Pl),
    ("hu012", "staff@hu012.example", "centre staff", Locale::Hu),
    ("unimi", "primary@unimi.example", "verifier primary", Locale::It),
    ("unimi", "admin@unimi.example", "verifier admin", Locale::En),
    ("pl078", "PL078000001", "candidate", Locale::Pl),
    ("hu012", "manager@hu012.example", "centre manager", Locale::En),
];

/// A headless Chromium behind its own chromedriver, gone when dropped.
struct Browser {
    _driver: Driver,
    client: Client,
    origin: String,
    axe: String,
}

impl Browser {
    async fn start(srv: &TestServer, width: u32, height: u32) -> Self {
        let axe_path = std::env::var("TESSERA_AXE").expect(
            "TESSERA_AXE is not set: run the suite with `bash tests/run.sh`, which installs axe-core from npm \
             (tests/axe) and points TESSERA_AXE at its axe.min.js",
        );
        let axe = std::fs::read_to_string(&axe_path).unwrap_or_else(|e| panic!("reading axe-core at {axe_path}: {e}"));
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (Debian package chromium-driver) must be installed: the test script installs it");
        let webdriver = format!("http://127.0.0.1:{port}");
        let status = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..100 {
            if let Ok(res) = status.get(format!("{webdriver}/status")).send().await
                && res.status().is_success()
            {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not start on port {port}");
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--hide-scrollbars", "--lang=en-GB", format!("--window-size={width},{height}"),
                ],
            },
        });
        let Value::Object(caps) = caps else { unreachable!() };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&webdriver)
            .await
            .expect("a Chromium session through chromedriver");
        client.set_window_size(width, height).await.unwrap();
        Browser { _driver: Driver(driver), client, origin: srv.url(""), axe }
    }

    async fn goto(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.origin)).await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    }

    /// The path and query of the page shown.
    async fn path(&self) -> String {
        let url = self.client.current_url().await.unwrap();
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The page's visible text.
    async fn text(&self) -> String {
        self.js("return document.body.innerText").await.as_str().unwrap_or_default().to_owned()
    }

    /// Types into the field with this id (after clearing it).
    async fn fill(&self, id: &str, value: &str) {
        let field = self.client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("no field #{id}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    /// Chooses an option of the `select` with this id by its value.
    async fn choose(&self, id: &str, value: &str) {
        let select = self.client.find(Locator::Id(id)).await.unwrap_or_else(|e| panic!("no select #{id}: {e}"));
        select.select_by_value(value).await.unwrap_or_else(|e| panic!("#{id} has no option {value}: {e}"));
    }

    /// Ticks the first radio button or checkbox matching `css` (no page is loaded).
    async fn tick(&self, css: &str) {
        let field = self.client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("nothing matches {css}: {e}"));
        if field.prop("checked").await.unwrap().as_deref() != Some("true") {
            field.click().await.unwrap();
        }
    }

    /// Clicks the first element matching `css` and waits for the next page.
    async fn click(&self, css: &str) {
        let before = self.js("return window.performance.timeOrigin").await;
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"))
            .click()
            .await
            .unwrap();
        for _ in 0..100 {
            let now = self.js("return document.readyState === 'complete' ? window.performance.timeOrigin : null").await;
            if !now.is_null() && now != before {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("clicking {css} on {} loaded no page", self.path().await);
    }

    /// Sends the form matching `css` as it is, without the browser's own checks of required
    /// fields, so that the server's refusal is what shows.
    async fn send_unchecked(&self, css: &str) {
        let lift = format!(
            "document.querySelectorAll(\"{css} [required]\").forEach(e => e.removeAttribute('required')); return true;"
        );
        self.js(&lift).await;
        self.click(&format!("{css} button:not([type=button])")).await;
    }

    /// axe-core's violations of WCAG A and AA on the page shown, one line each.
    async fn axe_violations(&self) -> Vec<String> {
        self.js(&format!("{}\nreturn true;", self.axe)).await;
        let script = format!(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {{ runOnly: {{ type: 'tag', values: {tags} }}, resultTypes: ['violations'] }})
               .then(r => done(r.violations.map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at '
                 + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))
               .catch(e => done(['axe failed: ' + e]));",
            tags = serde_json::to_string(WCAG_TAGS).unwrap()
        );
        let found = self.client.execute_async(&script, vec![]).await.unwrap();
        found.as_array().unwrap().iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect()
    }

    /// `Some((scrollWidth, viewport width))` when the page scrolls sideways.
    async fn sideways(&self) -> Option<(u64, u64)> {
        let w = self.js("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]").await;
        let (scroll, view) = (w[0].as_u64().unwrap(), w[1].as_u64().unwrap());
        (scroll > view).then_some((scroll, view))
    }

    /// Same-site links of the page shown, as paths with their query.
    async fn links(&self) -> Vec<String> {
        let found = self
            .js("return Array.from(document.querySelectorAll('a[href]'))
                   .filter(a => a.origin === location.origin)
                   .map(a => a.pathname + a.search)")
            .await;
        found.as_array().unwrap().iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
    }

    /// Saves a screenshot of the page shown as an artefact (and for the manual when asked).
    async fn screenshot(&self, name: &str, for_manual: bool) {
        let png = self.client.screenshot().await.unwrap();
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &png).unwrap();
        if for_manual && std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
            let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/src/screenshots");
            std::fs::create_dir_all(&docs).unwrap();
            std::fs::write(docs.join(format!("{name}.png")), &png).unwrap();
        }
    }

    /// Signs in through the start page and the sign-in form.
    async fn sign_in(&self, slug: &str, login: &str) {
        self.goto("/").await;
        self.fill("tenant", slug).await;
        self.click("form[action='/go'] button[type=submit]").await;
        self.fill("login", login).await;
        self.fill("password", DEMO_PASSWORD).await;
        self.click("form[action$='/login'] button[type=submit]").await;
        let path = self.path().await;
        assert!(
            !path.contains("/login") && path != "/",
            "{login} of {slug} is not signed in: at {path}\n{}",
            self.text().await
        );
    }

    async fn sign_out(&self) {
        self.client.delete_all_cookies().await.unwrap();
    }

    async fn stop(self) {
        let _ = self.client.close().await;
    }
}

/// The chromedriver process, killed when dropped (also when a test fails).
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Checks the page shown: axe-core and the 360 px width. Returns its problems.
async fn check_page(b: &Browser, label: &str) -> Vec<String> {
    let mut problems: Vec<String> = b.axe_violations().await.into_iter().map(|v| format!("{label}: {v}")).collect();
    if let Some((scroll, view)) = b.sideways().await {
        problems.push(format!("{label}: scrolls sideways ({scroll} px of content in a {view} px viewport)"));
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_passes_axe_core_and_fits_a_phone() {
    let srv = TestServer::start_with_plugins(Backend::Sqlite).await;
    srv.demo();
    let seeds = exercise_states(&srv);
    let b = Browser::start(&srv, 360, 780).await;
    let mut problems = Vec::new();
    let mut checked = 0;

    // Signed out: the start page, its sign-in, the public pages, a page that does not exist.
    set_every_locale(&srv, Locale::En);
    for path in [
        "/",
        "/?next=/centre",
        "/t/pl078/login",
        "/t/pl078/calendar",
        "/t/pl078/regulations",
        "/t/pl078/enter",
        "/organisations/signup",
        "/verify",
        "/no/such/page",
    ] {
        b.goto(path).await;
        problems.extend(check_page(&b, &format!("signed out {path}")).await);
        checked += 1;
    }

    // Forms sent empty (the browser's own checks lifted): their error summary and marked fields.
    for (path, form) in [
        ("/organisations/signup", "form[action='/organisations/signup']"),
        ("/t/pl078/login", "form[action$='/login']"),
    ] {
        b.goto(path).await;
        b.send_unchecked(form).await;
        assert!(
            b.client.find(Locator::Css(".error-summary, [aria-invalid=true]")).await.is_ok(),
            "{path} sent empty shows the problem:\n{}",
            b.text().await
        );
        problems.extend(check_page(&b, &format!("signed out {path}, sent empty")).await);
        checked += 1;
    }

    for (slug, login, role, locale) in ROLES {
        set_every_locale(&srv, locale);
        b.sign_out().await;
        b.sign_in(slug, login).await;
        let mut queue = first_pages(&b.path().await, &seeds, slug, role);
        let mut seen: HashSet<String> = queue.iter().cloned().collect();
        let mut shapes: HashMap<String, usize> = HashMap::new();
        let mut pages = 0;
        while let Some(path) = queue.pop_front() {
            if pages >= MAX_PAGES {
                break;
            }
            let before = b.js("return window.performance.timeOrigin").await;
            b.goto(&path).await;
            if b.js("return window.performance.timeOrigin").await == before {
                // A download (a PDF, a data file): the browser stays on the page it was on.
                continue;
            }
            let lang = b.js("return document.documentElement.lang").await;
            assert_eq!(lang.as_str(), Some(locale.as_str()), "{role}: {path} declares its language");
            pages += 1;
            problems.extend(check_page(&b, &format!("{role} ({locale}) {path}")).await);
            for link in b.links().await {
                if skipped(&link) || seen.contains(&link) {
                    continue;
                }
                let n = shapes.entry(shape(&link)).or_default();
                if *n >= 1 {
                    continue;
                }
                *n += 1;
                seen.insert(link.clone());
                queue.push_back(link);
            }
        }
        assert!(pages >= 3, "{role} reached only {pages} pages");
        checked += pages;
    }

    // The settings form of each shipped plugin with a schema, then one refused beside its fields.
    set_every_locale(&srv, Locale::Pl);
    b.sign_out().await;
    b.sign_in("installation", "admin@tessera.local").await;
    let settings =
        |kind: &str, plugin: &str| format!("/admin/tenants/pl078/plugins/settings?kind={kind}&plugin={plugin}");
    for (kind, plugin) in [("refund", "pl"), ("refund", "hu"), ("photo", "it"), ("retention", "baseline")] {
        b.goto(&settings(kind, plugin)).await;
        problems.extend(check_page(&b, &format!("installation admin (pl) settings of {plugin}")).await);
        checked += 1;
    }
    b.goto(&settings("refund", "pl")).await;
    b.fill("config.medical_basis_points", "150").await;
    b.fill("config.payout_days", "").await;
    b.click("form[action='/admin/tenants/pl078/plugins'] button.primary").await;
    assert!(
        b.client.find(Locator::Css(".error-summary a[href='#config.medical_basis_points']")).await.is_ok(),
        "the refused settings show their errors:\n{}",
        b.text().await
    );
    problems.extend(check_page(&b, "installation admin (pl) settings of pl, refused").await);
    checked += 1;
    b.stop().await;
    assert!(checked >= 80, "only {checked} pages were checked");
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{} problems on {checked} pages:\n{}", problems.len(), problems.join("\n"));
    srv.stop().await;
}

/// Asserts the page shown is in `locale` and shows `expected`; returns its text.
async fn shows(b: &Browser, locale: Locale, expected: &str, step: &str) -> String {
    let lang = b.js("return document.documentElement.lang").await;
    let text = b.text().await;
    assert_eq!(lang.as_str(), Some(locale.as_str()), "{step} ({locale}) at {}: language\n{text}", b.path().await);
    assert!(text.contains(expected), "{step} ({locale}) at {}: no {expected:?} in\n{text}", b.path().await);
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_roles_journey_through_the_pages_in_four_languages() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let b = Browser::start(&srv, 1280, 900).await;
    for locale in [Locale::En, Locale::Pl, Locale::Hu, Locale::It] {
        let shot = |name: &str| format!("{name}-{locale}");
        let manual = locale == Locale::En;
        set_every_locale(&srv, locale);
        b.sign_out().await;

        // Signed out: the start page in the language picked there, then a centre's sign-in.
        b.goto("/").await;
        if b.client.find(Locator::Css(&format!("a[hreflang='{locale}']"))).await.is_ok() {
            b.click(&format!("a[hreflang='{locale}']")).await;
        }
        let chosen = format!(".languages [lang='{locale}'][aria-current]");
        assert!(b.client.find(Locator::Css(&chosen)).await.is_ok(), "{locale} is the start page's chosen language");
        shows(&b, locale, "Tessera", "the start page").await;
        b.screenshot(&shot("start"), manual).await;
        b.goto("/no/such/page").await;
        let not_found = shows(&b, locale, "Tessera", "a page that does not exist").await;
        assert!(b.client.find(Locator::Css("header")).await.is_ok(), "the 404 page ({locale}) has the site header");
        assert!(!not_found.contains("Not Found"), "the 404 page ({locale}) is in its language:\n{not_found}");

        // A centre manager: home, find a candidate by a name typed without accents, their entry.
        b.sign_in("pl078", "manager@pl078.example").await;
        shows(&b, locale, "Tessera", "the centre's home").await;
        b.screenshot(&shot("centre-home"), manual).await;
        b.click("nav a[href='/centre/candidates']").await;
        b.fill("q", "kowalski").await;
        b.click("form[action='/centre/candidates'] button[type=submit]").await;
        shows(&b, locale, "Kowalski", "finding a candidate").await;
        b.screenshot(&shot("centre-find"), manual).await;
        b.click("main a[href^='/centre/entries/']").await;
        shows(&b, locale, "Kowalski", "the candidate's entry").await;
        b.screenshot(&shot("centre-entry"), manual).await;
        b.sign_out().await;

        // A verifier: every shared result, a search, one result.
        b.sign_in("unimi", "primary@unimi.example").await;
        b.click("nav a[href='/verifier/search']").await;
        b.fill("q", "kowalski").await;
        b.click("form[action='/verifier/search'] button[type=submit]").await;
        let found = b.client.find_all(Locator::Css("a[href^='/verifier/results/']")).await.unwrap();
        assert!(!found.is_empty(), "a verifier's search ({locale}) finds shared results:\n{}", b.text().await);
        b.screenshot(&shot("verifier-search"), manual).await;
        b.click("a[href^='/verifier/results/']").await;
        assert!(b.path().await.starts_with("/verifier/results/"), "a result opens ({locale})");
        b.screenshot(&shot("verifier-result"), manual).await;
        b.sign_out().await;

        // A candidate: their results, then sharing one with an organisation found by name.
        b.sign_in("pl078", "PL078000001").await;
        b.screenshot(&shot("candidate-results"), manual).await;
        b.click("nav a[href='/candidate/shares']").await;
        b.fill("q", "Milano").await;
        b.click("form[action='/candidate/shares'] button[type=submit]").await;
        b.tick("input[name=verifier]").await;
        b.tick("input[type=checkbox][name^=entry_]").await;
        b.click("form[action='/candidate/shares'] button.primary").await;
        shows(&b, locale, "Milano", "sharing a result").await;
        assert!(
            b.client.find(Locator::Css("p.notice[role=status]")).await.is_ok(),
            "the share ({locale}) is confirmed"
        );
        b.screenshot(&shot("candidate-shares"), manual).await;
        b.sign_out().await;

        // The installation admin creates a centre.
        b.sign_in("installation", "admin@tessera.local").await;
        b.fill("name", "Centrum Marsa").await;
        b.fill("country", "PL").await;
        b.fill("timezone", "Mars/Olympus").await;
        b.send_unchecked("form[action='/admin/tenants']").await;
        assert!(b.client.find(Locator::Css("#timezone[aria-invalid=true]")).await.is_ok(), "a bad time zone is marked");
        let refused = check_page(&b, &format!("({locale}) a refused new centre")).await;
        assert!(refused.is_empty(), "{}", refused.join("\n"));
        b.choose("kind", "centre").await;
        let name = format!("Centrum {locale}");
        b.fill("name", &name).await;
        b.fill("country", "PL").await;
        b.fill("timezone", "Europe/Warsaw").await;
        b.choose("locale", locale.as_str()).await;
        b.click("form[action='/admin/tenants'] button[type=submit]").await;
        shows(&b, locale, &name, "creating a centre").await;
        b.screenshot(&shot("admin-tenants"), manual).await;
        b.sign_out().await;
    }
    b.stop().await;
    srv.stop().await;
}

/// A centre's bulk run (issue 15) followed in place by the page's script: the page opened while
/// the run waits (no job worker on the first server) is not reloaded, yet shows the report once
/// a restarted server on the same database and address has done the work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_run_is_followed_in_place_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(Backend::Sqlite, dir.path());
    let data = dir.path().join("data");
    let listen = format!("127.0.0.1:{}", free_port());
    let (u1, d1, l1) = (url.clone(), data.clone(), listen.clone());
    let srv = TestServer::start_tweaked(Backend::Sqlite, false, move |c| {
        c.database.url = u1;
        c.data_dir = d1;
        c.server.listen = l1;
        c.jobs.workers = 0;
    })
    .await;
    srv.demo();
    set_every_locale(&srv, Locale::En);
    let session = {
        let mut c = srv.db().conn().unwrap();
        let t = tessera_storage::repo::tenants::by_slug(&mut c, "pl078").unwrap();
        tessera_storage::repo::centre::sessions(&mut c, t.id).unwrap()[0].id.clone()
    };
    // The manager uploads a results file naming a candidate number the session does not have.
    let http = client();
    assert_eq!(login(&http, &srv, "pl078", "manager@pl078.example", DEMO_PASSWORD).await.status(), 303);
    let page = http.get(srv.url(&format!("/centre/sessions/{session}"))).send().await.unwrap().text().await.unwrap();
    let part =
        reqwest::multipart::Part::bytes(b"candidate_number,status,overall_score,grade,cefr\n9999,X,,,\n".to_vec())
            .file_name("board.csv")
            .mime_str("text/csv")
            .unwrap();
    let form = reqwest::multipart::Form::new().text("csrf", csrf_of(&page)).part("file", part);
    let res = http.post(srv.url(&format!("/centre/sessions/{session}/results"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let run = location(&res);

    let b = Browser::start(&srv, 1280, 900).await;
    b.sign_in("pl078", "manager@pl078.example").await;
    b.goto(&run).await;
    assert!(b.client.find(Locator::Css("#run[data-follow]")).await.is_ok(), "the run waits:\n{}", b.text().await);
    let problems = check_page(&b, "a run under way").await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    b.screenshot("centre-run-waiting-en", true).await;
    // A mark a reload would wipe.
    b.js("window.tesseraMark = 'still here'; return null").await;

    srv.stop().await;
    let srv = TestServer::start_tweaked(Backend::Sqlite, true, move |c| {
        c.database.url = url;
        c.data_dir = data;
        c.server.listen = listen;
    })
    .await;
    let mut ended = false;
    for _ in 0..150 {
        if b.js(
            "return document.querySelector('#run-report') !== null && document.querySelector('[data-follow]') === null",
        )
        .await
            == Value::Bool(true)
        {
            ended = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(ended, "the page followed the run to its end:\n{}", b.text().await);
    assert_eq!(b.js("return window.tesseraMark || null").await, json!("still here"), "updated in place, not reloaded");
    let text = b.text().await;
    assert!(text.contains("Refused: nothing imported") && text.contains("Line 2"), "{text}");
    let problems = check_page(&b, "a run's report").await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    b.screenshot("centre-run-report-en", true).await;
    b.stop().await;
    srv.stop().await;
}
