//! Confirmations of Entry for a whole session at once (`POST /api/v1/sessions/{id}/coe`): every
//! confirmed entry without a CoE gets one, exactly as when issued one by one (a secret number
//! kept only as a hash, the PDF emailed); entries already issued keep their secret number.

use crate::both_backends;
use crate::centre::{adult, create_session, fce_session, pdf_bytes, polish_centre, post, upload};
use crate::support::*;
use diesel::prelude::*;
use serde_json::{Value, json};
use tessera_domain::{Role, TenantKind};

both_backends!(a_session_s_confirmations_in_one_call);

async fn a_session_s_confirmations_in_one_call(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let mut entries = Vec::new();
    for name in ["Anna", "Bartosz", "Celina", "Dawid"] {
        let (status, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, name, "Nowak")).await;
        assert_eq!(status, 201, "{r}");
        entries.push(r["entry_id"].as_str().unwrap().to_owned());
    }
    // Three entries confirmed (fee paid, photo consent); Dawid's stays pending.
    for e in &entries[..3] {
        post(
            &http,
            &srv,
            &csrf,
            &format!("/api/v1/entries/{e}/payments"),
            json!({"amount_minor": 81000, "method": "cash"}),
        )
        .await;
        let (status, v) =
            upload(&http, &srv, &csrf, e, "photo_consent", ("c.pdf", "application/pdf", pdf_bytes())).await;
        assert_eq!((status, v["status"].as_str()), (200, Some("confirmed")), "{v}");
    }
    // Anna's CoE was issued one by one before: the bulk run must not change her secret number.
    let res = http
        .post(srv.url(&format!("/api/v1/entries/{}/coe", entries[0])))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let hash_of = |entry: &str| {
        let mut c = srv.db().conn().unwrap();
        let t = tessera_storage::repo::tenants::by_slug(&mut c, "pl078").unwrap();
        let e = tessera_storage::repo::centre::entry(&mut c, t.id, entry).unwrap();
        tessera_storage::repo::centre::candidate(&mut c, t.id, &e.candidate_id).unwrap().secret_hash
    };
    let anna_before = hash_of(&entries[0]).expect("Anna's secret hash");

    // The anti-forgery header is required, as on every write.
    let res = http.post(srv.url(&format!("/api/v1/sessions/{session}/coe"))).send().await.unwrap();
    assert_eq!(res.status(), 403, "no X-CSRF-Token");
    assert!(hash_of(&entries[1]).is_none(), "a refused call issues nothing");

    let (status, v) = post(&http, &srv, &csrf, &format!("/api/v1/sessions/{session}/coe"), json!({})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["issued"].as_u64(), v["already_issued"].as_u64(), v["not_confirmed"].as_u64()),
        (Some(2), Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(v["without_email"], json!([]));
    assert_eq!(hash_of(&entries[0]), Some(anna_before), "an issued CoE keeps its secret number");
    for e in &entries[1..3] {
        let hash = hash_of(e).expect("a secret hash for each confirmed entry");
        assert!(hash.starts_with("$argon2id$"), "kept only as an argon2id hash: {hash}");
        let d: Value =
            http.get(srv.url(&format!("/api/v1/entries/{e}/details"))).send().await.unwrap().json().await.unwrap();
        assert!(d["form"]["coe_issued_at"].is_string(), "{d}");
    }
    assert!(hash_of(&entries[3]).is_none(), "no CoE before the entry is confirmed");
    // Each CoE goes out by email through the job queue, with its PDF.
    let mut c = srv.db().conn().unwrap();
    use tessera_storage::schema::jobs;
    let keys: Vec<String> =
        jobs::table.filter(jobs::idempotency_key.like("coe:%")).select(jobs::idempotency_key).load(&mut c).unwrap();
    assert_eq!(keys.len(), 3, "one email per CoE (Anna's single one and the two of the bulk run): {keys:?}");
    for e in &entries[1..3] {
        assert!(keys.iter().any(|k| k.starts_with(&format!("coe:{e}:"))), "{keys:?}");
    }
    drop(c);

    // A second run has nothing left to do.
    let (status, v) = post(&http, &srv, &csrf, &format!("/api/v1/sessions/{session}/coe"), json!({})).await;
    assert_eq!((status, v["issued"].as_u64(), v["already_issued"].as_u64()), (200, Some(0), Some(3)), "{v}");

    // An unknown session, and another centre's staff, get 404.
    let (status, _) = post(&http, &srv, &csrf, "/api/v1/sessions/no-such-session/coe", json!({})).await;
    assert_eq!(status, 404);
    let other = srv.tenant("hu012", TenantKind::Centre);
    srv.user(&other, "staff@hu012.example", Role::CentreStaff);
    let http2 = client();
    let csrf2 = api_login(&http2, &srv, "hu012", "staff@hu012.example", PASSWORD).await;
    let (status, _) = post(&http2, &srv, &csrf2, &format!("/api/v1/sessions/{session}/coe"), json!({})).await;
    assert_eq!(status, 404, "tenant isolation: another centre cannot issue this session's CoEs");
    srv.stop().await;
}
