//! The Results Verification Service (DOMAIN.md section 12) as pages and the API both use it:
//! searching the results shared with an organisation, reading one, the Statement of Results.
//!
//! The organisation is always the caller's own tenant. A search hit is re-checked against the
//! database before it is shown, so a withdrawn share is gone at once, even in the moment before
//! this process's index has applied the withdrawal.

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use tessera_domain::ErrorCode;
use tessera_domain::{Role, TenantId};
use tessera_search::{SearchError, SearchQuery, SharedResultDoc, Sort};
use tessera_storage::repo::search_log;
use utoipa::{IntoParams, ToSchema};

/// The roles of a verifier organisation's users; everyone else gets a 404.
pub const VERIFIER_ROLES: &[Role] = &[Role::VerifierPrimary, Role::VerifierAdmin];

/// Hits per page unless asked otherwise.
pub const DEFAULT_PER_PAGE: usize = 20;

/// A search of the shared results (R-SEARCH-FIELDS). Dates are `YYYY-MM-DD`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Free text: names, ID number, email, exam, centre, place of entry. Diacritics and small
    /// typing errors do not matter; the last word may be unfinished.
    #[serde(default)]
    pub q: Option<String>,
    /// Candidate's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Candidate's date of birth.
    #[serde(default)]
    pub date_of_birth: Option<String>,
    /// Candidate's ID number (exact).
    #[serde(default)]
    pub id_number: Option<String>,
    /// Shared on or after this day (UTC).
    #[serde(default)]
    pub shared_from: Option<String>,
    /// Shared on or before this day (UTC).
    #[serde(default)]
    pub shared_to: Option<String>,
    /// Exam code (e.g. `FCE`) or name words (e.g. `First`).
    #[serde(default)]
    pub exam: Option<String>,
    /// Place of entry (country).
    #[serde(default)]
    pub place_of_entry: Option<String>,
    /// Centre name words.
    #[serde(default)]
    pub centre: Option<String>,
    /// Candidate's email (exact).
    #[serde(default)]
    pub email: Option<String>,
    /// Exam on or after this day.
    #[serde(default)]
    pub exam_date_from: Option<String>,
    /// Exam on or before this day.
    #[serde(default)]
    pub exam_date_to: Option<String>,
    /// `relevance` (default), `shared_newest`, `shared_oldest`, `family_name`, `exam_date`.
    #[serde(default)]
    pub sort: Option<String>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<usize>,
    /// Hits per page (1 to 200).
    #[serde(default)]
    pub per_page: Option<usize>,
}

fn blank(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

fn date(field: &'static str, v: &Option<String>) -> AppResult<Option<NaiveDate>> {
    match blank(v) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::at(ErrorCode::InvalidDate, field).arg("value", &s)),
    }
}

impl SearchParams {
    /// Checks the parameters and builds the search.
    pub fn to_query(&self) -> AppResult<SearchQuery> {
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if per_page == 0 || per_page > tessera_search::MAX_LIMIT {
            return Err(AppError::at(ErrorCode::OutOfRange, "per_page")
                .arg("min", 1)
                .arg("max", tessera_search::MAX_LIMIT));
        }
        let page = self.page.unwrap_or(1);
        if page == 0 {
            return Err(AppError::at(ErrorCode::NotPositive, "page"));
        }
        let offset = (page - 1).saturating_mul(per_page);
        if offset > tessera_search::MAX_OFFSET {
            return Err(AppError::at(ErrorCode::PageTooDeep, "page").arg("max", tessera_search::MAX_OFFSET));
        }
        let sort = match blank(&self.sort).as_deref() {
            None | Some("relevance") => Sort::Relevance,
            Some("shared_newest") => Sort::SharedNewest,
            Some("shared_oldest") => Sort::SharedOldest,
            Some("family_name") => Sort::FamilyName,
            Some("exam_date") => Sort::ExamDate,
            Some(other) => {
                return Err(AppError::at(ErrorCode::InvalidChoice, "sort")
                    .arg("value", other)
                    .arg("choices", "relevance, shared_newest, shared_oldest, family_name, exam_date"));
            }
        };
        let day_start = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight"));
        let day_end = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(23, 59, 59).expect("a valid time"));
        let q = SearchQuery {
            text: blank(&self.q).unwrap_or_default(),
            name: blank(&self.name),
            date_of_birth: date("date_of_birth", &self.date_of_birth)?,
            id_number: blank(&self.id_number),
            shared_from: date("shared_from", &self.shared_from)?.map(day_start),
            shared_to: date("shared_to", &self.shared_to)?.map(day_end),
            exam: blank(&self.exam),
            place_of_entry: blank(&self.place_of_entry),
            centre: blank(&self.centre),
            email: blank(&self.email),
            exam_date_from: date("exam_date_from", &self.exam_date_from)?,
            exam_date_to: date("exam_date_to", &self.exam_date_to)?,
            sort,
            offset,
            limit: per_page,
        };
        if q.text.chars().count() > 200 {
            return Err(AppError::at(ErrorCode::TooLong, "q").arg("max", 200));
        }
        Ok(q)
    }
}

/// A shared result as a verifier sees it in lists.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedResultView {
    /// The share's id: the handle for detail and downloads.
    pub share_id: String,
    /// First name.
    pub first_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth (`YYYY-MM-DD`).
    pub date_of_birth: String,
    /// ID number.
    pub id_number: String,
    /// Email, if known.
    pub email: Option<String>,
    /// Exam code.
    pub exam_code: String,
    /// Exam name.
    pub exam_name: String,
    /// Exam date (`YYYY-MM-DD`).
    pub exam_date: String,
    /// Centre name.
    pub centre_name: String,
    /// Place of entry (country).
    pub place_of_entry: String,
    /// When it was shared (`YYYY-MM-DD hh:mm:ss`, UTC).
    pub shared_at: String,
}

impl From<SharedResultDoc> for SharedResultView {
    fn from(d: SharedResultDoc) -> Self {
        Self {
            share_id: d.share_id,
            first_name: d.first_name,
            family_name: d.family_name,
            date_of_birth: d.date_of_birth.to_string(),
            id_number: d.id_number,
            email: d.email,
            exam_code: d.exam_code,
            exam_name: d.exam_name,
            exam_date: d.exam_date.to_string(),
            centre_name: d.centre_name,
            place_of_entry: d.place_of_entry,
            shared_at: d.shared_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }
}

/// A page of search results.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchResults {
    /// Matches in all.
    pub total: usize,
    /// This page's number, from 1.
    pub page: usize,
    /// Hits per page.
    pub per_page: usize,
    /// The hits.
    pub results: Vec<SharedResultView>,
}

fn search_error(e: SearchError) -> AppError {
    match e {
        SearchError::BadQuery(m) => AppError::at(ErrorCode::BadQuery, "q").arg("detail", m),
        other => AppError::internal(other),
    }
}

/// Searches the results shared with `verifier` (and still shared).
pub async fn search(state: &AppState, verifier: TenantId, q: SearchQuery) -> AppResult<SearchResults> {
    let (per_page, page) = (q.limit, q.offset / q.limit.max(1) + 1);
    let (search, db) = (state.search.clone(), state.db.clone());
    // The search and the re-check of its hits against the database, on a search thread.
    let (found, active) = state
        .search_pool
        .run(move || -> AppResult<_> {
            let found = search.search(verifier, &q).map_err(search_error)?;
            let ids: Vec<String> = found.hits.iter().map(|h| h.share_id.clone()).collect();
            let active: HashSet<String> = if ids.is_empty() {
                HashSet::new()
            } else {
                search_log::still_active(&mut *db.conn()?, verifier, &ids)?.into_iter().collect()
            };
            Ok((found, active))
        })
        .await
        .ok_or_else(|| AppError::internal("a search failed"))??;
    let dropped = found.hits.len() - found.hits.iter().filter(|h| active.contains(&h.share_id)).count();
    let results: Vec<SharedResultView> =
        found.hits.into_iter().filter(|h| active.contains(&h.share_id)).map(SharedResultView::from).collect();
    Ok(SearchResults { total: found.total.saturating_sub(dropped), page, per_page, results })
}

/// Who at an organisation is asking: a signed-in user or (R-API) an API client.
#[derive(Debug, Clone)]
pub struct Verifier {
    /// The organisation (the caller's own tenant: the only scope).
    pub tenant: TenantId,
    /// Id of the user or API client, for the audit log.
    pub actor_id: String,
    /// The name the candidate sees in "who viewed my result".
    pub actor_name: String,
    /// Language of documents.
    pub locale: tessera_domain::Locale,
}

impl Verifier {
    /// The signed-in user as a verifier; 404 for anyone who is not a verifier user.
    pub fn from_user(user: &crate::auth::CurrentUser) -> AppResult<Self> {
        user.require(VERIFIER_ROLES)?;
        Ok(Self {
            tenant: user.tenant_id(),
            actor_id: user.user.id.clone(),
            actor_name: format!("{} ({})", user.user.display_name, user.tenant.name),
            locale: user.tenant.locale,
        })
    }
}

/// A row of the shared list (R-SHARED-LIST).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedRow {
    /// The share's id.
    pub share_id: String,
    /// First name.
    pub first_name: String,
    /// Family name.
    pub family_name: String,
    /// Exam taken.
    pub exam_name: String,
    /// Date shared, `YYYY-MM-DD hh:mm:ss` (UTC).
    pub shared_at: String,
    /// Shared since the user's previous sign-in.
    pub is_new: bool,
}

/// The shared list: newest first, with what is new since the previous sign-in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SharedList {
    /// Candidates who shared since the user's previous sign-in.
    pub new_count: i64,
    /// Active shares in all.
    pub total: i64,
    /// Page number, from 1.
    pub page: i64,
    /// Rows per page.
    pub per_page: i64,
    /// The rows.
    pub rows: Vec<SharedRow>,
}

/// The shared list of `v` as seen by user `user_id` (whose previous sign-in decides "new").
pub async fn shared_list(state: &AppState, v: &Verifier, page: i64, per_page: i64) -> AppResult<SharedList> {
    if page < 1 || !(1..=200).contains(&per_page) {
        return Err(if page < 1 {
            AppError::at(ErrorCode::NotPositive, "page")
        } else {
            AppError::at(ErrorCode::OutOfRange, "per_page").arg("min", 1).arg("max", 200)
        });
    }
    let (tenant, actor) = (v.tenant, v.actor_id.clone());
    let (since, new_count, total, rows) = state
        .db
        .call(move |c| {
            let since = tessera_storage::repo::verifier::previous_login(c, tenant, &actor)?;
            let new_count = search_log::shared_since(c, tenant, since)?;
            let total = search_log::shared_since(c, tenant, None)?;
            let rows = search_log::newest(c, tenant, (page - 1).saturating_mul(per_page), per_page)?;
            Ok((since, new_count, total, rows))
        })
        .await?;
    let rows = rows
        .into_iter()
        .map(|r| SharedRow {
            is_new: since.is_none_or(|s| r.shared_at > s),
            share_id: r.share_id,
            first_name: r.first_name,
            family_name: r.family_name,
            exam_name: r.exam_name,
            shared_at: r.shared_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        })
        .collect();
    Ok(SharedList { new_count, total, page, per_page, rows })
}

/// One component score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComponentView {
    /// Paper, e.g. `Reading`.
    pub component: String,
    /// Cambridge English Scale score.
    pub score: i32,
}

/// A result as a verifier sees it (R-DETAIL).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultDetail {
    /// The share's id (empty for a Statement of Results lookup).
    pub share_id: String,
    /// First name.
    pub first_name: String,
    /// Family name.
    pub family_name: String,
    /// Date of birth.
    pub date_of_birth: String,
    /// ID number.
    pub id_number: String,
    /// Exam code.
    pub exam_code: String,
    /// Exam name.
    pub exam_name: String,
    /// Written date.
    pub exam_date: String,
    /// Centre.
    pub centre_name: String,
    /// Statement of Results number.
    pub sor_number: String,
    /// Result version shown (the current one).
    pub version: i32,
    /// `graded`, `X`, `Z`, `Pending` or `Withheld`.
    pub status: String,
    /// Overall score, for a graded result.
    pub overall_score: Option<i32>,
    /// Grade, for a graded result.
    pub grade: Option<String>,
    /// CEFR level, for a graded result.
    pub cefr: Option<String>,
    /// Component scores; empty for X, Z, Pending and Withheld (R-RESULT-CODES).
    pub components: Vec<ComponentView>,
    /// Where the exam-day photo can be fetched, when there is one and the centre's photo policy
    /// lets verifiers see it (R-PHOTO-DAY).
    pub photo_url: Option<String>,
}

fn detail_of(share_id: String, centre_name: String, sheet: tessera_storage::repo::centre::ResultSheet) -> ResultDetail {
    let status = sheet.result.status.parse::<tessera_domain::results::ResultStatus>().ok();
    let graded = sheet.result.status == "graded";
    let shows = status.is_some_and(|s| s.shows_components()) && graded;
    ResultDetail {
        share_id,
        first_name: sheet.candidate.first_name,
        family_name: sheet.candidate.family_name,
        date_of_birth: sheet.candidate.date_of_birth.to_string(),
        id_number: sheet.candidate.id_number,
        exam_code: sheet.exam.code,
        exam_name: sheet.exam.name,
        exam_date: sheet.session.written_date.to_string(),
        centre_name,
        sor_number: sheet.result.sor_number,
        version: sheet.result.version,
        status: sheet.result.status,
        overall_score: if graded { sheet.result.overall_score } else { None },
        grade: if graded { sheet.result.grade } else { None },
        cefr: if graded { sheet.result.cefr } else { None },
        components: if shows {
            sheet.components.into_iter().map(|c| ComponentView { component: c.component, score: c.score }).collect()
        } else {
            Vec::new()
        },
        // Filled in by `detail` when the share has a photo verifiers may see.
        photo_url: None,
    }
}

/// Records a view or download of a share: the share event the candidate sees and the
/// organisation's audit record, in one transaction. Fails (404) if the share is not active.
pub(crate) async fn record(state: &AppState, v: &Verifier, share_id: &str, action: &'static str) -> AppResult<()> {
    let (tenant, id, actor, name, now) =
        (v.tenant, share_id.to_owned(), v.actor_id.clone(), v.actor_name.clone(), state.clock.now());
    state
        .db
        .call(move |c| tessera_storage::repo::verifier::record_access(c, tenant, &id, &actor, &name, action, now))
        .await?;
    Ok(())
}

/// The active share `share_id` of `v`'s organisation with its released result sheet; 404 when
/// the share is not the organisation's, withdrawn, or its result not released (R-RELEASE).
pub(crate) async fn shared_sheet(
    state: &AppState,
    v: &Verifier,
    share_id: &str,
) -> AppResult<(
    tessera_storage::repo::centre::Share,
    tessera_storage::repo::centre::ResultSheet,
    tessera_storage::repo::tenants::Tenant,
)> {
    let (tenant, id, now) = (v.tenant, share_id.to_owned(), state.clock.now());
    state
        .db
        .call(move |c| {
            let share = tessera_storage::repo::shares::active_for_verifier(c, tenant, &id)?;
            let centre: TenantId = share
                .tenant_id
                .parse()
                .map_err(|_| tessera_storage::StorageError::Corrupt(format!("tenant id `{}`", share.tenant_id)))?;
            let sheet = tessera_storage::repo::centre::result_sheet(c, centre, &share.entry_id)?;
            if sheet.session.release_at > now.naive_utc() {
                return Err(tessera_storage::StorageError::NotFound);
            }
            let centre = tessera_storage::repo::tenants::by_id(c, centre)?;
            Ok((share, sheet, centre))
        })
        .await
        .map_err(AppError::from)
}

/// The detail of a shared result (R-DETAIL); the view is recorded for the candidate and audited.
pub async fn detail(state: &AppState, v: &Verifier, share_id: &str) -> AppResult<ResultDetail> {
    let (share, sheet, centre) = shared_sheet(state, v, share_id).await?;
    let photo = visible_photo(state, &share, &sheet).await?;
    record(state, v, &share.id, "view").await?;
    let mut detail = detail_of(share.id, centre.name, sheet);
    detail.photo_url = photo.map(|_| format!("/api/v1/verifier/results/{}/photo", detail.share_id));
    Ok(detail)
}

/// The exam-day photo of a shared result (R-PHOTO-DAY), as `(content type, bytes)`: 404 unless
/// the centre stored one and its photo policy lets verifiers see it. Recorded as a download.
pub async fn photo(state: &AppState, v: &Verifier, share_id: &str) -> AppResult<(String, Vec<u8>)> {
    let (share, sheet, _) = shared_sheet(state, v, share_id).await?;
    let doc = visible_photo(state, &share, &sheet).await?.ok_or_else(AppError::not_found)?;
    let centre: TenantId = share.tenant_id.parse().map_err(AppError::internal)?;
    let path = crate::centre::document_path(state, centre, &doc.id);
    let bytes = tokio::fs::read(&path).await.map_err(AppError::internal)?;
    record(state, v, &share.id, "download").await?;
    Ok((doc.content_type, bytes))
}

/// The newest exam-day photo of the share's entry, if the centre's photo policy lets verifiers
/// see it; the policy is asked of the centre (the photo is the centre's).
async fn visible_photo(
    state: &AppState,
    share: &tessera_storage::repo::centre::Share,
    sheet: &tessera_storage::repo::centre::ResultSheet,
) -> AppResult<Option<tessera_storage::repo::workflows::Document>> {
    use tessera_storage::repo::workflows;
    let centre: TenantId = share.tenant_id.parse().map_err(AppError::internal)?;
    let eid = share.entry_id.clone();
    let (docs, form) = state
        .db
        .call(move |c| Ok((workflows::documents(c, centre, &eid)?, workflows::entry_form(c, centre, &eid)?)))
        .await?;
    let Some(doc) = docs.into_iter().filter(|d| d.kind == "exam_photo").max_by_key(|d| d.created_at) else {
        return Ok(None);
    };
    let facts = tessera_plugin_sdk::kinds::PhotoFacts {
        exam: crate::centre::exam_of(&sheet.session.exam_code),
        candidate_date_of_birth: sheet.candidate.date_of_birth,
        registration_date: form.registration_date.unwrap_or(sheet.session.registration_closes),
    };
    let policy = crate::policy::decide(state, centre, facts, None).await?;
    Ok(policy.visible_to_verifiers.then_some(doc))
}

/// The Statement of Results PDF of a shared result; the download is recorded and audited.
pub async fn statement(state: &AppState, v: &Verifier, share_id: &str) -> AppResult<(String, Vec<u8>)> {
    let (share, sheet, _) = shared_sheet(state, v, share_id).await?;
    let centre: TenantId = share.tenant_id.parse().map_err(AppError::internal)?;
    let pdf = crate::documents::statement_of_results(state, centre, share.entry_id.clone(), v.locale).await?;
    record(state, v, &share.id, "download").await?;
    Ok((format!("statement-of-results-{}.pdf", file_safe(&sheet.result.sor_number)), pdf))
}

/// A name safe in a `Content-Disposition` header.
pub fn file_safe(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

/// Lookups allowed per user, per organisation and per client address (R-SOR-LOOKUP): each
/// lookup is a guess at two secrets, so the budgets are small.
pub const LOOKUPS_PER_USER: crate::rate::Budget =
    crate::rate::Budget { max: 10, window: chrono::Duration::minutes(10) };
/// Per organisation.
pub const LOOKUPS_PER_ORG: crate::rate::Budget = crate::rate::Budget { max: 100, window: chrono::Duration::hours(1) };
/// Per client address.
pub const LOOKUPS_PER_ADDRESS: crate::rate::Budget =
    crate::rate::Budget { max: 30, window: chrono::Duration::hours(1) };

/// Candidate Search (R-SOR-LOOKUP): the result whose Statement of Results number AND the
/// candidate's date of birth both match. Throttled; every lookup, found or not, is audited.
pub async fn sor_lookup(
    state: &AppState,
    v: &Verifier,
    address: std::net::IpAddr,
    sor_number: &str,
    date_of_birth: &str,
) -> AppResult<ResultDetail> {
    let sor = sor_number.trim().to_owned();
    if sor.is_empty() || sor.len() > 64 {
        return Err(AppError::at(ErrorCode::Required, "sor_number"));
    }
    let dob = date("date_of_birth", &Some(date_of_birth.to_owned()))?
        .ok_or_else(|| AppError::at(ErrorCode::Required, "date_of_birth"))?;
    state
        .rate
        .take(&[
            (format!("sor:user:{}:{}", v.tenant, v.actor_id), LOOKUPS_PER_USER),
            (format!("sor:org:{}", v.tenant), LOOKUPS_PER_ORG),
            (format!("sor:addr:{address}"), LOOKUPS_PER_ADDRESS),
        ])
        .await?
        .map_err(AppError::too_many)?;
    let (tenant, actor, now, sor2) = (v.tenant, v.actor_id.clone(), state.clock.now(), sor.clone());
    let addr = address.to_string();
    let found = state
        .db
        .call(move |c| {
            let found = tessera_storage::repo::verifier::sor_lookup(c, &sor2, dob, now)?;
            let centre_name = match &found {
                Some((centre, _)) => Some(tessera_storage::repo::tenants::by_id(c, *centre)?.name),
                None => None,
            };
            // The date of birth is not written to the log: the number and the outcome suffice.
            let ev = tessera_storage::repo::audit::AuditEvent {
                actor: Some(&actor),
                action: "verifier.sor_lookup",
                target: Some(&sor2),
                details: serde_json::json!({"found": found.is_some(), "address": addr}),
                request_id: None,
            };
            tessera_storage::repo::audit::append(c, tenant, &ev, now)?;
            if let Some((centre, _)) = &found {
                let ev = tessera_storage::repo::audit::AuditEvent {
                    actor: None,
                    action: "result.looked_up_by_verifier",
                    target: Some(&sor2),
                    details: serde_json::json!({"verifier": tenant.to_string()}),
                    request_id: None,
                };
                tessera_storage::repo::audit::append(c, *centre, &ev, now)?;
            }
            Ok(found.zip(centre_name))
        })
        .await?;
    match found {
        Some(((_, sheet), centre_name)) => Ok(detail_of(String::new(), centre_name, sheet)),
        None => Err(AppError::new(ErrorCode::LookupNoMatch)),
    }
}

/// The prefix of API client tokens: `tsk_<organisation id>_<secret>`.
pub const TOKEN_PREFIX: &str = "tsk_";

/// A fresh API token for organisation `tenant`, with its stored hash and hint.
pub fn new_api_token(tenant: TenantId) -> (String, String, String) {
    let token =
        format!("{TOKEN_PREFIX}{}_{}{}", tenant.0.simple(), crate::auth::random_token(), crate::auth::random_token());
    let hash = crate::auth::token_hash(&token);
    let hint = format!("...{}", &token[token.len() - 4..]);
    (token, hash, hint)
}

/// The caller behind an API token (`Authorization: Bearer` or `X-API-Key`), counted against the
/// client's budget. Any problem with the token is a 401 that says nothing more.
pub async fn api_client(state: &AppState, token: &str) -> AppResult<Verifier> {
    let bad = || AppError::new(ErrorCode::InvalidToken);
    let rest = token.strip_prefix(TOKEN_PREFIX).ok_or_else(bad)?;
    let (tenant, secret) = rest.split_once('_').ok_or_else(bad)?;
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let tenant: TenantId = tenant.parse().map_err(|_| bad())?;
    let hash = crate::auth::token_hash(token);
    let caller = match state.api_tokens.get(&hash) {
        Some(caller) => caller,
        None => {
            let key = hash.clone();
            let found = state
                .db
                .call(move |c| {
                    let t = tessera_storage::repo::tenants::by_id(c, tenant)?;
                    let client = tessera_storage::repo::api_clients::by_token(c, tenant, &key)?;
                    Ok((t, client))
                })
                .await;
            let (t, client) = match found {
                Ok(x) => x,
                Err(tessera_storage::StorageError::NotFound) => return Err(bad()),
                Err(e) => return Err(e.into()),
            };
            if t.status != "active" || t.kind != tessera_domain::TenantKind::Verifier {
                return Err(bad());
            }
            let caller = ApiCaller {
                client_id: client.id.clone(),
                verifier: Verifier {
                    tenant: t.id,
                    actor_id: format!("api:{}", client.id),
                    actor_name: format!("{} (API, {})", client.name, t.name),
                    locale: t.locale,
                },
            };
            state.api_tokens.put(hash, caller.clone());
            caller
        }
    };
    let budget =
        crate::rate::Budget { max: state.settings.api_requests_per_minute, window: chrono::Duration::minutes(1) };
    state.rate.take(&[(caller.verifier.actor_id.clone(), budget)]).await?.map_err(AppError::too_many)?;
    Ok(caller.verifier)
}

/// An API client as its token was verified.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    /// The client's id.
    pub client_id: String,
    /// Who it acts as.
    pub verifier: Verifier,
}
