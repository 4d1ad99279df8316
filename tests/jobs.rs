//! The durable job queue: idempotent enqueue, one claim per job even with two servers on one
//! database, and recovery of a job whose worker died.

use crate::support::*;
use chrono::Duration;
use tessera_domain::{Clock, Role, TenantKind};
use tessera_storage::repo::jobs::{self, NewJob};

fn email_job(key: &str, to: &str, at: chrono::DateTime<chrono::Utc>) -> NewJob<'static> {
    NewJob {
        kind: tessera_app::outbox::EMAIL_JOB,
        payload: serde_json::json!({"to": to, "subject": format!("Job {key}"), "body": "Hello"}),
        idempotency_key: key.to_owned(),
        run_at: at,
        max_attempts: 5,
    }
}

/// Two servers (as two Tessera processes would) share one PostgreSQL database and its queue:
/// 30 emails, each delivered exactly once, and an enqueue repeated with the same key is a no-op.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_deliver_each_email_once() {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let smtp_cfg = move |c: &mut tessera_daemon::config::Config| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.jobs.workers = 3;
    };
    let a = TestServer::start_with(Backend::Postgres, smtp_cfg).await;
    // The second server opens the same database by its URL.
    let db_url = a.database_url.clone();
    let b = TestServer::start_with(Backend::Sqlite, move |c| {
        smtp_cfg(c);
        c.database.url = db_url;
    })
    .await;
    let tenant = a.tenant("pl078", TenantKind::Centre);
    let now = a.clock.now();
    let mut c = a.db().conn().unwrap();
    for i in 0..30 {
        assert!(
            jobs::enqueue(&mut c, tenant.id, &email_job(&format!("k{i}"), &format!("c{i}@mail.example"), now), now)
                .unwrap()
        );
    }
    assert!(
        !jobs::enqueue(&mut c, tenant.id, &email_job("k0", "c0@mail.example", now), now).unwrap(),
        "same key: not enqueued again"
    );
    drop(c);
    a.running.as_ref().unwrap().state.jobs_wakeup.notify_waiters();
    b.running.as_ref().unwrap().state.jobs_wakeup.notify_waiters();
    let msgs = smtp.wait_for(30).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let msgs = if smtp.messages().len() > msgs.len() { smtp.messages() } else { msgs };
    let mut recipients: Vec<String> = msgs
        .iter()
        .map(|m| m.lines().find(|l| l.starts_with("To: ")).unwrap().trim_start_matches("To: ").to_owned())
        .collect();
    recipients.sort();
    let mut expected: Vec<String> = (0..30).map(|i| format!("c{i}@mail.example")).collect();
    expected.sort();
    assert_eq!(recipients, expected, "every email once, none twice");
    let mut c = a.db().conn().unwrap();
    let emails: Vec<_> =
        jobs::list(&mut c, tenant.id, 100).unwrap().into_iter().filter(|j| j.kind == "email").collect();
    assert_eq!(emails.len(), 30);
    assert!(emails.iter().all(|j| j.status == "done" && j.attempts == 1), "each claimed once and done");
    drop(c);
    b.stop().await;
    a.stop().await;
}

/// A job claimed by a worker that died is taken over when its lease runs out, and runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_workers_job_is_recovered_after_its_lease() {
    let scratch = tempfile::tempdir().unwrap();
    let smtp = SmtpSink::start(scratch.path());
    let port = smtp.port;
    let srv = TestServer::start_with(Backend::Sqlite, move |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
        c.jobs.lease_seconds = 60;
    })
    .await;
    let tenant = srv.tenant("pl078", TenantKind::Centre);
    srv.user(&tenant, "staff@pl078.example", Role::CentreStaff);
    let now = srv.clock.now();
    let mut c = srv.db().conn().unwrap();
    // A job due in the future, so the live workers leave it alone until the ghost claims it.
    jobs::enqueue(&mut c, tenant.id, &email_job("ghost", "ghost@mail.example", now + Duration::seconds(1)), now)
        .unwrap();
    let claimed = jobs::claim(&mut c, "ghost-worker", now + Duration::seconds(1), Duration::seconds(60))
        .unwrap()
        .expect("ghost claims it");
    assert_eq!(claimed.attempts, 1);
    drop(c);
    srv.advance(Duration::seconds(30));
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(smtp.messages().is_empty(), "within the lease nobody else runs it");
    srv.advance(Duration::seconds(40));
    srv.running.as_ref().unwrap().state.jobs_wakeup.notify_waiters();
    let msgs = smtp.wait_for(1).await;
    assert!(msgs[0].contains("ghost@mail.example"));
    let mut c = srv.db().conn().unwrap();
    assert!(
        !jobs::complete(&mut c, &claimed, "ghost-worker", srv.clock.now()).unwrap(),
        "the dead worker's late completion is ignored"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.messages().len(), 1, "ran once");
    drop(c);
    srv.stop().await;
}

/// A failing job is retried with back-off and ends `failed` once its attempts are spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_jobs_back_off_and_give_up() {
    let port = free_port(); // nobody listens: every send fails
    let srv = TestServer::start_with(Backend::Sqlite, move |c| {
        c.mail.transport = "smtp".into();
        c.mail.smtp_host = "127.0.0.1".into();
        c.mail.smtp_port = port;
    })
    .await;
    let tenant = srv.tenant("pl078", TenantKind::Centre);
    let now = srv.clock.now();
    let mut c = srv.db().conn().unwrap();
    let mut job = email_job("doomed", "x@mail.example", now);
    job.max_attempts = 2;
    jobs::enqueue(&mut c, tenant.id, &job, now).unwrap();
    drop(c);
    srv.running.as_ref().unwrap().state.jobs_wakeup.notify_waiters();
    let state = |srv: &TestServer| jobs::list(&mut srv.db().conn().unwrap(), tenant.id, 1).unwrap().remove(0);
    for _ in 0..100 {
        if state(&srv).attempts == 1 && state(&srv).status == "queued" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let j = state(&srv);
    assert_eq!((j.status.as_str(), j.attempts), ("queued", 1), "back in the queue after one failure");
    assert!(j.last_error.is_some());
    assert!(j.run_at.and_utc() > now, "with a back-off");
    srv.advance(Duration::minutes(5));
    for _ in 0..100 {
        if state(&srv).status == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state(&srv).status, "failed", "given up after max_attempts");
    srv.stop().await;
}
