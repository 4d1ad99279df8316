//! Region scale benchmark: prints figures, asserts nothing (benches are not tests).
//!
//! ```text
//! cargo bench -p tessera-search --bench scale -- [--total 10000000] [--orgs 100]
//!     [--largest 1000000] [--max-open 64] [--queries 300] [--dir DIR]
//! ```
//!
//! One node of a region holding many verifier organisations: `--total` shared results over
//! `--orgs` organisations, the largest with `--largest` and the others sharing the rest evenly
//! (the same generated documents as the search bench). It reports, beside the limit measured in
//! the same run:
//! - resident memory after a search in every organisation through a cache of `--max-open` open
//!   indexes (the server's default `search.max_open_indexes` is 64), against the same figure with
//!   only the largest organisation open;
//! - the time to open a cold organisation's index and answer its first search (p50, p95 over
//!   organisations not in the cache), against a warm search in the same index;
//! - p95 of the largest organisation's searches, alone and after every other organisation was
//!   searched (its index evicted and opened again), per kind.
//!
//! `--dir DIR` keeps the indexes between runs (delete DIR after a schema change).

use std::time::Instant;
use tessera_domain::TenantId;
use tessera_search::SearchIndexes;

mod dataset;

use dataset::{KINDS, Stats, doc, rss, search_query, stats};

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!(
            "scale bench: [--total 10000000] [--orgs 100] [--largest 1000000] [--max-open 64] [--queries 300] [--dir DIR]"
        );
        return;
    }
    let num = |name: &str, default: u64| dataset::arg(&args, name).and_then(|s| s.parse().ok()).unwrap_or(default);
    let total = num("--total", 10_000_000);
    let orgs = num("--orgs", 100).max(2);
    let largest = num("--largest", 1_000_000).min(total);
    let max_open = num("--max-open", 64) as usize;
    let queries = num("--queries", 300);
    let keep = dataset::arg(&args, "--dir");
    let tmp = tempfile::tempdir().unwrap();
    let root = keep.as_ref().map(std::path::PathBuf::from).unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&root).unwrap();

    // The organisations and their sizes: the largest first, then the rest evenly.
    let rest = (total - largest) / (orgs - 1);
    let sizes: Vec<u64> = std::iter::once(largest).chain((1..orgs).map(|_| rest)).collect();
    let ids_file = root.join("tenants");
    let kept: Vec<TenantId> = std::fs::read_to_string(&ids_file)
        .ok()
        .map(|s| s.lines().filter_map(|l| l.parse().ok()).collect())
        .unwrap_or_default();
    let tenants: Vec<TenantId> =
        if kept.len() == sizes.len() { kept } else { sizes.iter().map(|_| TenantId::new()).collect() };
    println!(
        "== {} shared results over {orgs} organisations (largest {largest}, the others {rest} each), max_open_indexes {max_open} ==",
        sizes.iter().sum::<u64>()
    );

    // Build every index (skipped when --dir holds them already).
    {
        let ix = SearchIndexes::open(&root, max_open).unwrap();
        let t0 = Instant::now();
        let mut offset = 0u64;
        for (tenant, &n) in tenants.iter().zip(&sizes) {
            if ix.count(*tenant).unwrap_or(0) != n {
                let mut build = ix.rebuild(*tenant).unwrap();
                let mut batch = Vec::with_capacity(10_000);
                for i in offset..offset + n {
                    batch.push(doc(i));
                    if batch.len() == 10_000 {
                        build.add(&batch).unwrap();
                        batch.clear();
                    }
                }
                build.add(&batch).unwrap();
                build.finish().unwrap();
            }
            offset += n;
        }
        std::fs::write(&ids_file, tenants.iter().map(|t| t.to_string()).collect::<Vec<_>>().join("\n")).unwrap();
        let disk: u64 = tenants.iter().map(|t| ix.size_on_disk(*t)).sum();
        println!("indexes ready in {:.1} s, {:.0} MB on disk", t0.elapsed().as_secs_f64(), disk as f64 / 1e6);
    }

    // A fresh process state: the largest organisation alone, warm.
    let ix = SearchIndexes::open(&root, max_open).unwrap();
    let big = tenants[0];
    let largest_p95 = |ix: &SearchIndexes| -> Vec<Stats> {
        KINDS
            .iter()
            .map(|kind| {
                for k in 0..20 {
                    ix.search(big, &search_query(kind, 1_000_000 + k, largest)).unwrap();
                }
                stats(
                    (0..queries)
                        .map(|k| {
                            let t = Instant::now();
                            std::hint::black_box(ix.search(big, &search_query(kind, k, largest)).unwrap());
                            ms(t)
                        })
                        .collect(),
                )
            })
            .collect()
    };
    let alone = largest_p95(&ix);
    println!("resident memory with the largest organisation open (the limit): {}", rss());

    // Every organisation searched once, in turn, through the bounded cache: each one beyond
    // `max_open` evicts the least recently used. Cold = its index was not open.
    let mut cold = Vec::new();
    let mut warm = Vec::new();
    for (i, (tenant, &n)) in tenants.iter().zip(&sizes).enumerate().skip(1) {
        let q = search_query("exact", i as u64, n);
        let t = Instant::now();
        std::hint::black_box(ix.search(*tenant, &q).unwrap());
        cold.push(ms(t));
        let t = Instant::now();
        std::hint::black_box(ix.search(*tenant, &search_query("exact", i as u64 + 7, n)).unwrap());
        warm.push(ms(t));
    }
    let (cold, warm) = (stats(cold), stats(warm));
    println!("resident memory after a search in each of the {orgs} organisations: {}", rss());
    println!(
        "cold organisation: open its index and answer the first search: p50 {:.1} ms, p95 {:.1} ms (goal < 200 ms); the next search in it (the limit): p50 {:.2} ms, p95 {:.2} ms",
        cold.p50, cold.p95, warm.p50, warm.p95
    );

    // The largest again, after the others pushed it out of the cache.
    let after = largest_p95(&ix);
    println!(
        "largest organisation ({largest} results), p95 per kind: alone (the limit) -> after the other organisations"
    );
    for ((kind, a), b) in KINDS.iter().zip(&alone).zip(&after) {
        println!("  {kind:<10} {:>7.3} ms -> {:>7.3} ms  (ratio {:.2})", a.p95, b.p95, b.p95 / a.p95.max(1e-9));
    }
    println!("resident memory at the end: {}", rss());
}
