//! Search benchmark: prints figures, asserts nothing (benches are not tests).
//!
//! ```text
//! cargo bench -p tessera-search --bench search -- [--sizes 100000,1000000] [--queries 500]
//!     [--pg postgres://postgres@127.0.0.1:54329/postgres]
//! ```
//!
//! A synthetic, deterministic data set of shared results in one verifier tenant: first and family
//! names in Polish, Hungarian, Italian and English with their diacritics, family names built
//! from roots and suffixes (well over 100,000 distinct ones). For each size it measures, in
//! process and through the search layer (tenant scope and stored fields included), p50 and p95
//! of exact, prefix, fuzzy and filtered queries; the same queries on SQLite FTS5 and (with
//! `--pg`) PostgreSQL pg_trgm, as ratios; bulk indexing time, index size and resident memory.

use chrono::{NaiveDate, TimeZone, Utc};
use std::collections::HashSet;
use std::time::Instant;
use tessera_domain::TenantId;
use tessera_search::{SearchIndexes, SearchQuery, SharedResultDoc, Sort};

const SYL: [&[&str]; 4] = [
    &[
        "kow", "wiś", "now", "zieł", "łuk", "grab", "maj", "sob", "dąb", "król", "wój", "cik", "szym", "pawł", "lew",
        "żak", "mił", "bor", "wit", "jas", "rog", "koź", "stęp", "marc", "głow",
    ],
    &[
        "sza", "kov", "nagy", "tót", "hor", "fek", "győ", "bal", "sző", "rác", "vár", "pap", "lak", "ker", "mol", "fü",
        "bí", "csó", "dé", "gá", "hé", "jó", "kő", "lő", "ör",
    ],
    &[
        "ross", "bianc", "ferr", "esp", "ricc", "mar", "gall", "cost", "font", "bru", "gre", "rom", "col", "de", "lu",
        "con", "mor", "bar", "sant", "vit", "pel", "fab", "ner", "car", "sal",
    ],
    &[
        "smi", "john", "wil", "bro", "tay", "and", "thom", "harr", "clar", "lew", "rob", "walk", "whit", "hall",
        "young", "king", "wright", "scott", "green", "bak", "ad", "nel", "hill", "mit", "camp",
    ],
];
const SUFFIX: [&[&str]; 4] = [
    &["ski", "ska", "czyk", "ak", "ewicz", "owski", "iński", "ała", "ek", "uk"],
    &["i", "né", "falvi", "házi", "s", "ó", "ényi", "ai", "ősi", "as"],
    &["i", "elli", "etti", "ini", "one", "ucci", "ato", "esi", "otti", "ano"],
    &["son", "s", "ton", "ley", "field", "wood", "er", "ford", "ham", "well"],
];
const FIRST: [&[&str]; 4] = [
    &["Łukasz", "Zofia", "Wojciech", "Małgorzata", "Krzysztof", "Agnieszka", "Paweł", "Józef", "Anna", "Bartłomiej"],
    &["Győző", "Erzsébet", "László", "Zsófia", "Gábor", "Ágnes", "Ödön", "Csilla", "Béla", "Tünde"],
    &["Giulia", "Niccolò", "Francesca", "Lorenzo", "Chiara", "Mattia", "Beatrice", "Andrea", "Sofia", "Gabriele"],
    &["Oliver", "Amelia", "George", "Isla", "Harry", "Emily", "Jack", "Grace", "Thomas", "Chloe"],
];
const EXAMS: [(&str, &str); 6] = [
    ("KET", "A2 Key"),
    ("PET", "B1 Preliminary"),
    ("FCE", "B2 First"),
    ("CAE", "C1 Advanced"),
    ("CPE", "C2 Proficiency"),
    ("BECV", "B2 Business Vantage"),
];
const CENTRES: [(&str, &str); 4] = [
    ("PL078 International House Integra Katowice", "Poland (PL)"),
    ("HU012 Budapest Language Centre", "Hungary (HU)"),
    ("IT045 Centro Linguistico Milano", "Italy (IT)"),
    ("GB201 Oxford English Centre", "United Kingdom (GB)"),
];

/// A small deterministic hash, so document `i` is the same on every run.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

/// The family name number `k` of language `lang`: two or three syllables and a suffix.
fn family(lang: usize, k: u64) -> String {
    let syl = SYL[lang];
    let suf = SUFFIX[lang];
    let n = syl.len() as u64;
    let a = syl[(k % n) as usize];
    let b = syl[((k / n) % n) as usize];
    let third = (k / (n * n)) % (n + 1);
    let c = if third == 0 { "" } else { syl[(third - 1) as usize] };
    let s = suf[((k / (n * n * (n + 1))) % suf.len() as u64) as usize];
    capitalise(&format!("{a}{b}{c}{s}"))
}

fn doc(i: u64) -> SharedResultDoc {
    let h = mix(i);
    let lang = (h % 4) as usize;
    let fam = family(lang, mix(h) % 400_000);
    let first = FIRST[lang][((h >> 8) % 10) as usize];
    let (code, exam) = EXAMS[((h >> 16) % 6) as usize];
    let (centre, place) = CENTRES[lang];
    let dob = NaiveDate::from_ymd_opt(
        1970 + ((h >> 20) % 40) as i32,
        1 + ((h >> 28) % 12) as u32,
        1 + ((h >> 32) % 28) as u32,
    )
    .unwrap();
    let exam_date = NaiveDate::from_ymd_opt(2018 + ((h >> 36) % 9) as i32, 1 + ((h >> 40) % 12) as u32, 10).unwrap();
    SharedResultDoc {
        share_id: format!("{i:016x}"),
        centre_tenant_id: "bench".into(),
        entry_id: format!("e{i}"),
        first_name: first.into(),
        family_name: fam.clone(),
        date_of_birth: dob,
        id_number: format!("{}{:07}", &centre[..5], i),
        email: Some(format!("{}.{}{}@example.org", first.to_lowercase(), fam.to_lowercase(), i % 100)),
        exam_code: code.into(),
        exam_name: exam.into(),
        exam_date,
        centre_name: centre.into(),
        place_of_entry: place.into(),
        sor_number: Some(format!("SOR{i:09}")),
        shared_at: Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap()
            + chrono::Duration::seconds((h >> 12) as i64 % 200_000_000),
    }
}

fn fold(s: &str) -> String {
    tessera_search::analysis::words(s).concat()
}

/// A typing error: one letter replaced (two for long names).
fn typo(s: &str) -> String {
    let mut c: Vec<char> = fold(s).chars().collect();
    let n = c.len();
    if n > 3 {
        c[n / 2] = if c[n / 2] == 'x' { 'q' } else { 'x' };
    }
    if n >= 9 {
        c[1] = if c[1] == 'z' { 'q' } else { 'z' };
    }
    c.into_iter().collect()
}

struct Stats {
    p50: f64,
    p95: f64,
}

fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    Stats { p50: at(0.50), p95: at(0.95) }
}

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").parse::<f64>().unwrap_or(0.0))
        })
        .unwrap_or(0.0)
        / 1024.0
}

const KINDS: [&str; 4] = ["exact", "prefix", "fuzzy", "filtered"];

/// (free text, exam filter) of query `k` of kind `kind`.
fn query(kind: &str, k: u64, n: u64) -> (String, Option<&'static str>) {
    let d = doc(mix(k ^ 0xbe9c) % n);
    match kind {
        "exact" => (d.family_name.clone(), None),
        "prefix" => (d.family_name.chars().take(4).collect(), None),
        "fuzzy" => (typo(&d.family_name), None),
        _ => (d.family_name.chars().take(4).collect(), Some(EXAMS[(k % 6) as usize].0)),
    }
}

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
        println!("search bench: [--sizes 100000,1000000] [--queries 500] [--pg URL]");
        return;
    }
    let arg = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let sizes: Vec<u64> = arg("--sizes")
        .unwrap_or_else(|| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let queries: usize = arg("--queries").and_then(|s| s.parse().ok()).unwrap_or(500);
    let pg = arg("--pg").or_else(|| std::env::var("TESSERA_BENCH_PG").ok());

    for &n in &sizes {
        println!("\n== {n} shared results in one verifier tenant ==");
        let distinct: HashSet<String> = (0..n).map(|i| doc(i).family_name).collect();
        let vocabulary: usize = (0..4).map(|l| SYL[l].len().pow(2) * (SYL[l].len() + 1) * SUFFIX[l].len()).sum();
        println!("distinct family names: {} (vocabulary of the generator: {vocabulary})", distinct.len());
        drop(distinct);

        // Tantivy through the search layer.
        let dir = tempfile::tempdir().unwrap();
        let ix = SearchIndexes::open(dir.path(), 4).unwrap();
        let tenant = TenantId::new();
        let t0 = Instant::now();
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
        build.finish().unwrap();
        let index_secs = t0.elapsed().as_secs_f64();
        println!(
            "tessera-search: indexed in {index_secs:.1} s, index {:.0} MB on disk, process RSS {:.0} MB",
            ix.size_on_disk(tenant) as f64 / 1e6,
            rss_mb()
        );
        let mut ours = Vec::new();
        for kind in KINDS {
            let s = time(queries, |k| {
                let (text, exam) = query(kind, k, n);
                let mut q = SearchQuery { text, limit: 20, sort: Sort::Relevance, ..Default::default() };
                if let Some(e) = exam {
                    q.exam = Some(e.into());
                    q.shared_from = Some(Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
                }
                std::hint::black_box(ix.search(tenant, &q).unwrap());
            });
            ours.push(s);
        }
        println!("after queries: process RSS {:.0} MB", rss_mb());

        // SQLite FTS5 on the same data (diacritics removed by unicode61; no typo tolerance).
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
    }
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
