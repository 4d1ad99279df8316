//! The exam day's devices and notices, on both backends. R-DEVICE-DEPOSIT: a candidate who
//! refuses to deposit their devices is not admitted, and a later refund request for the entry is
//! decided as a `refused_devices` one (no refund) where the same request for a candidate who
//! deposited them is approved. R-NOTICES: the Notice to candidates and the speaking-test
//! recording notice travel with the Confirmation of Entry (its PDF and its email, in the centre's
//! language), the candidate confirms reading them on their page (or through the API), and the
//! centre sees it on the entry.

use crate::after_exam::confirmed;
use crate::both_backends;
use crate::centre::{create_session, fce_session, pdf_text, polish_centre, post};
use crate::support::*;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use tessera_domain::{Clock, Role, TenantKind};

both_backends!(r_device_deposit_refusal_means_no_admission_and_no_refund, r_notices_sent_with_the_coe_and_acknowledged);

async fn details(http: &reqwest::Client, srv: &TestServer, entry: &str) -> Value {
    http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap()
}

async fn r_device_deposit_refusal_means_no_admission_and_no_refund(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let refused = confirmed(&http, &srv, &csrf, &session, "Kamil").await;
    let deposited = confirmed(&http, &srv, &csrf, &session, "Iga").await;
    // The written papers, 12 December 2026 at 9:00 in Katowice.
    srv.clock.set(Utc.with_ymd_and_hms(2026, 12, 12, 8, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let attend = |entry: &str, devices: &str| {
        let (http, srv, csrf, path) = (&http, &srv, csrf.clone(), format!("/api/v1/entries/{entry}/attendance"));
        let body = json!({"component": "Reading", "present": true, "id_document_shown": "national_id_card", "devices": devices});
        async move { post(http, srv, &csrf, &path, body).await }
    };
    let (status, v) = attend(&refused, "pocket").await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("devices")), "{v}");
    let (status, v) = attend(&refused, "refused").await;
    assert_eq!((status, v["admitted"].as_bool()), (200, Some(false)), "R-DEVICE-DEPOSIT: {v}");
    assert!(v["reasons"].to_string().contains("R-DEVICE-DEPOSIT"), "{v}");
    let (status, v) = attend(&deposited, "deposited").await;
    assert_eq!((status, v["admitted"].as_bool()), (200, Some(true)), "{v}");
    let d = details(&http, &srv, &refused).await;
    assert_eq!(
        (d["attendance"][0]["devices"].as_str(), d["attendance"][0]["admitted"].as_bool()),
        (Some("refused"), Some(false)),
        "{d}"
    );
    let audit: Value =
        http.get(srv.url("/api/v1/audit?action=exam_day.attendance")).send().await.unwrap().json().await.unwrap();
    assert!(audit.as_array().unwrap().iter().any(|a| a["details"]["devices"] == "refused"), "{audit}");

    // The same request, a withdrawal by the last registration day (a full refund in Poland),
    // for each: the refusal decides it.
    let request = json!({"reason": {"type": "withdrawal"}, "request_date": "2026-11-30"});
    let (status, r) = post(&http, &srv, &csrf, &format!("/api/v1/entries/{deposited}/refunds"), request.clone()).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!((r["outcome"].as_str(), r["amount_minor"].as_i64()), (Some("approve"), Some(81000)), "{r}");
    let (status, r) = post(&http, &srv, &csrf, &format!("/api/v1/entries/{refused}/refunds"), request).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(
        (r["reason"].as_str(), r["outcome"].as_str(), r["amount_minor"].as_i64()),
        (Some("refused_devices"), Some("reject"), Some(0)),
        "R-DEVICE-DEPOSIT: no refund: {r}"
    );
    assert!(r["decision"].as_str().unwrap().contains("electronic devices"), "the policy's reason: {r}");

    // The entry page: the attendance with the devices in words, and the refund's reason.
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let page = staff.get(srv.url(&format!("/centre/entries/{refused}"))).send().await.unwrap().text().await.unwrap();
    let attendance = page.split("<table id=\"attendance\">").nth(1).and_then(|t| t.split("</table>").next()).unwrap();
    assert!(attendance.contains("Refused to deposit them") && attendance.contains("Not admitted"), "{attendance}");
    assert!(page.contains("<td>Refused to hand in electronic devices</td>"), "the refund's reason: {page}");
    let token = csrf_of(&page);
    let res = staff
        .post(srv.url(&format!("/centre/entries/{deposited}/do/attendance")))
        .form(&[
            ("csrf", token.as_str()),
            ("component", "Writing"),
            ("present", "yes"),
            ("id_document_shown", "national_id_card"),
            ("devices", "refused"),
        ])
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("Not admitted.") && html.contains("R-DEVICE-DEPOSIT"), "{html}");
    srv.stop().await;
}

async fn r_notices_sent_with_the_coe_and_acknowledged(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with_plugins_and(backend, move |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
    })
    .await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.assign(&centre, "pl", &["photo", "identity", "eligibility", "deadlines"]);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    {
        use diesel::RunQueryDsl;
        let mut c = srv.db().conn().unwrap();
        diesel::sql_query("UPDATE tenants SET locale = 'pl' WHERE slug = 'pl078'").execute(&mut *c).unwrap();
    }
    let http = client();
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = confirmed(&http, &srv, &csrf, &session, "Zofia").await;
    let other = confirmed(&http, &srv, &csrf, &session, "Olga").await;

    // The CoE's PDF and email carry both notices, in Polish.
    let res =
        http.post(srv.url(&format!("/api/v1/entries/{entry}/coe"))).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let id_number = res.headers()["x-candidate-id-number"].to_str().unwrap().to_owned();
    let text = pdf_text(&res.bytes().await.unwrap());
    for words in ["Informacje dla zdających", "nie zostanie dopuszczony", "może być nagrywana"] {
        assert!(text.contains(words), "{words}: {text}");
    }
    let secret = text
        .lines()
        .skip_while(|l| !l.contains("Numer tajny"))
        .find_map(|l| l.split_whitespace().find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit())))
        .expect("a six-digit secret number on the CoE")
        .to_owned();
    let mut coe_mail = None;
    for n in 1..=6 {
        let mails = smtp.wait_for(n).await;
        coe_mail = mails.iter().find(|m| m.contains("confirmation-of-entry-0001.pdf")).map(|m| decode_qp(m));
        if coe_mail.is_some() {
            break;
        }
    }
    let coe_mail = coe_mail.expect("the CoE email");
    for words in ["Informacje dla zdających", "może być nagrywana", "potwierdź tam"] {
        assert!(coe_mail.contains(words), "{words}: {coe_mail}");
    }

    // The centre sees that the candidate has not confirmed reading them yet.
    let d = details(&http, &srv, &entry).await;
    assert!(d["form"]["notices_acknowledged_at"].is_null(), "{d}");

    // The candidate activates their account and confirms on their page.
    let cand = client();
    let res =
        crate::candidate::signup_form(&cand, &srv, "pl078", &id_number, &secret, "zofia@mail.example", PASSWORD, &[])
            .await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    assert_eq!(login(&cand, &srv, "pl078", &id_number, PASSWORD).await.status(), 303);
    let page = cand.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    let form = format!("/candidate/entries/{entry}/notices");
    assert!(page.contains("może być nagrywana") && page.contains(&form), "{page}");
    let res = cand.post(srv.url(&form)).form(&[("csrf", csrf_of(&page))]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let page = cand.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("zapoznanie się z tymi informacjami: 22 listopada 2026") && !page.contains(&form), "{page}");

    // Through the API: the first confirmation stands; another candidate's entry is not theirs.
    let api = client();
    let cand_csrf = api_login(&api, &srv, "pl078", &id_number, PASSWORD).await;
    srv.advance(chrono::Duration::minutes(5));
    let (status, v) =
        post(&api, &srv, &cand_csrf, &format!("/api/v1/candidate/entries/{entry}/notices"), json!({})).await;
    assert_eq!(status, 200, "{v}");
    let (status, _) =
        post(&api, &srv, &cand_csrf, &format!("/api/v1/candidate/entries/{other}/notices"), json!({})).await;
    assert_eq!(status, 404);
    let exams: Value = api.get(srv.url("/api/v1/candidate/results")).send().await.unwrap().json().await.unwrap();
    assert_eq!(exams[0]["notices_acknowledged_at"], v["acknowledged_at"], "{exams}");

    // The centre sees when, on the entry and its page; the confirmation is audited once.
    let d = details(&http, &srv, &entry).await;
    let at: chrono::DateTime<Utc> = v["acknowledged_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(at, srv.clock.now() - chrono::Duration::minutes(5), "the page's confirmation, not the API's");
    assert!(d["form"]["notices_acknowledged_at"].is_string(), "{d}");
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let page = staff.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Kandydat potwierdził zapoznanie"), "{page}");
    let page = staff.get(srv.url(&format!("/centre/entries/{other}"))).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Kandydat potwierdził zapoznanie"), "no CoE, no notices: {page}");
    let audit: Value = http
        .get(srv.url("/api/v1/audit?action=entry.notices_acknowledged"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 1, "{audit}");
    srv.stop().await;
}
