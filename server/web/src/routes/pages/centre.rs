//! Centre pages: sessions, a session's entries and results import, an entry's payments,
//! documents, Confirmation of Entry and refunds; and the public entry form. Usable without
//! JavaScript: every action is a plain form.

use super::render;
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser, check_csrf};
use crate::error::{AppError, AppResult, HttpError};
use crate::extract::{Multipart, Path};
use crate::state::{AppState, SharedState};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use serde_json::json;
use tessera_app::centre::read;
use tessera_app::centre::{self as ops, EntryInput, PaymentInput, RefundInput, SessionInput, TimetableInput};
use tessera_domain::{ErrorCode, Role};

const STAFF: &[Role] = &[Role::CentreManager, Role::CentreStaff];

macro_rules! csrf_form {
    ($name:ident { $($field:ident : $ty:ty),* $(,)? }) => {
        #[derive(Deserialize)]
        pub(super) struct $name {
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

/// `GET /centre/sessions/new`.
pub(super) async fn new_session(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let exams = read::exams(&state).await?;
    let locale = user.tenant.locale;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "centre_session_new.html",
        StatusCode::OK,
        context! { exams => exams, form => json!({}) },
    )
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
    let locale = user.tenant.locale;
    render(
        state,
        jar,
        &MaybeUser(Some(user)),
        locale,
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
pub(super) async fn create_session(
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
pub(super) async fn edit_session(
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
pub(super) async fn save_session(
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

async fn session_page(
    state: &SharedState,
    user: CurrentUser,
    jar: CookieJar,
    id: String,
    status: StatusCode,
    extra: minijinja::Value,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let tid = user.tenant_id();
    let overview = read::session_overview(state, &user, id.clone()).await?;
    let groups = tessera_app::centre::read::speaking_groups(state, tid, id).await?;
    let locale = user.tenant.locale;
    render(
        state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "centre_session.html",
        status,
        context! { session => overview.session, timetable => overview.timetable, entries => overview.entries, groups => groups, exam_names => exam_names(state).await?, ..extra },
    )
}

/// `GET /centre/sessions/{id}`.
pub(super) async fn session(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> AppResult<Response> {
    session_page(&state, user, jar, id, StatusCode::OK, context! {}).await
}

/// `POST /centre/sessions/{id}/results` (multipart: `csrf`, `file`): imports the results file.
/// The file part must be CSV: a `.csv` name or a CSV media type (else 415).
pub(super) async fn import_results(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    mut form: Multipart,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("csrf") => csrf = part.text().await?,
            Some("file") => {
                let named_csv = part.file_name().is_some_and(|n| n.to_ascii_lowercase().ends_with(".csv"));
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
    match ops::import_results_file(&state, &user.tenant, &id, &file, user.user.id.clone()).await? {
        Ok(n) => {
            let notice = state.templates.text_with(
                user.tenant.locale,
                "notice.centre.results_imported",
                &[("count", &n.to_string())],
            );
            session_page(&state, user, jar, id, StatusCode::OK, context! { notice => notice }).await
        }
        Err(refused) => {
            let mut lines: Vec<_> = refused
                .errors
                .iter()
                .map(|e| match &e.column {
                    Some(c) => format!("line {}, column {c}: {}", e.line, e.message),
                    None => format!("line {}: {}", e.line, e.message),
                })
                .collect();
            if refused.more > 0 {
                lines.push(format!("… and {} more error(s).", refused.more));
            }
            session_page(&state, user, jar, id, StatusCode::UNPROCESSABLE_ENTITY, context! { import_errors => lines })
                .await
        }
    }
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
    let locale = user.tenant.locale;
    render(
        state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "centre_entry.html",
        status,
        context! { d => v, kinds => ops::DOCUMENT_KINDS, exam_names => exam_names(state).await?, ..extra },
    )
}

/// The exams' names by code: pages name an exam ("B2 First"), codes are for forms and files.
pub(super) async fn exam_names(state: &AppState) -> AppResult<std::collections::BTreeMap<String, String>> {
    Ok(read::exam_names(state).await?)
}

/// `GET /centre/entries/{id}`.
pub(super) async fn entry(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
) -> AppResult<Response> {
    entry_page(&state, user, jar, id, StatusCode::OK, context! {}).await
}

csrf_form!(PaymentForm { amount: String, method: String, transfer_title: String });

/// `POST /centre/entries/{id}/payments`.
pub(super) async fn add_payment(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<PaymentForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let result = match money("amount", &f.amount) {
        Ok(amount_minor) => {
            let input = PaymentInput {
                amount_minor,
                method: f.method,
                transfer_title: Some(f.transfer_title),
                received_on: None,
            };
            ops::record_payment(&state, &user.tenant, &id, input, user.user.id.clone()).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/centre/entries/{id}")).into_response()),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            entry_page(&state, user, jar, id, StatusCode::BAD_REQUEST, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /centre/entries/{id}/documents` (multipart: `csrf`, `kind`, `file`); the kind `exam_photo`
/// is the exam-day photo.
pub(super) async fn add_document(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    mut form: Multipart,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let (mut csrf, mut kind, mut file) = (String::new(), String::new(), None);
    while let Some(part) = form.next_field().await? {
        match part.name() {
            Some("csrf") => csrf = part.text().await?,
            Some("kind") => kind = part.text().await?,
            Some("file") => {
                let name = part.file_name().unwrap_or("document").to_owned();
                let ct = part.content_type().unwrap_or("application/octet-stream").to_owned();
                let bytes = part.bytes().await?;
                file = Some((name, ct, bytes));
            }
            _ => {}
        }
    }
    check_csrf(&jar, &MaybeUser(Some(user.clone())), &csrf)?;
    let (filename, content_type, bytes) = file.ok_or_else(|| HttpError::at(ErrorCode::Required, "file"))?;
    let upload = ops::Upload { kind, filename, content_type, bytes: bytes.to_vec() };
    let stored = if upload.kind == "exam_photo" {
        // The exam-day photo (R-PHOTO-DAY) goes through the photo policy, not the document list.
        tessera_app::after_exam::upload_exam_photo(&state, &user.tenant, &id, upload, user.user.id.clone())
            .await
            .map(|_| ())
    } else {
        ops::upload_document(&state, &user.tenant, &id, upload, user.user.id.clone()).await.map(|_| ())
    };
    match stored {
        Ok(()) => Ok(Redirect::to(&format!("/centre/entries/{id}")).into_response()),
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

csrf_form!(PlainForm {});

/// `POST /centre/entries/{id}/coe`: issues the Confirmation of Entry and downloads its PDF.
pub(super) async fn issue_coe(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<PlainForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    match ops::issue_coe(&state, &user.tenant, &id, user.user.id.clone()).await {
        Ok(coe) => Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"coe-{}.pdf\"", coe.id_number)),
            ],
            coe.pdf,
        )
            .into_response()),
        Err(e) if e.status == StatusCode::CONFLICT => {
            entry_page(&state, user, jar, id, StatusCode::CONFLICT, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

csrf_form!(RefundForm {
    reason: String,
    relation: String,
    request_date: String,
    documents_received_date: String,
    documents: String
});

/// `POST /centre/entries/{id}/refunds`: asks the refund policy.
pub(super) async fn request_refund(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<RefundForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let reason = if f.reason == "bereavement" {
        json!({"type": "bereavement", "relation": f.relation})
    } else {
        json!({"type": f.reason})
    };
    let documents = f.documents.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let input = RefundInput {
        reason,
        request_date: Some(f.request_date),
        documents_received_date: Some(f.documents_received_date),
        documents,
    };
    match ops::request_refund(&state, &user.tenant, &id, input, user.user.id.clone()).await {
        Ok(_) => Ok(Redirect::to(&format!("/centre/entries/{id}")).into_response()),
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /t/{tenant}/enter`: the public entry form.
pub(super) async fn entry_form(
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
    render(
        state,
        jar,
        &MaybeUser(None),
        tenant.locale,
        "entry_form.html",
        status,
        context! { slug => tenant.slug.clone(), tenant_name => tenant.name.clone(), sessions => sessions, exam_names => exam_names(state).await?, timezone => tenant.timezone.name(), ..extra },
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
});

/// `POST /t/{tenant}/enter`: submits an entry and shows the receipt, or the form again.
pub(super) async fn submit_entry(
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
    };
    match ops::submit_entry(&state, &tenant, input, None).await {
        Ok(receipt) => {
            let amount = tessera_domain::Money::new(
                receipt.amount_due_minor,
                tessera_domain::Currency::parse(&receipt.currency)?,
            )
            .to_string();
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

/// Component scores typed as `Reading: 40, Writing 35` (a colon or a space between name and score).
fn component_scores(text: &str) -> Result<std::collections::BTreeMap<String, i32>, AppError> {
    let mut out = std::collections::BTreeMap::new();
    for part in text.split([',', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let (name, score) = part
            .rsplit_once([':', ' ', '='])
            .map(|(n, v)| (n.trim().trim_end_matches([':', '=']).trim(), v.trim()))
            .ok_or_else(|| AppError::at(ErrorCode::InvalidComponents, "components").arg("value", part))?;
        let score = score
            .parse::<i32>()
            .map_err(|_| AppError::at(ErrorCode::InvalidComponents, "components").arg("value", part))?;
        if name.is_empty() {
            return Err(AppError::at(ErrorCode::InvalidComponents, "components").arg("value", part));
        }
        out.insert(name.to_owned(), score);
    }
    Ok(out)
}

/// An action form of the entry page: its anti-forgery token and its fields.
#[derive(Deserialize)]
pub(super) struct ActionForm {
    csrf: String,
    #[serde(flatten)]
    fields: std::collections::HashMap<String, String>,
}

impl CsrfProtected for ActionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl ActionForm {
    fn get(&self, k: &str) -> String {
        self.fields.get(k).map(|v| v.trim().to_owned()).unwrap_or_default()
    }

    fn opt(&self, k: &str) -> Option<String> {
        Some(self.get(k)).filter(|v| !v.is_empty())
    }
}

/// `POST /centre/entries/{id}/{action}`: the exam-day and after-exam forms of the entry page
/// (attendance, case, enquiry, certificate collection, name correction). Success returns to the
/// entry page; a refusal shows it again with the reason.
pub(super) async fn entry_action(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> AppResult<Response> {
    use tessera_app::after_exam as after;
    user.require(STAFF)?;
    let actor = user.user.id.clone();
    let t = &user.tenant;
    let (tpl, locale) = (&state.templates, t.locale);
    let say = |key: &str, args: &[(&str, &str)]| tpl.text_with(locale, &format!("notice.centre.{key}"), args);
    let outcome: Result<String, AppError> = match action.as_str() {
        "attendance" => {
            let input = after::AttendanceInput {
                component: f.get("component"),
                present: f.get("present") == "yes",
                id_document_shown: f.opt("id_document_shown"),
            };
            after::record_attendance(&state, t, &id, input, actor).await.map(|o| {
                if o.admitted {
                    say("admitted", &[])
                } else {
                    say("not_admitted", &[("reasons", &o.reasons.join(" "))])
                }
            })
        }
        "case" => after::open_case(
            &state,
            t,
            &id,
            after::CaseInput { kind: f.get("kind"), description: f.get("description") },
            actor,
        )
        .await
        .map(|c| say("case_opened", &[("kind", &tpl.label(locale, "case_kind", &c.kind))])),
        "enquiry" => {
            let fee = money("fee", &f.get("fee"));
            match (fee, f.get("stage").parse::<i32>()) {
                (Ok(fee_minor), Ok(stage)) => {
                    after::open_enquiry(&state, t, &id, after::EnquiryInput { stage, fee_minor }, actor)
                        .await
                        .map(|e| say("enquiry_opened", &[("stage", &e.stage.to_string())]))
                }
                (Err(e), _) => Err(e),
                (_, Err(_)) => Err(AppError::at(ErrorCode::InvalidChoice, "stage")
                    .arg("value", f.get("stage"))
                    .arg("choices", "1, 2")),
            }
        }
        "collection" => {
            let input = after::CollectionInput {
                by: f.get("by"),
                collector_name: f.opt("collector_name"),
                collector_id_document: f.opt("collector_id_document"),
                signature_recorded: f.get("signature_recorded") == "yes",
                courier_address: f.opt("courier_address"),
            };
            after::collect_certificate(&state, t, &id, input, actor).await.map(|_| say("collection_recorded", &[]))
        }
        "name" => after::correct_name(
            &state,
            t,
            &id,
            after::NameCorrectionInput { first_name: f.get("first_name"), family_name: f.get("family_name") },
            actor,
        )
        .await
        .map(|n| n.message),
        "extra_time_report" => {
            let input = ops::ExtraTimeReportInput {
                made_on: f.get("made_on"),
                states_severity: f.get("states_severity") == "yes",
                names_diagnostic_tests: f.get("names_diagnostic_tests") == "yes",
                stamped_and_signed: f.get("stamped_and_signed") == "yes",
            };
            ops::record_extra_time_report(&state, t, &id, input, actor).await.map(|s| {
                let verdict = s.warnings.iter().find(|w| w.contains("R-PL-EXTRA-TIME")).cloned().unwrap_or_default();
                say("report_recorded", &[("verdict", &verdict)])
            })
        }
        "enquiry_outcome" => match (f.get("overall_score").parse::<i32>(), component_scores(&f.get("components"))) {
            (Ok(overall_score), Ok(components)) => {
                let input = after::EnquiryOutcomeInput {
                    overall_score,
                    grade: f.get("grade"),
                    cefr: f.get("cefr"),
                    components,
                };
                after::complete_enquiry(&state, t, &f.get("enquiry_id"), input, actor).await.map(|e| {
                    let outcome = tpl.label(locale, "enquiry_outcome", e.outcome.as_deref().unwrap_or_default());
                    let done = say("enquiry_completed", &[("outcome", &outcome)]);
                    if e.fee_refunded { format!("{done} {}", say("fee_refunded", &[])) } else { done }
                })
            }
            (Err(_), _) => {
                Err(AppError::at(ErrorCode::InvalidNumber, "overall_score").arg("value", f.get("overall_score")))
            }
            (_, Err(e)) => Err(e),
        },
        "close_case" => {
            user.require(&[Role::CentreManager])?;
            match f.get("decision").as_str() {
                d @ ("uphold" | "dismiss") => after::close_case(&state, t, &f.get("case_id"), d == "uphold", actor)
                    .await
                    .map(|c| say("case_closed", &[("status", &tpl.label(locale, "case_status", &c.status))])),
                other => Err(AppError::at(ErrorCode::InvalidChoice, "decision")
                    .arg("value", other)
                    .arg("choices", "uphold, dismiss")),
            }
        }
        _ => return Err(HttpError::not_found()),
    };
    match outcome {
        Ok(notice) => entry_page(&state, user, jar, id, StatusCode::OK, context! { notice => notice }).await,
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /centre/calendar`: every session and timetabled component, by month and day.
pub(super) async fn calendar(
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
    let locale = user.tenant.locale;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "centre_calendar.html",
        StatusCode::OK,
        context! { months => months, exam_names => exam_names(&state).await? },
    )
}

/// `POST /centre/refunds/{id}/{step}`: confirm a refund decision, record its payout, or reject it.
pub(super) async fn refund_step(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path((id, step)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<PlainForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let entry_id = read::refund_entry(&state, &user, id.clone()).await?;
    match ops::advance_refund(&state, &user.tenant, &id, &step, user.user.id.clone()).await {
        Ok(()) => Ok(Redirect::to(&format!("/centre/entries/{}", entry_id)).into_response()),
        Err(e) if e.is_refusal() => {
            entry_page(&state, user, jar, entry_id, e.status, context! { error => e.for_page() }).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /centre/sessions/{id}/{action}`: cancel a session below its minimum, or record the
/// arrival of its certificates.
pub(super) async fn session_action(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<PlainForm>,
) -> AppResult<Response> {
    user.require(STAFF)?;
    let locale = user.tenant.locale;
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
