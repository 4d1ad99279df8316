//! The candidate's choice when the centre cannot run their session as announced (R-CENTRE-FAULT).

use super::{shown_in_form, signed_in_candidate};
use crate::auth::{CsrfForm, CurrentUser};
use crate::error::AppResult;
use crate::extract::Path;
use crate::routes::pages::centre::fault::{ChoiceForm, choice_input};
use crate::routes::pages::render_user;
use crate::state::SharedState;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use tessera_app::candidate;
use tessera_app::centre as ops;

/// `POST /candidate/entries/{entry}/fault-choice`: the candidate chooses another session of the
/// same exam or a full refund for their own entry; a refusal shows their exams page with it.
pub(crate) async fn choose(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(entry_id): Path<String>,
    CsrfForm(f): CsrfForm<ChoiceForm>,
) -> AppResult<Response> {
    let cand = signed_in_candidate(&state, &user).await?;
    let input = choice_input(f.choice());
    match ops::choose_after_fault(&state, &user.tenant, &entry_id, input, user.user.id.clone(), Some(cand.id.clone()))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/candidate#entry-{entry_id}")).into_response()),
        Err(e) if shown_in_form(&e) => {
            let exams = candidate::exams(&state, &user.tenant, &cand).await?;
            render_user(
                &state,
                jar,
                user,
                "candidate_home.html",
                e.status,
                context! { exams => exams, candidate_name => format!("{} {}", cand.first_name, cand.family_name), error => e.for_page(), error_entry => entry_id },
            )
        }
        Err(e) => Err(e.into()),
    }
}
