//! Organisation sign-up (public), the installation admin's decisions, and an organisation's
//! users (R-ORG-SIGNUP, R-ORG-USERS).

use super::{render, visitor_locale};
use crate::auth::{CsrfForm, CsrfProtected, CurrentUser, MaybeUser};
use crate::error::{AppError, AppResult};
use crate::extract::Path;
use crate::organisations::{self, ORG_TYPES, SignupForm};
use crate::outbox::{EmailJob, queue_email};
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use minijinja::context;
use serde::Deserialize;
use tessera_domain::{DomainError, ErrorCode, Role};
use tessera_storage::repo::organisations::{self as orgs, Person};
use tessera_storage::repo::tenants;

/// `GET /organisations/signup`.
pub(super) async fn signup_form(
    State(state): State<SharedState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> AppResult<Response> {
    let locale = visitor_locale(&headers);
    render(
        &state,
        jar,
        &MaybeUser(None),
        locale,
        "org_signup.html",
        StatusCode::OK,
        context! {
            types => ORG_TYPES, f => SignupForm::default(),
        },
    )
}

#[derive(Deserialize)]
pub(super) struct SignupPost {
    csrf: String,
    #[serde(flatten)]
    form: SignupForm,
}

impl CsrfProtected for SignupPost {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /organisations/signup`: records the request; the installation admin decides.
pub(super) async fn signup_submit(
    State(state): State<SharedState>,
    headers: HeaderMap,
    jar: CookieJar,
    CsrfForm(post): CsrfForm<SignupPost>,
) -> AppResult<Response> {
    let locale = visitor_locale(&headers);
    let form = post.form;
    let refuse = |jar, e: DomainError| {
        render(
            &state,
            jar,
            &MaybeUser(None),
            locale,
            "org_signup.html",
            StatusCode::BAD_REQUEST,
            context! {
                types => ORG_TYPES, f => form.clone(), error => AppError::from(e).for_page(),
            },
        )
    };
    let checked = match form.check() {
        Ok(c) => c,
        Err(e) => return refuse(jar, e),
    };
    let now = state.clock.now();
    let created = state
        .db
        .call(move |c| {
            // A name like another's gets a numbered code.
            let base = checked.tenant.slug.clone();
            for n in 1..=20 {
                let mut t = checked.tenant.clone();
                if n > 1 {
                    t.slug = format!("{}-{n}", base.chars().take(36).collect::<String>());
                }
                match orgs::submit(c, &t, &checked.org_type, &checked.website, &checked.applicant, now) {
                    Err(tessera_storage::StorageError::Conflict(_)) if tenants::by_slug(c, &t.slug).is_ok() => continue,
                    other => return other,
                }
            }
            Err(tessera_storage::StorageError::Conflict(
                DomainError::new(ErrorCode::ConflictOrganisationName).on("organisation"),
            ))
        })
        .await;
    let (tenant, user) = match created {
        Ok(x) => x,
        Err(tessera_storage::StorageError::Conflict(e)) => return refuse(jar, e),
        Err(e) => return Err(e.into()),
    };
    let (subject, body) = state
        .templates
        .render_email(
            "email/org_signup_received.txt",
            locale,
            context! { name => user.display_name, organisation => tenant.name },
        )
        .map_err(AppError::internal)?;
    let to = user.email.clone().unwrap_or_default();
    queue_email(
        &state,
        tenant.id,
        format!("org-received:{}", tenant.id),
        EmailJob { to, subject, body, attachments: vec![] },
    )
    .await?;
    render(&state, jar, &MaybeUser(None), locale, "org_signup.html", StatusCode::OK, context! { sent => true })
}

/// `GET /admin/organisations`: sign-up requests, pending first.
pub(super) async fn admin_list(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let all = state.db.call(|c| orgs::signups(c, false)).await?;
    let rows: Vec<_> = all
        .into_iter()
        .map(|(t, s)| context! { slug => t.slug, name => t.name, country => t.country.to_string(), status => t.status, s => s })
        .collect();
    let locale = user.tenant.locale;
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "admin_organisations.html",
        StatusCode::OK,
        context! { rows => rows },
    )
}

#[derive(Deserialize)]
pub(super) struct CsrfOnly {
    csrf: String,
}

impl CsrfProtected for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /admin/organisations/{slug}/{approve|reject}`.
pub(super) async fn admin_decide(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path((slug, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    user.require(&[Role::InstallationAdmin])?;
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::not_found()),
    };
    let (st, by, now) = (state.clone(), user.user.id.clone(), state.clock.now());
    state
        .db
        .call(move |c| organisations::decide(c, &st.templates, &st.settings.public_url, &slug, approve, &by, now))
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(Redirect::to("/admin/organisations").into_response())
}

const VERIFIERS: &[Role] = &[Role::VerifierPrimary, Role::VerifierAdmin];

/// `GET /verifier/users`: everyone sees who is in; the primary user manages.
pub(super) async fn users(State(state): State<SharedState>, user: CurrentUser, jar: CookieJar) -> AppResult<Response> {
    user.require(VERIFIERS)?;
    let tid = user.tenant_id();
    let members = state.db.call(move |c| orgs::members(c, tid)).await?;
    let is_primary = user.role == Role::VerifierPrimary;
    let locale = user.tenant.locale;
    let me = user.user.id.clone();
    render(
        &state,
        jar,
        &MaybeUser(Some(user)),
        locale,
        "verifier_users.html",
        StatusCode::OK,
        context! {
            members => members, is_primary => is_primary, me => me,
        },
    )
}

#[derive(Deserialize)]
pub(super) struct AddUser {
    csrf: String,
    first_name: String,
    family_name: String,
    job_title: String,
    email: String,
}

impl CsrfProtected for AddUser {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /verifier/users`: the primary adds an admin user, who gets a set-password email.
pub(super) async fn add_user(
    State(state): State<SharedState>,
    user: CurrentUser,
    jar: CookieJar,
    CsrfForm(f): CsrfForm<AddUser>,
) -> AppResult<Response> {
    user.require(&[Role::VerifierPrimary])?;
    let person = (|| -> Result<Person, DomainError> {
        Ok(Person {
            first_name: tessera_domain::tenant::parse_name("first_name", &f.first_name)?,
            family_name: tessera_domain::tenant::parse_name("family_name", &f.family_name)?,
            job_title: {
                let t = f.job_title.trim();
                if t.is_empty() || t.chars().count() > 100 {
                    return Err(DomainError::new(ErrorCode::Length).on("job_title").arg("min", 1).arg("max", 100));
                }
                t.to_owned()
            },
            email: tessera_domain::tenant::parse_email(&f.email)?,
        })
    })();
    let person = match person {
        Ok(p) => p,
        Err(e) => {
            let tid = user.tenant_id();
            let members = state.db.call(move |c| orgs::members(c, tid)).await?;
            let locale = user.tenant.locale;
            let me = user.user.id.clone();
            return render(
                &state,
                jar,
                &MaybeUser(Some(user)),
                locale,
                "verifier_users.html",
                StatusCode::BAD_REQUEST,
                context! {
                    members => members, is_primary => true, me => me, error => AppError::from(e).for_page(),
                },
            );
        }
    };
    let (st, u, now) = (state.clone(), user.clone(), state.clock.now());
    state
        .db
        .call(move |c| {
            orgs::add_admin(c, u.tenant_id(), &person, now, |c, added| {
                organisations::queue_set_password(
                    c,
                    &st.templates,
                    &st.settings.public_url,
                    &u.tenant,
                    added,
                    "email/org_user_added.txt",
                    now,
                )?;
                u.audit(c, "organisation.user_added", &added.id, now)
            })
        })
        .await?;
    state.jobs_wakeup.notify_one();
    Ok(Redirect::to("/verifier/users").into_response())
}

/// `POST /verifier/users/{id}/remove`: the primary removes an admin user.
pub(super) async fn remove_user(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    user.require(&[Role::VerifierPrimary])?;
    let (u, now) = (user.clone(), state.clock.now());
    state
        .db
        .call(move |c| {
            orgs::remove_admin(c, u.tenant_id(), &id)?;
            u.audit(c, "organisation.user_removed", &id, now)
        })
        .await?;
    Ok(Redirect::to("/verifier/users").into_response())
}

/// `POST /verifier/users/{id}/primary`: the primary hands the role over to an admin user.
pub(super) async fn hand_over(
    State(state): State<SharedState>,
    user: CurrentUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<CsrfOnly>,
) -> AppResult<Response> {
    user.require(&[Role::VerifierPrimary])?;
    let (u, now) = (user.clone(), state.clock.now());
    state
        .db
        .call(move |c| {
            orgs::hand_over(c, u.tenant_id(), &u.user.id, &id)?;
            u.audit(c, "organisation.primary_handed_over", &id, now)
        })
        .await?;
    Ok(Redirect::to("/verifier/users").into_response())
}
