//! R-CENTRE-FAULT, R-NO-TRANSFER: when the centre cannot run a session as announced, staff mark
//! it; each candidate is emailed and chooses (on their pages, or staff record it for them)
//! another open session of the same exam, where the entry keeps its payment and documents with a
//! new candidate number, or a full refund. Any other move is refused (`no_transfer`).

use crate::after_exam::confirmed;
use crate::both_backends;
use crate::candidate::{activated, add_entry, fixture};
use crate::centre::{create_session, fce_session, post};
use crate::support::*;
use crate::void::{centre_with_smtp, details, mail_with};
use chrono::Duration;
use serde_json::{Value, json};
use tessera_domain::Role;

both_backends!(r_centre_fault_move_keeps_payment_and_documents, r_centre_fault_full_refund_chosen_by_the_candidate);

async fn choose(http: &reqwest::Client, srv: &TestServer, csrf: &str, entry: &str, body: Value) -> (u16, Value) {
    post(http, srv, csrf, &format!("/api/v1/entries/{entry}/fault-choice"), body).await
}

async fn r_centre_fault_move_keeps_payment_and_documents(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let (srv, http, csrf) = centre_with_smtp(backend, &smtp).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let mut afternoon = fce_session(10, 1);
    afternoon["time_of_day"] = json!("PM");
    let other = create_session(&http, &srv, &csrf, afternoon).await;
    confirmed(&http, &srv, &csrf, &other, "Ola").await; // number 0001 of the other session
    let entry = confirmed(&http, &srv, &csrf, &session, "Wiktor").await;
    let before = details(&http, &srv, &entry).await;
    assert_eq!(before["entry"]["candidate_number"], "0001");

    // R-NO-TRANSFER: while the session runs as announced, no move and no fault refund.
    let (status, v) = choose(&http, &srv, &csrf, &entry, json!({"choice": "move", "session_id": other})).await;
    assert_eq!(
        (status, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (409, Some("no_transfer"), Some("session_id")),
        "{v}"
    );
    let res = http
        .patch(srv.url(&format!("/api/v1/entries/{entry}")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"session_id": other}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let (status, v) = choose(&http, &srv, &csrf, &entry, json!({"choice": "refund"})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("session_not_at_fault")), "{v}");

    // Staff mark the session: a reason is needed, once; the candidates are emailed.
    let (status, v) =
        post(&http, &srv, &csrf, &format!("/api/v1/sessions/{session}/fault"), json!({"reason": " "})).await;
    assert_eq!((status / 100, v["error"]["field"].as_str()), (4, Some("reason")), "{v}");
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/sessions/{session}/fault"),
        json!({"reason": "The examiner is ill"}),
    )
    .await;
    assert_eq!((status, v["emailed"].as_u64()), (200, Some(1)), "{v}");
    let (status, v) =
        post(&http, &srv, &csrf, &format!("/api/v1/sessions/{session}/fault"), json!({"reason": "again"})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("session_already_at_fault")), "{v}");
    // It takes no new entry (R-CENTRE-FAULT).
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/entries", crate::centre::adult(&session, "Jan", "Nowy")).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("session_closed")), "{v}");
    let mail = mail_with(&smtp, "Your FCE session cannot run as announced").await;
    assert!(mail.contains("wiktor@mail.example") && mail.contains("The examiner is ill"), "{mail}");
    let page = http.get(srv.url(&format!("/centre/sessions/{session}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Not runnable as announced since") && page.contains("The examiner is ill"), "{page}");

    // The entry offers the other open session of the same exam, not its own.
    let d = details(&http, &srv, &entry).await;
    let targets: Vec<&str> =
        d["fault"]["move_targets"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(targets, vec![other.as_str()], "{d}");
    let (status, v) = choose(&http, &srv, &csrf, &entry, json!({"choice": "move", "session_id": session})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("fault_move_target")), "{v}");
    let (status, v) =
        choose(&http, &srv, &csrf, &entry, json!({"choice": "move", "session_id": "no-such-session"})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("fault_move_target")), "{v}");

    // Staff record the candidate's choice on the entry page: the move.
    let page = http.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("value=\"move:{other}\"")) && page.contains("value=\"refund\""), "{page}");
    let res = http
        .post(srv.url(&format!("/centre/entries/{entry}/fault-choice")))
        .form(&[("csrf", csrf_of(&page)), ("choice", format!("move:{other}"))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let d = details(&http, &srv, &entry).await;
    assert_eq!(d["entry"]["session_id"], other.as_str(), "{d}");
    assert_eq!(d["entry"]["candidate_number"], "0002", "the next number of the new session: {d}");
    assert_eq!(d["moved_from"]["id"], session.as_str(), "{d}");
    assert_eq!(d["payments"], before["payments"], "the payment moves with the entry");
    assert_eq!(d["documents"], before["documents"], "the documents move with the entry");
    assert_eq!(d["payments"][0]["amount_minor"], 81000);
    assert_eq!(d["entry"]["status"], "confirmed", "{d}");
    assert!(d["form"]["coe_issued_at"].is_null(), "a new Confirmation of Entry is needed: {d}");
    assert!(d["fault"].is_null(), "nothing left to choose: {d}");
    let page = http.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Moved after the centre"), "{page}");
    // The new session is not at fault: moving again is a transfer, refused.
    let (status, v) = choose(&http, &srv, &csrf, &entry, json!({"choice": "move", "session_id": session})).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("no_transfer")), "{v}");
    srv.stop().await;
}

async fn r_centre_fault_full_refund_chosen_by_the_candidate(backend: Backend) {
    // The shipped plugins decide the entry's status as payments arrive.
    let srv = TestServer::start_with_plugins(backend).await;
    let fx = fixture(&srv);
    srv.user(&fx.centre, "staff@pl078.example", Role::CentreStaff);
    let (fce, _) = add_entry(&srv, &fx.centre, &fx.a.2, "FCE", start_instant() + Duration::days(30), "graded", 176);
    let (others, _) = add_entry(&srv, &fx.centre, &fx.b.2, "CAE", start_instant() + Duration::days(30), "graded", 190);
    let staff = client();
    let csrf = api_login(&staff, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    for (amount, method) in [(50000, "cash"), (31000, "card")] {
        let (status, v) = post(
            &staff,
            &srv,
            &csrf,
            &format!("/api/v1/entries/{fce}/payments"),
            json!({"amount_minor": amount, "method": method}),
        )
        .await;
        assert_eq!(status, 200, "{v}");
    }
    let session = details(&staff, &srv, &fce).await["entry"]["session_id"].as_str().unwrap().to_owned();
    let (status, v) =
        post(&staff, &srv, &csrf, &format!("/api/v1/sessions/{session}/fault"), json!({"reason": "Flooded venue"}))
            .await;
    assert_eq!(status, 200, "{v}");

    // The candidate sees the choice on their page (no other FCE session: the refund only).
    let (me, me_csrf) = activated(&srv, &fx.a, "zofia@mail.example").await;
    let page = me.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(&format!("entries&#x2f;{fce}&#x2f;fault-choice")) && page.contains("Flooded venue"),
        "{page}"
    );
    assert!(page.contains("only the refund can be chosen") && page.contains("Your choice"), "{page}");
    // Another candidate's entry is not theirs to choose for.
    let (status, _) = post(
        &me,
        &srv,
        &me_csrf,
        &format!("/api/v1/candidate/entries/{others}/fault-choice"),
        json!({"choice": "refund"}),
    )
    .await;
    assert_eq!(status, 404);
    let res = me
        .post(srv.url(&format!("/candidate/entries/{fce}/fault-choice")))
        .form(&[("csrf", csrf_of(&page).as_str()), ("choice", "refund")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // A refund of the whole fee paid, decided under R-CENTRE-FAULT; confirming it cancels the entry.
    let d = details(&staff, &srv, &fce).await;
    let r = &d["refunds"][0];
    assert_eq!(
        (r["amount_minor"].as_i64(), r["reason"].as_str(), r["outcome"].as_str()),
        (Some(81000), Some("centre_fault"), Some("approve")),
        "{d}"
    );
    let (status, v) = post(
        &me,
        &srv,
        &me_csrf,
        &format!("/api/v1/candidate/entries/{fce}/fault-choice"),
        json!({"choice": "refund"}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("refund_already_open")), "one open refund: {v}");
    let page = staff.get(srv.url(&format!("/centre/entries/{fce}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("The centre could not run the session as announced"), "the reason in words: {page}");
    let refund = r["id"].as_str().unwrap();
    let res = staff
        .post(srv.url(&format!("/api/v1/refunds/{refund}/confirm")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    let d = details(&staff, &srv, &fce).await;
    assert_eq!(d["entry"]["status"], "cancelled", "{d}");
    assert!(d["form"]["status_reasons"].to_string().contains("R-CENTRE-FAULT"), "{d}");
    srv.stop().await;
}
