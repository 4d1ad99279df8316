//! A centre's bulk actions in the background (issue 15): issuing every Confirmation of Entry of
//! a session and importing a results file run as durable jobs whose page shows the progress and
//! then the report of what was done and what was refused and why. A run survives a restart,
//! resumes without issuing a CoE twice, is the centre's own, and is read in the user's language.

use crate::after_exam::confirmed;
use crate::both_backends;
use crate::centre::{create_session, fce_session, post};
use crate::centre_work::{browser, page};
use crate::support::*;
use serde_json::json;
use tessera_domain::{Role, TenantKind};

both_backends!(
    runs_wait_for_a_worker_survive_a_restart_and_report_refusals,
    a_refused_results_file_is_reported_line_by_line
);

const HEADER: &str =
    "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n";

/// A Polish centre on server `srv`, its manager signed in to the API.
async fn centre(srv: &TestServer) -> (reqwest::Client, String) {
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.assign(&centre, "pl", &["refund", "photo", "identity", "eligibility", "deadlines", "retention"]);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    srv.user(&srv.tenant("pl079", TenantKind::Centre), "manager@pl079.example", Role::CentreManager);
    let http = client();
    let csrf = api_login(&http, srv, "pl078", "manager@pl078.example", PASSWORD).await;
    (http, csrf)
}

async fn candidate_number(http: &reqwest::Client, srv: &TestServer, entry: &str) -> String {
    let d: serde_json::Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    d["entry"]["candidate_number"].as_str().unwrap().to_owned()
}

fn line(number: &str) -> String {
    format!("{number},graded,176,B,B2,170,175,180,172,183\n")
}

async fn runs_wait_for_a_worker_survive_a_restart_and_report_refusals(backend: Backend) {
    // A server without job workers takes the runs; the next one on the same database and data
    // folder (a restart) does them.
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(backend, dir.path());
    let data = dir.path().join("data");
    let (u1, d1) = (url.clone(), data.clone());
    let srv = TestServer::start_with_plugins_tweaked(backend, false, move |c| {
        c.database.url = u1;
        c.data_dir = d1;
        c.jobs.workers = 0;
    })
    .await;
    let (http, csrf) = centre(&srv).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let anna = confirmed(&http, &srv, &csrf, &session, "Anna").await;
    let bartosz = confirmed(&http, &srv, &csrf, &session, "Bartosz").await;
    let celina = confirmed(&http, &srv, &csrf, &session, "Celina").await;
    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let coe = format!("/centre/sessions/{session}/coe");
    let (_, confirm) = page(&b, &srv, &coe).await;
    assert!(confirm.contains("3 Confirmations of Entry will be issued."), "{confirm}");
    let issue = || b.post(srv.url(&coe)).form(&[("csrf", csrf_of(&confirm)), ("confirmed", "yes".into())]).send();
    let res = issue().await.unwrap();
    assert_eq!(res.status(), 303);
    let run = location(&res);
    assert!(run.starts_with(&format!("/centre/sessions/{session}/runs/")), "{run}");
    // A second click while it waits is the same run, not a second one.
    assert_eq!(location(&issue().await.unwrap()), run);

    // The page says it waits, without JavaScript offers a link to reload, and with it is followed.
    let (status, html) = page(&b, &srv, &run).await;
    assert_eq!(status, 200);
    assert!(html.contains("Waiting to start") && html.contains("0 of 3 candidates done (0%)"), "{html}");
    assert!(html.contains(&format!("data-follow=\"{run}\"")) && html.contains("src=\"/static/follow.js\""), "{html}");
    assert!(html.contains(&format!("href=\"{run}\"")) && !html.contains("http-equiv=\"refresh\""), "{html}");
    let script = http.get(srv.url("/static/follow.js")).send().await.unwrap();
    assert_eq!(script.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(script.text().await.unwrap().contains("data-follow"));
    // Another centre's staff do not find it.
    let stranger = browser(&srv, "pl079", "manager@pl079.example").await;
    assert_eq!(page(&stranger, &srv, &run).await.0, 404);

    // Before the worker gets to it, one candidate is voided: that CoE is refused, in words.
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{celina}/void"),
        json!({"reason": "Sent another person's ID document"}),
    )
    .await;
    assert!(status < 300, "{v}");
    // And a results file for the two others waits too.
    let (na, nb) = (candidate_number(&http, &srv, &anna).await, candidate_number(&http, &srv, &bartosz).await);
    let (_, session_page) = page(&b, &srv, &format!("/centre/sessions/{session}")).await;
    let part = reqwest::multipart::Part::bytes(format!("{HEADER}{}{}", line(&na), line(&nb)).into_bytes())
        .file_name("board.csv")
        .mime_str("text/csv")
        .unwrap();
    let form = reqwest::multipart::Form::new().text("csrf", csrf_of(&session_page)).part("file", part);
    let res = b.post(srv.url(&format!("/centre/sessions/{session}/results"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let import = location(&res);
    let (_, html) = page(&b, &srv, &import).await;
    assert!(html.contains("Importing results") && html.contains("File: board.csv"), "{html}");
    assert!(html.contains("Waiting to start"), "{html}");
    srv.stop().await;

    let srv = TestServer::start_with_plugins_tweaked(backend, true, move |c| {
        c.database.url = url;
        c.data_dir = data;
    })
    .await;
    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let report = follow_page(&b, &srv, &run).await;
    assert!(report.contains("Finished") && report.contains("3 of 3 candidates done (100%)"), "{report}");
    assert!(report.contains("Issued and emailed: 2."), "{report}");
    let faults = report.split("id=\"run-faults\"").nth(1).expect("the refusals are listed");
    assert!(
        faults.contains(&format!("/centre/entries/{celina}\">Celina Zając</a>"))
            && faults.contains("A Confirmation of Entry is issued once the entry is confirmed."),
        "the refused candidate and why: {faults}"
    );
    for e in [&anna, &bartosz] {
        let (_, html) = page(&b, &srv, &format!("/centre/entries/{e}")).await;
        assert!(html.contains("Issued on"), "{html}");
    }
    let report = follow_page(&b, &srv, &import).await;
    assert!(report.contains("2 results imported.") && report.contains("Finished"), "{report}");
    {
        // The file is not kept once imported; the report is.
        let mut c = srv.db().conn().unwrap();
        let t = tessera_storage::repo::tenants::by_slug(&mut c, "pl078").unwrap();
        let stored = tessera_storage::repo::bulk_runs::get(&mut c, t.id, import.rsplit('/').next().unwrap()).unwrap();
        assert!(stored.input.is_empty() && stored.report.contains("\"imported\":2"), "{stored:?}");
    }

    // The session page lists both runs, each linking its report; in Polish, in words.
    {
        use diesel::RunQueryDsl;
        let mut c = srv.db().conn().unwrap();
        diesel::sql_query("UPDATE tenants SET locale = 'pl' WHERE slug = 'pl078'").execute(&mut *c).unwrap();
    }
    let (_, html) = page(&b, &srv, &format!("/centre/sessions/{session}")).await;
    let runs = html.split("id=\"runs\"").nth(1).expect("the runs are listed").split("</ul>").next().unwrap();
    assert!(runs.contains(&format!("href=\"{run}\"")) && runs.contains(&format!("href=\"{import}\"")), "{runs}");
    assert!(runs.contains("Wystawianie Potwierdzeń rejestracji") && runs.contains("Import wyników"), "{runs}");
    assert!(runs.contains("Zakończono") && !runs.contains("done"), "{runs}");
    let (_, html) = page(&b, &srv, &run).await;
    assert!(html.contains("Gotowe: 3 z 3 kandydatów") && html.contains("Potwierdzenie rejestracji"), "{html}");
    // Running it again issues nothing twice: the voided entry is not confirmed, the others have theirs.
    let (_, confirm) = page(&b, &srv, &format!("/centre/sessions/{session}/coe")).await;
    assert!(!confirm.contains("name=\"confirmed\" value=\"yes\""), "nothing left to issue: {confirm}");
    srv.stop().await;
}

async fn a_refused_results_file_is_reported_line_by_line(backend: Backend) {
    let srv = TestServer::start_with_plugins(backend).await;
    let (http, csrf) = centre(&srv).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let anna = confirmed(&http, &srv, &csrf, &session, "Anna").await;
    let na = candidate_number(&http, &srv, &anna).await;
    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let (_, session_page) = page(&b, &srv, &format!("/centre/sessions/{session}")).await;
    let upload = |csv: Vec<u8>| {
        let part = reqwest::multipart::Part::bytes(csv).file_name("board.csv").mime_str("text/csv").unwrap();
        let form = reqwest::multipart::Form::new().text("csrf", csrf_of(&session_page)).part("file", part);
        b.post(srv.url(&format!("/centre/sessions/{session}/results"))).multipart(form).send()
    };
    // 1,200 lines, one good: the progress counts every line; the refusals are reported by line and
    // column, the first hundred of them, the rest counted; nothing is stored.
    let mut csv = format!("{HEADER}{}", line(&na));
    for n in 0..1199 {
        csv.push_str(&format!("{:04},graded,176,B,B2,170,175,180,172,183\n", 5000 + n));
    }
    let report = follow_run(&b, &srv, upload(csv.into_bytes()).await.unwrap()).await;
    assert!(
        report.contains("Refused: nothing imported") && report.contains("1,200 of 1,200 lines checked"),
        "{report}"
    );
    let faults = report.split("id=\"run-faults\"").nth(1).unwrap().split("</ul>").next().unwrap();
    assert_eq!(faults.matches("<li>").count(), 101, "100 lines and a count of the rest: {faults}");
    assert!(faults.contains("Line 3, column candidate_number:") && faults.contains("5000"), "{faults}");
    assert!(faults.contains("and 1099 more error(s)"), "{faults}");
    let d: serde_json::Value =
        http.get(srv.url(&format!("/api/v1/entries/{anna}/details"))).send().await.unwrap().json().await.unwrap();
    assert!(d["result_versions"].as_array().unwrap().is_empty(), "nothing was imported: {d}");
    // A file that is not text is refused at once, on the session page, naming the line.
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice(b"\xff\xfe,graded\n");
    let res = upload(bytes).await.unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Nothing was imported.") && html.contains("Line 2"), "{html}");
    srv.stop().await;
}
