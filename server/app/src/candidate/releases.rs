//! Announcing released results to their candidates by email (R-RELEASE).

use crate::error::AppError;
use crate::outbox::{EMAIL_JOB, EmailJob};
use crate::state::AppState;
use minijinja::context;
use std::collections::HashMap;
use tessera_domain::TenantId;
use tessera_storage::repo::candidate as repo;
use tessera_storage::repo::centre;
use tessera_storage::repo::jobs::NewJob;
use tessera_storage::repo::tenants::{self, Tenant};
use tessera_storage::repo::users;

/// R-RELEASE: announces every released current result version whose candidate has an account
/// and has not been told yet, by email in the centre's language. Each announcement is recorded
/// with its email job in one transaction (idempotency key `release-email:{result id}`), so a
/// result version is announced once, even across restarts and several processes. Returns how
/// many it announced. The daemon calls this periodically.
pub async fn announce_releases(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let pending = state.db.call(move |c| repo::pending_release_notices(c, now, 200)).await?;
    let mut announced = 0;
    let mut tenants_seen: HashMap<TenantId, Tenant> = HashMap::new();
    for notice in pending {
        // One announcement that fails (mail template, a user row gone) must not hold up the rest:
        // it is logged and tried again at the next look.
        match announce(state, &notice, &mut tenants_seen, now).await {
            Ok(true) => announced += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(result = %notice.result_id, error = %e, "could not announce a released result"),
        }
    }
    if announced > 0 {
        state.jobs_wakeup.notify_one();
    }
    Ok(announced)
}

async fn announce(
    state: &AppState,
    notice: &repo::PendingNotice,
    tenants_seen: &mut HashMap<TenantId, Tenant>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, AppError> {
    let t = notice.tenant_id;
    if let std::collections::hash_map::Entry::Vacant(v) = tenants_seen.entry(t) {
        v.insert(state.db.call(move |c| tenants::by_id(c, t)).await?);
    }
    let tenant = tenants_seen[&t].clone();
    let (uid, code) = (notice.user_id.clone(), notice.exam_code.clone());
    let (user, exam_name) = state
        .db
        .call(move |c| {
            let user = users::by_id(c, t, &uid)?;
            let name = centre::exams(c)?.into_iter().find(|e| e.code == code).map(|e| e.name).unwrap_or(code);
            Ok((user, name))
        })
        .await?;
    let email = match &user.email {
        Some(to) => Some(release_email(state, &tenant, &user.display_name, &exam_name, to)?),
        None => None,
    };
    let job = match email {
        Some(e) => Some(NewJob {
            kind: EMAIL_JOB,
            payload: serde_json::to_value(&e).map_err(AppError::internal)?,
            idempotency_key: format!("release-email:{}", notice.result_id),
            run_at: now,
            max_attempts: 8,
        }),
        None => None,
    };
    let n = notice.clone();
    Ok(state.db.call(move |c| repo::record_release_notice(c, &n, job.as_ref(), now)).await?)
}

fn release_email(state: &AppState, tenant: &Tenant, name: &str, exam: &str, to: &str) -> Result<EmailJob, AppError> {
    let (subject, body) = state
        .templates
        .render_email(
            "email/results_released.txt",
            tenant.locale,
            context! {
                name => name,
                exam => exam,
                tenant_name => tenant.name.clone(),
                link => format!("{}/t/{}/login", state.settings.public_url, tenant.slug),
            },
        )
        .map_err(AppError::internal)?;
    Ok(EmailJob { to: to.to_owned(), subject, body, attachments: vec![] })
}
