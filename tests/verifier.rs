//! Results Verification Service: search consistency with the database (the change log and the
//! indexer), tenant isolation of search, withdrawal, reindex (DOMAIN.md section 12).

use crate::both_backends;
use crate::support::*;
use chrono::NaiveDate;
use serde_json::Value;
use std::time::{Duration, Instant};
use tessera_domain::{Clock, Role, TenantKind};
use tessera_storage::repo::centre::{self, Candidate, ComponentScore, Entry, ExamSession, ResultRow};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::{search_log, shares};

/// A centre with candidates who sat FCE and have results, and two verifier organisations.
pub struct World {
    pub centre: Tenant,
    pub org_a: Tenant,
    pub org_b: Tenant,
    /// Entry ids, one per candidate of `PEOPLE`.
    pub entries: Vec<String>,
}

/// (first name, family name, ID number, date of birth, email).
pub const PEOPLE: &[(&str, &str, &str, &str, &str)] = &[
    ("Łukasz", "Kowalski", "PL078000001", "2001-02-03", "lukasz@example.org"),
    ("Győző", "Szabó", "PL078000002", "2000-05-06", "gyozo@example.org"),
    ("Anna", "Kowalczyk", "PL078000003", "1999-07-08", "anna@example.org"),
    ("Giulia", "Bianchi", "PL078000004", "2002-09-10", "giulia@example.org"),
];

/// Builds the world in `srv`'s database (set-up, not behaviour under test).
pub fn world(srv: &TestServer) -> World {
    let centre_t = srv.tenant("pl078", TenantKind::Centre);
    let org_a = srv.tenant("org-a", TenantKind::Verifier);
    let org_b = srv.tenant("org-b", TenantKind::Verifier);
    srv.user(&org_a, "alice@org-a.example", Role::VerifierPrimary);
    srv.user(&org_b, "bob@org-b.example", Role::VerifierPrimary);
    let mut c = srv.db().conn().unwrap();
    let t = centre_t.id.to_string();
    let at = start_instant().naive_utc();
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let session = ExamSession {
        tenant_id: t.clone(),
        id: uuid::Uuid::new_v4().to_string(),
        exam_code: "FCE".into(),
        written_date: d("2026-03-14"),
        time_of_day: "AM".into(),
        delivery: "PB".into(),
        fee_minor: 81_000,
        late_fee_minor: 0,
        currency: "PLN".into(),
        registration_opens: d("2026-01-01"),
        registration_closes: d("2026-02-01"),
        late_entry_deadline: d("2026-02-10"),
        capacity: 100,
        minimum_candidates: 1,
        release_at: start_instant().naive_utc() - chrono::Duration::days(30),
        status: "closed".into(),
        created_at: at,
    };
    centre::insert_session(&mut c, &session).unwrap();
    let mut cands = Vec::new();
    let mut entries = Vec::new();
    let mut results = Vec::new();
    let mut components = Vec::new();
    for (i, (first, family, id, dob, email)) in PEOPLE.iter().enumerate() {
        let cid = uuid::Uuid::new_v4().to_string();
        cands.push(Candidate {
            tenant_id: t.clone(),
            id: cid.clone(),
            first_name: (*first).into(),
            family_name: (*family).into(),
            date_of_birth: d(dob),
            email: Some((*email).into()),
            phone: None,
            nationality: Some("PL".into()),
            id_number: (*id).into(),
            secret_hash: None,
            user_id: None,
            created_at: at,
        });
        let eid = uuid::Uuid::new_v4().to_string();
        entries.push(Entry {
            tenant_id: t.clone(),
            id: eid.clone(),
            session_id: session.id.clone(),
            candidate_id: cid,
            candidate_number: format!("{:04}", i + 1),
            status: "confirmed".into(),
            fee_minor: 81_000,
            currency: "PLN".into(),
            created_at: at,
        });
        // Szabó was absent from part of the exam (R-RESULT-CODES: status X, no profile).
        let absent = i == 1;
        let rid = uuid::Uuid::new_v4().to_string();
        results.push(ResultRow {
            tenant_id: t.clone(),
            id: rid.clone(),
            entry_id: eid,
            version: 1,
            is_current: true,
            status: if absent { "X" } else { "graded" }.into(),
            overall_score: (!absent).then_some(170 + i as i32),
            grade: (!absent).then(|| "B".into()),
            cefr: (!absent).then(|| "B2".into()),
            sor_number: format!("SOR-2026-{:05}", i + 1),
            created_at: at,
        });
        for (k, paper) in ["Reading", "Use of English", "Writing", "Listening", "Speaking"].iter().enumerate() {
            components.push(ComponentScore {
                tenant_id: t.clone(),
                result_id: rid.clone(),
                component: (*paper).into(),
                score: 160 + k as i32,
            });
        }
    }
    centre::insert_candidates(&mut c, &cands).unwrap();
    centre::insert_entries(&mut c, &entries).unwrap();
    centre::insert_results(&mut c, &results, &components).unwrap();
    World { centre: centre_t, org_a, org_b, entries: entries.into_iter().map(|e| e.id).collect() }
}

/// Shares entry `i` of the world with `org` (as the candidate would) through `srv`'s database.
pub fn share(srv: &TestServer, w: &World, i: usize, org: &Tenant) -> String {
    let mut c = srv.db().conn().unwrap();
    shares::create(&mut c, w.centre.id, &w.entries[i], org.id, srv.clock.now()).unwrap().id
}

/// A signed-in API client of `org`'s primary user.
pub async fn org_client(srv: &TestServer, slug: &str, login: &str) -> reqwest::Client {
    let http = client();
    api_login(&http, srv, slug, login, PASSWORD).await;
    http
}

/// The family names a search returns.
pub async fn search(http: &reqwest::Client, srv: &TestServer, query: &str) -> Vec<String> {
    let res = http.get(srv.url(&format!("/api/v1/verifier/search?{query}"))).send().await.unwrap();
    assert_eq!(res.status(), 200, "search {query}");
    let body: Value = res.json().await.unwrap();
    body["results"].as_array().unwrap().iter().map(|r| r["family_name"].as_str().unwrap().to_owned()).collect()
}

/// Waits until `query` returns `expect`; returns how long it took (panics after 5 s).
/// A server whose data folder is `dir` (the search indexes and their saved position live there),
/// on the database `url`, or on a new one (SQLite: inside `dir`, so a restart finds it again).
pub async fn start_in(backend: Backend, dir: &std::path::Path, url: Option<String>) -> TestServer {
    let dir = dir.to_path_buf();
    TestServer::start_with(backend, move |cfg| {
        cfg.data_dir = dir.clone();
        match url {
            Some(url) => cfg.database.url = url,
            None if backend == Backend::Sqlite => {
                cfg.database.url = format!("sqlite://{}", dir.join("tessera.db").display());
            }
            None => {}
        }
    })
    .await
}

pub async fn until(http: &reqwest::Client, srv: &TestServer, query: &str, expect: &[&str]) -> Duration {
    let t0 = Instant::now();
    loop {
        let mut got = search(http, srv, query).await;
        got.sort();
        if got == expect {
            return t0.elapsed();
        }
        if t0.elapsed() > Duration::from_secs(5) {
            panic!("search `{query}` returned {got:?}, expected {expect:?}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn new_share_is_searchable_within_a_second(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    assert!(search(&a, &srv, "q=kowalski").await.is_empty());
    share(&srv, &w, 0, &w.org_a);
    let took = until(&a, &srv, "q=kowalski", &["Kowalski"]).await;
    assert!(took < Duration::from_secs(1), "searchable after {took:?}");
    // Diacritics folded both ways, prefixes as the user types, typos (R-SEARCH-FIELDS).
    share(&srv, &w, 1, &w.org_a);
    until(&a, &srv, "q=Gyozo", &["Szabó"]).await;
    assert_eq!(search(&a, &srv, "q=%C5%81ukasz").await, ["Kowalski"]);
    assert_eq!(search(&a, &srv, "q=lukasz").await, ["Kowalski"]);
    assert_eq!(search(&a, &srv, "q=szab").await, ["Szabó"]);
    assert_eq!(search(&a, &srv, "q=Kowalsky").await, ["Kowalski"]);
    assert_eq!(search(&a, &srv, "id_number=pl078-000002").await, ["Szabó"]);
    assert_eq!(search(&a, &srv, "date_of_birth=2001-02-03").await, ["Kowalski"]);
    assert_eq!(search(&a, &srv, "exam=FCE&sort=family_name").await, ["Kowalski", "Szabó"]);
    assert_eq!(search(&a, &srv, "place_of_entry=poland&q=szabo").await, ["Szabó"]);
    assert_eq!(search(&a, &srv, "shared_from=2026-11-23").await.len(), 0);
    assert_eq!(search(&a, &srv, "shared_from=2026-11-22&shared_to=2026-11-22").await.len(), 2);
    // Bad input is refused with the field named.
    let res = a.get(srv.url("/api/v1/verifier/search?date_of_birth=03/02/2001")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "date_of_birth");
    let res = a.get(srv.url("/api/v1/verifier/search?sort=random")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    srv.stop().await;
}

async fn organisations_never_see_each_others_shares(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    share(&srv, &w, 0, &w.org_a);
    share(&srv, &w, 2, &w.org_b);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    let b = org_client(&srv, "org-b", "bob@org-b.example").await;
    until(&a, &srv, "q=kowal", &["Kowalski"]).await;
    until(&b, &srv, "q=kowal", &["Kowalczyk"]).await;
    // Not even by exact ID number, in free text or as a filter.
    assert!(search(&a, &srv, "q=PL078000003").await.is_empty());
    assert!(search(&a, &srv, "id_number=PL078000003").await.is_empty());
    assert!(search(&b, &srv, "q=PL078000001").await.is_empty());
    assert_eq!(search(&a, &srv, "").await, ["Kowalski"]);
    assert_eq!(search(&b, &srv, "").await, ["Kowalczyk"]);
    // A centre user is not a verifier: the endpoint does not exist for them.
    srv.user(&w.centre, "staff@pl078.example", Role::CentreStaff);
    let c = org_client(&srv, "pl078", "staff@pl078.example").await;
    let res = c.get(srv.url("/api/v1/verifier/search?q=kowalski")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    srv.stop().await;
}

async fn withdrawn_share_disappears(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let id = share(&srv, &w, 3, &w.org_a);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    until(&a, &srv, "q=bianchi", &["Bianchi"]).await;
    let mut c = srv.db().conn().unwrap();
    shares::withdraw(&mut c, w.centre.id, &id, srv.clock.now()).unwrap();
    // The very next search no longer returns it (hits are re-checked against the database)...
    assert!(search(&a, &srv, "q=bianchi").await.is_empty());
    // ...and the index itself drops it within a second (the total counts the index).
    let t0 = Instant::now();
    loop {
        let body: Value = a.get(srv.url("/api/v1/verifier/search")).send().await.unwrap().json().await.unwrap();
        if body["total"] == 0 {
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(1), "withdrawn share still indexed: {body}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    // Sharing again makes it searchable again.
    share(&srv, &w, 3, &w.org_a);
    until(&a, &srv, "q=bianchi", &["Bianchi"]).await;
    srv.stop().await;
}

async fn withdrawal_counts_before_the_indexer_applies_it(backend: Backend) {
    let (data, srv, url, w) = in_own_folder(backend).await;
    let dir = data.path().to_path_buf();
    let id = share(&srv, &w, 3, &w.org_a);
    share(&srv, &w, 0, &w.org_a);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    until(&a, &srv, "", &["Bianchi", "Kowalski"]).await;
    srv.stop().await;
    // The same data with an indexer that looks at the log once at start, then sleeps for an hour.
    let srv = TestServer::start_tweaked(backend, false, move |cfg| {
        cfg.data_dir = dir.clone();
        cfg.database.url = url;
        cfg.search.poll_interval_ms = 3_600_000;
    })
    .await;
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    assert_eq!(search(&a, &srv, "q=bianchi").await, ["Bianchi"]);
    let mut c = srv.db().conn().unwrap();
    shares::withdraw(&mut c, w.centre.id, &id, srv.clock.now()).unwrap();
    // The index still holds the share, but the log says it changed: the hits are checked.
    let state = srv.running.as_ref().unwrap().state.clone();
    assert_eq!(state.search.count(w.org_a.id).unwrap(), 2);
    assert!(search(&a, &srv, "q=bianchi").await.is_empty());
    let body: Value = a.get(srv.url("/api/v1/verifier/search")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["total"], 1, "{body}");
    assert_eq!(body["results"][0]["family_name"], "Kowalski", "{body}");
    srv.stop().await;
}

async fn index_catches_up_after_a_restart(backend: Backend) {
    let (data, srv, url, w) = in_own_folder(backend).await;
    let dir = data.path().to_path_buf();
    share(&srv, &w, 0, &w.org_a);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    until(&a, &srv, "q=kowalski", &["Kowalski"]).await;
    let db = srv.db().clone();
    srv.stop().await;
    // While no server runs, a share is made and another withdrawn.
    {
        let mut c = db.conn().unwrap();
        let now = start_instant();
        shares::create(&mut c, w.centre.id, &w.entries[1], w.org_a.id, now).unwrap();
        let first = shares::active_with_verifier(&mut c, w.org_a.id, 0, 10).unwrap();
        let kowalski = first.iter().find(|s| s.entry_id == w.entries[0]).unwrap();
        shares::withdraw(&mut c, w.centre.id, &kowalski.id, now).unwrap();
    }
    let position: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("search/indexer.json")).unwrap()).unwrap();
    assert!(position["watermark"].as_i64().unwrap() >= 1, "the position is saved: {position}");
    let srv = start_in(backend, &dir, Some(url.clone())).await;
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    until(&a, &srv, "", &["Szabó"]).await;
    let body: Value = a.get(srv.url("/api/v1/verifier/search")).send().await.unwrap().json().await.unwrap();
    assert_eq!(body["total"], 1, "the withdrawn share left the index too: {body}");
    srv.stop().await;
}

/// The daily retention run prunes change-log rows older than 30 days. A process that was down
/// longer finds its saved position before what is left, rebuilds from the database, and the
/// log's numbering carries on (the newest row is never pruned).
async fn index_rebuilds_when_the_log_was_pruned_past_it(backend: Backend) {
    let (data, srv, url, w) = in_own_folder(backend).await;
    let dir = data.path().to_path_buf();
    share(&srv, &w, 0, &w.org_a);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    until(&a, &srv, "q=kowalski", &["Kowalski"]).await;
    let db = srv.db().clone();
    srv.stop().await;
    // Down for 40 days: two shares made, Kowalski's withdrawn, and the log pruned.
    let later = start_instant() + chrono::Duration::days(40);
    {
        let mut c = db.conn().unwrap();
        shares::create(&mut c, w.centre.id, &w.entries[1], w.org_a.id, start_instant()).unwrap();
        shares::create(&mut c, w.centre.id, &w.entries[2], w.org_a.id, start_instant()).unwrap();
        let first = shares::active_with_verifier(&mut c, w.org_a.id, 0, 10).unwrap();
        let kowalski = first.iter().find(|s| s.entry_id == w.entries[0]).unwrap();
        shares::withdraw(&mut c, w.centre.id, &kowalski.id, start_instant()).unwrap();
        let before = search_log::max_seq(&mut c).unwrap();
        let pruned = search_log::prune(&mut c, later - chrono::Duration::days(30)).unwrap();
        assert!(pruned >= 3, "old rows pruned: {pruned}");
        assert_eq!(search_log::min_seq(&mut c).unwrap(), Some(before), "the newest row stays");
    }
    let srv = start_in(backend, &dir, Some(url.clone())).await;
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    until(&a, &srv, "", &["Kowalczyk", "Szabó"]).await;
    // Numbering carries on after the pruning: a new share is found by the running indexer.
    {
        let mut c = srv.db().conn().unwrap();
        shares::create(&mut c, w.centre.id, &w.entries[3], w.org_a.id, start_instant()).unwrap();
    }
    until(&a, &srv, "q=bianchi", &["Bianchi"]).await;
    srv.stop().await;
}

/// A server in a data folder of its own (returned, with its database URL: a restart finds both
/// again) and its world.
async fn in_own_folder(backend: Backend) -> (tempfile::TempDir, TestServer, String, World) {
    let data = tempfile::tempdir().unwrap();
    let srv = start_in(backend, data.path(), None).await;
    let url = srv.database_url.clone();
    let w = world(&srv);
    (data, srv, url, w)
}

/// [`in_own_folder`], with the first three entries shared with org-a.
async fn three_shared_with_org_a(backend: Backend) -> (tempfile::TempDir, TestServer, String, World) {
    let (data, srv, url, w) = in_own_folder(backend).await;
    for i in 0..3 {
        share(&srv, &w, i, &w.org_a);
    }
    (data, srv, url, w)
}

async fn reindex_rebuilds_from_the_database(backend: Backend) {
    let (data, srv, url, w) = three_shared_with_org_a(backend).await;
    let dir = data.path().to_path_buf();
    share(&srv, &w, 3, &w.org_b);
    srv.stop().await;
    // The index is lost; reindex rebuilds it.
    std::fs::remove_dir_all(dir.join("search")).unwrap();
    std::fs::create_dir_all(dir.join("search")).unwrap();
    // A position of the current index format, so the server trusts it and reindex alone rebuilds.
    let position = format!(r#"{{"watermark": 1000000, "format": {}}}"#, tessera_search::INDEX_FORMAT);
    std::fs::write(dir.join("search/indexer.json"), position).unwrap();
    let env = [("TESSERA_DATA_DIR", dir.to_str().unwrap()), ("TESSERA_DATABASE__URL", url.as_str())];
    let (code, out, err) = tessera(&["reindex", "--tenant", "org-a"], &env, None);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("org-a: 3 shared result(s) indexed"), "{out}");
    let (code, _, err) = tessera(&["reindex", "--tenant", "nope"], &env, None);
    assert_eq!(code, 5, "{err}");
    let (code, _, err) = tessera(&["reindex", "--tenant", "pl078"], &env, None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a verifier"), "{err}");
    let (code, out, err) = tessera(&["reindex"], &env, None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("org-b: 1 shared result(s) indexed"), "{out}");
    let srv = start_in(backend, &dir, Some(url.clone())).await;
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    assert_eq!(search(&a, &srv, "q=kowal&sort=family_name").await, ["Kowalczyk", "Kowalski"]);
    srv.stop().await;
}

async fn reindex_while_the_server_runs(backend: Backend) {
    let (data, srv, url, w) = three_shared_with_org_a(backend).await;
    let dir = data.path().to_path_buf();
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    until(&a, &srv, "q=kowalski", &["Kowalski"]).await;
    // A repair made in the database by hand, outside the change log: the index cannot know.
    {
        use diesel::RunQueryDsl;
        let mut c = srv.db().conn().unwrap();
        diesel::sql_query("UPDATE candidates SET family_name = 'Zielińska' WHERE family_name = 'Kowalski'")
            .execute(&mut *c)
            .unwrap();
    }
    assert!(search(&a, &srv, "q=zielinska").await.is_empty());
    let env = move |args: &'static [&'static str]| {
        let (dir, url) = (dir.clone(), url.clone());
        tokio::task::spawn_blocking(move || {
            tessera(args, &[("TESSERA_DATA_DIR", dir.to_str().unwrap()), ("TESSERA_DATABASE__URL", url.as_str())], None)
        })
    };
    // The server owns the search folder: the command hands it the rebuild and follows it.
    let (code, out, err) = env(&["reindex", "--tenant", "org-a"]).await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("The server on this machine owns the search indexes"), "{out}");
    assert!(out.contains("org-a: 3 shared result(s) indexed"), "{out}");
    assert_eq!(search(&a, &srv, "q=zielinska").await, ["Zielińska"]);
    assert!(search(&a, &srv, "q=kowalski").await.is_empty());
    // It keeps serving and indexing afterwards.
    share(&srv, &w, 3, &w.org_a);
    until(&a, &srv, "q=bianchi", &["Bianchi"]).await;
    // A second server on the same data folder is refused rather than left to share the indexes.
    let mut cfg = test_config(backend, &data.path().join("other"));
    cfg.data_dir = data.path().to_path_buf();
    cfg.database.url = srv.database_url.clone();
    let second = tessera_daemon::server::start(&cfg, srv.clock.clone()).await;
    let why = format!("{:#}", second.err().expect("a second owner of the search folder is refused"));
    assert!(why.contains("in use by another Tessera process"), "{why}");
    srv.stop().await;
}

both_backends!(
    new_share_is_searchable_within_a_second,
    organisations_never_see_each_others_shares,
    withdrawn_share_disappears,
    withdrawal_counts_before_the_indexer_applies_it,
    index_catches_up_after_a_restart,
    index_rebuilds_when_the_log_was_pruned_past_it,
    reindex_rebuilds_from_the_database,
    reindex_while_the_server_runs,
);

/// With PostgreSQL, two Tessera processes on one database each keep their own index from the
/// same change log: a share made through one is found through the other within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_share_one_change_log() {
    let one = TestServer::start(Backend::Postgres).await;
    let url = one.database_url.clone();
    let two = TestServer::start_with(Backend::Postgres, move |cfg| cfg.database.url = url).await;
    let w = world(&one);
    let a1 = org_client(&one, "org-a", "alice@org-a.example").await;
    let a2 = org_client(&two, "org-a", "alice@org-a.example").await;
    share(&one, &w, 0, &w.org_a);
    let took = until(&a2, &two, "q=kowalski", &["Kowalski"]).await;
    assert!(took < Duration::from_secs(1), "found through the other server after {took:?}");
    until(&a1, &one, "q=kowalski", &["Kowalski"]).await;
    let id = share(&two, &w, 1, &w.org_a);
    let took = until(&a1, &one, "q=szabo", &["Szabó"]).await;
    assert!(took < Duration::from_secs(1), "found through the first server after {took:?}");
    shares::withdraw(&mut two.db().conn().unwrap(), w.centre.id, &id, two.clock.now()).unwrap();
    until(&a1, &one, "q=szabo", &[]).await;
    one.stop().await;
    two.stop().await;
}

/// PostgreSQL sequences commit out of order: a change numbered before another but committed
/// after it must still reach the index (the indexer waits for the gap to fill).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_committing_change_is_not_skipped() {
    use diesel::Connection;
    let srv = TestServer::start(Backend::Postgres).await;
    let w = world(&srv);
    let a = org_client(&srv, "org-a", "alice@org-a.example").await;
    let (centre, entry, org) = (w.centre.id, w.entries[2].clone(), w.org_a.id);
    let db = srv.db().clone();
    let (numbered_tx, numbered_rx) = std::sync::mpsc::channel::<()>();
    let (commit_tx, commit_rx) = std::sync::mpsc::channel::<()>();
    let now = srv.clock.now();
    // Transaction 1 takes its log number first and holds its commit.
    let slow = std::thread::spawn(move || {
        let mut c = db.conn().unwrap();
        c.transaction::<_, tessera_storage::StorageError, _>(|c| {
            shares::create(c, centre, &entry, org, now)?;
            numbered_tx.send(()).unwrap();
            commit_rx.recv().unwrap();
            Ok(())
        })
        .unwrap();
    });
    numbered_rx.recv().unwrap();
    // Transaction 2 is numbered after it and commits first; the indexer applies it.
    share(&srv, &w, 0, &w.org_a);
    until(&a, &srv, "", &["Kowalski"]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    commit_tx.send(()).unwrap();
    slow.join().unwrap();
    let took = until(&a, &srv, "", &["Kowalczyk", "Kowalski"]).await;
    assert!(took < Duration::from_secs(1), "the late change was applied after {took:?}");
    srv.stop().await;
}
