//! A centre's sessions: the form for a new one or an edit, a session's page, and its actions
//! (cancel below the minimum, certificates arrived).

use super::confirm::{self, Confirmation};
use super::{STAFF, money, session_page, session_page_listing};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser};
use crate::error::{AppError, AppResult, HttpError};
use crate::extract::{Path, Query};
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use tessera_app::centre::lists::ListQuery;
use tessera_app::centre::read;
use tessera_app::centre::{self as ops, SessionInput, TimetableInput};
use tessera_domain::ErrorCode;

/// `GET /centre/sessions/new`.
pub(crate) async fn new_session(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let exams = read::exams(&state).await?;
    // The centre's own currency and time zone, not another country's.
    let form =
        json!({"currency": user.tenant.country.currency().as_str(), "release_timezone": user.tenant.timezone.name()});
    render_user(&state, jar, user, "centre_session_new.html", StatusCode::OK, context! { exams => exams, form => form })
}

csrf_form!(SessionForm {
    exam_code: String,
    written_date: String,
    time_of_day: String,
    delivery: String,
    fee: String,
    late_fee: String,
    currency: String,
    registration_opens: String,
    registration_closes: String,
    late_entry_deadline: String,
    capacity: String,
    minimum_candidates: String,
    release_at: String,
    release_timezone: String,
    venue: String,
    timetable: String,
    speaking_window_start: Option<String>,
    speaking_window_end: Option<String>,
    promotion_ends: Option<String>,
    student_discount: Option<String>,
});

fn number(field: &str, s: &str) -> Result<i32, AppError> {
    s.trim().parse().map_err(|_| AppError::at(ErrorCode::InvalidNumber, field).arg("value", s))
}

fn blank_is_none(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The session form's fields as typed, to show the form again.
fn session_echo(f: &SessionForm) -> serde_json::Value {
    json!({"exam_code": f.exam_code, "written_date": f.written_date, "time_of_day": f.time_of_day, "delivery": f.delivery, "fee": f.fee,
        "late_fee": f.late_fee, "currency": f.currency, "registration_opens": f.registration_opens, "registration_closes": f.registration_closes,
        "late_entry_deadline": f.late_entry_deadline, "capacity": f.capacity, "minimum_candidates": f.minimum_candidates, "release_at": f.release_at,
        "release_timezone": f.release_timezone, "venue": f.venue, "timetable": f.timetable, "speaking_window_start": f.speaking_window_start,
        "speaking_window_end": f.speaking_window_end, "promotion_ends": f.promotion_ends, "student_discount": f.student_discount})
}

/// The session form for a new session (`editing` None) or for editing one.
async fn session_form_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    status: StatusCode,
    editing: Option<String>,
    form: serde_json::Value,
    error: Option<minijinja::Value>,
) -> AppResult<Response> {
    let exams = read::exams(state).await?;
    render_user(
        state,
        jar,
        user,
        "centre_session_new.html",
        status,
        context! { exams => exams, form => form, editing => editing, error => error },
    )
}

fn session_input(f: &SessionForm) -> Result<SessionInput, AppError> {
    let mut timetable = Vec::new();
    for (i, line) in f.timetable.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let parts: Vec<&str> = line.split(';').map(str::trim).collect();
        if parts.len() != 5 {
            return Err(AppError::at(ErrorCode::InvalidTimetableLine, "timetable").arg("line", i + 1));
        }
        timetable.push(TimetableInput {
            component: parts[0].into(),
            day: parts[1].into(),
            starts_at: parts[2].into(),
            venue: parts[3].into(),
            room: parts[4].into(),
        });
    }
    Ok(SessionInput {
        exam_code: f.exam_code.clone(),
        written_date: f.written_date.clone(),
        time_of_day: f.time_of_day.clone(),
        delivery: f.delivery.clone(),
        fee_minor: money("fee", &f.fee)?,
        late_fee_minor: money("late_fee", &f.late_fee)?,
        currency: f.currency.trim().to_uppercase(),
        registration_opens: f.registration_opens.clone(),
        registration_closes: f.registration_closes.clone(),
        late_entry_deadline: f.late_entry_deadline.clone(),
        capacity: number("capacity", &f.capacity)?,
        minimum_candidates: number("minimum_candidates", &f.minimum_candidates)?,
        release_at: f.release_at.clone(),
        release_timezone: Some(f.release_timezone.clone()),
        speaking_window_start: blank_is_none(&f.speaking_window_start),
        speaking_window_end: blank_is_none(&f.speaking_window_end),
        promotion_ends: blank_is_none(&f.promotion_ends),
        student_discount_bp: match blank_is_none(&f.student_discount) {
            // Typed as a percentage, e.g. 10 or 12.5; stored in basis points.
            Some(p) => Some(
                i32::try_from(money("student_discount", &p)?)
                    .map_err(|_| AppError::at(ErrorCode::InvalidPercentage, "student_discount").arg("value", &p))?,
            ),
            None => None,
        },
        venue: f.venue.clone(),
        timetable,
    })
}

/// `POST /centre/sessions/new`: creates the session, or shows the form again with the error.
pub(crate) async fn create_session(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<SessionForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let created = match session_input(&form) {
        Ok(input) => ops::create_session(&state, &user.tenant, &input, user.user.id.clone()).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(out) => Ok(Redirect::to(&format!("/centre/sessions/{}", out.id)).into_response()),
        Err(e) if e.is_refusal() => {
            let status = e.status;
            session_form_page(&state, user, jar, status, None, session_echo(&form), Some(e.for_page())).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /centre/sessions/{id}/edit`: the session form filled with the session as stored (the
/// release instant in UTC).
pub(crate) async fn edit_session(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let read::StoredSession { session: s, extras, timetable } = read::stored_session(&state, &user, id.clone()).await?;
    let minor = |m: i64| format!("{}.{:02}", m / 100, m % 100);
    let lines: Vec<String> = timetable
        .iter()
        .map(|t| format!("{}; {}; {}; {}; {}", t.component, t.day, t.starts_at, t.venue, t.room))
        .collect();
    let form = json!({"exam_code": s.exam_code, "written_date": s.written_date, "time_of_day": s.time_of_day, "delivery": s.delivery,
        "fee": minor(s.fee_minor), "late_fee": minor(s.late_fee_minor), "currency": s.currency, "registration_opens": s.registration_opens,
        "registration_closes": s.registration_closes, "late_entry_deadline": s.late_entry_deadline, "capacity": s.capacity.to_string(),
        "minimum_candidates": s.minimum_candidates.to_string(), "release_at": s.release_at.format("%Y-%m-%d %H:%M").to_string(),
        "release_timezone": "UTC", "venue": extras.venue, "timetable": lines.join("\n"),
        "speaking_window_start": extras.speaking_window_start, "speaking_window_end": extras.speaking_window_end,
        "promotion_ends": extras.promotion_ends, "student_discount": extras.student_discount_bp.map(|bp| minor(i64::from(bp)))});
    session_form_page(&state, user, jar, StatusCode::OK, Some(id), form, None).await
}

/// `POST /centre/sessions/{id}/edit`: saves the session, or shows the form again with the error.
pub(crate) async fn save_session(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<SessionForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let saved = match session_input(&form) {
        Ok(input) => ops::update_session(&state, &user.tenant, &id, &input, user.user.id.clone()).await,
        Err(e) => Err(e),
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!("/centre/sessions/{id}")).into_response()),
        Err(e) if e.is_refusal() => {
            let status = e.status;
            session_form_page(&state, user, jar, status, Some(id), session_echo(&form), Some(e.for_page())).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /centre/sessions/{id}`: the session, its timetable and its entries, filtered by
/// `state`, sorted by `sort` and `direction`, a page (`page`) at a time.
pub(crate) async fn session(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> AppResult<Response> {
    session_page_listing(&state, user, jar, id, StatusCode::OK, context! {}, &query).await
}

csrf_form!(SessionActionForm { confirmed: Option<String> });

/// `POST /centre/sessions/{id}/{action}`: cancel a session below its minimum, or record the
/// arrival of its certificates. Cancelling cannot be undone: without `confirmed=yes` a
/// confirmation page says what it does, and nothing changes.
pub(crate) async fn session_action(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<SessionActionForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let locale = user.tenant.locale;
    // Only a cancellation that can happen is confirmed first; one that cannot is refused below.
    let below_minimum = match action.as_str() {
        "cancel" if !confirm::confirmed(&f.confirmed) => {
            let t = read::session_timetable(&state, &user, id.clone()).await?;
            let s = read::stored_session(&state, &user, id.clone()).await?.session;
            (s.status != "cancelled" && t.active_entries < i64::from(s.minimum_candidates))
                .then_some((t.active_entries, s.minimum_candidates))
        }
        _ => None,
    };
    if let Some((active, minimum)) = below_minimum {
        let (active, minimum) = (active.to_string(), minimum.to_string());
        let args = [("active", active.as_str()), ("minimum", minimum.as_str())];
        let say = |key: &str| state.templates.text_with(locale, &format!("centre.confirm_step.cancel_{key}"), &args);
        let c = Confirmation {
            title: say("title"),
            body: vec![say("body"), say("after")],
            action: format!("/centre/sessions/{id}/do/cancel"),
            fields: vec![],
            button: say("button"),
            back: format!("/centre/sessions/{id}"),
            back_label: say("keep"),
        };
        return confirm::page(&state, user, jar, c);
    }
    let say = |key: &str, count: usize| {
        state.templates.text_with(locale, &format!("notice.centre.{key}"), &[("count", &count.to_string())])
    };
    let outcome = match action.as_str() {
        "cancel" => {
            ops::cancel_session(&state, &user, &id).await.map(|refunds| say("session_cancelled", refunds.len()))
        }
        "certificates" => {
            tessera_app::after_exam::certificates_arrived(&state, &user.tenant, &id, user.user.id.clone())
                .await
                .map(|n| say("certificates_arrived", n))
        }
        _ => return Err(HttpError::not_found()),
    };
    match outcome {
        Ok(notice) => session_page(&state, user, jar, id, StatusCode::OK, context! { notice => notice }).await,
        Err(e) if e.is_refusal() => {
            session_page(&state, user, jar, id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}
