//! R-PAYMENT-TITLE: the centre's bank account, the amount and the transfer title in the
//! entry-received email (through a real SMTP server); bank transfers whose title or amount does
//! not match stored but flagged (entry page, API, centre home page); the payment history; and a
//! refund paid by the method the candidate chose.

use crate::both_backends;
use crate::centre::{adult, create_session, fce_session, new_entry, polish_centre, post};
use crate::support::*;
use serde_json::{Value, json};
use tessera_domain::{Role, TenantKind};

both_backends!(
    r_payment_title_email_gives_account_amount_and_title,
    r_payment_title_flags_mismatched_transfers_and_lists_the_history,
    refund_is_paid_by_the_method_the_candidate_chose
);

const IBAN: &str = "PL61 1090 1014 0000 0712 1981 2874";

async fn put(http: &reqwest::Client, srv: &TestServer, csrf: &str, path: &str, body: Value) -> (u16, Value) {
    let res = http.put(srv.url(path)).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn details(http: &reqwest::Client, srv: &TestServer, entry: &str) -> Value {
    let res = http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn page(http: &reqwest::Client, srv: &TestServer, path: &str) -> String {
    let res = http.get(srv.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

async fn transfer(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    entry: &str,
    amount: i64,
    title: &str,
) -> Value {
    let body = json!({"amount_minor": amount, "method": "bank_transfer", "transfer_title": title});
    let (status, v) = post(http, srv, csrf, &format!("/api/v1/entries/{entry}/payments"), body).await;
    assert_eq!(status, 200, "{v}");
    v
}

/// R-PAYMENT-TITLE: the centre sets its bank account (a bad IBAN refused by field); the
/// entry-received email gives the account, the amount and the title "<full name>, <exam>".
async fn r_payment_title_email_gives_account_amount_and_title(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let dist = std::env::var("TESSERA_PLUGINS_DIST").expect("TESSERA_PLUGINS_DIST");
    let srv = TestServer::start_with(backend, move |c| {
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
    .await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.assign(&centre, "pl", &["photo", "eligibility"]);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    let http = client();
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;

    let res = http.get(srv.url("/api/v1/centre/bank-account")).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap(), Value::Null, "no account yet");
    let account = json!({"iban": "PL62 1090 1014 0000 0712 1981 2874", "account_holder": "IH Katowice", "bank_name": "Santander"});
    let (status, v) = put(&http, &srv, &csrf, "/api/v1/centre/bank-account", account).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("iban")), "wrong check digits: {v}");
    let (status, v) = put(
        &http,
        &srv,
        &csrf,
        "/api/v1/centre/bank-account",
        json!({"iban": IBAN, "account_holder": " ", "bank_name": "Santander"}),
    )
    .await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("account_holder")), "{v}");
    let account = json!({"iban": "pl61109010140000071219812874", "account_holder": "International House Katowice", "bank_name": "Santander Bank Polska"});
    let (status, v) = put(&http, &srv, &csrf, "/api/v1/centre/bank-account", account).await;
    assert_eq!((status, v["iban"].as_str()), (200, Some(IBAN)), "{v}");
    // Staff read it; only a manager changes it.
    let staff = client();
    let staff_csrf = api_login(&staff, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    let v: Value = staff.get(srv.url("/api/v1/centre/bank-account")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["account_holder"], "International House Katowice");
    let (status, _) = put(
        &staff,
        &srv,
        &staff_csrf,
        "/api/v1/centre/bank-account",
        json!({"iban": IBAN, "account_holder": "X", "bank_name": "Y"}),
    )
    .await;
    assert_eq!(status, 404);
    let settings = page(&http, &srv, "/centre/settings").await;
    assert!(settings.contains(IBAN) && settings.contains("Santander Bank Polska"), "{settings}");
    // The page refuses a bad IBAN beside its field and keeps the account.
    let res = http
        .post(srv.url("/centre/settings/bank-account"))
        .form(&[
            ("csrf", csrf_of(&settings).as_str()),
            ("iban", "PL00 0000"),
            ("account_holder", "X"),
            ("bank_name", "Y"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains(r#"id="iban" name="iban" value="PL00 0000" required aria-invalid="true""#), "{body}");
    let v: Value = http.get(srv.url("/api/v1/centre/bank-account")).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["iban"], IBAN, "nothing changed");

    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let (status, receipt) =
        post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", adult(&session, "Łukasz", "Żółć")).await;
    assert_eq!(status, 201, "{receipt}");
    let mails = smtp.wait_for(1).await;
    let mail = decode_qp(mails.iter().find(|m| m.contains("lukasz@mail.example")).expect("the entry email"));
    assert!(mail.contains(IBAN), "the account: {mail}");
    assert!(mail.contains("International House Katowice") && mail.contains("Santander Bank Polska"), "{mail}");
    assert!(mail.contains("810.00\u{a0}PLN"), "the amount: {mail}");
    assert!(mail.contains("The transfer title must be: Łukasz Żółć, FCE"), "the title: {mail}");
    srv.stop().await;
}

/// R-PAYMENT-TITLE: a transfer whose title matches once case, spaces, accents and punctuation are
/// set aside is not flagged; a wrong title or a wrong amount is stored but flagged, with its reason
/// on the entry page, in the entry's API read model and in the list of flagged payments (API and
/// home page); the payment history lists every payment.
async fn r_payment_title_flags_mismatched_transfers_and_lists_the_history(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let good = new_entry(&http, &srv, &csrf, &session, "Łukasz", "Nowak").await;
    let wrong_title = new_entry(&http, &srv, &csrf, &session, "Jan", "Kowalski").await;
    let wrong_amount = new_entry(&http, &srv, &csrf, &session, "Ewa", "Lis").await;

    transfer(&http, &srv, &csrf, &good, 81000, "  LUKASZ nowak - fce. ").await;
    let d = details(&http, &srv, &good).await;
    assert_eq!(d["payments"][0]["flagged"], false, "{d}");
    assert_eq!(d["payments"][0]["expected_title"], "Łukasz Nowak, FCE");

    transfer(&http, &srv, &csrf, &wrong_title, 81000, "Jan Kowalsky, FCE").await;
    let d = details(&http, &srv, &wrong_title).await;
    assert_eq!(
        (d["payments"][0]["flagged"].as_bool(), &d["payments"][0]["flags"]),
        (Some(true), &json!(["title_mismatch"])),
        "{d}"
    );

    transfer(&http, &srv, &csrf, &wrong_amount, 50000, "Ewa Lis, FCE").await;
    // The rest arrives in cash: not a transfer, not checked.
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{wrong_amount}/payments"),
        json!({"amount_minor": 31000, "method": "cash"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let d = details(&http, &srv, &wrong_amount).await;
    let history = d["payments"].as_array().unwrap();
    assert_eq!(history.len(), 2, "the history lists every payment: {d}");
    // The test clock stands still: both were recorded at the same instant, in either order.
    let by = |m: &str| history.iter().find(|p| p["method"] == m).unwrap();
    let (transfer_row, cash_row) = (by("bank_transfer"), by("cash"));
    assert_eq!(
        (&transfer_row["flags"], transfer_row["amount_due_minor"].as_i64()),
        (&json!(["amount_mismatch"]), Some(81000))
    );
    assert_eq!(cash_row["flagged"], false);

    let flagged: Value = http.get(srv.url("/api/v1/payments/flagged")).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> = flagged.as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{flagged}");
    assert!(names.contains(&"Jan Kowalski") && names.contains(&"Ewa Lis"), "{flagged}");

    let entry_page = page(&http, &srv, &format!("/centre/entries/{wrong_title}")).await;
    assert!(entry_page.contains("The title does not match: expected “Jan Kowalski, FCE”."), "{entry_page}");
    assert!(entry_page.contains("Jan Kowalsky, FCE"));
    let entry_page = page(&http, &srv, &format!("/centre/entries/{wrong_amount}")).await;
    assert!(entry_page.contains("The amount is not the 810"), "{entry_page}");
    assert!(entry_page.contains("Cash") && entry_page.contains("Bank transfer"), "both payments shown");
    let entry_page = page(&http, &srv, &format!("/centre/entries/{good}")).await;
    assert!(entry_page.contains("Matches") && !entry_page.contains("does not match"), "{entry_page}");
    let home = page(&http, &srv, "/centre").await;
    assert!(
        home.contains("Bank transfers to check") && home.contains("Jan Kowalski") && home.contains("Ewa Lis"),
        "{home}"
    );
    assert!(!home.contains("Łukasz Nowak"), "a matching transfer is not listed");
    srv.stop().await;
}

/// A refund is paid by the method the candidate chose (the regulations: a bank transfer or cash at
/// the centre): the request records the method and the account, the payout how and when it was
/// paid, both shown on the entry page and in the API.
async fn refund_is_paid_by_the_method_the_candidate_chose(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let entry = new_entry(&http, &srv, &csrf, &session, "Olga", "Mazur").await;
    let (status, v) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{entry}/payments"),
        json!({"amount_minor": 81000, "method": "cash"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let path = format!("/api/v1/entries/{entry}/refunds");
    let request = |method: Value, account: Value| {
        json!({"reason": {"type": "illness"}, "request_date": "2026-12-14", "documents_received_date": "2026-12-26",
               "documents": ["refund_request_form", "medical_certificate_on_centre_form"],
               "payout_method": method, "payout_account": account})
    };
    let (status, v) = post(&http, &srv, &csrf, &path, request(json!("bank_transfer"), Value::Null)).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("payout_account")), "{v}");
    let (status, v) = post(&http, &srv, &csrf, &path, request(json!("cheque"), Value::Null)).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("payout_method")), "{v}");
    let (status, v) = post(&http, &srv, &csrf, &path, request(json!("bank_transfer"), json!("PL00 1234"))).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("payout_account")), "{v}");
    let (status, r) = post(&http, &srv, &csrf, &path, request(json!("bank_transfer"), json!(IBAN))).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!((r["payout_method"].as_str(), r["payout_account"].as_str()), (Some("bank_transfer"), Some(IBAN)));
    let id = r["id"].as_str().unwrap().to_owned();
    let res = http
        .post(srv.url(&format!("/api/v1/refunds/{id}/confirm")))
        .header("x-csrf-token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let page_before = page(&http, &srv, &format!("/centre/entries/{entry}")).await;
    assert!(page_before.contains("Bank transfer to an account") && page_before.contains(IBAN), "{page_before}");
    let res = http
        .post(srv.url(&format!("/api/v1/refunds/{id}/payout")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"method": "bank_transfer", "paid_on": "bad"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<Value>().await.unwrap()["error"]["field"], "paid_on");
    let res = http
        .post(srv.url(&format!("/api/v1/refunds/{id}/payout")))
        .header("x-csrf-token", &csrf)
        .json(&json!({"method": "bank_transfer", "paid_on": "2026-12-28"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let d = details(&http, &srv, &entry).await;
    let refund = &d["refunds"][0];
    assert_eq!(
        (refund["status"].as_str(), refund["paid_method"].as_str(), refund["paid_on"].as_str()),
        (Some("paid"), Some("bank_transfer"), Some("2026-12-28")),
        "{d}"
    );
    let after = page(&http, &srv, &format!("/centre/entries/{entry}")).await;
    assert!(after.contains("Paid on") && after.contains("Bank transfer to an account"), "{after}");
    assert!(!after.contains("2026-12-28"), "the date through the tenant's format, not ISO: {after}");

    // The same through the entry page's forms: a refund in cash at the centre, paid on a given day.
    let other = new_entry(&http, &srv, &csrf, &session, "Igor", "Bąk").await;
    let (status, _) = post(
        &http,
        &srv,
        &csrf,
        &format!("/api/v1/entries/{other}/payments"),
        json!({"amount_minor": 81000, "method": "cash"}),
    )
    .await;
    assert_eq!(status, 200);
    let form_page = page(&http, &srv, &format!("/centre/entries/{other}")).await;
    let token = csrf_of(&form_page);
    let res = http
        .post(srv.url(&format!("/centre/entries/{other}/refunds")))
        .form(&[
            ("csrf", token.as_str()),
            ("reason", "illness"),
            ("relation", ""),
            ("request_date", "2026-12-14"),
            ("documents_received_date", "2026-12-26"),
            ("documents", "refund_request_form, medical_certificate_on_centre_form"),
            ("payout_method", "bank_transfer"),
            ("payout_account", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "a transfer needs the account");
    let body = res.text().await.unwrap();
    assert!(body.contains(r#"id="payout_account" name="payout_account" aria-invalid="true""#), "{body}");
    let res = http
        .post(srv.url(&format!("/centre/entries/{other}/refunds")))
        .form(&[
            ("csrf", token.as_str()),
            ("reason", "illness"),
            ("relation", ""),
            ("request_date", "2026-12-14"),
            ("documents_received_date", "2026-12-26"),
            // The page's boxes for the documents received.
            ("document_refund_request_form", "yes"),
            ("document_medical_certificate_on_centre_form", "yes"),
            ("payout_method", "cash"),
            ("payout_account", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        form_page.contains("name=\"document_refund_request_form\"")
            && !form_page.contains("placeholder=\"refund_request_form")
    );
    let asked = details(&http, &srv, &other).await["refunds"][0].clone();
    assert_eq!(asked["documents"], json!(["medical_certificate_on_centre_form", "refund_request_form"]), "{asked}");
    let refund = asked["id"].as_str().unwrap().to_owned();
    for (step, form) in
        [("confirm", vec![("confirmed", "yes")]), ("payout", vec![("method", "cash"), ("paid_on", "2026-12-29")])]
    {
        let mut fields = vec![("csrf", token.as_str())];
        fields.extend(form);
        let res = http.post(srv.url(&format!("/centre/refunds/{refund}/{step}"))).form(&fields).send().await.unwrap();
        assert_eq!(res.status(), 303, "{step}");
    }
    let d = details(&http, &srv, &other).await;
    assert_eq!(
        (
            d["refunds"][0]["payout_method"].as_str(),
            d["refunds"][0]["paid_method"].as_str(),
            d["refunds"][0]["paid_on"].as_str()
        ),
        (Some("cash"), Some("cash"), Some("2026-12-29")),
        "{d}"
    );
    let after = page(&http, &srv, &format!("/centre/entries/{other}")).await;
    assert!(after.contains("Cash at the centre"), "{after}");
    srv.stop().await;
}
