//! Policy plugins through the appliance: the `tessera plugin` commands, assignments per tenant
//! and kind with `baseline` as the fallback, hot reload under a running server, and a hostile
//! plugin contained with the failure audited. The plugins are the real `.wasm` files built from
//! `plugins/` by `plugins/build.sh` (the test script sets TESSERA_PLUGINS_DIST).

use crate::support::*;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tessera_domain::{Role, TenantKind};

fn dist() -> PathBuf {
    let dir = std::env::var("TESSERA_PLUGINS_DIST")
        .expect("TESSERA_PLUGINS_DIST is not set: run the suite with `bash tests/run.sh`, which builds the plugins");
    let dir = PathBuf::from(dir);
    assert!(dir.join("pl.wasm").is_file(), "{} has no pl.wasm: run plugins/build.sh first", dir.display());
    dir
}

fn cli(data: &Path, args: &[&str]) -> (i32, String, String) {
    tessera(args, &[("TESSERA_DATA_DIR", data.to_str().unwrap())], None)
}

// Absent through illness, the medical certificate on the centre's form on day 14.
const ILLNESS_FACTS: &str = r#"{
  "reason": {"type": "illness"},
  "paid": {"amount_minor": 80000, "currency": "PLN"},
  "request_date": "2026-06-15",
  "last_registration_day": "2026-04-30",
  "written_exam_date": "2026-06-13",
  "documents_received_date": "2026-06-27",
  "documents": ["refund_request_form", "medical_certificate_on_centre_form"]
}"#;

#[test]
fn plugin_commands_check_install_assign_and_run() {
    let dist = dist();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (code, out, err) = cli(d, &["plugin", "check", dist.join("pl.wasm").to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok: plugin `pl`") && out.contains("refund"), "{out}");

    // A module that is not WASM at all is refused with a clear cause, and nothing is installed.
    let bad = d.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("broken.wasm"), b"not wasm").unwrap();
    std::fs::write(bad.join("broken.toml"), "name = \"broken\"\nversion = \"1.0.0\"\nabi = 1\nkinds = [\"photo\"]\n")
        .unwrap();
    let (code, _, err) = cli(d, &["plugin", "install", bad.join("broken.wasm").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("broken") && err.contains("invalid_module"), "{err}");

    for name in ["baseline", "pl", "it"] {
        let (code, out, err) = cli(d, &["plugin", "install", dist.join(format!("{name}.wasm")).to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(&format!("installed plugin `{name}`")));
    }
    let (code, out, _) = cli(d, &["plugin", "list", "--json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    let names: Vec<_> = list.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["baseline", "it", "pl"], "the broken plugin was not installed");

    let (code, _, err) = cli(
        d,
        &[
            "tenant",
            "create",
            "--kind",
            "centre",
            "--name",
            "PL078 Katowice",
            "--slug",
            "pl078",
            "--country",
            "PL",
            "--timezone",
            "Europe/Warsaw",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let facts = d.join("facts.json");
    std::fs::write(&facts, ILLNESS_FACTS).unwrap();

    // Without an assignment the baseline plugin decides.
    let (code, out, err) =
        cli(d, &["plugin", "run", "--tenant", "pl078", "--kind", "refund", "--input", facts.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let decision: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(decision["plugin"], "baseline");

    let (code, _, err) = cli(d, &["plugin", "assign", "--tenant", "pl078", "--kind", "refund", "nope"]);
    assert_eq!(code, 5, "{err}");
    let (code, _, err) = cli(d, &["plugin", "assign", "--tenant", "pl078", "--kind", "refund", "it"]);
    assert_eq!(code, 2, "`it` decides photos only: {err}");
    assert!(err.contains("does not decide on refunds (it decides on: photos)"), "the questions in words: {err}");
    let (code, _, err) = cli(d, &["plugin", "assign", "--tenant", "pl078", "--kind", "refunds", "pl"]);
    assert_eq!(code, 2, "{err}");
    let (code, out, err) = cli(d, &["plugin", "assign", "--tenant", "PL078", "--kind", "refund", "pl"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("`pl` now decides refund for `pl078`"));

    // R-PL-REFUND-MEDICAL: absent through illness, certificate within 14 days: 60%.
    let (code, out, err) =
        cli(d, &["plugin", "run", "--tenant", "pl078", "--kind", "refund", "--input", facts.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let decision: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(decision["plugin"], "pl");
    assert_eq!(decision["version"], "1.0.0");
    assert_eq!(decision["decision"]["basis_points"], 6000, "{decision}");
    assert_eq!(decision["decision"]["amount"]["amount_minor"], 48000);

    std::fs::write(&facts, "{\"reason\": 12}").unwrap();
    let (code, _, err) =
        cli(d, &["plugin", "run", "--tenant", "pl078", "--kind", "refund", "--input", facts.to_str().unwrap()]);
    assert_eq!(code, 6, "facts the plugin cannot read fail closed: {err}");
    assert!(err.contains("`pl`") && err.contains("refund"), "the error names plugin and kind: {err}");
}

/// A regional admin's round: a plugin dropped into a running server's folder is used at once,
/// a new version takes over without a restart, a broken one leaves the old in service, and a
/// hostile one fails closed with the failure in the audit log while the server keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_reload_under_a_running_server() {
    let dist = dist();
    let srv = TestServer::start(Backend::Sqlite).await;
    let plugins = srv.running.as_ref().unwrap().state.policies.dir().to_path_buf();
    for name in ["baseline", "it"] {
        std::fs::copy(dist.join(format!("{name}.wasm")), plugins.join(format!("{name}.wasm"))).unwrap();
        std::fs::copy(dist.join(format!("{name}.toml")), plugins.join(format!("{name}.toml"))).unwrap();
    }
    let mut c = srv.db().conn().unwrap();
    let inst = tessera_storage::repo::tenants::installation(&mut c, start_instant()).unwrap();
    drop(c);
    srv.user(&inst, "admin@tessera.local", Role::InstallationAdmin);
    srv.tenant("it001", TenantKind::Centre);
    let http = client();
    let csrf = api_login(&http, &srv, "installation", "admin@tessera.local", PASSWORD).await;

    let listed = |http: reqwest::Client, url: String| async move {
        let v: serde_json::Value = http.get(url).send().await.unwrap().json().await.unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}@{}", p["name"].as_str().unwrap(), p["version"].as_str().unwrap()))
            .collect::<Vec<_>>()
    };
    let mut seen = vec![];
    for _ in 0..60 {
        seen = listed(http.clone(), srv.url("/api/v1/plugins")).await;
        if seen.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen, ["baseline@1.0.0", "it@1.0.0"], "dropped-in plugins are picked up without a restart");

    let res = http
        .put(srv.url("/api/v1/tenants/it001/policies/photo"))
        .header("x-csrf-token", &csrf)
        .json(&serde_json::json!({"plugin": "it", "config": {"photographed_exams": ["cae"]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let facts =
        serde_json::json!({"exam": "fce", "candidate_date_of_birth": "1995-01-01", "registration_date": "2026-04-10"});
    let decide = |http: reqwest::Client, url: String, csrf: String, facts: serde_json::Value| async move {
        let res = http.post(url).header("x-csrf-token", csrf).json(&facts).send().await.unwrap();
        (res.status().as_u16(), res.json::<serde_json::Value>().await.unwrap())
    };
    let url = srv.url("/api/v1/tenants/it001/decisions/photo");
    let (status, d) = decide(http.clone(), url.clone(), csrf.clone(), facts.clone()).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!((d["plugin"].as_str(), d["version"].as_str()), (Some("it"), Some("1.0.0")));
    assert_eq!(d["output"]["required"], false, "the tenant's configuration photographs only CAE, not FCE");

    // A new version, installed with the CLI into the server's folder, takes over by itself.
    let v2 = tempfile::tempdir().unwrap();
    std::fs::copy(dist.join("it.wasm"), v2.path().join("it.wasm")).unwrap();
    let manifest =
        std::fs::read_to_string(dist.join("it.toml")).unwrap().replace("version = \"1.0.0\"", "version = \"1.1.0\"");
    std::fs::write(v2.path().join("it.toml"), manifest).unwrap();
    let (code, _, err) = tessera(
        &["plugin", "install", v2.path().join("it.toml").to_str().unwrap()],
        &[("TESSERA_PLUGINS__DIR", plugins.to_str().unwrap()), ("TESSERA_DATA_DIR", v2.path().to_str().unwrap())],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let mut version = String::new();
    for _ in 0..50 {
        let (_, d) = decide(http.clone(), url.clone(), csrf.clone(), facts.clone()).await;
        version = d["version"].as_str().unwrap_or_default().to_owned();
        if version == "1.1.0" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(version, "1.1.0", "the new version decides without a restart");

    // A broken new version (a module that does not compile) leaves 1.1.0 in service.
    std::fs::write(
        plugins.join("it.toml.tmp"),
        std::fs::read_to_string(plugins.join("it.toml"))
            .unwrap()
            .replace("1.1.0", "1.2.0")
            .replace(&sha_line(&plugins), ""),
    )
    .unwrap();
    std::fs::write(plugins.join("it.wasm"), b"\0asm garbage").unwrap();
    std::fs::rename(plugins.join("it.toml.tmp"), plugins.join("it.toml")).unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (status, d) = decide(http.clone(), url.clone(), csrf.clone(), facts.clone()).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["version"], "1.1.0", "the old version stays in service");

    // A hostile plugin that never stops: contained, fails closed, audited, server still serves.
    write_spinning_plugin(&plugins, "photo");
    let mut assigned = 0;
    for _ in 0..50 {
        let res = http
            .put(srv.url("/api/v1/tenants/it001/policies/photo"))
            .header("x-csrf-token", &csrf)
            .json(&serde_json::json!({"plugin": "spin"}))
            .send()
            .await
            .unwrap();
        assigned = res.status().as_u16();
        if assigned == 204 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(assigned, 204, "the spinning plugin loads (its checks pass; its behaviour does not)");
    let (status, err) = decide(http.clone(), url.clone(), csrf.clone(), facts.clone()).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["code"], "policy_failed");
    let msg = err["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("spin") && msg.contains("0.1.0") && msg.contains("photo") && msg.contains("fuel_exhausted"),
        "{msg}"
    );
    assert_eq!(http.get(srv.url("/healthz")).send().await.unwrap().status(), 200, "the server keeps serving");

    // The audit trail of the tenant shows who decided what, and the failure.
    let mut c = srv.db().conn().unwrap();
    let t = tessera_storage::repo::tenants::by_slug(&mut c, "it001").unwrap();
    let decisions = tessera_storage::repo::audit::recent(&mut c, t.id, Some("policy.decision"), 50).unwrap();
    assert!(
        decisions
            .iter()
            .any(|r| r.details.contains("\"version\":\"1.1.0\"") && r.details.contains("\"plugin\":\"it\""))
    );
    let failures = tessera_storage::repo::audit::recent(&mut c, t.id, Some("policy.failure"), 50).unwrap();
    assert_eq!(failures.len(), 1);
    assert!(failures[0].details.contains("fuel_exhausted"));
    drop(c);
    srv.stop().await;
}

fn sha_line(plugins: &Path) -> String {
    std::fs::read_to_string(plugins.join("it.toml"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("sha256"))
        .map(|l| format!("{l}\n"))
        .unwrap_or_default()
}

/// The plugins folder settles after a change: one reload per change (debounced), none while
/// idle (the reload's own reads of the files are not changes), and an invalid plugin does not
/// keep it busy. The CPU the process used while idle is printed as a figure, not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugin_watcher_settles_after_a_change() {
    let srv = TestServer::start_with_plugins(Backend::Sqlite).await;
    let plugins = srv.running.as_ref().unwrap().state.policies.dir().to_path_buf();
    let http = client();
    let reloads = || {
        let (http, url) = (http.clone(), srv.url("/metrics"));
        async move {
            let text = http.get(url).send().await.unwrap().text().await.unwrap();
            text.lines()
                .find_map(|l| {
                    l.strip_prefix("tessera_policy_reloads_total ").and_then(|n| n.trim().parse::<u64>().ok())
                })
                .unwrap_or(0)
        }
    };
    let settle = || tokio::time::sleep(Duration::from_millis(1500));
    let wait_for_reload = |after: u64| {
        let reloads = &reloads;
        async move {
            for _ in 0..100 {
                if reloads().await > after {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            panic!("the watcher did not reload after a change");
        }
    };

    // An invalid plugin dropped in, then a manifest touched: one reload for the touch.
    let before = reloads().await;
    std::fs::write(plugins.join("broken.wasm"), b"\0asm garbage").unwrap();
    std::fs::write(
        plugins.join("broken.toml"),
        "name = \"broken\"\nversion = \"0.1.0\"\nabi = 1\nkinds = [\"photo\"]\n",
    )
    .unwrap();
    wait_for_reload(before).await;
    settle().await;
    let before = reloads().await;
    let manifest = std::fs::File::options().append(true).open(plugins.join("it.toml")).unwrap();
    manifest.set_modified(std::time::SystemTime::now()).unwrap();
    drop(manifest);
    wait_for_reload(before).await;
    settle().await;
    let after_touch = reloads().await;
    assert_eq!(after_touch, before + 1, "one reload for one change");

    // Idle: no reload at all.
    let cpu_before = process_cpu_ticks();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cpu_after = process_cpu_ticks();
    assert_eq!(reloads().await, after_touch, "an idle server does not reload");
    println!(
        "figure: CPU used by the whole test process over 3 s idle after a change: {} ticks of 1/100 s",
        cpu_after - cpu_before
    );
    srv.stop().await;
}

/// User plus system CPU time of this process, in clock ticks (`/proc/self/stat`).
fn process_cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}
