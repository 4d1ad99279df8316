//! The installation admin's pages: creating a centre or an organisation, suspending and
//! reactivating one (with a confirmation step), and the mail queue (a failed email tried again
//! and delivered).

use crate::both_backends;
use crate::support::*;
use chrono::Duration;
use tessera_domain::{Clock, Role, TenantKind};
use tessera_storage::repo::{jobs, tenants};

both_backends!(
    admin_creates_suspends_and_reactivates_tenants,
    admin_edits_a_tenant,
    admin_adds_users_and_sends_reset_links,
    admin_installs_and_assigns_plugins,
    organisation_requests_show_the_working_days_left,
    the_audit_log_filters_and_pages,
    the_health_page_shows_the_doctors_findings_in_words
);

/// An installation admin signed in through the pages.
async fn admin(srv: &TestServer) -> reqwest::Client {
    let inst = tenants::installation(&mut srv.db().conn().unwrap(), start_instant()).unwrap();
    srv.user(&inst, "root@tessera.example", Role::InstallationAdmin);
    let http = client();
    assert_eq!(login(&http, srv, &inst.slug, "root@tessera.example", PASSWORD).await.status(), 303);
    http
}

async fn page(http: &reqwest::Client, srv: &TestServer, path: &str) -> (u16, String) {
    let res = http.get(srv.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn post(http: &reqwest::Client, srv: &TestServer, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    let (_, html) = page(http, srv, "/admin").await;
    let csrf = csrf_of(&html);
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(form);
    http.post(srv.url(path)).form(&all).send().await.unwrap()
}

async fn admin_creates_suspends_and_reactivates_tenants(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let http = admin(&srv).await;

    // A bad time zone: the form again, the field marked, nothing stored.
    let form = [
        ("kind", "verifier"),
        ("name", "Szegedi Tudományegyetem"),
        ("slug", ""),
        ("country", "HU"),
        ("timezone", "Europe/Szeged"),
        ("locale", "hu"),
    ];
    let res = post(&http, &srv, "/admin/tenants", &form).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"id="timezone""#) && html.contains(r#"aria-describedby="timezone-error""#), "{html}");
    assert!(html.contains("Szegedi Tudományegyetem"), "what was typed stays: {html}");
    assert!(tenants::by_slug(&mut srv.db().conn().unwrap(), "szegedi-tudomanyegyetem").is_err());

    // Created with a code made from the name.
    let mut good = form;
    good[4] = ("timezone", "Europe/Budapest");
    let res = post(&http, &srv, "/admin/tenants", &good).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/admin?done=created");
    let (_, home) = page(&http, &srv, "/admin?done=created").await;
    assert!(home.contains("Created.") && home.contains("szegedi-tudomanyegyetem"), "{home}");
    let created = tenants::by_slug(&mut srv.db().conn().unwrap(), "szegedi-tudomanyegyetem").unwrap();
    assert_eq!((created.kind, created.status.as_str()), (TenantKind::Verifier, "active"));

    // Suspending asks first, saying what will happen; then the tenant's users are out.
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "staff@pl078.example", PASSWORD).await.status(), 303);
    assert_eq!(page(&staff, &srv, "/centre").await.0, 200);
    let (status, confirm) = page(&http, &srv, "/admin/tenants/pl078/suspend").await;
    assert_eq!(status, 200);
    assert!(confirm.contains("Suspend Tenant pl078?") && confirm.contains("signed out at once"), "{confirm}");
    assert_eq!(
        tenants::by_slug(&mut srv.db().conn().unwrap(), "pl078").unwrap().status,
        "active",
        "asking changes nothing"
    );
    let res = post(&http, &srv, "/admin/tenants/pl078/suspend", &[]).await;
    assert_eq!(location(&res), "/admin?done=suspended");
    assert_eq!(tenants::by_slug(&mut srv.db().conn().unwrap(), "pl078").unwrap().status, "suspended");
    let res = staff.get(srv.url("/centre")).send().await.unwrap();
    assert_eq!(res.status(), 303, "the signed-in user is out at the next request");
    let res = staff.get(srv.url("/t/pl078/login")).send().await.unwrap();
    assert_eq!(res.status(), 404, "a suspended tenant has no sign-in page");
    // Suspending twice is a conflict, not a second audit record.
    let res = post(&http, &srv, "/admin/tenants/pl078/suspend", &[]).await;
    assert_eq!(res.status(), 409);

    // Reactivated: the staff can sign in again.
    let (_, home) = page(&http, &srv, "/admin").await;
    assert!(home.contains(r#"href="/admin/tenants/pl078/reactivate""#), "{home}");
    let res = post(&http, &srv, "/admin/tenants/pl078/reactivate", &[]).await;
    assert_eq!(location(&res), "/admin?done=reactivated");
    assert_eq!(login(&staff, &srv, "pl078", "staff@pl078.example", PASSWORD).await.status(), 303);

    // The installation itself is never suspended; unknown codes and actions are not pages.
    let inst = tenants::installation(&mut srv.db().conn().unwrap(), start_instant()).unwrap();
    let res = post(&http, &srv, &format!("/admin/tenants/{}/suspend", inst.slug), &[]).await;
    assert_eq!(res.status(), 409);
    assert_eq!(page(&http, &srv, "/admin/tenants/nope/suspend").await.0, 404);
    assert_eq!(page(&http, &srv, "/admin/tenants/pl078/delete").await.0, 404);
    // Only the installation admin gets there.
    assert_eq!(page(&staff, &srv, "/admin/tenants/pl078/suspend").await.0, 404);
    let audit = tessera_storage::repo::audit::recent(&mut srv.db().conn().unwrap(), inst.id, None, 50).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"tenant.suspend") && actions.contains(&"tenant.reactivate"), "{actions:?}");
    assert_eq!(actions.iter().filter(|a| **a == "tenant.suspend").count(), 1, "{actions:?}");
    srv.stop().await;
}

/// An email the mail server refused on every attempt is listed (in the admin's language) and,
/// tried again from the page, delivered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_queue_lists_failed_emails_and_sends_them_again() {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(Backend::Sqlite, move |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
    })
    .await;
    let http = admin(&srv).await;
    let (_, empty) = page(&http, &srv, "/admin/mail").await;
    assert!(empty.contains("No email is waiting or has failed."), "{empty}");

    // An email whose only attempt failed (as a dead mail server would leave it).
    let centre = srv.tenant("pl078", TenantKind::Centre);
    let now = srv.clock.now();
    let later = now + Duration::hours(1);
    let mut c = srv.db().conn().unwrap();
    let job = jobs::NewJob {
        kind: tessera_app::outbox::EMAIL_JOB,
        payload: serde_json::json!({"to": "zofia@mail.example", "subject": "Potwierdzenie zgłoszenia", "body": "Dzień dobry"}),
        idempotency_key: "refused-once".into(),
        run_at: later,
        max_attempts: 1,
    };
    jobs::enqueue(&mut c, centre.id, &job, now).unwrap();
    let claimed = jobs::claim(&mut c, "ghost", later, Duration::seconds(60)).unwrap().expect("claimed");
    jobs::fail(&mut c, &claimed, "ghost", "Connection refused (os error 111)", later).unwrap();
    drop(c);

    let (_, listed) = page(&http, &srv, "/admin/mail").await;
    assert!(listed.contains("zofia@mail.example") && listed.contains("Potwierdzenie zgłoszenia"), "{listed}");
    assert!(listed.contains("Failed: no more attempts") && listed.contains("Connection refused"), "{listed}");
    {
        use diesel::RunQueryDsl;
        let mut c = srv.db().conn().unwrap();
        diesel::sql_query("UPDATE tenants SET locale = 'pl' WHERE kind = 'installation'").execute(&mut *c).unwrap();
    }
    let (_, polish) = page(&http, &srv, "/admin/mail").await;
    assert!(polish.contains("Nie wysłano: brak kolejnych prób") && polish.contains("Spróbuj teraz"), "{polish}");

    // Tried again from the page: delivered.
    let (_, html) = page(&http, &srv, "/admin/mail").await;
    let res = http
        .post(srv.url(&format!("/admin/mail/pl078/{}/retry", claimed.id)))
        .form(&[("csrf", csrf_of(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/admin/mail?done=retried");
    let mut delivered = false;
    for _ in 0..100 {
        if smtp.messages().iter().any(|m| m.contains("zofia@mail.example")) {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(delivered, "the email was sent again");
    // Once sent it is no longer waiting: trying again is a conflict, another tenant's id unknown.
    let (_, html) = page(&http, &srv, "/admin/mail").await;
    let again = |path: String| http.post(srv.url(&path)).form(&[("csrf", csrf_of(&html))]).send();
    assert_eq!(again(format!("/admin/mail/pl078/{}/retry", claimed.id)).await.unwrap().status(), 409);
    assert_eq!(again("/admin/mail/pl078/no-such-job/retry".into()).await.unwrap().status(), 404);
    srv.stop().await;
}

/// Changing a tenant's name, country, time zone and language: each bad field is named and
/// nothing is stored; the change shows on the tenant's own pages and is audited.
async fn admin_edits_a_tenant(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let http = admin(&srv).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "staff@pl078.example", Role::CentreStaff);

    let (status, html) = page(&http, &srv, "/admin").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"href="/admin/tenants/pl078""#), "each tenant links to its page: {html}");
    let (status, html) = page(&http, &srv, "/admin/tenants/pl078").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"value="Tenant pl078""#) && html.contains(r#"value="Europe&#x2f;Warsaw""#), "{html}");

    let good = [("name", "PL078 Integra Katowice"), ("country", "PL"), ("timezone", "Europe/Warsaw"), ("locale", "pl")];
    let stored = || tenants::by_slug(&mut srv.db().conn().unwrap(), "pl078").unwrap();
    for (field, bad) in [("name", "  "), ("country", "Polska"), ("timezone", "Europe/Katowice"), ("locale", "de")] {
        let mut form = good;
        form.iter_mut().find(|(k, _)| *k == field).unwrap().1 = bad;
        let res = post(&http, &srv, "/admin/tenants/pl078", &form).await;
        assert_eq!(res.status(), 400, "{field}");
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!(r#"aria-describedby="{field}-error""#)), "{field} is marked: {html}");
        assert!(html.contains(&format!(r#"id="{field}-error""#)), "{field} has its message: {html}");
        let t = stored();
        assert_eq!((t.name.as_str(), t.locale.as_str()), ("Tenant pl078", "en"), "nothing stored for a bad {field}");
    }
    let res = post(&http, &srv, "/admin/tenants/pl078", &good).await;
    assert_eq!(location(&res), "/admin/tenants/pl078?done=saved");
    let (_, html) = page(&http, &srv, "/admin/tenants/pl078?done=saved").await;
    assert!(html.contains("Saved.") && html.contains("PL078 Integra Katowice"), "{html}");
    let t = stored();
    assert_eq!(
        (t.name.as_str(), t.locale.as_str(), t.timezone.name()),
        ("PL078 Integra Katowice", "pl", "Europe/Warsaw")
    );
    // The centre's staff now see their pages in Polish, under the new name.
    let staff = client();
    assert_eq!(login(&staff, &srv, "pl078", "staff@pl078.example", PASSWORD).await.status(), 303);
    let (_, centre_home) = page(&staff, &srv, "/centre").await;
    assert!(centre_home.contains("PL078 Integra Katowice") && centre_home.contains(r#"lang="pl""#), "{centre_home}");
    // Only the installation admin edits; an unknown code is not a page.
    let (_, staff_html) = page(&staff, &srv, "/centre").await;
    let res = staff
        .post(srv.url("/admin/tenants/pl078"))
        .form(&[
            ("csrf", csrf_of(&staff_html).as_str()),
            ("name", "Hijacked"),
            ("country", "PL"),
            ("timezone", "UTC"),
            ("locale", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(page(&staff, &srv, "/admin/tenants/pl078").await.0, 404);
    assert_eq!(stored().name, "PL078 Integra Katowice");
    assert_eq!(post(&http, &srv, "/admin/tenants/nope", &good).await.status(), 404);
    let inst = tenants::installation(&mut srv.db().conn().unwrap(), start_instant()).unwrap();
    let audit =
        tessera_storage::repo::audit::recent(&mut srv.db().conn().unwrap(), inst.id, Some("tenant.edit"), 10).unwrap();
    assert_eq!(audit.len(), 1, "one change, one record");
    assert!(audit[0].details.contains("Tenant pl078") && audit[0].details.contains("PL078 Integra Katowice"));
    srv.stop().await;
}

/// Adding a user to a tenant sends an invitation to set a password; a reset link goes out after
/// a confirmation page; neither link is shown on a page.
async fn admin_adds_users_and_sends_reset_links(backend: Backend) {
    const PUBLIC: &str = "https://tessera.example";
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(backend, move |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.server.public_url = PUBLIC.into();
    })
    .await;
    let http = admin(&srv).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    let other = srv.tenant("hu012", TenantKind::Centre);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let foreign = srv.user(&other, "staff@hu012.example", Role::CentreStaff);

    let (status, html) = page(&http, &srv, "/admin/tenants/pl078/users").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("manager@pl078.example") && !html.contains("staff@hu012.example"), "{html}");
    assert!(html.contains(r#"<option value="centre_staff""#) && !html.contains(r#"value="candidate""#), "{html}");

    // Bad input: the field named, nothing stored.
    let count = || tessera_storage::repo::users::list(&mut srv.db().conn().unwrap(), centre.id).unwrap().len();
    for (field, form) in [
        ("role", [("role", "verifier_admin"), ("name", "Ewa Nowak"), ("email", "ewa@pl078.example")]),
        ("role", [("role", "candidate"), ("name", "Ewa Nowak"), ("email", "ewa@pl078.example")]),
        ("name", [("role", "centre_staff"), ("name", " "), ("email", "ewa@pl078.example")]),
        ("email", [("role", "centre_staff"), ("name", "Ewa Nowak"), ("email", "ewa@pl078")]),
    ] {
        let res = post(&http, &srv, "/admin/tenants/pl078/users", &form).await;
        assert_eq!(res.status(), 400, "{field}");
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!(r#"aria-describedby="{field}-error""#)), "{field}: {html}");
        assert_eq!(count(), 1, "nothing stored for a bad {field}");
    }
    assert!(smtp.messages().is_empty());

    // Added: an invitation with a link to set the password, which works.
    let form = [("role", "centre_staff"), ("name", "Ewa Nowak"), ("email", "Ewa@PL078.example")];
    let res = post(&http, &srv, "/admin/tenants/pl078/users", &form).await;
    assert_eq!(location(&res), "/admin/tenants/pl078/users?done=added");
    let (_, listed) = page(&http, &srv, "/admin/tenants/pl078/users?done=added").await;
    assert!(listed.contains("ewa@pl078.example") && listed.contains("Invited: no password yet"), "{listed}");
    assert!(!listed.contains("/password/reset/"), "the link is never on a page");
    let mail = decode_qp(&smtp.wait_for(1).await[0]);
    assert!(mail.contains("To: ewa@pl078.example") && mail.contains("within 7 days"), "{mail}");
    let start = mail.find(&format!("{PUBLIC}/t/pl078/password/reset/")).expect("a set-password link");
    let path = mail[start..].split_whitespace().next().unwrap().trim_start_matches(PUBLIC).to_owned();
    let ewa = client();
    let form_page = ewa.get(srv.url(&path)).send().await.unwrap().text().await.unwrap();
    let res = ewa
        .post(srv.url(&path))
        .form(&[("csrf", csrf_of(&form_page).as_str()), ("password", "nowe haslo 77"), ("confirm", "nowe haslo 77")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    assert_eq!(login(&client(), &srv, "pl078", "ewa@pl078.example", "nowe haslo 77").await.status(), 303);
    // The same email again is a conflict on the email, not a second user.
    let res = post(&http, &srv, "/admin/tenants/pl078/users", &form).await;
    assert_eq!(res.status(), 409);
    assert_eq!(count(), 2);

    // A reset link: asked first, then emailed; the password stays until the link is used.
    let ewa_id = tessera_storage::repo::users::by_login(&mut srv.db().conn().unwrap(), centre.id, "ewa@pl078.example")
        .unwrap()
        .id;
    let reset = format!("/admin/tenants/pl078/users/{ewa_id}/reset");
    let (status, confirm) = page(&http, &srv, &reset).await;
    assert_eq!(status, 200, "{confirm}");
    assert!(
        confirm.contains("Send Ewa Nowak a password reset link?") && confirm.contains("ewa@pl078.example"),
        "{confirm}"
    );
    assert_eq!(smtp.messages().len(), 1, "asking sends nothing");
    let res = post(&http, &srv, &reset, &[]).await;
    assert_eq!(location(&res), "/admin/tenants/pl078/users?done=reset_sent");
    let mail = decode_qp(&smtp.wait_for(2).await[1]);
    assert!(
        mail.contains("To: ewa@pl078.example") && mail.contains(&format!("{PUBLIC}/t/pl078/password/reset/")),
        "{mail}"
    );
    assert_eq!(login(&client(), &srv, "pl078", "ewa@pl078.example", "nowe haslo 77").await.status(), 303);

    // A candidate (signing in with an ID number, no email address) gets no link.
    let candidate = srv.user(&centre, "PL078000001", Role::Candidate);
    let no_email = format!("/admin/tenants/pl078/users/{}/reset", candidate.id);
    assert_eq!(page(&http, &srv, &no_email).await.0, 404);
    assert_eq!(post(&http, &srv, &no_email, &[]).await.status(), 404);

    // Another tenant's user is not reached through this tenant; other roles get no page.
    let cross = format!("/admin/tenants/pl078/users/{}/reset", foreign.id);
    assert_eq!(page(&http, &srv, &cross).await.0, 404);
    assert_eq!(post(&http, &srv, &cross, &[]).await.status(), 404);
    let manager = client();
    assert_eq!(login(&manager, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    assert_eq!(page(&manager, &srv, "/admin/tenants/pl078/users").await.0, 404);
    assert_eq!(page(&manager, &srv, &reset).await.0, 404);
    let inst = tenants::installation(&mut srv.db().conn().unwrap(), start_instant()).unwrap();
    let audit = tessera_storage::repo::audit::recent(&mut srv.db().conn().unwrap(), inst.id, None, 50).unwrap();
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert!(actions.contains(&"user.create") && actions.contains(&"password.reset_sent"), "{actions:?}");
    assert!(audit.iter().all(|a| !a.details.contains("/password/reset/")), "no link in the audit log");
    assert_eq!(smtp.messages().len(), 2);
    srv.stop().await;
}

/// Sends a plugin module and manifest through the upload form.
async fn upload(http: &reqwest::Client, srv: &TestServer, module: Vec<u8>, manifest: Vec<u8>) -> reqwest::Response {
    let (_, html) = page(http, srv, "/admin/plugins").await;
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf_of(&html))
        .part("module", reqwest::multipart::Part::bytes(module).file_name("plugin.wasm"))
        .part("manifest", reqwest::multipart::Part::bytes(manifest).file_name("plugin.toml"));
    http.post(srv.url("/admin/plugins")).multipart(form).send().await.unwrap()
}

/// The plugin library: an upload runs the plugin check and refuses, in words, what fails it;
/// a real plugin (built from plugins/) is installed, published and assigned to a centre with
/// settings the plugin checks.
async fn admin_installs_and_assigns_plugins(backend: Backend) {
    let dist = std::path::PathBuf::from(std::env::var("TESSERA_PLUGINS_DIST").expect("TESSERA_PLUGINS_DIST"));
    let read = |f: &str| std::fs::read(dist.join(f)).unwrap();
    let srv = TestServer::start(backend).await;
    let http = admin(&srv).await;
    srv.tenant("pl078", TenantKind::Centre);
    let installed =
        || srv.running.as_ref().unwrap().state.policies.list().into_iter().map(|p| p.name).collect::<Vec<_>>();
    let published = || tessera_storage::repo::plugin_files::digests(&mut srv.db().conn().unwrap()).unwrap();
    assert!(!installed().contains(&"pl".to_owned()));

    // Not WebAssembly; WebAssembly that does not compile; a manifest of another module.
    let res = upload(&http, &srv, b"#!/bin/sh\necho hi\n".to_vec(), read("pl.toml")).await;
    assert_eq!(res.status(), 415);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"aria-describedby="module-error""#) && html.contains("WebAssembly"), "{html}");
    let res = upload(&http, &srv, b"\0asm\x01\0\0\0not a module".to_vec(), read("pl.toml")).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("this plugin cannot be installed"), "{html}");
    let res = upload(&http, &srv, read("baseline.wasm"), read("pl.toml")).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(r#"aria-describedby="manifest-error""#)
            && html.contains("the manifest is missing, unreadable or does not match the module"),
        "the finding in words: {html}"
    );
    assert!(!installed().contains(&"pl".to_owned()) && published().is_empty(), "nothing installed");

    // The real plugin: installed, loaded, published for the other nodes, audited.
    let res = upload(&http, &srv, read("pl.wasm"), read("pl.toml")).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert!(installed().contains(&"pl".to_owned()));
    assert!(published().iter().any(|(name, _)| name == "pl"), "published to the database");
    let (_, library) = page(&http, &srv, "/admin/plugins?done=installed").await;
    assert!(library.contains(r#"id="plugin-pl""#) && library.contains("Refunds"), "{library}");

    // A plugin whose manifest has no settings schema (the same module under another name): its
    // settings page is the JSON box, checked by the plugin; a misspelt key is refused by name.
    let manifest = String::from_utf8(read("pl.toml")).unwrap();
    let plain = manifest[..manifest.find("\n[settings.").unwrap()].replace("name = \"pl\"", "name = \"plain\"");
    let res = upload(&http, &srv, read("pl.wasm"), plain.into_bytes()).await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let stored = || {
        let mut c = srv.db().conn().unwrap();
        let t = tenants::by_slug(&mut c, "pl078").unwrap();
        tessera_storage::repo::policy::get(&mut c, t.id, "refund").unwrap()
    };
    let (status, html) = page(&http, &srv, "/admin/tenants/pl078/plugins").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("The baseline plugin"), "{html}");
    assert!(html.contains(r#"<form method="get" action="/admin/tenants/pl078/plugins/settings">"#), "{html}");
    let (status, html) = page(&http, &srv, "/admin/tenants/pl078/plugins/settings?kind=refund&plugin=plain").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"<textarea id="config" name="config""#), "no schema: the JSON box: {html}");
    let bad = [("kind", "refund"), ("plugin", "plain"), ("config", r#"{"medical_basis_pints": 7500}"#)];
    let res = post(&http, &srv, "/admin/tenants/pl078/plugins", &bad).await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains(r#"aria-describedby="config-error"#) && html.contains("medical_basis_pints"), "{html}");
    assert!(html.contains(r##"href="#config""##), "the summary links to the box: {html}");
    assert!(
        html.contains("medical_basis_pints&quot;: 7500") || html.contains("medical_basis_pints\": 7500"),
        "typed settings stay: {html}"
    );
    let not_json = [("kind", "refund"), ("plugin", "plain"), ("config", "{medical")];
    let res = post(&http, &srv, "/admin/tenants/pl078/plugins", &not_json).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains(r#"aria-describedby="config-error"#));
    let wrong_kind = [("kind", "fees"), ("plugin", "plain"), ("config", "")];
    let res = post(&http, &srv, "/admin/tenants/pl078/plugins", &wrong_kind).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains(r#"aria-describedby="plugin-error"#));
    let (status, html) = page(&http, &srv, "/admin/tenants/pl078/plugins/settings?kind=fees&plugin=plain").await;
    assert_eq!(status, 400, "the first step again, told why: {html}");
    assert!(html.contains(r#"aria-describedby="plugin-error"#), "{html}");
    assert!(stored().is_none(), "nothing stored");
    let good = [("kind", "refund"), ("plugin", "plain"), ("config", r#"{"medical_basis_points": 7500}"#)];
    let res = post(&http, &srv, "/admin/tenants/pl078/plugins", &good).await;
    assert_eq!(location(&res), "/admin/tenants/pl078/plugins?done=assigned");
    let a = stored().expect("assigned");
    assert_eq!(a.plugin, "plain");
    assert!(a.config.contains("7500"));
    let (_, html) = page(&http, &srv, "/admin/tenants/pl078/plugins?done=assigned").await;
    assert!(html.contains("Assigned"), "{html}");
    // "Change" opens the kind's plugin's settings, filled with the tenant's.
    let change = r#"href="/admin/tenants/pl078/plugins/settings?kind=refund&amp;plugin=plain""#;
    assert!(html.contains(change), "{html}");
    assert!(html.contains(r#"href="/admin/tenants/pl078/plugins?kind=photo#assign""#), "{html}");
    let (_, change) = page(&http, &srv, "/admin/tenants/pl078/plugins/settings?kind=refund&plugin=plain").await;
    let textarea = &change[change.find("<textarea").unwrap()..];
    assert!(textarea[..textarea.find("</textarea>").unwrap()].contains("7500"), "{change}");
    let (_, first) = page(&http, &srv, "/admin/tenants/pl078/plugins?kind=photo").await;
    assert!(first.contains(r#"<option value="photo" selected>"#), "{first}");

    // Only the installation admin.
    let centre = tenants::by_slug(&mut srv.db().conn().unwrap(), "pl078").unwrap();
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let manager = client();
    assert_eq!(login(&manager, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    assert_eq!(page(&manager, &srv, "/admin/plugins").await.0, 404);
    assert_eq!(page(&manager, &srv, "/admin/tenants/pl078/plugins").await.0, 404);
    assert_eq!(page(&manager, &srv, "/admin/tenants/pl078/plugins/settings?kind=refund&plugin=pl").await.0, 404);
    srv.stop().await;
}

/// Each pending organisation request shows the working days left on the five-working-day
/// promise (R-ORG-SIGNUP), weekends not counted, then that it is due today, then how late it is.
async fn organisation_requests_show_the_working_days_left(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let http = admin(&srv).await;
    // Sunday 22 November 2026: the request counts from Monday and is due on Friday 27th.
    let visitor = client();
    let (_, form) = page(&visitor, &srv, "/organisations/signup").await;
    let res = visitor
        .post(srv.url("/organisations/signup"))
        .form(&[
            ("csrf", csrf_of(&form).as_str()),
            ("first_name", "Maria"),
            ("last_name", "Rossi"),
            ("job_title", "Admissions officer"),
            ("email", "maria@unito.example"),
            ("email_confirm", "maria@unito.example"),
            ("organisation", "Università di Torino"),
            ("org_type", "university"),
            ("website", "https://www.unito.example"),
            ("country", "IT"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, html) = page(&http, &srv, "/admin/organisations").await;
    assert!(html.contains("Working days left: 5 (answer by 27 November 2026)"), "{html}");
    // Days later the admin signs in again (sessions end after 30 idle minutes).
    srv.advance(Duration::days(5));
    assert_eq!(login(&http, &srv, "installation", "root@tessera.example", PASSWORD).await.status(), 303);
    let (_, html) = page(&http, &srv, "/admin/organisations").await;
    assert!(html.contains("Answer today"), "Friday 27th: {html}");
    // Tuesday 1 December: Monday and Tuesday late, the weekend not counted.
    srv.advance(Duration::days(4));
    assert_eq!(login(&http, &srv, "installation", "root@tessera.example", PASSWORD).await.status(), 303);
    let (_, html) = page(&http, &srv, "/admin/organisations").await;
    assert!(html.contains("Overdue: the answer was due on 27 November 2026; working days late: 2"), "{html}");
    srv.stop().await;
}

/// The audit log of every tenant: actions in words, filters by tenant, action, who and days
/// (each bad filter named), and pages of 50.
async fn the_audit_log_filters_and_pages(backend: Backend) {
    use tessera_storage::repo::audit::{self, AuditEvent};
    let srv = TestServer::start(backend).await;
    let http = admin(&srv).await;
    let centre = srv.tenant("pl078", TenantKind::Centre);
    let other = srv.tenant("hu012", TenantKind::Centre);
    let staff = srv.user(&centre, "staff@pl078.example", Role::CentreStaff);
    {
        let mut c = srv.db().conn().unwrap();
        let day = |d: i64| start_instant() + Duration::days(d);
        for i in 0..60 {
            let ev = AuditEvent {
                actor: Some(&staff.id),
                action: "entry.payment",
                target: Some("e1"),
                ..Default::default()
            };
            audit::append(&mut c, centre.id, &ev, day(0) + Duration::minutes(i)).unwrap();
        }
        let ev = AuditEvent { actor: None, action: "session.create", target: Some("s1"), ..Default::default() };
        audit::append(&mut c, other.id, &ev, day(3)).unwrap();
    }
    let rows = |html: &str| html.matches("<tr><td>").count();

    let (status, html) = page(&http, &srv, "/admin/audit?action=entry.payment").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Records found: 60") && html.contains("Payment recorded"), "{html}");
    assert!(html.contains("User staff@pl078.example (staff@pl078.example)"), "who, by name: {html}");
    assert_eq!(rows(&html), 50, "a page holds 50");
    assert!(
        html.contains("Page 1 of 2") && html.contains(r#"rel="next""#) && !html.contains(r#"rel="prev""#),
        "{html}"
    );
    let (_, second) = page(&http, &srv, "/admin/audit?action=entry.payment&page=2").await;
    assert_eq!(rows(&second), 10);
    assert!(second.contains("Page 2 of 2") && second.contains(r#"rel="prev""#), "{second}");

    // By tenant, by who (login, in any case), by days in the installation's time zone.
    let (_, html) = page(&http, &srv, "/admin/audit?tenant=hu012").await;
    assert!(
        html.contains("Records found: 1") && html.contains("Session created") && html.contains("The system"),
        "{html}"
    );
    let (_, html) = page(&http, &srv, "/admin/audit?actor=STAFF@pl078.example&tenant=pl078").await;
    assert!(html.contains("Records found: 60"), "{html}");
    let (_, html) = page(&http, &srv, "/admin/audit?actor=nobody@pl078.example").await;
    assert!(html.contains("Records found: 0") && html.contains("No record matches."), "{html}");
    let (_, html) = page(&http, &srv, "/admin/audit?from=2026-11-23&to=2026-11-25").await;
    assert!(html.contains("Records found: 1") && html.contains("Session created"), "{html}");
    let (_, html) = page(&http, &srv, "/admin/audit?from=2026-11-22&to=2026-11-22&tenant=pl078").await;
    assert!(html.contains("Records found: 60"), "{html}");

    // Bad filters are named.
    for (query, field) in [
        ("from=22.11.2026", "from"),
        ("from=2026-11-25&to=2026-11-23", "to"),
        ("action=entry.teleport", "action"),
        ("tenant=nope", "tenant"),
    ] {
        let (status, html) = page(&http, &srv, &format!("/admin/audit?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert!(html.contains(&format!(r#"aria-describedby="{field}-error""#)), "{query}: {html}");
    }

    // Only the installation admin.
    let staff_http = client();
    assert_eq!(login(&staff_http, &srv, "pl078", "staff@pl078.example", PASSWORD).await.status(), 303);
    assert_eq!(page(&staff_http, &srv, "/admin/audit").await.0, 404);
    srv.stop().await;
}

/// Every audit action a workflow writes has a label: the codes written in the source (string
/// literals shaped like `area.what` next to an audit call) are all in the list the pages label,
/// and every code of the list has words in every language (checked with the other labels).
#[test]
fn every_audit_action_in_the_source_has_a_label() {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                rust_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "rs") && !p.components().any(|c| c.as_os_str() == "tests") {
                out.push(p);
            }
        }
    }
    fn literals(line: &str) -> Vec<&str> {
        line.split('"').skip(1).step_by(2).collect()
    }
    let shaped = |s: &str| {
        s.contains('.')
            && !s.starts_with('.')
            && !s.ends_with('.')
            && s.split('.').all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../server");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut missing = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let near = lines[i.saturating_sub(6)..(i + 3).min(lines.len())].join("\n").to_lowercase();
            let about_text = [" t(", "(t(", "text(", "label", "format.", ".toml", ".txt", ".html", "catalogue"];
            // Lines naming pages (`("/admin/audit", "admin.audit.title")`) are about words too.
            let about_page = line.contains("\"/");
            if !(near.contains("audit") || near.contains("action"))
                || about_page
                || about_text.iter().any(|w| line.contains(w))
            {
                continue;
            }
            for lit in literals(line) {
                if shaped(lit) && !tessera_domain::audit::ACTIONS.contains(&lit) {
                    missing.push(format!("{}:{}: `{lit}`", f.display(), i + 1));
                }
                // An action made with format! next to an audit record (`verifier.result.{action}`):
                // some code of the list has that start.
                if let Some((start, _)) = lit.split_once('{')
                    && near.contains("audit")
                    && line.contains("format!(")
                    && start.ends_with('.')
                    && shaped(start.trim_end_matches('.'))
                    && !tessera_domain::audit::ACTIONS.iter().any(|a| a.starts_with(start))
                {
                    missing.push(format!("{}:{}: `{lit}`", f.display(), i + 1));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "audit actions without a label (add them to domain::audit::ACTIONS and [audit] in server/app/locales):\n{}",
        missing.join("\n")
    );
    assert!(tessera_domain::audit::ACTIONS.contains(&"login"), "the one code without a dot");
}

/// Health: the same findings as `tessera doctor`, problems first, in the admin's language.
async fn the_health_page_shows_the_doctors_findings_in_words(backend: Backend) {
    let srv = TestServer::start(backend).await;
    let http = admin(&srv).await;
    let (status, html) = page(&http, &srv, "/admin/health").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("answers and is up to date") && html.contains("Database"), "{html}");
    // This test server has no plugins: the doctor says so, first, as a problem.
    let first = html.find("finding-").map(|i| &html[i..i + 20]).unwrap_or_default();
    assert!(first.starts_with("finding-error"), "problems first: {first}");
    assert!(html.contains("no `baseline` plugin in") && html.contains("Problems: 1."), "{html}");
    assert!(html.contains("instead of being sent"), "the file mail transport is a warning: {html}");
    {
        use diesel::RunQueryDsl;
        let mut c = srv.db().conn().unwrap();
        diesel::sql_query("UPDATE tenants SET locale = 'pl' WHERE kind = 'installation'").execute(&mut *c).unwrap();
    }
    let (_, polish) = page(&http, &srv, "/admin/health").await;
    assert!(polish.contains("Baza danych") && polish.contains("odpowiada i jest aktualna"), "{polish}");
    let centre = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&centre, "manager@pl078.example", Role::CentreManager);
    let manager = client();
    assert_eq!(login(&manager, &srv, "pl078", "manager@pl078.example", PASSWORD).await.status(), 303);
    assert_eq!(page(&manager, &srv, "/admin/health").await.0, 404);
    srv.stop().await;
}
