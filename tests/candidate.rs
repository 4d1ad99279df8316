//! The Candidate Results Service, account side (DOMAIN.md section 11): activation with the
//! Confirmation of Entry's credentials (R-CANDIDATE-SIGNUP, R-PASSWORD), duplicate activation,
//! wrong secrets, throttling, R-LOCKOUT for candidates, reset links, and changing the email.
//! Also the fixture the other candidate modules share.

use crate::both_backends;
use crate::support::*;
use chrono::{DateTime, Duration, Utc};
use tessera_domain::{CandidateId, EntryId, ExamSessionId, ResultId, Role, TenantKind};
use tessera_storage::repo::centre::{self, Candidate, ComponentScore, Entry, ExamSession, ResultRow};
use tessera_storage::repo::tenants::Tenant;

/// A centre with candidates whose credentials are known, and an approved verifier.
pub struct Fixture {
    pub centre: Tenant,
    pub verifier: Tenant,
    /// (ID number, secret number, candidate id) of candidates A and B.
    pub a: (String, String, String),
    pub b: (String, String, String),
}

/// The secret numbers of the fixture's candidates (only their hashes are stored).
pub const SECRET_A: &str = "123456";
pub const SECRET_B: &str = "654321";

/// The fixture: centre `pl078` (English), verifier `unimi`, candidates A (`PL078000101`) and B
/// (`PL078000102`) with secret numbers set through the storage function the CoE uses: A's keyed
/// as the CoE stores it now, B's an argon2id hash as stored before the keys existed.
pub fn fixture(srv: &TestServer) -> Fixture {
    let centre = srv.tenant("pl078", TenantKind::Centre);
    let verifier = srv.tenant("unimi", TenantKind::Verifier);
    let mut c = srv.db().conn().unwrap();
    let keys = srv.running.as_ref().expect("a running server").state.secrets.clone();
    let mut make = |id_number: &str, first: &str, secret: &str, keyed: bool| {
        let cand = Candidate {
            tenant_id: centre.id.to_string(),
            id: CandidateId::new().to_string(),
            first_name: first.into(),
            family_name: "Nowak".into(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2001, 5, 17).unwrap(),
            email: Some(format!("{}@mail.example", first.to_lowercase())),
            phone: None,
            nationality: Some("PL".into()),
            id_number: id_number.into(),
            secret_hash: None,
            user_id: None,
            created_at: start_instant().naive_utc(),
        };
        centre::insert_candidates(&mut c, std::slice::from_ref(&cand)).unwrap();
        let hash = if keyed {
            keys.hash(centre.id, &cand.id, secret)
        } else {
            tessera_app::auth::hash_blocking(secret).unwrap()
        };
        tessera_storage::repo::candidate::set_secret_hash(&mut c, centre.id, &cand.id, &hash).unwrap();
        (id_number.to_owned(), secret.to_owned(), cand.id)
    };
    let a = make("PL078000101", "Zofia", SECRET_A, true);
    let b = make("PL078000102", "Anna", SECRET_B, false);
    Fixture { centre, verifier, a, b }
}

/// Adds an entry of `candidate_id` for `exam` in a session of its own released at `release_at`,
/// with a current result version of `status` (components for graded results). Returns
/// (entry id, result id).
pub fn add_entry(
    srv: &TestServer,
    centre: &Tenant,
    candidate_id: &str,
    exam: &str,
    release_at: DateTime<Utc>,
    status: &str,
    score: i32,
) -> (String, String) {
    let mut c = srv.db().conn().unwrap();
    let tid = centre.id.to_string();
    let written = (release_at - Duration::weeks(5)).date_naive();
    let session = ExamSession {
        tenant_id: tid.clone(),
        id: ExamSessionId::new().to_string(),
        exam_code: exam.into(),
        written_date: written,
        time_of_day: "AM".into(),
        delivery: "PB".into(),
        fee_minor: 81_000,
        late_fee_minor: 16_000,
        currency: "PLN".into(),
        registration_opens: written - Duration::days(90),
        registration_closes: written - Duration::days(35),
        late_entry_deadline: written - Duration::days(21),
        capacity: 100,
        minimum_candidates: 1,
        release_at: release_at.naive_utc(),
        status: "open".into(),
        created_at: start_instant().naive_utc(),
    };
    centre::insert_session(&mut c, &session).unwrap();
    let entry = Entry {
        tenant_id: tid.clone(),
        id: EntryId::new().to_string(),
        session_id: session.id.clone(),
        candidate_id: candidate_id.into(),
        candidate_number: "0001".into(),
        status: "confirmed".into(),
        fee_minor: 81_000,
        currency: "PLN".into(),
        created_at: start_instant().naive_utc(),
    };
    centre::insert_entries(&mut c, std::slice::from_ref(&entry)).unwrap();
    let result_id = add_version(&mut c, centre, &entry.id, 1, status, score);
    (entry.id, result_id)
}

/// Adds result version `version` of an entry and makes it the current one (R-RESULT-VERSIONS).
pub fn add_version(
    c: &mut tessera_storage::DbConnection,
    centre: &Tenant,
    entry_id: &str,
    version: i32,
    status: &str,
    score: i32,
) -> String {
    use diesel::prelude::*;
    use tessera_storage::schema::results;
    let tid = centre.id.to_string();
    diesel::update(results::table.filter(results::tenant_id.eq(&tid)).filter(results::entry_id.eq(entry_id)))
        .set(results::is_current.eq(false))
        .execute(c)
        .unwrap();
    let graded = status == "graded";
    let r = ResultRow {
        tenant_id: tid.clone(),
        id: ResultId::new().to_string(),
        entry_id: entry_id.into(),
        version,
        is_current: true,
        status: status.into(),
        overall_score: graded.then_some(score),
        grade: graded.then(|| "B".into()),
        cefr: graded.then(|| "B2".into()),
        sor_number: format!("PL{:08}", 10_000_000 + score * 1000 + version),
        created_at: start_instant().naive_utc(),
    };
    let comps: Vec<ComponentScore> = ["Reading", "Writing", "Listening", "Speaking"]
        .iter()
        .enumerate()
        .map(|(i, name)| ComponentScore {
            tenant_id: tid.clone(),
            result_id: r.id.clone(),
            component: (*name).into(),
            score: score - 3 + i as i32,
        })
        .collect();
    // Status codes carry stored components too: hiding them is the service's job (R-RESULT-CODES).
    centre::insert_results(c, std::slice::from_ref(&r), &comps).unwrap();
    r.id
}

/// Submits the sign-up page's form.
#[allow(clippy::too_many_arguments)]
pub async fn signup_form(
    http: &reqwest::Client,
    srv: &TestServer,
    slug: &str,
    id_number: &str,
    secret: &str,
    email: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let page = http.get(srv.url(&format!("/t/{slug}/signup"))).send().await.unwrap();
    assert_eq!(page.status(), 200, "sign-up page of {slug}");
    let csrf = csrf_of(&page.text().await.unwrap());
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("id_number", id_number),
        ("secret_number", secret),
        ("email", email),
        ("email_confirm", email),
        ("password", password),
        ("password_confirm", password),
        ("accept_terms", "true"),
    ];
    for (k, v) in extra {
        form.retain(|(key, _)| key != k);
        form.push((k, v));
    }
    form.retain(|(_, v)| !v.is_empty());
    http.post(srv.url(&format!("/t/{slug}/signup"))).form(&form).send().await.unwrap()
}

/// Activates candidate `who` of the fixture through the page and signs in through the API;
/// returns the client and its anti-forgery token.
pub async fn activated(srv: &TestServer, who: &(String, String, String), email: &str) -> (reqwest::Client, String) {
    let http = client();
    let res = signup_form(&http, srv, "pl078", &who.0, &who.1, email, PASSWORD, &[]).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let csrf = api_login(&http, srv, "pl078", &who.0, PASSWORD).await;
    (http, csrf)
}

const REFUSED: &str = "We could not activate an account with these details.";

both_backends!(
    r_candidate_signup_activates_once,
    signup_is_throttled_per_id_number_and_address,
    r_lockout_reset_and_email_change_for_a_candidate
);

async fn r_candidate_signup_activates_once(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(backend, |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.server.public_url = "https://tessera.example".into();
    })
    .await;
    let fx = fixture(&srv);
    let http = client();

    // The sign-in page of a centre leads to activation; a verifier has no candidates.
    let login_page = http.get(srv.url("/t/pl078/login")).send().await.unwrap().text().await.unwrap();
    assert!(login_page.contains("/t/pl078/signup"));
    assert_eq!(http.get(srv.url("/t/unimi/signup")).send().await.unwrap().status(), 404);
    let page = http.get(srv.url("/t/pl078/signup")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Confirmation of Entry from Tenant pl078."), "names the centre: {page}");

    // Bad input is refused field by field and creates nothing (R-PASSWORD, terms, email twice).
    let cases: [(&[(&str, &str)], &str); 5] = [
        (&[("email_confirm", "other@mail.example")], "The two email addresses differ."),
        (&[("password", "short1"), ("password_confirm", "short1")], "at least 2 digits"),
        (&[("password_confirm", "different 42")], "The two passwords differ."),
        (&[("accept_terms", "")], "agree to the terms of use"),
        (&[("email", "not-an-email"), ("email_confirm", "not-an-email")], "valid email address"),
    ];
    for (extra, message) in cases {
        let res = signup_form(&http, &srv, "pl078", &fx.a.0, &fx.a.1, "zofia@mail.example", PASSWORD, extra).await;
        assert_eq!(res.status(), 400, "{extra:?}");
        let body = res.text().await.unwrap();
        assert!(body.contains(message), "{extra:?}: {body}");
        assert!(body.contains("PL078000101"), "the ID number is kept in the form");
    }

    // Wrong secret, unknown ID number: one message that does not say which part was wrong.
    let res = signup_form(&http, &srv, "pl078", &fx.a.0, "999999", "zofia@mail.example", PASSWORD, &[]).await;
    assert_eq!(res.status(), 400);
    assert_eq!(res.headers()["x-error-code"], "signup_refused");
    assert!(res.text().await.unwrap().contains(REFUSED));
    let res = signup_form(&http, &srv, "pl078", "PL078999999", &fx.a.1, "zofia@mail.example", PASSWORD, &[]).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains(REFUSED));
    assert_eq!(login(&client(), &srv, "pl078", &fx.a.0, PASSWORD).await.status(), 401, "no account was created");

    // R-CANDIDATE-SIGNUP: the right credentials (ID number typed in lower case, with spaces)
    // activate the account, with the marketing opt-in.
    let res = signup_form(
        &http,
        &srv,
        "pl078",
        " pl078000101 ",
        "123 456",
        "Zofia@Mail.example",
        PASSWORD,
        &[("marketing", "true")],
    )
    .await;
    assert_eq!(res.status(), 201);
    assert!(res.text().await.unwrap().contains("Your account is active."));
    let mail = decode_qp(&smtp.wait_for(1).await[0]);
    assert!(mail.contains("To: zofia@mail.example"), "{mail}");
    assert!(mail.contains("Subject: Your Candidate Results Service account is active"), "{mail}");
    assert!(mail.contains("PL078000101") && mail.contains("https://tessera.example/t/pl078/login"), "{mail}");
    assert!(mail.contains("You asked for updates"), "{mail}");
    assert!(!mail.contains(SECRET_A) && !mail.contains(PASSWORD), "no secret in the email");

    // Login by ID number + password; the account shows the opt-in.
    let me = client();
    let res = login(&me, &srv, "pl078", &fx.a.0, PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/candidate");
    let account = me.get(srv.url("/candidate/account")).send().await.unwrap().text().await.unwrap();
    assert!(account.contains("zofia@mail.example") && account.contains("<td>Yes</td>"), "{account}");

    // Duplicate activation gets the same message as wrong credentials, and changes nothing.
    let res = signup_form(&http, &srv, "pl078", &fx.a.0, &fx.a.1, "thief@mail.example", "other pass 99", &[]).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains(REFUSED));
    assert_eq!(login(&client(), &srv, "pl078", &fx.a.0, "other pass 99").await.status(), 401);
    assert_eq!(login(&client(), &srv, "pl078", &fx.a.0, PASSWORD).await.status(), 303);

    // One address per account at the centre (told only to someone holding valid credentials).
    let api = client();
    let mut body = serde_json::json!({
        "tenant": "pl078", "id_number": fx.b.0, "secret_number": fx.b.1, "email": "zofia@mail.example",
        "email_confirm": "zofia@mail.example", "password": PASSWORD, "password_confirm": PASSWORD,
        "accept_terms": true,
    });
    let res = api.post(srv.url("/api/v1/candidate/signup")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["field"], "email", "{err}");
    // B's argon2id hash was checked the old way once, and is stored keyed from now on.
    let stored = centre::candidate(&mut srv.db().conn().unwrap(), fx.centre.id, &fx.b.2).unwrap().secret_hash.unwrap();
    assert!(stored.starts_with("keyed$") && !stored.contains(SECRET_B), "{stored}");
    body["email"] = "anna@mail.example".into();
    body["email_confirm"] = "anna@mail.example".into();

    // The JSON API does the same.
    let res = api.post(srv.url("/api/v1/candidate/signup")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let made: serde_json::Value = res.json().await.unwrap();
    assert_eq!(made["login"], "PL078000102");
    let res = api.post(srv.url("/api/v1/candidate/signup")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 400);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "signup_refused");
    let mut no_terms = body.clone();
    no_terms["accept_terms"] = false.into();
    let res = api.post(srv.url("/api/v1/candidate/signup")).json(&no_terms).send().await.unwrap();
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["field"], "accept_terms");
    smtp.wait_for(2).await;
    srv.stop().await;
}

async fn signup_is_throttled_per_id_number_and_address(backend: Backend) {
    let srv = TestServer::start_with(backend, |c| c.auth.login_failures_per_address = 8).await;
    let fx = fixture(&srv);
    let http = client();
    for i in 0..5 {
        let res =
            signup_form(&http, &srv, "pl078", &fx.a.0, &format!("00000{i}"), "z@mail.example", PASSWORD, &[]).await;
        assert_eq!(res.status(), 400, "wrong secret {i}");
    }
    // Five failures for this ID number: even the right secret must wait (the secret is short).
    let res = signup_form(&http, &srv, "pl078", &fx.a.0, &fx.a.1, "z@mail.example", PASSWORD, &[]).await;
    assert_eq!(res.status(), 429);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=3600).contains(&retry), "Retry-After {retry}");
    assert!(res.text().await.unwrap().contains("Too many attempts"));

    // Another ID number from the same address works until the address has used its 8.
    for i in 0..3 {
        let res =
            signup_form(&http, &srv, "pl078", "PL078999999", &format!("11111{i}"), "z@mail.example", PASSWORD, &[])
                .await;
        assert_eq!(res.status(), 400);
    }
    let res = signup_form(&http, &srv, "pl078", &fx.b.0, &fx.b.1, "anna@mail.example", PASSWORD, &[]).await;
    assert_eq!(res.status(), 429, "the address is throttled, whatever the ID number");
    let api = client();
    let res = api
        .post(srv.url("/api/v1/candidate/signup"))
        .json(&serde_json::json!({"tenant": "pl078", "id_number": fx.b.0, "secret_number": fx.b.1,
            "email": "anna@mail.example", "email_confirm": "anna@mail.example", "password": PASSWORD,
            "password_confirm": PASSWORD, "accept_terms": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429, "the API is throttled too");
    assert!(res.headers().contains_key("retry-after"));

    // The windows pass (stored: the count would survive a restart).
    srv.advance(Duration::minutes(61));
    let res = signup_form(&http, &srv, "pl078", &fx.a.0, &fx.a.1, "z@mail.example", PASSWORD, &[]).await;
    assert_eq!(res.status(), 201);
    srv.stop().await;
}

async fn r_lockout_reset_and_email_change_for_a_candidate(backend: Backend) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(backend, |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.server.public_url = "https://tessera.example".into();
    })
    .await;
    let fx = fixture(&srv);
    let (me, csrf) = activated(&srv, &fx.a, "zofia@mail.example").await;
    smtp.wait_for(1).await;

    // R-LOCKOUT for candidates: the fourth wrong password locks for 30 minutes.
    for _ in 0..3 {
        assert_eq!(login(&client(), &srv, "pl078", &fx.a.0, "wrong pass 11").await.status(), 401);
    }
    assert_eq!(login(&client(), &srv, "pl078", &fx.a.0, "wrong pass 11").await.status(), 423);
    assert_eq!(login(&client(), &srv, "pl078", &fx.a.0, PASSWORD).await.status(), 423);
    srv.advance(Duration::minutes(31));
    let fresh = client();
    assert_eq!(login(&fresh, &srv, "pl078", &fx.a.0, PASSWORD).await.status(), 303, "the lock has expired");

    // Changing the email needs the current password.
    let change =
        |password: &str, email: &str| serde_json::json!({"password": password, "email": email, "email_confirm": email});
    let res = fresh.get(srv.url("/candidate/account")).send().await.unwrap().text().await.unwrap();
    let page_csrf = csrf_of(&res);
    let res = fresh
        .post(srv.url("/candidate/account/email"))
        .form(&[
            ("csrf", page_csrf.as_str()),
            ("password", "wrong pass 11"),
            ("email", "new@mail.example"),
            ("email_confirm", "new@mail.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("The password is wrong."));
    let me_csrf = api_login(&me, &srv, "pl078", &fx.a.0, PASSWORD).await;
    let _ = csrf;
    let res = me
        .put(srv.url("/api/v1/candidate/email"))
        .header("x-csrf-token", &me_csrf)
        .json(&change(PASSWORD, "new@mail.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let old_notice = decode_qp(&smtp.wait_for(2).await[1]);
    assert!(old_notice.contains("To: zofia@mail.example") && old_notice.contains("new@mail.example"), "{old_notice}");

    // Forgotten password for a candidate: the link goes to the new address, works once, expires.
    let request_link = |n: usize| {
        let smtp = &smtp;
        let srv = &srv;
        async move {
            let http = client();
            let page = http.get(srv.url("/t/pl078/password/forgot")).send().await.unwrap().text().await.unwrap();
            let res = http
                .post(srv.url("/t/pl078/password/forgot"))
                .form(&[("csrf", csrf_of(&page).as_str()), ("email", "new@mail.example")])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            let mail = decode_qp(&smtp.wait_for(n).await[n - 1]);
            assert!(mail.contains("To: new@mail.example"), "{mail}");
            let start = mail.find("https://tessera.example/t/pl078/password/reset/").unwrap();
            let path = mail[start..].split_whitespace().next().unwrap().trim_start_matches("https://tessera.example");
            (http, path.to_owned())
        }
    };
    let (http, path) = request_link(3).await;
    let csrf = csrf_of(&http.get(srv.url(&path)).send().await.unwrap().text().await.unwrap());
    let set = |pw: &'static str| [("csrf", csrf.clone()), ("password", pw.to_owned()), ("confirm", pw.to_owned())];
    let res = http.post(srv.url(&path)).form(&set("brand new 77")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(login(&client(), &srv, "pl078", &fx.a.0, "brand new 77").await.status(), 303);
    let res = http.post(srv.url(&path)).form(&set("again new 88")).send().await.unwrap();
    assert_eq!(res.status(), 410, "a reset link works once");
    let (http2, path2) = request_link(4).await;
    srv.advance(Duration::minutes(61));
    let res = http2.get(srv.url(&path2)).send().await.unwrap();
    assert_eq!(res.status(), 410, "an expired link is refused");
    assert!(res.text().await.unwrap().contains("expired"));
    srv.stop().await;
}

/// Candidate pages belong to candidates; staff and others get 404, candidates get 404 elsewhere,
/// and the pages speak the centre's language.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidate_pages_are_for_candidates_in_their_language() {
    let srv = TestServer::start(Backend::Sqlite).await;
    srv.demo();
    let staff = client();
    assert_eq!(
        login(&staff, &srv, "pl078", "staff@pl078.example", tessera_daemon::demo::DEMO_PASSWORD).await.status(),
        303
    );
    for path in ["/candidate", "/candidate/shares", "/candidate/account", "/api/v1/candidate/results"] {
        assert_eq!(staff.get(srv.url(path)).send().await.unwrap().status(), 404, "{path} for staff");
    }
    // A demo candidate activates with the printed secret number, in Polish.
    let http = client();
    let page = http.get(srv.url("/t/pl078/signup")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Aktywuj konto"), "Polish sign-up page");
    let secret = tessera_daemon::demo::DEMO_SECRETS[0];
    let res = signup_form(&http, &srv, "pl078", "PL078000002", secret, "demo2@mail.example", PASSWORD, &[]).await;
    assert_eq!(res.status(), 201);
    let me = client();
    assert_eq!(login(&me, &srv, "pl078", "PL078000002", PASSWORD).await.status(), 303);
    let home = me.get(srv.url("/candidate")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Moje wyniki") && home.contains("Numer kandydata"), "{home}");
    assert_eq!(me.get(srv.url("/centre")).send().await.unwrap().status(), 404);
    assert_eq!(me.get(srv.url("/api/v1/sessions")).send().await.unwrap().status(), 404);
    let _ = Role::Candidate;
    srv.stop().await;
}
