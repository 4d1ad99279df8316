//! Exam day and after (DOMAIN.md sections 7 to 9): attendance with the ID check, exam-day
//! photos, cases (special consideration, malpractice, complaints), results enquiries, appeals,
//! certificates and name corrections, and the retention purge. Country rules come from the
//! tenant's identity, photo, deadlines and retention policies.

mod appeals;
mod attendance;
mod cases;
mod certificates;
mod certifying_statements;
mod enquiries;
mod name_corrections;
mod retention;
mod speaking_day;

pub use appeals::*;
pub use attendance::*;
pub use cases::*;
pub use certificates::*;
pub use certifying_statements::*;
pub use enquiries::*;
pub use name_corrections::*;
pub use retention::*;
pub use speaking_day::*;

use crate::error::AppError;
use crate::state::AppState;
use tessera_domain::TenantId;
use tessera_plugin_sdk::kinds::Deadlines;
use tessera_storage::repo::centre::{self, Entry, ExamSession};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

async fn entry_and_session(state: &AppState, tid: TenantId, entry_id: &str) -> Result<(Entry, ExamSession), AppError> {
    let eid = entry_id.to_owned();
    Ok(state
        .db
        .call(move |c| {
            let e = centre::entry(c, tid, &eid)?;
            let s = centre::session(c, tid, &e.session_id)?;
            Ok((e, s))
        })
        .await?)
}

async fn deadlines(
    state: &AppState,
    tenant: &Tenant,
    session: &ExamSession,
    actor: &str,
) -> Result<Deadlines, AppError> {
    let tid = tenant.id;
    let sid = session.id.clone();
    let first = state
        .db
        .call(move |c| workflows::timetable(c, tid, &sid))
        .await?
        .first()
        .map(|l| l.day)
        .unwrap_or(session.written_date);
    let facts = crate::centre::deadline_facts(session, first.min(session.written_date));
    crate::policy::decide(state, tid, facts, Some(actor.to_owned())).await
}
