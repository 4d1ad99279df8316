//! The `tessera` command line as an installation admin drives it: exit codes, messages, and
//! that bad configuration or bad arguments write nothing.

use crate::support::*;

fn env_for(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![("TESSERA_DATA_DIR", dir.display().to_string())]
}

fn run(dir: &std::path::Path, args: &[&str], extra: &[(&str, &str)]) -> (i32, String, String) {
    let mut env: Vec<(&str, String)> = env_for(dir);
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tessera(args, &pairs, None)
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["tenant", "create", "--help"],
        vec!["tenant", "list", "--help"],
        vec!["user", "create", "--help"],
        vec!["demo", "--help"],
        vec!["config", "check", "--help"],
    ] {
        let (code, out, _) = tessera(&args, &[], None);
        assert_eq!(code, 0, "{args:?}");
        assert!(out.contains("Usage: tessera"), "{args:?}: {out}");
    }
    let (code, _, err) = tessera(&["tenant", "frobnicate"], &[], None);
    assert_eq!(code, 2, "unknown subcommand");
    assert!(err.contains("unrecognized subcommand"));
}

#[test]
fn configuration_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(dir.path(), &["config", "check"], &[("TESSERA_SERVER__LISTEN", "not-an-address")]);
    assert_eq!(code, 3);
    assert!(err.contains("server.listen") && err.contains("127.0.0.1:8080"), "{err}");

    let file = dir.path().join("tessera.toml");
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:9000\"\nlisen = \"typo\"\n").unwrap();
    let (code, _, err) = run(dir.path(), &["--config", file.to_str().unwrap(), "config", "check"], &[]);
    assert_eq!(code, 3);
    assert!(err.contains("lisen"), "an unknown key is named: {err}");

    std::fs::write(&file, "[database]\npool_size = \"many\"\n").unwrap();
    let (code, _, err) = run(dir.path(), &["--config", file.to_str().unwrap(), "config", "check"], &[]);
    assert_eq!(code, 3);
    assert!(err.contains("database.pool_size"), "{err}");

    std::fs::write(&file, "[mail]\ntransport = \"pigeon\"\n").unwrap();
    let (code, _, err) = run(dir.path(), &["--config", file.to_str().unwrap(), "config", "check"], &[]);
    assert_eq!(code, 3);
    assert!(err.contains("mail.transport") && err.contains("smtp"), "{err}");

    let (code, _, err) = run(dir.path(), &["--config", "/nonexistent/tessera.toml", "config", "check"], &[]);
    assert_eq!(code, 3);
    assert!(err.contains("/nonexistent/tessera.toml"), "{err}");

    let (code, _, err) = run(dir.path(), &["migrate"], &[("TESSERA_DATABASE__URL", "mysql://x")]);
    assert_eq!(code, 3);
    assert!(err.contains("database.url"), "{err}");
    assert!(!dir.path().join("tessera.db").exists(), "a bad configuration writes nothing");

    // The environment overrides the file; secrets are masked in the printout.
    std::fs::write(&file, "[server]\nlisten = \"127.0.0.1:9000\"\n[mail]\nsmtp_password = \"hunter2-secret\"\n")
        .unwrap();
    let (code, out, _) = run(
        dir.path(),
        &["--config", file.to_str().unwrap(), "config", "check"],
        &[
            ("TESSERA_SERVER__LISTEN", "0.0.0.0:9443"),
            ("TESSERA_DATABASE__URL", "postgres://tessera:pg-secret@db.example/tessera"),
        ],
    );
    assert_eq!(code, 0);
    assert!(out.contains("listen = \"0.0.0.0:9443\""), "{out}");
    assert!(!out.contains("hunter2-secret") && !out.contains("pg-secret"), "secrets are masked: {out}");
    assert!(out.contains("postgres://tessera:********@db.example/tessera"), "{out}");
}

#[test]
fn tenants_and_users_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, out, _) = run(d, &["migrate"], &[]);
    assert_eq!(code, 0);
    // Any number of migrations (each area adds its own), the foundation's first.
    assert!(out.starts_with("applied ") && out.contains("20261122000001"), "{out}");
    let (code, out, _) = run(d, &["migrate"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("up to date"));

    let create = |extra: &[&str]| {
        let mut args = vec![
            "tenant",
            "create",
            "--kind",
            "centre",
            "--name",
            "PL078 International House Integra Katowice",
            "--country",
            "PL",
            "--timezone",
            "Europe/Warsaw",
            "--locale",
            "pl",
        ];
        args.extend_from_slice(extra);
        run(d, &args, &[])
    };
    let (code, out, err) = create(&["--slug", "pl078"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created centre tenant `pl078`"), "{out}");
    let (code, _, err) = create(&["--slug", "pl078"]);
    assert_eq!(code, 4, "a taken code is a conflict");
    assert!(err.contains("pl078") && err.contains("already exists"), "{err}");
    let (code, _, err) = run(
        d,
        &["tenant", "create", "--kind", "school", "--name", "X", "--country", "PL", "--timezone", "Europe/Warsaw"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--kind") && err.contains("centre, verifier"), "{err}");
    let (code, _, err) = run(
        d,
        &["tenant", "create", "--kind", "centre", "--name", "X", "--country", "PL", "--timezone", "Europe/Katowice"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--timezone"), "{err}");
    let (code, _, err) = run(
        d,
        &["tenant", "create", "--kind", "centre", "--name", "X", "--country", "Poland", "--timezone", "Europe/Warsaw"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("--country"), "{err}");

    let (code, out, _) = run(d, &["tenant", "list", "--json"], &[]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let slugs: Vec<_> = list.as_array().unwrap().iter().map(|t| t["slug"].as_str().unwrap().to_owned()).collect();
    assert_eq!(slugs, ["installation", "pl078"], "bad commands wrote nothing");

    let (code, _, err) = tessera(
        &["user", "create", "--tenant", "pl078", "--role", "verifier_admin", "--email", "a@b.example", "--name", "A"],
        &[("TESSERA_DATA_DIR", d.to_str().unwrap())],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("--role"), "{err}");
    let (code, _, err) = tessera(
        &["user", "create", "--tenant", "nope", "--role", "centre_staff", "--email", "a@b.example", "--name", "A"],
        &[("TESSERA_DATA_DIR", d.to_str().unwrap())],
        None,
    );
    assert_eq!(code, 5, "{err}");
    let (code, _, err) = tessera(
        &[
            "user",
            "create",
            "--tenant",
            "pl078",
            "--role",
            "centre_staff",
            "--email",
            "ewa@pl078.example",
            "--name",
            "Ewa",
            "--password-stdin",
        ],
        &[("TESSERA_DATA_DIR", d.to_str().unwrap())],
        Some("weak\n"),
    );
    assert_eq!(code, 2, "R-PASSWORD applies on the command line too");
    assert!(err.contains("at least 2 digits"), "{err}");
    let (code, out, err) = tessera(
        &[
            "user",
            "create",
            "--tenant",
            "pl078",
            "--role",
            "centre_staff",
            "--email",
            "ewa@pl078.example",
            "--name",
            "Ewa",
            "--password-stdin",
        ],
        &[("TESSERA_DATA_DIR", d.to_str().unwrap())],
        Some("strong pass 42\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("created centre_staff `ewa@pl078.example`"));
    let (code, out, err) = tessera(
        &[
            "user",
            "create",
            "--tenant",
            "pl078",
            "--role",
            "centre_manager",
            "--email",
            "jan@pl078.example",
            "--name",
            "Jan",
        ],
        &[("TESSERA_DATA_DIR", d.to_str().unwrap())],
        None,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("/t/pl078/password/reset/"), "without a password, a set-password link: {out}");

    // The user created on the command line signs in on the web.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut cfg = tessera_daemon::config::Config { data_dir: d.to_path_buf(), ..Default::default() };
        cfg.database.url = format!("sqlite://{}", d.join("tessera.db").display());
        cfg.server.listen = "127.0.0.1:0".into();
        cfg.mail.file_dir = Some(d.join("mail"));
        let running =
            tessera_daemon::server::start(&cfg, std::sync::Arc::new(tessera_domain::SystemClock)).await.unwrap();
        let res = client()
            .post(format!("http://{}/api/v1/auth/login", running.addr))
            .json(&serde_json::json!({"tenant": "pl078", "login": "ewa@pl078.example", "password": "strong pass 42"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        running.shutdown().await;
    });
}

#[test]
fn demo_is_deterministic_and_loads_once() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (code, out, err) = run(a.path(), &["demo"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("demo data loaded: 400 candidates"), "{out}");
    assert!(out.contains("manager@pl078.example") && out.contains("tessera2026"), "prints the logins: {out}");
    let (code, out, _) = run(a.path(), &["demo"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("already loaded"));
    let (code, _, _) = run(b.path(), &["demo"], &[]);
    assert_eq!(code, 0);
    let names = |dir: &std::path::Path| {
        let db = tessera_storage::Db::open(&format!("sqlite://{}", dir.join("tessera.db").display()), 1).unwrap();
        let mut c = db.conn().unwrap();
        let t = tessera_storage::repo::tenants::by_slug(&mut c, "pl078").unwrap();
        tessera_storage::repo::centre::candidates(&mut c, t.id, 0, 500)
            .unwrap()
            .into_iter()
            .map(|c| format!("{} {} {} {}", c.id_number, c.first_name, c.family_name, c.date_of_birth))
            .collect::<Vec<_>>()
    };
    let (na, nb) = (names(a.path()), names(b.path()));
    assert_eq!(na.len(), 240);
    assert_eq!(na, nb, "the same seed gives the same candidates");
    assert!(
        na.iter().any(|n| n.contains('ł') || n.contains('Ł') || n.contains('ż') || n.contains('ś')),
        "Polish names keep their diacritics"
    );
}

/// Secret numbers are hashed with keys kept in the data folder (mode 0600), never in the
/// database; rotating adds a current key and keeps the older ones.
#[test]
fn secret_number_keys_live_in_the_data_folder_and_rotate() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(dir.path(), &["demo"], &[]);
    assert_eq!(code, 0, "{err}");
    let file = dir.path().join(tessera_app::secrets::KEY_FILE);
    let keys = std::fs::read_to_string(&file).unwrap();
    assert_eq!(keys.lines().count(), 1, "{keys}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The demo's secret numbers are keyed hashes bound to each candidate; the key is not in the
    // database.
    let db = tessera_storage::Db::open(&format!("sqlite://{}", dir.path().join("tessera.db").display()), 1).unwrap();
    let mut c = db.conn().unwrap();
    let t = tessera_storage::repo::tenants::by_slug(&mut c, "pl078").unwrap();
    let hashes: Vec<String> = tessera_storage::repo::centre::candidates(&mut c, t.id, 0, 500)
        .unwrap()
        .into_iter()
        .filter_map(|c| c.secret_hash)
        .collect();
    assert!(!hashes.is_empty() && hashes.iter().all(|h| h.starts_with("keyed$k1$")), "{hashes:?}");
    let key_hex = keys.split_whitespace().nth(1).unwrap();
    let dump = std::fs::read(dir.path().join("tessera.db")).unwrap();
    assert!(!dump.windows(key_hex.len()).any(|w| w == key_hex.as_bytes()), "the key is not in the database");

    let (code, out, err) = run(dir.path(), &["secret-keys", "rotate"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added key k2"), "{out}");
    let rotated = std::fs::read_to_string(&file).unwrap();
    assert_eq!(rotated.lines().count(), 2);
    assert!(rotated.starts_with("k2 ") && rotated.contains(keys.trim()), "the old key stays: {rotated}");
}

/// The example configuration shipped in config/ is valid as it stands.
#[test]
fn the_example_configuration_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/tessera.example.toml");
    let (code, out, err) = run(dir.path(), &["--config", example, "config", "check"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("# configuration is valid"));
}

fn wait_for_health(url: &str) {
    for _ in 0..100 {
        let ok = std::process::Command::new("curl")
            .args(["-skf", "--max-time", "2", url])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if ok {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{url} never answered");
}

/// `tessera serve` speaks HTTPS with the configured certificate, sets Secure cookies, and stops
/// cleanly (exit 0) on SIGTERM.
#[test]
fn serve_with_tls_and_stop_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
    let ok = std::process::Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl")
        .status
        .success();
    assert!(ok, "openssl made a test certificate");
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("serve")
        .env("TESSERA_DATA_DIR", d)
        .env("TESSERA_SERVER__LISTEN", &listen)
        .env("TESSERA_SERVER__TLS_CERT", &cert)
        .env("TESSERA_SERVER__TLS_KEY", &key)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("https://localhost:{port}");
    wait_for_health(&format!("{base}/healthz"));
    let out = std::process::Command::new("curl").args(["-sk", "-i", &format!("{base}/t/nope/login")]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("HTTP/"), "{text}");
    let out = std::process::Command::new("curl").args(["-sk", "-i", &format!("{base}/")]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(
        text.contains("set-cookie: tessera_csrf=") && text.contains("; secure"),
        "cookies are Secure under TLS: {text}"
    );
    let plain = std::process::Command::new("curl")
        .args(["-s", "--max-time", "2", &format!("http://127.0.0.1:{port}/healthz")])
        .output()
        .unwrap();
    assert_ne!(String::from_utf8_lossy(&plain.stdout), "ok", "no plain HTTP on the TLS port");

    let killed = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("tessera serve did not stop within 10 s of SIGTERM");
}

/// Logs written to a file or a pipe (journald, a container runtime) carry no ANSI colour codes.
#[test]
fn logs_have_no_colour_codes_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let port = free_port();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"))
        .arg("serve")
        .env("TESSERA_DATA_DIR", dir.path())
        .env("TESSERA_SERVER__LISTEN", format!("127.0.0.1:{port}"))
        .env_remove("NO_COLOR")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    wait_for_health(&format!("http://127.0.0.1:{port}/healthz"));
    let _ = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let text = std::fs::read_to_string(dir.path().join("serve.log")).unwrap();
    assert!(text.contains("INFO"), "the server logged: {text}");
    assert!(!text.contains('\u{1b}'), "no escape sequences in a log file: {text:?}");
}
