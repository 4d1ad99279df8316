//! Exam day and after through the API (DOMAIN.md sections 7 to 9) with the `pl` plugin:
//! attendance and the ID check, exam-day photos, cases, enquiries, certificates, name
//! corrections, and the retention run from the command line.

use crate::centre::{adult, create_session, fce_session, import_csv, pdf_bytes, polish_centre, post, upload};
use crate::support::*;
use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};
use tessera_domain::Clock;

/// A confirmed entry (paid, consent on file) in `session`.
pub(crate) async fn confirmed(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    session: &str,
    first: &str,
) -> String {
    let (status, r) = post(http, srv, csrf, "/api/v1/entries", adult(session, first, "Zając")).await;
    assert_eq!(status, 201, "{r}");
    let e = r["entry_id"].as_str().unwrap().to_owned();
    post(http, srv, csrf, &format!("/api/v1/entries/{e}/payments"), json!({"amount_minor": 81000, "method": "cash"}))
        .await;
    let (_, v) = upload(http, srv, csrf, &e, "photo_consent", ("c.pdf", "application/pdf", pdf_bytes())).await;
    assert_eq!(v["status"], "confirmed");
    e
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn photo(http: &reqwest::Client, srv: &TestServer, csrf: &str, entry: &str) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("p.png").mime_str("image/png").unwrap());
    let res = http
        .post(srv.url(&format!("/api/v1/entries/{entry}/photo")))
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exam_day_attendance_id_check_photos_and_cases() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Kamil").await;
    let (_, pending) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Iga", "Zając")).await;
    let pending = pending["entry_id"].as_str().unwrap().to_owned();

    let attend = |entry: String, shown: &'static str| {
        let (http, srv_url, csrf) =
            (http.clone(), srv.url(&format!("/api/v1/entries/{entry}/attendance")), csrf.clone());
        async move {
            let res = http
                .post(srv_url)
                .header("x-csrf-token", csrf)
                .json(&json!({"component": "Reading", "present": true, "id_document_shown": shown}))
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap())
        }
    };
    let (status, v) = attend(pending.clone(), "national_id_card").await;
    assert_eq!(
        (status, v["error"]["code"].as_str()),
        (409, Some("entry_not_confirmed")),
        "an incomplete entry cannot sit: {v}"
    );
    let (status, v) = attend(entry.clone(), "passport").await;
    assert_eq!(status, 200);
    assert_eq!(v["admitted"], false, "R-PHOTO-CONSENT: the consent names the national ID card: {v}");
    let (_, v) = attend(entry.clone(), "school_id").await;
    assert_eq!(v["admitted"], false, "R-PL-ACCEPTED-ID: a school ID only for a minor with nothing else: {v}");
    let (_, v) = attend(entry.clone(), "national_id_card").await;
    assert_eq!(v["admitted"], true, "R-PL-ACCEPTED-ID: a national ID card with the document named on the consent: {v}");

    // R-PHOTO-DAY: FCE candidates are photographed (consent on file); FCE for Schools are not.
    let (status, v) = photo(&http, &srv, &csrf, &entry).await;
    assert_eq!(status, 200, "{v}");
    let schools = create_session(&http, &srv, &csrf, {
        let mut s = fce_session(10, 1);
        s["exam_code"] = json!("FCES");
        s["timetable"] = json!([]);
        s
    })
    .await;
    let (_, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&schools, "Ola", "Zając")).await;
    let (status, v) = photo(&http, &srv, &csrf, r["entry_id"].as_str().unwrap()).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("photo_not_required")), "R-PHOTO-DAY: {v}");

    // R-SPECIAL-CONSIDERATION: before release only. R-MALPRACTICE: upheld, the result is withheld.
    let (status, _) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/cases"),
        json!({"kind": "special_consideration", "description": "fire alarm during Listening"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/cases"),
        json!({"kind": "gossip", "description": "x"}),
    )
    .await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("kind")));
    let csv = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n0001,graded,176,B,B2,170,175,180,172,183\n";
    assert_eq!(import_csv(&http, &srv, &csrf, &session, csv).await, 200);
    let (status, case) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/cases"),
        json!({"kind": "malpractice", "description": "phone found during Reading"}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) =
        post(&http, &srv, &csrf, &format!("/api/v1/cases/{}/uphold", case["id"].as_str().unwrap()), json!({})).await;
    assert_eq!(status, 200);
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["result_versions"][0]["status"], "Withheld", "R-MALPRACTICE withholds the result");
    assert_eq!(d["result_versions"].as_array().unwrap().len(), 2, "the graded version is kept (R-RESULT-VERSIONS)");
    let (status, _) = post(&http, &srv, &csrf, &format!("/api/v1/sessions/{session}/certificates"), json!({})).await;
    assert_eq!(status, 200);
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/certificate/collection"),
        json!({"by": "candidate"}),
    )
    .await;
    assert_eq!(status, 404, "a withheld result gets no certificate: none arrived for it: {v}");

    // After release no special consideration.
    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 17, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/cases"),
        json!({"kind": "special_consideration", "description": "late report"}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("results_released")), "R-SPECIAL-CONSIDERATION: {v}");
    srv.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enquiries_certificates_and_name_corrections() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Wiktor").await;
    let csv = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n0001,graded,172,C,B2,170,175,168,172,175\n";
    let res = http
        .post(srv.url(&format!("/api/v1/sessions/{session}/results")))
        .header("x-csrf-token", &csrf)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/enquiries"),
        json!({"stage": 1, "fee_minor": 15000}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("not_released")), "R-RELEASE: {v}");
    // Released 2027-01-16 09:00 UK time; the Polish enquiry window is 15 days (R-ENQUIRY).
    srv.clock.set(Utc.with_ymd_and_hms(2027, 1, 20, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/enquiries"),
        json!({"stage": 2, "fee_minor": 30000}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("stage_one_first")), "R-ENQUIRY: {v}");
    let (status, e1) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/enquiries"),
        json!({"stage": 1, "fee_minor": 15000}),
    )
    .await;
    assert_eq!(status, 201, "{e1}");
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/enquiries"),
        json!({"stage": 1, "fee_minor": 15000}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("enquiry_open")));
    // The outcome is checked like an imported line (R-RESULT-CODES): a grade the score does not
    // give, or no grade at all, is refused by field and stores no version.
    let outcome_url = format!("/api/v1/enquiries/{}/outcome", e1["id"].as_str().unwrap());
    for (grade, cefr, field) in [("A", "B2", "grade"), ("ZZ", "B2", "grade"), ("B", "<script>", "cefr")] {
        let (status, v) = post(
            &http,
            &srv,
            &csrf,
            &outcome_url,
            json!({"overall_score": 174, "grade": grade, "cefr": cefr, "components": {"Writing": 178}}),
        )
        .await;
        assert_eq!((status, v["error"]["field"].as_str()), (422, Some(field)), "{grade}/{cefr}: {v}");
    }
    let (status, done) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/enquiries/{}/outcome", e1["id"].as_str().unwrap()),
        json!({"overall_score": 174, "grade": "B", "cefr": "B2", "components": {"Writing": 178}}),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["outcome"].as_str(), done["fee_refunded"].as_bool()),
        (Some("higher"), Some(true)),
        "R-ENQUIRY: the grade changed, the fee is returned"
    );
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        (d["result_versions"][0]["version"].as_i64(), d["result_versions"][0]["grade"].as_str()),
        (Some(2), Some("B")),
        "R-RESULT-VERSIONS"
    );
    let (status, _) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/enquiries"),
        json!({"stage": 2, "fee_minor": 30000}),
    )
    .await;
    assert_eq!(status, 201, "Stage 2 after a completed Stage 1");
    srv.clock.set(Utc.with_ymd_and_hms(2027, 2, 1, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let other = confirmed_late(&http, &srv, &csrf).await;
    let _ = other;

    // R-NAME-SPELLING before certificates: free.
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/name-correction"),
        json!({"first_name": "Wiktor", "family_name": "Zajączek"}),
    )
    .await;
    assert_eq!((status, v["corrected"].as_bool(), v["fee_applies"].as_bool()), (200, Some(true), Some(false)), "{v}");
    assert_eq!(v["terms"], "free", "R-NAME-SPELLING: before certificates are printed");

    // R-CERT-ARRIVAL, R-CERT-COLLECTION.
    let (status, v) = post(&http, &srv, &csrf, &format!("/api/v1/sessions/{session}/certificates"), json!({})).await;
    assert_eq!((status, v["arrived"].as_u64()), (200, Some(1)));
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/certificate/collection"),
        json!({"by": "authorised_person", "collector_id_document": "ABC123", "signature_recorded": true}),
    )
    .await;
    assert_eq!(
        (status, v["error"]["field"].as_str()),
        (400, Some("collector_name")),
        "an authorised person is named on the form: {v}"
    );
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/certificate/collection"),
        json!({"by": "candidate", "signature_recorded": true}),
    )
    .await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("collector_id_document")), "photo ID: {v}");
    let (status, _) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/certificate/collection"),
        json!({"by": "candidate", "collector_id_document": "national_id_card ABC123", "signature_recorded": true}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/certificate/collection"),
        json!({"by": "courier", "courier_address": "Katowice"}),
    )
    .await;
    assert_eq!(status, 409, "collected once");

    // R-NAME-SPELLING after printing: a fee; R-CERT-REPLACEMENT rules.
    let (_, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/name-correction"),
        json!({"first_name": "Wiktor", "family_name": "Zając"}),
    )
    .await;
    assert_eq!(v["fee_applies"], true, "{v}");
    assert_eq!(v["terms"], "with_fee", "{v}");
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/certificate/replacement"),
        json!({"accidental_damage": false, "original_returned": true, "fee_paid": true, "id_checked": true}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("replacement_refused")));
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/certificate/replacement"),
        json!({"accidental_damage": true, "original_returned": true, "fee_paid": true, "id_checked": true}),
    )
    .await;
    assert_eq!((status, v["replacements"].as_i64()), (200, Some(1)), "{v}");

    // Two years after the certificate: no correction, a Certifying Statement instead; five
    // years and a day: no replacement.
    srv.clock.set(Utc.with_ymd_and_hms(2029, 2, 1, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (_, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/name-correction"),
        json!({"first_name": "Wiktor", "family_name": "Zajac"}),
    )
    .await;
    assert_eq!(v["corrected"], false);
    assert!(v["message"].as_str().unwrap().contains("Certifying Statement"), "{v}");
    assert_eq!(v["terms"], "refused", "{v}");
    srv.clock.set(Utc.with_ymd_and_hms(2032, 2, 2, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, _) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/certificate/replacement"),
        json!({"accidental_damage": true, "original_returned": true, "fee_paid": true, "id_checked": true}),
    )
    .await;
    assert_eq!(status, 409, "R-CERT-REPLACEMENT: originals older than 5 years are not replaced");
    srv.stop().await;
}

/// After the enquiry window a new enquiry is refused.
async fn confirmed_late(http: &reqwest::Client, srv: &TestServer, csrf: &str) -> Value {
    let sessions: Value = http.get(srv.url("/api/v1/sessions")).send().await.unwrap().json().await.unwrap();
    let session = sessions[0]["id"].as_str().unwrap().to_owned();
    let entries: Value =
        http.get(srv.url(&format!("/api/v1/sessions/{session}/entries"))).send().await.unwrap().json().await.unwrap();
    let entry = entries[0]["id"].as_str().unwrap().to_owned();
    let (status, v) =
        post(http, srv, csrf, &format!("/api/v1/entries/{entry}/enquiries"), json!({"stage": 1, "fee_minor": 15000}))
            .await;
    assert!(
        status == 409 && (v["error"]["code"] == "enquiry_window_closed" || v["error"]["code"] == "enquiry_open"),
        "{v}"
    );
    v
}

/// R-PL-CERT-RETENTION and R-DATA-MINIMUM from the command line: a certificate uncollected for
/// two years is destroyed with the personal data; the verification record stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_dry_run_then_purge() {
    let (srv, http, _) = polish_centre(Backend::Sqlite).await;
    // Back to 2023: a session, a confirmed entry, results, certificates arriving in March 2024.
    srv.clock.set(Utc.with_ymd_and_hms(2023, 11, 10, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let mut s = fce_session(10, 1);
    for (k, v) in [
        ("written_date", "2023-12-09"),
        ("registration_opens", "2023-11-01"),
        ("registration_closes", "2023-11-30"),
        ("late_entry_deadline", "2023-12-05"),
    ] {
        s[k] = json!(v);
    }
    s["release_at"] = json!("2024-01-20 09:00");
    s["timetable"] = json!([]);
    let session = create_session(&http, &srv, &csrf, s).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Roman").await;
    let csv = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n0001,graded,181,A,C1,180,182,179,184,180\n";
    http.post(srv.url(&format!("/api/v1/sessions/{session}/results")))
        .header("x-csrf-token", &csrf)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    srv.clock.set(Utc.with_ymd_and_hms(2024, 3, 1, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, _) = post(&http, &srv, &csrf, &format!("/api/v1/sessions/{session}/certificates"), json!({})).await;
    assert_eq!(status, 200);
    // A refund to be paid to the candidate's account: the account is contact data too.
    let (status, r) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/refunds"),
        json!({"reason": {"type": "other"}, "payout_method": "bank_transfer", "payout_account": "PL61 1090 1014 0000 0712 1981 2874"}),
    )
    .await;
    assert_eq!((status, r["payout_account"].as_str()), (201, Some("PL61 1090 1014 0000 0712 1981 2874")), "{r}");
    srv.advance(Duration::days(1));
    // The result is shared with an organisation, whose search finds the candidate by email.
    let org = srv.tenant("org-a", tessera_domain::TenantKind::Verifier);
    srv.user(&org, "alice@org-a.example", tessera_domain::Role::VerifierPrimary);
    let centre = tessera_storage::repo::tenants::by_slug(&mut srv.db().conn().unwrap(), "pl078").unwrap();
    tessera_storage::repo::shares::create(&mut srv.db().conn().unwrap(), centre.id, &entry, org.id, srv.clock.now())
        .unwrap();
    let verifier = crate::verifier::org_client(&srv, "org-a", "alice@org-a.example").await;
    crate::verifier::until(&verifier, &srv, "q=roman%40mail.example", &["Zając"]).await;

    let data = srv.running.as_ref().unwrap().state.settings.data_dir.clone();
    let env = [("TESSERA_DATA_DIR", data.to_str().unwrap())];
    let (code, out, err) = tessera(&["retention", "--dry-run", "--tenant", "pl078"], &env, None);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("would purge") && out.contains("uncollected_certificate") && out.contains("R-PL-CERT-RETENTION"),
        "{out}"
    );
    assert!(out.contains("1 item(s) would be purged"), "{out}");
    let docs_dir = data.join("tenants");
    let count_files = || walk(&docs_dir);
    assert_eq!(count_files(), 1, "the dry run destroyed nothing");

    let (code, out, err) = tessera(&["retention", "--tenant", "pl078"], &env, None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 item(s) purged"), "{out}");
    // R-INDEX-FRESH: the purged email is found by no query, within a second, while the name
    // (kept: R-DATA-MINIMUM) still is.
    let took = crate::verifier::until(&verifier, &srv, "q=roman%40mail.example", &[]).await;
    assert!(took < std::time::Duration::from_secs(1), "the purged email left the index after {took:?}");
    for q in ["q=mail.example", "q=roman%40mail", "q=roman%40mail.exampl"] {
        let found = crate::verifier::search(&verifier, &srv, q).await;
        assert!(found.is_empty(), "{q}: {found:?}");
    }
    assert_eq!(crate::verifier::search(&verifier, &srv, "q=roman").await, ["Zając"]);
    assert_eq!(count_files(), 0, "the documents' files are destroyed");
    let (_, out, _) = tessera(&["retention", "--tenant", "pl078"], &env, None);
    assert!(out.contains("0 item(s) purged"), "a second run finds nothing left: {out}");

    api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert!(d["candidate"]["email"].is_null() && d["candidate"]["phone"].is_null(), "contact data destroyed: {d}");
    assert_eq!(d["documents"].as_array().unwrap().len(), 0);
    assert!(d["refunds"][0]["payout_account"].is_null(), "the refund's account destroyed: {d}");
    assert_eq!(d["refunds"][0]["payout_method"], "bank_transfer", "the method stays");
    assert_eq!(d["candidate"]["first_name"], "Roman", "R-DATA-MINIMUM: name, date of birth and result stay");
    assert_eq!(d["candidate"]["date_of_birth"], "1999-05-04");
    assert_eq!(d["result_versions"][0]["grade"], "A");
    let audit: Value =
        http.get(srv.url("/api/v1/audit?action=retention.purge")).send().await.unwrap().json().await.unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 1, "the purge is logged");
    srv.stop().await;
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 }).sum())
        .unwrap_or(0)
}

/// The exam-day and after-results forms of the entry page, and the calendar.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entry_page_forms_and_calendar() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Natalia").await;
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let cal = staff.get(srv.url("/centre/calendar")).send().await.unwrap().text().await.unwrap();
    assert!(
        cal.contains("5 December 2026 (Saturday)")
            && cal.contains("B2 First: Speaking 14:00")
            && cal.contains("12 December 2026"),
        "days in words, with their weekday: {cal}"
    );
    let page = staff.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&page);
    let act = |action: &str, fields: Vec<(&str, &str)>| {
        let mut form = vec![("csrf", token.clone())];
        form.extend(fields.into_iter().map(|(k, v)| (k, v.to_owned())));
        staff.post(srv.url(&format!("/centre/entries/{entry}/do/{action}"))).form(&form).send()
    };
    let res = act("attendance", vec![("component", "Reading"), ("present", "yes"), ("id_document_shown", "passport")])
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Not admitted.") && html.contains("R-PHOTO-CONSENT"), "the ID check's reason is shown");
    let res =
        act("attendance", vec![("component", "Chemistry"), ("present", "yes"), ("id_document_shown", "passport")])
            .await
            .unwrap();
    assert_eq!(res.status(), 400);
    let res =
        act("case", vec![("kind", "special_consideration"), ("description", "noise from the street")]).await.unwrap();
    assert!(res.text().await.unwrap().contains("Case opened (Special consideration)."));
    let res = act("enquiry", vec![("stage", "1"), ("fee", "150")]).await.unwrap();
    assert_eq!(res.status(), 409, "no enquiry before release (R-RELEASE)");
    let res = act("name", vec![("first_name", "Natalia"), ("family_name", "Zając-Nowak")]).await.unwrap();
    assert!(res.text().await.unwrap().contains("Name corrected before certificates are printed: no fee."));
    let res = act("nonsense", vec![]).await.unwrap();
    assert_eq!(res.status(), 404);
    srv.stop().await;
}

/// R-TIMETABLE-CHANGE: written and listening dates never change; the speaking test moves for a
/// documented reason, free, within the speaking window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn speaking_date_changes() {
    let (srv, http, csrf) = polish_centre(Backend::Sqlite).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Marta").await;
    let path = format!("/api/v1/entries/{entry}/timetable-change");
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &path,
        json!({"component": "Listening", "day": "2026-12-13", "reason": "wedding", "documented": true}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("date_fixed")), "{v}");
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &path,
        json!({"component": "Speaking", "day": "2026-12-13", "reason": "fracture", "documented": false}),
    )
    .await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("documented")), "{v}");
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &path,
        json!({"component": "Speaking", "day": "2026-12-20", "reason": "fracture", "documented": true}),
    )
    .await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("outside_window")), "{v}");
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &path,
        json!({"component": "Speaking", "day": "2026-12-13", "reason": "fracture", "documented": true}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!((v["speaking_day"].as_str(), v["fee_minor"].as_i64()), (Some("2026-12-13"), Some(0)), "moved, free");
    srv.stop().await;
}
