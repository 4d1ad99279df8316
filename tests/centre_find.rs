//! Finding a candidate across all of a centre's sessions (issue 15): by name without accents or
//! capitals, by ID number or email; each with their entries; never another centre's candidate.

use crate::after_exam::confirmed;
use crate::both_backends;
use crate::centre::{create_session, fce_session, polish_centre};
use crate::support::*;
use tessera_domain::TenantKind;
use tessera_storage::repo::centre::{self, Candidate};

both_backends!(centre_staff_find_a_candidate_across_sessions);

async fn find(http: &reqwest::Client, srv: &TestServer, q: &str) -> (u16, String) {
    let res = http.get(srv.url("/centre/candidates")).query(&[("q", q)]).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap().replace("&#x2f;", "/"))
}

async fn centre_staff_find_a_candidate_across_sessions(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let first = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let second = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let wiktor = confirmed(&http, &srv, &csrf, &first, "Wiktor").await;
    let lucja = confirmed(&http, &srv, &csrf, &second, "Łucja").await;
    // Another centre's candidate of the same name is never found.
    let other = srv.tenant("hu012", TenantKind::Centre);
    centre::insert_candidates(
        &mut srv.db().conn().unwrap(),
        &[Candidate {
            tenant_id: other.id.to_string(),
            id: uuid::Uuid::new_v4().to_string(),
            first_name: "Zoltán".into(),
            family_name: "Zając".into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2000, 1, 2).unwrap(),
            email: Some("zoltan@mail.example".into()),
            phone: None,
            nationality: None,
            id_number: "HU012000001".into(),
            secret_hash: None,
            user_id: None,
            created_at: start_instant().naive_utc(),
        }],
    )
    .unwrap();
    let page = http.get(srv.url("/centre")).send().await.unwrap().text().await.unwrap().replace("&#x2f;", "/");
    assert!(page.contains(r#"<a href="/centre/candidates">Find a candidate</a>"#), "in the menu: {page}");

    // By family name, without its accent: both candidates, each with their entry, linked.
    let (status, html) = find(&http, &srv, "zajac").await;
    assert_eq!(status, 200);
    assert!(html.contains("Candidates found: 2"), "{html}");
    assert!(html.contains("Wiktor Zając") && html.contains("Łucja Zając"), "{html}");
    assert!(html.contains(&format!(r#"href="/centre/entries/{wiktor}""#)), "{html}");
    assert!(html.contains(&format!(r#"href="/centre/entries/{lucja}""#)), "{html}");
    assert!(html.contains("Confirmed"), "statuses in words: {html}");
    assert!(!html.contains("Zoltán"), "another centre's candidate: {html}");
    // By first name with its accent left out, and by family then first name.
    let (_, html) = find(&http, &srv, "LUCJA").await;
    assert!(html.contains("Candidates found: 1") && html.contains("Łucja Zając"), "{html}");
    let (_, html) = find(&http, &srv, "Zając Wiktor").await;
    assert!(html.contains("Candidates found: 1") && html.contains("Wiktor Zając"), "{html}");
    // By email.
    let (_, html) = find(&http, &srv, "wiktor@mail").await;
    assert!(html.contains("Candidates found: 1") && html.contains("Wiktor Zając"), "{html}");
    // Nothing found, and a query too short to search with: the field says why.
    let (status, html) = find(&http, &srv, "Kowalczyk").await;
    assert_eq!(status, 200);
    assert!(html.contains("No candidate matches “Kowalczyk”."), "{html}");
    let (status, html) = find(&http, &srv, "z").await;
    assert_eq!(status, 400);
    assert!(html.contains(r#"aria-describedby="q-error""#) && html.contains(r#"id="q-error""#), "{html}");
    srv.stop().await;
}
