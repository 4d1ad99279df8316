//! Operations as an installation admin meets them: a self-signed certificate for a first start
//! checked by curl against the TLS port, the plain-HTTP redirect, Prometheus metrics, `tessera
//! doctor` on a good and a broken installation, backup and restore round trips on both
//! backends, and moving a SQLite installation onto PostgreSQL with `tessera migrate-db`.
//! (`cli::serve_with_tls_and_stop_on_sigterm` covers TLS with an openssl certificate, Secure
//! cookies and SIGTERM; it is not repeated here.)

use crate::both_backends;
use crate::support::*;
use diesel::prelude::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tessera_domain::{Role, TenantKind};

fn dist() -> PathBuf {
    let dir = std::env::var("TESSERA_PLUGINS_DIST")
        .expect("TESSERA_PLUGINS_DIST is not set: run the suite with `bash tests/run.sh`, which builds the plugins");
    PathBuf::from(dir)
}

/// Copies the shipped plugins into `dir`.
fn install_plugins(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    for e in std::fs::read_dir(dist()).unwrap().flatten() {
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
}

fn curl(args: &[&str]) -> (bool, String) {
    let out = std::process::Command::new("curl").args(args).output().expect("curl");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs the CLI against a database URL and data folder.
fn cli(url: &str, data: &Path, args: &[&str]) -> (i32, String, String) {
    tessera(args, &[("TESSERA_DATABASE__URL", url), ("TESSERA_DATA_DIR", data.to_str().unwrap())], None)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The tables every installation has, compared row for row in count.
const TABLES: &[&str] = &[
    "tenants",
    "users",
    "exams",
    "exam_sessions",
    "candidates",
    "entries",
    "results",
    "result_components",
    "result_shares",
    "policy_assignments",
    "audit_log",
];

/// Row counts of `TABLES` and every tenant's code, users and candidates' ID numbers.
fn fingerprint(url: &str) -> (Vec<(String, i64)>, Vec<String>) {
    let db = tessera_storage::Db::open(url, 1).unwrap();
    let mut c = db.conn().unwrap();
    let counts = TABLES
        .iter()
        .map(|t| {
            let n = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {t}")).get_result::<Count>(&mut *c).unwrap().n;
            (t.to_string(), n)
        })
        .collect();
    let mut facts = Vec::new();
    for t in tessera_storage::repo::tenants::list(&mut c).unwrap() {
        facts.push(format!("tenant {} {} {}", t.slug, t.kind.as_str(), t.name));
        for u in tessera_storage::repo::users::list(&mut c, t.id).unwrap() {
            facts.push(format!("user {} {} {}", t.slug, u.login, u.role));
        }
    }
    facts.sort();
    (counts, facts)
}

/// A server whose SQLite file (if any) lives in `dir`, so it outlives the server.
async fn start_in(backend: Backend, dir: &Path) -> TestServer {
    let url = fresh_database(backend, dir);
    TestServer::start_with(backend, |cfg| cfg.database.url = url).await
}

/// A first start with `tessera tls self-signed`: curl verifies the certificate (no -k) on the
/// TLS port, and the plain-HTTP listener redirects to HTTPS keeping path and query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_signed_certificate_serves_https_and_plain_http_redirects() {
    let dir = tempfile::tempdir().unwrap();
    let tls = dir.path().join("tls");
    let data = dir.path().to_str().unwrap();
    let (code, out, err) =
        tessera(&["tls", "self-signed", "--dir", tls.to_str().unwrap()], &[("TESSERA_DATA_DIR", data)], None);
    assert_eq!(code, 0, "{err}");
    let (cert, key) = (tls.join("cert.pem"), tls.join("key.pem"));
    assert!(out.contains(cert.to_str().unwrap()) && out.contains(key.to_str().unwrap()), "prints the paths: {out}");
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600, "the key is private");
    let before = std::fs::read(&cert).unwrap();

    // A second run refuses to overwrite (conflict) and changes nothing; --force replaces.
    let (code, _, err) =
        tessera(&["tls", "self-signed", "--dir", tls.to_str().unwrap()], &[("TESSERA_DATA_DIR", data)], None);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read(&cert).unwrap(), before);
    let (code, _, err) = tessera(
        &["tls", "self-signed", "--dir", tls.to_str().unwrap(), "--force", "--hostname", "localhost"],
        &[("TESSERA_DATA_DIR", data)],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert_ne!(std::fs::read(&cert).unwrap(), before, "--force wrote a new certificate");

    let redirect_port = free_port();
    let srv = TestServer::start_with(Backend::Sqlite, |cfg| {
        cfg.server.tls_cert = Some(cert.clone());
        cfg.server.tls_key = Some(key.clone());
        cfg.server.redirect_http_from = Some(format!("127.0.0.1:{redirect_port}"));
    })
    .await;
    let port = srv.running.as_ref().unwrap().addr.port();
    let https = format!("https://localhost:{port}/healthz");
    let (ok, body) = tokio::task::spawn_blocking(move || {
        curl(&["-sf", "--max-time", "10", "--cacert", cert.to_str().unwrap(), &https])
    })
    .await
    .unwrap();
    assert!(ok && body == "ok", "curl trusts the self-signed certificate for localhost: {body}");

    let plain = format!("http://localhost:{redirect_port}/t/pl078/login?next=%2Fcentre");
    let (ok, head) = tokio::task::spawn_blocking(move || curl(&["-si", "--max-time", "10", &plain])).await.unwrap();
    assert!(ok, "the redirect listener answers");
    let head = head.to_lowercase();
    assert!(head.starts_with("http/1.1 308"), "permanent redirect: {head}");
    assert!(
        head.contains(&format!("location: https://localhost:{port}/t/pl078/login?next=%2fcentre")),
        "to the same host on the TLS port, path and query kept: {head}"
    );
    srv.stop().await;
}

/// The redirect needs TLS: without a certificate the key is refused by name.
#[test]
fn redirect_without_tls_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = tessera(
        &["config", "check"],
        &[("TESSERA_DATA_DIR", dir.path().to_str().unwrap()), ("TESSERA_SERVER__REDIRECT_HTTP_FROM", "127.0.0.1:8081")],
        None,
    );
    assert_eq!(code, 3);
    assert!(err.contains("server.redirect_http_from"), "{err}");
}

fn metric_value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series).and_then(|rest| rest.trim().parse().ok()))
}

/// `/metrics` counts requests by route template and status, times them, counts policy
/// decisions and failures, reports the job queue and registers the search latency histogram.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_after_some_requests() {
    let srv = TestServer::start_with(Backend::Sqlite, |cfg| install_plugins(cfg.plugins.dir.as_ref().unwrap())).await;
    srv.tenant("pl001", TenantKind::Centre);
    let inst = {
        let mut c = srv.db().conn().unwrap();
        tessera_storage::repo::tenants::by_slug(&mut c, "installation").unwrap()
    };
    srv.user(&inst, "admin@tessera.test", Role::InstallationAdmin);
    let http = client();
    for _ in 0..3 {
        assert_eq!(http.get(srv.url("/healthz")).send().await.unwrap().status(), 200);
    }
    assert_eq!(http.get(srv.url("/t/pl001/login")).send().await.unwrap().status(), 200);
    let csrf = api_login(&http, &srv, "installation", "admin@tessera.test", PASSWORD).await;
    let decide = |facts: serde_json::Value| {
        http.post(srv.url("/api/v1/tenants/pl001/decisions/photo")).header("x-csrf-token", &csrf).json(&facts).send()
    };
    let ok = decide(
        serde_json::json!({"exam": "fce", "candidate_date_of_birth": "1995-01-01", "registration_date": "2026-04-10"}),
    );
    assert_eq!(ok.await.unwrap().status(), 200, "baseline decides photo");
    let bad = decide(serde_json::json!({"exam": 42}));
    assert_eq!(bad.await.unwrap().status(), 422, "bad facts fail the decision closed");

    let res = http.get(srv.url("/metrics")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    let healthz = metric_value(&text, r#"tessera_http_requests_total{method="GET",route="/healthz",status="200"}"#);
    assert!(healthz.is_some_and(|n| n >= 3.0), "three health checks counted:\n{text}");
    assert!(
        metric_value(&text, r#"tessera_http_requests_total{method="GET",route="/t/{tenant}/login",status="200"}"#)
            .is_some(),
        "labelled by the route template, not the concrete path:\n{text}"
    );
    assert!(!text.contains("route=\"/t/pl001/login\""), "no per-tenant series");
    assert!(
        text.contains(r#"tessera_http_request_duration_seconds_bucket{method="GET",route="/healthz",le="0.005"}"#),
        "a latency histogram with buckets:\n{text}"
    );
    assert!(
        metric_value(&text, r#"tessera_policy_decisions_total{kind="photo",plugin="baseline"}"#) == Some(1.0),
        "one decision:\n{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("tessera_policy_failures_total{kind=\"photo\",plugin=\"baseline\"")),
        "one failure:\n{text}"
    );
    assert_eq!(metric_value(&text, r#"tessera_jobs{status="queued"}"#), Some(0.0), "job queue depth:\n{text}");
    assert!(text.contains("tessera_search_duration_seconds"), "search latency is registered:\n{text}");
    srv.stop().await;
}

/// With `server.metrics_token`, `/metrics` wants it as a bearer token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_token_is_required_when_set() {
    let token = "0123456789abcdef-metrics";
    let srv = TestServer::start_with(Backend::Sqlite, |cfg| cfg.server.metrics_token = Some(token.into())).await;
    let http = client();
    assert_eq!(http.get(srv.url("/metrics")).send().await.unwrap().status(), 401);
    let wrong = http.get(srv.url("/metrics")).bearer_auth("0123456789abcdef-wrong!!").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let right = http.get(srv.url("/metrics")).bearer_auth(token).send().await.unwrap();
    assert_eq!(right.status(), 200);
    srv.stop().await;
}

/// `tessera doctor` on a good installation: every finding on its own line, exit 0. On a
/// broken one (configuration writable by everyone, database unreachable, no plugins): each
/// problem named on its own line, exit 1.
#[test]
fn doctor_on_a_good_and_a_broken_installation() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o750)).unwrap();
    install_plugins(&data.join("plugins"));
    let config = dir.path().join("tessera.toml");
    std::fs::write(&config, format!("data_dir = \"{}\"\n", data.display())).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).unwrap();
    let cfg = config.to_str().unwrap();
    let (code, _, err) = tessera(&["--config", cfg, "migrate"], &[], None);
    assert_eq!(code, 0, "{err}");

    let (code, out2, err) = tessera(&["--config", cfg, "doctor"], &[], None);
    assert_eq!(code, 0, "{out2}{err}");
    for area in ["configuration", "data folder", "disk", "database", "plugins"] {
        assert!(out2.lines().any(|l| l.starts_with("ok") && l.contains(area)), "an ok finding for {area}:\n{out2}");
    }
    assert!(!out2.lines().any(|l| l.starts_with("error")), "{out2}");

    // Broken: the file is writable by everyone, the database is a closed port, no plugins.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::remove_dir_all(data.join("plugins")).unwrap();
    let closed = format!("postgres://tessera:s3cretpw@127.0.0.1:{}/tessera?connect_timeout=2", free_port());
    let (code, out, err) = tessera(&["--config", cfg, "doctor"], &[("TESSERA_DATABASE__URL", closed.as_str())], None);
    assert_eq!(code, 1, "{out}{err}");
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("error")).collect();
    assert!(errors.iter().any(|l| l.contains("configuration") && l.contains("writable by everyone")), "{out}");
    assert!(errors.iter().any(|l| l.contains("database")), "{out}");
    assert!(errors.iter().any(|l| l.contains("plugins") && l.contains("does not exist")), "{out}");
    assert!(err.contains("3 problem(s)"), "the summary counts them: {err}");
    assert!(!out.contains("s3cretpw") && !err.contains("s3cretpw"), "the database password is never printed: {out}");

    // Pending migrations are a problem too: a fresh SQLite file that was never migrated.
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).unwrap();
    install_plugins(&data.join("plugins"));
    let empty = dir.path().join("empty.db");
    diesel::SqliteConnection::establish(empty.to_str().unwrap()).unwrap();
    let url = format!("sqlite://{}", empty.display());
    let (code, out, _) = tessera(&["--config", cfg, "doctor"], &[("TESSERA_DATABASE__URL", url.as_str())], None);
    assert_eq!(code, 1, "{out}");
    assert!(out.lines().any(|l| l.starts_with("error") && l.contains("pending migration")), "{out}");
}

/// Backup, change, restore: the data is what it was at the backup, and a demo user signs in.
/// Restoring into a brand-new database gives the same data too.
async fn backup_and_restore_round_trip(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    install_plugins(&data.join("plugins"));
    let srv = start_in(backend, dir.path()).await;
    srv.demo();
    let url = srv.database_url.clone();
    let before = fingerprint(&url);
    assert!(before.0.iter().any(|(t, n)| t == "candidates" && *n == 400), "{before:?}");

    let file = dir.path().join("tessera-backup.tar.gz");
    let file_s = file.to_str().unwrap();
    let (code, out, err) = cli(&url, &data, &["backup", "--to", file_s]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(file_s), "{out}");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "a backup holds secrets");
    let (code, _, err) = cli(&url, &data, &["backup", "--to", file_s]);
    assert_eq!(code, 4, "no silent overwrite: {err}");

    // Changes after the backup ...
    let (code, _, err) = cli(
        &url,
        &data,
        &[
            "tenant",
            "create",
            "--kind",
            "centre",
            "--name",
            "After The Backup",
            "--slug",
            "late01",
            "--country",
            "PL",
            "--timezone",
            "Europe/Warsaw",
        ],
    );
    assert_eq!(code, 0, "{err}");
    std::fs::remove_file(data.join("plugins/it.wasm")).unwrap();
    srv.stop().await;
    assert_ne!(fingerprint(&url), before);

    // ... a restore over data needs --force, and writes nothing without it.
    let (code, _, err) = cli(&url, &data, &["restore", "--from", file_s]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_ne!(fingerprint(&url), before, "nothing restored without --force");
    let (code, out, err) = cli(&url, &data, &["restore", "--from", file_s, "--force"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(fingerprint(&url), before, "the data is as it was at the backup");
    assert!(data.join("plugins/it.wasm").is_file(), "plugins restored");

    // A fresh installation (new database and data folder) restored from the file.
    let fresh_dir = tempfile::tempdir().unwrap();
    let fresh_url = fresh_database(backend, fresh_dir.path());
    let fresh_data = fresh_dir.path().join("data");
    let (code, out, err) = cli(&fresh_url, &fresh_data, &["restore", "--from", file_s]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(fingerprint(&fresh_url), before);
    assert!(fresh_data.join("plugins/baseline.wasm").is_file());

    // The restored installation serves: a demo user signs in with the demo password.
    let srv = TestServer::start_with(backend, |cfg| cfg.database.url = fresh_url.clone()).await;
    let http = client();
    api_login(&http, &srv, "pl078", "manager@pl078.example", tessera_daemon::demo::DEMO_PASSWORD).await;
    srv.stop().await;

    // Garbage is refused as such.
    let junk = dir.path().join("junk.tar.gz");
    std::fs::write(&junk, b"not a backup").unwrap();
    let (code, _, err) = cli(&fresh_url, &fresh_data, &["restore", "--from", junk.to_str().unwrap(), "--force"]);
    assert_eq!(code, 2, "{err}");
}

both_backends!(backup_and_restore_round_trip);

/// A SQLite installation moves onto PostgreSQL: every table copied with its row count
/// verified, a second copy into the now non-empty target refused, and a demo user signs in
/// against the new database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn migrate_db_from_sqlite_to_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let srv = start_in(Backend::Sqlite, dir.path()).await;
    srv.demo();
    let from = srv.database_url.clone();
    srv.stop().await;
    let before = fingerprint(&from);
    let to = fresh_database(Backend::Postgres, dir.path());

    let (code, _, err) = tessera(&["migrate-db", "--from", &from, "--to", &from], &[], None);
    assert_eq!(code, 2, "the target must be PostgreSQL: {err}");
    let (code, out, err) = tessera(&["migrate-db", "--from", &from, "--to", &to], &[], None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("row counts verified"), "{out}");
    assert!(out.lines().any(|l| l.trim_start().starts_with("candidates") && l.contains("400")), "{out}");
    assert_eq!(fingerprint(&to), before, "every row arrived");

    let (code, _, err) = tessera(&["migrate-db", "--from", &from, "--to", &to], &[], None);
    assert_eq!(code, 4, "a non-empty target is refused: {err}");
    assert!(err.contains("not empty"), "{err}");
    assert_eq!(fingerprint(&to), before, "and left as it was");

    let srv = TestServer::start_with(Backend::Postgres, |cfg| cfg.database.url = to.clone()).await;
    let http = client();
    api_login(&http, &srv, "pl078", "manager@pl078.example", tessera_daemon::demo::DEMO_PASSWORD).await;
    let me: serde_json::Value = http.get(srv.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["role"], "centre_manager", "{me}");
    srv.stop().await;
}

/// Every operations command explains itself, and bad arguments are refused before anything
/// is written.
#[test]
fn operations_commands_have_help_and_refuse_bad_arguments() {
    for args in [
        vec!["tls", "self-signed", "--help"],
        vec!["doctor", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
        vec!["migrate-db", "--help"],
        vec!["healthcheck", "--help"],
    ] {
        let (code, out, _) = tessera(&args, &[], None);
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains("Usage: tessera"), "{args:?}: {out}");
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let env = [("TESSERA_DATA_DIR", data)];
    let (code, _, err) = tessera(&["tls", "self-signed", "--days", "0"], &env, None);
    assert_eq!(code, 2, "{err}");
    assert!(!dir.path().join("tls").exists(), "nothing written");
    let (code, _, err) = tessera(&["backup", "--to", "/nonexistent/folder/b.tar.gz"], &env, None);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) =
        tessera(&["restore", "--from", dir.path().join("missing.tar.gz").to_str().unwrap()], &env, None);
    assert_eq!(code, 5, "{err}");
    let (code, _, err) =
        tessera(&["migrate-db", "--from", "postgres://x@127.0.0.1/x", "--to", "postgres://y@127.0.0.1/y"], &env, None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--from"), "{err}");
    let (code, _, err) = tessera(
        &["healthcheck"],
        &[("TESSERA_DATA_DIR", data), ("TESSERA_SERVER__LISTEN", &format!("127.0.0.1:{}", free_port()))],
        None,
    );
    assert_eq!(code, 1, "nobody listens: {err}");
}
