//! Sharing from the candidate's side (DOMAIN.md section 11): the directory of approved
//! organisations, sharing one or more released results, the list of shares with their dates,
//! withdrawal, and who at the organisation viewed or downloaded each share and when. (That the
//! organisation's search, detail, PDF and API stop returning a withdrawn result is proved on
//! the verifier's side.)

use crate::both_backends;
use crate::candidate::{activated, add_entry, fixture};
use crate::support::*;
use chrono::Duration;
use serde_json::{Value, json};
use tessera_domain::{Clock, TenantKind};
use tessera_storage::StorageError;
use tessera_storage::repo::{shares, tenants};

both_backends!(share_list_events_and_withdrawal);

async fn share_list_events_and_withdrawal(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let fx = fixture(&srv);
    let other_verifier = srv.tenant("acme", TenantKind::Verifier);
    // A verifier awaiting approval is not in the directory and cannot be shared with.
    let pending = {
        let mut c = srv.db().conn().unwrap();
        let new = tenants::NewTenant {
            slug: "pending-org".into(),
            kind: TenantKind::Verifier,
            name: "Tenant pending".into(),
            country: tessera_domain::Country::parse("IT").unwrap(),
            timezone: chrono_tz::Europe::Rome,
            locale: tessera_domain::Locale::It,
            status: "pending",
        };
        tenants::create(&mut c, &new, start_instant()).unwrap()
    };
    let now = start_instant();
    let released = now - Duration::days(3);
    let (fce, _) = add_entry(&srv, &fx.centre, &fx.a.2, "FCE", released, "graded", 176);
    let (cae, _) = add_entry(&srv, &fx.centre, &fx.a.2, "CAE", released, "graded", 190);
    let (withheld, _) = add_entry(&srv, &fx.centre, &fx.a.2, "PET", released, "Withheld", 0);
    let (later, _) = add_entry(&srv, &fx.centre, &fx.a.2, "CPE", now + Duration::days(2), "graded", 205);
    let (bs, _) = add_entry(&srv, &fx.centre, &fx.b.2, "FCE", released, "graded", 163);
    let (me, csrf) = activated(&srv, &fx.a, "zofia@mail.example").await;
    let post = |path: &str, body: Value| me.post(srv.url(path)).header("x-csrf-token", &csrf).json(&body).send();

    // The directory: approved organisations only, searchable by name.
    let dir: Value = me.get(srv.url("/api/v1/candidate/verifiers?q=unimi")).send().await.unwrap().json().await.unwrap();
    assert_eq!(dir.as_array().unwrap().len(), 1, "{dir}");
    assert_eq!(dir[0]["id"], fx.verifier.id.to_string());
    let all: Value = me.get(srv.url("/api/v1/candidate/verifiers")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = all.as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Tenant acme", "Tenant unimi"], "no centre, no pending organisation");

    // Refusals change nothing: another candidate's or an unreleased entry is 404, a withheld
    // result or an unapproved organisation is 400, and without the CSRF header it is 403.
    for (entry, status) in [(&bs, 404), (&later, 404), (&withheld, 400)] {
        let res = post("/api/v1/candidate/shares", json!({"verifier": fx.verifier.id, "entry_ids": [fce, entry]}))
            .await
            .unwrap();
        assert_eq!(res.status(), status, "sharing {entry} with {fce}");
    }
    for verifier in [pending.id, fx.centre.id] {
        let res = post("/api/v1/candidate/shares", json!({"verifier": verifier, "entry_ids": [fce]})).await.unwrap();
        assert_eq!(res.status(), 400);
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"]["field"], "verifier");
    }
    let res = me
        .post(srv.url("/api/v1/candidate/shares"))
        .json(&json!({"verifier": fx.verifier.id, "entry_ids": [fce]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let list: Value = me.get(srv.url("/api/v1/candidate/shares")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list, json!([]), "nothing was shared by the refused requests");

    // Share two results at once.
    let res =
        post("/api/v1/candidate/shares", json!({"verifier": fx.verifier.id, "entry_ids": [fce, cae]})).await.unwrap();
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    assert_eq!(made.as_array().unwrap().len(), 2);
    assert!(made.as_array().unwrap().iter().all(|s| s["active"] == true && s["verifier_name"] == "Tenant unimi"));
    assert_eq!(made[0]["shared_at"], "2026-11-22T10:00:00+00:00");
    let share_fce =
        made.as_array().unwrap().iter().find(|s| s["entry_id"] == fce).unwrap()["id"].as_str().unwrap().to_owned();

    // The page shares through a form too (one organisation, ticked results), without JavaScript.
    srv.advance(Duration::minutes(5));
    let page = me.get(srv.url(&format!("/candidate/shares?q=acme&entry={fce}"))).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Tenant acme") && html.contains(&format!("name=\"entry_{fce}\" value=\"on\" checked")));
    assert!(!html.contains(&format!("entry_{withheld}")), "a withheld result is not offered");
    let res = me
        .post(srv.url("/candidate/shares"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("verifier", other_verifier.id.to_string().as_str()),
            (format!("entry_{fce}").as_str(), "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/candidate/shares?done=shared");

    // Someone at the organisation views and downloads the shared result (the verifier side
    // records it); the candidate sees who and when.
    {
        let mut c = srv.db().conn().unwrap();
        let at = srv.clock.now();
        shares::record_event(&mut c, fx.verifier.id, &share_fce, "Giulia Bianchi", "view", at).unwrap();
        shares::record_event(
            &mut c,
            fx.verifier.id,
            &share_fce,
            "Giulia Bianchi",
            "download",
            at + Duration::minutes(1),
        )
        .unwrap();
    }
    let list: Value = me.get(srv.url("/api/v1/candidate/shares")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    let s = list.as_array().unwrap().iter().find(|s| s["id"] == share_fce.as_str()).unwrap();
    let events = s["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["action"], "download", "newest first");
    assert_eq!(events[0]["actor_name"], "Giulia Bianchi");
    assert_eq!(events[1]["at"], "2026-11-22T10:05:00+00:00");
    let html = me.get(srv.url("/candidate/shares?done=shared")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Shared. The organisation can see the result now."));
    assert!(html.contains("Giulia Bianchi") && html.contains("Downloaded") && html.contains("Viewed"));
    assert!(html.contains("22 November 2026, 11:05"), "times in the centre's time zone: {html}");
    assert!(events.iter().all(|e| e["result_version"] == 1 && e["earlier_version"] == false), "{events:?}");

    // R-RESULT-VERSIONS: after an enquiry replaced the result, the candidate tells a view of the
    // earlier version from a view of the current one.
    {
        let mut c = srv.db().conn().unwrap();
        crate::candidate::add_version(&mut c, &fx.centre, &fce, 2, "graded", 181);
        shares::record_event(
            &mut c,
            fx.verifier.id,
            &share_fce,
            "Giulia Bianchi",
            "view",
            srv.clock.now() + Duration::minutes(9),
        )
        .unwrap();
    }
    let list: Value = me.get(srv.url("/api/v1/candidate/shares")).send().await.unwrap().json().await.unwrap();
    let s = list.as_array().unwrap().iter().find(|s| s["id"] == share_fce.as_str()).unwrap();
    let versions: Vec<(i64, bool)> = s["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["result_version"].as_i64().unwrap(), e["earlier_version"].as_bool().unwrap()))
        .collect();
    assert_eq!(versions, [(2, false), (1, true), (1, true)], "{s}");
    let html = me.get(srv.url("/candidate/shares")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("an earlier version, since replaced"), "{html}");

    // B cannot see or withdraw A's shares.
    let b = activated(&srv, &fx.b, "anna@mail.example").await;
    let res =
        b.0.post(srv.url(&format!("/api/v1/candidate/shares/{share_fce}/withdraw")))
            .header("x-csrf-token", &b.1)
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), 404);
    let theirs: Value = b.0.get(srv.url("/api/v1/candidate/shares")).send().await.unwrap().json().await.unwrap();
    assert_eq!(theirs, json!([]));

    // Withdrawal: the organisation loses access at once.
    srv.advance(Duration::minutes(10));
    let res = post(&format!("/api/v1/candidate/shares/{share_fce}/withdraw"), json!({})).await.unwrap();
    assert_eq!(res.status(), 200);
    let w: Value = res.json().await.unwrap();
    assert_eq!(w["active"], false);
    assert_eq!(w["withdrawn_at"], "2026-11-22T10:15:00+00:00");
    assert_eq!(w["events"].as_array().unwrap().len(), 3, "the record of views stays");
    {
        let mut c = srv.db().conn().unwrap();
        assert!(matches!(shares::active_for_verifier(&mut c, fx.verifier.id, &share_fce), Err(StorageError::NotFound)));
        assert!(
            shares::active_with_verifier(&mut c, fx.verifier.id, 0, 100).unwrap().iter().all(|s| s.id != share_fce),
            "no longer among the organisation's shares"
        );
    }
    // Withdrawing again keeps the first instant; through the page it redirects with a notice.
    srv.advance(Duration::minutes(1));
    let html = me.get(srv.url("/candidate/shares")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Withdrawn 22 November 2026, 11:15"), "{html}");
    let res = me
        .post(srv.url(&format!("/candidate/shares/{share_fce}/withdraw")))
        .form(&[("csrf", csrf_of(&html).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let list: Value = me.get(srv.url("/api/v1/candidate/shares")).send().await.unwrap().json().await.unwrap();
    let s = list.as_array().unwrap().iter().find(|s| s["id"] == share_fce.as_str()).unwrap();
    assert_eq!(s["withdrawn_at"], "2026-11-22T10:15:00+00:00");
    srv.stop().await;
}
