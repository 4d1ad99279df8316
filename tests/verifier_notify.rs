//! Notifications (R-NOTIFY): per-user preference; each candidate, daily, or weekly on Mondays in
//! the organisation's time zone; every email queued exactly once, across restarts.

use crate::both_backends;
use crate::support::*;
use crate::verifier::{share, world};
use serde_json::json;
use std::time::Duration;
use tessera_domain::Role;

fn keys(srv: &TestServer) -> Vec<String> {
    use diesel::prelude::*;
    use tessera_storage::schema::jobs;
    let mut k: Vec<String> = jobs::table
        .filter(jobs::idempotency_key.like("notify:%"))
        .select(jobs::idempotency_key)
        .load(&mut *srv.db().conn().unwrap())
        .unwrap();
    k.sort();
    k
}

async fn settle() {
    // Several scheduler passes (every 50 ms in tests).
    tokio::time::sleep(Duration::from_millis(400)).await;
}

async fn digests_are_sent_once_on_time(backend: Backend) {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_path_buf();
    let d2 = dir.clone();
    let srv = TestServer::start_with(backend, move |cfg| {
        cfg.data_dir = d2.clone();
        if backend == Backend::Sqlite {
            cfg.database.url = format!("sqlite://{}", d2.join("tessera.db").display());
        }
    })
    .await;
    let w = world(&srv);
    let mut csrfs = Vec::new();
    for (login, mode) in [
        ("alice@org-a.example", "weekly"),
        ("dan@org-a.example", "daily"),
        ("eve@org-a.example", "each"),
        ("fay@org-a.example", "off"),
    ] {
        if login != "alice@org-a.example" {
            srv.user(&w.org_a, login, Role::VerifierAdmin);
        }
        let http = client();
        let csrf = api_login(&http, &srv, "org-a", login, PASSWORD).await;
        let res = http
            .put(srv.url("/api/v1/verifier/notifications"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"mode": mode}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{login}");
        let got: serde_json::Value =
            http.get(srv.url("/api/v1/verifier/notifications")).send().await.unwrap().json().await.unwrap();
        assert_eq!(got["mode"], mode);
        csrfs.push((http, csrf));
    }
    let (http, csrf) = &csrfs[0];
    let res = http
        .put(srv.url("/api/v1/verifier/notifications"))
        .header("x-csrf-token", csrf)
        .json(&json!({"mode": "hourly"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // Sunday 22 November 2026, 10:01 UTC (11:01 in Warsaw): two candidates share.
    srv.advance(chrono::Duration::minutes(1));
    share(&srv, &w, 0, &w.org_a);
    share(&srv, &w, 2, &w.org_a);
    share(&srv, &w, 3, &w.org_b);
    settle().await;
    let k = keys(&srv);
    assert_eq!(k.iter().filter(|k| k.starts_with("notify:each:")).count(), 2, "one email per candidate: {k:?}");
    assert!(!k.iter().any(|k| k.contains(":daily:") || k.contains(":weekly:")), "nothing due yet: {k:?}");
    // Sunday 23:00 in Warsaw: still Sunday there.
    srv.advance(chrono::Duration::hours(11) + chrono::Duration::minutes(58));
    settle().await;
    assert!(!keys(&srv).iter().any(|k| k.contains(":weekly:") || k.contains(":daily:")));
    // Monday 00:01 in Warsaw (Sunday 23:01 UTC): the daily summary of Sunday and the weekly one.
    srv.advance(chrono::Duration::hours(1) + chrono::Duration::minutes(2));
    settle().await;
    let k = keys(&srv);
    assert_eq!(k.iter().filter(|k| k.contains(":daily:")).count(), 1, "{k:?}");
    assert_eq!(k.iter().filter(|k| k.contains(":weekly:")).count(), 1, "{k:?}");
    assert!(k.iter().any(|k| k.ends_with(":2026-11-22")), "the daily digest is for Sunday: {k:?}");
    assert_eq!(k.len(), 4, "nothing for the user who chose off, nothing for org B's share: {k:?}");
    // A restart, and more passes later on Monday: nothing is sent twice.
    let url = srv.database_url.clone();
    let now = tessera_domain::Clock::now(&*srv.clock);
    srv.stop().await;
    let d3 = dir.clone();
    let srv = TestServer::start_with(backend, move |cfg| {
        cfg.data_dir = d3.clone();
        cfg.database.url = url.clone();
    })
    .await;
    srv.clock.set(now + chrono::Duration::hours(5));
    settle().await;
    assert_eq!(keys(&srv), k);
    srv.stop().await;
}

both_backends!(digests_are_sent_once_on_time);
