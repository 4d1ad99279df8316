//! Test harness: servers on free ports, temporary databases, a movable clock, a cookie-keeping
//! client, a real SMTP server, and the CLI binary.

use chrono::{DateTime, TimeZone, Utc};
use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use reqwest::redirect::Policy;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use tessera_daemon::config::Config;
use tessera_daemon::server::{self, Running};
use tessera_domain::{ManualClock, Role, TenantKind};
use tessera_storage::repo::tenants::{self, NewTenant, Tenant};
use tessera_storage::repo::users::{self, NewUser};

/// Runs a test body once against SQLite and once against PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        }
    )*};
}

/// Which database a test runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The instant every test clock starts at.
pub fn start_instant() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
}

/// The password of users the tests create.
pub const PASSWORD: &str = "correct horse 42";

/// A fresh, empty database of `backend`; returns its URL.
pub fn fresh_database(backend: Backend, dir: &Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("tessera.db").display()),
        Backend::Postgres => {
            let base = std::env::var("TESSERA_TEST_PG").expect(
                "TESSERA_TEST_PG is not set: run the suite with `bash tests/run.sh`, which starts PostgreSQL, \
                 or point it at a server, e.g. postgres://postgres@127.0.0.1:5432/postgres",
            );
            let name = format!("tessera_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::establish(&base).expect("connect to the test PostgreSQL server");
            admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
            let (prefix, _) = base.rsplit_once('/').expect("TESSERA_TEST_PG ends with /DBNAME");
            format!("{prefix}/{name}")
        }
    }
}

/// A configuration for a test server: a free port, a temporary data folder, fast job polling.
pub fn test_config(backend: Backend, dir: &Path) -> Config {
    let mut cfg = Config { data_dir: dir.to_path_buf(), ..Config::default() };
    cfg.database.url = fresh_database(backend, dir);
    cfg.database.pool_size = 4;
    cfg.server.listen = "127.0.0.1:0".into();
    cfg.mail.transport = "file".into();
    cfg.mail.file_dir = Some(dir.join("mail"));
    cfg.plugins.dir = Some(dir.join("plugins"));
    cfg.jobs.poll_interval_ms = 50;
    cfg
}

/// A running test server with its clock and data folder.
pub struct TestServer {
    pub running: Option<Running>,
    pub clock: Arc<ManualClock>,
    pub base: String,
    pub database_url: String,
    /// Kept so the data folder lives as long as the server.
    _dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server on `backend` with the default test configuration.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    /// Starts a server after `tweak` adjusted the configuration.
    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        Self::start_tweaked(backend, true, tweak).await
    }

    /// Starts a server after `tweak` adjusted the configuration, even beyond what an operator
    /// may set (when `validate` is false: a test that needs an indexer that sleeps for an hour).
    pub async fn start_tweaked(backend: Backend, validate: bool, tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = test_config(backend, dir.path());
        tweak(&mut cfg);
        if validate {
            cfg.validate().expect("test configuration is valid");
        }
        let clock = Arc::new(ManualClock::new(start_instant()));
        // A test that restarts a server on the same data folder may find the previous server's
        // search folder still locked for a moment: its last references are dropped by tasks that
        // end after `stop` returns (a new process never sees this: the lock goes with the old one).
        let mut tries = 0;
        let running = loop {
            match server::start(&cfg, clock.clone()).await {
                Err(e) if tries < 50 && format!("{e:#}").contains("in use by another Tessera process") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                other => break other.expect("server starts"),
            }
        };
        let base = format!("http://{}", running.addr);
        Self { running: Some(running), clock, base, database_url: cfg.database.url.clone(), _dir: dir }
    }

    /// Starts a server whose plugins folder holds the shipped policy plugins (built by
    /// `plugins/build.sh` into TESSERA_PLUGINS_DIST, as the test script does).
    pub async fn start_with_plugins(backend: Backend) -> Self {
        Self::start_with_plugins_and(backend, |_| {}).await
    }

    /// Starts a server with the shipped policy plugins after `tweak` adjusted the configuration.
    pub async fn start_with_plugins_and(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        Self::start_with_plugins_tweaked(backend, true, tweak).await
    }

    /// Starts a server with the shipped policy plugins, the configuration checked only when
    /// `validate` (a test may need a server without job workers).
    pub async fn start_with_plugins_tweaked(backend: Backend, validate: bool, tweak: impl FnOnce(&mut Config)) -> Self {
        let dist = std::env::var("TESSERA_PLUGINS_DIST")
            .expect("TESSERA_PLUGINS_DIST is not set: run the suite with `bash tests/run.sh`");
        Self::start_tweaked(backend, validate, move |c| {
            tweak(c);
            let dir = c.plugins.dir.clone().expect("test config names a plugins folder");
            std::fs::create_dir_all(&dir).unwrap();
            for entry in std::fs::read_dir(&dist).expect("the plugins dist folder exists") {
                let p = entry.unwrap().path();
                std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
            }
        })
        .await
    }

    /// Assigns `plugin` to decide `kinds` for `tenant` (set-up).
    pub fn assign(&self, tenant: &Tenant, plugin: &str, kinds: &[&str]) {
        let mut c = self.db().conn().unwrap();
        for k in kinds {
            tessera_storage::repo::policy::assign(
                &mut c,
                tenant.id,
                k,
                plugin,
                &serde_json::json!({}),
                start_instant(),
            )
            .unwrap();
        }
    }

    /// The server's database.
    pub fn db(&self) -> &tessera_storage::Db {
        &self.running.as_ref().unwrap().state.db
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Moves the server's clock.
    pub fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    /// Creates a tenant directly in storage (set-up, not the behaviour under test).
    pub fn tenant(&self, slug: &str, kind: TenantKind) -> Tenant {
        let mut c = self.db().conn().unwrap();
        let new = NewTenant {
            slug: slug.into(),
            kind,
            name: format!("Tenant {slug}"),
            country: tessera_domain::Country::parse("PL").unwrap(),
            timezone: chrono_tz::Europe::Warsaw,
            locale: tessera_domain::Locale::En,
            status: "active",
        };
        tenants::create(&mut c, &new, start_instant()).unwrap()
    }

    /// Creates a user with `PASSWORD`.
    pub fn user(&self, tenant: &Tenant, login: &str, role: Role) -> users::User {
        let mut c = self.db().conn().unwrap();
        let hash = tessera_app::auth::hash_blocking(PASSWORD).unwrap();
        let email = login.contains('@').then(|| login.to_owned());
        let new = NewUser {
            login: login.into(),
            email,
            display_name: format!("User {login}"),
            role,
            password_hash: Some(hash),
        };
        users::create(&mut c, tenant.id, &new, start_instant()).unwrap()
    }

    /// Gives `tenant` approved API access (R-API: the installation admin's approval, as set-up).
    pub fn approve_api_access(&self, tenant: &Tenant) {
        let mut c = self.db().conn().unwrap();
        tessera_storage::repo::api_access::request(&mut c, tenant.id, "tests", "set-up", start_instant()).unwrap();
        tessera_storage::repo::api_access::decide(&mut c, tenant.id, true, "set-up", start_instant(), |_, _| Ok(()))
            .unwrap();
    }

    /// Loads the demo data set into this server's database.
    pub fn demo(&self) {
        tessera_daemon::demo::load(self.db(), &self.running.as_ref().expect("a running server").state.secrets).unwrap();
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The anti-forgery token embedded in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).unwrap_or_else(|| panic!("no csrf field in page:\n{html}")) + marker.len();
    html[start..start + 32].to_owned()
}

/// Signs in through the login page; returns the POST's response.
pub async fn login(
    http: &reqwest::Client,
    srv: &TestServer,
    slug: &str,
    login: &str,
    password: &str,
) -> reqwest::Response {
    let page = http.get(srv.url(&format!("/t/{slug}/login"))).send().await.unwrap();
    assert_eq!(page.status(), 200, "login page of {slug}");
    let csrf = csrf_of(&page.text().await.unwrap());
    http.post(srv.url(&format!("/t/{slug}/login")))
        .form(&[("csrf", csrf.as_str()), ("login", login), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// Signs in through the JSON API; returns the anti-forgery token for writes.
pub async fn api_login(http: &reqwest::Client, srv: &TestServer, slug: &str, login: &str, password: &str) -> String {
    let res = http
        .post(srv.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"tenant": slug, "login": login, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "API login as {login}");
    let body: serde_json::Value = res.json().await.unwrap();
    body["csrf_token"].as_str().unwrap().to_owned()
}

/// The `Location` of a redirect.
pub fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
}

/// Follows a page's answer that starts background work (a 303 to the work's page) until the
/// work has ended; returns the final page.
pub async fn follow_run(http: &reqwest::Client, srv: &TestServer, res: reqwest::Response) -> String {
    assert_eq!(res.status(), 303, "the work's page: {:?}", res.text().await);
    follow_page(http, srv, &location(&res)).await
}

/// Reads the page of background work at `at` until the work has ended (the page is no longer
/// marked `data-follow`, as the browser's script sees it); returns the final page.
pub async fn follow_page(http: &reqwest::Client, srv: &TestServer, at: &str) -> String {
    let mut html = String::new();
    for _ in 0..400 {
        let res = http.get(srv.url(at)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{at}");
        html = res.text().await.unwrap();
        if !html.contains("data-follow") {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the work at {at} did not end: {html}");
}

/// The `tessera` binary, run with a clean TESSERA_* environment plus `env`.
pub fn tessera(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    cmd.args(args);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("TESSERA_")) {
        cmd.env_remove(k);
    }
    cmd.envs(env.iter().copied());
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run tessera");
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A real SMTP server (Python's aiosmtpd) writing every message into a maildir.
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
}

impl SmtpSink {
    /// Starts aiosmtpd on a free port.
    pub fn start(dir: &Path) -> Self {
        let port = free_port();
        let maildir = dir.join("maildir");
        // Debian's python3 carries python3-aiosmtpd; a python3 earlier on PATH (pyenv) may not.
        let python = if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" };
        let mut child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
                maildir.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (Debian package python3-aiosmtpd) must be installed");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Self { child, port, maildir };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    /// Waits for the `n`th message to arrive and returns every message so far.
    pub async fn wait_for(&self, n: usize) -> Vec<String> {
        for _ in 0..200 {
            let msgs = self.messages();
            if msgs.len() >= n {
                return msgs;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} email(s), got {}", self.messages().len());
    }

    /// Every message received, oldest first by file time.
    pub fn messages(&self) -> Vec<String> {
        let mut files: Vec<_> = ["new", "cur"]
            .iter()
            .filter_map(|d| std::fs::read_dir(self.maildir.join(d)).ok())
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| (e.metadata().and_then(|m| m.modified()).ok(), e.path()))
            .collect();
        files.sort();
        files.into_iter().filter_map(|(_, p)| std::fs::read_to_string(p).ok()).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes a hostile plugin named `spin` deciding `kind` into `dir`: its decision loops forever
/// (the host stops it when its fuel runs out).
pub fn write_spinning_plugin(dir: &Path, kind: &str) {
    let spin = wat::parse_str(
        r#"(module (memory (export "memory") 1) (func (export "tessera_abi_v1"))
           (func (export "tessera_alloc") (param i32) (result i32) (i32.const 1024))
           (func (export "tessera_decide") (param i32 i32) (result i64) (loop $l (br $l)) (i64.const 0)))"#,
    )
    .unwrap();
    std::fs::write(dir.join("spin.wasm"), spin).unwrap();
    std::fs::write(
        dir.join("spin.toml"),
        format!("name = \"spin\"\nversion = \"0.1.0\"\nabi = 1\nkinds = [\"{kind}\"]\n"),
    )
    .unwrap();
}

/// The centre's session form as the page posts it: an FCE session with `capacity`, the written
/// exam on `written` and the fee as typed.
pub fn session_page_form(csrf: &str, capacity: &str, written: &str, fee: &str) -> Vec<(&'static str, String)> {
    vec![
        ("csrf", csrf.to_owned()),
        ("exam_code", "FCE".into()),
        ("written_date", written.into()),
        ("time_of_day", "AM".into()),
        ("delivery", "PB".into()),
        ("fee", fee.into()),
        ("late_fee", "150".into()),
        ("currency", "PLN".into()),
        ("registration_opens", "2026-11-01".into()),
        ("registration_closes", "2026-12-01".into()),
        ("late_entry_deadline", "2026-12-10".into()),
        ("capacity", capacity.into()),
        ("minimum_candidates", "1".into()),
        ("release_at", "2027-01-16 09:00".into()),
        ("release_timezone", "Europe/London".into()),
        ("venue", "Katowice".into()),
        ("timetable", "Reading; 2026-12-12; 09:30; Main building; 102".into()),
        ("promotion_ends", "2026-11-25".into()),
        ("student_discount", "10".into()),
        ("speaking_window_start", "".into()),
        ("speaking_window_end", "".into()),
    ]
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Decodes an email body that may be quoted-printable (lettre's choice for long lines).
pub fn decode_qp(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let mut out = Vec::new();
    let b = joined.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit() {
            out.push(u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
