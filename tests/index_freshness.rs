//! R-INDEX-FRESH: what the organisations' search indexes hold follows the database within a
//! second, on every node: a name correction and an email change are found by their new values
//! and no longer by the old ones. (The retention purge is in `after_exam::retention_dry_run_then_purge`.)

use crate::both_backends;
use crate::candidate::{activated, add_entry, fixture};
use crate::support::*;
use crate::verifier::{org_client, search, until};
use chrono::Duration;
use serde_json::json;
use tessera_domain::{Clock, Role};

both_backends!(r_index_fresh_after_a_name_correction_and_an_email_change);

async fn r_index_fresh_after_a_name_correction_and_an_email_change(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let fx = fixture(&srv);
    let (fce, _) = add_entry(&srv, &fx.centre, &fx.a.2, "FCE", start_instant() - Duration::days(3), "graded", 176);
    let (me, csrf) = activated(&srv, &fx.a, "zofia@mail.example").await;
    let second = {
        let url = srv.database_url.clone();
        TestServer::start_with(backend, move |c| c.database.url = url).await
    };
    // Set-up: the candidate's result shared with the organisation.
    tessera_storage::repo::shares::create(
        &mut srv.db().conn().unwrap(),
        fx.centre.id,
        &fce,
        fx.verifier.id,
        srv.clock.now(),
    )
    .unwrap();
    srv.user(&fx.verifier, "v@unimi.example", Role::VerifierPrimary);
    let org = org_client(&srv, "unimi", "v@unimi.example").await;
    let org2 = org_client(&second, "unimi", "v@unimi.example").await;
    until(&org, &srv, "q=nowak", &["Nowak"]).await;
    until(&org2, &second, "q=nowak", &["Nowak"]).await;

    // The centre corrects the name (R-NAME-SPELLING): found by the new name on both nodes within
    // a second, by the old one nowhere.
    srv.user(&fx.centre, "manager@pl078.example", Role::CentreManager);
    let centre = client();
    let ccsrf = api_login(&centre, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let res = centre
        .post(srv.url(&format!("/api/v1/entries/{fce}/name-correction")))
        .header("x-csrf-token", &ccsrf)
        .json(&json!({"first_name": "Zofia", "family_name": "Lewandowska"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    for (http, node) in [(&org, &srv), (&org2, &second)] {
        let took = until(http, node, "q=lewandowska", &["Lewandowska"]).await;
        assert!(took < std::time::Duration::from_secs(1), "the new name after {took:?}");
        assert!(search(http, node, "q=nowak").await.is_empty(), "the old name is gone");
    }

    // The candidate changes their email: the centre's record and the index follow.
    until(&org, &srv, "q=zofia%40mail.example", &["Lewandowska"]).await;
    let res = me
        .put(srv.url("/api/v1/candidate/email"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"password": PASSWORD, "email": "z.lewandowska@poczta.example", "email_confirm": "z.lewandowska@poczta.example"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    for (http, node) in [(&org, &srv), (&org2, &second)] {
        let took = until(http, node, "q=poczta.example", &["Lewandowska"]).await;
        assert!(took < std::time::Duration::from_secs(1), "the new email after {took:?}");
        assert!(search(http, node, "q=zofia%40mail.example").await.is_empty(), "the old email is gone");
    }
    second.stop().await;
    srv.stop().await;
}
