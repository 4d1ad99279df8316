//! Centre pages: sessions, a session's entries and results import, an entry's payments,
//! documents, Confirmation of Entry and refunds; and the public entry form. Usable without
//! JavaScript: every action is a plain form.

use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::centre as ops;
use tessera_app::centre::lists::{self, ListQuery};
use tessera_app::centre::read;
use tessera_domain::{ErrorCode, Role};

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];

// Defined before the `mod`s below: a `macro_rules!` macro is visible only after its definition.
macro_rules! csrf_form {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Deserialize)]
        pub(crate) struct $name {
            csrf: String,
            $($field: $ty,)*
        }
        impl CsrfProtected for $name {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    };
}

pub(super) mod bulk_run;
pub(super) mod calendar;
pub(super) mod coe;
pub(super) mod coe_bulk;
pub(super) mod confirm;
pub(super) mod credentials;
pub(super) mod documents;
pub(super) mod entries;
pub(super) mod entry_actions;
pub(super) mod entry_list;
pub(crate) mod fault;
pub(super) mod find;
pub(super) mod home;
pub(super) mod payments;
pub(super) mod public_entry;
pub(super) mod public_pages;
pub(super) mod refunds;
pub(super) mod results;
pub(super) mod schools;
pub(super) mod sessions;
pub(super) mod settings;
pub(super) mod void;

/// Money typed as `810` or `810.50` to minor units.
fn money(field: &str, s: &str) -> Result<i64, AppError> {
    let t = s.trim().replace(',', ".");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, "0"));
    let frac = format!("{frac:0<2}");
    match (whole.parse::<i64>(), frac[..2].parse::<i64>(), frac.len() <= 2 || frac[2..].chars().all(|c| c == '0')) {
        (Ok(w), Ok(f), true) if w >= 0 => Ok(w * 100 + f),
        _ => Err(AppError::at(ErrorCode::InvalidAmount, field).arg("value", s)),
    }
}

async fn session_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    id: String,
    status: StatusCode,
    extra: minijinja::Value,
) -> AppResult<Response> {
    session_page_listing(state, user, jar, id, status, extra, &ListQuery::default()).await
}

/// The session's page with its entry list as `query` asks (filters, sort, page); a value the
/// list does not offer is left out and named in the page's error (status 400).
async fn session_page_listing(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    id: String,
    mut status: StatusCode,
    mut extra: minijinja::Value,
    query: &ListQuery,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let overview = read::session_overview(state, &user, id.clone()).await?;
    let (params, refused) = query.parse(&[]);
    if let Some(e) = refused {
        status = StatusCode::BAD_REQUEST;
        extra = context! { error => e.for_page(), ..extra };
    }
    let list = lists::entry_list(state, &user, Some(id.clone()), params).await?;
    let active =
        overview.entries.iter().filter(|e| tessera_domain::entries::r_entry_void_holds_place(&e.status)).count();
    let below_minimum =
        overview.session.status != "cancelled" && (active as i64) < i64::from(overview.session.minimum_candidates);
    let session_fault = ops::session_fault(state, tid, &id).await?;
    let groups = tessera_app::centre::read::speaking_groups(state, tid, id.clone()).await?;
    let runs = ops::session_runs(state, tid, &id, user.tenant.locale).await?;
    render_user(
        state,
        jar,
        user,
        "centre_session.html",
        status,
        context! {
            session => overview.session, timetable => overview.timetable, entry_count => overview.entries.len(),
            list => list, list_base => format!("/centre/sessions/{id}"), queues => queue_codes(), statuses => status_codes(),
            active => active, below_minimum => below_minimum,
            groups => groups, runs => runs, session_fault => session_fault, exam_names => read::exam_names(state).await?, ..extra
        },
    )
}

async fn entry_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    id: String,
    status: StatusCode,
    extra: minijinja::Value,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let v = ops::entry_details(state, user.tenant_id(), &id).await?;
    let actions = v.actions();
    render_user(
        state,
        jar,
        user,
        "centre_entry.html",
        status,
        context! {
            d => v, actions => actions, kinds => ops::DOCUMENT_KINDS, relations => relation_codes(),
            exam_names => read::exam_names(state).await?, ..extra
        },
    )
}

/// The entry list's `state` choices: the queues, then the statuses (codes; shown through the
/// locale).
fn queue_codes() -> Vec<&'static str> {
    use tessera_domain::Labelled;
    tessera_domain::entry_work::EntryQueue::ALL.iter().map(|q| q.code()).collect()
}

fn status_codes() -> Vec<&'static str> {
    use tessera_domain::Labelled;
    tessera_domain::labels::EntryStatus::ALL.iter().map(|q| q.code()).collect()
}

/// The bereavement refund's relations (codes; shown through the locale).
fn relation_codes() -> Vec<&'static str> {
    use tessera_domain::Labelled;
    tessera_domain::labels::Relation::ALL.iter().map(|r| r.code()).collect()
}
