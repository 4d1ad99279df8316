//! The installation admin's pages: creating a centre or an organisation, suspending and
//! reactivating one (with a confirmation step), and the mail queue (a failed email tried again
//! and delivered).

use crate::both_backends;
use crate::support::*;
use chrono::Duration;
use tessera_domain::{Clock, Role, TenantKind};
use tessera_storage::repo::{jobs, tenants};

both_backends!(admin_creates_suspends_and_reactivates_tenants);

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
