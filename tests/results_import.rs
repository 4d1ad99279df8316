//! The board's results file through the API and the session page (DOMAIN.md section 8,
//! R-RESULT-CODES): grades and CEFR levels are checked against the exam and its score, a status
//! line with scores is refused rather than stripped, only CSV is taken (415 otherwise), and a
//! refusal echoes neither huge values nor an endless list of errors. Nothing is half-imported.

use crate::both_backends;
use crate::centre::{adult, create_session, fce_session, polish_centre, post};
use crate::support::*;
use serde_json::Value;

both_backends!(
    results_import_checks_grades_and_levels_against_the_exam,
    results_import_refuses_scores_on_a_status_line,
    results_import_bounds_what_it_echoes,
    results_import_takes_only_csv
);

const HEADER: &str =
    "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n";

/// A Polish centre's FCE session with three entries (candidate numbers 0001 to 0003).
async fn session_with_three(backend: Backend) -> (TestServer, reqwest::Client, String, String, Vec<String>) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(20, 1)).await;
    let mut entries = Vec::new();
    for n in ["Anna", "Bartosz", "Celina"] {
        let (status, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, n, "Lis")).await;
        assert_eq!(status, 201, "{r}");
        entries.push(r["entry_id"].as_str().unwrap().to_owned());
    }
    (srv, http, csrf, session, entries)
}

async fn import(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    session: &str,
    content_type: Option<&str>,
    body: String,
) -> (u16, Value, usize) {
    let mut req =
        http.post(srv.url(&format!("/api/v1/sessions/{session}/results"))).header("x-csrf-token", csrf).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null), text.len())
}

/// (line, column) of every reported error.
fn faults(v: &Value) -> Vec<(u64, String)> {
    v["error"]["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("no lines in {v}"))
        .iter()
        .map(|l| (l["line"].as_u64().unwrap(), l["column"].as_str().unwrap_or("-").to_owned()))
        .collect()
}

async fn versions(http: &reqwest::Client, srv: &TestServer, entry: &str) -> Vec<Value> {
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    d["result_versions"].as_array().unwrap().clone()
}

async fn results_import_checks_grades_and_levels_against_the_exam(backend: Backend) {
    let (srv, http, csrf, session, entries) = session_with_three(backend).await;
    let csv = Some("text/csv");

    // Text that is no grade or level at all, each named by line and column.
    let body = format!(
        "{HEADER}0001,graded,176,=1+1,B2,170,175,180,172,183\n0002,graded,176,B,<script>,170,175,180,172,183\n0003,graded,176,ZZ,ZZ,170,175,180,172,183\n"
    );
    let (status, v, _) = import(&http, &srv, &csrf, &session, csv, body).await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["error"]["code"], "invalid_results_file");
    assert_eq!(faults(&v), [(2, "grade".into()), (3, "cefr".into()), (4, "grade".into()), (4, "cefr".into())], "{v}");

    // A grade or level the score does not give in B2 First (176 is B, B2), or a score outside
    // the exam's band.
    let body = format!(
        "{HEADER}0001,graded,176,A,C1,170,175,180,172,183\n0002,graded,120,C,B1,120,120,120,120,120\n0003,graded,185,A,C1,180,190,185,182,188\n"
    );
    let (status, v, _) = import(&http, &srv, &csrf, &session, csv, body).await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(faults(&v), [(2, "grade".into()), (2, "cefr".into()), (3, "overall_score".into())], "{v}");
    assert!(v["error"]["lines"][0]["message"].as_str().unwrap().contains("gives grade B"), "{v}");

    // All or nothing: none of the refused files left a result behind.
    for e in &entries {
        assert!(versions(&http, &srv, e).await.is_empty(), "nothing was imported");
    }

    // A good file: grades and levels are taken regardless of case and stored as the scale
    // writes them; status lines without scores are accepted.
    let body = format!("{HEADER}0001,graded,176,b,b2,170,175,180,172,183\n0002,X,,,,,,,,\n0003,Pending,,,,,,,,\n");
    let (status, v, _) = import(&http, &srv, &csrf, &session, Some("text/csv; charset=utf-8"), body).await;
    assert_eq!((status, v["imported"].as_u64()), (200, Some(3)), "{v}");
    let first = versions(&http, &srv, &entries[0]).await;
    assert_eq!((first[0]["grade"].as_str(), first[0]["cefr"].as_str()), (Some("B"), Some("B2")), "{first:?}");
    let second = versions(&http, &srv, &entries[1]).await;
    assert_eq!(second[0]["status"], "X");
}

async fn results_import_refuses_scores_on_a_status_line(backend: Backend) {
    let (srv, http, csrf, session, entries) = session_with_three(backend).await;
    // R-RESULT-CODES: an X line with scores is refused, not stripped of them.
    let body = format!("{HEADER}0001,X,,,,170,175,180,172,183\n0002,Z,160,C,B2,,,,,\n");
    let (status, v, _) = import(&http, &srv, &csrf, &session, Some("text/csv"), body).await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(faults(&v), [(2, "Reading".into()), (3, "overall_score".into())], "{v}");
    assert_eq!(v["error"]["lines"][0]["code"], "result_scores_on_status_line", "R-RESULT-CODES: {v}");
    for e in &entries {
        assert!(versions(&http, &srv, e).await.is_empty(), "nothing was imported");
    }
}

async fn results_import_bounds_what_it_echoes(backend: Backend) {
    let (srv, http, csrf, session, entries) = session_with_three(backend).await;
    let csv = Some("text/csv");
    // A 5 MB cell is quoted 40 characters long, not echoed.
    let huge = "7".repeat(5 * 1024 * 1024);
    let body = format!("{HEADER}0001,graded,{huge},B,B2,170,175,180,172,183\n");
    let (status, v, len) = import(&http, &srv, &csrf, &session, csv, body).await;
    assert_eq!(status, 422, "{}", v.to_string().chars().take(200).collect::<String>());
    assert!(len < 4096, "the answer is {len} bytes");
    let message = v["error"]["lines"][0]["message"].as_str().unwrap();
    assert!(message.contains(&format!("`{}…`", "7".repeat(40))), "{message}");

    // 150 bad lines: the first 100 errors are listed, the other 50 counted.
    let mut body = HEADER.to_owned();
    for _ in 0..150 {
        body.push_str("12,graded,176,B,B2,170,175,180,172,183\n");
    }
    let (status, v, _) = import(&http, &srv, &csrf, &session, csv, body).await;
    assert_eq!(status, 422, "{v}");
    assert_eq!((v["error"]["lines"].as_array().unwrap().len(), v["error"]["more"].as_u64()), (100, Some(50)));
    assert_eq!(faults(&v)[99], (101, "candidate_number".into()));
    assert!(v["error"]["message"].as_str().unwrap().contains("150 bad line(s)"), "{v}");
    assert_eq!(v["error"]["lines"][0]["code"], "results_candidate_number", "{v}");
    // In the caller's language: the summary and every line.
    let res = http
        .post(srv.url(&format!("/api/v1/sessions/{session}/results")))
        .header("x-csrf-token", &csrf)
        .header("content-type", "text/csv")
        .header("accept-language", "pl")
        .body(format!("{HEADER}0001,graded,176,B,B2,170,175,180,172,183\n0001,graded,176,B,B2,170,175,180,172,183\n9999,X,,,,,,,,\n"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let v: Value = res.json().await.unwrap();
    let texts: Vec<&str> =
        v["error"]["lines"].as_array().unwrap().iter().map(|l| l["message"].as_str().unwrap()).collect();
    assert_eq!(texts, ["Numer kandydata 0001 występuje dwa razy."], "{v}");
    assert!(v["error"]["message"].as_str().unwrap().starts_with("Plik nie został zaimportowany"), "{v}");
    assert!(versions(&http, &srv, &entries[0]).await.is_empty(), "nothing was imported");
}

async fn results_import_takes_only_csv(backend: Backend) {
    let (srv, http, csrf, session, entries) = session_with_three(backend).await;
    let good = format!("{HEADER}0001,graded,176,B,B2,170,175,180,172,183\n");

    // A well-formed file under another media type, or none, is refused with 415 in the error shape.
    for ct in [Some("application/json"), Some("application/x-www-form-urlencoded"), None] {
        let (status, v, _) = import(&http, &srv, &csrf, &session, ct, good.clone()).await;
        assert_eq!(status, 415, "{ct:?}: {v}");
        assert_eq!(v["error"]["code"], "unsupported_media_type", "{v}");
        assert!(v["error"]["message"].as_str().unwrap().contains("text/csv"), "{v}");
    }
    let (status, v, _) =
        import(&http, &srv, &csrf, &session, Some("application/json"), "{\"candidate_number\": \"0001\"}".into()).await;
    assert_eq!(status, 415, "{v}");
    assert!(versions(&http, &srv, &entries[0]).await.is_empty(), "nothing was imported");

    // The session page's form: a JSON file part is refused; a `.csv` file is taken whatever type
    // the browser gives it (Windows says application/vnd.ms-excel).
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let page = staff.get(srv.url(&format!("/centre/sessions/{session}"))).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&page);
    let on = &srv;
    let upload = |name: &'static str, ct: &'static str, bytes: Vec<u8>| {
        let (staff, srv) = (staff.clone(), on);
        let url = srv.url(&format!("/centre/sessions/{session}/results"));
        let token = token.clone();
        async move {
            let part = reqwest::multipart::Part::bytes(bytes).file_name(name).mime_str(ct).unwrap();
            let form = reqwest::multipart::Form::new().text("csrf", token).part("file", part);
            let res = staff.post(url).multipart(form).send().await.unwrap();
            if res.status() == 303 {
                (303, follow_run(&staff, srv, res).await)
            } else {
                (res.status().as_u16(), res.text().await.unwrap())
            }
        }
    };
    let (status, html) = upload("results.json", "application/json", good.clone().into_bytes()).await;
    assert_eq!(status, 415, "{html}");
    assert!(html.contains("text/csv"), "the page says what it takes:\n{html}");
    assert!(versions(&http, &srv, &entries[0]).await.is_empty(), "nothing was imported");
    let bad = format!("{HEADER}0001,graded,176,ZZ,B2,170,175,180,172,183\n");
    let (status, html) = upload("results.csv", "application/vnd.ms-excel", bad.into_bytes()).await;
    assert_eq!(status, 303, "imported in the background, followed on its page: {html}");
    assert!(html.contains("Line 2, column grade: `ZZ` does not match"), "{html}");
    assert!(versions(&http, &srv, &entries[0]).await.is_empty(), "nothing was imported");
    let (status, html) = upload("results.csv", "application/vnd.ms-excel", good.into_bytes()).await;
    assert_eq!(status, 303, "{html}");
    assert!(html.contains("1 results imported.") && html.contains("Finished"), "{html}");
    assert_eq!(versions(&http, &srv, &entries[0]).await.len(), 1);
}
