//! Scale figures of the centre workflows (issue 4), printed next to their goals:
//!
//! - a session of 2,000 entries: listing its entries, issuing all 2,000 Confirmations of Entry
//!   (PDF + keyed hash of the secret number + email job) and importing its results file
//!   (`-- --coe-only` stops after the CoEs);
//! - 100,000 result rows imported into one session on SQLite (under 10 s);
//! - one Confirmation of Entry PDF rendered (under 20 ms), p50 and p99.
//!
//! Run with `cargo bench -p tessera --bench centre` (with `TESSERA_PLUGINS_DIST` set; and
//! `TESSERA_TEST_PG` to measure PostgreSQL too). The 2,000-entry figures go through HTTP against
//! an in-process server (the real router, handlers, hasher and job worker); the 100,000-row
//! import calls `repo::workflows::import_results`, the function the import handler calls after
//! parsing, because a board file numbers candidates with four digits (at most 9,999 a session).
//! Set-up data (candidates, entries) is bulk-inserted and not measured. Nothing here asserts a
//! time: the figures are for people to read.

#[path = "../../../tests/support.rs"]
#[allow(dead_code)]
mod support;

use chrono::NaiveDate;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use support::{Backend, PASSWORD, TestServer, api_login, start_instant};
use tessera_domain::{Role, TenantKind};
use tessera_storage::repo::centre::{self, Candidate, Entry};
use tessera_storage::repo::workflows::{self, ImportedResult};

const COMPONENTS: [&str; 5] = ["Reading", "Use of English", "Writing", "Listening", "Speaking"];

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    println!("centre benchmark ({profile} build, {cores} cores)");
    let mut backends = vec![Backend::Sqlite];
    if std::env::var("TESSERA_TEST_PG").is_ok() {
        backends.push(Backend::Postgres);
    }
    for backend in backends {
        rt.block_on(run(backend));
    }
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// `measured / goal`: under 1 meets the goal.
fn ratio(measured: Duration, goal: Duration) -> String {
    let r = measured.as_secs_f64() / goal.as_secs_f64();
    format!("{r:.2}x of goal {}", if r <= 1.0 { "(met)" } else { "(NOT met)" })
}

fn line(what: &str, figure: String, goal: &str) {
    println!("  {what:<60} {figure:>12}   goal {goal}");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

async fn run(backend: Backend) {
    println!("\n== {backend:?} == (load average: {})", load());
    let srv = TestServer::start_with_plugins(backend).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.assign(&centre, "pl", &["photo", "eligibility"]);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    // A bulk CoE run takes longer than the tests' client waits.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(1800))
        .build()
        .unwrap();
    let csrf = api_login(&http, &srv, "pl078", "staff@pl078.example", PASSWORD).await;

    // (a) A session of 2,000 confirmed entries.
    let session = create_session(&http, &srv, &csrf, 2_000).await;
    let t = Instant::now();
    bulk_entries(&srv, &centre, &session, 2_000, 4, "a");
    println!("  (set-up: 2,000 candidates and entries bulk-inserted in {})", secs(t.elapsed()));

    let mut lists = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let res = http.get(srv.url(&format!("/api/v1/sessions/{session}/entries"))).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let rows: Vec<Value> = res.json().await.unwrap();
        lists.push(t.elapsed());
        assert_eq!(rows.len(), 2_000);
    }
    lists.sort();
    line("list 2,000 entries (GET .../entries, median of 10)", ms(percentile(&lists, 0.5)), "seconds");

    // The floor of CoE generation: the keyed hash of a secret number (crate::secrets) on one
    // core. Secret numbers were hashed with argon2id until 2026-11-29 (14 to 25 ms each here).
    let keys = srv.running.as_ref().unwrap().state.secrets.clone();
    let tenant = centre.id;
    let t = Instant::now();
    for i in 0..2_000u32 {
        std::hint::black_box(keys.hash(tenant, &format!("candidate-{i}"), &format!("{:06}", i * 7)));
    }
    let hashing = t.elapsed();
    line("2,000 keyed secret-number hashes (HMAC-SHA-256), one core", ms(hashing), "(the limit)");

    let t = Instant::now();
    let res = http
        .post(srv.url(&format!("/api/v1/sessions/{session}/coe")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    let coe = t.elapsed();
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!((status.as_u16(), body["issued"].as_u64()), (200, Some(2_000)), "{body}");
    line("issue 2,000 CoEs (POST .../coe: PDF + hash + email job)", secs(coe), "< 5 s");
    line("", ratio(coe, Duration::from_secs(5)), "");
    line("   per CoE", ms(coe / 2_000), "");
    line("   share of it spent hashing", format!("{:.2} %", hashing.as_secs_f64() / coe.as_secs_f64() * 100.0), "");
    if std::env::args().any(|a| a == "--coe-only") {
        srv.stop().await;
        return;
    }

    let csv = results_csv(2_000);
    for round in ["first", "second (v2 supersedes v1)"] {
        let t = Instant::now();
        let res = http
            .post(srv.url(&format!("/api/v1/sessions/{session}/results")))
            .header("x-csrf-token", &csrf)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
            .await
            .unwrap();
        let took = t.elapsed();
        let status = res.status();
        let body: Value = res.json().await.unwrap();
        assert_eq!((status.as_u16(), body["imported"].as_u64()), (200, Some(2_000)), "{body}");
        line(&format!("import a 2,000-line results file, {round}"), ms(took), "seconds");
    }

    // (b) 100,000 result rows into one session.
    let big = create_session(&http, &srv, &csrf, 100_000).await;
    let t = Instant::now();
    bulk_entries(&srv, &centre, &big, 100_000, 6, "b");
    println!("  (set-up: 100,000 candidates and entries bulk-inserted in {})", secs(t.elapsed()));
    let rows: Vec<(usize, ImportedResult)> = (1..=100_000)
        .map(|i| {
            (
                i + 1,
                ImportedResult {
                    candidate_number: format!("{i:06}"),
                    status: "graded".into(),
                    overall_score: Some(160 + (i % 60) as i32),
                    grade: Some("B".into()),
                    cefr: Some("B2".into()),
                    components: COMPONENTS.iter().map(|c| ((*c).to_owned(), 150 + (i % 80) as i32)).collect(),
                },
            )
        })
        .collect();
    for round in ["first", "second (v2 supersedes v1)"] {
        let db = srv.db().clone();
        let (tid, sid, rows) = (centre.id, big.clone(), rows.clone());
        let t = Instant::now();
        let n = db
            .call(move |c| {
                let mut k = 0u32;
                let mut sor = || {
                    k += 1;
                    format!("PL{k:08}")
                };
                workflows::import_results(c, tid, &sid, &rows, "bench", start_instant(), &mut sor)
            })
            .await
            .unwrap()
            .unwrap();
        let took = t.elapsed();
        assert_eq!(n, 100_000);
        line(
            &format!("import 100,000 result rows (+500,000 scores), {round}"),
            secs(took),
            &format!("10 s: {}", ratio(took, Duration::from_secs(10))),
        );
    }

    // (c) One CoE PDF, rendered a few hundred times.
    let state = srv.running.as_ref().unwrap().state.clone();
    let mut c = srv.db().conn().unwrap();
    let entry = centre::session_entries(&mut c, centre.id, &session).unwrap().remove(0);
    let cand = centre::candidate(&mut c, centre.id, &entry.candidate_id).unwrap();
    let sess = centre::session(&mut c, centre.id, &session).unwrap();
    let exam = centre::exams(&mut c).unwrap().into_iter().find(|e| e.code == sess.exam_code).unwrap();
    let timetable = workflows::timetable(&mut c, centre.id, &session).unwrap();
    drop(c);
    let parts = tessera_app::centre::CoeParts {
        exam: &exam,
        session: &sess,
        entry: &entry,
        candidate: &cand,
        timetable: &timetable,
    };
    let mut renders = Vec::new();
    let mut size = 0;
    for i in 0..300 {
        let t = Instant::now();
        let pdf = tessera_app::centre::coe_pdf(
            &state.templates,
            &centre,
            &state.settings.public_url,
            &parts,
            &format!("{:06}", i * 7),
        )
        .unwrap();
        renders.push(t.elapsed());
        size = pdf.len();
    }
    renders.sort();
    let goal = Duration::from_millis(20);
    line(
        &format!("render one CoE PDF ({size} bytes), p50 of 300"),
        ms(percentile(&renders, 0.5)),
        &format!("20 ms: {}", ratio(percentile(&renders, 0.5), goal)),
    );
    line(
        "render one CoE PDF, p99 of 300",
        ms(percentile(&renders, 0.99)),
        &format!("20 ms: {}", ratio(percentile(&renders, 0.99), goal)),
    );
    println!("  (load average at the end: {})", load());
    srv.stop().await;
}

/// The machine's load average: the figures are only as good as the machine was idle.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// An FCE session with room for `capacity` entries, through the API.
async fn create_session(http: &reqwest::Client, srv: &TestServer, csrf: &str, capacity: i32) -> String {
    let body = json!({
        "exam_code": "FCE", "written_date": "2026-12-12", "time_of_day": "AM", "delivery": "PB",
        "fee_minor": 81000, "late_fee_minor": 15000, "currency": "PLN",
        "registration_opens": "2026-11-01", "registration_closes": "2026-12-01", "late_entry_deadline": "2026-12-10",
        "capacity": capacity, "minimum_candidates": 1,
        "release_at": "2027-01-16 09:00", "release_timezone": "Europe/London", "venue": "Katowice",
        "timetable": [
            {"component": "Reading", "day": "2026-12-12", "starts_at": "09:00", "venue": "Main building", "room": "101"},
            {"component": "Writing", "day": "2026-12-12", "starts_at": "10:30", "venue": "Main building", "room": "101"},
            {"component": "Speaking", "day": "2026-12-05", "starts_at": "14:00", "venue": "Main building", "room": "12"}
        ]
    });
    let res = http.post(srv.url("/api/v1/sessions")).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    v["id"].as_str().unwrap().to_owned()
}

/// `n` confirmed entries of new candidates (with email addresses), numbered with `digits` digits.
fn bulk_entries(
    srv: &TestServer,
    centre: &tessera_storage::repo::tenants::Tenant,
    session: &str,
    n: usize,
    digits: usize,
    tag: &str,
) {
    let now = start_instant().naive_utc();
    let tid = centre.id.to_string();
    let mut cands = Vec::with_capacity(n);
    let mut entries = Vec::with_capacity(n);
    for i in 1..=n {
        let cid = uuid::Uuid::new_v4().to_string();
        cands.push(Candidate {
            tenant_id: tid.clone(),
            id: cid.clone(),
            first_name: format!("Kandydat{i}"),
            family_name: "Benchmarkowy".into(),
            date_of_birth: NaiveDate::from_ymd_opt(1999, 5, 4).unwrap(),
            email: Some(format!("c{tag}{i}@mail.example")),
            phone: None,
            nationality: Some("PL".into()),
            id_number: format!("{tag}{i:08}"),
            secret_hash: None,
            user_id: None,
            created_at: now,
        });
        entries.push(Entry {
            tenant_id: tid.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            session_id: session.to_owned(),
            candidate_id: cid,
            candidate_number: format!("{i:0digits$}"),
            status: "confirmed".into(),
            fee_minor: 81000,
            currency: "PLN".into(),
            created_at: now,
        });
    }
    let mut c = srv.db().conn().unwrap();
    tessera_storage::transaction(&mut c, |c| {
        centre::insert_candidates(c, &cands)?;
        centre::insert_entries(c, &entries)
    })
    .unwrap();
}

/// A board results file for candidates 0001..`n` (graded, all components, the grade and level
/// the score gives in B2 First).
fn results_csv(n: usize) -> String {
    let mut s = format!("candidate_number,status,overall_score,grade,cefr,{}\n", COMPONENTS.join(","));
    for i in 1..=n {
        let score = 160 + (i % 40) as i32;
        let (grade, cefr) = tessera_domain::results::grade_for("FCE", score).expect("160 to 199 is in the FCE band");
        s.push_str(&format!("{i:04},graded,{score},{grade},{cefr},{score},{score},{score},{score},{score}\n"));
    }
    s
}
