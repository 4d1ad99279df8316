//! R-RESULTS-WINDOW: confirmed entries still without a result after the usual release window (5
//! weeks after a paper-based exam, 2 after a computer-based one) are listed for the centre to chase,
//! in the API and on the centre's home page, until the result arrives.

use crate::after_exam::confirmed;
use crate::both_backends;
use crate::centre::{create_session, fce_session, polish_centre};
use crate::support::*;
use chrono::{TimeZone, Utc};
use serde_json::Value;

both_backends!(r_results_window_lists_overdue_results_until_they_arrive);

async fn missing(http: &reqwest::Client, srv: &TestServer) -> Vec<Value> {
    let res = http.get(srv.url("/api/v1/results/missing")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Vec<Value>>().await.unwrap()
}

async fn r_results_window_lists_overdue_results_until_they_arrive(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    // A paper-based session written on 2026-12-12: results expected by 2027-01-16.
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Wiktor").await;
    assert!(missing(&http, &srv).await.is_empty(), "before the exam nothing is late");
    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 14, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    assert!(missing(&http, &srv).await.is_empty(), "within the 5 weeks of a paper-based exam");

    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap());
    let csrf2 = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let _ = csrf;
    let late = missing(&http, &srv).await;
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(
        (late[0]["entry"].as_str(), late[0]["expected_by"].as_str(), late[0]["days_late"].as_i64()),
        (Some(entry.as_str()), Some("2027-01-16"), Some(4)),
        "{late:?}"
    );
    assert_eq!(late[0]["name"], "Wiktor Zając");
    // The centre's home page lists it with its name.
    let page = http.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Results still missing") && page.contains("Wiktor Zając"), "{page}");

    // Once the result arrives it is no longer listed.
    let csv = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n0001,graded,172,C,B2,170,175,168,172,175\n";
    assert_eq!(crate::centre::import_csv(&http, &srv, &csrf2, &session, csv).await, 200);
    assert!(missing(&http, &srv).await.is_empty());
    let page = http.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("No result is overdue."), "{page}");
    srv.stop().await;
}
