//! HTTP handlers of `/api/v1`. Each one parses its input, calls the store and shapes the answer;
//! the rules live in roster-model and the SQL in the store.

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::routing::get;
use axum::{Json, Router};
use roster_model::{
    AccountSummary, Domain, ErrorCode, Organization, Page, SortDir, SortField, UserDetail,
    UserSummary, UserView, ViewCounts, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SEARCH_LEN,
};
use serde::Deserialize;

use crate::cursor::Cursor;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{AccountListParams, UserListParams};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/organization", get(organization))
        .route("/users", get(list_users))
        .route("/users/counts", get(view_counts))
        .route("/users/{id}", get(user_detail))
        .route("/accounts", get(list_accounts))
        .route("/domains", get(list_domains))
        .method_not_allowed_fallback(method_not_allowed)
}

/// Answer for any path under /api that no route matches: JSON, never the app's HTML.
pub async fn not_found() -> AppError {
    AppError::not_found("There is no such API endpoint.")
}

async fn method_not_allowed() -> AppError {
    AppError::new(
        ErrorCode::BadRequest,
        "This endpoint does not accept that HTTP method.",
    )
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// The organization a request acts on. Until sign-in exists this is the server's primary
/// organization; with sessions it becomes the signed-in user's organization.
pub struct CurrentOrg(pub i64);

impl FromRequestParts<AppState> for CurrentOrg {
    type Rejection = AppError;

    async fn from_request_parts(
        _parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        state
            .store
            .primary_org_id()
            .await?
            .map(CurrentOrg)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::Unavailable,
                    "No organization exists yet: start the server with --demo or run `roster-server seed`.",
                )
            })
    }
}

async fn organization(
    State(state): State<AppState>,
    CurrentOrg(org): CurrentOrg,
) -> AppResult<Json<Organization>> {
    let organization = state.store.organization(org).await?;
    organization
        .map(Json)
        .ok_or_else(|| AppError::not_found("The organization no longer exists."))
}

async fn view_counts(
    State(state): State<AppState>,
    CurrentOrg(org): CurrentOrg,
) -> AppResult<Json<ViewCounts>> {
    Ok(Json(state.store.view_counts(org).await?))
}

/// Query parameters arrive as text so that each bad one gets its own field-specific error.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    view: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

fn query_or_error(query: Result<Query<ListQuery>, QueryRejection>) -> AppResult<ListQuery> {
    query
        .map(|Query(query)| query)
        .map_err(|rejection| AppError::new(ErrorCode::BadRequest, rejection.body_text()))
}

fn parse_search(q: Option<&str>) -> AppResult<Option<String>> {
    let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) else {
        return Ok(None);
    };
    if q.chars().count() > MAX_SEARCH_LEN {
        return Err(AppError::bad_field(
            "q",
            format!("Search text is at most {MAX_SEARCH_LEN} characters."),
        ));
    }
    Ok(Some(q.to_lowercase()))
}

fn parse_limit(limit: Option<&str>) -> AppResult<u32> {
    let Some(limit) = limit else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    limit
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
        .ok_or_else(|| {
            AppError::bad_field(
                "limit",
                format!("limit is a whole number from 1 to {MAX_PAGE_SIZE}."),
            )
        })
}

fn parse_cursor(cursor: Option<&str>, sort: SortField, dir: SortDir) -> AppResult<Option<Cursor>> {
    let Some(text) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    Cursor::decode(text, sort, dir).map(Some).ok_or_else(|| {
        AppError(
            roster_model::ApiError::new(
                ErrorCode::InvalidCursor,
                "This page link is no longer valid for the current sort order. Start again from the first page.",
            )
            .with_field("cursor"),
        )
    })
}

async fn list_users(
    State(state): State<AppState>,
    CurrentOrg(org): CurrentOrg,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<Page<UserSummary>>> {
    let query = query_or_error(query)?;
    let view = match query.view.as_deref() {
        None => UserView::Managed,
        Some(text) => UserView::parse(text).ok_or_else(|| {
            AppError::bad_field(
                "view",
                "view is one of managed, external, invited or imported.",
            )
        })?,
    };
    let sort = match query.sort.as_deref() {
        None => SortField::Name,
        Some(text) => SortField::parse(text)
            .ok_or_else(|| AppError::bad_field("sort", "sort is one of name, email or date."))?,
    };
    let dir = match query.dir.as_deref() {
        None => SortDir::Asc,
        Some(text) => {
            SortDir::parse(text).ok_or_else(|| AppError::bad_field("dir", "dir is asc or desc."))?
        }
    };
    let params = UserListParams {
        view,
        search: parse_search(query.q.as_deref())?,
        sort,
        dir,
        cursor: parse_cursor(query.cursor.as_deref(), sort, dir)?,
        limit: parse_limit(query.limit.as_deref())?,
    };
    Ok(Json(
        state
            .store
            .list_users(org, &params, state.clock.now())
            .await?,
    ))
}

async fn user_detail(
    State(state): State<AppState>,
    CurrentOrg(org): CurrentOrg,
    Path(id): Path<String>,
) -> AppResult<Json<UserDetail>> {
    let missing = || AppError::not_found("This organization has no such user.");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let detail = state.store.user_detail(org, id, state.clock.now()).await?;
    detail.map(Json).ok_or_else(missing)
}

async fn list_accounts(
    State(state): State<AppState>,
    CurrentOrg(org): CurrentOrg,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> AppResult<Json<Page<AccountSummary>>> {
    let query = query_or_error(query)?;
    let params = AccountListParams {
        search: parse_search(query.q.as_deref())?,
        cursor: parse_cursor(query.cursor.as_deref(), SortField::Name, SortDir::Asc)?,
        limit: parse_limit(query.limit.as_deref())?,
    };
    Ok(Json(state.store.list_accounts(org, &params).await?))
}

async fn list_domains(
    State(state): State<AppState>,
    CurrentOrg(org): CurrentOrg,
) -> AppResult<Json<Vec<Domain>>> {
    Ok(Json(state.store.list_domains(org).await?))
}
