//! Every page of every role, in Polish, Hungarian and Italian: signed in as each role, the test
//! follows the same-site links from the role's home page (GET only, bounded) and fails on what
//! people must never see: a status, kind or reason as its code, a raw timestamp, `(UTC)`, an
//! English weekday in parentheses, or an English catalogue text left untranslated.

use crate::both_backends;
use crate::support::*;
use chrono::{Duration, NaiveDate};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use tessera_daemon::demo::DEMO_PASSWORD;
use tessera_domain::{Locale, TenantKind};
use tessera_storage::repo::after_exam::{self, Appeal, Case, Enquiry};
use tessera_storage::repo::centre;
use tessera_storage::repo::organisations::{self, Person};
use tessera_storage::repo::public_pages;
use tessera_storage::repo::tenants::{self, NewTenant};
use tessera_storage::repo::workflows::{self, Document, Payment, RefundRequest};

/// Pages visited per role and language at most, and per page shape (the path with ids blanked).
const MAX_PAGES: usize = 60;
const MAX_PER_SHAPE: usize = 4;

/// English texts that are the same in every language: names, not sentences.
const PROPER_NAMES: &[&str] = &["Tessera", "Results Verification Service", "Candidate Results Service"];

/// Tenant codes people type to sign in: identifiers, shown as they are (one is `installation`).
const TENANT_CODES: &[&str] = &["installation", "pl078", "hu012", "unimi", "uniroma"];

both_backends!(every_page_of_every_role_speaks_the_tenants_language);

async fn every_page_of_every_role_speaks_the_tenants_language(backend: Backend) {
    let srv = TestServer::start_with_plugins(backend).await;
    srv.demo();
    let seeds = exercise_states(&srv);
    let catalogues = tessera_app::i18n::Catalogues::load().unwrap();
    let codes: BTreeSet<&str> =
        tessera_domain::labels::all().into_iter().map(|(_, code, _)| code).filter(|c| c.len() > 1).collect();

    let roles: [(&str, &str, &str); 7] = [
        ("installation", "admin@tessera.local", "installation admin"),
        ("pl078", "manager@pl078.example", "centre manager"),
        ("hu012", "staff@hu012.example", "centre staff"),
        ("unimi", "primary@unimi.example", "verifier primary"),
        ("unimi", "admin@unimi.example", "verifier admin"),
        ("pl078", "PL078000001", "candidate"),
        ("hu012", "manager@hu012.example", "centre manager"),
    ];
    let mut failures = Vec::new();
    let mut visited_total = 0;
    for locale in [Locale::Pl, Locale::Hu, Locale::It] {
        set_every_locale(&srv, locale);
        let untranslated = untranslated_texts(&catalogues, locale);
        for (slug, login_name, role) in roles {
            let http = client();
            let res = login(&http, &srv, slug, login_name, DEMO_PASSWORD).await;
            assert_eq!(res.status(), 303, "{role} {login_name} signs in");
            let mut queue = first_pages("/home", &seeds, slug, role);
            let mut seen: HashSet<String> = queue.iter().cloned().collect();
            let mut shapes: HashMap<String, usize> = HashMap::new();
            let mut pages = 0;
            while let Some(path) = queue.pop_front() {
                if pages >= MAX_PAGES {
                    break;
                }
                let res = http.get(srv.url(&path)).send().await.unwrap();
                if res.status().is_redirection() {
                    let to = location(&res);
                    if same_site(&to) && seen.insert(to.clone()) {
                        queue.push_front(to);
                    }
                    continue;
                }
                let html_page = res
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("text/html"));
                let status = res.status();
                if !html_page {
                    continue;
                }
                let body = res.text().await.unwrap();
                assert!(status.is_success(), "{role} ({locale}) GET {path}: {status}\n{body}");
                pages += 1;
                for problem in problems(&visible_text(&body), &codes, &untranslated) {
                    failures.push(format!("{locale} {role} {path}: {problem}"));
                }
                for link in links(&body) {
                    if !same_site(&link) || skipped(&link) || seen.contains(&link) {
                        continue;
                    }
                    let n = shapes.entry(shape(&link)).or_default();
                    if *n >= MAX_PER_SHAPE {
                        continue;
                    }
                    *n += 1;
                    seen.insert(link.clone());
                    queue.push_back(link);
                }
            }
            assert!(pages >= 2, "{role} ({locale}) reached only {pages} pages");
            visited_total += pages;
        }
    }
    assert!(visited_total >= 200, "the crawl reached only {visited_total} pages");
    failures.sort();
    failures.dedup();
    assert!(failures.is_empty(), "{} problems on {visited_total} pages:\n{}", failures.len(), failures.join("\n"));
    srv.stop().await;
}

/// Gives the demo data entries, refunds, cases, enquiries, payments, documents, result versions,
/// sessions and organisations in many states; returns the entry pages to visit per centre.
pub(crate) fn exercise_states(srv: &TestServer) -> HashMap<&'static str, Vec<String>> {
    let mut c = srv.db().conn().unwrap();
    let now = start_instant();
    let at = now.naive_utc();
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let mut seeds = HashMap::new();
    for slug in ["pl078", "hu012"] {
        let t = tenants::by_slug(&mut c, slug).unwrap();
        let sessions = centre::sessions(&mut c, t.id).unwrap();
        let entries = centre::session_entries(&mut c, t.id, &sessions[0].id).unwrap();
        let statuses = ["pending", "refused", "manual_review", "cancelled", "submitted", "confirmed", "voided"];
        // R-CENTRE-FAULT: the first session cannot run as announced, so its entry pages offer the choice.
        tessera_storage::repo::centre_fault::set_fault(&mut c, t.id, &sessions[0].id, "Awaria / Hiba", now).unwrap();
        let mut pages = Vec::new();
        for (e, status) in entries.iter().zip(statuses) {
            workflows::set_entry_status(
                &mut c,
                t.id,
                &e.id,
                status,
                r#"{"violations":[],"warnings":[]}"#,
                start_instant(),
            )
            .unwrap();
            pages.push(format!("/centre/entries/{}", e.id));
        }
        let e = &entries[0];
        let tid = t.id.to_string();
        for (i, method) in ["cash", "card", "bank_transfer"].into_iter().enumerate() {
            workflows::add_payment(
                &mut c,
                &Payment {
                    tenant_id: tid.clone(),
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: e.id.clone(),
                    amount_minor: 100 * (i as i64 + 1),
                    currency: e.currency.clone(),
                    method: method.into(),
                    transfer_title: (method == "bank_transfer").then(|| "Someone Else, CAE".to_owned()),
                    received_on: day,
                    recorded_by: "staff".into(),
                    created_at: at,
                    // R-PAYMENT-TITLE: the transfer is flagged for both reasons, shown in words.
                    expected_title: Some("Anna Nowak, FCE".into()),
                    amount_due_minor: Some(81000),
                    title_mismatch: method == "bank_transfer",
                    amount_mismatch: method == "bank_transfer",
                },
            )
            .unwrap();
        }
        for kind in ["photo_consent", "medical_certificate", "exam_photo"] {
            workflows::add_document(
                &mut c,
                &Document {
                    tenant_id: tid.clone(),
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: e.id.clone(),
                    kind: kind.into(),
                    filename: format!("scan-{}.pdf", kind.len()),
                    content_type: "application/pdf".into(),
                    size_bytes: 10,
                    sha256: "0".repeat(64),
                    received_on: day,
                    created_at: at,
                    // R-CONSENT-SCAN: the photo consent is a scan, its original still to come.
                    original: kind != "photo_consent",
                },
            )
            .unwrap();
        }
        let refunds = [
            ("decided", "manual_review", "illness", r#"["medical_certificate_on_centre_form"]"#),
            ("confirmed", "approve", "withdrawal", r#"["refund_request_form"]"#),
            ("paid", "approve", "session_below_minimum", "[]"),
            ("rejected", "reject", "other", r#"["death_certificate_copy","bereavement_request_form"]"#),
        ];
        for (status, outcome, reason, documents) in refunds {
            let facts = format!(r#"{{"reason":{{"type":"{reason}"}},"documents":{documents}}}"#);
            workflows::add_refund(
                &mut c,
                &RefundRequest {
                    tenant_id: tid.clone(),
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: e.id.clone(),
                    facts,
                    decision: "{}".into(),
                    plugin: "baseline".into(),
                    plugin_version: "1.0.0".into(),
                    outcome: outcome.into(),
                    amount_minor: 100,
                    currency: e.currency.clone(),
                    pay_by: Some(day + Duration::days(30)),
                    status: status.into(),
                    confirmed_by: None,
                    paid_at: None,
                    created_at: at,
                    payout_method: Some(if status == "confirmed" { "bank_transfer" } else { "cash" }.into()),
                    payout_account: (status == "confirmed").then(|| "PL61 1090 1014 0000 0712 1981 2874".to_owned()),
                    paid_method: (status == "paid").then(|| "cash".to_owned()),
                    paid_on: (status == "paid").then_some(day),
                },
            )
            .unwrap();
        }
        for (kind, status) in
            [("special_consideration", "open"), ("malpractice", "upheld"), ("timetable_change", "dismissed")]
        {
            after_exam::open_case(
                &mut c,
                &Case {
                    tenant_id: tid.clone(),
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: e.id.clone(),
                    kind: kind.into(),
                    description: "—".into(),
                    status: status.into(),
                    opened_by: "staff".into(),
                    opened_at: at,
                    closed_at: None,
                },
            )
            .unwrap();
        }
        for (stage, status, outcome) in [(1, "completed", Some("higher")), (2, "open", None)] {
            after_exam::open_enquiry(
                &mut c,
                &Enquiry {
                    tenant_id: tid.clone(),
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: e.id.clone(),
                    stage,
                    fee_minor: 100,
                    currency: e.currency.clone(),
                    requested_on: day,
                    status: status.into(),
                    outcome: outcome.map(str::to_owned),
                    fee_refunded: outcome.is_some(),
                    created_at: at,
                    completed_at: outcome.map(|_| at),
                },
            )
            .unwrap();
        }
        for (ground, status, outcome) in [("enquiry", "upheld", Some("higher")), ("malpractice", "lodged", None)] {
            after_exam::lodge_appeal(
                &mut c,
                &Appeal {
                    tenant_id: tid.clone(),
                    id: uuid::Uuid::new_v4().to_string(),
                    entry_id: e.id.clone(),
                    ground: ground.into(),
                    fee_minor: 100,
                    currency: e.currency.clone(),
                    lodged_on: day,
                    deadline: day + Duration::days(30),
                    status: status.into(),
                    outcome: outcome.map(str::to_owned),
                    fee_refunded: outcome.is_some(),
                    lodged_by: "staff".into(),
                    lodged_at: at,
                    decided_by: outcome.map(|_| "staff".to_owned()),
                    decided_at: outcome.map(|_| at),
                },
            )
            .unwrap();
        }
        workflows::issue_coe(&mut c, t.id, &entries[5], "not-a-real-hash", now).unwrap();
        // Bulk runs of the first session in each state its page links (issue 15).
        let fault = |error: tessera_domain::DomainError, line: Option<usize>, entry: Option<&centre::Entry>| {
            let messages: HashMap<&str, String> = Locale::ALL.iter().map(|l| (l.as_str(), error.message(*l))).collect();
            serde_json::json!({"line": line, "column": line.map(|_| "candidate_number"),
                "entry": entry.map(|e| e.id.clone()), "candidate_number": entry.map(|e| e.candidate_number.clone()),
                "name": entry.map(|_| "Celina Zając"), "messages": messages})
        };
        let runs = [
            (
                "coe_issue",
                "done",
                None,
                serde_json::json!({"issued": 3, "already_issued": 1, "not_confirmed": 2,
                "without_email": [{"entry": entries[1].id, "candidate_number": entries[1].candidate_number, "name": "Jan Kowalski"}],
                "faults": [fault(tessera_domain::DomainError::new(tessera_domain::ErrorCode::CoeNeedsConfirmed), None, Some(&entries[0]))]}),
            ),
            (
                "results_import",
                "refused",
                Some("wyniki.csv"),
                serde_json::json!({"faults": [fault(
                tessera_domain::DomainError::new(tessera_domain::ErrorCode::ResultsNoEntry).on("candidate_number").arg("number", "9999"),
                Some(3), None)], "more": 12}),
            ),
            ("results_import", "done", Some("wyniki.csv"), serde_json::json!({"imported": 1234})),
            ("results_import", "running", Some("wyniki.csv"), serde_json::json!({})),
            ("results_import", "storing", Some("wyniki.csv"), serde_json::json!({})),
        ];
        for (i, (kind, status, file, report)) in runs.into_iter().enumerate() {
            let run = tessera_storage::repo::bulk_runs::BulkRun {
                tenant_id: t.id.to_string(),
                id: uuid::Uuid::new_v4().to_string(),
                session_id: sessions[0].id.clone(),
                kind: kind.into(),
                status: status.into(),
                file_name: file.map(str::to_owned),
                input: String::new(),
                total: 1500,
                processed: if status == "running" { 500 } else { 1500 },
                report: report.to_string(),
                created_by: "crawl".into(),
                created_at: (now - Duration::minutes(i as i64)).naive_utc(),
                finished_at: (!["running", "storing"].contains(&status)).then_some(at),
            };
            tessera_storage::repo::bulk_runs::create(&mut c, &run, |_| Ok(())).unwrap();
        }
        workflows::set_session_status(&mut c, t.id, &sessions[1].id, "cancelled").unwrap();
        workflows::set_session_status(&mut c, t.id, &sessions[2].id, "closed").unwrap();
        // R-PUBLIC-CALENDAR: regulations and a published form; R-NAME-SPELLING: a statement.
        public_pages::set_regulations(&mut c, t.id, "1. First rule.\n\n2. Second rule.", "crawl", now).unwrap();
        let file_id = uuid::Uuid::new_v4().to_string();
        let dir = srv
            .running
            .as_ref()
            .unwrap()
            .state
            .settings
            .data_dir
            .join("tenants")
            .join(t.id.to_string())
            .join("public_forms");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(&file_id), b"%PDF-1.4\n%%EOF\n").unwrap();
        let form = public_pages::PublicForm {
            tenant_id: tid.clone(),
            kind: "withdrawal".into(),
            file_id,
            filename: "rezygnacja-2026.pdf".into(),
            size_bytes: 15,
            sha256: String::new(),
            uploaded_at: at,
            uploaded_by: "crawl".into(),
        };
        public_pages::put_form(&mut c, t.id, &form).unwrap();
        let statement = public_pages::CertifyingStatement {
            tenant_id: tid.clone(),
            id: uuid::Uuid::new_v4().to_string(),
            entry_id: entries[5].id.clone(),
            name_on_certificate: "Jan Kowalski".into(),
            corrected_name: "Jan Kowalsky".into(),
            fee_minor: 12000,
            currency: "PLN".into(),
            issued_on: day,
            issued_by: "crawl".into(),
            created_at: at,
        };
        public_pages::insert_certifying_statement(&mut c, &statement).unwrap();
        for path in ["/centre/public", "calendar", "regulations", "enter"] {
            pages.push(if path.starts_with('/') { path.to_owned() } else { format!("/t/{slug}/{path}") });
        }
        seeds.insert(slug, pages);
    }
    // An organisation waiting for the installation admin, and a withdrawn share for the candidate.
    let org = NewTenant {
        slug: "uniroma".into(),
        kind: TenantKind::Verifier,
        name: "Università di Roma".into(),
        country: tessera_domain::Country::parse("IT").unwrap(),
        timezone: chrono_tz::Europe::Rome,
        locale: Locale::It,
        status: "pending",
    };
    let person = Person {
        first_name: "Luca".into(),
        family_name: "Verdi".into(),
        job_title: "Segreteria".into(),
        email: "luca@uniroma.example".into(),
    };
    organisations::submit(&mut c, &org, "university", "https://uniroma.example", &person, now).unwrap();
    let pl = tenants::by_slug(&mut c, "pl078").unwrap();
    let unimi = tenants::by_slug(&mut c, "unimi").unwrap();
    let candidate_entries: Vec<String> = {
        use diesel::prelude::*;
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            id: String,
        }
        diesel::sql_query(
            "SELECT e.id FROM entries e JOIN candidates c ON c.id = e.candidate_id WHERE c.id_number = 'PL078000001'",
        )
        .load::<Row>(&mut *c)
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
    };
    // The organisation's API clients (one revoked) and a download in its history.
    let primary = tessera_storage::repo::users::by_login(&mut c, unimi.id, "primary@unimi.example").unwrap();
    for name in ["Registry", "Admissions"] {
        let hash = format!("{name}-hash");
        let api = tessera_storage::repo::api_clients::create(
            &mut c,
            unimi.id,
            name,
            &hash,
            "ab12",
            &primary.id,
            now,
            now + chrono::Duration::days(365),
        );
        if name == "Admissions" {
            tessera_storage::repo::api_clients::revoke(&mut c, unimi.id, &api.unwrap().id, now + Duration::minutes(5))
                .unwrap();
        }
    }
    tessera_storage::repo::downloads::record(
        &mut c,
        &tessera_storage::repo::downloads::Download {
            tenant_id: unimi.id.to_string(),
            id: uuid::Uuid::new_v4().to_string(),
            actor_id: primary.id.clone(),
            format: "csv".into(),
            template_id: None,
            share_ids: "[]".into(),
            count: 0,
            created_at: at,
        },
    )
    .unwrap();
    for entry in &candidate_entries {
        let share = tessera_storage::repo::shares::create(&mut c, pl.id, entry, unimi.id, now).unwrap();
        tessera_storage::repo::shares::withdraw(&mut c, pl.id, &share.id, now + Duration::hours(1)).unwrap();
    }
    seeds
}

/// The pages a crawl of `role` (signed in to `slug`) starts from: its home, a centre's seeded
/// entry pages, and for a verifier a search (its results are reached through a form, not a link).
pub(crate) fn first_pages(
    home: &str,
    seeds: &HashMap<&'static str, Vec<String>>,
    slug: &str,
    role: &str,
) -> VecDeque<String> {
    let mut queue = VecDeque::from(vec![home.to_owned()]);
    queue.extend(seeds.get(slug).into_iter().flatten().filter(|_| role.starts_with("centre")).cloned());
    if role.starts_with("verifier") {
        queue.push_back("/verifier/search?q=kowalski&sort=exam_date".to_owned());
    }
    if role == "installation admin" {
        // The second step of assigning a plugin (reached through a GET form): each shipped
        // plugin's settings form, labelled by the plugin.
        for (kind, plugin) in [("refund", "pl"), ("refund", "hu"), ("photo", "it"), ("retention", "baseline")] {
            queue.push_back(format!("/admin/tenants/pl078/plugins/settings?kind={kind}&plugin={plugin}"));
        }
    }
    queue
}

/// Sets every tenant's language to `locale`.
pub(crate) fn set_every_locale(srv: &TestServer, locale: Locale) {
    use diesel::RunQueryDsl;
    let mut c = srv.db().conn().unwrap();
    diesel::sql_query(format!("UPDATE tenants SET locale = '{locale}'")).execute(&mut *c).unwrap();
}

/// English catalogue texts of more than three words whose translation in `locale` differs: seeing
/// one on a page in `locale` means the page was not translated.
fn untranslated_texts(catalogues: &tessera_app::i18n::Catalogues, locale: Locale) -> Vec<String> {
    let mut texts: Vec<String> = catalogues
        .texts(Locale::En)
        .iter()
        .filter(|(key, english)| {
            english.split_whitespace().count() > 3
                && !english.contains('{')
                && catalogues.text(locale, key) != english.as_str()
                && !PROPER_NAMES.contains(&english.as_str())
        })
        .map(|(_, english)| english.clone())
        .collect();
    texts.sort();
    texts
}

/// What is wrong with a page's visible text.
fn problems(text: &str, codes: &BTreeSet<&str>, untranslated: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    // Addresses (paths, emails) and tenant codes are identifiers, not words.
    let words: HashSet<&str> = text
        .split_whitespace()
        .filter(|token| !token.contains('/') && !token.contains('@'))
        .flat_map(|token| token.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .filter(|w| !TENANT_CODES.contains(w))
        .collect();
    for code in codes {
        if words.contains(code) {
            let at = text.find(code).unwrap_or(0);
            let around: String = text[..at].chars().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect();
            found.push(format!("the code `{code}` in \"{around}{code}…\""));
        }
    }
    let b = text.as_bytes();
    for i in 0..b.len().saturating_sub(13) {
        let d = |j: usize| b[i + j].is_ascii_digit();
        if d(0) && d(1) && d(2) && d(3) && b[i + 4] == b'-' && d(5) && d(6) && b[i + 7] == b'-' && d(8) && d(9) {
            if b[i + 10] == b'T' && d(11) && d(12) && b.get(i + 13) == Some(&b':') {
                found.push(format!("a raw timestamp `{}`", &text[i..(i + 19).min(text.len())]));
            } else {
                found.push(format!("an ISO date `{}`", &text[i..i + 10]));
            }
        }
    }
    if text.contains("(UTC)") {
        found.push("`(UTC)`".into());
    }
    for wd in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] {
        if text.contains(&format!("({wd})")) {
            found.push(format!("the English weekday `({wd})`"));
        }
    }
    for english in untranslated {
        if text.contains(english.as_str()) {
            found.push(format!("untranslated English: {english:?}"));
        }
    }
    found
}

/// The text a person sees: no tags, attribute values, scripts or styles; entities decoded.
fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        out.push(' ');
        let tag = &rest[open..];
        let skip_to = if tag.starts_with("<script") {
            tag.find("</script>").map(|i| i + 9)
        } else if tag.starts_with("<style") {
            tag.find("</style>").map(|i| i + 8)
        } else {
            tag.find('>').map(|i| i + 1)
        };
        rest = &tag[skip_to.unwrap_or(tag.len())..];
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
        .replace("&ndash;", "–")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `href`s of a page's links.
fn links(html: &str) -> Vec<String> {
    html.split("<a ")
        .skip(1)
        .filter_map(|a| {
            let start = a.find("href=\"")? + 6;
            let end = a[start..].find('"')? + start;
            Some(a[start..end].replace("&amp;", "&"))
        })
        .collect()
}

fn same_site(link: &str) -> bool {
    link.starts_with('/') && !link.starts_with("//")
}

/// Links the crawl does not follow: signing out, and downloads that are not pages.
pub(crate) fn skipped(link: &str) -> bool {
    link.contains("logout") || link.ends_with(".pdf") || link.starts_with("/verifier/downloads/")
}

/// A link with its ids blanked, so that the crawl sees a few of each kind of page, not all.
pub(crate) fn shape(link: &str) -> String {
    let path = link.split('?').next().unwrap_or(link);
    path.split('/')
        .map(|seg| if seg.len() >= 16 || seg.chars().all(|c| c.is_ascii_digit()) { "{id}" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}
