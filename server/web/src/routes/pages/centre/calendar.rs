//! The centre's calendar.

use super::STAFF;
use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::centre::read;

/// `GET /centre/calendar`: every session and timetabled component, by month and day.
pub(crate) async fn calendar(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let days = read::calendar(&state, &user).await?;
    // (first day of the month, [(day, items)]), in date order; the page writes them in its language.
    type Day = (chrono::NaiveDate, Vec<read::CalendarItem>);
    let mut months: Vec<(chrono::NaiveDate, Vec<Day>)> = Vec::new();
    for (day, items) in days {
        let month = chrono::Datelike::with_day(&day, 1).unwrap_or(day);
        if months.last().is_none_or(|(m, _)| *m != month) {
            months.push((month, Vec::new()));
        }
        months.last_mut().expect("just pushed").1.push((day, items));
    }
    render_user(
        &state,
        jar,
        user,
        "centre_calendar.html",
        StatusCode::OK,
        context! { months => months, exam_names => read::exam_names(&state).await? },
    )
}
