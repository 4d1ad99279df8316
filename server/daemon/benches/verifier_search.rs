//! Verifier search over HTTP (issue 6): a real Tessera server on SQLite with N results shared with
//! one verifier organisation, and 16 concurrent API clients calling `GET /api/v1/verifier/search`.
//!
//! ```text
//! cargo bench -p tessera --bench verifier_search -- [--sizes 100000,1000000] [--clients 16]
//!     [--queries 2000] [--keep DIR] [--kinds exact,prefix,fuzzy,filtered] [--rate 1000]
//!     [--open-seconds 5]
//! ```
//!
//! The data set and the queries are those of the in-process bench (`server/search/benches/
//! dataset`, included here by path): exact, prefix, fuzzy and filtered. Set-up bulk-inserts
//! centres, sessions, candidates, entries, results and shares (with their search change-log
//! rows) straight into the database, then starts the server: with no saved indexer position it
//! rebuilds the verifier's index from the database before it serves, which is the full reindex
//! figure. Each request goes the whole way: API token check and rate budget, the search, the
//! re-check of the hits against the database, JSON. Clients and server share this process (and
//! the machine's cores), so the figures include the clients' own cost; the first row, `floor`,
//! is the same clients on `GET /static/tessera.css`, served from memory without touching the
//! database (`/healthz` now asks the database): what that part costs here.
//!
//! Beside each kind's requests a second it prints the searches-alone rate measured in the same
//! run (the search crate called directly on the server's own index, one thread per core, the
//! server idle) and the first as a percentage of the second (goal: at least 70 %). Then an
//! open-loop client sends each kind at a fixed rate (`--rate`, 1,000 requests a second by
//! default, for `--open-seconds`, 5): requests leave on schedule whatever the answers' latency,
//! and latency is measured from the scheduled send time, so a slow answer cannot hide the
//! requests it would have held back (coordinated omission); goal p95 under 3 ms at 1,000,000.
//! Nothing is asserted.

#[path = "../../../tests/support.rs"]
#[allow(dead_code)]
mod support;

#[path = "../../search/benches/dataset/mod.rs"]
mod dataset;

use chrono::NaiveDate;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{Backend, start_instant};
use tessera_daemon::server;
use tessera_domain::{Country, Locale, ManualClock, TenantId, TenantKind};
use tessera_search::SearchQuery;
use tessera_storage::Db;
use tessera_storage::repo::centre::{self, Candidate, Entry, ExamSession, ResultRow, Share};
use tessera_storage::repo::tenants::{self, NewTenant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "verifier_search bench: [--sizes 100000,1000000] [--clients 16] [--queries 2000] [--keep DIR] [--kinds exact,prefix] [--rate 1000] [--open-seconds 5]"
        );
        return;
    }
    let arg = |name: &str| dataset::arg(&args, name);
    let sizes = dataset::sizes(&args);
    let clients: usize = arg("--clients").and_then(|s| s.parse().ok()).unwrap_or(16);
    let queries: u64 = arg("--queries").and_then(|s| s.parse().ok()).unwrap_or(2000);
    // `--keep DIR` keeps each size's database in DIR and loads it again on the next run (the
    // search index is still rebuilt from it), to measure the server without the long set-up.
    let keep = arg("--keep").map(std::path::PathBuf::from);
    let kinds = arg("--kinds");
    let open = OpenLoop {
        rate: arg("--rate").and_then(|s| s.parse().ok()).unwrap_or(1_000),
        seconds: arg("--open-seconds").and_then(|s| s.parse().ok()).unwrap_or(5),
    };
    // RUST_LOG=info shows the server's log (the rebuild's phases, for instance).
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("verifier search over HTTP ({cores} cores, {clients} concurrent clients, {queries} requests per kind)");
    for n in sizes {
        rt.block_on(run(n, clients, queries, keep.as_deref(), kinds.as_deref(), open, rt.handle().clone()));
    }
}

/// The open-loop client's schedule: `rate` requests a second for `seconds`.
#[derive(Clone, Copy)]
struct OpenLoop {
    rate: u32,
    seconds: u32,
}

async fn run(
    n: u64,
    clients: usize,
    queries: u64,
    keep: Option<&std::path::Path>,
    only: Option<&str>,
    open: OpenLoop,
    rt: tokio::runtime::Handle,
) {
    println!("\n== {n} results shared with one verifier, SQLite == (load average: {})", load());
    let temp = tempfile::tempdir().unwrap();
    let dir = keep.map_or_else(|| temp.path().to_path_buf(), |k| k.join(n.to_string()));
    let kept = dir.join("tessera.db").exists();
    std::fs::create_dir_all(&dir).unwrap();
    let mut cfg = support::test_config(Backend::Sqlite, &dir);
    cfg.database.url = format!("sqlite://{}", dir.join("tessera.db").display());
    cfg.database.pool_size = tessera_daemon::config::Config::default().database.pool_size;
    // Each client is its own API client with the highest budget the configuration allows.
    cfg.verifier.api_requests_per_minute = 100_000;
    cfg.validate().unwrap();
    let db = server::open_database(&cfg).unwrap();
    let t = Instant::now();
    let (verifier, tokens) = if kept {
        // No saved indexer position: the server rebuilds the index as it would the first time.
        let _ = std::fs::remove_dir_all(dir.join("search"));
        let v = tenants::by_slug(&mut db.conn().unwrap(), "bench-verifier").unwrap();
        (v.id, api_tokens(&db, v.id, clients))
    } else {
        let r = tokio::task::spawn_blocking(move || load_data(&db, n, clients)).await.unwrap();
        println!("  set-up: {n} shared results bulk-inserted in {:.1} s", t.elapsed().as_secs_f64());
        r
    };

    let t = Instant::now();
    let clock = Arc::new(ManualClock::new(start_instant()));
    let running = server::start(&cfg, clock).await.expect("server starts");
    let reindex = t.elapsed();
    let state = running.state.clone();
    // Measured once the indexer has caught up with the change log (the steady state).
    let head = tessera_storage::repo::search_log::max_seq(&mut state.db.conn().unwrap()).unwrap();
    while state.search_watermark.load(std::sync::atomic::Ordering::Acquire) < head {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let indexed = state.search.count(verifier).unwrap();
    println!(
        "  server started in {:.1} s, rebuilding the index from the database ({indexed} documents; goal 30 s: {})",
        reindex.as_secs_f64(),
        if reindex < Duration::from_secs(30) { "met" } else { "NOT met" }
    );
    println!(
        "  index {:.0} MB on disk; process RSS {}",
        state.search.size_on_disk(verifier) as f64 / 1e6,
        dataset::rss()
    );

    let base = format!("http://{}", running.addr);
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    println!(
        "\n  {:<10} {:>10} {:>10} {:>10} {:>12} {:>16} {:>10}",
        "query", "p50", "p95", "p99", "requests/s", "searches alone/s", "HTTP %"
    );
    let selected = |k: &&str| only.is_none_or(|o| o.split(',').any(|x| x == *k));
    let mut floor_rate = None;
    // First the floor: the same clients on the stylesheet, served from memory, so what the HTTP
    // stack and the clients themselves cost on this machine is printed beside the searches.
    let kinds = std::iter::once("floor").chain(dataset::KINDS);
    for kind in kinds.filter(selected) {
        let t = Instant::now();
        let mut tasks = Vec::new();
        for (c, token) in tokens.iter().enumerate() {
            let (base, token) = (base.clone(), token.clone());
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                let mut times = Vec::new();
                // Warm-up, then this client's share of the queries.
                let ks = (1_000_000 + c as u64..1_000_000 + c as u64 + 2).chain((c as u64..queries).step_by(clients));
                for (i, k) in ks.enumerate() {
                    let url = if kind == "floor" {
                        format!("{base}/static/tessera.css")
                    } else {
                        format!("{base}/api/v1/verifier/search?{}", params(&dataset::search_query(kind, k, n)))
                    };
                    let t = Instant::now();
                    let res = http.get(&url).bearer_auth(&token).send().await.unwrap();
                    let status = res.status();
                    let body = res.bytes().await.unwrap();
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                    if i >= 2 {
                        times.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                }
                times
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        let secs = t.elapsed().as_secs_f64();
        let count = all.len();
        let s = dataset::stats(all.clone());
        all.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let p99 = all[((all.len() as f64 - 1.0) * 0.99).round() as usize];
        let rate = count as f64 / secs;
        if kind == "floor" {
            println!(
                "  {kind:<10} {:>7.2} ms {:>7.2} ms {:>7.2} ms {rate:>12.0}   (GET /static/tessera.css: the HTTP stack and clients alone)",
                s.p50, s.p95, p99
            );
            floor_rate = Some(rate);
            continue;
        }
        // The same kind of query through the search crate alone, in the same run, on the index
        // the server searches: one thread per core, as many queries as the clients sent ten times
        // over (the searches alone are much faster than requests).
        let alone = {
            let (search, total) = (state.search.clone(), queries * 10);
            tokio::task::spawn_blocking(move || searches_alone(&search, verifier, kind, n, cores, total)).await.unwrap()
        };
        let share = 100.0 * rate / alone;
        // The most a request could get on these cores if it cost only the search and the floor's
        // HTTP and client work (times a request, in core-seconds, add up: 1/ceiling = 1/alone +
        // 1/floor).
        let ceiling = floor_rate
            .map(|f| format!(" (ceiling with the floor's cost: {:.0} %)", 100.0 * f / (f + alone)))
            .unwrap_or_default();
        println!(
            "  {kind:<10} {:>7.2} ms {:>7.2} ms {:>7.2} ms {rate:>12.0} {alone:>16.0} {share:>9.0}%   goal p95 5 ms: {}; HTTP at least 70 % of the searches alone: {}{ceiling}",
            s.p50,
            s.p95,
            p99,
            if s.p95 < 5.0 { "met" } else { "NOT met" },
            if share >= 70.0 { "met" } else { "NOT met" },
        );
    }

    println!(
        "\n  open loop: {} requests a second for {} s per kind, latency from the scheduled send time",
        open.rate, open.seconds
    );
    println!("  {:<10} {:>10} {:>10} {:>10} {:>10} {:>16}", "query", "p50", "p95", "p99", "sent/s", "send late p95");
    for kind in dataset::KINDS.into_iter().filter(selected) {
        let r = open_loop(&rt, &base, &tokens, kind, n, open).await;
        println!(
            "  {kind:<10} {:>7.2} ms {:>7.2} ms {:>7.2} ms {:>10.0} {:>13.3} ms   goal p95 3 ms: {}",
            r.latency.p50,
            r.latency.p95,
            r.p99,
            r.sent_per_second,
            r.send_late_p95,
            if r.latency.p95 < 3.0 { "met" } else { "NOT met" }
        );
    }
    println!("\n  after the queries: process RSS {} (load average: {})", dataset::rss(), load());
    running.shutdown().await;
}

/// Queries a second of `kind` through the search crate alone: `total` queries from one thread
/// per core at once.
fn searches_alone(
    search: &tessera_search::SearchIndexes,
    verifier: TenantId,
    kind: &str,
    n: u64,
    cores: usize,
    total: u64,
) -> f64 {
    for k in 0..20 {
        search.search(verifier, &dataset::search_query(kind, 2_000_000 + k, n)).unwrap();
    }
    let t = Instant::now();
    std::thread::scope(|s| {
        for c in 0..cores as u64 {
            s.spawn(move || {
                for k in (c..total).step_by(cores) {
                    std::hint::black_box(search.search(verifier, &dataset::search_query(kind, k, n)).unwrap());
                }
            });
        }
    });
    total as f64 / t.elapsed().as_secs_f64()
}

/// What the open-loop client measured.
struct OpenLoopFigures {
    latency: dataset::Stats,
    p99: f64,
    /// Requests actually sent a second (the schedule's rate, unless the client fell behind).
    sent_per_second: f64,
    /// How late the requests left (the scheduler thread's own lag, included in the latency).
    send_late_p95: f64,
}

/// Sends `kind` requests at `open.rate` a second, each at its scheduled time whatever the
/// answers before it, and measures each from that time to its answer's last byte. The schedule
/// is kept by an OS thread (tokio's timer has millisecond ticks); the requests run on `rt`.
async fn open_loop(
    rt: &tokio::runtime::Handle,
    base: &str,
    tokens: &[String],
    kind: &'static str,
    n: u64,
    open: OpenLoop,
) -> OpenLoopFigures {
    let http = reqwest::Client::new();
    // Warm the connection pool and the index for this kind.
    for k in 0..20 {
        let url = format!("{base}/api/v1/verifier/search?{}", params(&dataset::search_query(kind, 3_000_000 + k, n)));
        http.get(&url).bearer_auth(&tokens[0]).send().await.unwrap().bytes().await.unwrap();
    }
    let total = u64::from(open.rate) * u64::from(open.seconds);
    let period = Duration::from_secs_f64(1.0 / f64::from(open.rate));
    let (base, tokens, rt) = (base.to_owned(), tokens.to_vec(), rt.clone());
    let scheduler = std::thread::spawn(move || {
        let start = Instant::now() + Duration::from_millis(5);
        let mut late = Vec::with_capacity(total as usize);
        let mut tasks = Vec::with_capacity(total as usize);
        for i in 0..total {
            let at = start + period.mul_f64(i as f64);
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
            late.push(at.elapsed().as_secs_f64() * 1000.0);
            let url = format!("{base}/api/v1/verifier/search?{}", params(&dataset::search_query(kind, i, n)));
            let (http, token) = (http.clone(), tokens[i as usize % tokens.len()].clone());
            tasks.push(rt.spawn(async move {
                let res = http.get(&url).bearer_auth(&token).send().await.unwrap();
                let status = res.status();
                let body = res.bytes().await.unwrap();
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
                at.elapsed().as_secs_f64() * 1000.0
            }));
        }
        (start.elapsed().as_secs_f64(), late, tasks)
    });
    let (secs, late, tasks) = tokio::task::spawn_blocking(move || scheduler.join().unwrap()).await.unwrap();
    let mut times = Vec::with_capacity(tasks.len());
    for t in tasks {
        times.push(t.await.unwrap());
    }
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    OpenLoopFigures {
        p99: sorted[((sorted.len() as f64 - 1.0) * 0.99).round() as usize],
        latency: dataset::stats(times),
        sent_per_second: total as f64 / secs,
        send_late_p95: dataset::stats(late).p95,
    }
}

/// The query string of `q`, as a client would send it.
fn params(q: &SearchQuery) -> String {
    let mut p = vec![format!("q={}", encode(&q.text)), format!("per_page={}", q.limit)];
    if let Some(e) = &q.exam {
        p.push(format!("exam={}", encode(e)));
    }
    if let Some(from) = q.shared_from {
        p.push(format!("shared_from={}", from.format("%Y-%m-%d")));
    }
    p.join("&")
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The centres, sessions, candidates, entries, results and shares of the data set's first `n`
/// documents, shared with a new verifier organisation; returns it and `clients` API tokens.
fn load_data(db: &Db, n: u64, clients: usize) -> (TenantId, Vec<String>) {
    let mut c = db.conn().unwrap();
    let now = start_instant();
    let tenant = |c: &mut tessera_storage::DbConnection, slug: &str, kind, name: &str, country: &str| {
        let new = NewTenant {
            slug: slug.into(),
            kind,
            name: name.into(),
            country: Country::parse(country).unwrap(),
            timezone: chrono_tz::Europe::London,
            locale: Locale::En,
            status: "active",
        };
        tenants::create(c, &new, now).unwrap()
    };
    let verifier = tenant(&mut c, "bench-verifier", TenantKind::Verifier, "Bench Verifier", "GB");
    // The data set's centres, by name; the country is the code in the place of entry, "Poland (PL)".
    let mut centres = HashMap::new();
    for (name, place) in dataset::CENTRES {
        let code = &place[place.len() - 3..place.len() - 1];
        let t = tenant(&mut c, &format!("bench-{}", name[..5].to_lowercase()), TenantKind::Centre, name, code);
        centres.insert(name, t.id.to_string());
    }
    let mut sessions: HashMap<(String, &str, NaiveDate), (String, u32)> = HashMap::new();
    let created = now.naive_utc();
    let chunk = 20_000u64;
    for start in (0..n).step_by(chunk as usize) {
        let (mut new_sessions, mut cands, mut entries, mut results, mut shares) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in start..(start + chunk).min(n) {
            let d = dataset::doc(i);
            let centre = centres[d.centre_name.as_str()].clone();
            let code = dataset::EXAMS.iter().find(|e| e.0 == d.exam_code).unwrap().0;
            let key = (centre.clone(), code, d.exam_date);
            let session = sessions.entry(key).or_insert_with(|| {
                let id = uuid::Uuid::new_v4().to_string();
                new_sessions.push(ExamSession {
                    tenant_id: centre.clone(),
                    id: id.clone(),
                    exam_code: code.into(),
                    written_date: d.exam_date,
                    time_of_day: "AM".into(),
                    delivery: "PB".into(),
                    fee_minor: 81_000,
                    late_fee_minor: 15_000,
                    currency: "EUR".into(),
                    registration_opens: d.exam_date - chrono::Duration::days(60),
                    registration_closes: d.exam_date - chrono::Duration::days(30),
                    late_entry_deadline: d.exam_date - chrono::Duration::days(5),
                    capacity: 100_000,
                    minimum_candidates: 1,
                    release_at: (d.exam_date + chrono::Duration::days(40)).and_hms_opt(9, 0, 0).unwrap(),
                    status: "closed".into(),
                    created_at: created,
                });
                (id, 0)
            });
            session.1 += 1;
            let candidate = format!("cand-{i}");
            cands.push(Candidate {
                tenant_id: centre.clone(),
                id: candidate.clone(),
                first_name: d.first_name.clone(),
                family_name: d.family_name.clone(),
                date_of_birth: d.date_of_birth,
                email: d.email.clone(),
                phone: None,
                nationality: None,
                id_number: d.id_number.clone(),
                secret_hash: None,
                user_id: None,
                created_at: created,
            });
            entries.push(Entry {
                tenant_id: centre.clone(),
                id: d.entry_id.clone(),
                session_id: session.0.clone(),
                candidate_id: candidate,
                candidate_number: format!("{:04}", session.1),
                status: "confirmed".into(),
                fee_minor: 81_000,
                currency: "EUR".into(),
                created_at: created,
            });
            results.push(ResultRow {
                tenant_id: centre.clone(),
                id: format!("res-{i}"),
                entry_id: d.entry_id.clone(),
                version: 1,
                is_current: true,
                status: "graded".into(),
                overall_score: Some(170),
                grade: Some("B".into()),
                cefr: Some("B2".into()),
                sor_number: d.sor_number.clone().unwrap_or_default(),
                created_at: created,
            });
            shares.push(Share {
                tenant_id: centre,
                id: d.share_id.clone(),
                entry_id: d.entry_id.clone(),
                verifier_tenant_id: verifier.id.to_string(),
                shared_at: d.shared_at.naive_utc(),
                withdrawn_at: None,
            });
        }
        tessera_storage::transaction(&mut c, |c| {
            for s in &new_sessions {
                centre::insert_session(c, s)?;
            }
            centre::insert_candidates(c, &cands)?;
            centre::insert_entries(c, &entries)?;
            centre::insert_results(c, &results, &[])?;
            centre::insert_shares(c, &shares)
        })
        .unwrap();
    }
    drop(c);
    (verifier.id, api_tokens(db, verifier.id, clients))
}

/// New API clients of `verifier`; their tokens.
fn api_tokens(db: &Db, verifier: TenantId, clients: usize) -> Vec<String> {
    let mut c = db.conn().unwrap();
    (0..clients)
        .map(|i| {
            let (token, hash, hint) = tessera_app::verifier::new_api_token(verifier);
            let name = format!("bench client {i} {}", uuid::Uuid::new_v4());
            tessera_storage::repo::api_clients::create(
                &mut c,
                verifier,
                &name,
                &hash,
                &hint,
                "bench",
                start_instant(),
                start_instant() + chrono::Duration::days(3650),
            )
            .unwrap();
            token
        })
        .collect()
}

/// The machine's load average: the figures are only as good as the machine was idle.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}
