//! The public entry form of a centre.

use crate::auth::{CsrfForm, CsrfProtected, MaybeUser};
use crate::error::{AppResult, HttpError};
use crate::extract::Path;
use crate::routes::pages::render;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use tessera_app::centre::read;
use tessera_app::centre::{self as ops, EntryInput};
use tessera_domain::ErrorCode;

/// `GET /t/{tenant}/enter`: the public entry form.
pub(crate) async fn entry_form(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let tenant = tessera_app::centre::read::public_centre(&state, slug).await?;
    entry_form_page(&state, jar, tenant, StatusCode::OK, context! { form => json!({}) }).await
}

async fn entry_form_page(
    state: &SharedState,
    jar: CookieJar,
    tenant: tessera_app::actor::Tenant,
    status: StatusCode,
    extra: minijinja::Value,
) -> AppResult<Response> {
    let day = ops::today(&tenant, state.clock.now());
    let sessions = read::sessions_open_for_entry(state, tenant.id, day).await?;
    let has_regulations = tessera_app::centre::public_pages::regulations(state, tenant.id).await?.is_some();
    render(
        state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "entry_form.html",
        status,
        context! { slug => tenant.slug.clone(), tenant_name => tenant.name.clone(), sessions => sessions, exam_names => read::exam_names(state).await?, timezone => tenant.timezone.name(), has_regulations => has_regulations, ..extra },
    )
}

csrf_form!(PublicEntryForm {
    session_id: String,
    first_name: String,
    family_name: String,
    date_of_birth: String,
    email: String,
    email_again: String,
    phone: String,
    nationality: String,
    id_document_type: String,
    id_document_number: String,
    guardian_name: String,
    guardian_contact: String,
    special_arrangements: String,
    student_discount_claimed: Option<String>,
    extra_time_condition: Option<String>,
    regulations_accepted: Option<String>,
});

/// `POST /t/{tenant}/enter`: submits an entry and shows the receipt, or the form again.
pub(crate) async fn submit_entry(
    State(state): State<SharedState>,
    jar: CookieJar,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<PublicEntryForm>,
) -> AppResult<Response> {
    let tenant = tessera_app::centre::read::public_centre(&state, slug).await?;
    let echo = json!({"session_id": f.session_id, "first_name": f.first_name, "family_name": f.family_name, "date_of_birth": f.date_of_birth, "email": f.email,
        "phone": f.phone, "nationality": f.nationality, "id_document_type": f.id_document_type, "id_document_number": f.id_document_number,
        "guardian_name": f.guardian_name, "guardian_contact": f.guardian_contact, "special_arrangements": f.special_arrangements,
        "extra_time_condition": f.extra_time_condition});
    if f.email.trim().to_lowercase() != f.email_again.trim().to_lowercase() {
        return entry_form_page(
            &state,
            jar,
            tenant,
            StatusCode::BAD_REQUEST,
            context! { form => echo, error => HttpError::at(ErrorCode::EmailMismatch, "email_again").for_page() },
        )
        .await;
    }
    let input = EntryInput {
        session_id: f.session_id,
        first_name: f.first_name,
        family_name: f.family_name,
        date_of_birth: f.date_of_birth,
        email: f.email,
        phone: f.phone,
        nationality: f.nationality,
        id_document_type: f.id_document_type,
        id_document_number: f.id_document_number,
        guardian_name: Some(f.guardian_name),
        guardian_contact: Some(f.guardian_contact),
        special_arrangements: Some(f.special_arrangements),
        student_discount_claimed: f.student_discount_claimed.is_some(),
        extra_time_condition: f.extra_time_condition,
        regulations_accepted: f.regulations_accepted.is_some(),
    };
    match ops::submit_entry(&state, &tenant, input, None).await {
        Ok(receipt) => {
            let amount = tessera_domain::Money::new(
                receipt.amount_due_minor,
                tessera_domain::Currency::parse(&receipt.currency)?,
            )
            .in_locale(tenant.locale);
            render(
                &state,
                jar,
                &MaybeUser(None),
                tenant.locale,
                "entry_received.html",
                StatusCode::CREATED,
                context! { receipt => receipt, amount => amount, tenant_name => tenant.name.clone() },
            )
        }
        Err(e) if e.is_refusal() => {
            entry_form_page(&state, jar, tenant, e.status, context! { form => echo, error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}
