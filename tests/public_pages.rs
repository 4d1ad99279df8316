//! R-PUBLIC-CALENDAR: a centre's public pages, with no account: the session calendar (fee, late
//! fee, registration deadline, places left), the regulations the public entry form asks to
//! accept, and the forms staff publish for download.

use crate::both_backends;
use crate::centre::{adult, create_session, fce_session, pdf_bytes, polish_centre, post};
use crate::support::*;
use serde_json::{Value, json};
use tessera_domain::TenantKind;

both_backends!(
    r_public_calendar_shows_fees_deadlines_and_places_left,
    r_public_calendar_regulations_are_accepted_on_the_public_form,
    r_public_calendar_forms_are_published_listed_and_downloaded
);

async fn calendar(srv: &TestServer) -> Vec<Value> {
    let res = client().get(srv.url("/api/v1/public/pl078/calendar")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn r_public_calendar_shows_fees_deadlines_and_places_left(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(2, 1)).await;
    let cal = calendar(&srv).await;
    assert_eq!(cal.len(), 1, "{cal:?}");
    let s = &cal[0];
    assert_eq!(
        (s["id"].as_str(), s["exam_name"].as_str(), s["fee_minor"].as_i64(), s["late_fee_minor"].as_i64()),
        (Some(session.as_str()), Some("B2 First"), Some(81000), Some(15000)),
        "{s}"
    );
    assert_eq!((s["registration_closes"].as_str(), s["places_left"].as_i64()), (Some("2026-12-01"), Some(2)), "{s}");

    // The page, with no account: exam, date, fees, deadline and places left, in words.
    let visitor = client();
    let page = visitor.get(srv.url("/t/pl078/calendar")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    for text in
        ["B2 First", "12 December 2026", "810.00\u{a0}PLN", "150.00\u{a0}PLN", "1 December 2026", "10 December 2026"]
    {
        assert!(page.contains(text), "{text} on the calendar:\n{page}");
    }
    assert!(page.contains("<td>2</td>"), "2 places left:\n{page}");

    // An entry takes a place; a cancelled entry would give it back (only entries that count).
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", adult(&session, "Łucja", "Nowak")).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(calendar(&srv).await[0]["places_left"], 1);
    let page = visitor.get(srv.url("/t/pl078/calendar")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<td>1</td>"), "1 place left:\n{page}");
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", adult(&session, "Olga", "Lis")).await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(calendar(&srv).await[0]["places_left"], 0);
    let page = visitor.get(srv.url("/t/pl078/calendar")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Full"), "a full session says so:\n{page}");
    // Another tenant's address is not a centre's calendar.
    assert_eq!(visitor.get(srv.url("/t/nope/calendar")).send().await.unwrap().status(), 404);
    srv.stop().await;
}

async fn r_public_calendar_regulations_are_accepted_on_the_public_form(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    let session = create_session(&http, &srv, &csrf, fce_session(10, 1)).await;
    let visitor = client();
    assert_eq!(visitor.get(srv.url("/api/v1/public/pl078/regulations")).send().await.unwrap().status(), 404);

    // Staff write the regulations through the API; an empty text is refused by its field.
    let put = |body: Value| {
        let (http, srv, csrf) = (&http, &srv, &csrf);
        async move {
            let res =
                http.put(srv.url("/api/v1/regulations")).header("x-csrf-token", csrf).json(&body).send().await.unwrap();
            (res.status().as_u16(), res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, v) = put(json!({"body": "  "})).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("regulations")), "{v}");
    let (status, regs) =
        put(json!({"body": "1. Candidates arrive 30 minutes early.\n\n2. Phones stay in the cloakroom."})).await;
    assert_eq!(status, 200, "{regs}");
    let version = regs["updated_at"].as_str().unwrap().to_owned();
    let public: Value =
        visitor.get(srv.url("/api/v1/public/pl078/regulations")).send().await.unwrap().json().await.unwrap();
    assert_eq!(public["updated_at"].as_str(), Some(version.as_str()));
    let page = visitor.get(srv.url("/t/pl078/regulations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<p>2. Phones stay in the cloakroom.</p>"), "{page}");

    // The public API refuses an entry without the regulations accepted, naming the field.
    let mut body = adult(&session, "Igor", "Mazur");
    body["regulations_accepted"] = json!(false);
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/public/pl078/entries", body.clone()).await;
    assert_eq!((status, v["error"]["field"].as_str()), (400, Some("regulations_accepted")), "{v}");
    assert_eq!(v["error"]["code"], "regulations_not_accepted");

    // The page form: unticked, it comes back with the error by the box; ticked, it is taken.
    let page = visitor.get(srv.url("/t/pl078/enter")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("I accept the regulations") && page.contains("/t/pl078/regulations"), "{page}");
    let token = csrf_of(&page);
    let mut form = vec![
        ("csrf", token.as_str()),
        ("session_id", session.as_str()),
        ("first_name", "Żaneta"),
        ("family_name", "Kwiatkowska"),
        ("date_of_birth", "2001-02-03"),
        ("email", "zaneta@mail.example"),
        ("email_again", "zaneta@mail.example"),
        ("phone", ""),
        ("nationality", "PL"),
        ("id_document_type", "passport"),
        ("id_document_number", "EA1234567"),
        ("guardian_name", ""),
        ("guardian_contact", ""),
        ("special_arrangements", ""),
    ];
    let res = visitor.post(srv.url("/t/pl078/enter")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("You need to accept the centre&#x27;s regulations to enter.")
            || html.contains("You need to accept the centre's regulations to enter."),
        "{html}"
    );
    assert!(html.contains(r##"href="#regulations_accepted""##) && html.contains(r#"aria-invalid="true""#), "{html}");
    form.push(("regulations_accepted", "yes"));
    let res = visitor.post(srv.url("/t/pl078/enter")).form(&form).send().await.unwrap();
    assert_eq!(res.status(), 201);

    // The acceptance and the version accepted are recorded with the entry.
    let entries: Value =
        http.get(srv.url(&format!("/api/v1/sessions/{session}/entries"))).send().await.unwrap().json().await.unwrap();
    let entry = entries.as_array().unwrap()[0]["id"].as_str().unwrap().to_owned();
    let d: Value =
        http.get(srv.url(&format!("/api/v1/entries/{entry}/details"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(d["regulations_acceptance"]["regulations_updated_at"].as_str(), Some(version.as_str()), "{d}");
    // Staff entering a candidate themselves are not asked.
    body["first_name"] = json!("Adam");
    let (status, v) = post(&http, &srv, &csrf, "/api/v1/entries", body).await;
    assert_eq!(status, 201, "{v}");

    // The staff page edits the same text.
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let page = staff.get(srv.url("/centre/public")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Phones stay in the cloakroom."), "{page}");
    let token = csrf_of(&page);
    let res = staff
        .post(srv.url("/centre/public/regulations"))
        .form(&[("csrf", token.as_str()), ("regulations", "3. Bring a pencil.")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let public: Value =
        visitor.get(srv.url("/api/v1/public/pl078/regulations")).send().await.unwrap().json().await.unwrap();
    assert_eq!(public["body"], "3. Bring a pencil.");
    srv.stop().await;
}

async fn put_form(
    http: &reqwest::Client,
    srv: &TestServer,
    csrf: &str,
    kind: &str,
    ct: &str,
    bytes: Vec<u8>,
) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("form.pdf").mime_str(ct).unwrap());
    let res = http
        .put(srv.url(&format!("/api/v1/public-forms/{kind}")))
        .header("x-csrf-token", csrf)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn r_public_calendar_forms_are_published_listed_and_downloaded(backend: Backend) {
    let (srv, http, csrf) = polish_centre(backend).await;
    srv.tenant("hu012", TenantKind::Centre);
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    // A file that is not a PDF by its bytes is refused, whatever it claims to be.
    let (status, v) = put_form(&http, &srv, &csrf, "withdrawal", "application/pdf", png).await;
    assert_eq!((status, v["error"]["field"].as_str()), (415, Some("file")), "{v}");
    let (status, v) = put_form(&http, &srv, &csrf, "homework", "application/pdf", pdf_bytes()).await;
    assert_eq!(status, 404, "a kind that does not exist is not found: {v}");
    let (status, v) = put_form(&http, &srv, &csrf, "withdrawal", "application/pdf", pdf_bytes()).await;
    assert_eq!((status, v["kind"].as_str()), (200, Some("withdrawal")), "{v}");

    // Anyone lists and downloads it.
    let visitor = client();
    let list: Value = visitor.get(srv.url("/api/v1/public/pl078/forms")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["kind"], "withdrawal");
    for path in ["/t/pl078/forms/withdrawal", "/api/v1/public/pl078/forms/withdrawal"] {
        let res = visitor.get(srv.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "application/pdf");
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf_bytes(), "{path}");
    }
    let page = visitor.get(srv.url("/t/pl078/calendar")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"href="/t/pl078/forms/withdrawal">Withdrawal</a>"#), "{page}");

    // Another centre's address does not serve it; an unpublished kind is not found either.
    for path in [
        "/t/hu012/forms/withdrawal",
        "/api/v1/public/hu012/forms/withdrawal",
        "/t/pl078/forms/bereavement",
        "/t/pl078/forms/nonsense",
    ] {
        assert_eq!(visitor.get(srv.url(path)).send().await.unwrap().status(), 404, "{path}");
    }

    // The staff page publishes one too (multipart with the anti-forgery token); a wrong type is
    // refused beside the file input.
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    let page = staff.get(srv.url("/centre/public")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"<label for="file">"#), "the file input is labelled: {page}");
    let token = csrf_of(&page);
    let upload = |bytes: Vec<u8>| {
        reqwest::multipart::Form::new().text("csrf", token.clone()).text("kind", "bereavement").part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("bereavement.pdf").mime_str("application/pdf").unwrap(),
        )
    };
    let res = staff.post(srv.url("/centre/public/forms")).multipart(upload(b"GIF89a".to_vec())).send().await.unwrap();
    assert_eq!(res.status(), 415);
    assert!(res.text().await.unwrap().contains(r#"id="file-error""#));
    let res = staff.post(srv.url("/centre/public/forms")).multipart(upload(pdf_bytes())).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(visitor.get(srv.url("/t/pl078/forms/bereavement")).send().await.unwrap().status(), 200);
    srv.stop().await;
}
