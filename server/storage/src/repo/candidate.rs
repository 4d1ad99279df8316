//! The Candidate Results Service: credentials from the Confirmation of Entry, account activation
//! (R-CANDIDATE-SIGNUP), the candidate's own results (R-RELEASE), release notices and the
//! throttling of sign-up guesses. Every function is scoped by the centre's `TenantId`, except
//! [`pending_release_notices`], the scheduler's scan across tenants (like `jobs::claim`).

use crate::repo::audit::{self, AuditEvent};
use crate::repo::centre::{self, Candidate, ComponentScore, Entry, Exam, ExamSession, ResultRow, Share};
use crate::repo::jobs::{self, NewJob};
use crate::repo::users::{self, NewUser, User};
use crate::schema::{candidates, entries, exam_sessions, exams, result_shares, results, users as users_t};
use crate::schema_candidate::{candidate_accounts, release_notices, signup_attempts};
use crate::{DbConnection, StorageError, StorageResult, tid};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use tessera_domain::{DomainError, ErrorCode, Role, TenantId};

/// Stores the hash (argon2id PHC string) of a candidate's secret number; the secret itself is
/// never stored. The Confirmation of Entry calls this when it issues or regenerates credentials.
pub fn set_secret_hash(conn: &mut DbConnection, tenant: TenantId, candidate_id: &str, hash: &str) -> StorageResult<()> {
    let n = diesel::update(
        candidates::table.filter(candidates::tenant_id.eq(tid(tenant))).filter(candidates::id.eq(candidate_id)),
    )
    .set(candidates::secret_hash.eq(Some(hash)))
    .execute(conn)?;
    if n == 1 { Ok(()) } else { Err(StorageError::NotFound) }
}

/// Changes a candidate's phone number (`None` removes it).
pub fn set_phone(
    conn: &mut DbConnection,
    tenant: TenantId,
    candidate_id: &str,
    phone: Option<&str>,
) -> StorageResult<()> {
    let n = diesel::update(
        candidates::table.filter(candidates::tenant_id.eq(tid(tenant))).filter(candidates::id.eq(candidate_id)),
    )
    .set(candidates::phone.eq(phone))
    .execute(conn)?;
    if n == 1 { Ok(()) } else { Err(StorageError::NotFound) }
}

/// The candidate of `tenant` with this ID number (as printed on the Confirmation of Entry).
pub fn by_id_number(conn: &mut DbConnection, tenant: TenantId, id_number: &str) -> StorageResult<Candidate> {
    Ok(candidates::table
        .filter(candidates::tenant_id.eq(tid(tenant)))
        .filter(candidates::id_number.eq(id_number))
        .select(Candidate::as_select())
        .first(conn)?)
}

/// The candidate whose account is the user `user_id` of `tenant`.
pub fn by_user(conn: &mut DbConnection, tenant: TenantId, user_id: &str) -> StorageResult<Candidate> {
    Ok(candidates::table
        .filter(candidates::tenant_id.eq(tid(tenant)))
        .filter(candidates::user_id.eq(user_id))
        .select(Candidate::as_select())
        .first(conn)?)
}

/// What activating an account needs; the password hash is computed by the caller.
#[derive(Debug, Clone)]
pub struct Activation {
    /// The candidate (already checked against the ID number and secret number).
    pub candidate_id: String,
    /// The account's email.
    pub email: String,
    /// Argon2id hash of the chosen password.
    pub password_hash: String,
    /// Marketing updates asked for (opt-in).
    pub marketing_opt_in: bool,
    /// The client address, for the audit log.
    pub address: String,
}

/// An activated account's record.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = candidate_accounts)]
pub struct CandidateAccount {
    pub tenant_id: String,
    pub candidate_id: String,
    pub user_id: String,
    pub terms_accepted_at: NaiveDateTime,
    pub marketing_opt_in: bool,
    pub activated_at: NaiveDateTime,
}

/// Activates a candidate's account (R-CANDIDATE-SIGNUP), in one transaction: a `candidate` user
/// whose login is the ID number, linked from `candidates.user_id`, the account record, release
/// notices for results already released (the candidate sees them at once, no email needed), and
/// the audit record. A candidate who has an account already is a `Conflict`, and nothing changes.
pub fn activate(
    conn: &mut DbConnection,
    tenant: TenantId,
    act: &Activation,
    now: DateTime<Utc>,
) -> StorageResult<User> {
    crate::transaction(conn, |c| {
        let cand = centre::candidate(c, tenant, &act.candidate_id)?;
        if cand.user_id.is_some() {
            return Err(StorageError::Conflict(ErrorCode::ConflictAccount.into()));
        }
        let user = users::create(
            c,
            tenant,
            &NewUser {
                login: cand.id_number.clone(),
                email: Some(act.email.clone()),
                display_name: format!("{} {}", cand.first_name, cand.family_name),
                role: Role::Candidate,
                password_hash: Some(act.password_hash.clone()),
            },
            now,
        )?;
        // Conditional on `user_id IS NULL`: of two activations racing, only one links.
        let linked = diesel::update(
            candidates::table
                .filter(candidates::tenant_id.eq(tid(tenant)))
                .filter(candidates::id.eq(&cand.id))
                .filter(candidates::user_id.is_null()),
        )
        .set(candidates::user_id.eq(Some(&user.id)))
        .execute(c)?;
        if linked != 1 {
            return Err(StorageError::Conflict(ErrorCode::ConflictAccount.into()));
        }
        let account = CandidateAccount {
            tenant_id: tid(tenant),
            candidate_id: cand.id.clone(),
            user_id: user.id.clone(),
            terms_accepted_at: now.naive_utc(),
            marketing_opt_in: act.marketing_opt_in,
            activated_at: now.naive_utc(),
        };
        diesel::insert_into(candidate_accounts::table).values(&account).execute(c)?;
        for r in released_current_results(c, tenant, &cand.id, now)? {
            insert_notice(c, tenant, &r.id, &cand.id, false, now)?;
        }
        let ev = AuditEvent {
            actor: Some(&user.id),
            action: "candidate.activated",
            target: Some(&cand.id),
            details: serde_json::json!({"address": act.address, "marketing_opt_in": act.marketing_opt_in}),
            request_id: None,
        };
        audit::append(c, tenant, &ev, now)?;
        Ok(user)
    })
}

/// Links an existing candidate user to its candidate (demo data and imports).
pub fn link_user(conn: &mut DbConnection, tenant: TenantId, candidate_id: &str, user_id: &str) -> StorageResult<()> {
    let n = diesel::update(
        candidates::table.filter(candidates::tenant_id.eq(tid(tenant))).filter(candidates::id.eq(candidate_id)),
    )
    .set(candidates::user_id.eq(Some(user_id)))
    .execute(conn)?;
    if n == 1 { Ok(()) } else { Err(StorageError::NotFound) }
}

/// The account record of a candidate, if activated.
pub fn account(
    conn: &mut DbConnection,
    tenant: TenantId,
    candidate_id: &str,
) -> StorageResult<Option<CandidateAccount>> {
    Ok(candidate_accounts::table
        .filter(candidate_accounts::tenant_id.eq(tid(tenant)))
        .filter(candidate_accounts::candidate_id.eq(candidate_id))
        .select(CandidateAccount::as_select())
        .first(conn)
        .optional()?)
}

/// Changes the email of user `user_id` of `tenant` (the caller has checked the password).
pub fn set_email(conn: &mut DbConnection, tenant: TenantId, user_id: &str, email: &str) -> StorageResult<()> {
    let n = diesel::update(users_t::table.filter(users_t::tenant_id.eq(tid(tenant))).filter(users_t::id.eq(user_id)))
        .set(users_t::email.eq(Some(email)))
        .execute(conn)?;
    if n == 1 { Ok(()) } else { Err(StorageError::NotFound) }
}

/// One exam a candidate took at the centre. `result` is the current result version with its
/// component scores, present only once the session's results are released (R-RELEASE).
#[derive(Debug, Clone, Serialize)]
pub struct CandidateExam {
    pub entry: Entry,
    pub session: ExamSession,
    pub exam: Exam,
    pub released: bool,
    pub result: Option<ResultRow>,
    pub components: Vec<ComponentScore>,
}

/// Every exam `candidate_id` took at centre `tenant`, newest first, with the current result of
/// the released ones (R-RELEASE, R-RESULT-VERSIONS). Component scores are returned as stored;
/// hiding them for status codes (R-RESULT-CODES) is the caller's job.
pub fn exams_of(
    conn: &mut DbConnection,
    tenant: TenantId,
    candidate_id: &str,
    now: DateTime<Utc>,
) -> StorageResult<Vec<CandidateExam>> {
    let rows: Vec<(Entry, ExamSession)> = entries::table
        .inner_join(
            exam_sessions::table
                .on(exam_sessions::tenant_id.eq(entries::tenant_id).and(exam_sessions::id.eq(entries::session_id))),
        )
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::candidate_id.eq(candidate_id))
        .order(exam_sessions::written_date.desc())
        .select((Entry::as_select(), ExamSession::as_select()))
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (entry, session) in rows {
        let exam: Exam =
            exams::table.filter(exams::code.eq(&session.exam_code)).select(Exam::as_select()).first(conn)?;
        let released = session.release_at.and_utc() <= now;
        let (result, components) = if released {
            match centre::current_result(conn, tenant, &entry.id) {
                Ok((r, comps)) => (Some(r), comps),
                Err(StorageError::NotFound) => (None, vec![]),
                Err(e) => return Err(e),
            }
        } else {
            (None, vec![])
        };
        out.push(CandidateExam { entry, session, exam, released, result, components });
    }
    Ok(out)
}

/// The entry `entry_id` if it is `candidate_id`'s and its current result is released; otherwise
/// `NotFound` (another candidate's entry looks exactly like one that does not exist).
pub fn released_exam(
    conn: &mut DbConnection,
    tenant: TenantId,
    candidate_id: &str,
    entry_id: &str,
    now: DateTime<Utc>,
) -> StorageResult<CandidateExam> {
    exams_of(conn, tenant, candidate_id, now)?
        .into_iter()
        .find(|e| e.entry.id == entry_id && e.result.is_some())
        .ok_or(StorageError::NotFound)
}

/// The shares of every result of `candidate_id`, newest first.
pub fn shares_of(conn: &mut DbConnection, tenant: TenantId, candidate_id: &str) -> StorageResult<Vec<Share>> {
    let own = entries::table
        .filter(entries::tenant_id.eq(tid(tenant)))
        .filter(entries::candidate_id.eq(candidate_id.to_owned()))
        .select(entries::id);
    Ok(result_shares::table
        .filter(result_shares::tenant_id.eq(tid(tenant)))
        .filter(result_shares::entry_id.eq_any(own))
        .order(result_shares::shared_at.desc())
        .select(Share::as_select())
        .load(conn)?)
}

fn released_current_results(
    conn: &mut DbConnection,
    tenant: TenantId,
    candidate_id: &str,
    now: DateTime<Utc>,
) -> StorageResult<Vec<ResultRow>> {
    Ok(results::table
        .inner_join(entries::table.on(entries::tenant_id.eq(results::tenant_id).and(entries::id.eq(results::entry_id))))
        .inner_join(
            exam_sessions::table
                .on(exam_sessions::tenant_id.eq(entries::tenant_id).and(exam_sessions::id.eq(entries::session_id))),
        )
        .filter(results::tenant_id.eq(tid(tenant)))
        .filter(results::is_current.eq(true))
        .filter(entries::candidate_id.eq(candidate_id))
        .filter(exam_sessions::release_at.le(now.naive_utc()))
        .select(ResultRow::as_select())
        .load(conn)?)
}

fn insert_notice(
    conn: &mut DbConnection,
    tenant: TenantId,
    result_id: &str,
    candidate_id: &str,
    emailed: bool,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    diesel::insert_into(release_notices::table)
        .values((
            release_notices::tenant_id.eq(tid(tenant)),
            release_notices::result_id.eq(result_id),
            release_notices::candidate_id.eq(candidate_id),
            release_notices::emailed.eq(emailed),
            release_notices::noticed_at.eq(now.naive_utc()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A released current result version whose candidate has an account and has not been told.
#[derive(Debug, Clone)]
pub struct PendingNotice {
    pub tenant_id: TenantId,
    pub result_id: String,
    pub candidate_id: String,
    pub user_id: String,
    pub exam_code: String,
}

/// Up to `limit` released current result versions, in any tenant, whose candidate has an
/// account and no release notice yet (R-RELEASE). The release scheduler's scan.
pub fn pending_release_notices(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> StorageResult<Vec<PendingNotice>> {
    let rows: Vec<(String, String, String, Option<String>, String)> = results::table
        .inner_join(entries::table.on(entries::tenant_id.eq(results::tenant_id).and(entries::id.eq(results::entry_id))))
        .inner_join(
            exam_sessions::table
                .on(exam_sessions::tenant_id.eq(entries::tenant_id).and(exam_sessions::id.eq(entries::session_id))),
        )
        .inner_join(
            candidates::table
                .on(candidates::tenant_id.eq(entries::tenant_id).and(candidates::id.eq(entries::candidate_id))),
        )
        .left_join(
            release_notices::table
                .on(release_notices::tenant_id.eq(results::tenant_id).and(release_notices::result_id.eq(results::id))),
        )
        .filter(results::is_current.eq(true))
        .filter(exam_sessions::release_at.le(now.naive_utc()))
        .filter(candidates::user_id.is_not_null())
        .filter(release_notices::result_id.nullable().is_null())
        .order(exam_sessions::release_at.asc())
        .limit(limit)
        .select((results::tenant_id, results::id, candidates::id, candidates::user_id, exam_sessions::exam_code))
        .load(conn)?;
    rows.into_iter()
        .filter_map(|(t, result_id, candidate_id, user_id, exam_code)| {
            user_id.map(|user_id| (t, result_id, candidate_id, user_id, exam_code))
        })
        .map(|(t, result_id, candidate_id, user_id, exam_code)| {
            let tenant_id = t.parse().map_err(|_| StorageError::Corrupt(format!("result tenant {t}")))?;
            Ok(PendingNotice { tenant_id, result_id, candidate_id, user_id, exam_code })
        })
        .collect()
}

/// Records the release notice of a result version and enqueues its email (if any) in one
/// transaction. Returns false, changing nothing, when the notice exists already (another
/// process got there first): so each result version is announced at most once, and a crash
/// before the commit leaves it to the next scan.
pub fn record_release_notice(
    conn: &mut DbConnection,
    notice: &PendingNotice,
    email: Option<&NewJob<'_>>,
    now: DateTime<Utc>,
) -> StorageResult<bool> {
    let tenant = notice.tenant_id;
    let outcome = crate::transaction(conn, |c| {
        let exists = release_notices::table
            .filter(release_notices::tenant_id.eq(tid(tenant)))
            .filter(release_notices::result_id.eq(&notice.result_id))
            .count()
            .get_result::<i64>(c)?
            > 0;
        if exists {
            return Ok(false);
        }
        insert_notice(c, tenant, &notice.result_id, &notice.candidate_id, email.is_some(), now)?;
        if let Some(job) = email {
            jobs::enqueue(c, tenant, job, now)?;
        }
        Ok(true)
    });
    match outcome {
        Err(StorageError::Conflict(_)) => Ok(false),
        other => other,
    }
}

/// How many sign-up failures `subject` had in `tenant` since `since`, and the oldest of them.
pub fn signup_failures(
    conn: &mut DbConnection,
    tenant: TenantId,
    subject: &str,
    since: DateTime<Utc>,
) -> StorageResult<(i64, Option<DateTime<Utc>>)> {
    let scope = || {
        signup_attempts::table
            .filter(signup_attempts::tenant_id.eq(tid(tenant)))
            .filter(signup_attempts::subject.eq(subject.to_owned()))
            .filter(signup_attempts::at.gt(since.naive_utc()))
    };
    let count = scope().count().get_result::<i64>(conn)?;
    let oldest: Option<NaiveDateTime> = scope().select(diesel::dsl::min(signup_attempts::at)).first(conn)?;
    Ok((count, oldest.map(|t| t.and_utc())))
}

/// Records a failed sign-up for each of `subjects`, and forgets failures older than `forget_before`.
pub fn record_signup_failure(
    conn: &mut DbConnection,
    tenant: TenantId,
    subjects: &[String],
    now: DateTime<Utc>,
    forget_before: DateTime<Utc>,
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        diesel::delete(
            signup_attempts::table
                .filter(signup_attempts::tenant_id.eq(tid(tenant)))
                .filter(signup_attempts::at.lt(forget_before.naive_utc())),
        )
        .execute(c)?;
        for s in subjects {
            diesel::insert_into(signup_attempts::table)
                .values((
                    signup_attempts::tenant_id.eq(tid(tenant)),
                    signup_attempts::id.eq(uuid::Uuid::new_v4().to_string()),
                    signup_attempts::subject.eq(s),
                    signup_attempts::at.eq(now.naive_utc()),
                ))
                .execute(c)?;
        }
        Ok(())
    })
}

/// Why results cannot be shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShareRefusal {
    /// The entry's result may not be shared (Pending or Withheld).
    NotShareable(String),
}

/// Shares released results of `candidate_id` with the verifier `verifier`, in one transaction,
/// auditing each share: every entry must be the candidate's own with a released result (else
/// `NotFound`, as if it did not exist) that may be shared (graded, X or Z; else a refusal, and
/// nothing is shared). Returns the share ids, in the order of `entry_ids`.
pub fn share_results(
    conn: &mut DbConnection,
    tenant: TenantId,
    candidate_id: &str,
    verifier: TenantId,
    entry_ids: &[String],
    actor: &str,
    now: DateTime<Utc>,
) -> StorageResult<Result<Vec<String>, ShareRefusal>> {
    use tessera_domain::results::ResultStatus;
    let outcome = crate::transaction(conn, |c| {
        let own = exams_of(c, tenant, candidate_id, now)?;
        let mut out = Vec::new();
        for id in entry_ids {
            let Some(result) = own.iter().find(|e| &e.entry.id == id).and_then(|e| e.result.as_ref()) else {
                return Err(StorageError::NotFound);
            };
            let status = result.status.parse::<ResultStatus>().ok();
            if !matches!(status, Some(ResultStatus::Graded | ResultStatus::X | ResultStatus::Z)) {
                // Rolls the transaction back: all or nothing.
                return Err(StorageError::Conflict(
                    DomainError::new(ErrorCode::NotShareable).on("entry_ids").arg("entry", id),
                ));
            }
            let s = crate::repo::shares::create(c, tenant, id, verifier, now)?;
            let ev = AuditEvent {
                actor: Some(actor),
                action: "share.created",
                target: Some(&s.id),
                details: serde_json::json!({"entry_id": id, "verifier": verifier.to_string()}),
                request_id: None,
            };
            audit::append(c, tenant, &ev, now)?;
            // Same transaction: the organisation's webhooks hear of the share iff it is made
            // (sharing an active share again queues nothing: the event's key is the share's).
            crate::repo::webhooks::emit_share(c, &s, tessera_domain::webhooks::WebhookEvent::ShareCreated, now)?;
            out.push(s.id);
        }
        Ok(out)
    });
    match outcome {
        Ok(ids) => Ok(Ok(ids)),
        Err(StorageError::Conflict(e)) if e.code == ErrorCode::NotShareable => {
            Ok(Err(ShareRefusal::NotShareable(e.text_arg("entry").unwrap_or_default().to_owned())))
        }
        Err(e) => Err(e),
    }
}

/// Withdraws a share of one of `candidate_id`'s results (another candidate's share is
/// `NotFound`) and audits it, in one transaction.
pub fn withdraw_share(
    conn: &mut DbConnection,
    tenant: TenantId,
    candidate_id: &str,
    share_id: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StorageResult<Share> {
    crate::transaction(conn, |c| {
        if !shares_of(c, tenant, candidate_id)?.iter().any(|s| s.id == share_id) {
            return Err(StorageError::NotFound);
        }
        let s = crate::repo::shares::withdraw(c, tenant, share_id, now)?;
        crate::repo::webhooks::emit_share(c, &s, tessera_domain::webhooks::WebhookEvent::ShareWithdrawn, now)?;
        let ev = AuditEvent {
            actor: Some(actor),
            action: "share.withdrawn",
            target: Some(&s.id),
            details: serde_json::json!({"entry_id": s.entry_id, "verifier": s.verifier_tenant_id}),
            request_id: None,
        };
        audit::append(c, tenant, &ev, now)?;
        Ok(s)
    })
}

/// Changes the email of user `user_id` (the caller has checked the password) and audits it.
pub fn change_email(
    conn: &mut DbConnection,
    tenant: TenantId,
    user_id: &str,
    email: &str,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    crate::transaction(conn, |c| {
        set_email(c, tenant, user_id, email)?;
        // A candidate's account email is the candidate's email: the centre's record and the
        // organisations' search indexes follow in this transaction (R-INDEX-FRESH).
        let linked: Vec<String> = candidates::table
            .filter(candidates::tenant_id.eq(tid(tenant)))
            .filter(candidates::user_id.eq(user_id))
            .select(candidates::id)
            .load(c)?;
        for candidate_id in linked {
            diesel::update(
                candidates::table
                    .filter(candidates::tenant_id.eq(tid(tenant)))
                    .filter(candidates::id.eq(&candidate_id)),
            )
            .set(candidates::email.eq(Some(email)))
            .execute(c)?;
            crate::repo::search_log::record_for_candidate(c, tenant, &candidate_id, now)?;
        }
        let ev = AuditEvent {
            actor: Some(user_id),
            action: "account.email_changed",
            target: Some(user_id),
            details: serde_json::json!({}),
            request_id: None,
        };
        audit::append(c, tenant, &ev, now)
    })
}
