//! A session's results file, imported from its page: the file is stored and imported in the
//! background; the run's page (`bulk_run`) shows the progress, then the report.

use super::{STAFF, session_page};
use crate::auth::{CurrentUser, MaybeUser, check_csrf};
use crate::error::{AppResult, HttpError};
use crate::extract::{Multipart, Path};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::centre as ops;
use tessera_domain::ErrorCode;

/// `POST /centre/sessions/{id}/results` (multipart: `csrf`, `file`): starts importing the results
/// file and sends the user to the run's page. The file part must be CSV: a `.csv` name or a CSV
/// media type (else 415); a file that is not text is refused here, line by line.
pub(crate) async fn import_results(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    mut form: Multipart,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let (mut csrf, mut file, mut name) = (String::new(), None, None);
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("csrf") => csrf = part.text().await?,
            Some("file") => {
                name = part.file_name().map(str::to_owned);
                let named_csv = name.as_deref().is_some_and(|n| n.to_ascii_lowercase().ends_with(".csv"));
                let content_type = part.content_type().map(str::to_owned);
                let bytes = part.bytes().await?;
                file = Some((named_csv || content_type.as_deref().is_some_and(ops::is_csv_type), content_type, bytes));
            }
            _ => {}
        }
    }
    check_csrf(&jar, &MaybeUser(Some(user.clone())), &csrf)?;
    let (is_csv, content_type, file) = file.ok_or_else(|| HttpError::at(ErrorCode::Required, "file"))?;
    if !is_csv {
        let refusal = ops::not_csv(content_type.as_deref());
        let lines = vec![refusal.text(user.tenant.locale)];
        return session_page(&state, user, jar, id, refusal.status, context! { import_errors => lines }).await;
    }
    match ops::start_results_import(&state, &user.tenant, &id, name, &file, user.user.id.clone()).await? {
        Ok(run) => Ok(Redirect::to(&format!("/centre/sessions/{id}/runs/{run}")).into_response()),
        Err(refused) => {
            let locale = user.tenant.locale;
            let refused = refused.in_locale(locale);
            let tpl = &state.templates;
            let mut lines: Vec<_> = refused
                .errors
                .iter()
                .map(|e| {
                    let line = e.line.to_string();
                    match &e.column {
                        Some(c) => tpl.text_with(
                            locale,
                            "centre.import_line_column",
                            &[("line", &line), ("column", c), ("message", &e.message)],
                        ),
                        None => {
                            tpl.text_with(locale, "centre.import_line", &[("line", &line), ("message", &e.message)])
                        }
                    }
                })
                .collect();
            if refused.more > 0 {
                lines.push(tpl.text_with(locale, "centre.import_more", &[("count", &refused.more.to_string())]));
            }
            session_page(&state, user, jar, id, StatusCode::UNPROCESSABLE_ENTITY, context! { import_errors => lines })
                .await
        }
    }
}
