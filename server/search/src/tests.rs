//! The search layer on its own: folding, prefixes, typos, filters, order, paging and, above all,
//! tenant scope (R-SEARCH-FIELDS).

use super::*;
use chrono::TimeZone;

fn doc(
    n: u32,
    first: &str,
    family: &str,
    id: &str,
    exam: (&str, &str),
    centre: &str,
    country: &str,
) -> SharedResultDoc {
    SharedResultDoc {
        share_id: format!("share-{n}"),
        centre_tenant_id: "c".into(),
        entry_id: format!("entry-{n}"),
        first_name: first.into(),
        family_name: family.into(),
        date_of_birth: NaiveDate::from_ymd_opt(2000, 1, 1 + n % 28).unwrap(),
        id_number: id.into(),
        email: Some(format!("{}.{}@example.org", first.to_lowercase(), n)),
        exam_code: exam.0.into(),
        exam_name: exam.1.into(),
        exam_date: NaiveDate::from_ymd_opt(2026, 1 + n % 12, 10).unwrap(),
        centre_name: centre.into(),
        place_of_entry: country.into(),
        sor_number: Some(format!("SOR{n:06}")),
        shared_at: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap() + chrono::Duration::hours(i64::from(n)),
    }
}

fn fixture() -> (tempfile::TempDir, SearchIndexes, TenantId, TenantId) {
    let dir = tempfile::tempdir().unwrap();
    let ix = SearchIndexes::open(dir.path(), 2).unwrap();
    let a = TenantId::new();
    let b = TenantId::new();
    let fce = ("FCE", "B2 First");
    let cae = ("CAE", "C1 Advanced");
    ix.apply(
        a,
        &[
            Change::Upsert(Box::new(doc(
                1,
                "Łukasz",
                "Kowalski",
                "PL078000001",
                fce,
                "PL078 Integra Katowice",
                "Poland",
            ))),
            Change::Upsert(Box::new(doc(2, "Győző", "Szabó", "HU012000002", cae, "HU012 Budapest Centre", "Hungary"))),
            Change::Upsert(Box::new(doc(
                3,
                "Anna",
                "Kowalczyk",
                "PL078000003",
                cae,
                "PL078 Integra Katowice",
                "Poland",
            ))),
            Change::Upsert(Box::new(doc(4, "Giulia", "Bianchi", "IT001000004", fce, "IT001 Milano", "Italy"))),
        ],
    )
    .unwrap();
    ix.apply(
        b,
        &[Change::Upsert(Box::new(doc(
            9,
            "Zofia",
            "Wiśniewska",
            "PL078000009",
            fce,
            "PL078 Integra Katowice",
            "Poland",
        )))],
    )
    .unwrap();
    (dir, ix, a, b)
}

fn text(ix: &SearchIndexes, t: TenantId, q: &str) -> Vec<String> {
    let page = ix.search(t, &SearchQuery { text: q.into(), limit: 20, ..Default::default() }).unwrap();
    page.hits.into_iter().map(|h| h.family_name).collect()
}

#[test]
fn diacritics_are_folded_both_ways() {
    let (_d, ix, a, _) = fixture();
    assert_eq!(text(&ix, a, "Lukasz"), ["Kowalski"]);
    assert_eq!(text(&ix, a, "łukasz"), ["Kowalski"]);
    assert_eq!(text(&ix, a, "Gyozo szabo"), ["Szabó"]);
    assert_eq!(text(&ix, a, "GYŐZŐ"), ["Szabó"]);
}

#[test]
fn prefixes_match_as_the_user_types() {
    let (_d, ix, a, _) = fixture();
    let mut hits = text(&ix, a, "kowal");
    hits.sort();
    assert_eq!(hits, ["Kowalczyk", "Kowalski"]);
    assert_eq!(text(&ix, a, "kowalc"), ["Kowalczyk"]);
    assert_eq!(text(&ix, a, "bian giu"), ["Bianchi"]);
}

#[test]
fn typos_are_tolerated_by_length() {
    let (_d, ix, a, _) = fixture();
    // One edit in a short word, two in a long one.
    assert_eq!(text(&ix, a, "Biamchi"), ["Bianchi"]);
    assert_eq!(text(&ix, a, "Kowalsky"), ["Kowalski"]);
    assert_eq!(text(&ix, a, "Kowakczuk"), ["Kowalczyk"]);
    assert!(text(&ix, a, "Xyzzyq").is_empty());
    assert_eq!(typo_distance(2), 0);
    assert_eq!(typo_distance(5), 1);
    assert_eq!(typo_distance(9), 2);
}

#[test]
fn a_word_held_as_typed_is_taken_as_typed_unless_nothing_matches() {
    let (_d, ix, a, _) = fixture();
    let fce = ("FCE", "B2 First");
    let kowalska = doc(5, "Zofia", "Kowalska", "PL078000005", fce, "PL078 Integra Katowice", "Poland");
    ix.apply(a, &[Change::Upsert(Box::new(kowalska))]).unwrap();
    // Someone is called Kowalska and someone Kowalski, one edit apart: each name finds its own.
    assert_eq!(text(&ix, a, "Kowalska"), ["Kowalska"]);
    assert_eq!(text(&ix, a, "Kowalski"), ["Kowalski"]);
    // A word not in the index is still forgiven its typos.
    let mut hits = text(&ix, a, "Kowalsko");
    hits.sort();
    assert_eq!(hits, ["Kowalska", "Kowalski"]);
    // Łukasz is Kowalski, not Kowalska: with nothing matching as typed, Kowalska is taken as a
    // typo of another name.
    assert_eq!(text(&ix, a, "Łukasz Kowalska"), ["Kowalski"]);
    let q = SearchQuery { name: Some("lukasz kowalska".into()), limit: 20, ..Default::default() };
    assert_eq!(ix.search(a, &q).unwrap().total, 1);
    // The same for the beginning of a word: "bian" begins Bianchi, so Brian (one letter more)
    // is not taken for it, unless nothing else matches.
    let brian = doc(6, "Brian", "Smith", "GB201000006", fce, "GB201 Oxford", "United Kingdom");
    ix.apply(a, &[Change::Upsert(Box::new(brian))]).unwrap();
    assert_eq!(text(&ix, a, "bian"), ["Bianchi"]);
    assert_eq!(text(&ix, a, "smith bian"), ["Smith"]);
}

#[test]
fn other_fields_are_searchable() {
    let (_d, ix, a, _) = fixture();
    assert_eq!(text(&ix, a, "HU012000002"), ["Szabó"]);
    assert_eq!(text(&ix, a, "giulia.4@example.org"), ["Bianchi"]);
    assert_eq!(text(&ix, a, "Milano"), ["Bianchi"]);
    assert_eq!(text(&ix, a, "hungary"), ["Szabó"]);
    assert_eq!(text(&ix, a, "advanced katowice"), ["Kowalczyk"]);
}

#[test]
fn tenant_scope_holds_even_for_exact_id_numbers() {
    let (_d, ix, a, b) = fixture();
    assert!(text(&ix, a, "PL078000009").is_empty(), "A must not see B's share");
    assert!(text(&ix, a, "Wiśniewska").is_empty());
    let q = SearchQuery { id_number: Some("PL078000009".into()), limit: 10, ..Default::default() };
    assert_eq!(ix.search(a, &q).unwrap().total, 0);
    assert_eq!(ix.search(b, &q).unwrap().total, 1);
    assert_eq!(ix.search(b, &SearchQuery { limit: 10, ..Default::default() }).unwrap().total, 1);
    // A third tenant has an empty index, not someone else's.
    assert_eq!(ix.search(TenantId::new(), &SearchQuery { limit: 10, ..Default::default() }).unwrap().total, 0);
}

#[test]
fn filters_narrow() {
    let (_d, ix, a, _) = fixture();
    let run = |q: SearchQuery| -> Vec<String> {
        let mut v: Vec<String> =
            ix.search(a, &SearchQuery { limit: 10, ..q }).unwrap().hits.into_iter().map(|h| h.family_name).collect();
        v.sort();
        v
    };
    assert_eq!(run(SearchQuery { exam: Some("fce".into()), ..Default::default() }), ["Bianchi", "Kowalski"]);
    assert_eq!(run(SearchQuery { exam: Some("advanced".into()), ..Default::default() }), ["Kowalczyk", "Szabó"]);
    assert_eq!(
        run(SearchQuery { place_of_entry: Some("Poland".into()), ..Default::default() }),
        ["Kowalczyk", "Kowalski"]
    );
    assert_eq!(run(SearchQuery { centre: Some("budapest".into()), ..Default::default() }), ["Szabó"]);
    assert_eq!(run(SearchQuery { name: Some("lukasz".into()), ..Default::default() }), ["Kowalski"]);
    assert_eq!(run(SearchQuery { id_number: Some("pl078-000003".into()), ..Default::default() }), ["Kowalczyk"]);
    assert_eq!(run(SearchQuery { email: Some("Giulia.4@Example.org".into()), ..Default::default() }), ["Bianchi"]);
    let dob = NaiveDate::from_ymd_opt(2000, 1, 3).unwrap();
    assert_eq!(run(SearchQuery { date_of_birth: Some(dob), ..Default::default() }), ["Szabó"]);
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 2, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap();
    assert_eq!(
        run(SearchQuery { shared_from: Some(from), shared_to: Some(to), ..Default::default() }),
        ["Kowalczyk", "Szabó"]
    );
    let ed = |m| NaiveDate::from_ymd_opt(2026, m, 10).unwrap();
    assert_eq!(
        run(SearchQuery { exam_date_from: Some(ed(4)), exam_date_to: Some(ed(5)), ..Default::default() }),
        ["Bianchi", "Kowalczyk"]
    );
    // Filters combine with free text.
    assert_eq!(
        run(SearchQuery { text: "kowal".into(), exam: Some("CAE".into()), ..Default::default() }),
        ["Kowalczyk"]
    );
}

#[test]
fn sorting_and_paging() {
    let (_d, ix, a, _) = fixture();
    let page = |sort, offset, limit| -> (usize, Vec<String>) {
        let p = ix.search(a, &SearchQuery { sort, offset, limit, ..Default::default() }).unwrap();
        (p.total, p.hits.into_iter().map(|h| h.family_name).collect())
    };
    assert_eq!(page(Sort::SharedNewest, 0, 2), (4, vec!["Bianchi".into(), "Kowalczyk".into()]));
    assert_eq!(page(Sort::SharedNewest, 2, 2), (4, vec!["Szabó".into(), "Kowalski".into()]));
    assert_eq!(page(Sort::SharedOldest, 0, 1).1, ["Kowalski"]);
    assert_eq!(page(Sort::FamilyName, 0, 4).1, ["Bianchi", "Kowalczyk", "Kowalski", "Szabó"]);
    assert_eq!(page(Sort::ExamDate, 0, 1).1, ["Bianchi"]);
    assert!(ix.search(a, &SearchQuery { offset: 1_000_000, limit: 1, ..Default::default() }).is_err());
}

#[test]
fn upsert_replaces_and_delete_removes() {
    let (_d, ix, a, _) = fixture();
    let mut d = doc(1, "Łukasz", "Nowak", "PL078000001", ("FCE", "B2 First"), "PL078", "Poland");
    d.share_id = "share-1".into();
    ix.apply(a, &[Change::Upsert(Box::new(d))]).unwrap();
    assert_eq!(text(&ix, a, "lukasz"), ["Nowak"]);
    ix.apply(a, &[Change::Delete("share-1".into()), Change::Delete("nope".into())]).unwrap();
    assert!(text(&ix, a, "lukasz").is_empty());
    assert_eq!(ix.count(a).unwrap(), 3);
}

#[test]
fn rebuild_replaces_everything_and_cache_evicts() {
    let (_d, ix, a, b) = fixture();
    let c = TenantId::new();
    // Three tenants through a cache of two: evicted indexes reopen from disk.
    assert_eq!(ix.count(c).unwrap(), 0);
    assert_eq!(ix.count(a).unwrap(), 4);
    assert_eq!(ix.count(b).unwrap(), 1);
    let mut r = ix.rebuild(a).unwrap();
    r.add(&[doc(7, "Marco", "Rossi", "IT001000007", ("FCE", "B2 First"), "IT001 Milano", "Italy")]).unwrap();
    assert_eq!(r.finish().unwrap(), 1);
    assert_eq!(text(&ix, a, "rossi"), ["Rossi"]);
    assert_eq!(ix.count(a).unwrap(), 1);
    assert!(ix.size_on_disk(a) > 0);
}

#[test]
fn long_prefixes_of_numbers_match() {
    let (_d, ix, a, _) = fixture();
    // Prefixes of words with digits are indexed from six to eight characters; longer ones are
    // looked up, shorter ones (the same for many candidates) match nothing by prefix.
    assert!(text(&ix, a, "SOR00").is_empty());
    assert_eq!(text(&ix, a, "SOR000002"), ["Szabó"]);
    assert_eq!(text(&ix, a, "HU0120"), ["Szabó"]);
    assert_eq!(text(&ix, a, "HU0120000"), ["Szabó"]);
    assert_eq!(text(&ix, a, "hu01200000"), ["Szabó"]);
    assert!(text(&ix, a, "HU0120001").is_empty());
    assert_eq!(text(&ix, a, "giulia.4@exam"), ["Bianchi"]);
}

#[test]
fn one_owner_per_folder() {
    let (d, ix, _, _) = fixture();
    match SearchIndexes::open(d.path(), 2) {
        Err(SearchError::FolderInUse(p)) => assert_eq!(p, d.path()),
        other => panic!("a second owner was let in: {other:?}"),
    }
    drop(ix);
    assert!(SearchIndexes::open(d.path(), 2).is_ok(), "the folder is free once its owner closed it");
}
