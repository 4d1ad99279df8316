//! Bulk downloads as pages, driven as a browser would (R-BULK-DOWNLOAD): results ticked in the
//! shared list or search results come back as one zip of PDFs or a data file from the default or
//! a custom template; custom templates are made and deleted on their page; the history lists
//! every download with a working re-download link; another organisation sees none of it.

use crate::both_backends;
use crate::support::*;
use crate::verifier::{share, until, world};
use crate::verifier_bulk::unzip;
use serde_json::Value;

/// The body of a page that must answer 200.
pub async fn page(http: &reqwest::Client, srv: &TestServer, path: &str) -> String {
    let res = http.get(srv.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

/// The `(name, value)` of every text, number and hidden input of `html`, in order, as a browser
/// would send them (checkboxes and radios are left to the test to tick).
pub fn inputs(html: &str) -> Vec<(String, String)> {
    let attr = |tag: &str, name: &str| {
        let marker = format!(" {name}=\"");
        tag.find(&marker).map(|i| {
            let rest = &tag[i + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
    };
    html.split("<input")
        .skip(1)
        .filter_map(|chunk| {
            let tag = &chunk[..chunk.find('>').unwrap()];
            let kind = attr(tag, "type").unwrap_or_default();
            if kind == "checkbox" || kind == "radio" {
                return None;
            }
            Some((attr(tag, "name")?, attr(tag, "value").unwrap_or_default()))
        })
        .collect()
}

/// The value of the `<option>` showing `label`.
fn option_value(html: &str, label: &str) -> String {
    let end = html.find(&format!("\">{label}</option>")).unwrap_or_else(|| panic!("no option {label}: {html}"));
    let start = html[..end].rfind("value=\"").unwrap() + "value=\"".len();
    html[start..end].to_owned()
}

/// The ids of the re-download links on the history page.
fn history_ids(html: &str) -> Vec<String> {
    html.split("href=\"/verifier/downloads/").skip(1).map(|s| s[..s.find('"').unwrap()].to_owned()).collect()
}

async fn post_form(http: &reqwest::Client, srv: &TestServer, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    http.post(srv.url(path)).form(form).send().await.unwrap()
}

async fn template_count(http: &reqwest::Client, srv: &TestServer) -> usize {
    let v: Value = http.get(srv.url("/api/v1/verifier/download-templates")).send().await.unwrap().json().await.unwrap();
    v.as_array().unwrap().len()
}

async fn bulk_download_pages_with_templates_and_history(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let w = world(&srv);
    let ids: Vec<String> = (0..3).map(|i| share(&srv, &w, i, &w.org_a)).collect();
    let other = share(&srv, &w, 3, &w.org_b);
    let http = client();
    login(&http, &srv, "org-a", "alice@org-a.example", PASSWORD).await;

    // The shared list offers a box per row, the formats and the default template.
    let shared = page(&http, &srv, "/verifier/shared").await;
    for id in &ids {
        assert!(shared.contains(&format!("name=\"share_ids\" value=\"{id}\"")), "{shared}");
    }
    assert!(!shared.contains(&other), "another organisation's share is not offered");
    assert!(shared.contains("action=\"/verifier/downloads\"") && shared.contains("Default (every field)"));
    let nav = page(&http, &srv, "/verifier").await;
    assert!(nav.contains("href=\"/verifier/downloads\"") && nav.contains("href=\"/verifier/notifications\""));
    let csrf = csrf_of(&shared);
    let c = csrf.as_str();

    // Refusals show the downloads page with the reason and keep nothing.
    let res =
        post_form(&http, &srv, "/verifier/downloads", &[("csrf", c), ("format", "pdf"), ("template", "default")]).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("class=\"error-summary") && html.contains("Selected results: choose 1 to 500."), "{html}");
    assert!(html.contains("Nothing has been downloaded yet."), "{html}");
    let res =
        post_form(&http, &srv, "/verifier/downloads", &[("csrf", c), ("share_ids", &ids[0]), ("format", "doc")]).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("Format: `doc` is not accepted: expected one of pdf, csv, xlsx."));
    let res =
        post_form(&http, &srv, "/verifier/downloads", &[("csrf", c), ("share_ids", &other), ("format", "csv")]).await;
    assert_eq!(res.status(), 404);
    assert!(res.text().await.unwrap().contains("None of these results is shared with your organisation."));
    let res =
        post_form(&http, &srv, "/verifier/downloads", &[("csrf", "forged"), ("share_ids", &ids[0]), ("format", "pdf")])
            .await;
    assert_eq!(res.status(), 403, "a forged anti-forgery token");
    assert!(history_ids(&page(&http, &srv, "/verifier/downloads").await).is_empty());

    // Two ticked: one zip with their two Statements of Results.
    let res = post_form(
        &http,
        &srv,
        "/verifier/downloads",
        &[("csrf", c), ("share_ids", &ids[0]), ("share_ids", &ids[2]), ("format", "pdf"), ("template", "default")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let zip_id = res.headers()["x-download-id"].to_str().unwrap().to_owned();
    let zip = res.bytes().await.unwrap();
    let files = unzip(&zip);
    let mut names: Vec<&str> = files.iter().map(|f| f.0.as_str()).collect();
    names.sort();
    assert_eq!(names, ["statement-of-results-SOR-2026-00001.pdf", "statement-of-results-SOR-2026-00003.pdf"]);
    assert!(files.iter().all(|f| f.1.starts_with(b"%PDF")));

    // A custom template: bad ones are refused on the page, the form kept, nothing saved.
    let form_page = page(&http, &srv, "/verifier/download-templates").await;
    assert!(form_page.contains("Default (every field)") && form_page.contains("name=\"include\""), "{form_page}");
    let defaults = inputs(&form_page);
    assert!(defaults.iter().any(|(n, v)| n == "header_sor_number" && v == "Statement of Results number"));
    let filled = |name: &str, ticked: &[(&str, &str, &str)]| {
        // Every input as the page gave it, the name typed in, the chosen fields ticked and edited.
        let mut f: Vec<(String, String)> = defaults
            .iter()
            .filter(|(n, _)| n != "name")
            .map(|(n, v)| {
                let edited = ticked.iter().find_map(|(field, order, header)| {
                    if *n == format!("order_{field}") {
                        Some((*order).to_owned())
                    } else if *n == format!("header_{field}") {
                        Some((*header).to_owned())
                    } else {
                        None
                    }
                });
                (n.clone(), edited.unwrap_or_else(|| v.clone()))
            })
            .collect();
        f.push(("name".into(), name.into()));
        f.extend(ticked.iter().map(|(field, _, _)| ("include".to_owned(), (*field).to_owned())));
        f
    };
    for (form, message) in [
        (filled("Admissions", &[]), "Fields: choose 1 to 50."),
        (filled("Admissions", &[("family_name", "first", "Surname")]), "Column order: expected a number from 1 to 99."),
        (filled("Admissions", &[("family_name", "1", " ")]), "Fields: 1 to 100 characters."),
        (filled(" ", &[("family_name", "1", "Surname")]), "Name: 1 to 100 characters."),
    ] {
        let res = http.post(srv.url("/verifier/download-templates")).form(&form).send().await.unwrap();
        assert_eq!(res.status(), 400, "{message}");
        let html = res.text().await.unwrap();
        assert!(html.contains("class=\"error-summary") && html.contains(message), "{message}: {html}");
    }
    let res = http
        .post(srv.url("/verifier/download-templates"))
        .form(&filled("Admissions", &[("family_name", "x", "Surname")]))
        .send()
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("value=\"Admissions\"") && html.contains("value=\"Surname\""), "the form is kept: {html}");
    assert_eq!(template_count(&http, &srv).await, 1, "nothing was saved");

    // Chosen fields in a chosen order (not the default one), with chosen headers.
    let res = http
        .post(srv.url("/verifier/download-templates"))
        .form(&filled(
            "Admissions",
            &[("family_name", "2", "Surname"), ("overall_score", "3", "Score"), ("sor_number", "1", "SoR")],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = page(&http, &srv, &location(&res)).await;
    assert!(html.contains("The template was saved.") && html.contains("SoR · Surname · Score"), "{html}");
    assert_eq!(template_count(&http, &srv).await, 2);

    // The search results offer the same download; a CSV from the custom template.
    let api = client();
    api_login(&api, &srv, "org-a", "alice@org-a.example", PASSWORD).await;
    until(&api, &srv, "exam=FCE", &["Kowalczyk", "Kowalski", "Szabó"]).await;
    srv.advance(chrono::Duration::seconds(1));
    let found = page(&http, &srv, "/verifier/search?exam=FCE").await;
    assert!(found.contains(&format!("name=\"share_ids\" value=\"{}\"", ids[1])), "{found}");
    let template = option_value(&found, "Admissions");
    let res = post_form(
        &http,
        &srv,
        "/verifier/downloads",
        &[
            ("csrf", &csrf_of(&found)),
            ("share_ids", &ids[0]),
            ("share_ids", &ids[1]),
            ("format", "csv"),
            ("template", &template),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv_id = res.headers()["x-download-id"].to_str().unwrap().to_owned();
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "\u{feff}SoR,Surname,Score", "{csv}");
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines.contains(&"SOR-2026-00001,Kowalski,170"), "{csv}");
    assert!(lines.contains(&"SOR-2026-00002,Szabó,"), "no score for X: {csv}");

    // The history lists both, newest first, and downloads each again.
    let history = page(&http, &srv, "/verifier/downloads").await;
    assert_eq!(history_ids(&history), [csv_id.clone(), zip_id.clone()], "{history}");
    assert!(history.contains("Admissions") && history.contains("User alice@org-a.example"), "{history}");
    let again = http.get(srv.url(&format!("/verifier/downloads/{zip_id}"))).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(unzip(&again.bytes().await.unwrap()).len(), 2);
    let again = http.get(srv.url(&format!("/verifier/downloads/{csv_id}"))).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.text().await.unwrap(), csv, "the same results, still shared: the same file");

    // An Excel data file from the default template, from the same form.
    let res = post_form(
        &http,
        &srv,
        "/verifier/downloads",
        &[("csrf", c), ("share_ids", &ids[2]), ("format", "xlsx"), ("template", "default")],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let files = unzip(&res.bytes().await.unwrap());
    let text: String = files
        .iter()
        .filter(|f| f.0 == "xl/sharedStrings.xml" || f.0 == "xl/worksheets/sheet1.xml")
        .map(|f| String::from_utf8_lossy(&f.1).into_owned())
        .collect();
    assert!(text.contains("Statement of Results number") && text.contains("Kowalczyk"), "every field: {text}");
    let history = page(&http, &srv, "/verifier/downloads").await;
    assert_eq!(history_ids(&history).len(), 3);

    // Another organisation sees neither the history nor the files nor the template.
    let b = client();
    login(&b, &srv, "org-b", "bob@org-b.example", PASSWORD).await;
    let b_history = page(&b, &srv, "/verifier/downloads").await;
    assert!(history_ids(&b_history).is_empty() && !b_history.contains(&zip_id), "{b_history}");
    for id in [&zip_id, &csv_id] {
        assert_eq!(b.get(srv.url(&format!("/verifier/downloads/{id}"))).send().await.unwrap().status(), 404);
    }
    let b_templates = page(&b, &srv, "/verifier/download-templates").await;
    assert!(!b_templates.contains("Admissions"), "{b_templates}");
    let res = post_form(
        &b,
        &srv,
        &format!("/verifier/download-templates/{template}/delete"),
        &[("csrf", &csrf_of(&b_templates))],
    )
    .await;
    assert_eq!(res.status(), 404);
    assert_eq!(template_count(&http, &srv).await, 2, "org B could not delete it");
    let res = post_form(
        &b,
        &srv,
        "/verifier/downloads",
        &[("csrf", &csrf_of(&b_templates)), ("share_ids", &ids[0]), ("format", "csv"), ("template", &template)],
    )
    .await;
    assert_eq!(res.status(), 404, "org A's template is not org B's");

    // Deleting the template on its page.
    let res = post_form(&http, &srv, &format!("/verifier/download-templates/{template}/delete"), &[("csrf", c)]).await;
    assert_eq!(res.status(), 303);
    let html = page(&http, &srv, &location(&res)).await;
    assert!(html.contains("The template was deleted.") && !html.contains("SoR · Surname"), "{html}");
    assert_eq!(template_count(&http, &srv).await, 1);
    srv.stop().await;
}

both_backends!(bulk_download_pages_with_templates_and_history);
