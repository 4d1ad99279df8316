//! The Results Verification Service API (R-API): search, the shared list, detail, Statement of
//! Results lookup and downloads, for the organisation's users and API clients.

use super::ApiUser;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::state::SharedState;
use crate::verifier::{self, ResultDetail, SearchParams, SearchResults, SharedList, Verifier};
use axum::Json;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tessera_domain::Role;
use tessera_storage::repo::api_clients::{self, ApiClient};
use tessera_storage::repo::audit;
use utoipa::{IntoParams, ToSchema};

/// The caller of a verifier endpoint: an API client (R-API: `Authorization: Bearer <token>` or
/// `X-API-Key: <token>`), else a signed-in verifier user.
pub struct VerifierCaller(pub Verifier);

impl FromRequestParts<SharedState> for VerifierCaller {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &SharedState) -> Result<Self, AppError> {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let key = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok());
        if let Some(token) = bearer.or(key) {
            return Ok(Self(verifier::api_client(state, token.trim()).await?));
        }
        let ApiUser(user) = ApiUser::from_request_parts(parts, state).await?;
        Ok(Self(Verifier::from_user(&user)?))
    }
}

/// Searches the results shared with the caller's organisation (R-SEARCH-FIELDS).
#[utoipa::path(get, path = "/v1/verifier/search", tag = "verifier", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn search(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Query(params): Query<SearchParams>,
) -> AppResult<Json<SearchResults>> {
    let q = params.to_query()?;
    Ok(Json(verifier::search(&state, v.tenant, q).await?))
}

/// Paging of the shared list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<i64>,
    /// Rows per page (1 to 200, default 50).
    #[serde(default)]
    pub per_page: Option<i64>,
}

/// The results shared with the caller's organisation, newest first, with the number shared since
/// the caller's previous sign-in (R-SHARED-LIST).
#[utoipa::path(get, path = "/v1/verifier/shared", tag = "verifier", params(ListParams),
    responses((status = 200, body = SharedList), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn shared(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Query(p): Query<ListParams>,
) -> AppResult<Json<SharedList>> {
    Ok(Json(verifier::shared_list(&state, &v, p.page.unwrap_or(1), p.per_page.unwrap_or(50)).await?))
}

/// One shared result with its scores (R-DETAIL). The view is recorded: the candidate sees it.
#[utoipa::path(get, path = "/v1/verifier/results/{share_id}", tag = "verifier", params(("share_id" = String, Path)),
    responses((status = 200, body = ResultDetail), (status = 404, body = ErrorBody)))]
pub async fn detail(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(share_id): Path<String>,
) -> AppResult<Json<ResultDetail>> {
    Ok(Json(verifier::detail(&state, &v, &share_id).await?))
}

/// The Statement of Results PDF of a shared result. The download is recorded: the candidate sees it.
#[utoipa::path(get, path = "/v1/verifier/results/{share_id}/statement.pdf", tag = "verifier", params(("share_id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn statement(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(share_id): Path<String>,
) -> AppResult<Response> {
    let (name, pdf) = verifier::statement(&state, &v, &share_id).await?;
    Ok(pdf_response(&name, pdf))
}

/// A PDF download.
pub fn pdf_response(name: &str, pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        pdf,
    )
        .into_response()
}

/// A Candidate Search: Statement of Results number and date of birth (R-SOR-LOOKUP).
#[derive(Debug, Deserialize, ToSchema)]
pub struct LookupRequest {
    /// The Statement of Results number.
    pub sor_number: String,
    /// The candidate's date of birth, `YYYY-MM-DD`.
    pub date_of_birth: String,
}

/// Candidate Search (R-SOR-LOOKUP): finds a result only when the Statement of Results number AND
/// the date of birth both match. Throttled per user, organisation and client address (429 with
/// Retry-After); every lookup is audited.
#[utoipa::path(post, path = "/v1/verifier/lookup", tag = "verifier", request_body = LookupRequest,
    responses((status = 200, body = ResultDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn lookup(
    State(state): State<SharedState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    VerifierCaller(v): VerifierCaller,
    Json(req): Json<LookupRequest>,
) -> AppResult<Json<ResultDetail>> {
    Ok(Json(verifier::sor_lookup(&state, &v, addr.ip(), &req.sor_number, &req.date_of_birth).await?))
}

/// An API client as listed (its token is never shown again).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientView {
    /// Client id.
    pub id: String,
    /// Name given at creation.
    pub name: String,
    /// The token's last characters.
    pub token_hint: String,
    /// Created (UTC).
    pub created_at: String,
    /// Last rotated (UTC), if ever.
    pub rotated_at: Option<String>,
    /// Revoked (UTC): the token no longer works.
    pub revoked_at: Option<String>,
}

impl From<ApiClient> for ApiClientView {
    fn from(c: ApiClient) -> Self {
        let f = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d %H:%M:%S").to_string();
        Self {
            id: c.id,
            name: c.name,
            token_hint: c.token_hint,
            created_at: f(c.created_at),
            rotated_at: c.rotated_at.map(f),
            revoked_at: c.revoked_at.map(f),
        }
    }
}

/// A client with its token: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiClientToken {
    /// The client.
    pub client: ApiClientView,
    /// The token, for `Authorization: Bearer <token>` or `X-API-Key: <token>`. Not stored.
    pub token: String,
}

/// A new API client.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewApiClient {
    /// A name saying what uses it (1 to 100 characters).
    pub name: String,
}

fn primary_only(user: &crate::auth::CurrentUser) -> AppResult<()> {
    user.require(&[Role::VerifierPrimary])
}

fn audit_client(
    c: &mut tessera_storage::DbConnection,
    user: &crate::auth::CurrentUser,
    action: &str,
    id: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> tessera_storage::StorageResult<()> {
    let ev = audit::AuditEvent {
        actor: Some(&user.user.id),
        action,
        target: Some(id),
        details: serde_json::json!({}),
        request_id: None,
    };
    audit::append(c, user.tenant_id(), &ev, now)
}

/// The organisation's API clients (primary user only).
#[utoipa::path(get, path = "/v1/verifier/api-clients", tag = "verifier",
    responses((status = 200, body = [ApiClientView]), (status = 404, body = ErrorBody)))]
pub async fn clients(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<Vec<ApiClientView>>> {
    primary_only(&user)?;
    let tid = user.tenant_id();
    let rows = state.db.call(move |c| api_clients::list(c, tid)).await?;
    Ok(Json(rows.into_iter().map(ApiClientView::from).collect()))
}

/// Creates an API client; the answer carries its token, shown only this once (R-API).
#[utoipa::path(post, path = "/v1/verifier/api-clients", tag = "verifier", request_body = NewApiClient,
    responses((status = 201, body = ApiClientToken), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(req): Json<NewApiClient>,
) -> AppResult<(StatusCode, Json<ApiClientToken>)> {
    primary_only(&user)?;
    let name = req.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        let mut e = AppError::bad_request("name: 1 to 100 characters");
        e.field = Some("name".into());
        return Err(e);
    }
    let (token, hash, hint) = verifier::new_api_token(user.tenant_id());
    let (u, now) = (user.clone(), state.clock.now());
    let client = state
        .db
        .call(move |c| {
            let client = api_clients::create(c, u.tenant_id(), &name, &hash, &hint, &u.user.id, now)?;
            audit_client(c, &u, "api_client.created", &client.id, now)?;
            Ok(client)
        })
        .await?;
    Ok((StatusCode::CREATED, Json(ApiClientToken { client: client.into(), token })))
}

/// Gives a client a new token; the old one stops working at once (renewal, R-API).
#[utoipa::path(post, path = "/v1/verifier/api-clients/{id}/rotate", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, body = ApiClientToken), (status = 404, body = ErrorBody)))]
pub async fn rotate_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<Json<ApiClientToken>> {
    primary_only(&user)?;
    let (token, hash, hint) = verifier::new_api_token(user.tenant_id());
    let (u, now) = (user.clone(), state.clock.now());
    let client = state
        .db
        .call(move |c| {
            let client = api_clients::rotate(c, u.tenant_id(), &id, &hash, &hint, now)?;
            audit_client(c, &u, "api_client.rotated", &client.id, now)?;
            Ok(client)
        })
        .await?;
    Ok(Json(ApiClientToken { client: client.into(), token }))
}

/// Revokes a client for good.
#[utoipa::path(delete, path = "/v1/verifier/api-clients/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_client(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    primary_only(&user)?;
    let (u, now) = (user.clone(), state.clock.now());
    state
        .db
        .call(move |c| {
            api_clients::revoke(c, u.tenant_id(), &id, now)?;
            audit_client(c, &u, "api_client.revoked", &id, now)
        })
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn file_response(id: Option<&str>, f: crate::bulk::File) -> Response {
    let mut res = (
        [
            (header::CONTENT_TYPE, f.content_type.to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", f.name)),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        f.bytes,
    )
        .into_response();
    if let Some(id) = id
        && let Ok(v) = header::HeaderValue::from_str(id)
    {
        res.headers_mut().insert("x-download-id", v);
    }
    res
}

/// Downloads ticked shared results at once (R-BULK-DOWNLOAD): `pdf` gives a zip of Statements of
/// Results, `csv` and `xlsx` a data file from the default template (every field) or a custom one.
/// The download is kept in the history (its id in `X-Download-Id`) and recorded for each candidate.
#[utoipa::path(post, path = "/v1/verifier/downloads", tag = "verifier", request_body = crate::bulk::BulkRequest,
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn bulk_download(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Json(req): Json<crate::bulk::BulkRequest>,
) -> AppResult<Response> {
    let (id, file) = crate::bulk::create(&state, &v, req).await?;
    Ok(file_response(Some(&id), file))
}

/// A past download.
#[derive(Debug, Serialize, ToSchema)]
pub struct DownloadView {
    /// Id, for downloading again.
    pub id: String,
    /// `pdf`, `csv` or `xlsx`.
    pub format: String,
    /// Custom template used, if any.
    pub template_id: Option<String>,
    /// Results in the file when it was made.
    pub count: i32,
    /// Who asked (user or `api:<client id>`).
    pub actor_id: String,
    /// When (UTC, `YYYY-MM-DD hh:mm:ss`).
    pub created_at: String,
}

/// The organisation's download history, newest first.
#[utoipa::path(get, path = "/v1/verifier/downloads", tag = "verifier",
    responses((status = 200, body = [DownloadView]), (status = 404, body = ErrorBody)))]
pub async fn download_history(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
) -> AppResult<Json<Vec<DownloadView>>> {
    let tenant = v.tenant;
    let rows = state.db.call(move |c| tessera_storage::repo::downloads::history(c, tenant, 200)).await?;
    Ok(Json(
        rows.into_iter()
            .map(|d| DownloadView {
                id: d.id,
                format: d.format,
                template_id: d.template_id,
                count: d.count,
                actor_id: d.actor_id,
                created_at: d.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            })
            .collect(),
    ))
}

/// Downloads a past download again, with the results still shared now.
#[utoipa::path(get, path = "/v1/verifier/downloads/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = ErrorBody)))]
pub async fn download_again(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(id): Path<String>,
) -> AppResult<Response> {
    Ok(file_response(None, crate::bulk::again(&state, &v, &id).await?))
}

/// A data-file template.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TemplateView {
    /// Id (absent when creating).
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    pub name: String,
    /// Columns in order.
    pub fields: Vec<crate::bulk::Column>,
}

/// The data-file templates: the default one (every field, id `default`) first, then the custom ones.
#[utoipa::path(get, path = "/v1/verifier/download-templates", tag = "verifier",
    responses((status = 200, body = [TemplateView]), (status = 404, body = ErrorBody)))]
pub async fn templates(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
) -> AppResult<Json<Vec<TemplateView>>> {
    let tenant = v.tenant;
    let rows = state.db.call(move |c| tessera_storage::repo::downloads::templates(c, tenant)).await?;
    let mut out =
        vec![TemplateView { id: None, name: "Default (every field)".into(), fields: crate::bulk::default_columns() }];
    for t in rows {
        out.push(TemplateView {
            id: Some(t.id),
            name: t.name,
            fields: serde_json::from_str(&t.fields).map_err(AppError::internal)?,
        });
    }
    Ok(Json(out))
}

/// Saves a custom data-file template: chosen fields, their order and headers.
#[utoipa::path(post, path = "/v1/verifier/download-templates", tag = "verifier", request_body = TemplateView,
    responses((status = 201, body = TemplateView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn create_template(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Json(t): Json<TemplateView>,
) -> AppResult<(StatusCode, Json<TemplateView>)> {
    let name = t.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::bad_request("name: 1 to 100 characters"));
    }
    crate::bulk::check_columns(&t.fields)?;
    let json = serde_json::to_string(&t.fields).map_err(AppError::internal)?;
    let (tenant, actor, now, n2) = (v.tenant, v.actor_id.clone(), state.clock.now(), name.clone());
    let row = state
        .db
        .call(move |c| tessera_storage::repo::downloads::create_template(c, tenant, &n2, &json, &actor, now))
        .await?;
    Ok((StatusCode::CREATED, Json(TemplateView { id: Some(row.id), name, fields: t.fields })))
}

/// Deletes a custom data-file template.
#[utoipa::path(delete, path = "/v1/verifier/download-templates/{id}", tag = "verifier", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn delete_template(
    State(state): State<SharedState>,
    VerifierCaller(v): VerifierCaller,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let tenant = v.tenant;
    state.db.call(move |c| tessera_storage::repo::downloads::delete_template(c, tenant, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's notification preference (R-NOTIFY).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotifyPref {
    /// `off`, `each` (an email per candidate), `daily` (a summary each morning) or `weekly` (a
    /// summary on Mondays), in the organisation's time zone.
    pub mode: String,
}

/// The signed-in verifier user's notification preference.
#[utoipa::path(get, path = "/v1/verifier/notifications", tag = "verifier",
    responses((status = 200, body = NotifyPref), (status = 404, body = ErrorBody)))]
pub async fn get_notify(State(state): State<SharedState>, ApiUser(user): ApiUser) -> AppResult<Json<NotifyPref>> {
    let v = Verifier::from_user(&user)?;
    let (tenant, id) = (v.tenant, v.actor_id);
    let mode = state.db.call(move |c| tessera_storage::repo::notify::get(c, tenant, &id)).await?;
    Ok(Json(NotifyPref { mode }))
}

/// Sets the signed-in verifier user's notification preference; shares from now on count for it.
#[utoipa::path(put, path = "/v1/verifier/notifications", tag = "verifier", request_body = NotifyPref,
    responses((status = 200, body = NotifyPref), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_notify(
    State(state): State<SharedState>,
    ApiUser(user): ApiUser,
    Json(p): Json<NotifyPref>,
) -> AppResult<Json<NotifyPref>> {
    let v = Verifier::from_user(&user)?;
    if !tessera_storage::repo::notify::MODES.contains(&p.mode.as_str()) {
        let mut e = AppError::bad_request("mode: expected off, each, daily or weekly");
        e.field = Some("mode".into());
        return Err(e);
    }
    let (tenant, id, now, mode) = (v.tenant, v.actor_id, state.clock.now(), p.mode.clone());
    state.db.call(move |c| tessera_storage::repo::notify::set(c, tenant, &id, &mode, now)).await?;
    Ok(Json(p))
}
