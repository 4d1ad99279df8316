//! R-NAME-SPELLING: the Certifying Statement, issued instead of a name correction asked for 2 years
//! or more after the certificate, for a fee, as a PDF in the candidate's language that the
//! candidate downloads from their results page. And candidate emails in the candidate's language
//! (R-CERT-ARRIVAL's arrival email, the entry acknowledgement), through a real SMTP server.

use crate::both_backends;
use crate::candidate::{activated, add_entry, fixture};
use crate::centre::{adult, create_session, fce_session, pdf_text, post};
use crate::support::*;
use chrono::{TimeZone, Utc};
use serde_json::{Value, json};
use tessera_domain::{Role, TenantKind};

both_backends!(
    r_name_spelling_certifying_statement_instead_of_a_late_correction,
    candidate_emails_are_written_in_the_candidates_language
);

/// A server sending its email to `smtp`, with the shipped policy plugins.
async fn with_smtp(backend: Backend, smtp: &SmtpSink) -> TestServer {
    let port = smtp.port;
    let dist = std::env::var("TESSERA_PLUGINS_DIST").expect("TESSERA_PLUGINS_DIST");
    TestServer::start_with(backend, move |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        let dir = c.plugins.dir.clone().unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        for e in std::fs::read_dir(&dist).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    })
    .await
}

fn set_locale(srv: &TestServer, slug: &str, locale: &str) {
    use diesel::RunQueryDsl;
    let mut c = srv.db().conn().unwrap();
    diesel::sql_query(format!("UPDATE tenants SET locale = '{locale}' WHERE slug = '{slug}'"))
        .execute(&mut *c)
        .unwrap();
}

async fn get_pdf(http: &reqwest::Client, srv: &TestServer, path: &str) -> String {
    let res = http.get(srv.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    assert_eq!(res.headers()["content-type"], "application/pdf", "{path}");
    pdf_text(&res.bytes().await.unwrap())
}

async fn r_name_spelling_certifying_statement_instead_of_a_late_correction(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let srv = with_smtp(backend, &smtp).await;
    let fx = fixture(&srv);
    set_locale(&srv, "pl078", "pl");
    srv.user(&fx.centre, "manager@pl078.example", Role::CentreManager);
    let http = client();
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    // Zofia Nowak's B2 First, released in October 2026, grade B.
    let release = Utc.with_ymd_and_hms(2026, 10, 1, 9, 0, 0).unwrap();
    let (entry, _) = add_entry(&srv, &fx.centre, &fx.a.2, "FCE", release, "graded", 175);
    let e: Value = http.get(srv.url(&format!("/api/v1/entries/{entry}"))).send().await.unwrap().json().await.unwrap();
    let session = e["session_id"].as_str().unwrap().to_owned();
    let statement = |csrf: String| {
        let (http, srv, entry) = (&http, &srv, &entry);
        async move {
            post(
                http,
                srv,
                &csrf,
                &format!("/api/v1/entries/{entry}/certifying-statement"),
                json!({"first_name": "Zofija", "family_name": "Nowakowska", "fee_minor": 12000}),
            )
            .await
        }
    };
    let (status, v) = statement(csrf.clone()).await;
    assert_eq!((status, v["error"]["code"].as_str()), (409, Some("certifying_statement_not_offered")), "{v}");

    // R-CERT-ARRIVAL: the certificate arrives; the email reaches the candidate in Polish.
    let (status, v) = post(&http, &srv, &csrf, &format!("/api/v1/sessions/{session}/certificates"), json!({})).await;
    assert_eq!((status, v["arrived"].as_u64()), (200, Some(1)), "{v}");
    let mail = decode_qp(&smtp.wait_for(1).await[0]);
    assert!(mail.contains("zofia@mail.example"), "{mail}");
    assert!(mail.contains("Twój certyfikat B2 First dotarł do ośrodka"), "the arrival email is in Polish: {mail}");
    assert!(!mail.contains("Your certificate"), "no English left: {mail}");

    // Within 2 years the name is corrected (for a fee), and no statement is offered.
    let (status, v) = statement(csrf.clone()).await;
    assert_eq!(status, 409, "{v}");

    // 2 years after the certificate: the correction is refused, the statement offered and issued.
    srv.clock.set(Utc.with_ymd_and_hms(2028, 11, 23, 10, 0, 0).unwrap());
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/name-correction"),
        json!({"first_name": "Zofija", "family_name": "Nowakowska"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(
        (v["corrected"].as_bool(), v["terms"].as_str(), v["certifying_statement_offered"].as_bool()),
        (Some(false), Some("refused"), Some(true)),
        "{v}"
    );
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/certifying-statement"),
        json!({"first_name": "Zofija", "family_name": "Nowakowska", "fee_minor": -1}),
    )
    .await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("fee_minor")), "{v}");
    let (status, v) = statement(csrf.clone()).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(
        (v["name_on_certificate"].as_str(), v["corrected_name"].as_str(), v["fee"].as_str()),
        (Some("Zofia Nowak"), Some("Zofija Nowakowska"), Some("120.00 PLN")),
        "{v}"
    );
    // The fee is the charge due on the entry, and the issue is audited.
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["certifying_statements"][0]["fee_minor"], 12000, "{d}");
    assert_eq!(d["candidate"]["family_name"], "Nowak", "the certificate's name stays as entered");
    let audit: Value = http
        .get(srv.url("/api/v1/audit?action=certificate.certifying_statement"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(audit.as_array().map(Vec::len), Some(1), "{audit}");

    // The PDF, in Polish: both names, the exam, the result and the certificate's date.
    let text = get_pdf(&http, &srv, &format!("/api/v1/entries/{entry}/certifying-statement")).await;
    for expected in ["Zaświadczenie", "Zofia Nowak", "Zofija Nowakowska", "B2 First", "175", "120,00", "2026"] {
        assert!(text.contains(expected), "{expected} in the statement:\n{text}");
    }
    assert!(!text.contains("Name as it should be"), "written in Polish:\n{text}");

    // The entry page offers it to staff.
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let page = staff.get(srv.url(&format!("/centre/entries/{entry}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("/centre/entries/{entry}/certifying-statement.pdf")), "{page}");
    assert!(page.contains("Należność: 120,00\u{a0}zł"), "the charge due, in Polish: {page}");
    // The page's form refuses a fee that is not an amount beside its own field.
    let token = csrf_of(&page);
    let res = staff
        .post(srv.url(&format!("/centre/entries/{entry}/do/certifying_statement")))
        .form(&[
            ("csrf", token.as_str()),
            ("statement_first_name", "Zofija"),
            ("statement_family_name", "Nowakowska"),
            ("statement_fee", "sto"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"id="statement_fee-error""#), "{html}");
    get_pdf(&staff, &srv, &format!("/centre/entries/{entry}/certifying-statement.pdf")).await;

    // The candidate downloads it from their results page; another entry id is not found.
    let (me, _) = activated(&srv, &fx.a, "zofia@mail.example").await;
    let home = me.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    let link = format!("/candidate/results/{entry}/certifying-statement.pdf");
    assert!(home.contains(&link), "{home}");
    let text = get_pdf(&me, &srv, &link).await;
    assert!(text.contains("Zofija Nowakowska") && text.contains("Zofia Nowak"), "{text}");
    let res = me.get(srv.url("/candidate/results/nope/certifying-statement.pdf")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    srv.stop().await;
}

async fn candidate_emails_are_written_in_the_candidates_language(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let srv = with_smtp(backend, &smtp).await;
    let centre = srv.tenant("hu012", TenantKind::Centre);
    set_locale(&srv, "hu012", "hu");
    srv.user(&centre, "manager@hu012.example", Role::CentreManager);
    let http = client();
    let csrf = api_login(&http, &srv, "hu012", "manager@hu012.example", PASSWORD).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/public/hu012/entries", adult(&session, "Réka", "Kovács")).await;
    assert_eq!(status, 201, "{v}");
    let mail = decode_qp(&smtp.wait_for(1).await[0]);
    assert!(mail.contains("reka@mail.example"), "{mail}");
    assert!(
        mail.contains("megkapta jelentkezését a(z) B2 First vizsgára"),
        "the acknowledgement is in Hungarian: {mail}"
    );
    assert!(!mail.contains("has received your entry"), "no English left: {mail}");
    srv.stop().await;
}
