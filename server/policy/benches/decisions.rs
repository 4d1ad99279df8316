//! Decision latency through the host vs. the same rule called natively, the time to stop an
//! infinite loop, and the peak memory of a memory bomb. Prints figures; asserts nothing.
//!
//! Run: `plugins/build.sh DIR && TESSERA_PLUGINS_DIST=DIR cargo bench -p tessera-policy`

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tessera_plugin_sdk::prelude::*;
use tessera_policy::{DecisionInput, DecisionKind, Limits, PolicyRegistry};

const ITERATIONS: usize = 20_000;

fn percentiles(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    (at(0.50), at(0.99))
}

fn time<F: FnMut()>(mut f: F) -> (Duration, Duration) {
    for _ in 0..ITERATIONS / 10 {
        f();
    }
    let samples = (0..ITERATIONS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    percentiles(samples)
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() {
    let dist = std::env::var_os("TESSERA_PLUGINS_DIST")
        .map(PathBuf::from)
        .expect("TESSERA_PLUGINS_DIST is not set: run `plugins/build.sh DIR` and set TESSERA_PLUGINS_DIST=DIR");
    let (registry, report) = PolicyRegistry::open(&dist, Limits::default()).expect("open dist");
    assert!(report.failed.is_empty(), "{:?}", report.failed);

    let facts_value = json!({
        "reason": {"type": "illness"},
        "paid": {"amount_minor": 80000, "currency": "PLN"},
        "request_date": "2026-06-15",
        "last_registration_day": "2026-04-30",
        "written_exam_date": "2026-06-13",
        "documents_received_date": "2026-06-20",
        "documents": ["refund_request_form", "medical_certificate_on_centre_form"]
    });
    let now: chrono::DateTime<chrono::Utc> = "2026-07-01T09:00:00Z".parse().unwrap();
    let input = DecisionInput { facts: &facts_value, tenant_config: &Value::Null, now, today: None };

    let (host50, host99) = time(|| {
        black_box(registry.decide("pl", DecisionKind::Refund, black_box(&input)).unwrap());
    });

    // The sandbox alone: the same request bytes, no envelope building or schema validation.
    let request = serde_json::to_vec(&tessera_plugin_sdk::DecisionRequest {
        abi: 1,
        kind: DecisionKind::Refund,
        now,
        today: None,
        config: json!({}),
        facts: facts_value.clone(),
    })
    .unwrap();
    let (raw50, raw99) = time(|| {
        black_box(registry.run_raw("pl", black_box(&request)).unwrap());
    });

    let native_input = Input {
        now,
        today: now.date_naive(),
        config: tessera_plugin_pl::Config::default(),
        facts: serde_json::from_value::<RefundFacts>(facts_value.clone()).unwrap(),
    };
    let (nat50, nat99) = time(|| {
        black_box(tessera_plugin_pl::refund(black_box(&native_input)));
    });
    let (json50, json99) = time(|| {
        black_box(tessera_plugin_pl::POLICY.decide_json(black_box(&request)));
    });

    println!("refund decision (pl), {ITERATIONS} iterations each:");
    println!("  host decide()            p50 {:8.2} us   p99 {:8.2} us", us(host50), us(host99));
    println!("  sandbox only (run_raw)   p50 {:8.2} us   p99 {:8.2} us", us(raw50), us(raw99));
    println!("  native, JSON in/out      p50 {:8.2} us   p99 {:8.2} us", us(json50), us(json99));
    println!("  native, typed rule       p50 {:8.2} us   p99 {:8.2} us", us(nat50), us(nat99));
    println!(
        "  ratio host/native typed  p50 {:.0}x   host/native JSON p50 {:.1}x",
        host50.as_secs_f64() / nat50.as_secs_f64().max(1e-9),
        host50.as_secs_f64() / json50.as_secs_f64().max(1e-9)
    );

    let hostile_dir = tempfile::tempdir().unwrap();
    for (name, file) in [("loop", "infinite_loop"), ("bomb", "memory_bomb")] {
        let wat = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests-data/hostile/{file}.wat"));
        std::fs::write(hostile_dir.path().join(format!("{name}.wasm")), wat::parse_file(&wat).unwrap()).unwrap();
        std::fs::write(
            hostile_dir.path().join(format!("{name}.toml")),
            format!("name = \"{name}\"\nversion = \"0.0.0\"\nabi = 1\nkinds = [\"refund\"]\n"),
        )
        .unwrap();
    }
    let limits = Limits::default();
    let (hostile, report) = PolicyRegistry::open(hostile_dir.path(), limits.clone()).unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let stops: Vec<Duration> = (0..20)
        .map(|_| {
            let start = Instant::now();
            let err = hostile.decide("loop", DecisionKind::Refund, &input).unwrap_err();
            assert_eq!(err.code(), "fuel_exhausted");
            start.elapsed()
        })
        .collect();
    let (stop50, stop99) = percentiles(stops);
    println!(
        "infinite loop stopped by fuel ({} units): p50 {:.1} ms   p99 {:.1} ms",
        limits.fuel,
        stop50.as_secs_f64() * 1e3,
        stop99.as_secs_f64() * 1e3
    );
    let (cause, _, peak) = hostile.run_raw("bomb", &request).unwrap_err();
    println!(
        "memory bomb: {cause}, peak guest memory {} KiB, limit {} KiB",
        peak / 1024,
        limits.max_memory_bytes / 1024
    );
}
