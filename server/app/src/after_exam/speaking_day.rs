//! Moving a candidate's speaking test to another day (R-TIMETABLE-CHANGE).

use super::{deadlines, entry_and_session};
use crate::centre::{audit_event, today};
use crate::error::AppError;
use crate::state::AppState;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows;

/// A request to move a candidate's paper to another day (R-TIMETABLE-CHANGE).
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TimetableChangeInput {
    /// The component to move: only `Speaking` can move.
    #[schema(example = "Speaking")]
    pub component: String,
    /// The new day, `YYYY-MM-DD`.
    #[schema(example = "2027-03-02")]
    pub day: String,
    /// The serious reason.
    #[schema(example = "illness")]
    pub reason: String,
    /// Whether the reason is documented (e.g. a medical certificate is on file).
    #[serde(default)]
    #[schema(example = true)]
    pub documented: bool,
}

/// Moves a candidate's speaking test: written and listening dates never change; a speaking date
/// may move for a serious documented reason, free, within the session's speaking window; where
/// the deadlines policy sets one (Hungary), the request must come by its date
/// (R-TIMETABLE-CHANGE).
pub async fn change_speaking_day(
    state: &AppState,
    tenant: &Tenant,
    entry_id: &str,
    input: TimetableChangeInput,
    actor: String,
) -> Result<NaiveDate, AppError> {
    let tid = tenant.id;
    if input.component.trim() != "Speaking" {
        return Err(AppError::new(ErrorCode::DateFixed).arg("component", input.component.trim()));
    }
    let day = NaiveDate::parse_from_str(input.day.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::at(ErrorCode::InvalidDate, "day").arg("value", &input.day))?;
    if !input.documented || input.reason.trim().is_empty() {
        return Err(AppError::at(ErrorCode::ReasonRequired, "documented"));
    }
    let (entry, session) = entry_and_session(state, tid, entry_id).await?;
    let sid = session.id.clone();
    let extras = state.db.call(move |c| workflows::session_extras(c, tid, &sid)).await?;
    match (extras.speaking_window_start, extras.speaking_window_end) {
        (Some(a), Some(b)) if (a..=b).contains(&day) => {}
        (Some(a), Some(b)) => {
            return Err(AppError::at(ErrorCode::OutsideWindow, "day").arg("start", a).arg("end", b));
        }
        _ => {
            return Err(AppError::new(ErrorCode::NoSpeakingWindow));
        }
    }
    let d = deadlines(state, tenant, &session, &actor).await?;
    if let Some(by) = d.timetable_change_request
        && today(tenant, state.clock.now()) > by
    {
        return Err(AppError::new(ErrorCode::TooLate).arg("deadline", by).arg("rule", "R-TIMETABLE-CHANGE"));
    }
    let eid = entry.id.clone();
    state.db.call(move |c| workflows::set_speaking_day(c, tid, &eid, day)).await?;
    audit_event(
        state,
        tid,
        Some(actor),
        "entry.speaking_day",
        Some(entry.id),
        json!({"day": day, "reason": input.reason, "fee": 0}),
    )
    .await?;
    Ok(day)
}
