//! The centre's documents (issue 15, part 6): the centre's manager sets its address and help
//! line on the settings page (a bad field is named in the centre's language and nothing is
//! stored); the Confirmation of Entry and the Statement of Results print the centre's name,
//! number, address and help line, the CoE the activation address and the organisation code, in
//! the centre's language and time zone, with no internal id; both are tagged PDFs with their
//! title and language, and the Statement still carries its credential.

use crate::both_backends;
use crate::candidate::signup_form;
use crate::centre::{adult, create_session, fce_session, import_csv, pdf_bytes, pdf_text, post, upload};
use crate::support::*;
use chrono::Duration;
use serde_json::Value;
use tessera_domain::{Role, TenantKind};
use tessera_storage::repo::tenants::{self, NewTenant};

both_backends!(the_centres_documents_name_it_in_its_language_and_are_tagged);

const PUBLIC_URL: &str = "https://wyniki.example";
const CENTRE_NAME: &str = "PL078 International House Katowice";

/// What `pdfinfo` (poppler) says of a PDF.
fn pdf_info(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out =
        std::process::Command::new("pdfinfo").arg(&path).output().expect("pdfinfo (poppler-utils) must be installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The PDF's structure tree with its text, as `pdfinfo -struct-text` prints it.
fn pdf_structure(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdfinfo").arg("-struct-text").arg(&path).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The value `pdfinfo` gives for `key` (e.g. `Title`).
fn info_value(info: &str, key: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no {key} in {info}"))
}

/// The UUIDs written in `text` (what an internal id looks like), outside links.
fn bare_uuids(text: &str) -> Vec<String> {
    text.split_whitespace()
        .filter(|w| !w.starts_with("http"))
        .flat_map(|w| w.split(|c: char| !(c.is_ascii_hexdigit() || c == '-')))
        .filter(|w| {
            let b = w.as_bytes();
            b.len() == 36
                && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
                && w.chars().filter(|c| *c == '-').count() == 4
        })
        .map(str::to_owned)
        .collect()
}

/// Posts the settings page's address and help line form.
async fn save_contact(
    http: &reqwest::Client,
    srv: &TestServer,
    address: &str,
    phone: &str,
    email: &str,
) -> (u16, String) {
    let page = http.get(srv.url("/centre/settings")).send().await.unwrap().text().await.unwrap();
    let form = [
        ("csrf", csrf_of(&page)),
        ("address", address.into()),
        ("help_phone", phone.into()),
        ("help_email", email.into()),
    ];
    let res = http.post(srv.url("/centre/settings/contact")).form(&form).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn contact_api(http: &reqwest::Client, srv: &TestServer) -> Value {
    http.get(srv.url("/api/v1/centre/contact")).send().await.unwrap().json().await.unwrap()
}

/// The checks both documents share: the centre's block, no internal id, tagged with its title.
fn assert_names_the_centre(pdf: &[u8], title: &str, internal_ids: &[&str]) -> String {
    let text = pdf_text(pdf);
    for shown in [
        CENTRE_NAME,
        "Twój ośrodek egzaminacyjny",
        "Numer ośrodka",
        "pl078",
        "ul. Jagiellońska 5, 40-032 Katowice, Polska",
        "Infolinia",
        "+48 32 258 00 00",
        "egzaminy@pl078.example",
    ] {
        assert!(text.contains(shown), "{shown} on the document: {text}");
    }
    for id in internal_ids {
        assert!(!text.contains(id), "no internal id ({id}): {text}");
    }
    assert_eq!(bare_uuids(&text), Vec::<String>::new(), "no internal id: {text}");
    let info = pdf_info(pdf);
    assert_eq!(info_value(&info, "Tagged"), "yes", "{info}");
    assert_eq!(info_value(&info, "Title"), title, "{info}");
    // In reading order: the title, then headings, tables with their row headers, paragraphs.
    let structure = pdf_structure(pdf);
    assert!(structure.starts_with(&format!("Document\n  H1 \"{title}\"")), "{structure}");
    // (poppler prints a heading's own title raw when it is not ASCII: its text is what counts.)
    let lines: Vec<&str> = structure.lines().collect();
    let centre_block = lines
        .iter()
        .position(|l| *l == "    \"Twój ośrodek egzaminacyjny\"")
        .unwrap_or_else(|| panic!("the centre's heading: {structure}"));
    assert!(lines[centre_block - 1].starts_with("  H2 "), "a heading: {structure}");
    let centre_block = structure.find("    \"Twój ośrodek egzaminacyjny\"").unwrap();
    let after = &structure[centre_block..];
    assert!(
        after.contains("TH:\n         /Scope /Row\n        \"Numer ośrodka\"\n      TD\n        \"pl078\""),
        "{structure}"
    );
    // pdf-writer writes compactly (`/Lang(pl)`); spaces are set aside to read it.
    let raw = String::from_utf8_lossy(pdf).replace(' ', "");
    assert!(raw.contains("/Lang(pl)"), "the catalog names the language");
    text
}

async fn the_centres_documents_name_it_in_its_language_and_are_tagged(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with_plugins_and(backend, move |c| {
        c.server.public_url = PUBLIC_URL.into();
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
    })
    .await;
    // A Polish centre, in Warsaw.
    let centre = {
        let mut c = srv.db().conn().unwrap();
        let new = NewTenant {
            slug: "pl078".into(),
            kind: TenantKind::Centre,
            name: CENTRE_NAME.into(),
            country: tessera_domain::Country::parse("PL").unwrap(),
            timezone: chrono_tz::Europe::Warsaw,
            locale: tessera_domain::Locale::Pl,
            status: "active",
        };
        tenants::create(&mut c, &new, start_instant()).unwrap()
    };
    srv.assign(&centre, "pl", &["refund", "photo", "identity", "eligibility", "deadlines", "retention"]);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    // Another centre, to show its settings stay its own.
    let other = srv.tenant("hu012", TenantKind::Centre);
    srv.user(&other, "manager@hu012.example", Role::CentreManager);
    let http = client();
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;

    // The settings page, in Polish, has no address yet.
    let page = http.get(srv.url("/centre/settings")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Adres i infolinia") && page.contains("Nie podano jeszcze adresu"), "{page}");
    assert!(page.contains("<dd>pl078</dd>"), "the centre number: {page}");

    // Each bad field is named in Polish, the form keeps what was typed, and nothing is stored.
    let address = "ul. Jagiellońska 5\n40-032 Katowice\nPolska";
    let cases = [
        (" \n ", "+48 32 258 00 00", "", "address", "Adres pocztowy: podaj wartość."),
        (address, "zadzwoń", "", "help_phone", "Telefon infolinii: numer telefonu z co najmniej 3 cyframi"),
        (address, "", "", "help_phone", "Telefon infolinii: podaj wartość."),
        (address, "+48 32 258 00 00", "egzaminy@", "help_email", "E-mail infolinii:"),
    ];
    for (a, p, e, field, message) in cases {
        let (status, body) = save_contact(&http, &srv, a, p, e).await;
        assert_eq!(status, 400, "{field}: {body}");
        assert!(body.contains(message), "{message}: {body}");
        assert!(body.contains(&format!(r##"<a href="#{field}">"##)), "the summary links {field}: {body}");
        assert!(body.contains(&format!(r#"id="{field}" name="{field}""#)) && body.contains(r#"aria-invalid="true""#));
        if field != "address" {
            assert!(body.contains("ul. Jagiellońska 5\n40-032 Katowice"), "what was typed is kept: {body}");
        }
        assert_eq!(contact_api(&http, &srv).await, Value::Null, "nothing stored after {field}");
    }
    // Staff read it but do not change it.
    let staff = client();
    api_login(&staff, &srv, "pl078", "staff@pl078.example", PASSWORD).await;
    let (status, _) = save_contact(&staff, &srv, address, "+48 32 258 00 00", "").await;
    assert_eq!(status, 404, "only the manager sets it");
    assert_eq!(contact_api(&http, &srv).await, Value::Null);

    let (status, body) = save_contact(&http, &srv, address, " +48 32 258 00 00 ", "Egzaminy@PL078.example").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Adres i infolinia zostały zapisane"), "{body}");
    assert!(body.contains("ul. Jagiellońska 5<br>40-032 Katowice<br>Polska"), "{body}");
    let stored = contact_api(&staff, &srv).await;
    assert_eq!(stored["address"], address, "{stored}");
    assert_eq!(
        (stored["help_phone"].as_str(), stored["help_email"].as_str()),
        (Some("+48 32 258 00 00"), Some("egzaminy@pl078.example"))
    );
    let elsewhere = client();
    api_login(&elsewhere, &srv, "hu012", "manager@hu012.example", PASSWORD).await;
    assert_eq!(contact_api(&elsewhere, &srv).await, Value::Null, "another centre's settings are its own");

    // A confirmed entry gets its Confirmation of Entry.
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let (_, r) = post(&http, &srv, &csrf, "/api/v1/entries", adult(&session, "Małgorzata", "Dąbrowska")).await;
    let entry = r["entry_id"].as_str().unwrap().to_owned();
    let payment = serde_json::json!({"amount_minor": 81000, "method": "cash"});
    post(&http, &srv, &csrf, &format!("/api/v1/entries/{entry}/payments"), payment).await;
    let (status, v) =
        upload(&http, &srv, &csrf, &entry, "photo_consent", ("c.pdf", "application/pdf", pdf_bytes())).await;
    assert_eq!((status, v["status"].as_str()), (200, Some("confirmed")), "{v}");
    let details: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    let candidate_id = details["candidate"]["id"].as_str().expect("the candidate's id").to_owned();
    let tenant_id = centre.id.to_string();
    let res =
        http.post(srv.url(&format!("/api/v1/entries/{entry}/coe"))).header("x-csrf-token", &csrf).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let id_number = res.headers()["x-candidate-id-number"].to_str().unwrap().to_owned();
    let coe = res.bytes().await.unwrap();
    let ids = [entry.as_str(), session.as_str(), tenant_id.as_str(), candidate_id.as_str()];
    let text = assert_names_the_centre(&coe, "Potwierdzenie rejestracji (Confirmation of Entry)", &ids);
    // In Polish and the centre's time zone: the release at 09:00 in London is 10:00 in Warsaw.
    assert!(text.contains("Małgorzata Dąbrowska") && text.contains(&id_number), "{text}");
    assert!(text.contains("12 grudnia 2026 (sobota)") && !text.contains("2026-12-12"), "{text}");
    assert!(text.contains("16 stycznia 2027, 10:00 CET (czas lokalny,") && text.contains("Europe/Warsaw)"), "{text}");
    // The activation address and the organisation code to type.
    let activation = format!("{PUBLIC_URL}/t/pl078/signup");
    let line =
        |label: &str| text.lines().find(|l| l.contains(label)).unwrap_or_else(|| panic!("{label}: {text}")).to_owned();
    assert!(line("Aktywuj konto pod adresem").contains(&activation), "{text}");
    assert!(line("Kod organizacji").split_whitespace().any(|w| w == "pl078"), "{text}");
    let secret = line("Numer tajny")
        .split_whitespace()
        .find(|w| w.len() == 6 && w.bytes().all(|b| b.is_ascii_digit()))
        .expect("the secret number")
        .to_owned();

    // The email that carries the CoE gives the centre's address and help line too.
    let mails = smtp.wait_for(2).await;
    let mail = decode_qp(mails.iter().find(|m| m.contains("confirmation-of-entry-0001.pdf")).expect("the CoE email"));
    assert!(
        mail.contains("Adres: ul. Jagiellońska 5, 40-032 Katowice, Polska")
            && mail.contains("Infolinia: +48 32 258 00 00, egzaminy@pl078.example"),
        "{mail}"
    );

    // The candidate follows the CoE: the activation address (on this server), the ID number and
    // the secret number, then signs in with the organisation code.
    let me = client();
    let path = activation.strip_prefix(PUBLIC_URL).unwrap();
    assert_eq!(path, "/t/pl078/signup", "the activation page of this server");
    let page = me.get(srv.url(path)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("Problem z aktywacją konta? Zadzwoń na infolinię ośrodka PL078 International House Katowice: +48 32 258 00 00, egzaminy@pl078.example"),
        "the activation page gives the help line: {page}"
    );
    let res = signup_form(&me, &srv, "pl078", &id_number, &secret, "malgorzata@mail.example", PASSWORD, &[]).await;
    assert_eq!(res.status(), 201, "activated at {path}: {}", res.text().await.unwrap());

    // After the exam and the release, the Statement of Results.
    srv.advance(Duration::days(60));
    let csrf = api_login(&http, &srv, "pl078", "manager@pl078.example", PASSWORD).await;
    let csv = "candidate_number,status,overall_score,grade,cefr,Reading,Use of English,Writing,Listening,Speaking\n0001,graded,176,B,B2,170,175,180,172,183\n";
    assert_eq!(import_csv(&http, &srv, &csrf, &session, csv).await, 200);
    api_login(&me, &srv, "pl078", &id_number, PASSWORD).await;
    let res = me.get(srv.url(&format!("/candidate/results/{entry}/statement.pdf"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let sor = res.bytes().await.unwrap();
    let text = assert_names_the_centre(&sor, "Wyniki egzaminu (Statement of Results)", &ids);
    assert!(text.contains("Małgorzata Dąbrowska") && text.contains("176"), "{text}");
    let structure = pdf_structure(&sor);
    assert!(
        structure.contains("  Figure\n") && structure.contains("  Caption\n    \"Zeskanuj"),
        "the QR code: {structure}"
    );
    // The seal still holds: the credential is attached.
    let files = tessera_credentials::pdf::attachments(&sor).unwrap();
    assert_eq!(files.len(), 1, "the credential is attached");
    srv.stop().await;
}

/// The demo centres have an address and a help line, shown on their settings page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_centres_have_an_address_and_a_help_line() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    for (slug, address, phone) in
        [("pl078", "ul. Jagiellońska 5", "+48 32 258 00 00"), ("hu012", "Bartók Béla út 12.", "+36 1 234 5678")]
    {
        let http = client();
        let login = format!("manager@{slug}.example");
        api_login(&http, &srv, slug, &login, tessera_daemon::demo::DEMO_PASSWORD).await;
        let page = http.get(srv.url("/centre/settings")).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(address) && page.contains(phone), "{slug}: {page}");
    }
    srv.stop().await;
}
