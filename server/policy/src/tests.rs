//! Host tests: every shipped fixture through the real host, hostile modules, hot reload.
//!
//! The shipped plugins come from `plugins/build.sh OUTDIR` with `TESSERA_PLUGINS_DIST=OUTDIR`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::*;

fn dist() -> PathBuf {
    let dir = std::env::var_os("TESSERA_PLUGINS_DIST")
        .map(PathBuf::from)
        .expect("TESSERA_PLUGINS_DIST is not set: run `plugins/build.sh DIR` and set TESSERA_PLUGINS_DIST=DIR");
    assert!(
        dir.join("baseline.wasm").is_file(),
        "{} holds no built plugins: run `plugins/build.sh {}` first",
        dir.display(),
        dir.display()
    );
    dir
}

/// One registry over the dist directory for the read-only tests: compiling the four modules
/// once (debug builds of cranelift are slow) keeps the suite quick.
fn shipped() -> &'static PolicyRegistry {
    static SHIPPED: std::sync::OnceLock<PolicyRegistry> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        let (registry, report) = PolicyRegistry::open(dist(), Limits::default()).unwrap();
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        registry
    })
}

fn plugins_source() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins")
}

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-07-01T09:00:00Z".parse().unwrap()
}

fn refund_facts() -> Value {
    json!({
        "reason": {"type": "illness"},
        "paid": {"amount_minor": 80000, "currency": "PLN"},
        "request_date": "2026-06-15",
        "last_registration_day": "2026-04-30",
        "written_exam_date": "2026-06-13",
        "documents_received_date": "2026-06-20",
        "documents": ["refund_request_form", "medical_certificate_on_centre_form"]
    })
}

fn decide_refund(registry: &PolicyRegistry, plugin: &str) -> Result<Decision, PolicyError> {
    let facts = refund_facts();
    let input = DecisionInput { facts: &facts, tenant_config: &Value::Null, now: now(), today: None };
    registry.decide(plugin, DecisionKind::Refund, &input)
}

/// Copy a built plugin from the dist directory into `dir`.
fn copy_plugin(name: &str, dir: &Path) {
    for ext in ["wasm", "toml"] {
        std::fs::copy(dist().join(format!("{name}.{ext}")), dir.join(format!("{name}.{ext}"))).unwrap();
    }
}

fn write_plugin(dir: &Path, name: &str, version: &str, wasm: &[u8]) {
    std::fs::write(dir.join(format!("{name}.wasm")), wasm).unwrap();
    std::fs::write(
        dir.join(format!("{name}.toml")),
        format!("name = \"{name}\"\nversion = \"{version}\"\nabi = 1\nkinds = [\"refund\", \"photo\"]\n"),
    )
    .unwrap();
}

fn hostile(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests-data/hostile/{name}.wat"));
    wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_fixture_of_every_shipped_plugin_passes_through_the_host() {
    let registry = shipped();
    let names: Vec<String> = registry.list().into_iter().map(|p| p.name).collect();
    for plugin in ["baseline", "pl", "hu", "it"] {
        assert!(names.iter().any(|n| n == plugin), "{plugin} not built: {names:?}");
        let fixtures = plugins_source().join(plugin).join("fixtures");
        match fixtures::run_fixtures(registry, plugin, &fixtures) {
            Ok(run) => assert!(run > 0, "{plugin}: no fixtures"),
            Err(failures) => panic!("{plugin}: {} failures:\n{}", failures.len(), failures.join("\n")),
        }
    }
}

#[test]
fn decisions_record_the_plugin_and_are_deterministic() {
    let registry = shipped();
    let first = decide_refund(registry, "pl").unwrap();
    let second = decide_refund(registry, "pl").unwrap();
    assert_eq!(first, second, "same input, same decision and same fuel");
    assert_eq!((first.plugin.as_str(), first.version.as_str()), ("pl", "1.0.0"));
    assert_eq!(first.sha256, registry.info("pl").unwrap().sha256);
    assert_eq!(first.output["basis_points"], json!(6000));
    let typed: tessera_plugin_sdk::kinds::RefundDecision = first.typed().unwrap();
    assert_eq!(typed.amount.amount_minor, 48_000);
    assert!(first.fuel_used > 0 && first.fuel_used < registry.limits().fuel);
}

#[test]
fn tenant_config_overrides_the_manifest_default() {
    let registry = shipped();
    let facts = refund_facts();
    let config = json!({"medical_basis_points": 7500});
    let input = DecisionInput { facts: &facts, tenant_config: &config, now: now(), today: None };
    let decision = registry.decide("pl", DecisionKind::Refund, &input).unwrap();
    assert_eq!(decision.output["amount"]["amount_minor"], json!(60_000));

    let typo = json!({"medical_basis_pints": 7500});
    let input = DecisionInput { facts: &facts, tenant_config: &typo, now: now(), today: None };
    let err = registry.decide("pl", DecisionKind::Refund, &input).unwrap_err();
    assert_eq!(err.cause, Cause::InvalidConfig, "{err}");
}

#[test]
fn refusals_outside_the_module_name_the_cause() {
    let registry = shipped();
    let err = decide_refund(registry, "nope").unwrap_err();
    assert_eq!(err.cause, Cause::UnknownPlugin);
    // `it` implements only `photo`.
    let err = decide_refund(registry, "it").unwrap_err();
    assert_eq!((err.cause, err.kind), (Cause::KindNotImplemented, Some(DecisionKind::Refund)));
    assert!(err.to_string().contains("`it` v1.0.0 (refund decision)"), "{err}");

    let bad_facts = json!({"reason": {"type": "illness"}});
    let input = DecisionInput { facts: &bad_facts, tenant_config: &Value::Null, now: now(), today: None };
    let err = registry.decide("pl", DecisionKind::Refund, &input).unwrap_err();
    assert_eq!(err.cause, Cause::InvalidFacts, "{err}");

    let huge = json!({"padding": "x".repeat(registry.limits().max_input_bytes)});
    let input = DecisionInput { facts: &huge, tenant_config: &Value::Null, now: now(), today: None };
    let err = registry.decide("pl", DecisionKind::Refund, &input).unwrap_err();
    assert_eq!(err.cause, Cause::InputTooLarge, "{err}");
}

#[test]
fn hostile_plugins_are_contained_and_the_host_keeps_working() {
    let dir = tempfile::tempdir().unwrap();
    copy_plugin("baseline", dir.path());
    let runtime = [
        ("infinite-loop", "infinite_loop", Cause::FuelExhausted),
        ("memory-bomb", "memory_bomb", Cause::MemoryLimit),
        ("huge-output", "huge_output", Cause::OutputTooLarge),
        ("trap", "trap", Cause::Trap),
        ("invalid-json", "invalid_json", Cause::BadOutputJson),
        ("schema-violation", "schema_violation", Cause::SchemaViolation),
    ];
    let load_time = [
        ("missing-marker", "missing_marker", Cause::WrongAbi, "tessera_abi_v1"),
        ("forbidden-import", "forbidden_import", Cause::ForbiddenImport, "clock_time_get"),
        ("wrong-abi", "wrong_abi", Cause::WrongAbi, "tessera_abi_v2"),
    ];
    for (name, file, _) in runtime {
        write_plugin(dir.path(), name, "6.6.6", &hostile(file));
    }
    for (name, file, _, _) in load_time {
        write_plugin(dir.path(), name, "6.6.6", &hostile(file));
    }
    let (registry, report) = PolicyRegistry::open(dir.path(), Limits::default()).unwrap();

    for (name, _, cause, needle) in load_time {
        let err = report
            .failed
            .iter()
            .find(|e| e.plugin == name)
            .unwrap_or_else(|| panic!("{name} should fail to load: {:?}", report.failed));
        assert_eq!(err.cause, cause, "{err}");
        assert_eq!(err.version.as_deref(), Some("6.6.6"));
        assert!(err.detail.contains(needle), "{err}");
        assert!(registry.info(name).is_none(), "{name} must not be in service");
    }
    assert_eq!(report.failed.len(), load_time.len(), "{:?}", report.failed);

    for (name, _, cause) in runtime {
        let started = Instant::now();
        let err = decide_refund(&registry, name).unwrap_err();
        assert_eq!(err.cause, cause, "{err}");
        assert_eq!((err.plugin.as_str(), err.version.as_deref()), (name, Some("6.6.6")));
        assert_eq!(err.kind, Some(DecisionKind::Refund));
        assert!(err.to_string().contains(cause.code()), "{err}");
        assert!(started.elapsed() < Duration::from_secs(2), "{name} took {:?}", started.elapsed());
        // The good plugin still decides after every hostile one.
        let ok = decide_refund(&registry, "baseline").unwrap();
        assert_eq!(ok.output["outcome"], json!("manual_review"));
    }

    // The memory bomb is held at the configured limit.
    let (cause, _, peak) = registry.run_raw("memory-bomb", b"{}").unwrap_err();
    assert_eq!(cause, Cause::MemoryLimit);
    assert!(peak <= registry.limits().max_memory_bytes, "peak {peak}");
    assert!(peak > registry.limits().max_memory_bytes / 2, "peak {peak}");
}

#[test]
fn a_decision_never_sees_what_the_previous_one_left_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    write_plugin(dir.path(), "leftovers", "6.6.6", &hostile("leftovers"));
    let (registry, report) = PolicyRegistry::open(dir.path(), Limits::default()).unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    // Each run scribbles over its data segment and zeroed memory; the pool slot is reused
    // (and reset in place where the kernel allows), so every run must still see the originals.
    for run in 0..5 {
        let (seen, _) = registry.run_raw("leftovers", b"{}").unwrap();
        assert_eq!(seen, b"image\0\0\0\0\0", "run {run} saw a previous run's memory");
    }
}

/// Memory a plugin grew stays mapped read/write in its pool slot (bounds are checked in the
/// code, not by page protection), so it must still come back zeroed and stay out of reach of a
/// decision whose memory is smaller.
#[test]
fn memory_a_decision_grew_is_reset_and_out_of_reach_of_the_next() {
    let dir = tempfile::tempdir().unwrap();
    write_plugin(dir.path(), "grown", "6.6.6", &hostile("grown_leftovers"));
    let (registry, report) = PolicyRegistry::open(dir.path(), Limits::default()).unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    for run in 0..5 {
        let (seen, _) = registry.run_raw("grown", b"g").unwrap();
        assert_eq!(seen, [0; 5], "run {run} saw a previous run's grown memory");
        let (cause, detail, _) = registry.run_raw("grown", b"r").unwrap_err();
        assert_eq!(cause, Cause::Trap, "run {run} read past its memory: {detail}");
        assert!(detail.contains("out of bounds"), "{detail}");
    }
}

/// The envelope the host serialises from borrowed data is byte for byte the SDK's request.
#[test]
fn the_borrowed_request_envelope_is_the_sdk_request() {
    let facts = refund_facts();
    let config = json!({"medical_basis_points": 7500, "nested": {"list": [1, "two"]}});
    for today in [None, Some(now().date_naive())] {
        let owned = tessera_plugin_sdk::DecisionRequest {
            abi: tessera_plugin_sdk::ABI_VERSION,
            kind: DecisionKind::Refund,
            now: now(),
            today,
            config: config.clone(),
            facts: facts.clone(),
        };
        let borrowed = crate::registry::RequestEnvelope {
            abi: tessera_plugin_sdk::ABI_VERSION,
            kind: DecisionKind::Refund,
            now: now(),
            today,
            config: &config,
            facts: &facts,
        };
        assert_eq!(serde_json::to_string(&borrowed).unwrap(), serde_json::to_string(&owned).unwrap());
    }
}

#[test]
fn a_rust_plugin_refuses_config_of_the_wrong_type() {
    let registry = shipped();
    let facts = json!({"exam": "fce", "candidate_date_of_birth": "2008-01-01", "registration_date": "2026-04-10"});
    let input =
        DecisionInput { facts: &facts, tenant_config: &json!({"photographed_exams": 7}), now: now(), today: None };
    // A config of the wrong type is a refusal, not a trap: the plugin stays in control.
    let err = registry.decide("it", DecisionKind::Photo, &input).unwrap_err();
    assert_eq!(err.cause, Cause::InvalidConfig, "{err}");
}

#[test]
fn hot_reload_keeps_the_old_version_when_the_new_one_is_broken() {
    let dir = tempfile::tempdir().unwrap();
    let it_wasm = std::fs::read(dist().join("it.wasm")).unwrap();
    write_plugin(dir.path(), "it", "1.0.0", &it_wasm);
    let (registry, report) = PolicyRegistry::open(dir.path(), Limits::default()).unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let photo = json!({"exam": "fce", "candidate_date_of_birth": "1990-01-01", "registration_date": "2026-04-10"});
    let decide = |registry: &PolicyRegistry| {
        let input = DecisionInput { facts: &photo, tenant_config: &Value::Null, now: now(), today: None };
        registry.decide("it", DecisionKind::Photo, &input)
    };
    assert_eq!(decide(&registry).unwrap().version, "1.0.0");

    // A broken 2.0.0 (it imports the clock) is refused...
    write_plugin(dir.path(), "it", "2.0.0", &hostile("forbidden_import"));
    let report = registry.reload();
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].cause, Cause::ForbiddenImport);
    assert_eq!(report.failed[0].version.as_deref(), Some("2.0.0"));
    // ...and 1.0.0 stays in service.
    let decision = decide(&registry).unwrap();
    assert_eq!(decision.version, "1.0.0");
    assert_eq!(decision.output["required"], json!(true));

    // A good 1.1.0 takes over without a restart, through the watcher.
    let _watch = registry.watch().unwrap();
    let staging = tempfile::tempdir().unwrap();
    write_plugin(staging.path(), "it", "1.1.0", &it_wasm);
    let info = registry.install_file(&staging.path().join("it.toml")).unwrap();
    assert_eq!(info.version, "1.1.0");
    assert_eq!(decide(&registry).unwrap().version, "1.1.0");

    // A manifest-only change (version bump) is picked up by the watcher alone.
    std::fs::write(dir.path().join("it.toml"), "name = \"it\"\nversion = \"1.2.0\"\nabi = 1\nkinds = [\"photo\"]\n")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while registry.info("it").unwrap().version != "1.2.0" {
        assert!(Instant::now() < deadline, "watcher did not reload");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(decide(&registry).unwrap().version, "1.2.0");

    // Removing the manifest takes the plugin out of service.
    std::fs::remove_file(dir.path().join("it.toml")).unwrap();
    let report = registry.reload();
    assert_eq!(report.removed, vec!["it".to_string()]);
    assert_eq!(decide(&registry).unwrap_err().cause, Cause::UnknownPlugin);
}

#[test]
fn check_file_refuses_a_module_that_does_not_match_its_manifest_checksum() {
    let dir = tempfile::tempdir().unwrap();
    copy_plugin("hu", dir.path());
    let (registry, _) = PolicyRegistry::open(dir.path(), Limits::default()).unwrap();
    assert_eq!(registry.check_file(&dir.path().join("hu.wasm")).unwrap().name, "hu");
    // The dist manifest pins the sha256 of hu.wasm; pair it with another module.
    std::fs::copy(dist().join("it.wasm"), dir.path().join("hu.wasm")).unwrap();
    let err = registry.check_file(&dir.path().join("hu.toml")).unwrap_err();
    assert_eq!(err.cause, Cause::InvalidManifest, "{err}");
    assert!(err.detail.contains("sha256"), "{err}");
}

#[test]
fn decide_runs_on_many_threads_at_once() {
    let registry = shipped();
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let registry = registry.clone();
            std::thread::spawn(move || {
                (0..20).map(|_| decide_refund(&registry, "pl").unwrap().output).collect::<Vec<_>>()
            })
        })
        .collect();
    for t in threads {
        for output in t.join().unwrap() {
            assert_eq!(output["outcome"], json!("approve"));
        }
    }
}

/// A bad plugin is warned about once per version of its files, not at every reload (the
/// watcher once logged two to four warnings every 250 ms while an invalid plugin sat there).
#[test]
fn a_bad_plugin_is_warned_about_once_per_version() {
    #[derive(Clone, Default)]
    struct Log(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Log {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(move || writer.clone()).finish();
    let dir = tempfile::tempdir().unwrap();
    tracing::subscriber::with_default(subscriber, || {
        write_plugin(dir.path(), "bad", "0.1.0", &hostile("forbidden_import"));
        let (registry, report) = PolicyRegistry::open(dir.path(), Limits::default()).unwrap();
        assert_eq!(report.failed.len(), 1);
        for _ in 0..3 {
            assert_eq!(registry.reload().failed.len(), 1, "still refused at every reload");
        }
        write_plugin(dir.path(), "bad", "0.2.0", &hostile("forbidden_import"));
        for _ in 0..3 {
            registry.reload();
        }
    });
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let warnings: Vec<&str> = text.lines().filter(|l| l.contains("WARN")).collect();
    assert_eq!(warnings.len(), 2, "one warning for 0.1.0 and one for 0.2.0: {warnings:#?}");
    assert!(warnings[0].contains("0.1.0") && warnings[1].contains("0.2.0"), "{warnings:#?}");
}
