//! The centre's pages for what used to be API-only: editing a session, the extra-time report
//! (R-PL-EXTRA-TIME), the exam-day photo, closing cases, recording an enquiry's outcome, and the
//! list of candidates still without a Confirmation of Entry (R-COE-MISSING). Each form is fetched,
//! posted with the page's anti-forgery token, and its effect read back.

use crate::after_exam::confirmed;
use crate::centre::{adult, create_session, fce_session, import_csv, polish_centre, post};
use crate::support::*;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

/// A signed-in browser of the Polish centre's manager.
async fn manager_browser(srv: &TestServer) -> reqwest::Client {
    let b = client();
    assert_eq!(login(&b, srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    b
}

/// Posts an entry-page action form with the page's token.
async fn act(
    b: &reqwest::Client,
    srv: &TestServer,
    entry: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let page = b.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    let mut form = vec![("csrf".to_owned(), csrf_of(&page))];
    form.extend(fields.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let res = b.post(srv.url(&format!("/centre/entries/{entry}/do/{action}"))).form(&form).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn session_json(http: &reqwest::Client, srv: &TestServer, id: &str) -> Value {
    http.get(srv.url(&format!("/api/v1/sessions/{id}"))).send().await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_edit_page_changes_what_may_change() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let id = create_session(&http, &srv, &csrf, fce_session(20, 1)).await;
    let b = manager_browser(&srv).await;
    let page = b.get(srv.url(&format!("/centre/sessions/{id}/edit"))).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("value=\"810.00\"") && page.contains("Reading; 2026-12-12; 09:00; Main building; 101"),
        "{page}"
    );
    let token = csrf_of(&page);
    let form = |capacity: &str, written: &str, fee: &str| session_page_form(&token, capacity, written, fee);
    let url = srv.url(&format!("/centre/sessions/{id}/edit"));
    let res = b.post(&url).form(&form("25", "2026-12-12", "820")).send().await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let s = session_json(&http, &srv, &id).await;
    assert_eq!((s["capacity"].as_i64(), s["fee_minor"].as_i64()), (Some(25), Some(82000)), "{s}");
    let page = b.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("value=\"2026-11-25\"") && page.contains("value=\"10.00\""), "promotion and discount kept");
    assert!(page.contains("Reading; 2026-12-12; 09:30; Main building; 102"), "the new timetable");

    // The date cannot move (R-NO-TRANSFER); a bad fee is named. Neither changes anything.
    let res = b.post(&url).form(&form("30", "2026-12-19", "820")).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("R-NO-TRANSFER"));
    let res = b.post(&url).form(&form("30", "2026-12-12", "eight hundred")).send().await.unwrap();
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("is not an amount"));
    assert_eq!(session_json(&http, &srv, &id).await["capacity"].as_i64(), Some(25), "unchanged by refusals");
    srv.stop().await;
}

/// R-PL-EXTRA-TIME: 25% extra time for dyslexia, dysgraphia or dysorthography on a report from
/// a psychological clinic made at 13 or older, stating the severity and the diagnostic tests,
/// stamped and signed; decided by the `pl` plugin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extra_time_needs_a_proper_specialist_report() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(20, 1)).await;
    let mut body = adult(&session, "Olga", "Kruk");
    body["date_of_birth"] = json!("2005-06-10");
    body["extra_time_condition"] = json!("Dyslexia");
    let (status, r) = post(&http, &srv, &csrf, "/api/v1/entries", body).await;
    assert_eq!(status, 201, "{r}");
    assert!(r["warnings"].to_string().contains("25% extra time for dyslexia needs a report"), "{r}");
    let entry = r["entry_id"].as_str().unwrap().to_owned();

    // Through the entry page: a report made the day before the 13th birthday gives nothing.
    let b = manager_browser(&srv).await;
    let (status, html) = act(
        &b,
        &srv,
        &entry,
        "extra_time_report",
        &[
            ("made_on", "2018-06-09"),
            ("states_severity", "yes"),
            ("names_diagnostic_tests", "yes"),
            ("stamped_and_signed", "yes"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("gives no extra time: it was made at age 12, under 13"), "{html}");
    let (status, html) = act(&b, &srv, &entry, "extra_time_report", &[("made_on", "10 June 2018")]).await;
    assert_eq!(status, 400);
    assert!(html.contains("is not a date"), "{html}");

    // Through the API: made on the 13th birthday, but unsigned; then a proper one.
    let path = format!("/api/v1/entries/{entry}/extra-time-report");
    let report = |made_on: &str, signed: bool| json!({"made_on": made_on, "states_severity": true, "names_diagnostic_tests": true, "stamped_and_signed": signed});
    let (status, v) = post(&http, &srv, &csrf, &path, report("2018-06-10", false)).await;
    assert_eq!(status, 200, "{v}");
    assert!(v["warnings"].to_string().contains("it is not stamped and signed by the specialist"), "{v}");
    let (_, v) = post(&http, &srv, &csrf, &path, report("2018-06-10", true)).await;
    assert!(v["warnings"].to_string().contains("25% extra time for dyslexia, on the report of 2018-06-10"), "{v}");
    let page = b.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("25% extra time for dyslexia, on the report of 2018-06-10"), "the verdict is on the page");

    // An entry that asked for no extra time has no report to record; a future report is refused.
    let (_, other) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Piotr", "Kruk")).await;
    let other_path = format!("/api/v1/entries/{}/extra-time-report", other["entry_id"].as_str().unwrap());
    let (status, v) = post(&http, &srv, &csrf, &other_path, report("2018-06-10", true)).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("no_extra_time_request")), "{v}");
    let (status, v) = post(&http, &srv, &csrf, &path, report("2027-01-01", true)).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("made_on")), "{v}");

    // The candidate's phone number changes through PATCH; a malformed one is refused.
    let patch = |phone: &str| {
        http.patch(srv.url(&format!("/api/v1/entries/{entry}")))
            .header("x-csrf-token", &csrf)
            .json(&json!({"phone": phone}))
            .send()
    };
    assert_eq!(patch("+48 601 222 333").await.unwrap().status(), 204);
    assert_eq!(patch("call me maybe").await.unwrap().status(), 400);
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["candidate"]["phone"], "+48 601 222 333", "{d}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_day_photo_cases_and_enquiry_outcome_from_the_entry_page() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Zofia").await;
    let b = manager_browser(&srv).await;

    // The exam-day photo (R-PHOTO-DAY) from the page: a PNG is stored, a text file refused.
    let page = b.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    let photo = |bytes: Vec<u8>, name: &str, mime: &str| {
        reqwest::multipart::Form::new()
            .text("csrf", csrf_of(&page))
            .text("kind", "exam_photo")
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).unwrap())
    };
    let docs = srv.url(&format!("/centre/entries/{entry}/documents"));
    let res = b.post(&docs).multipart(photo(b"not a picture".to_vec(), "p.txt", "text/plain")).send().await.unwrap();
    assert_eq!(res.status(), 415);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let res = b.post(&docs).multipart(photo(png, "p.png", "image/png")).send().await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    let kinds: Vec<&str> = d["documents"].as_array().unwrap().iter().filter_map(|x| x["kind"].as_str()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "exam_photo").count(),
        1,
        "one photo stored, the text file not: {kinds:?}"
    );

    // Cases: opened and closed from the page; only open cases have buttons; closing twice fails.
    let (_, html) =
        act(&b, &srv, &entry, "case", &[("kind", "malpractice"), ("description", "notes in the pencil case")]).await;
    assert!(html.contains("Case opened (Malpractice)."));
    let marker = "name=\"case_id\" value=\"";
    let at = html.find(marker).expect("the open case has a close form") + marker.len();
    let case_id = html[at..at + 36].to_owned();
    let (status, html) = act(&b, &srv, &entry, "close_case", &[("case_id", &case_id), ("decision", "dismiss")]).await;
    assert_eq!(status, 200);
    assert!(html.contains("Case closed: Dismissed.") && !html.contains(marker), "{html}");
    let (status, _) = act(&b, &srv, &entry, "close_case", &[("case_id", &case_id), ("decision", "uphold")]).await;
    assert_eq!(status, 409, "a closed case stays closed");
    let (status, _) = act(&b, &srv, &entry, "close_case", &[("case_id", &case_id), ("decision", "maybe")]).await;
    assert_eq!(status, 400);

    // Results, release, a Stage 1 enquiry, and its outcome typed on the page (R-ENQUIRY).
    let csv = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n0001,graded,172,C,B2,170,175,168,172,175\n";
    assert_eq!(import_csv(&http, &srv, &csrf, &session, csv).await, 200);
    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap());
    let b = manager_browser(&srv).await;
    let (status, html) = act(&b, &srv, &entry, "enquiry", &[("stage", "1"), ("fee", "150")]).await;
    assert_eq!(status, 200, "{html}");
    let marker = "name=\"enquiry_id\" value=\"";
    let at = html.find(marker).expect("the open enquiry has an outcome form") + marker.len();
    let enquiry_id = html[at..].split('"').next().unwrap().to_owned();
    let outcome = |components: &'static str| {
        vec![
            ("enquiry_id", enquiry_id.clone()),
            ("overall_score", "174".into()),
            ("grade", "B".into()),
            ("cefr", "B2".into()),
            ("components", components.into()),
        ]
    };
    let post_outcome = |fields: Vec<(&'static str, String)>| {
        let (b, srv, entry) = (&b, &srv, &entry);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            act(b, srv, entry, "enquiry_outcome", &fields).await
        }
    };
    let (status, html) = post_outcome(outcome("Writing: lots")).await;
    assert_eq!(status, 400);
    assert!(html.contains("Component scores: `Writing: lots`"), "{html}");
    let (status, html) = post_outcome(outcome("Writing: 178")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Enquiry completed: Score raised. The fee is refunded."), "{html}");
    let http2 = client();
    api_login(&http2, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let d: Value =
        http2.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (d["result_versions"][0]["version"].as_i64(), d["result_versions"][0]["grade"].as_str()),
        (Some(2), Some("B")),
        "the outcome is a new result version (R-RESULT-VERSIONS): {d}"
    );
    srv.stop().await;
}

/// R-COE-MISSING: the centre's home lists confirmed candidates without a Confirmation of Entry
/// whose first component is within 10 days, until their CoE is issued.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn home_lists_candidates_still_without_a_coe() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Jerzy").await;
    let b = manager_browser(&srv).await;
    let link = format!("/centre/entries/{entry}");
    let home = b.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains(&link), "the speaking test on 2026-12-05 is 13 days away: not yet listed");
    // Four days later the speaking test is 9 days away.
    srv.clock.set(Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap());
    let b = manager_browser(&srv).await;
    let home = b.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains(&link) && !home.contains("R-COE-MISSING"), "{home}");
    assert!(home.contains("Candidates without a Confirmation of Entry") && home.contains("Jerzy Zając"), "{home}");
    let page = b.get(srv.url(&link)).send().await.unwrap().text().await.unwrap();
    let res = b.post(srv.url(&format!("{link}/coe"))).form(&[("csrf", csrf_of(&page))]).send().await.unwrap();
    assert_eq!(res.status(), 200, "the CoE PDF is downloaded");
    let home = b.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains(&link), "listed no more once the CoE is issued");
    srv.stop().await;
}
