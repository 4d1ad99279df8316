//! Search benchmark: prints figures, asserts nothing (benches are not tests).
//!
//! ```text
//! cargo bench -p tessera-search --bench search -- [--sizes 100000,1000000] [--queries 500]
//!     [--pg postgres://postgres@127.0.0.1:54329/postgres]
//! ```
//!
//! The data set (`dataset/mod.rs`, shared with the HTTP bench): shared results in one verifier tenant: first and family
//! names in Polish, Hungarian, Italian and English with their diacritics, family names built
//! from roots and suffixes (well over 100,000 distinct ones). For each size it measures, in
//! process and through the search layer (tenant scope and stored fields included), p50 and p95
//! of exact, prefix, fuzzy and filtered queries, then the same from one thread per core at once
//! (the most searches a second the machine can do); the same queries on SQLite FTS5 and (with
//! `--pg`) PostgreSQL pg_trgm, as ratios; bulk indexing time, index size and resident memory.

use std::collections::HashSet;
use std::time::Instant;
use tessera_domain::TenantId;
use tessera_search::SearchIndexes;

mod dataset;

use dataset::{KINDS, Stats, doc, fold, query, rss, search_query, stats, vocabulary};

fn time(queries: usize, mut f: impl FnMut(u64)) -> Stats {
    for k in 0..20 {
        f(1_000_000 + k);
    }
    stats(
        (0..queries as u64)
            .map(|k| {
                let t = Instant::now();
                f(k);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("search bench: [--sizes 100000,1000000] [--queries 500] [--pg URL] [--no-baselines]");
        return;
    }
    let arg = |name: &str| dataset::arg(&args, name);
    let sizes = dataset::sizes(&args);
    let queries: usize = arg("--queries").and_then(|s| s.parse().ok()).unwrap_or(500);
    let pg = arg("--pg").or_else(|| std::env::var("TESSERA_BENCH_PG").ok());
    // While working on the search layer alone: skip the FTS5 and pg_trgm comparisons.
    let reuse = arg("--reuse");
    let baselines = !args.iter().any(|a| a == "--no-baselines");

    for &n in &sizes {
        println!("\n== {n} shared results in one verifier tenant == (load average: {})", load());
        let distinct: HashSet<String> = (0..n).map(|i| doc(i).family_name).collect();
        let vocabulary = vocabulary();
        println!("distinct family names: {} (vocabulary of the generator: {vocabulary})", distinct.len());
        drop(distinct);

        // Tantivy through the search layer.
        // `--reuse DIR` keeps the index of each size in DIR and queries it again on the next run
        // (profiling queries without rebuilding; delete DIR after a schema change).
        let dir = tempfile::tempdir().unwrap();
        let root = reuse.as_ref().map(|r| std::path::Path::new(r).join(n.to_string()));
        let ix = SearchIndexes::open(root.as_deref().unwrap_or(dir.path()), 4).unwrap();
        let tenant_file = root.as_ref().map(|r| r.join("tenant"));
        let kept = tenant_file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()).and_then(|t| t.parse().ok());
        let tenant = kept.unwrap_or_else(TenantId::new);
        let t0 = Instant::now();
        if kept.is_none() {
            let mut build = ix.rebuild(tenant).unwrap();
            let mut batch = Vec::with_capacity(10_000);
            for i in 0..n {
                batch.push(doc(i));
                if batch.len() == 10_000 {
                    build.add(&batch).unwrap();
                    batch.clear();
                }
            }
            build.add(&batch).unwrap();
            println!("tessera-search: documents handed to the writer in {:.1} s", t0.elapsed().as_secs_f64());
            build.finish().unwrap();
            if let Some(f) = &tenant_file {
                std::fs::write(f, tenant.to_string()).unwrap();
            }
        }
        let index_secs = t0.elapsed().as_secs_f64();
        println!(
            "tessera-search: indexed in {index_secs:.1} s, index {:.0} MB on disk, process RSS {}",
            ix.size_on_disk(tenant) as f64 / 1e6,
            rss()
        );
        let mut ours = Vec::new();
        for kind in KINDS {
            let s = time(queries, |k| {
                let q = search_query(kind, k, n);
                std::hint::black_box(ix.search(tenant, &q).unwrap());
            });
            ours.push(s);
        }
        println!("after queries: process RSS {}", rss());
        // The same queries from one thread per core at once: what a busy server's searches cost
        // when they share the cores and their caches.
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        if cores > 1 {
            for kind in KINDS {
                let t = Instant::now();
                let per: Vec<Stats> = std::thread::scope(|s| {
                    let handles: Vec<_> = (0..cores as u64)
                        .map(|c| {
                            let ix = &ix;
                            s.spawn(move || {
                                time(queries, |k| {
                                    let q = search_query(kind, k * cores as u64 + c, n);
                                    std::hint::black_box(ix.search(tenant, &q).unwrap());
                                })
                            })
                        })
                        .collect();
                    handles.into_iter().map(|h| h.join().unwrap()).collect()
                });
                let rate = (cores * queries) as f64 / t.elapsed().as_secs_f64();
                let p50 = per.iter().map(|s| s.p50).sum::<f64>() / per.len() as f64;
                let p95 = per.iter().map(|s| s.p95).fold(0.0, f64::max);
                println!(
                    "{kind:<10} {cores} threads at once: p50 {p50:>7.3} ms  p95 {p95:>7.3} ms  {rate:>7.0} queries/s"
                );
            }
        }

        // SQLite FTS5 on the same data (diacritics removed by unicode61; no typo tolerance).
        if !baselines {
            for (kind, o) in KINDS.iter().zip(&ours) {
                println!("{kind:<10} p50 {:>7.3} ms  p95 {:>7.3} ms", o.p50, o.p95);
            }
            continue;
        }
        let fts = fts5(n, queries);
        let trgm = pg.as_deref().map(|url| pg_trgm(url, n, queries));

        println!(
            "\n{:<10} {:>12} {:>12} {:>22} {:>22}",
            "query", "tantivy p50", "tantivy p95", "FTS5 p95 (x tantivy)", "pg_trgm p95 (x tantivy)"
        );
        for (i, kind) in KINDS.iter().enumerate() {
            let o = &ours[i];
            let f = &fts[i];
            let pgs = trgm
                .as_ref()
                .map(|t| format!("{:.2} ms ({:.1}x)", t[i].p95, t[i].p95 / o.p95))
                .unwrap_or_else(|| "-".into());
            println!(
                "{:<10} {:>9.3} ms {:>9.3} ms {:>22} {:>22}",
                kind,
                o.p50,
                o.p95,
                format!("{:.2} ms ({:.1}x)", f.p95, f.p95 / o.p95),
                pgs
            );
        }
        println!("(FTS5 'fuzzy' runs the misspelt word as typed: it finds nothing, it has no typo tolerance)");
        // The goal: on each kind, no slower at p95 than the fastest peer that does the same work
        // (FTS5 cannot forgive typos, so on typos the peer is pg_trgm), and under 1 ms.
        println!("\n{:<10} {:>12} {:>24}   goal", "query", "tantivy p95", "fastest peer p95");
        let under = |p95: f64| if p95 < 1.0 { "met" } else { "NOT met" };
        for (i, kind) in KINDS.iter().enumerate() {
            let o = ours[i].p95;
            let mut peers = Vec::new();
            if *kind != "fuzzy" {
                peers.push(("FTS5", fts[i].p95));
            }
            if let Some(t) = &trgm {
                peers.push(("pg_trgm", t[i].p95));
            }
            let best = peers.into_iter().min_by(|a, b| a.1.total_cmp(&b.1));
            let (peer, verdict) = match best {
                Some((name, p)) => (
                    format!("{p:.3} ms ({name})"),
                    format!("{}, under 1 ms: {}", if o <= p { "no slower: met" } else { "slower: NOT met" }, under(o)),
                ),
                None => ("- (needs --pg)".into(), format!("under 1 ms: {}", under(o))),
            };
            println!("{kind:<10} {o:>9.3} ms {peer:>24}   {verdict}");
        }
        println!("(load average: {})", load());
    }
}

/// The machine's load average: the figures are only as good as the machine was idle.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn fts5(n: u64, queries: usize) -> Vec<Stats> {
    let dir = tempfile::tempdir().unwrap();
    let mut db = rusqlite::Connection::open(dir.path().join("fts.db")).unwrap();
    db.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;
         CREATE VIRTUAL TABLE docs USING fts5(first, family, id_number, email, exam, centre, place, exam_code UNINDEXED,
            shared_at UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');",
    )
    .unwrap();
    let t0 = Instant::now();
    let tx = db.transaction().unwrap();
    {
        let mut st = tx.prepare("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)").unwrap();
        for i in 0..n {
            let d = doc(i);
            st.execute(rusqlite::params![
                d.first_name,
                d.family_name,
                d.id_number,
                d.email,
                d.exam_name,
                d.centre_name,
                d.place_of_entry,
                d.exam_code,
                d.shared_at.timestamp()
            ])
            .unwrap();
        }
    }
    tx.commit().unwrap();
    println!("SQLite FTS5: indexed in {:.1} s", t0.elapsed().as_secs_f64());
    let quote = |s: &str| format!("\"{}\"", s.replace('"', ""));
    KINDS
        .iter()
        .map(|kind| {
            time(queries, |k| {
                let (text, exam) = query(kind, k, n);
                let m = match *kind {
                    "prefix" | "filtered" => format!("family : {}*", quote(&text)),
                    _ => format!("family : {}", quote(&text)),
                };
                let sql = if exam.is_some() {
                    "SELECT rowid, first, family FROM docs WHERE docs MATCH ?1 AND exam_code = ?2 AND shared_at >= 1609459200 ORDER BY rank LIMIT 20"
                } else {
                    "SELECT rowid, first, family FROM docs WHERE docs MATCH ?1 AND ?2 IS NULL ORDER BY rank LIMIT 20"
                };
                let mut st = db.prepare_cached(sql).unwrap();
                let rows: Vec<(i64, String, String)> =
                    st.query_map(rusqlite::params![m, exam], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
                std::hint::black_box(rows);
            })
        })
        .collect()
}

fn pg_trgm(url: &str, n: u64, queries: usize) -> Vec<Stats> {
    let mut admin = postgres::Client::connect(url, postgres::NoTls).expect("connect to --pg");
    let name = format!("tessera_bench_{}", std::process::id());
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (prefix, _) = url.rsplit_once('/').unwrap();
    let mut db = postgres::Client::connect(&format!("{prefix}/{name}"), postgres::NoTls).unwrap();
    db.batch_execute(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;
         CREATE TABLE docs (id BIGINT PRIMARY KEY, first TEXT, family TEXT, exam_code TEXT, shared_at BIGINT);",
    )
    .unwrap();
    let t0 = Instant::now();
    let mut w = db.copy_in("COPY docs FROM STDIN").unwrap();
    use std::io::Write;
    for i in 0..n {
        let d = doc(i);
        writeln!(w, "{i}\t{}\t{}\t{}\t{}", d.first_name, fold(&d.family_name), d.exam_code, d.shared_at.timestamp())
            .unwrap();
    }
    w.finish().unwrap();
    db.batch_execute("CREATE INDEX docs_family_trgm ON docs USING gin (family gin_trgm_ops); ANALYZE docs;").unwrap();
    println!(
        "PostgreSQL pg_trgm: loaded and indexed in {:.1} s (family names stored folded)",
        t0.elapsed().as_secs_f64()
    );
    let out = KINDS
        .iter()
        .map(|kind| {
            time(queries, |k| {
                let (text, exam) = query(kind, k, n);
                let text = fold(&text);
                let rows = match *kind {
                    "exact" => db.query("SELECT id, first, family FROM docs WHERE family ILIKE $1 LIMIT 20", &[&text]),
                    "prefix" => db.query("SELECT id, first, family FROM docs WHERE family ILIKE $1 LIMIT 20", &[&format!("{text}%")]),
                    "fuzzy" => db.query(
                        "SELECT id, first, family FROM docs WHERE family % $1 ORDER BY similarity(family, $1) DESC LIMIT 20",
                        &[&text],
                    ),
                    _ => db.query(
                        "SELECT id, first, family FROM docs WHERE family ILIKE $1 AND exam_code = $2 AND shared_at >= 1609459200 LIMIT 20",
                        &[&format!("{text}%"), &exam.unwrap_or("FCE")],
                    ),
                };
                std::hint::black_box(rows.unwrap());
            })
        })
        .collect();
    drop(db);
    admin.batch_execute(&format!("DROP DATABASE {name}")).unwrap();
    out
}
