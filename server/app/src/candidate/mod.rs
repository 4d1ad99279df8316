//! The Candidate Results Service (DOMAIN.md section 11), shared by the pages and the JSON API:
//! account activation with the Confirmation of Entry's credentials (R-CANDIDATE-SIGNUP), the
//! candidate's results (R-RELEASE, R-RESULT-CODES, R-RESULT-VERSIONS), sharing them with
//! approved verifier organisations, changing the account's email, and the release emails.

use crate::actor::Actor;
use crate::error::AppError;
use crate::outbox::{EMAIL_JOB, EmailJob, queue_email};
use crate::state::AppState;
use chrono::{Duration, NaiveDateTime};
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use tessera_domain::results::ResultStatus;
use tessera_domain::{ErrorCode, Role, TenantId, TenantKind};
use tessera_storage::StorageError;
use tessera_storage::repo::audit::{self, AuditEvent};
use tessera_storage::repo::candidate::{self as repo, Activation, CandidateExam, ShareRefusal};
use tessera_storage::repo::centre;
pub use tessera_storage::repo::centre::Candidate;
use tessera_storage::repo::jobs::NewJob;
use tessera_storage::repo::tenants::{self, Tenant};
use tessera_storage::repo::{shares, users};
use utoipa::ToSchema;

/// Failed sign-ups allowed per ID number within [`signup_window`]: the secret number is short,
/// so guesses against one ID number must stay few, whatever address they come from.
pub const SIGNUP_FAILURES_PER_ID_NUMBER: i64 = 5;

/// The window in which sign-up failures per ID number are counted.
pub fn signup_window() -> Duration {
    Duration::hours(1)
}

/// Most results shared in one request.
pub const MAX_SHARE_BATCH: usize = 50;

/// What a person types to activate an account (R-CANDIDATE-SIGNUP).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CandidateSignup {
    /// The ID number from the Confirmation of Entry, e.g. `PL078000002`.
    pub id_number: String,
    /// The secret number from the Confirmation of Entry.
    pub secret_number: String,
    /// The email address for the account.
    pub email: String,
    /// The same email address again.
    pub email_confirm: String,
    /// The password (R-PASSWORD: at least 8 characters, letters and at least 2 digits).
    pub password: String,
    /// The same password again.
    pub password_confirm: String,
    /// The terms of use must be accepted.
    #[serde(default)]
    pub accept_terms: bool,
    /// Marketing updates by email (optional opt-in).
    #[serde(default)]
    pub marketing: bool,
}

/// What a candidate's account page shows of their account.
#[derive(Debug, Clone, Serialize)]
pub struct AccountSettings {
    /// The email address signed in with now.
    pub email: Option<String>,
    /// Whether they agreed to hear about other exams.
    pub marketing_opt_in: bool,
}

/// The account settings of the signed-in candidate `cand`.
pub async fn account_settings(state: &AppState, user: &Actor, cand: &Candidate) -> Result<AccountSettings, AppError> {
    let (tid, cid, uid) = (user.tenant_id(), cand.id.clone(), user.user.id.clone());
    let (account, email) =
        state.db.call(move |c| Ok((repo::account(c, tid, &cid)?, users::by_id(c, tid, &uid)?.email))).await?;
    Ok(AccountSettings { email, marketing_opt_in: account.is_some_and(|a| a.marketing_opt_in) })
}

/// The candidate record behind a signed-in candidate; anyone else gets 404.
pub async fn candidate_of(state: &AppState, user: &Actor) -> Result<Candidate, AppError> {
    user.require(&[Role::Candidate])?;
    let (tid, uid) = (user.tenant_id(), user.user.id.clone());
    Ok(state.db.call(move |c| repo::by_user(c, tid, &uid)).await?)
}

/// The centre whose sign-up page `slug` names; anything else (unknown, inactive, not a centre)
/// is a 404.
pub async fn centre_for_signup(state: &AppState, slug: &str) -> Result<Tenant, AppError> {
    let tenant = crate::auth::login::tenant_for_login(state, slug).await?;
    if tenant.kind != TenantKind::Centre {
        return Err(AppError::not_found());
    }
    Ok(tenant)
}

async fn check_throttle(
    state: &AppState,
    tenant: TenantId,
    subjects: &[(String, i64, Duration)],
) -> Result<(), AppError> {
    let now = state.clock.now();
    let subjects = subjects.to_vec();
    let wait = state
        .db
        .call(move |c| {
            let mut wait = 0i64;
            for (subject, max, window) in &subjects {
                let (count, oldest) = repo::signup_failures(c, tenant, subject, now - *window)?;
                if count >= *max {
                    let until = oldest.unwrap_or(now) + *window;
                    wait = wait.max((until - now).num_seconds().max(1));
                }
            }
            Ok(wait)
        })
        .await?;
    if wait > 0 { Err(AppError::too_many(wait as u64)) } else { Ok(()) }
}

/// Activates a candidate's account (R-CANDIDATE-SIGNUP, R-PASSWORD). Bad input is refused field
/// by field and counts for nothing; wrong credentials and an account that exists already get
/// the same `signup_refused` answer, which does not say which part was wrong, and count as a
/// failure of the ID number and of the client address; too many failures answer 429.
pub async fn signup(
    state: &AppState,
    tenant: &Tenant,
    req: &CandidateSignup,
    addr: IpAddr,
) -> Result<users::User, AppError> {
    let id_number = req.id_number.trim().to_uppercase();
    let secret: String = req.secret_number.chars().filter(|c| !c.is_whitespace()).collect();
    if id_number.is_empty() || id_number.chars().count() > 32 {
        return Err(AppError::at(ErrorCode::InvalidIdNumber, "id_number"));
    }
    if secret.is_empty() || secret.chars().count() > 64 {
        return Err(AppError::at(ErrorCode::InvalidSecretNumber, "secret_number"));
    }
    let email = tessera_domain::tenant::parse_email(&req.email).map_err(AppError::from)?;
    if tessera_domain::tenant::parse_email(&req.email_confirm).ok().as_deref() != Some(email.as_str()) {
        return Err(AppError::at(ErrorCode::EmailMismatch, "email_confirm"));
    }
    tessera_domain::auth::check_password(&req.password)?;
    if req.password != req.password_confirm {
        return Err(AppError::at(ErrorCode::PasswordMismatch, "password_confirm"));
    }
    if !req.accept_terms {
        return Err(AppError::at(ErrorCode::TermsNotAccepted, "accept_terms"));
    }

    let by_id = format!("id:{id_number}");
    let by_addr = format!("addr:{addr}");
    let per_addr = state.settings.login_failures_per_address as i64;
    check_throttle(
        state,
        tenant.id,
        &[
            (by_id.clone(), SIGNUP_FAILURES_PER_ID_NUMBER, signup_window()),
            (by_addr.clone(), per_addr, state.settings.login_failure_window),
        ],
    )
    .await?;

    let tid = tenant.id;
    let lookup = id_number.clone();
    let found = state
        .db
        .call(move |c| match repo::by_id_number(c, tid, &lookup) {
            Ok(cand) => Ok(Some(cand)),
            Err(StorageError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    // Always one argon2 verification, found or not, so timing does not tell which part was wrong.
    let secret_ok = state.hasher.verify(secret, found.as_ref().and_then(|c| c.secret_hash.clone())).await?;
    let now = state.clock.now();
    let refused = || AppError::new(ErrorCode::SignupRefused);
    let cand = match found {
        Some(c) if secret_ok && c.user_id.is_none() => c,
        other => {
            let subjects = vec![by_id, by_addr];
            let window = signup_window().max(state.settings.login_failure_window);
            let target = other.map(|c| c.id);
            let a = addr.to_string();
            state
                .db
                .call(move |c| {
                    repo::record_signup_failure(c, tid, &subjects, now, now - window)?;
                    let ev = AuditEvent {
                        actor: None,
                        action: "candidate.signup_refused",
                        target: target.as_deref(),
                        details: json!({"address": a}),
                        request_id: None,
                    };
                    audit::append(c, tid, &ev, now)
                })
                .await?;
            return Err(refused());
        }
    };

    // Only someone holding valid credentials learns that an address is taken. One address per
    // account at a centre keeps "forgotten password" (by email) unambiguous.
    email_available(state, tid, &email, None).await?;
    let password_hash = state.hasher.hash(req.password.clone()).await?;
    let act = Activation {
        candidate_id: cand.id.clone(),
        email: email.clone(),
        password_hash,
        marketing_opt_in: req.marketing,
        address: addr.to_string(),
    };
    let user = match state.db.call(move |c| repo::activate(c, tid, &act, now)).await {
        Ok(u) => u,
        // Lost a race with another activation of the same candidate.
        Err(StorageError::Conflict(_)) => return Err(refused()),
        Err(e) => return Err(e.into()),
    };
    let (subject, body) = state
        .templates
        .render_email(
            "email/candidate_signup.txt",
            tenant.locale,
            context! {
                name => user.display_name.clone(),
                tenant_name => tenant.name.clone(),
                id_number => user.login.clone(),
                link => format!("{}/t/{}/login", state.settings.public_url, tenant.slug),
                marketing => req.marketing,
            },
        )
        .map_err(AppError::internal)?;
    queue_email(
        state,
        tid,
        format!("candidate-signup:{}", cand.id),
        EmailJob { to: email, subject, body, attachments: vec![] },
    )
    .await?;
    Ok(user)
}

/// Refuses (400 on `email`) an address another account of the centre uses already.
async fn email_available(
    state: &AppState,
    tenant: TenantId,
    email: &str,
    own_user: Option<&str>,
) -> Result<(), AppError> {
    let lookup = email.to_owned();
    let holder = state
        .db
        .call(move |c| match users::by_email(c, tenant, &lookup) {
            Ok(u) => Ok(Some(u.id)),
            Err(StorageError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await?;
    match holder {
        Some(id) if Some(id.as_str()) != own_user => Err(AppError::at(ErrorCode::EmailTaken, "email")),
        _ => Ok(()),
    }
}

/// A component score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateComponent {
    /// The paper, e.g. `Reading`.
    pub component: String,
    /// Its Cambridge English Scale score.
    pub score: i32,
}

/// The current version of a released result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateResult {
    /// The result version's id.
    pub id: String,
    /// The version shown (the current one: R-RESULT-VERSIONS).
    pub version: i32,
    /// `graded`, `X`, `Z`, `Pending` or `Withheld`.
    pub status: String,
    /// Overall Cambridge English Scale score.
    pub overall_score: Option<i32>,
    /// Grade, e.g. `A`.
    pub grade: Option<String>,
    /// CEFR level, e.g. `C1`.
    pub cefr: Option<String>,
    /// The Statement of Results number.
    pub sor_number: String,
    /// Component scores; empty for X, Z, Pending and Withheld (R-RESULT-CODES).
    pub components: Vec<CandidateComponent>,
    /// Whether it may be shared with a verifier organisation (not Pending nor Withheld).
    pub shareable: bool,
}

/// An exam the candidate took at the centre.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateExamView {
    /// The entry's id (the key for the Statement of Results and for sharing).
    pub entry_id: String,
    /// Exam code, e.g. `CAE`.
    pub exam_code: String,
    /// Exam name, e.g. `C1 Advanced`.
    pub exam_name: String,
    /// Date of the written papers.
    pub written_date: String,
    /// `AM` or `PM`.
    pub time_of_day: String,
    /// `PB` or `CB`.
    pub delivery: String,
    /// Candidate number.
    pub candidate_number: String,
    /// When results are released (UTC, RFC 3339).
    pub release_at: String,
    /// The release instant in the centre's time zone, for people.
    pub release_local: String,
    /// Whether the results are released (R-RELEASE); until then `result` is absent.
    pub released: bool,
    /// The current result version, once released.
    pub result: Option<CandidateResult>,
}

fn local(t: NaiveDateTime, tenant: &Tenant) -> String {
    t.and_utc().with_timezone(&tenant.timezone).format("%Y-%m-%d %H:%M:%S %Z").to_string()
}

fn exam_view(e: CandidateExam, tenant: &Tenant) -> CandidateExamView {
    let result = e.result.map(|r| {
        let status = r.status.parse::<ResultStatus>().ok();
        let components = if status.is_some_and(ResultStatus::shows_components) {
            e.components.into_iter().map(|c| CandidateComponent { component: c.component, score: c.score }).collect()
        } else {
            vec![]
        };
        CandidateResult {
            shareable: matches!(status, Some(ResultStatus::Graded | ResultStatus::X | ResultStatus::Z)),
            id: r.id,
            version: r.version,
            status: r.status,
            overall_score: r.overall_score,
            grade: r.grade,
            cefr: r.cefr,
            sor_number: r.sor_number,
            components,
        }
    });
    CandidateExamView {
        entry_id: e.entry.id,
        exam_code: e.exam.code,
        exam_name: e.exam.name,
        written_date: e.session.written_date.to_string(),
        time_of_day: e.session.time_of_day,
        delivery: e.session.delivery,
        candidate_number: e.entry.candidate_number,
        release_at: e.session.release_at.and_utc().to_rfc3339(),
        release_local: local(e.session.release_at, tenant),
        released: e.released,
        result,
    }
}

/// Every exam the candidate took at the centre, with the current result of the released ones.
pub async fn exams(state: &AppState, tenant: &Tenant, cand: &Candidate) -> Result<Vec<CandidateExamView>, AppError> {
    let (tid, cid, now) = (tenant.id, cand.id.clone(), state.clock.now());
    let rows = state.db.call(move |c| repo::exams_of(c, tid, &cid, now)).await?;
    Ok(rows.into_iter().map(|e| exam_view(e, tenant)).collect())
}

/// The Statement of Results PDF of the candidate's own released result; anything else is 404.
pub async fn statement(
    state: &AppState,
    tenant: &Tenant,
    cand: &Candidate,
    entry_id: String,
) -> Result<(String, Vec<u8>), AppError> {
    let (tid, cid, now, eid) = (tenant.id, cand.id.clone(), state.clock.now(), entry_id.clone());
    let exam = state.db.call(move |c| repo::released_exam(c, tid, &cid, &eid, now)).await?;
    let pdf = crate::documents::statement_of_results(state, tenant.id, entry_id, tenant.locale).await?;
    let sor = exam.result.map(|r| r.sor_number).unwrap_or_default();
    Ok((format!("statement-of-results-{sor}.pdf"), pdf))
}

/// An approved verifier organisation in the directory.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryEntry {
    /// The organisation's id (what a share names).
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its country (ISO 3166 code).
    pub country: String,
}

/// Approved verifier organisations whose name contains `q` (at most 100).
pub async fn directory(state: &AppState, q: &str) -> Result<Vec<DirectoryEntry>, AppError> {
    let q: String = q.trim().chars().take(100).collect();
    let rows = state.db.call(move |c| tenants::verifier_directory(c, &q)).await?;
    Ok(rows
        .into_iter()
        .map(|t| DirectoryEntry { id: t.id.to_string(), name: t.name, country: t.country.to_string() })
        .collect())
}

/// A view or download of a shared result by someone at the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateShareEvent {
    /// Who (their name at the organisation).
    pub actor_name: String,
    /// `view` or `download`.
    pub action: String,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// When, in the centre's time zone.
    pub at_local: String,
}

/// A share of one result with one organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CandidateShare {
    /// The share's id.
    pub id: String,
    /// The entry whose result is shared.
    pub entry_id: String,
    /// The exam's name.
    pub exam_name: String,
    /// The organisation's id.
    pub verifier_id: String,
    /// The organisation's name.
    pub verifier_name: String,
    /// When it was shared (UTC, RFC 3339).
    pub shared_at: String,
    /// When it was shared, in the centre's time zone.
    pub shared_local: String,
    /// When it was withdrawn, if it was (UTC, RFC 3339).
    pub withdrawn_at: Option<String>,
    /// When it was withdrawn, in the centre's time zone.
    pub withdrawn_local: Option<String>,
    /// Whether the organisation can still see the result.
    pub active: bool,
    /// Who at the organisation viewed or downloaded it, newest first.
    pub events: Vec<CandidateShareEvent>,
}

/// Every share of the candidate's results, newest first, with who viewed or downloaded each.
pub async fn shares_of(state: &AppState, tenant: &Tenant, cand: &Candidate) -> Result<Vec<CandidateShare>, AppError> {
    let (tid, cid) = (tenant.id, cand.id.clone());
    let rows = state
        .db
        .call(move |c| {
            let mut names: HashMap<String, String> = HashMap::new();
            let mut exams: HashMap<String, String> = HashMap::new();
            let mut out = Vec::new();
            for s in repo::shares_of(c, tid, &cid)? {
                if !names.contains_key(&s.verifier_tenant_id) {
                    let name = match s.verifier_tenant_id.parse() {
                        Ok(v) => tenants::by_id(c, v).map(|t| t.name).unwrap_or_default(),
                        Err(_) => String::new(),
                    };
                    names.insert(s.verifier_tenant_id.clone(), name);
                }
                if !exams.contains_key(&s.entry_id) {
                    let sheet = centre::result_sheet(c, tid, &s.entry_id)?;
                    exams.insert(s.entry_id.clone(), sheet.exam.name);
                }
                let events = shares::events(c, tid, &s.id)?;
                out.push((names[&s.verifier_tenant_id].clone(), exams[&s.entry_id].clone(), s, events));
            }
            Ok(out)
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(verifier_name, exam_name, s, events)| CandidateShare {
            id: s.id,
            entry_id: s.entry_id,
            exam_name,
            verifier_id: s.verifier_tenant_id,
            verifier_name,
            shared_at: s.shared_at.and_utc().to_rfc3339(),
            shared_local: local(s.shared_at, tenant),
            withdrawn_at: s.withdrawn_at.map(|t| t.and_utc().to_rfc3339()),
            withdrawn_local: s.withdrawn_at.map(|t| local(t, tenant)),
            active: s.withdrawn_at.is_none(),
            events: events
                .into_iter()
                .map(|e| CandidateShareEvent {
                    actor_name: e.actor_name,
                    action: e.action,
                    at: e.at.and_utc().to_rfc3339(),
                    at_local: local(e.at, tenant),
                })
                .collect(),
        })
        .collect())
}

/// Shares released results of the candidate with an approved verifier organisation. Every
/// entry must be the candidate's own, released and shareable, or nothing is shared (404 for an
/// entry that is not theirs, as if it did not exist). Sharing again an active share keeps it.
pub async fn share(
    state: &AppState,
    user: &Actor,
    cand: &Candidate,
    verifier: &str,
    entry_ids: &[String],
) -> Result<Vec<String>, AppError> {
    let mut ids: Vec<String> = entry_ids.iter().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Err(AppError::at(ErrorCode::NoResultChosen, "entry_ids"));
    }
    if ids.len() > MAX_SHARE_BATCH {
        return Err(AppError::at(ErrorCode::SelectionSize, "entry_ids").arg("min", 1).arg("max", MAX_SHARE_BATCH));
    }
    let bad_verifier = || AppError::at(ErrorCode::UnknownVerifier, "verifier");
    let verifier_id: TenantId = verifier.trim().parse().map_err(|_| bad_verifier())?;
    let verifier = match state.db.call(move |c| tenants::by_id(c, verifier_id)).await {
        Ok(t) if t.kind == TenantKind::Verifier && t.status == "active" => t,
        Ok(_) | Err(StorageError::NotFound) => return Err(bad_verifier()),
        Err(e) => return Err(e.into()),
    };
    let (tid, cid, now, uid) = (user.tenant_id(), cand.id.clone(), state.clock.now(), user.user.id.clone());
    let vid = verifier.id;
    match state.db.call(move |c| repo::share_results(c, tid, &cid, vid, &ids, &uid, now)).await? {
        Ok(ids) => Ok(ids),
        Err(ShareRefusal::NotShareable(_)) => Err(AppError::at(ErrorCode::NotShareable, "entry_ids")),
    }
}

/// Withdraws one of the candidate's shares: the organisation loses access at once. Another
/// candidate's share is a 404.
pub async fn withdraw(state: &AppState, user: &Actor, cand: &Candidate, share_id: &str) -> Result<(), AppError> {
    let (tid, cid, now, uid, sid) =
        (user.tenant_id(), cand.id.clone(), state.clock.now(), user.user.id.clone(), share_id.to_owned());
    state.db.call(move |c| repo::withdraw_share(c, tid, &cid, &sid, &uid, now)).await?;
    Ok(())
}

/// A change of the account's email; the current password is required again.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CandidateEmailChange {
    /// The current password.
    pub password: String,
    /// The new email address.
    pub email: String,
    /// The new email address again.
    pub email_confirm: String,
}

/// Changes the signed-in candidate's email after checking the current password; the old
/// address is told, so a stolen session cannot quietly take the account over.
pub async fn change_email(state: &AppState, user: &Actor, req: &CandidateEmailChange) -> Result<String, AppError> {
    user.require(&[Role::Candidate])?;
    let email = tessera_domain::tenant::parse_email(&req.email).map_err(AppError::from)?;
    if tessera_domain::tenant::parse_email(&req.email_confirm).ok().as_deref() != Some(email.as_str()) {
        return Err(AppError::at(ErrorCode::EmailMismatch, "email_confirm"));
    }
    if req.password.chars().count() > tessera_domain::auth::MAX_PASSWORD_CHARS {
        return Err(
            AppError::at(ErrorCode::PasswordTooLong, "password").arg("max", tessera_domain::auth::MAX_PASSWORD_CHARS)
        );
    }
    let (tid, uid, now) = (user.tenant_id(), user.user.id.clone(), state.clock.now());
    // The stored hash, not the session's copy: the password may have changed since sign-in.
    let stored = {
        let uid = uid.clone();
        state.db.call(move |c| users::by_id(c, tid, &uid)).await?
    };
    if !state.hasher.verify(req.password.clone(), stored.password_hash.clone()).await? {
        let u = uid.clone();
        state
            .db
            .call(move |c| {
                let ev = AuditEvent {
                    actor: Some(&u),
                    action: "account.email_change_refused",
                    target: Some(&u),
                    details: json!({}),
                    request_id: None,
                };
                audit::append(c, tid, &ev, now)
            })
            .await?;
        return Err(AppError::at(ErrorCode::WrongPassword, "password"));
    }
    email_available(state, tid, &email, Some(&uid)).await?;
    let (new, u) = (email.clone(), uid.clone());
    state.db.call(move |c| repo::change_email(c, tid, &u, &new, now)).await?;
    if let Some(old) = stored.email.filter(|old| *old != email) {
        let (subject, body) = state
            .templates
            .render_email(
                "email/email_changed.txt",
                user.tenant.locale,
                context! { name => stored.display_name.clone(), tenant_name => user.tenant.name.clone(), email => email.clone() },
            )
            .map_err(AppError::internal)?;
        queue_email(
            state,
            tid,
            format!("email-changed:{uid}:{}", now.timestamp_micros()),
            EmailJob { to: old, subject, body, attachments: vec![] },
        )
        .await?;
    }
    Ok(email)
}

/// R-RELEASE: announces every released current result version whose candidate has an account
/// and has not been told yet, by email in the centre's language. Each announcement is recorded
/// with its email job in one transaction (idempotency key `release-email:{result id}`), so a
/// result version is announced once, even across restarts and several processes. Returns how
/// many it announced. The daemon calls this periodically.
pub async fn announce_releases(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let pending = state.db.call(move |c| repo::pending_release_notices(c, now, 200)).await?;
    let mut announced = 0;
    let mut tenants_seen: HashMap<TenantId, Tenant> = HashMap::new();
    for notice in pending {
        // One announcement that fails (mail template, a user row gone) must not hold up the rest:
        // it is logged and tried again at the next look.
        match announce(state, &notice, &mut tenants_seen, now).await {
            Ok(true) => announced += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(result = %notice.result_id, error = %e, "could not announce a released result"),
        }
    }
    if announced > 0 {
        state.jobs_wakeup.notify_one();
    }
    Ok(announced)
}

async fn announce(
    state: &AppState,
    notice: &repo::PendingNotice,
    tenants_seen: &mut HashMap<TenantId, Tenant>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, AppError> {
    let t = notice.tenant_id;
    if let std::collections::hash_map::Entry::Vacant(v) = tenants_seen.entry(t) {
        v.insert(state.db.call(move |c| tenants::by_id(c, t)).await?);
    }
    let tenant = tenants_seen[&t].clone();
    let (uid, code) = (notice.user_id.clone(), notice.exam_code.clone());
    let (user, exam_name) = state
        .db
        .call(move |c| {
            let user = users::by_id(c, t, &uid)?;
            let name = centre::exams(c)?.into_iter().find(|e| e.code == code).map(|e| e.name).unwrap_or(code);
            Ok((user, name))
        })
        .await?;
    let email = match &user.email {
        Some(to) => Some(release_email(state, &tenant, &user.display_name, &exam_name, to)?),
        None => None,
    };
    let job = match email {
        Some(e) => Some(NewJob {
            kind: EMAIL_JOB,
            payload: serde_json::to_value(&e).map_err(AppError::internal)?,
            idempotency_key: format!("release-email:{}", notice.result_id),
            run_at: now,
            max_attempts: 8,
        }),
        None => None,
    };
    let n = notice.clone();
    Ok(state.db.call(move |c| repo::record_release_notice(c, &n, job.as_ref(), now)).await?)
}

fn release_email(state: &AppState, tenant: &Tenant, name: &str, exam: &str, to: &str) -> Result<EmailJob, AppError> {
    let (subject, body) = state
        .templates
        .render_email(
            "email/results_released.txt",
            tenant.locale,
            context! {
                name => name,
                exam => exam,
                tenant_name => tenant.name.clone(),
                link => format!("{}/t/{}/login", state.settings.public_url, tenant.slug),
            },
        )
        .map_err(AppError::internal)?;
    Ok(EmailJob { to: to.to_owned(), subject, body, attachments: vec![] })
}
