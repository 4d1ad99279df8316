//! The candidate's results: invisible until release (R-RELEASE), the current version
//! (R-RESULT-VERSIONS), no component profile for X, Z, Pending (R-RESULT-CODES), the Statement
//! of Results PDF for the candidate's own released results only, and the release email, sent
//! once per result version, across restarts and servers.

use crate::both_backends;
use crate::candidate::{SECRET_A, activated, add_entry, add_version, fixture};
use crate::support::*;
use chrono::Duration;
use serde_json::Value;

both_backends!(r_release_results_hidden_until_release_then_current_version, r_release_email_once_per_result_version);

fn by_entry<'a>(results: &'a Value, entry: &str) -> &'a Value {
    results
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {results}"))
        .iter()
        .find(|e| e["entry_id"] == entry)
        .unwrap_or_else(|| panic!("{entry} in {results}"))
}

async fn r_release_results_hidden_until_release_then_current_version(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let fx = fixture(&srv);
    let now = start_instant();
    let released = now - Duration::days(3);
    let (fce, _) = add_entry(&srv, &fx.centre, &fx.a.2, "FCE", released, "graded", 176);
    let (cae, _) = add_entry(&srv, &fx.centre, &fx.a.2, "CAE", now + Duration::hours(2), "graded", 191);
    let (x, _) = add_entry(&srv, &fx.centre, &fx.a.2, "PET", released, "X", 0);
    let (z, _) = add_entry(&srv, &fx.centre, &fx.a.2, "KET", released, "Z", 0);
    let (pending, _) = add_entry(&srv, &fx.centre, &fx.a.2, "CPE", released, "Pending", 0);
    let (other, _) = add_entry(&srv, &fx.centre, &fx.b.2, "FCE", released, "graded", 163);
    let (me, _) = activated(&srv, &fx.a, "zofia@mail.example").await;

    let results: Value = me.get(srv.url("/api/v1/candidate/results")).send().await.unwrap().json().await.unwrap();
    assert_eq!(results.as_array().unwrap().len(), 5, "only A's own exams: {results}");
    let f = by_entry(&results, &fce);
    assert_eq!(f["released"], true);
    assert_eq!(f["result"]["overall_score"], 176);
    assert_eq!(f["result"]["grade"], "B");
    assert_eq!(f["result"]["cefr"], "B2");
    assert_eq!(f["result"]["components"].as_array().unwrap().len(), 4, "graded: component profile");
    // R-RELEASE: the CAE result exists but is invisible before its release instant.
    let c = by_entry(&results, &cae);
    assert_eq!(c["released"], false);
    assert!(c["result"].is_null(), "{c}");
    // R-RESULT-CODES: no component profile for X, Z or Pending.
    for (entry, code) in [(&x, "X"), (&z, "Z"), (&pending, "Pending")] {
        let r = &by_entry(&results, entry)["result"];
        assert_eq!(r["status"], code);
        assert_eq!(r["components"], serde_json::json!([]), "{code}: {r}");
    }
    let page = me.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<strong>176</strong>") && page.contains("Scores by paper"), "{page}");
    assert!(!page.contains("<strong>191</strong>"), "the unreleased score is not in the page");
    assert!(page.contains("Your results will be available by"), "{page}");
    assert!(page.contains("absent from part of the exam"), "{page}");
    assert_eq!(page.matches("Scores by paper").count(), 1, "one component profile: the graded FCE only");

    // The Statement of Results: the candidate's own released results only.
    let pdf = me.get(srv.url(&format!("/candidate/results/{fce}/statement.pdf"))).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.headers()["content-disposition"].to_str().unwrap().contains("statement-of-results-PL"));
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"), "a PDF");
    let api_pdf = me.get(srv.url(&format!("/api/v1/candidate/results/{fce}/statement"))).send().await.unwrap();
    assert_eq!(api_pdf.status(), 200);
    assert!(api_pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    for entry in [&other, &cae, &"no-such-entry".to_owned()] {
        let res = me.get(srv.url(&format!("/candidate/results/{entry}/statement.pdf"))).send().await.unwrap();
        assert_eq!(res.status(), 404, "another candidate's or an unreleased entry: {entry}");
        let res = me.get(srv.url(&format!("/api/v1/candidate/results/{entry}/statement"))).send().await.unwrap();
        assert_eq!(res.status(), 404);
    }

    // At the release instant the CAE result appears.
    srv.advance(Duration::hours(2));
    api_login(&me, &srv, "pl078", &fx.a.0, PASSWORD).await;
    let results: Value = me.get(srv.url("/api/v1/candidate/results")).send().await.unwrap().json().await.unwrap();
    assert_eq!(by_entry(&results, &cae)["result"]["overall_score"], 191);
    assert_eq!(me.get(srv.url(&format!("/candidate/results/{cae}/statement.pdf"))).send().await.unwrap().status(), 200);

    // R-RESULT-VERSIONS: after an enquiry the current version is shown, and its PDF.
    {
        let mut c = srv.db().conn().unwrap();
        add_version(&mut c, &fx.centre, &fce, 2, "graded", 181);
    }
    let results: Value = me.get(srv.url("/api/v1/candidate/results")).send().await.unwrap().json().await.unwrap();
    let f = by_entry(&results, &fce);
    assert_eq!(f["result"]["version"], 2);
    assert_eq!(f["result"]["overall_score"], 181);
    let page = me.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<strong>181</strong>") && !page.contains("<strong>176</strong>"));
    assert!(!page.contains(SECRET_A));
    srv.stop().await;
}

async fn r_release_email_once_per_result_version(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let cfg = move |c: &mut tessera_daemon::config::Config| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.jobs.release_scan_ms = 50;
        c.server.public_url = "https://tessera.example".into();
    };
    let srv = TestServer::start_with(backend, cfg).await;
    let fx = fixture(&srv);
    let now = start_instant();
    // Released before the account existed: seen at sign-in, no email needed.
    add_entry(&srv, &fx.centre, &fx.a.2, "FCE", now - Duration::days(3), "graded", 176);
    let (cae, _) = add_entry(&srv, &fx.centre, &fx.a.2, "CAE", now + Duration::hours(2), "graded", 191);
    // B has no account: no email at release.
    add_entry(&srv, &fx.centre, &fx.b.2, "CAE", now + Duration::hours(2), "graded", 170);
    activated(&srv, &fx.a, "zofia@mail.example").await;
    let quiet = || tokio::time::sleep(std::time::Duration::from_millis(700));

    let msgs = smtp.wait_for(1).await;
    assert!(msgs[0].contains("account is active"));
    quiet().await;
    assert_eq!(smtp.messages().len(), 1, "nothing before the release");

    srv.advance(Duration::hours(2));
    let mail = decode_qp(&smtp.wait_for(2).await[1]);
    assert!(mail.contains("To: zofia@mail.example"), "{mail}");
    assert!(mail.contains("Subject: Your C1 Advanced results are available"), "{mail}");
    assert!(mail.contains("https://tessera.example/t/pl078/login"), "{mail}");
    assert!(!mail.contains(" 191"), "the email announces; the score is behind the sign-in");
    quiet().await;
    assert_eq!(smtp.messages().len(), 2, "one email per result version, not one per scan");

    // A restart (a second server on the same database) sends nothing again.
    let url = srv.database_url.clone();
    // Stop the first server but keep its data folder (the SQLite file lives there).
    let mut srv = srv;
    srv.running.take().unwrap().shutdown().await;
    let same_db = move |c: &mut tessera_daemon::config::Config| {
        cfg(c);
        c.database.url = url.clone();
    };
    let again = TestServer::start_with(backend, same_db.clone()).await;
    again.advance(Duration::hours(3));
    quiet().await;
    assert_eq!(smtp.messages().len(), 2, "nothing sent twice after a restart");

    // A new version after an enquiry is a new result version: one more email, exactly one
    // while two servers look at the same database.
    let second = TestServer::start_with(backend, same_db).await;
    second.advance(Duration::hours(3));
    {
        let mut c = again.db().conn().unwrap();
        add_version(&mut c, &fx.centre, &cae, 2, "graded", 195);
    }
    let mail = decode_qp(&smtp.wait_for(3).await[2]);
    assert!(mail.contains("C1 Advanced"), "{mail}");
    quiet().await;
    assert_eq!(smtp.messages().len(), 3, "one email for the new version, from one of the two servers");
    second.stop().await;
    again.stop().await;
    drop(srv);
}
