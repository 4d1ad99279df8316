//! The centre staff's work pages (issue 15): the home page's counts per upcoming session, each a
//! link to the session's entries in that state; the list of candidates without a Confirmation of
//! Entry with "issue all" behind a confirmation page; the entry lists' filters, sorting and
//! paging; the entry page's actions by state; and a confirmation page before each destructive
//! action, without which nothing changes.

use crate::after_exam::confirmed;
use crate::both_backends;
use crate::centre::{create_session, fce_session, new_entry, polish_centre};
use crate::support::*;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use tessera_domain::{Role, TenantKind};

both_backends!(
    home_counts_upcoming_sessions_and_links_the_filtered_lists,
    issue_all_confirmations_after_a_confirmation_page,
    entry_lists_filter_sort_and_page,
    an_entry_page_offers_only_what_its_state_allows,
    destructive_actions_wait_for_confirmation,
);

/// A signed-in browser of `login` at `slug`.
pub(crate) async fn browser(srv: &TestServer, slug: &str, login_name: &str) -> reqwest::Client {
    let b = client();
    assert_eq!(login(&b, srv, slug, login_name, PASSWORD).await.status(), 303);
    b
}

/// The page at `path` as `b` sees it: its status and its text.
pub(crate) async fn page(b: &reqwest::Client, srv: &TestServer, path: &str) -> (u16, String) {
    let res = b.get(srv.url(path)).send().await.unwrap();
    let status = res.status().as_u16();
    // Attributes are written with `/` escaped; read them as the browser does.
    (status, res.text().await.unwrap().replace("&#x2f;", "/").replace("&amp;", "&"))
}

/// The entry links of a page's entry list, in order.
fn listed(html: &str) -> Vec<String> {
    let Some(list) = html.split("<table class=\"entry-list\">").nth(1) else { return vec![] };
    let list = list.split("</table>").next().unwrap();
    list.split("href=\"/centre/entries/").skip(1).map(|s| s.split('"').next().unwrap().to_owned()).collect()
}

async fn issue_coe_api(http: &reqwest::Client, srv: &TestServer, csrf: &str, entry: &str) {
    let res =
        http.post(srv.url(&format!("/api/v1/entries/{entry}/coe"))).header("x-csrf-token", csrf).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

/// The number a home page's count link for `queue` of `session` shows.
fn count(home: &str, session: &str, queue: &str) -> Option<u32> {
    let link = format!("href=\"/centre/sessions/{session}?state={queue}#entries\">");
    home.split(&link).nth(1).map(|rest| rest.split('<').next().unwrap().parse().unwrap())
}

async fn home_counts_upcoming_sessions_and_links_the_filtered_lists(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let anna = confirmed(&http, &srv, &csrf, &session, "Anna").await;
    let bartosz = confirmed(&http, &srv, &csrf, &session, "Bartosz").await;
    let celina = new_entry(&http, &srv, &csrf, &session, "Celina", "Kowalska").await;
    issue_coe_api(&http, &srv, &csrf, &anna).await;

    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let (status, home) = page(&b, &srv, "/centre").await;
    assert_eq!(status, 200);
    assert!(home.contains("Upcoming sessions") && home.contains("<table id=\"upcoming-counts\">"), "{home}");
    for (queue, n) in [("incomplete", 1), ("confirmed", 2), ("coe_missing", 1), ("results_pending", 2)] {
        assert_eq!(count(&home, &session, queue), Some(n), "{queue}: {home}");
    }
    for queue in ["enquiries_open", "refunds_to_decide", "cases_open"] {
        assert_eq!(count(&home, &session, queue), None, "{queue}: nothing, no link");
    }
    // Each count's link lists exactly those entries.
    for (queue, expected) in [
        ("coe_missing", vec![bartosz.clone()]),
        ("incomplete", vec![celina.clone()]),
        ("confirmed", vec![anna.clone(), bartosz.clone()]),
    ] {
        let (status, html) = page(&b, &srv, &format!("/centre/sessions/{session}?state={queue}")).await;
        assert_eq!(status, 200);
        let mut got = listed(&html);
        got.sort();
        let mut want = expected;
        want.sort();
        assert_eq!(got, want, "{queue}");
    }

    // R-COE-MISSING: 13 days before the speaking test nobody is listed; 9 days before, Bartosz is,
    // by name and ID number in a table with headers, under a heading in words.
    assert!(home.contains("Every candidate sitting in the next 10 days has a Confirmation of Entry"), "{home}");
    srv.clock.set(Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap());
    // Days later: signed in again.
    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let (_, home) = page(&b, &srv, "/centre").await;
    let card = home.split("id=\"coe-missing\"").nth(1).unwrap().split("</div>\n<div class=\"card\"").next().unwrap();
    assert!(card.contains("Candidates without a Confirmation of Entry") && !card.contains("R-COE-MISSING"), "{card}");
    assert!(card.contains("<th scope=\"col\">Candidate</th>") && card.contains("<th scope=\"col\">First paper</th>"));
    assert!(card.contains(&format!("/centre/entries/{bartosz}\">Bartosz Zając</a>")), "{card}");
    assert!(card.contains("5 December 2026") && !card.contains("2026-12-05"), "first paper localised: {card}");
    assert!(!card.contains(&anna) && !card.contains(&celina), "issued and pending are not listed");
    assert!(card.contains(&format!("href=\"/centre/sessions/{session}/coe\"")), "issue all: {card}");

    // Once the exam day is over the session is no longer upcoming, and nothing is listed.
    srv.clock.set(Utc.with_ymd_and_hms(2026, 12, 13, 10, 0, 0).unwrap());
    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let (_, home) = page(&b, &srv, "/centre").await;
    assert!(home.contains("There is no session from today on."), "{home}");
    assert!(!home.contains(&format!("/centre/entries/{bartosz}")), "a past session's entries are not listed");
    srv.stop().await;
}

async fn issue_all_confirmations_after_a_confirmation_page(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let anna = confirmed(&http, &srv, &csrf, &session, "Anna").await;
    let bartosz = confirmed(&http, &srv, &csrf, &session, "Bartosz").await;
    let celina = confirmed(&http, &srv, &csrf, &session, "Celina").await;
    new_entry(&http, &srv, &csrf, &session, "Dawid", "Nowak").await;
    issue_coe_api(&http, &srv, &csrf, &anna).await;
    let missing = |html: &str| listed(html);
    let coe_missing = format!("/centre/sessions/{session}?state=coe_missing");

    // Another centre's staff cannot see or issue them: not found, nothing changed.
    let other = srv.tenant("pl079", TenantKind::Centre);
    srv.user(&other, "manager@pl079.example", Role::CentreManager);
    let stranger = browser(&srv, "pl079", "manager@pl079.example").await;
    let (status, _) = page(&stranger, &srv, &format!("/centre/sessions/{session}/coe")).await;
    assert_eq!(status, 404);
    let (_, own) = page(&stranger, &srv, "/centre").await;
    let res = stranger
        .post(srv.url(&format!("/centre/sessions/{session}/coe")))
        .form(&[("csrf", csrf_of(&own).as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let (_, list) = page(&b, &srv, &coe_missing).await;
    assert_eq!(missing(&list).len(), 2, "untouched by the other centre");

    // The confirmation page says how many and what happens; it changes nothing.
    let (status, confirm) = page(&b, &srv, &format!("/centre/sessions/{session}/coe")).await;
    assert_eq!(status, 200);
    assert!(confirm.contains("2 Confirmations of Entry will be issued."), "{confirm}");
    assert!(confirm.contains("new secret number") && confirm.contains("emailed"), "{confirm}");
    assert!(confirm.contains("Already issued and left as they are: 1.") && confirm.contains(": 1."), "{confirm}");
    assert!(confirm.contains("class=\"primary warning\""), "a distinct button: {confirm}");
    // Posted without the confirmation: the same page again, nothing issued.
    let res = b
        .post(srv.url(&format!("/centre/sessions/{session}/coe")))
        .form(&[("csrf", csrf_of(&confirm).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("2 Confirmations of Entry will be issued."));
    let (_, list) = page(&b, &srv, &coe_missing).await;
    assert_eq!(missing(&list).len(), 2, "nothing issued without the confirmation");

    let res = b
        .post(srv.url(&format!("/centre/sessions/{session}/coe")))
        .form(&[("csrf", csrf_of(&confirm).as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    // Issued in the background; the run's page follows it to its report.
    let run = location(&res);
    assert!(run.starts_with(&format!("/centre/sessions/{session}/runs/")), "{run}");
    let report = follow_run(&b, &srv, res).await;
    assert!(report.contains("Issued and emailed: 2.") && report.contains("Already issued and left as they are: 1."));
    assert!(report.contains("2 of 2 candidates done (100%)") && report.contains("Finished"), "{report}");
    // The run is the centre's own: another centre's staff do not find it.
    let (status, _) = page(&stranger, &srv, &run).await;
    assert_eq!(status, 404);
    let (_, list) = page(&b, &srv, &coe_missing).await;
    assert!(missing(&list).is_empty(), "every confirmed entry has its CoE: {list}");
    for e in [&bartosz, &celina] {
        let (_, html) = page(&b, &srv, &format!("/centre/entries/{e}")).await;
        assert!(html.contains("Issued on"), "{html}");
    }
    // Run again: nothing left to issue, and no button.
    let (_, confirm) = page(&b, &srv, &format!("/centre/sessions/{session}/coe")).await;
    assert!(
        confirm.contains("There is no Confirmation of Entry to issue by email")
            && !confirm.contains("confirmed\" value=\"yes\"")
    );
    srv.stop().await;
}

async fn entry_lists_filter_sort_and_page(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(80, 1)).await;
    // 55 entries; family names in reverse order of entry.
    let mut ids = Vec::new();
    for i in 0..55 {
        let family = format!("Nazwisko{:02}", 54 - i);
        ids.push(new_entry(&http, &srv, &csrf, &session, &format!("Imie{i:02}"), &family).await);
    }
    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let base = format!("/centre/sessions/{session}");
    // By name (the default): the last entered first; 50 a page, with page links.
    let (status, p1) = page(&b, &srv, &base).await;
    assert_eq!(status, 200);
    let first = listed(&p1);
    assert_eq!((first.len(), first[0].as_str()), (50, ids[54].as_str()));
    assert!(p1.contains("Entries 1 to 50 of 55") && p1.contains("rel=\"next\""), "{p1}");
    let (_, p2) = page(&b, &srv, &format!("{base}?page=2")).await;
    assert_eq!(listed(&p2), ids[..5].iter().rev().cloned().collect::<Vec<_>>());
    // Past the last page: the last page.
    let (status, p9) = page(&b, &srv, &format!("{base}?page=9")).await;
    assert_eq!((status, listed(&p9).len()), (200, 5));
    // By date of entry, descending; by candidate number, ascending.
    let (_, by_date) = page(&b, &srv, &format!("{base}?sort=date&direction=desc")).await;
    assert_eq!(listed(&by_date)[0], ids[54]);
    let (_, by_number) = page(&b, &srv, &format!("{base}?sort=number&direction=asc")).await;
    assert_eq!(listed(&by_number)[0], ids[0]);
    // Filtered: every entry is incomplete here (nothing paid); none is confirmed.
    let (_, incomplete) = page(&b, &srv, &format!("{base}?state=incomplete&page=2")).await;
    assert_eq!(listed(&incomplete).len(), 5);
    let (_, none) = page(&b, &srv, &format!("{base}?state=confirmed")).await;
    assert!(listed(&none).is_empty() && none.contains("No entry matches."), "{none}");

    // A value the list does not offer: 400, the field named, the list shown without it.
    for (query, message) in [
        ("state=bogus", "Show: “bogus” is not one of the choices offered"),
        ("sort=age", "Sort order: “age” is not one of the choices offered"),
        ("direction=up", "Direction: “up” is not one of the choices offered"),
        ("page=two", "Page: `two` is not a whole number."),
    ] {
        let (status, html) = page(&b, &srv, &format!("{base}?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains(message) && html.contains("class=\"error-summary"), "{query}: {html}");
        assert_eq!(listed(&html).len(), 50, "{query}: the list still shown");
    }

    // The centre's list: by exam; an unknown exam is named.
    let (status, all) = page(&b, &srv, "/centre/entries?exam=FCE&sort=number").await;
    assert_eq!((status, listed(&all).len()), (200, 50));
    let (_, cae) = page(&b, &srv, "/centre/entries?exam=CAE").await;
    assert!(listed(&cae).is_empty());
    let (status, bad) = page(&b, &srv, "/centre/entries?exam=XYZ").await;
    assert!(status == 400 && bad.contains("Exam: “XYZ” is not one of the choices offered"), "{bad}");
    srv.stop().await;
}

async fn an_entry_page_offers_only_what_its_state_allows(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let pending = new_entry(&http, &srv, &csrf, &session, "Celina", "Kowalska").await;
    let ready = confirmed(&http, &srv, &csrf, &session, "Anna").await;
    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let tasks = |html: &str| -> Vec<String> {
        let list = html.split("id=\"tasks\"").nth(1).unwrap().split("</div>").next().unwrap();
        list.split("href=\"#task-").skip(1).map(|s| s.split('"').next().unwrap().to_owned()).collect()
    };

    let (_, html) = page(&b, &srv, &format!("/centre/entries/{pending}")).await;
    let t = tasks(&html);
    assert!(t.contains(&"record_payment".into()) && t.contains(&"void".into()), "{t:?}");
    assert!(!t.iter().any(|a| a.contains("coe") || a == "open_enquiry" || a == "record_attendance"), "{t:?}");
    assert!(!html.contains("id=\"task-issue_coe\"") && html.contains("id=\"task-record_payment\""));
    assert!(html.contains("Not issued: it can be issued once the entry is confirmed."), "{html}");
    assert!(html.contains("No payment recorded yet."));

    let (_, html) = page(&b, &srv, &format!("/centre/entries/{ready}")).await;
    let t = tasks(&html);
    assert!(
        t.contains(&"issue_coe".into()) && !t.contains(&"reissue_coe".into()) && !t.contains(&"record_payment".into())
    );
    // The status is said once, and nothing contradicts it.
    assert_eq!(html.matches("id=\"entry-status\"").count(), 1);
    assert!(html.contains(">Confirmed</strong>") && !html.contains("once the entry is confirmed"), "{html}");
    assert!(html.contains("Not issued yet: the entry is confirmed"), "{html}");
    // The payments history: headers, the amount in the page's language.
    let history = html.split("id=\"payment-history\"").nth(1).unwrap().split("</table>").next().unwrap();
    assert!(history.contains("<th scope=\"col\">") && history.contains("810.00\u{a0}PLN"), "{history}");
    assert!(!html.contains("(UTC)") && !html.contains("T00:"), "dates localised");

    issue_coe_api(&http, &srv, &csrf, &ready).await;
    let (_, html) = page(&b, &srv, &format!("/centre/entries/{ready}")).await;
    let t = tasks(&html);
    assert!(t.contains(&"reissue_coe".into()) && !t.contains(&"issue_coe".into()), "{t:?}");
    assert!(t.contains(&"record_attendance".into()) && t.contains(&"open_case".into()));

    // Voided: nothing more to do.
    let token = csrf_of(&html);
    let res = b
        .post(srv.url(&format!("/centre/entries/{pending}/void")))
        .form(&[("csrf", token.as_str()), ("reason", "Sent another person's ID"), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, html) = page(&b, &srv, &format!("/centre/entries/{pending}")).await;
    assert!(tasks(&html).is_empty() && html.contains("Nothing more can be done with this entry."), "{html}");
    assert!(!html.contains("id=\"task-void\"") && !html.contains("id=\"task-record_payment\""));
    srv.stop().await;
}

async fn details(http: &reqwest::Client, srv: &TestServer, entry: &str) -> Value {
    http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap()
}

async fn destructive_actions_wait_for_confirmation(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;

    // Re-issuing a CoE replaces the secret number: a confirmation page first.
    let held = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let anna = confirmed(&http, &srv, &csrf, &held, "Anna").await;
    issue_coe_api(&http, &srv, &csrf, &anna).await;
    let issued_at = || async { details(&http, &srv, &anna).await["form"]["coe_issued_at"].clone() };
    let before = issued_at().await;
    assert!(before.is_string(), "{before}");
    srv.advance(chrono::Duration::minutes(10));
    let b = browser(&srv, "pl078", "manager@pl078.example").await;
    let (_, html) = page(&b, &srv, &format!("/centre/entries/{anna}")).await;
    let token = csrf_of(&html);
    let res =
        b.post(srv.url(&format!("/centre/entries/{anna}/coe"))).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let confirm = res.text().await.unwrap();
    assert!(confirm.contains("Issue the Confirmation of Entry of Anna Zając again?"), "{confirm}");
    assert!(confirm.contains("stops working") && confirm.contains("class=\"primary warning\""), "{confirm}");
    assert_eq!(issued_at().await, before, "nothing re-issued without the confirmation");
    let res = b
        .post(srv.url(&format!("/centre/entries/{anna}/coe")))
        .form(&[("csrf", token.as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_ne!(issued_at().await, before, "re-issued once confirmed");

    // "Cancel: below minimum" shows only below the minimum.
    let (_, html) = page(&b, &srv, &format!("/centre/sessions/{held}")).await;
    assert!(!html.contains("/do/cancel"), "1 entry against a minimum of 1: no cancel button");
    let small = create_session(&http, &srv, &csrf, fce_session(10, 6)).await;
    let paid = confirmed(&http, &srv, &csrf, &small, "Bartosz").await;
    let (_, html) = page(&b, &srv, &format!("/centre/sessions/{small}")).await;
    assert!(html.contains("Only 1 entries against a minimum of 6") && html.contains("/do/cancel"), "{html}");
    let url = srv.url(&format!("/centre/sessions/{small}/do/cancel"));
    let res = b.post(&url).form(&[("csrf", token.as_str())]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let confirm = res.text().await.unwrap();
    assert!(confirm.contains("Cancel the session?") && confirm.contains("cannot be undone"), "{confirm}");
    let status = || async {
        http.get(srv.url(&format!("/api/v1/sessions/{small}"))).send().await.unwrap().json::<Value>().await.unwrap()
            ["status"]
            .clone()
    };
    assert_eq!(status().await, json!("open"), "nothing cancelled without the confirmation");
    let res = b.post(&url).form(&[("csrf", token.as_str()), ("confirmed", "yes")]).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(status().await, json!("cancelled"));

    // The refund the cancellation asked for: confirming and rejecting are confirmed first.
    let refund = details(&http, &srv, &paid).await["refunds"][0].clone();
    assert_eq!(refund["status"], "decided", "{refund}");
    let rid = refund["id"].as_str().unwrap();
    for step in ["reject", "confirm"] {
        let res = b
            .post(srv.url(&format!("/centre/refunds/{rid}/{step}")))
            .form(&[("csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{step}");
        let html = res.text().await.unwrap();
        assert!(html.contains("810.00\u{a0}PLN") && html.contains("class=\"primary warning\""), "{step}: {html}");
        assert_eq!(details(&http, &srv, &paid).await["refunds"][0]["status"], "decided", "{step}: unchanged");
    }
    let res = b
        .post(srv.url(&format!("/centre/refunds/{rid}/confirm")))
        .form(&[("csrf", token.as_str()), ("confirmed", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(details(&http, &srv, &paid).await["refunds"][0]["status"], "confirmed");
    srv.stop().await;
}
