//! Notifications of new shares for verifier users (R-NOTIFY): off, each candidate, a daily
//! summary, or a weekly summary sent on Mondays, in the organisation's time zone.
//!
//! A scheduler pass ([`tick`]) may run any number of times, in any number of processes, before or
//! after a restart: every email is queued with an idempotency key naming the user and the share
//! (or the day, or the week), and the queue refuses a key it has seen, so each is sent exactly once.

use crate::error::{AppError, AppResult};
use crate::outbox::{EMAIL_JOB, EmailJob};
use crate::state::AppState;
use crate::templates::Templates;
use crate::verifier::Verifier;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use minijinja::context;
use tessera_domain::ErrorCode;
use tessera_domain::{TenantId, TenantKind};
use tessera_storage::repo::jobs::{self, NewJob};
pub use tessera_storage::repo::notify::MODES;
use tessera_storage::repo::{notify, search_log, tenants, users};
use tessera_storage::{DbConnection, StorageError, StorageResult};

/// How far back "each candidate" looks for shares it has not announced yet.
const EACH_LOOKBACK_DAYS: i64 = 2;

fn local_midnight(tz: chrono_tz::Tz, d: NaiveDate) -> DateTime<Utc> {
    let naive = d.and_hms_opt(0, 0, 0).expect("midnight");
    // A midnight skipped by a DST change falls back to the earliest valid instant after it.
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The digest period a `mode` is due for at `now` in `tz`: `[from, to)` and its label.
pub fn due_period(mode: &str, tz: chrono_tz::Tz, now: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>, String)> {
    let today = now.with_timezone(&tz).date_naive();
    match mode {
        "daily" => {
            let y = today.pred_opt()?;
            Some((local_midnight(tz, y), local_midnight(tz, today), y.to_string()))
        }
        "weekly" => {
            // The week that ended at the latest Monday 00:00 (local) at or before now.
            let back = i64::from(today.weekday().num_days_from_monday());
            let monday = today - Duration::days(back);
            debug_assert_eq!(monday.weekday(), Weekday::Mon);
            let start = monday - Duration::days(7);
            Some((local_midnight(tz, start), local_midnight(tz, monday), format!("{start}..{monday}")))
        }
        _ => None,
    }
}

fn queue(
    conn: &mut DbConnection,
    tenant: TenantId,
    key: String,
    to: String,
    subject: String,
    body: String,
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let payload = serde_json::to_value(EmailJob { to, subject, body, attachments: vec![] })
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    jobs::enqueue(
        conn,
        tenant,
        &NewJob { kind: EMAIL_JOB, payload, idempotency_key: key, run_at: now, max_attempts: 8 },
        now,
    )
}

/// One scheduler pass: queues what is due. Returns how many emails were newly queued.
pub fn tick(
    conn: &mut DbConnection,
    templates: &Templates,
    public_url: &str,
    now: DateTime<Utc>,
) -> StorageResult<usize> {
    let mut queued = 0;
    for pref in notify::active(conn)? {
        let Ok(tid) = pref.tenant_id.parse::<TenantId>() else { continue };
        let tenant = tenants::by_id(conn, tid)?;
        if tenant.kind != TenantKind::Verifier || tenant.status != "active" {
            continue;
        }
        let user = match users::by_id(conn, tid, &pref.user_id) {
            Ok(u) => u,
            Err(StorageError::NotFound) => continue,
            Err(e) => return Err(e),
        };
        let Some(to) = user.email.clone() else { continue };
        let since = pref.since.and_utc();
        let link = format!("{public_url}/verifier/shared");
        match pref.mode.as_str() {
            "each" => {
                let from = since.max(now - Duration::days(EACH_LOOKBACK_DAYS));
                for r in
                    search_log::shared_between(conn, tid, from.naive_utc(), now.naive_utc() + Duration::seconds(1))?
                {
                    let (subject, body) = templates
                        .render_email(
                            "email/notify_each.txt",
                            tenant.locale,
                            context! {
                                name => user.display_name, first_name => r.first_name, family_name => r.family_name,
                                exam => r.exam_name, link => link,
                            },
                        )
                        .map_err(|e| StorageError::Corrupt(format!("email template: {e}")))?;
                    let key = format!("notify:each:{tid}:{}:{}", user.id, r.share_id);
                    queued += usize::from(queue(conn, tid, key, to.clone(), subject, body, now)?);
                }
            }
            mode @ ("daily" | "weekly") => {
                let Some((from, until, label)) = due_period(mode, tenant.timezone, now) else { continue };
                if until <= since {
                    continue;
                }
                let rows = search_log::shared_between(conn, tid, from.max(since).naive_utc(), until.naive_utc())?;
                if rows.is_empty() {
                    continue;
                }
                let names: Vec<String> =
                    rows.iter().map(|r| format!("{} {} ({})", r.first_name, r.family_name, r.exam_name)).collect();
                let (subject, body) = templates
                    .render_email("email/notify_digest.txt", tenant.locale, context! {
                        name => user.display_name, count => rows.len(), names => names, link => link, weekly => mode == "weekly",
                    })
                    .map_err(|e| StorageError::Corrupt(format!("email template: {e}")))?;
                let key = format!("notify:{mode}:{tid}:{}:{label}", user.id);
                queued += usize::from(queue(conn, tid, key, to, subject, body, now)?);
            }
            _ => {}
        }
    }
    Ok(queued)
}

/// The notification mode of the verifier user `v` (`off` when never set).
pub async fn preference(state: &AppState, v: &Verifier) -> AppResult<String> {
    let (tenant, id) = (v.tenant, v.actor_id.clone());
    Ok(state.db.call(move |c| notify::get(c, tenant, &id)).await?)
}

/// Sets the notification mode of the verifier user `v`; shares from now on count for it. Anything
/// but one of [`notify::MODES`] is refused and changes nothing.
pub async fn set_preference(state: &AppState, v: &Verifier, mode: &str) -> AppResult<()> {
    if !notify::MODES.contains(&mode) {
        return Err(AppError::at(ErrorCode::InvalidChoice, "mode")
            .arg("value", mode)
            .arg("choices", "off, each, daily, weekly"));
    }
    let (tenant, id, now, mode) = (v.tenant, v.actor_id.clone(), state.clock.now(), mode.to_owned());
    Ok(state.db.call(move |c| notify::set(c, tenant, &id, &mode, now)).await?)
}
