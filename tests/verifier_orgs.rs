//! Verifier organisations: sign-up and the installation admin's decision (R-ORG-SIGNUP, page and
//! CLI), and the organisation's users with exactly one primary (R-ORG-USERS).

use crate::both_backends;
use crate::support::*;
use tessera_domain::{Role, TenantKind};
use tessera_storage::repo::{audit, organisations, tenants};

const PUBLIC: &str = "https://tessera.example";

async fn mail_server(backend: Backend) -> (tempfile::TempDir, SmtpSink, TestServer) {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(backend, |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.server.public_url = PUBLIC.into();
    })
    .await;
    (scratch, smtp, srv)
}

/// The path of the set-password link in the `n`th email (1-based), with the email.
async fn link_in(smtp: &SmtpSink, n: usize, to: &str) -> String {
    let mail = decode_qp(&smtp.wait_for(n).await[n - 1]);
    assert!(mail.contains(&format!("To: {to}")), "{mail}");
    let start = mail.find(&format!("{PUBLIC}/t/")).unwrap_or_else(|| panic!("a link in {mail}"));
    mail[start..].split_whitespace().next().unwrap().trim_start_matches(PUBLIC).to_owned()
}

async fn set_password(srv: &TestServer, path: &str, password: &str) {
    let http = client();
    let form = http.get(srv.url(path)).send().await.unwrap();
    assert_eq!(form.status(), 200, "{path}");
    let csrf = csrf_of(&form.text().await.unwrap());
    let res = http
        .post(srv.url(path))
        .form(&[("csrf", csrf.as_str()), ("password", password), ("confirm", password)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
}

fn signup_fields<'a>(org: &'a str, email: &'a str, confirm: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("first_name", "Maria"),
        ("last_name", "Rossi"),
        ("job_title", "Admissions officer"),
        ("email", email),
        ("email_confirm", confirm),
        ("organisation", org),
        ("org_type", "university"),
        ("website", "https://www.unito.example"),
        ("country", "IT"),
    ]
}

async fn signup(srv: &TestServer, fields: &[(&str, &str)]) -> reqwest::Response {
    let http = client();
    let page = http.get(srv.url("/organisations/signup")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = csrf_of(&page.text().await.unwrap());
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(fields);
    http.post(srv.url("/organisations/signup")).form(&form).send().await.unwrap()
}

async fn signup_approval_and_set_password(backend: Backend) {
    let (_scratch, smtp, srv) = mail_server(backend).await;
    // Bad input: refused with the field named, nothing created.
    let res = signup(&srv, &signup_fields("Università di Torino", "maria@unito.example", "mario@unito.example")).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("email_confirm"));
    let mut fields = signup_fields("Università di Torino", "maria@unito.example", "maria@unito.example");
    fields[7].1 = "www.unito.example";
    assert_eq!(signup(&srv, &fields).await.status(), 400);
    assert!(organisations::signups(&mut srv.db().conn().unwrap(), false).unwrap().is_empty());

    let res = signup(&srv, &signup_fields("Università di Torino", "maria@unito.example", "maria@unito.example")).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("id=\"sent\""));
    let mail = decode_qp(&smtp.wait_for(1).await[0]);
    assert!(mail.contains("To: maria@unito.example"), "{mail}");
    let t = tenants::by_slug(&mut srv.db().conn().unwrap(), "universita-di-torino").unwrap();
    assert_eq!(t.status, "pending");
    assert_eq!(t.kind, TenantKind::Verifier);
    // Not approved yet: nobody can sign in there.
    assert_eq!(client().get(srv.url("/t/universita-di-torino/login")).send().await.unwrap().status(), 404);

    // The installation admin approves on the web page.
    let inst = tenants::by_slug(&mut srv.db().conn().unwrap(), "installation").unwrap();
    srv.user(&inst, "root@tessera.example", Role::InstallationAdmin);
    let admin = client();
    login(&admin, &srv, "installation", "root@tessera.example", PASSWORD).await;
    let page = admin.get(srv.url("/admin/organisations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Admissions officer") && page.contains("maria@unito.example"), "{page}");
    // A verifier or a forged form cannot decide.
    let res = admin
        .post(srv.url("/admin/organisations/universita-di-torino/approve"))
        .form(&[("csrf", "0".repeat(32).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = admin
        .post(srv.url("/admin/organisations/universita-di-torino/approve"))
        .form(&[("csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = admin
        .post(srv.url("/admin/organisations/universita-di-torino/reject"))
        .form(&[("csrf", csrf_of(&page).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409, "decided once");
    let path = link_in(&smtp, 2, "maria@unito.example").await;
    assert!(path.starts_with("/t/universita-di-torino/password/reset/"), "{path}");
    set_password(&srv, &path, "torino 2026 ok").await;
    let res = login(&client(), &srv, "universita-di-torino", "maria@unito.example", "torino 2026 ok").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/verifier");
    srv.stop().await;
}

async fn organisation_users_have_exactly_one_primary(backend: Backend) {
    let (_scratch, smtp, srv) = mail_server(backend).await;
    let org = srv.tenant("unito", TenantKind::Verifier);
    srv.user(&org, "maria@unito.example", Role::VerifierPrimary);
    let primary = client();
    login(&primary, &srv, "unito", "maria@unito.example", PASSWORD).await;
    let page = primary.get(srv.url("/verifier/users")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    // A bad address is refused; a good one creates an admin user with a set-password email.
    let add = |email: &'static str| {
        primary
            .post(srv.url("/verifier/users"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("first_name", "Luca"),
                ("family_name", "Bianchi"),
                ("job_title", "Registrar"),
                ("email", email),
            ])
            .send()
    };
    assert_eq!(add("not-an-address").await.unwrap().status(), 400);
    assert_eq!(add("luca@unito.example").await.unwrap().status(), 303);
    assert_eq!(add("luca@unito.example").await.unwrap().status(), 409, "one account per address");
    let path = link_in(&smtp, 1, "luca@unito.example").await;
    let members = organisations::members(&mut srv.db().conn().unwrap(), org.id).unwrap();
    assert_eq!(members.len(), 2);
    let luca = members.iter().find(|m| m.email == "luca@unito.example").unwrap().clone();
    assert_eq!(luca.job_title, "Registrar");
    assert_eq!(luca.role, "verifier_admin");
    // Not yet active: cannot become primary.
    let res = primary
        .post(srv.url(&format!("/verifier/users/{}/primary", luca.user_id)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    set_password(&srv, &path, "registrar 2026").await;
    // An admin user verifies results but does not manage users.
    let admin = client();
    assert_eq!(login(&admin, &srv, "unito", "luca@unito.example", "registrar 2026").await.status(), 303);
    let page = admin.get(srv.url("/verifier/users")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("/primary\""), "{page}");
    let res = admin
        .post(srv.url("/verifier/users"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("first_name", "X"),
            ("family_name", "Y"),
            ("job_title", "Z"),
            ("email", "x@unito.example"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(admin.get(srv.url("/api/v1/verifier/shared")).send().await.unwrap().status(), 200);
    // The primary hands the role over: still exactly one primary.
    let res = primary
        .post(srv.url(&format!("/verifier/users/{}/primary", luca.user_id)))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let members = organisations::members(&mut srv.db().conn().unwrap(), org.id).unwrap();
    assert_eq!(members.iter().filter(|m| m.role == "verifier_primary").count(), 1);
    assert_eq!(members[0].email, "luca@unito.example");
    // The new primary removes the old one (now an admin); the primary itself cannot be removed.
    let page = admin.get(srv.url("/verifier/users")).send().await.unwrap().text().await.unwrap();
    let csrf2 = csrf_of(&page);
    let maria = members.iter().find(|m| m.email == "maria@unito.example").unwrap().user_id.clone();
    let res = admin
        .post(srv.url(&format!("/verifier/users/{}/remove", luca.user_id)))
        .form(&[("csrf", csrf2.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let res = admin
        .post(srv.url(&format!("/verifier/users/{maria}/remove")))
        .form(&[("csrf", csrf2.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(organisations::members(&mut srv.db().conn().unwrap(), org.id).unwrap().len(), 1);
    // Her session ended with her account.
    assert_eq!(primary.get(srv.url("/api/v1/verifier/shared")).send().await.unwrap().status(), 401);
    // Each change is in the organisation's audit log, naming who was changed.
    let target = |action: &str| -> Vec<Option<String>> {
        audit::recent(&mut srv.db().conn().unwrap(), org.id, Some(action), 10)
            .unwrap()
            .into_iter()
            .map(|r| r.target)
            .collect()
    };
    assert!(!target("organisation.user_added").is_empty());
    assert_eq!(target("organisation.primary_handed_over"), [Some(luca.user_id.clone())]);
    assert_eq!(target("organisation.user_removed"), [Some(maria.clone())]);
    srv.stop().await;
}

both_backends!(signup_approval_and_set_password, organisation_users_have_exactly_one_primary);

/// `tessera org list|approve|reject` (R-ORG-SIGNUP from the command line).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_commands() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let srv = TestServer::start_with(Backend::Sqlite, move |c| {
        c.data_dir = d.clone();
        c.database.url = format!("sqlite://{}", d.join("tessera.db").display());
    })
    .await;
    assert_eq!(
        signup(&srv, &signup_fields("Comune di Milano", "a@comune.example", "a@comune.example")).await.status(),
        200
    );
    assert_eq!(signup(&srv, &signup_fields("ACME Hiring", "b@acme.example", "b@acme.example")).await.status(), 200);
    let env = [("TESSERA_DATA_DIR", dir.path().to_str().unwrap())];
    let (code, out, err) = tessera(&["org", "list", "--pending"], &env, None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("comune-di-milano") && out.contains("acme-hiring") && out.contains("pending"), "{out}");
    let (code, out, err) = tessera(&["org", "approve", "comune-di-milano"], &env, None);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("approved `comune-di-milano`"), "{out}");
    let (code, _, err) = tessera(&["org", "approve", "comune-di-milano"], &env, None);
    assert_eq!(code, 4, "{err}");
    let (code, _, _) = tessera(&["org", "reject", "acme-hiring"], &env, None);
    assert_eq!(code, 0);
    let (code, _, _) = tessera(&["org", "approve", "nope"], &env, None);
    assert_eq!(code, 5);
    let (code, out, _) = tessera(&["org", "list", "--json"], &env, None);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let statuses: Vec<&str> = v.as_array().unwrap().iter().map(|o| o["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["active", "rejected"]);
    // The approval queued the set-password email for the server's worker.
    let jobs: i64 = {
        use diesel::prelude::*;
        use tessera_storage::schema::jobs;
        jobs::table
            .filter(jobs::idempotency_key.like("invite:%"))
            .count()
            .get_result(&mut *srv.db().conn().unwrap())
            .unwrap()
    };
    assert_eq!(jobs, 1);
    srv.stop().await;
}
