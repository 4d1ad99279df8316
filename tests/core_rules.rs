//! Workflow rules that used to be lost between the HTTP layer and the policy plugins: a refund
//! decision that cancels the entry (R-HU-REFUND-MEDICAL, R-ENTRY-VOID), at most one open refund
//! per entry, the special-arrangements deadline against the day each item arrived
//! (R-PL-SA-DEADLINE), bounded money, and a failed policy decision that stores nothing.

use crate::both_backends;
use crate::centre::{adult, create_session, fce_session, import_csv, pdf_bytes, post, upload};
use crate::support::*;
use chrono::Duration;
use serde_json::{Value, json};
use tessera_domain::{Role, TenantKind};

both_backends!(
    a_medical_refund_that_cancels_the_entry,
    one_open_refund_per_entry,
    special_arrangements_late_stay_late,
    payments_are_bounded_and_checked,
    a_failed_decision_stores_nothing,
    coe_missing_from_the_policys_day_for_upcoming_sessions_only,
    decision_fields_shown_with_the_entry,
    a_student_card_shown_in_time_keeps_the_discount
);

/// A Polish centre with one FCE session and one entry; returns the entry.
async fn polish_entry(backend: Backend) -> (TestServer, reqwest::Client, String, String, String) {
    let (srv, http, csrf) = crate::centre::polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(20, 1)).await;
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Adam", "Wróbel")).await;
    let entry = v["entry_id"].as_str().unwrap().to_owned();
    (srv, http, csrf, session, entry)
}

/// Records a cash payment of `amount` minor units.
async fn pay(http: &reqwest::Client, srv: &TestServer, csrf: &str, entry: &str, amount: Value) -> (u16, Value) {
    post(
        http,
        srv,
        csrf,
        &format!("/api/v1/entries/{entry}/payments"),
        json!({"amount_minor": amount, "method": "cash"}),
    )
    .await
}

async fn entry_view(http: &reqwest::Client, srv: &TestServer, entry: &str) -> Value {
    let res = http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// A Hungarian centre with the `hu` plugin and one paid FCE entry; returns the entry and session.
async fn hungarian_paid_entry(backend: Backend) -> (TestServer, reqwest::Client, String, String, String) {
    let srv = TestServer::start_with_plugins(backend).await;
    let centre = srv.tenant("hu012", TenantKind::Centre);
    srv.assign(&centre, "hu", &["refund", "eligibility", "deadlines"]);
    srv.user(&centre, "manager@hu012.example", Role::CentreManager);
    let http = client();
    let csrf = api_login(&http, &srv, "hu012", "manager@hu012.example", PASSWORD).await;
    let mut s = fce_session(20, 1);
    s["currency"] = json!("HUF");
    let session = create_session(&http, &srv, &csrf, s).await;
    let mut who = adult(&session, "Győző", "Szabó");
    who["nationality"] = json!("HU");
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/entries", who).await;
    assert_eq!(status, 201, "{v}");
    let entry = v["entry_id"].as_str().unwrap().to_owned();
    let (status, v) = pay(&http, &srv, &csrf, &entry, json!(81000)).await;
    assert_eq!(status, 200, "{v}");
    (srv, http, csrf, entry, session)
}

/// R-HU-REFUND-MEDICAL: the `hu` plugin says a medical refund cancels the entry. Confirming that
/// decision cancels it (R-ENTRY-VOID): the entry shows as cancelled, the candidate is emailed in
/// the tenant's language, and a results file naming the candidate is refused.
async fn a_medical_refund_that_cancels_the_entry(backend: Backend) {
    let (srv, http, csrf, entry, session) = hungarian_paid_entry(backend).await;
    let (status, r) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/refunds"),
        json!({"reason": {"type": "illness"}, "documents": ["medical_certificate"], "request_date": "2026-12-14", "documents_received_date": "2026-12-14"}),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let refund = r["id"].as_str().unwrap().to_owned();
    assert!(r["decision"].as_str().unwrap().contains("\"cancel_entry\":true"), "the decision is kept whole: {r}");
    assert_ne!(entry_view(&http, &srv, &entry).await["entry"]["status"], "cancelled", "not before staff confirm");

    let res = http
        .post(srv.url(&format!("/api/v1/refunds/{refund}/confirm")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let v = entry_view(&http, &srv, &entry).await;
    assert_eq!(v["entry"]["status"], "cancelled", "{v}");
    let why = v["form"]["status_reasons"].to_string();
    assert!(why.contains("R-HU-REFUND-MEDICAL") && why.contains("R-ENTRY-VOID"), "the rules are named: {v}");

    // The candidate is told, in the tenant's language, through the job queue.
    let mail_dir = srv.running.as_ref().unwrap().state.settings.data_dir.join("mail");
    let mut found = String::new();
    for _ in 0..100 {
        if let Ok(dir) = std::fs::read_dir(&mail_dir) {
            for f in dir.flatten() {
                let text = std::fs::read_to_string(f.path()).unwrap_or_default();
                if text.contains("gyozo@mail.example")
                    && decode_qp(&text).contains("Your entry for B2 First is cancelled")
                {
                    found = text;
                }
            }
        }
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let centre = tessera_storage::repo::tenants::by_slug(&mut srv.db().conn().unwrap(), "hu012").unwrap();
    let jobs = tessera_storage::repo::jobs::list(&mut srv.db().conn().unwrap(), centre.id, 20).unwrap();
    let files: Vec<String> = std::fs::read_dir(&mail_dir)
        .map(|d| d.flatten().map(|f| decode_qp(&std::fs::read_to_string(f.path()).unwrap_or_default())).collect())
        .unwrap_or_default();
    assert!(!found.is_empty(), "the cancellation email reached the candidate: {jobs:?} {files:?}");

    // No result can be imported for a cancelled entry.
    let number = entry_view(&http, &srv, &entry).await["entry"]["candidate_number"].as_str().unwrap().to_owned();
    let csv = format!(
        "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n{number},graded,176,B,B2,170,175,180,172,183\n"
    );
    let status = import_csv(&http, &srv, &csrf, &session, &csv).await;
    assert_eq!(status, 422, "a result for a cancelled entry is refused");
    srv.stop().await;
}

/// A second refund request for an entry is refused while the first is open; once it is closed
/// (rejected), a new one may be made.
async fn one_open_refund_per_entry(backend: Backend) {
    let (srv, http, csrf, entry, _) = hungarian_paid_entry(backend).await;
    let path = format!("/api/v1/entries/{entry}/refunds");
    let (status, first) = post(&http, &srv, &csrf, &path, json!({"reason": {"type": "withdrawal"}})).await;
    assert_eq!(status, 201, "{first}");
    let (status, second) = post(&http, &srv, &csrf, &path, json!({"reason": {"type": "withdrawal"}})).await;
    assert_eq!((status, second["error"]["code"].as_str()), (409, Some("refund_already_open")), "{second}");
    // Two at once: still only one more.
    let id = first["id"].as_str().unwrap();
    let res =
        http.post(srv.url(&format!("/api/v1/refunds/{id}/reject"))).header("x-csrf-token", &csrf).send().await.unwrap();
    assert!(res.status().is_success());
    let body = json!({"reason": {"type": "withdrawal"}});
    let (a, b) = tokio::join!(post(&http, &srv, &csrf, &path, body.clone()), post(&http, &srv, &csrf, &path, body));
    let mut codes = [a.0, b.0];
    codes.sort();
    assert_eq!(codes, [201, 409], "exactly one of two simultaneous requests is accepted: {a:?} {b:?}");
    let v = entry_view(&http, &srv, &entry).await;
    assert_eq!(v["refunds"].as_array().map(Vec::len), Some(2), "{v}");
    // A reason the policy cannot read is refused by name, before anything is decided.
    let (status, v) = post(&http, &srv, &csrf, &path, json!({"reason": {"type": "boredom"}})).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("reason")), "{v}");
    srv.stop().await;
}

/// R-PL-SA-DEADLINE: documents must arrive by the last registration day (2026-12-01). A medical
/// certificate that arrives on 2026-12-03 is late, and stays flagged after later changes.
async fn special_arrangements_late_stay_late(backend: Backend) {
    let (srv, http, csrf) = crate::centre::polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(20, 1)).await;
    let mut sa = adult(&session, "Julia", "Mazur");
    sa["special_arrangements"] = json!("extra time: dyslexia");
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", sa).await;
    let entry = v["entry_id"].as_str().unwrap().to_owned();
    let (status, v) =
        upload(&http, &srv, &csrf, &entry, "special_arrangements_form", ("f.pdf", "application/pdf", pdf_bytes()))
            .await;
    assert_eq!(status, 200, "{v}");
    assert!(!v["warnings"].to_string().contains("late"), "the form is on time: {v}");
    srv.advance(Duration::days(11)); // 2026-12-03
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, v) =
        upload(&http, &srv, &csrf, &entry, "medical_certificate", ("m.pdf", "application/pdf", pdf_bytes())).await;
    assert_eq!(status, 200, "{v}");
    let w = v["warnings"].to_string();
    assert!(w.contains("R-PL-SA-DEADLINE") && w.contains("late") && w.contains("medical certificate"), "{v}");
    assert!(!w.contains("signed request"), "the form came on time: {v}");
    // Still flagged after the next change to the entry.
    let (_, v) = pay(&http, &srv, &csrf, &entry, json!(81000)).await;
    assert!(v["warnings"].to_string().contains("R-PL-SA-DEADLINE"), "{v}");
    // A Polish page states the rule in Polish, not the stored English words.
    {
        use diesel::RunQueryDsl;
        let mut c = srv.db().conn().unwrap();
        diesel::sql_query("UPDATE tenants SET locale = 'pl' WHERE slug = 'pl078'").execute(&mut *c).unwrap();
    }
    let page = http.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Wnioski o dostosowanie warunków i dokumenty muszą wpłynąć w terminie"), "{page}");
    assert!(!page.contains("the arrangements cannot be guaranteed"), "{page}");
    srv.stop().await;
}

/// Money is checked: an amount above the documented maximum is refused by name, and the entry
/// keeps working (no status recompute overflows).
async fn payments_are_bounded_and_checked(backend: Backend) {
    let (srv, http, csrf, _, entry) = polish_entry(backend).await;
    let pay = |amount: Value| pay(&http, &srv, &csrf, &entry, amount);
    let (status, v) = pay(json!(i64::MAX)).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("amount_minor")), "{v}");
    let (status, v) = pay(json!(1_000_000_001i64)).await;
    assert_eq!(status, 400, "{v}");
    for _ in 0..2 {
        let (status, v) = pay(json!(1_000_000_000i64)).await;
        assert_eq!(status, 200, "the maximum itself is accepted: {v}");
    }
    let (status, v) = pay(json!(100)).await;
    assert_eq!(status, 200, "the entry still works: {v}");
    assert_eq!(entry_view(&http, &srv, &entry).await["payments"].as_array().map(Vec::len), Some(3));
    srv.stop().await;
}

/// A policy decision that fails (a plugin that never stops) leaves nothing stored: no payment,
/// no document, no entry; the failure alone is audited, and a retry does not record twice.
async fn a_failed_decision_stores_nothing(backend: Backend) {
    let (srv, http, csrf, session, entry) = polish_entry(backend).await;
    let state = srv.running.as_ref().unwrap().state.clone();
    write_spinning_plugin(state.policies.dir(), "eligibility");
    for _ in 0..100 {
        if state.policies.info("spin").is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(state.policies.info("spin").is_some(), "the spinning plugin loads");
    let centre = tessera_storage::repo::tenants::by_slug(&mut srv.db().conn().unwrap(), "pl078").unwrap();
    srv.assign(&centre, "spin", &["eligibility"]);

    for _ in 0..2 {
        let (status, v) = pay(&http, &srv, &csrf, &entry, json!(81000)).await;
        assert_eq!((status, v["error"]["code"].as_str()), (422, Some("policy_failed")), "{v}");
        let (status, _) =
            upload(&http, &srv, &csrf, &entry, "photo_consent", ("c.pdf", "application/pdf", pdf_bytes())).await;
        assert_eq!(status, 422);
    }
    let v = entry_view(&http, &srv, &entry).await;
    assert_eq!(v["payments"].as_array().map(Vec::len), Some(0), "no payment stored: {v}");
    assert_eq!(v["documents"].as_array().map(Vec::len), Some(0), "no document stored: {v}");
    let docs = state.settings.data_dir.join("tenants").join(centre.id.to_string()).join("documents");
    let files = std::fs::read_dir(&docs).map(|d| d.count()).unwrap_or(0);
    assert_eq!(files, 0, "no file left in {}", docs.display());
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Ewa", "Nowak")).await;
    assert_eq!(status, 422, "{v}");
    let res = http.get(srv.url(&format!("/api/v1/sessions/{session}/entries"))).send().await.unwrap();
    let listed: Value = res.json().await.unwrap();
    assert!(!listed.to_string().contains("Nowak"), "no entry stored: {listed}");

    let mut c = srv.db().conn().unwrap();
    let failures = tessera_storage::repo::audit::recent(&mut c, centre.id, Some("policy.failure"), 50).unwrap();
    assert_eq!(failures.len(), 5, "each failed decision is audited once");
    let payments = tessera_storage::repo::audit::recent(&mut c, centre.id, Some("entry.payment"), 50).unwrap();
    assert!(payments.is_empty(), "no payment audited");
    srv.stop().await;
}

/// R-COE-MISSING: a confirmed entry without a CoE is listed from the deadlines policy's
/// `coe_contact` day (10 days before the first component, speaking on 2026-12-05), with the
/// candidate's name, and no longer once the session has started.
async fn coe_missing_from_the_policys_day_for_upcoming_sessions_only(backend: Backend) {
    let (srv, http, csrf, _, entry) = polish_entry(backend).await;
    pay(&http, &srv, &csrf, &entry, json!(81000)).await;
    let (_, v) = upload(&http, &srv, &csrf, &entry, "photo_consent", ("c.pdf", "application/pdf", pdf_bytes())).await;
    assert_eq!(v["status"], "confirmed", "{v}");
    let missing = |http: reqwest::Client| {
        let url = srv.url("/api/v1/coe/missing");
        async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(missing(http.clone()).await.as_array().map(Vec::len), Some(0), "2026-11-22: 13 days before");
    srv.advance(Duration::days(3));
    api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let listed = missing(http.clone()).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(
        (listed[0]["name"].as_str(), listed[0]["contact_from"].as_str(), listed[0]["first_component"].as_str()),
        (Some("Adam Wróbel"), Some("2026-11-25"), Some("2026-12-05")),
        "{listed}"
    );
    srv.advance(Duration::days(11)); // 2026-12-06: the session has started
    api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    assert_eq!(missing(http.clone()).await.as_array().map(Vec::len), Some(0), "past sessions are not listed");
    srv.stop().await;
}

/// Every field of a decision is acted on or shown: the photo policy's `who_signs` and the
/// deadlines policy's `refund_documents` appear with the entry, in the API and on the page in
/// the centre's language.
async fn decision_fields_shown_with_the_entry(backend: Backend) {
    let (srv, http, csrf) = crate::centre::polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(20, 1)).await;
    let mut minor = adult(&session, "Zosia", "Wójcik");
    minor["date_of_birth"] = json!("2010-03-03");
    minor["guardian_name"] = json!("Anna Wójcik");
    minor["guardian_contact"] = json!("+48 600 000 001");
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/entries", minor).await;
    assert_eq!(status, 201, "{v}");
    let kid = v["entry_id"].as_str().unwrap().to_owned();
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Adam", "Wróbel")).await;
    let grown = v["entry_id"].as_str().unwrap().to_owned();

    let d = entry_view(&http, &srv, &kid).await;
    assert_eq!(d["reasons"]["photo_consent_signatory"], "guardian", "R-MINOR-GUARDIAN: {}", d["reasons"]);
    // R-PL-REFUND-MEDICAL: 14 days after the written exam of 2026-12-12.
    assert_eq!(d["reasons"]["refund_documents_due"], "2026-12-26", "{}", d["reasons"]);
    let d = entry_view(&http, &srv, &grown).await;
    assert_eq!(d["reasons"]["photo_consent_signatory"], "candidate", "{}", d["reasons"]);

    let page = http.get(srv.url(&format!("/centre/entries/{kid}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Photo consent: signed by a parent or legal guardian."), "{page}");
    assert!(page.contains("Refund documents after an absence are due by 26 December 2026."), "{page}");
    srv.stop().await;
}

/// R-STUDENT-DISCOUNT: a discounted entry needs a valid student card shown by the end of the
/// promotional period; the card's copy arriving is the day it was shown.
async fn a_student_card_shown_in_time_keeps_the_discount(backend: Backend) {
    let (srv, http, csrf) = crate::centre::polish_centre(backend).await;
    let mut s = fce_session(20, 1);
    s["promotion_ends"] = json!("2026-11-25");
    s["student_discount_bp"] = json!(1000);
    let session = create_session(&http, &srv, &csrf, s).await;
    let student = |first: &str| {
        let mut v = adult(&session, first, "Kowalska");
        v["student_discount_claimed"] = json!(true);
        v
    };
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", student("Ola")).await;
    let shown = v["entry_id"].as_str().unwrap().to_owned();
    assert!(v["warnings"].to_string().contains("R-STUDENT-DISCOUNT"), "the card is still to be shown: {v}");
    let (_, v) = post(&http, &srv, &csrf, "/api/v1/entries", student("Ewa")).await;
    let not_shown = v["entry_id"].as_str().unwrap().to_owned();

    let (status, v) =
        upload(&http, &srv, &csrf, &shown, "student_card", ("card.pdf", "application/pdf", pdf_bytes())).await;
    assert_eq!(status, 200, "{v}");
    assert!(!v.to_string().contains("R-STUDENT-DISCOUNT"), "shown in time: {v}");

    srv.advance(Duration::days(5)); // 2026-11-27, after the promotional period
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (_, v) = pay(&http, &srv, &csrf, &not_shown, json!(72900)).await;
    assert_eq!(v["status"], "refused", "no card by the end of the promotional period: {v}");
    assert!(v["reasons"].to_string().contains("R-STUDENT-DISCOUNT"), "{v}");
    let (_, v) = pay(&http, &srv, &csrf, &shown, json!(72900)).await;
    assert!(!v.to_string().contains("R-STUDENT-DISCOUNT"), "the card shown on time still counts: {v}");
    srv.stop().await;
}
