//! Refusals in the reader's language: the API answers `{"error": {code, message, field}}` with
//! the message in the language of the caller's centre (or of `Accept-Language`), naming the field
//! by its label, never by its key; a page shows the message beside the field it is about
//! (`aria-invalid`, `aria-describedby`) and an error summary at the top linking to it.

use crate::both_backends;
use crate::centre::{fce_session, post};
use crate::support::*;
use serde_json::Value;
use tessera_domain::{Locale, Role, TenantKind};
use tessera_storage::repo::tenants::{self, NewTenant};

/// A centre working in `locale`, with a signed-in manager (API) and the manager's browser.
async fn centre_in(srv: &TestServer, slug: &str, locale: Locale) -> (reqwest::Client, String, reqwest::Client) {
    let centre = {
        let mut c = srv.db().conn().unwrap();
        let new = NewTenant {
            slug: slug.into(),
            kind: TenantKind::Centre,
            name: format!("Centre {slug}"),
            country: tessera_domain::Country::parse("PL").unwrap(),
            timezone: chrono_tz::Europe::Warsaw,
            locale,
            status: "active",
        };
        tenants::create(&mut c, &new, start_instant()).unwrap()
    };
    let login_name = format!("manager@{slug}.example");
    srv.user(&centre, &login_name, Role::CentreManager);
    let api = client();
    let csrf = api_login(&api, srv, slug, &login_name, PASSWORD).await;
    let browser = client();
    assert_eq!(login(&browser, srv, slug, &login_name, PASSWORD).await.status(), 303);
    (api, csrf, browser)
}

/// The words each language uses for what the tests provoke.
struct Words {
    locale: Locale,
    /// The label of `late_entry_deadline`.
    late_entry_deadline: &'static str,
    /// The label of `registration_closes`.
    registration_closes: &'static str,
    /// The label of the fee on the session form.
    fee: &'static str,
    /// The heading of the error summary.
    summary: &'static str,
}

const LANGUAGES: [Words; 3] = [
    Words {
        locale: Locale::Pl,
        late_entry_deadline: "Termin zgłoszeń spóźnionych",
        registration_closes: "Koniec rejestracji",
        fee: "Opłata",
        summary: "Wystąpił problem",
    },
    Words {
        locale: Locale::Hu,
        late_entry_deadline: "Késedelmes jelentkezés határideje",
        registration_closes: "Jelentkezés vége",
        fee: "Díj",
        summary: "Probléma merült fel",
    },
    Words {
        locale: Locale::It,
        late_entry_deadline: "Termine per le iscrizioni tardive",
        registration_closes: "Chiusura delle iscrizioni",
        fee: "Quota",
        summary: "Si è verificato un problema",
    },
];

/// The opening tag of the form control with `id`.
fn control<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no control {id}:\n{html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = at + html[at..].find('>').unwrap();
    &html[start..=end]
}

async fn refusals_are_translated_and_name_their_field(backend: Backend) {
    let srv = TestServer::start(backend).await;
    for (i, words) in LANGUAGES.iter().enumerate() {
        let slug = format!("c{i}-{}", words.locale);
        let (api, csrf, browser) = centre_in(&srv, &slug, words.locale).await;

        // API: a late-entry deadline before the close of registration.
        let mut session = fce_session(20, 1);
        session["late_entry_deadline"] = "2026-11-20".into();
        let (status, v) = post(&api, &srv, &csrf, "/api/v1/sessions", session.clone()).await;
        assert_eq!(status, 400, "{v}");
        assert_eq!(
            (v["error"]["code"].as_str(), v["error"]["field"].as_str()),
            (Some("date_order"), Some("late_entry_deadline"))
        );
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(words.late_entry_deadline) && message.contains(words.registration_closes),
            "{}: {message}",
            words.locale
        );
        assert!(!message.contains("late_entry_deadline") && !message.contains("registration_closes"), "{message}");

        // An API client may ask for another language.
        let res = api
            .post(srv.url("/api/v1/sessions"))
            .header("x-csrf-token", &csrf)
            .header("accept-language", "en-GB,en;q=0.8")
            .json(&session)
            .send()
            .await
            .unwrap();
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["error"]["message"], "Late entry deadline must not be before Registration closes.", "{v}");

        // A page: a fee that is not an amount, shown beside the fee and in the summary.
        let page = browser.get(srv.url("/centre/sessions/new")).send().await.unwrap().text().await.unwrap();
        let res = browser
            .post(srv.url("/centre/sessions/new"))
            .form(&session_page_form(&csrf_of(&page), "20", "2026-12-12", "abc"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400);
        let html = res.text().await.unwrap();
        let fee = control(&html, "fee");
        assert!(fee.contains("aria-invalid=\"true\"") && fee.contains("aria-describedby=\"fee-error\""), "{fee}");
        let at = html.find("id=\"fee-error\"").unwrap_or_else(|| panic!("no message beside the fee:\n{html}"));
        let beside = &html[at..at + html[at..].find("</p>").unwrap()];
        assert!(beside.contains(words.fee) && beside.contains("abc"), "{}: {beside}", words.locale);
        assert!(!beside.contains("is not an amount"), "not English: {beside}");
        let summary_at = html.find("class=\"error-summary").unwrap_or_else(|| panic!("no summary:\n{html}"));
        assert!(
            summary_at < html.find("action=\"/centre/sessions/new\"").unwrap(),
            "the summary comes before the form"
        );
        let summary = &html[summary_at..summary_at + html[summary_at..].find("</div>").unwrap()];
        assert!(summary.contains(words.summary) && summary.contains("href=\"#fee\""), "{summary}");
        assert!(summary.contains(words.fee), "{summary}");
        // Only the field at fault is marked.
        assert!(!control(&html, "capacity").contains("aria-invalid"), "{html}");
    }
    srv.stop().await;
}

both_backends!(refusals_are_translated_and_name_their_field);

async fn the_openapi_document_lists_every_error_code(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let doc: Value = client().get(srv.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let codes = &doc["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["enum"];
    let codes: Vec<&str> =
        codes.as_array().unwrap_or_else(|| panic!("{doc}")).iter().filter_map(Value::as_str).collect();
    assert_eq!(codes.len(), tessera_domain::ErrorCode::ALL.len());
    for code in
        ["not_found", "invalid_input", "csrf_failed", "rate_limited", "policy_failed", "date_order", "invalid_amount"]
    {
        assert!(codes.contains(&code), "{code}: {codes:?}");
    }
    srv.stop().await;
}

both_backends!(the_openapi_document_lists_every_error_code);
