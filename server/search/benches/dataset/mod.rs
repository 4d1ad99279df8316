//! The synthetic data set of the search benchmarks, shared by the in-process bench
//! (`server/search/benches/search.rs`) and the HTTP bench (`server/daemon/benches/verifier_search.rs`,
//! which includes this file by path): deterministic shared results of one verifier tenant, with
//! first and family names in Polish, Hungarian, Italian and English and their diacritics, family
//! names built from roots and suffixes (well over 100,000 distinct ones), and the queries of each
//! kind run against them.

#![allow(dead_code)]

use chrono::{NaiveDate, TimeZone, Utc};
use tessera_search::{SearchQuery, SharedResultDoc, Sort};

pub const SYL: [&[&str]; 4] = [
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
pub const SUFFIX: [&[&str]; 4] = [
    &["ski", "ska", "czyk", "ak", "ewicz", "owski", "iński", "ała", "ek", "uk"],
    &["i", "né", "falvi", "házi", "s", "ó", "ényi", "ai", "ősi", "as"],
    &["i", "elli", "etti", "ini", "one", "ucci", "ato", "esi", "otti", "ano"],
    &["son", "s", "ton", "ley", "field", "wood", "er", "ford", "ham", "well"],
];
pub const FIRST: [&[&str]; 4] = [
    &["Łukasz", "Zofia", "Wojciech", "Małgorzata", "Krzysztof", "Agnieszka", "Paweł", "Józef", "Anna", "Bartłomiej"],
    &["Győző", "Erzsébet", "László", "Zsófia", "Gábor", "Ágnes", "Ödön", "Csilla", "Béla", "Tünde"],
    &["Giulia", "Niccolò", "Francesca", "Lorenzo", "Chiara", "Mattia", "Beatrice", "Andrea", "Sofia", "Gabriele"],
    &["Oliver", "Amelia", "George", "Isla", "Harry", "Emily", "Jack", "Grace", "Thomas", "Chloe"],
];
pub const EXAMS: [(&str, &str); 6] = [
    ("KET", "A2 Key"),
    ("PET", "B1 Preliminary"),
    ("FCE", "B2 First"),
    ("CAE", "C1 Advanced"),
    ("CPE", "C2 Proficiency"),
    ("BECV", "B2 Business Vantage"),
];
pub const CENTRES: [(&str, &str); 4] = [
    ("PL078 International House Integra Katowice", "Poland (PL)"),
    ("HU012 Budapest Language Centre", "Hungary (HU)"),
    ("IT045 Centro Linguistico Milano", "Italy (IT)"),
    ("GB201 Oxford English Centre", "United Kingdom (GB)"),
];

/// How many distinct family names the generator can make.
pub fn vocabulary() -> usize {
    (0..4).map(|l| SYL[l].len().pow(2) * (SYL[l].len() + 1) * SUFFIX[l].len()).sum()
}

/// A small deterministic hash, so document `i` is the same on every run.
pub fn mix(mut x: u64) -> u64 {
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
pub fn family(lang: usize, k: u64) -> String {
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

pub fn doc(i: u64) -> SharedResultDoc {
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

pub fn fold(s: &str) -> String {
    tessera_search::analysis::words(s).concat()
}

/// A typing error: one letter replaced (two for long names).
pub fn typo(s: &str) -> String {
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

pub struct Stats {
    pub p50: f64,
    pub p95: f64,
}

pub fn stats(mut v: Vec<f64>) -> Stats {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    Stats { p50: at(0.50), p95: at(0.95) }
}

pub const KINDS: [&str; 4] = ["exact", "prefix", "fuzzy", "filtered"];

/// (free text, exam filter) of query `k` of kind `kind`; a filtered query is also limited to
/// shares from [`FILTERED_SHARED_FROM`] on.
pub fn query(kind: &str, k: u64, n: u64) -> (String, Option<&'static str>) {
    let d = doc(mix(k ^ 0xbe9c) % n);
    match kind {
        "exact" => (d.family_name.clone(), None),
        "prefix" => (d.family_name.chars().take(4).collect(), None),
        "fuzzy" => (typo(&d.family_name), None),
        _ => (d.family_name.chars().take(4).collect(), Some(EXAMS[(k % 6) as usize].0)),
    }
}

/// The `shared_from` day of filtered queries.
pub const FILTERED_SHARED_FROM: (i32, u32, u32) = (2021, 1, 1);

/// Query `k` of kind `kind` as the search layer takes it (20 hits, by relevance).
pub fn search_query(kind: &str, k: u64, n: u64) -> SearchQuery {
    let (text, exam) = query(kind, k, n);
    let mut q = SearchQuery { text, limit: 20, sort: Sort::Relevance, ..Default::default() };
    if let Some(e) = exam {
        let (y, m, d) = FILTERED_SHARED_FROM;
        q.exam = Some(e.into());
        q.shared_from = Some(Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap());
    }
    q
}

/// The value that follows `name` on a bench's command line, if any.
pub fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// The data-set sizes a bench runs: `--sizes 100000,1000000` (also the default).
pub fn sizes(args: &[String]) -> Vec<u64> {
    arg(args, "--sizes")
        .unwrap_or_else(|| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// Resident memory of this process: in all, and how much of it is mapped index files (page cache
/// the kernel may reclaim) rather than heap.
pub fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let mb = |key: &str| -> f64 {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    format!("{:.0} MB (heap {:.0} MB, mapped files {:.0} MB)", mb("VmRSS:"), mb("RssAnon:"), mb("RssFile:"))
}
