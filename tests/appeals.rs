//! Appeals (R-APPEAL) through the API and the entry page, on both backends: refused before a
//! completed Stage 2 enquiry and without an upheld malpractice decision, one lodged at a time,
//! within the centre's window; an upheld appeal's result is a new version that revokes the
//! earlier credential and refunds the fee when the grade changed; a dismissed one leaves the
//! result as it was. And candidates given special consideration whose result is still a fail,
//! told to the centre (R-SPECIAL-CONSIDERATION).

use crate::after_exam::confirmed;
use crate::both_backends;
use crate::centre::{create_session, fce_session, import_csv, polish_centre, post};
use crate::support::*;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use tessera_domain::Role;

both_backends!(appeals_after_stage_two_and_malpractice, special_consideration_still_failed_is_told);

const HEADER: &str =
    "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n";

async fn get(http: &reqwest::Client, srv: &TestServer, path: &str) -> Value {
    http.get(srv.url(path)).send().await.unwrap().json().await.unwrap()
}

fn code(v: &Value) -> Option<&str> {
    v["error"]["code"].as_str()
}

async fn appeals_after_stage_two_and_malpractice(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let centre = tessera_storage::repo::tenants::by_slug(&mut srv.db().conn().unwrap(), "pl078").unwrap();
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let remarked = confirmed(&http, &srv, &csrf, &session, "Wiktor").await;
    let withheld = confirmed(&http, &srv, &csrf, &session, "Kamil").await;
    let csv = format!("{HEADER}0001,graded,172,C,B2,170,175,168,172,175\n0002,graded,176,B,B2,170,175,180,172,183\n");
    assert_eq!(import_csv(&http, &srv, &csrf, &session, &csv).await, 200);
    let (status, case) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{withheld}/cases"),
        json!({"kind": "malpractice", "description": "phone found during Reading"}),
    )
    .await;
    assert_eq!(status, 201, "{case}");
    // Released 2027-01-16; the enquiries, their outcomes and the malpractice decision on the 20th.
    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, _) =
        post(&http, &srv, &csrf, &format!("/api/v1/cases/{}/uphold", case["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 200);
    let lodge = |entry: &str, ground: &str, fee: i64| {
        let (http, srv, csrf, path) = (&http, &srv, csrf.clone(), format!("/api/v1/entries/{entry}/appeals"));
        let body = json!({"ground": ground, "fee_minor": fee});
        async move { post(http, srv, &csrf, &path, body).await }
    };

    // No appeal before a completed Stage 2 enquiry: none yet, a Stage 1 only, a Stage 2 open.
    let (status, v) = lodge(&remarked, "enquiry", 40000).await;
    assert_eq!((status, code(&v)), (409, Some("appeal_needs_stage_two")), "R-APPEAL: {v}");
    let enquiry = |stage: i32| {
        let (http, srv, csrf, path) = (&http, &srv, csrf.clone(), format!("/api/v1/entries/{remarked}/enquiries"));
        async move {
            let (status, e) = post(http, srv, &csrf, &path, json!({"stage": stage, "fee_minor": 15000})).await;
            assert_eq!(status, 201, "{e}");
            e["id"].as_str().unwrap().to_owned()
        }
    };
    let outcome = |id: String, body: Value| {
        let (http, srv, csrf) = (&http, &srv, csrf.clone());
        async move { post(http, srv, &csrf, &format!("/api/v1/enquiries/{id}/outcome"), body).await }
    };
    let stage_one = enquiry(1).await;
    let (status, _) = outcome(stage_one, json!({"overall_score": 172, "grade": "C", "cefr": "B2"})).await;
    assert_eq!(status, 200);
    let (status, v) = lodge(&remarked, "enquiry", 40000).await;
    assert_eq!((status, code(&v)), (409, Some("appeal_needs_stage_two")), "a Stage 1 is no ground: {v}");
    let stage_two = enquiry(2).await;
    let (status, v) = lodge(&remarked, "enquiry", 40000).await;
    assert_eq!((status, code(&v)), (409, Some("appeal_needs_stage_two")), "the Stage 2 is not completed: {v}");
    let (status, done) = outcome(stage_two, json!({"overall_score": 172, "grade": "C", "cefr": "B2"})).await;
    assert_eq!((status, done["outcome"].as_str()), (200, Some("unchanged")), "{done}");
    // No appeal against malpractice where none was decided against the candidate.
    let (status, v) = lodge(&remarked, "malpractice", 40000).await;
    assert_eq!((status, code(&v)), (409, Some("appeal_needs_malpractice")), "{v}");
    let (status, v) = lodge(&remarked, "gossip", 40000).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("ground")), "{v}");
    let (status, v) = lodge(&remarked, "enquiry", -1).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("fee_minor")), "{v}");

    // The deadline comes from the centre: its manager sets the window (30 days by default).
    assert_eq!(get(&http, &srv, "/api/v1/appeal-terms").await["window_days"], 30);
    let put = |body: Value| {
        let (http, url, csrf) = (&http, srv.url("/api/v1/appeal-terms"), csrf.clone());
        async move {
            let res = http.put(url).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, v) = put(json!({"window_days": 0})).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("window_days")), "{v}");
    let (status, v) = put(json!({"window_days": 10})).await;
    assert_eq!((status, v["window_days"].as_i64()), (200, Some(10)), "{v}");

    // Staff record decisions; the centre's manager lodges (HU 3.6: through the head of centre).
    let staff = client();
    let staff_csrf = api_login(&staff, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    let body = json!({"ground": "enquiry", "fee_minor": 40000});
    let (status, _) = post(&staff, &srv, &staff_csrf, &format!("/api/v1/entries/{remarked}/appeals"), body).await;
    assert_eq!(status, 404, "staff do not lodge appeals");

    // The credential of the current result, to see it revoked by the appeal's new version.
    let res = http.get(srv.url(&format!("/api/v1/entries/{remarked}/credential"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let (status, appeal) = lodge(&remarked, "enquiry", 40000).await;
    assert_eq!(status, 201, "{appeal}");
    assert_eq!(
        (appeal["status"].as_str(), appeal["ground"].as_str(), appeal["deadline"].as_str()),
        (Some("lodged"), Some("enquiry"), Some("2027-01-30")),
        "10 days from the Stage 2 outcome: {appeal}"
    );
    let (status, v) = lodge(&remarked, "enquiry", 40000).await;
    assert_eq!((status, code(&v)), (409, Some("appeal_lodged")), "one at a time: {v}");
    let decide = |id: &str, body: Value| {
        let (http, srv, csrf, path) = (&staff, &srv, staff_csrf.clone(), format!("/api/v1/appeals/{id}/decision"));
        async move { post(http, srv, &csrf, &path, body).await }
    };
    let id = appeal["id"].as_str().unwrap().to_owned();
    let (status, v) = decide(&id, json!({"decision": "upheld"})).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("result")), "the result after the appeal: {v}");
    let (status, v) =
        decide(&id, json!({"decision": "upheld", "result": {"overall_score": 181, "grade": "B", "cefr": "C1"}})).await;
    assert_eq!((status, v["error"]["field"].as_str()), (422, Some("grade")), "checked like an imported line: {v}");
    let (status, done) = decide(
        &id,
        json!({"decision": "upheld", "result": {"overall_score": 181, "grade": "A", "cefr": "C1", "components": {"Writing": 200, "Speaking": 190}}}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["status"].as_str(), done["outcome"].as_str(), done["fee_refunded"].as_bool()),
        (Some("upheld"), Some("higher"), Some(true)),
        "R-APPEAL: upheld, the grade went up, the fee is returned: {done}"
    );
    let (status, v) = decide(&id, json!({"decision": "dismissed"})).await;
    assert_eq!((status, code(&v)), (409, Some("appeal_decided")), "{v}");
    let d = get(&http, &srv, &format!("/api/v1/entries/{remarked}/details")).await;
    let current = &d["result_versions"][0];
    assert_eq!(
        (current["version"].as_i64(), current["grade"].as_str(), current["overall_score"].as_i64()),
        (Some(4), Some("A"), Some(181)),
        "R-RESULT-VERSIONS: the import, two enquiries, the appeal: {d}"
    );
    let v4: Value = get(&http, &srv, &format!("/api/v1/results/{}", current["id"].as_str().unwrap())).await;
    let speaking = v4["components"].as_array().unwrap().iter().find(|c| c["component"] == "Speaking").unwrap();
    assert_eq!(speaking["score"], 190, "an appeal may re-mark Speaking: {v4}");
    assert_eq!(d["appeals"][0]["status"], "upheld");
    assert!(
        d["credentials"].as_array().unwrap().iter().any(|c| c["revoked_reason"] == "superseded"),
        "the earlier version's credential is revoked: {d}"
    );

    // Against malpractice: the result is withheld; an appeal against an enquiry is refused, one
    // against the decision is lodged; dismissed, the result stays withheld; lodged again and
    // upheld with the same grade, the result is reinstated and the fee kept.
    let (status, v) = lodge(&withheld, "enquiry", 40000).await;
    assert_eq!((status, code(&v)), (409, Some("appeal_needs_stage_two")), "{v}");
    let (status, first) = lodge(&withheld, "malpractice", 40000).await;
    assert_eq!((status, first["deadline"].as_str()), (201, Some("2027-01-30")), "{first}");
    let (status, v) = decide(first["id"].as_str().unwrap(), json!({"decision": "dismissed"})).await;
    assert_eq!((status, v["status"].as_str(), v["outcome"].as_str()), (200, Some("dismissed"), None), "{v}");
    let d = get(&http, &srv, &format!("/api/v1/entries/{withheld}/details")).await;
    assert_eq!(
        (d["result_versions"][0]["status"].as_str(), d["result_versions"].as_array().unwrap().len()),
        (Some("Withheld"), 2)
    );
    let (status, second) = lodge(&withheld, "malpractice", 40000).await;
    assert_eq!(status, 201, "{second}");
    let (status, v) = decide(
        second["id"].as_str().unwrap(),
        json!({"decision": "upheld", "result": {"overall_score": 176, "grade": "B", "cefr": "B2"}}),
    )
    .await;
    assert_eq!(
        (status, v["outcome"].as_str(), v["fee_refunded"].as_bool()),
        (200, Some("unchanged"), Some(false)),
        "compared with the result before it was withheld: {v}"
    );
    let d = get(&http, &srv, &format!("/api/v1/entries/{withheld}/details")).await;
    assert_eq!(
        (d["result_versions"][0]["status"].as_str(), d["result_versions"][0]["grade"].as_str()),
        (Some("graded"), Some("B"))
    );
    let v3: Value =
        get(&http, &srv, &format!("/api/v1/results/{}", d["result_versions"][0]["id"].as_str().unwrap())).await;
    assert_eq!(v3["components"].as_array().unwrap().len(), 5, "the components of the graded version: {v3}");

    // Audited like enquiries.
    for (action, n) in [("appeal.lodge", 3), ("appeal.decide", 3), ("appeal.terms", 1)] {
        let audit = get(&http, &srv, &format!("/api/v1/audit?action={action}")).await;
        assert_eq!(audit.as_array().unwrap().len(), n, "{action}: {audit}");
    }

    // After the centre's window, no appeal.
    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 31, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{remarked}/appeals"),
        json!({"ground": "enquiry", "fee_minor": 0}),
    )
    .await;
    assert_eq!((status, code(&v)), (409, Some("too_late")), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("R-APPEAL"), "{v}");

    // The entry page: the appeals with their status in words, and the forms.
    let page_user = client();
    assert_eq!(login(&page_user, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let page =
        page_user.get(srv.url(&format!("/centre/entries/{remarked}"))).send().await.unwrap().text().await.unwrap();
    for words in
        ["Appeals", "The outcome of a Stage 2 enquiry", "Upheld", "Score raised", "fee refunded", "within 10 days"]
    {
        assert!(page.contains(words), "{words}: {page}");
    }
    let token = csrf_of(&page);
    let act = |entry: &str, action: &str, fields: Vec<(&str, &str)>| {
        let mut form = vec![("csrf", token.clone())];
        form.extend(fields.into_iter().map(|(k, v)| (k, v.to_owned())));
        page_user.post(srv.url(&format!("/centre/entries/{entry}/do/{action}"))).form(&form).send()
    };
    let res = act(&remarked, "appeal", vec![("ground", "enquiry"), ("appeal_fee", "400")]).await.unwrap();
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("R-APPEAL"), "the refusal in words");
    let res = act(&withheld, "appeal", vec![("ground", "malpractice"), ("appeal_fee", "lots")]).await.unwrap();
    assert_eq!(res.status(), 400, "a fee that is no amount");
    // The centre widens its window on the home page; the page lodges and dismisses an appeal.
    let home = page_user.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("within 10 days"), "{home}");
    let res = page_user
        .post(srv.url("/centre/appeal-terms"))
        .form(&[("csrf", token.as_str()), ("window_days", "many")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = page_user
        .post(srv.url("/centre/appeal-terms"))
        .form(&[("csrf", token.as_str()), ("window_days", "60")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "back to the home page");
    let home = page_user.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("within 60 days"), "{home}");
    let html = act(&withheld, "appeal", vec![("ground", "malpractice"), ("appeal_fee", "400")])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Appeal lodged (A malpractice decision)."), "{html}");
    assert!(html.contains("Lodged, waiting for the board"), "{html}");
    let d = get(&http, &srv, &format!("/api/v1/entries/{withheld}/details")).await;
    let lodged = d["appeals"].as_array().unwrap().iter().find(|a| a["status"] == "lodged").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let html = act(&withheld, "appeal_decision", vec![("appeal_id", lodged.as_str()), ("decision", "dismissed")])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Appeal decided: Dismissed."), "{html}");
    srv.stop().await;
}

async fn special_consideration_still_failed_is_told(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let failed = confirmed(&http, &srv, &csrf, &session, "Iga").await;
    let passed = confirmed(&http, &srv, &csrf, &session, "Ola").await;
    let no_case = confirmed(&http, &srv, &csrf, &session, "Ewa").await;
    for entry in [&failed, &passed] {
        let (status, case) = post(
            &http,
            &srv,
            &csrf,
            &format!("/api/v1/entries/{entry}/cases"),
            json!({"kind": "special_consideration", "description": "fire alarm during Listening"}),
        )
        .await;
        assert_eq!(status, 201);
        let path = format!("/api/v1/cases/{}/uphold", case["id"].as_str().unwrap());
        assert_eq!(post(&http, &srv, &csrf, &path, json!({})).await.0, 200);
    }
    let list = || get(&http, &srv, "/api/v1/results/special-consideration");
    assert_eq!(list().await, json!([]), "no result yet");
    // 150 is `Level below` in B2 First: a certificate at B1, not a pass of the exam.
    let csv = format!(
        "{HEADER}0001,graded,150,Level below,B1,150,150,150,150,150\n0002,graded,176,B,B2,170,175,180,172,183\n0003,graded,150,Level below,B1,150,150,150,150,150\n"
    );
    assert_eq!(import_csv(&http, &srv, &csrf, &session, &csv).await, 200);
    let told = list().await;
    assert_eq!(told.as_array().unwrap().len(), 1, "only the failed candidate given special consideration: {told}");
    assert_eq!(
        (told[0]["entry"].as_str(), told[0]["grade"].as_str(), told[0]["released"].as_bool()),
        (Some(failed.as_str()), Some("Level below"), Some(false)),
        "{told}"
    );
    for (entry, expected) in [(&failed, true), (&passed, false), (&no_case, false)] {
        let d = get(&http, &srv, &format!("/api/v1/entries/{entry}/details")).await;
        assert_eq!(d["special_consideration_still_failed"], expected, "{entry}: {d}");
    }
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let home = staff.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Special consideration given, result still a fail") && home.contains("Iga Zając"), "{home}");
    assert!(!home.contains("Ola Zając") && !home.contains("Ewa Zając"), "{home}");
    let page = staff.get(srv.url(&format!("/centre/entries/{failed}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("the result is still a fail (R-SPECIAL-CONSIDERATION)"), "{page}");

    // Released, the notice says so; a Stage 1 enquiry that brings the grade to a pass ends it.
    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    assert_eq!(list().await[0]["released"], true);
    let (status, e) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{failed}/enquiries"),
        json!({"stage": 1, "fee_minor": 15000}),
    )
    .await;
    assert_eq!(status, 201, "{e}");
    let (status, _) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/enquiries/{}/outcome", e["id"].as_str().unwrap()),
        json!({"overall_score": 160, "grade": "C", "cefr": "B2"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list().await, json!([]), "a pass now");
    let d = get(&http, &srv, &format!("/api/v1/entries/{failed}/details")).await;
    assert_eq!(d["special_consideration_still_failed"], false);
    srv.stop().await;
}
