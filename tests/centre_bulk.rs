//! Confirmations of Entry for a whole session at once (`POST /api/v1/sessions/{id}/coe`): every
//! confirmed entry without a CoE gets one, exactly as when issued one by one (a secret number
//! kept only as a hash, the PDF emailed); entries already issued keep their secret number. And the
//! set-wise results import on both databases: versions, SoR numbers, all or nothing.

use crate::both_backends;
use crate::centre::{adult, create_session, fce_session, pdf_bytes, polish_centre, post, upload};
use crate::support::*;
use diesel::prelude::*;
use serde_json::{Value, json};
use tessera_domain::{Role, TenantKind};

both_backends!(a_session_s_confirmations_in_one_call, results_import_in_bulk_keeps_versions);

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
        assert!(hash.starts_with("keyed$"), "kept only as a keyed hash: {hash}");
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

/// R-RESULT-VERSIONS through the batched import, on both databases: a second file makes version 2
/// current for the entries it names only, keeps version 1 and the SoR number; a file with an
/// unknown candidate number changes nothing.
async fn results_import_in_bulk_keeps_versions(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let mut entries = Vec::new();
    for name in ["Anna", "Bartosz", "Celina"] {
        let (_, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, name, "Lis")).await;
        entries.push(r["entry_id"].as_str().unwrap().to_owned());
    }
    let import = |body: String| {
        let (http, csrf) = (http.clone(), csrf.clone());
        let url = srv.url(&format!("/api/v1/sessions/{session}/results"));
        async move {
            let res = http
                .post(url)
                .header("x-csrf-token", csrf)
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let versions = |entry: String| {
        let http = http.clone();
        let url = srv.url(&format!("/api/v1/entries/{entry}/details"));
        async move {
            let d: Value = http.get(url).send().await.unwrap().json().await.unwrap();
            d["result_versions"].as_array().unwrap().clone()
        }
    };
    let header = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n";
    let (status, v) = import(format!(
        "{header}0001,graded,176,B,B2,170,175,180,172,183\n0002,X,,,,,,,,\n0003,graded,190,A,C1,190,190,190,190,190\n"
    ))
    .await;
    assert_eq!((status, v["imported"].as_u64()), (200, Some(3)), "{v}");
    let (status, v) =
        import(format!("{header}0001,graded,181,A,C1,175,180,185,178,186\n0002,graded,165,C,B2,160,165,170,160,170\n"))
            .await;
    assert_eq!((status, v["imported"].as_u64()), (200, Some(2)), "{v}");
    for (entry, grade) in [(&entries[0], "A"), (&entries[1], "C")] {
        let vs = versions(entry.clone()).await;
        assert_eq!(vs.len(), 2, "{vs:?}");
        assert_eq!((vs[0]["version"].as_i64(), vs[0]["is_current"].as_bool()), (Some(2), Some(true)));
        assert_eq!(vs[0]["grade"].as_str(), Some(grade));
        assert_eq!((vs[1]["version"].as_i64(), vs[1]["is_current"].as_bool()), (Some(1), Some(false)));
        assert_eq!(vs[0]["sor_number"], vs[1]["sor_number"], "the SoR number stays");
    }
    let third = versions(entries[2].clone()).await;
    assert_eq!(
        (third.len(), third[0]["is_current"].as_bool()),
        (1, Some(true)),
        "an entry not in the file is untouched"
    );
    // Different entries get different SoR numbers.
    let a = versions(entries[0].clone()).await[0]["sor_number"].clone();
    assert_ne!(a, third[0]["sor_number"]);

    // All or nothing: one unknown candidate number, and no line of the file is stored.
    let (status, v) =
        import(format!("{header}0003,graded,200,A,C1,200,200,200,200,200\n0009,graded,160,C,B2,160,160,160,160,160\n"))
            .await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["error"]["lines"][0]["line"], 3, "{v}");
    assert_eq!(versions(entries[2].clone()).await.len(), 1, "nothing was imported");
    srv.stop().await;
}
