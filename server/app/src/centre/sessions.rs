//! Sessions: creating, editing and cancelling a session (section 3), and its speaking groups.

use super::refunds::{RefundInput, request_refund};
use super::{audit_event, date, opt_date};
use crate::error::AppError;
use crate::state::AppState;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tessera_domain::ErrorCode;
use tessera_domain::Labelled;
use tessera_domain::entries::EntryStatus as EntryState;
use tessera_domain::money::total_minor;
use tessera_storage::repo::centre::{self, ExamSession};
use tessera_storage::repo::tenants::Tenant;
use tessera_storage::repo::workflows::{self, SessionExtras, TimetableLine};

/// One line of a session's timetable as typed.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct TimetableInput {
    /// The component, one of the exam's (e.g. `Reading`, `Speaking`).
    pub component: String,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `HH:MM`, local time.
    pub starts_at: String,
    /// Venue.
    pub venue: String,
    /// Room.
    pub room: String,
}

/// A session as typed by centre staff (section 3). Money in minor units, dates `YYYY-MM-DD`,
/// the release instant as local time `YYYY-MM-DD HH:MM` in `release_timezone` (default: the
/// centre's), e.g. "by 5 October 2018 at 09:00 UK time" is `2018-10-05 09:00` + `Europe/London`.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct SessionInput {
    pub exam_code: String,
    pub written_date: String,
    pub time_of_day: String,
    pub delivery: String,
    pub fee_minor: i64,
    pub late_fee_minor: i64,
    pub currency: String,
    pub registration_opens: String,
    pub registration_closes: String,
    pub late_entry_deadline: String,
    pub capacity: i32,
    pub minimum_candidates: i32,
    pub release_at: String,
    pub release_timezone: Option<String>,
    pub speaking_window_start: Option<String>,
    pub speaking_window_end: Option<String>,
    pub promotion_ends: Option<String>,
    pub student_discount_bp: Option<i32>,
    #[serde(default)]
    pub venue: String,
    #[serde(default)]
    pub timetable: Vec<TimetableInput>,
}

/// A session was created or changed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionCreated {
    pub id: String,
    pub release_at: String,
    /// Things worth a second look, e.g. a release date far from the usual window (R-RESULTS-WINDOW).
    pub warnings: Vec<String>,
}

/// Creates a session with its timetable, after checking every field.
pub async fn create_session(
    state: &AppState,
    tenant: &Tenant,
    input: &SessionInput,
    actor: String,
) -> Result<SessionCreated, AppError> {
    let exams = state.db.call(centre::exams).await?;
    let (session, extras, timetable) =
        check_session(tenant, &exams, input, uuid::Uuid::new_v4().to_string(), state.clock.now())?;
    let out = SessionCreated {
        id: session.id.clone(),
        release_at: session.release_at.and_utc().to_rfc3339(),
        warnings: release_window_warning(&session).into_iter().collect(),
    };
    state.db.call(move |c| workflows::create_session(c, &session, &extras, &timetable)).await?;
    audit_event(state, tenant.id, Some(actor), "session.create", Some(out.id.clone()), json!({})).await?;
    Ok(out)
}

/// Edits a session: fees, deadlines, promotional period, capacity, minimum, release instant and
/// timetable. The exam, date, time of day and delivery cannot change: entries never move
/// (R-NO-TRANSFER).
pub async fn update_session(
    state: &AppState,
    tenant: &Tenant,
    id: &str,
    input: &SessionInput,
    actor: String,
) -> Result<SessionCreated, AppError> {
    let (tid, sid) = (tenant.id, id.to_owned());
    let (existing, exams) = state.db.call(move |c| Ok((centre::session(c, tid, &sid)?, centre::exams(c)?))).await?;
    let (mut session, extras, timetable) = check_session(tenant, &exams, input, id.to_owned(), state.clock.now())?;
    if session.exam_code != existing.exam_code
        || session.written_date != existing.written_date
        || session.delivery != existing.delivery
        || session.time_of_day != existing.time_of_day
    {
        return Err(AppError::new(ErrorCode::NoTransfer));
    }
    session.created_at = existing.created_at;
    session.status = existing.status;
    let out = SessionCreated {
        id: session.id.clone(),
        release_at: session.release_at.and_utc().to_rfc3339(),
        warnings: release_window_warning(&session).into_iter().collect(),
    };
    state.db.call(move |c| workflows::update_session(c, &session, &extras, &timetable)).await?;
    audit_event(state, tid, Some(actor), "session.update", Some(id.to_owned()), json!({})).await?;
    Ok(out)
}

/// Checks a session as typed; returns it ready to store.
pub fn check_session(
    tenant: &Tenant,
    exams: &[centre::Exam],
    input: &SessionInput,
    id: String,
    now: DateTime<Utc>,
) -> Result<(ExamSession, SessionExtras, Vec<TimetableLine>), AppError> {
    let exam = exams.iter().find(|e| e.code == input.exam_code.trim()).ok_or_else(|| {
        AppError::at(ErrorCode::InvalidChoice, "exam_code")
            .arg("value", &input.exam_code)
            .arg("choices", exams.iter().map(|e| e.code.as_str()).collect::<Vec<_>>().join(", "))
    })?;
    let written = date("written_date", &input.written_date)?;
    if !matches!(input.time_of_day.as_str(), "AM" | "PM") {
        return Err(AppError::at(ErrorCode::InvalidChoice, "time_of_day")
            .arg("value", &input.time_of_day)
            .arg("choices", "AM, PM"));
    }
    if !matches!(input.delivery.as_str(), "PB" | "CB") {
        return Err(AppError::at(ErrorCode::InvalidChoice, "delivery")
            .arg("value", &input.delivery)
            .arg("choices", "PB, CB"));
    }
    if input.fee_minor < 0 {
        return Err(AppError::at(ErrorCode::Negative, "fee_minor"));
    }
    if input.late_fee_minor < 0 {
        return Err(AppError::at(ErrorCode::Negative, "late_fee_minor"));
    }
    let currency = tessera_domain::Currency::parse(input.currency.trim())?;
    let opens = date("registration_opens", &input.registration_opens)?;
    let closes = date("registration_closes", &input.registration_closes)?;
    let late = date("late_entry_deadline", &input.late_entry_deadline)?;
    if opens > closes {
        return Err(AppError::at(ErrorCode::DateOrder, "registration_closes").arg_field("other", "registration_opens"));
    }
    if late < closes {
        return Err(AppError::at(ErrorCode::DateOrder, "late_entry_deadline").arg_field("other", "registration_closes"));
    }
    if late > written {
        return Err(AppError::at(ErrorCode::DateAfter, "late_entry_deadline").arg_field("other", "written_date"));
    }
    if input.capacity < 1 {
        return Err(AppError::at(ErrorCode::NotPositive, "capacity"));
    }
    if input.minimum_candidates < 0 || input.minimum_candidates > input.capacity {
        return Err(AppError::at(ErrorCode::OutOfRange, "minimum_candidates").arg("min", 0).arg("max", input.capacity));
    }
    let tz = match input.release_timezone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(name) => {
            tessera_domain::tenant::parse_timezone(name).map_err(|e| AppError::from(e).on("release_timezone"))?
        }
        None => tenant.timezone,
    };
    let local = NaiveDateTime::parse_from_str(input.release_at.trim(), "%Y-%m-%d %H:%M")
        .map_err(|_| AppError::at(ErrorCode::InvalidDateTime, "release_at").arg("value", &input.release_at))?;
    let release = tz
        .from_local_datetime(&local)
        .earliest()
        .ok_or_else(|| AppError::at(ErrorCode::NonexistentLocalTime, "release_at"))?;
    let release = release.with_timezone(&Utc);
    if release.date_naive() < written {
        return Err(AppError::at(ErrorCode::DateOrder, "release_at").arg_field("other", "written_date"));
    }
    let speaking_start = opt_date("speaking_window_start", &input.speaking_window_start)?;
    let speaking_end = opt_date("speaking_window_end", &input.speaking_window_end)?;
    if let (Some(a), Some(b)) = (speaking_start, speaking_end)
        && a > b
    {
        return Err(
            AppError::at(ErrorCode::DateOrder, "speaking_window_end").arg_field("other", "speaking_window_start")
        );
    }
    let promotion_ends = opt_date("promotion_ends", &input.promotion_ends)?;
    if let Some(bp) = input.student_discount_bp
        && !(0..=10_000).contains(&bp)
    {
        return Err(AppError::at(ErrorCode::OutOfRange, "student_discount_bp").arg("min", 0).arg("max", 10_000));
    }
    let components: Vec<&str> = exam.components.split(',').collect();
    let mut timetable = Vec::new();
    for (i, line) in input.timetable.iter().enumerate() {
        let name = format!("timetable[{i}]");
        if !components.contains(&line.component.trim()) {
            return Err(AppError::at(ErrorCode::InvalidChoice, &name)
                .arg("value", &line.component)
                .arg("choices", components.join(", ")));
        }
        let day = date(&name, &line.day)?;
        if chrono::NaiveTime::parse_from_str(line.starts_at.trim(), "%H:%M").is_err() {
            return Err(AppError::at(ErrorCode::InvalidTime, &name).arg("value", &line.starts_at));
        }
        if timetable.iter().any(|l: &TimetableLine| l.component == line.component.trim()) {
            return Err(AppError::at(ErrorCode::Duplicate, &name).arg("value", &line.component));
        }
        timetable.push(TimetableLine {
            tenant_id: tenant.id.to_string(),
            session_id: id.clone(),
            component: line.component.trim().to_owned(),
            day,
            starts_at: line.starts_at.trim().to_owned(),
            venue: line.venue.trim().to_owned(),
            room: line.room.trim().to_owned(),
        });
    }
    let session = ExamSession {
        tenant_id: tenant.id.to_string(),
        id,
        exam_code: exam.code.clone(),
        written_date: written,
        time_of_day: input.time_of_day.clone(),
        delivery: input.delivery.clone(),
        fee_minor: input.fee_minor,
        late_fee_minor: input.late_fee_minor,
        currency: currency.to_string(),
        registration_opens: opens,
        registration_closes: closes,
        late_entry_deadline: late,
        capacity: input.capacity,
        minimum_candidates: input.minimum_candidates,
        release_at: release.naive_utc(),
        status: "open".into(),
        created_at: now.naive_utc(),
    };
    let extras = SessionExtras {
        speaking_window_start: speaking_start,
        speaking_window_end: speaking_end,
        promotion_ends,
        student_discount_bp: input.student_discount_bp,
        venue: input.venue.trim().to_owned(),
    };
    Ok((session, extras, timetable))
}

/// R-RESULTS-WINDOW: results usually come about 5 weeks after a paper-based exam and about 2 weeks
/// after a computer-based one. A release instant far from that is allowed but worth a warning.
pub fn release_window_warning(session: &ExamSession) -> Option<String> {
    let days = (session.release_at.date() - session.written_date).num_days();
    let (typical, range) =
        if session.delivery == "PB" { ("about 5 weeks", 21..=56) } else { ("about 2 weeks", 7..=28) };
    (!range.contains(&days)).then(|| {
        format!("R-RESULTS-WINDOW: results of a {} session usually come {typical} after the exam; this release is {days} days after it", session.delivery)
    })
}

/// Groups candidate numbers for the speaking test: pairs, with one group of three when the
/// number is odd (R-SPEAKING-PAIRS, the "3:2 format").
pub fn speaking_groups<T: Clone>(candidates: &[T]) -> Vec<Vec<T>> {
    let mut groups: Vec<Vec<T>> = candidates.chunks(2).map(<[T]>::to_vec).collect();
    if candidates.len() > 1 && candidates.len() % 2 == 1 {
        let last = groups.pop().expect("odd count leaves a single");
        groups.last_mut().expect("at least one pair").extend(last);
    }
    groups
}

/// One refund of a cancelled session.
#[derive(Debug, Clone, Serialize)]
pub struct CancellationRefund {
    pub entry: String,
    pub refund: String,
    pub amount_minor: i64,
    pub outcome: String,
}

/// Cancels a session that has not reached its minimum (managers only): every entry is cancelled
/// and every paid fee goes to the refund policy as `session_below_minimum` (R-SESSION-MINIMUM).
pub async fn cancel_session(
    state: &AppState,
    user: &crate::actor::Actor,
    session_id: &str,
) -> Result<Vec<CancellationRefund>, AppError> {
    user.require(&[tessera_domain::Role::CentreManager])?;
    let tid = user.tenant_id();
    let sid = session_id.to_owned();
    let (session, entries, active) = state
        .db
        .call(move |c| {
            Ok((
                centre::session(c, tid, &sid)?,
                centre::session_entries(c, tid, &sid)?,
                workflows::active_entry_count(c, tid, &sid)?,
            ))
        })
        .await?;
    if session.status == "cancelled" {
        return Err(AppError::new(ErrorCode::SessionCancelled));
    }
    if active >= i64::from(session.minimum_candidates) {
        return Err(AppError::new(ErrorCode::MinimumReached)
            .arg("active", active)
            .arg("minimum", session.minimum_candidates));
    }
    let mut refunds = Vec::new();
    // R-ENTRY-VOID: a voided entry gets no refund and stays voided; a cancelled one is done.
    for e in entries.iter().filter(|e| tessera_domain::entries::r_entry_void_holds_place(&e.status)) {
        let eid = e.id.clone();
        let paid = total_minor(
            state.db.call(move |c| workflows::payments(c, tid, &eid)).await?.iter().map(|p| p.amount_minor),
        )?;
        if paid > 0 {
            let input = RefundInput {
                reason: json!({"type": "session_below_minimum"}),
                request_date: None,
                documents_received_date: None,
                documents: vec![],
                payout_method: None,
                payout_account: None,
            };
            // An entry whose refund is already open keeps that request: staff decide it.
            match request_refund(state, &user.tenant, &e.id, input, user.user.id.clone()).await {
                Err(err) if err.code() == ErrorCode::RefundAlreadyOpen => {}
                other => {
                    let r = other?;
                    refunds.push(CancellationRefund {
                        entry: e.id.clone(),
                        refund: r.request.id,
                        amount_minor: r.request.amount_minor,
                        outcome: r.request.outcome,
                    });
                }
            }
        }
        let eid = e.id.clone();
        let now = state.clock.now();
        state
            .db
            .call(move |c| {
                workflows::set_entry_status(
                    c,
                    tid,
                    &eid,
                    EntryState::Cancelled.code(),
                    "[\"R-SESSION-MINIMUM: the session was cancelled\"]",
                    now,
                )
            })
            .await?;
    }
    let sid = session_id.to_owned();
    state.db.call(move |c| workflows::set_session_status(c, tid, &sid, "cancelled")).await?;
    audit_event(
        state,
        tid,
        Some(user.user.id.clone()),
        "session.cancel",
        Some(session_id.to_owned()),
        json!({"refunds": refunds.len()}),
    )
    .await?;
    Ok(refunds)
}
