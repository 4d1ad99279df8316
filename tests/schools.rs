//! Schools (R-SCHOOL-ENTRY): a school asks a centre for a link, the centre approves it; the school
//! enters its students as a group (every row checked first, refused by row and column, nothing
//! half-done) and sees their results once released, without shares; another school sees nothing;
//! the candidate sees that their school can see the result.

use crate::both_backends;
use crate::candidate::{activated, add_entry, fixture};
use crate::centre::{create_session, fce_session, polish_centre};
use crate::support::*;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use tessera_domain::{Clock, Role, TenantKind};

both_backends!(r_school_entry_link_group_entry_and_results, r_school_entry_the_candidate_sees_their_school);

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

const STUDENTS: &str = "first_name,family_name,date_of_birth,email\nOla,Wiśniewska,2000-04-02,ola@sp12.example\nJan,Mazur,1999-10-11,jan@sp12.example\n";

async fn r_school_entry_link_group_entry_and_results(backend: Backend) {
    let (srv, centre, ccsrf) = polish_centre(backend).await;
    let session = create_session(&centre, &srv, &ccsrf, fce_session(10, 1)).await;
    let sp12 = srv.tenant("sp12", TenantKind::Verifier);
    srv.user(&sp12, "head@sp12.example", Role::VerifierPrimary);
    let sp13 = srv.tenant("sp13", TenantKind::Verifier);
    srv.user(&sp13, "head@sp13.example", Role::VerifierPrimary);
    let school = client();
    let scsrf = api_login(&school, &srv, "sp12", "head@sp12.example", PASSWORD).await;
    let other = client();
    let ocsrf = api_login(&other, &srv, "sp13", "head@sp13.example", PASSWORD).await;
    let entries = |q: &str, csrf: &str, http: &reqwest::Client| {
        http.post(srv.url(&format!("/api/v1/verifier/school/entries?{q}")))
            .header("x-csrf-token", csrf)
            .header("content-type", "text/csv")
    };
    let q = format!("centre=pl078&session={session}");

    // Not linked yet: refused, nothing entered.
    let (status, v) = send(entries(&q, &scsrf, &school).body(STUDENTS)).await;
    assert_eq!(
        (status, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (409, Some("school_not_linked"), Some("centre")),
        "{v}"
    );
    // The school asks; asking twice is a conflict; an unknown centre is refused by field.
    let link = |http: &reqwest::Client, csrf: &str, centre: &str| {
        http.post(srv.url("/api/v1/verifier/school/links"))
            .header("x-csrf-token", csrf)
            .json(&json!({"centre": centre}))
    };
    let (status, l) = send(link(&school, &scsrf, "pl078")).await;
    assert_eq!((status, l["status"].as_str()), (201, Some("pending")), "{l}");
    assert_eq!(send(link(&school, &scsrf, "pl078")).await.0, 409);
    let (status, v) = send(link(&school, &scsrf, "nowhere")).await;
    assert_eq!((status, v["error"]["field"].as_str()), (404, Some("centre")), "{v}");
    let (status, _) = send(link(&other, &ocsrf, "pl078")).await;
    assert_eq!(status, 201);

    // The centre sees both requests; approves sp12, refuses sp13; a decided link stays decided.
    let (status, links) = send(centre.get(srv.url("/api/v1/school-links"))).await;
    assert_eq!((status, links.as_array().map(Vec::len)), (200, Some(2)), "{links}");
    let id_of = |name: &str| {
        links.as_array().unwrap().iter().find(|l| l["school_name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
    };
    let decide = |id: &str, d: &str| {
        centre.post(srv.url(&format!("/api/v1/school-links/{id}/{d}"))).header("x-csrf-token", &ccsrf)
    };
    let (status, v) = send(decide(&id_of("Tenant sp12"), "approve")).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("approved")), "{v}");
    assert_eq!(send(decide(&id_of("Tenant sp13"), "refuse")).await.0, 200);
    assert_eq!(send(decide(&id_of("Tenant sp12"), "refuse")).await.0, 409, "decided already");
    // A school cannot decide, nor see the centre's list.
    assert_eq!(send(school.get(srv.url("/api/v1/school-links"))).await.0, 404);

    // The open sessions of the linked centre.
    let (status, sessions) = send(school.get(srv.url("/api/v1/verifier/school/sessions?centre=pl078"))).await;
    assert_eq!(status, 200);
    assert!(sessions.as_array().unwrap().iter().any(|s| s["id"] == session.as_str()), "{sessions}");
    assert_eq!(send(other.get(srv.url("/api/v1/verifier/school/sessions?centre=pl078"))).await.0, 409);

    // A bad row is refused by row and column, and nothing is entered.
    let bad = "first_name,family_name,date_of_birth,email\nOla,Wiśniewska,2000-04-02,ola@sp12.example\nJan,Mazur,11/10/1999,jan@sp12.example\n";
    let (status, v) = send(entries(&q, &scsrf, &school).body(bad)).await;
    assert_eq!(
        (status, v["error"]["code"].as_str(), v["error"]["field"].as_str()),
        (422, Some("group_entry_row"), Some("date_of_birth")),
        "{v}"
    );
    assert!(v["error"]["message"].as_str().unwrap().contains('3'), "row 3 named: {v}");
    let (status, v) = send(entries(&q, &scsrf, &school).body("name,email\nOla,ola@x.example\n")).await;
    assert_eq!((status, v["error"]["code"].as_str()), (422, Some("group_entry_file")), "{v}");
    let count = || async {
        let list: Value = centre
            .get(srv.url(&format!("/api/v1/sessions/{session}/entries")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list.as_array().unwrap().len()
    };
    assert_eq!(count().await, 0, "nothing entered by the refused files");
    // The refused school cannot enter.
    assert_eq!(send(entries(&q, &ocsrf, &other).body(STUDENTS)).await.0, 409);

    // The group entry.
    let (status, made) = send(entries(&q, &scsrf, &school).body(STUDENTS)).await;
    assert_eq!((status, made.as_array().map(Vec::len)), (201, Some(2)), "{made}");
    assert_eq!(count().await, 2);

    // Results: not before the release; after it, without any share; not for the other school.
    let csv = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n0001,graded,172,C,B2,170,175,168,172,175\n0002,graded,181,A,C1,180,182,179,184,180\n";
    assert_eq!(crate::centre::import_csv(&centre, &srv, &ccsrf, &session, csv).await, 200);
    let (_, r) = send(school.get(srv.url("/api/v1/verifier/school/results"))).await;
    assert!(r.as_array().unwrap().iter().all(|x| x["released"] == false && x["overall_score"].is_null()), "{r}");
    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap());
    api_login(&school, &srv, "sp12", "head@sp12.example", PASSWORD).await;
    let (_, r) = send(school.get(srv.url("/api/v1/verifier/school/results"))).await;
    let mut scores: Vec<i64> = r.as_array().unwrap().iter().map(|x| x["overall_score"].as_i64().unwrap()).collect();
    scores.sort();
    assert_eq!(scores, [172, 181], "{r}");
    let page = school.get(srv.url("/verifier/school")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Wiśniewska") && page.contains("181"), "{page}");
    api_login(&other, &srv, "sp13", "head@sp13.example", PASSWORD).await;
    let (_, r) = send(other.get(srv.url("/api/v1/verifier/school/results"))).await;
    assert_eq!(r, json!([]), "another school sees nothing");
    srv.stop().await;
}

async fn r_school_entry_the_candidate_sees_their_school(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let fx = fixture(&srv);
    let (fce, _) =
        add_entry(&srv, &fx.centre, &fx.a.2, "FCE", start_instant() - chrono::Duration::days(3), "graded", 176);
    let sp12 = srv.tenant("sp12", TenantKind::Verifier);
    {
        // Set-up: the link approved and the entry made by the school (as the API does).
        use tessera_storage::repo::schools;
        let mut c = srv.db().conn().unwrap();
        let now = srv.clock.now();
        let link = schools::request(&mut c, fx.centre.id, sp12.id, "head", now).unwrap();
        schools::decide(&mut c, fx.centre.id, &link.id, true, "manager", now).unwrap();
        schools::record_entries(&mut c, fx.centre.id, sp12.id, std::slice::from_ref(&fce), now).unwrap();
    }
    let (me, _) = activated(&srv, &fx.a, "zofia@mail.example").await;
    let page = me.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Your school, Tenant sp12, entered you and can see this result."), "{page}");
    let results: Value = me.get(srv.url("/api/v1/candidate/results")).send().await.unwrap().json().await.unwrap();
    assert_eq!(results[0]["school_name"], "Tenant sp12");
    srv.stop().await;
}
