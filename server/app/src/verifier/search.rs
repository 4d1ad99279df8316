//! Searching the results shared with an organisation (R-SEARCH-FIELDS).

use super::{blank, date};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use tessera_domain::ErrorCode;
use tessera_domain::TenantId;
use tessera_search::{SearchError, SearchQuery, SharedResultDoc, Sort};
use tessera_storage::repo::search_log;
use utoipa::{IntoParams, ToSchema};

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
