//! SCIM 2.0 (RFC 7643 / 7644) at `/scim/v2`: identity providers manage the organization's members
//! with a provisioning token. Handlers parse the protocol and shape its answers; the flows are in
//! `ops::scim`, the rules and SQL where the console's are.

pub mod attributes;
pub mod error;
pub mod filter;
pub mod groups;
pub mod patch;
pub mod schema;
pub mod users;

use std::num::NonZeroU32;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use governor::clock::DefaultClock;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use serde::Deserialize;
use serde_json::Value;

use crate::auth;
use crate::authz::client;
use crate::ops::scim as flows;
use crate::ops::scim::{ScimCaller, UserListRequest};
use crate::state::AppState;
use error::{ScimError, ScimResult};
use schema::{MAX_BODY_BYTES, REQUESTS_PER_SECOND, REQUEST_BURST};

/// SCIM's media type (RFC 7644 §8.1).
pub const CONTENT_TYPE: &str = "application/scim+json";

/// Requests per provisioning token, in this process.
pub struct ScimLimits(RateLimiter<i64, HashMapStateStore<i64>, DefaultClock>);

impl Default for ScimLimits {
    fn default() -> Self {
        let quota =
            Quota::per_second(NonZeroU32::new(REQUESTS_PER_SECOND).unwrap_or(NonZeroU32::MIN))
                .allow_burst(NonZeroU32::new(REQUEST_BURST).unwrap_or(NonZeroU32::MIN));
        ScimLimits(RateLimiter::hashmap(quota))
    }
}

impl ScimLimits {
    /// Counts a request of `token_id`; the error says how long to wait.
    fn admit(&self, token_id: i64) -> ScimResult<()> {
        self.0.check_key(&token_id).map_err(|_| {
            let mut error = ScimError::new(
                StatusCode::TOO_MANY_REQUESTS,
                None,
                format!("This token sent more than {REQUESTS_PER_SECOND} requests a second. Slow down and retry."),
            );
            error.retry_after = Some(1);
            error
        })
    }

    /// Forgets tokens idle long enough to be back at a full burst (the maintenance task calls it).
    pub fn forget_idle(&self) {
        self.0.retain_recent();
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(one_schema))
        .route("/Users", get(list_users).post(create_user))
        .route("/Users/.search", post(search_users))
        .route("/Groups", get(list_groups).post(refuse_group_change))
        .route("/Groups/.search", post(search_groups))
        .route(
            "/Groups/{id}",
            get(get_group)
                .put(replace_group)
                .patch(patch_group)
                .delete(refuse_group_change),
        )
        .route("/.search", post(search_everything))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .fallback(unknown_endpoint)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

impl FromRequestParts<AppState> for ScimCaller {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ScimResult<Self> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|token| !token.is_empty())
            .ok_or_else(ScimError::unauthorized)?;
        let found = state
            .store
            .scim_token_use(&auth::token_hash(token), state.clock.now())
            .await?
            .ok_or_else(ScimError::unauthorized)?;
        state.scim_limits.admit(found.token_id)?;
        Ok(ScimCaller {
            token_id: found.token_id,
            org_id: found.org_id,
            label: format!("SCIM · {}", found.name),
            client_addr: client(parts).addr,
        })
    }
}

fn base_url(state: &AppState) -> String {
    flows::base_url(state)
}

/// A SCIM answer: JSON as `application/scim+json`, with an ETag for one resource.
fn answer(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    if let Some(version) = body["meta"]["version"].as_str() {
        if let Ok(tag) = HeaderValue::from_str(version) {
            headers.insert(header::ETAG, tag);
        }
    }
    if status == StatusCode::CREATED {
        if let Some(location) = body["meta"]["location"]
            .as_str()
            .and_then(|l| HeaderValue::from_str(l).ok())
        {
            headers.insert(header::LOCATION, location);
        }
    }
    response
}

/// The JSON body of a request, whatever JSON media type it was sent as.
fn json_body(body: Result<Bytes, BytesRejection>) -> ScimResult<Value> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ScimError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                None,
                format!("A request body is at most {} KiB.", MAX_BODY_BYTES / 1024),
            )
        } else {
            ScimError::bad_request("invalidSyntax", rejection.body_text())
        }
    })?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        ScimError::bad_request("invalidSyntax", format!("The body is not JSON: {e}"))
    })?;
    if !value.is_object() {
        return Err(ScimError::bad_request(
            "invalidSyntax",
            "The body is a JSON object.",
        ));
    }
    Ok(value)
}

/// The version `If-Match` names, if the request sends one (`*` matches any).
fn if_match(headers: &HeaderMap) -> ScimResult<Option<i64>> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default().trim();
    if text == "*" {
        return Ok(None);
    }
    roster_model::parse_version_tag(text)
        .map(Some)
        .ok_or_else(ScimError::stale)
}

/// A user id in the path: Roster's ids are whole numbers, so anything else names nobody.
fn user_id(id: &str) -> ScimResult<i64> {
    id.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
        ScimError::not_found(format!("There is no user “{id}” in this organization."))
    })
}

async fn service_provider_config(State(state): State<AppState>, _: ScimCaller) -> Response {
    answer(
        StatusCode::OK,
        &schema::service_provider_config(&base_url(&state)),
    )
}

async fn resource_types(State(state): State<AppState>, _: ScimCaller) -> Response {
    answer(
        StatusCode::OK,
        &schema::list_of(schema::resource_types(&base_url(&state))),
    )
}

async fn resource_type(
    State(state): State<AppState>,
    _: ScimCaller,
    Path(id): Path<String>,
) -> ScimResult<Response> {
    schema::resource_types(&base_url(&state))
        .into_iter()
        .find(|t| t["id"].as_str() == Some(id.as_str()))
        .map(|t| answer(StatusCode::OK, &t))
        .ok_or_else(|| ScimError::not_found(format!("There is no resource type “{id}”.")))
}

async fn schemas(State(state): State<AppState>, _: ScimCaller) -> Response {
    answer(
        StatusCode::OK,
        &schema::list_of(schema::schemas(&base_url(&state))),
    )
}

async fn one_schema(
    State(state): State<AppState>,
    _: ScimCaller,
    Path(id): Path<String>,
) -> ScimResult<Response> {
    schema::schemas(&base_url(&state))
        .into_iter()
        .find(|s| s["id"].as_str() == Some(id.as_str()))
        .map(|s| answer(StatusCode::OK, &s))
        .ok_or_else(|| ScimError::not_found(format!("There is no schema “{id}”.")))
}

/// The query of `GET /Users` (also the body of `POST /Users/.search`, in its JSON spelling).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

impl ListQuery {
    fn into_request(self) -> ScimResult<UserListRequest> {
        let number = |text: Option<String>, what: &str| -> ScimResult<Option<i64>> {
            text.map(|t| {
                t.trim()
                    .parse::<i64>()
                    .map_err(|_| ScimError::invalid_value(format!("“{what}” is a whole number.")))
            })
            .transpose()
        };
        Ok(UserListRequest {
            filter: self.filter,
            start_index: number(self.start_index, "startIndex")?,
            count: number(self.count, "count")?,
            sort_by: self.sort_by,
            descending: match self
                .sort_order
                .as_deref()
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                None | Some("ascending") => false,
                Some("descending") => true,
                Some(_) => {
                    return Err(ScimError::invalid_value(
                        "“sortOrder” is “ascending” or “descending”.",
                    ))
                }
            },
            attributes: self.attributes,
            excluded_attributes: self.excluded_attributes,
        })
    }
}

async fn list_users(
    State(state): State<AppState>,
    caller: ScimCaller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ScimResult<Response> {
    let Query(query) = query.map_err(|e| ScimError::invalid_value(e.body_text()))?;
    let list = flows::list_users(&state, &caller, query.into_request()?).await?;
    Ok(answer(StatusCode::OK, &list))
}

async fn search_users(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult<Response> {
    let query = search_query(&json_body(body)?)?;
    let list = flows::list_users(&state, &caller, query.into_request()?).await?;
    Ok(answer(StatusCode::OK, &list))
}

/// A SearchRequest body (RFC 7644 §3.4.3) read as the query parameters it stands for.
fn search_query(body: &Value) -> ScimResult<ListQuery> {
    let text = |name: &str| -> ScimResult<Option<String>> {
        match body.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            // `attributes` may be an array of paths in a SearchRequest.
            Some(Value::Array(items)) => Ok(Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            )),
            Some(_) => Err(ScimError::invalid_value(format!(
                "“{name}” has the wrong type."
            ))),
        }
    };
    Ok(ListQuery {
        filter: text("filter")?,
        start_index: text("startIndex")?,
        count: text("count")?,
        sort_by: text("sortBy")?,
        sort_order: text("sortOrder")?,
        attributes: text("attributes")?,
        excluded_attributes: text("excludedAttributes")?,
    })
}

/// A search of every resource type at once is not offered (RFC 7644 §3.4.3 lets a service
/// provider answer 501): Users and Groups are searched apart.
async fn search_everything(_: ScimCaller) -> ScimError {
    ScimError::not_implemented(
        "Search Users and Groups apart: POST /Users/.search or /Groups/.search.",
    )
}

async fn list_groups(
    State(state): State<AppState>,
    caller: ScimCaller,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ScimResult<Response> {
    let Query(query) = query.map_err(|e| ScimError::invalid_value(e.body_text()))?;
    let list = flows::list_groups(&state, &caller, query.into_request()?).await?;
    Ok(answer(StatusCode::OK, &list))
}

async fn search_groups(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult<Response> {
    let query = search_query(&json_body(body)?)?;
    let list = flows::list_groups(&state, &caller, query.into_request()?).await?;
    Ok(answer(StatusCode::OK, &list))
}

async fn get_group(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    query: Result<Query<SelectQuery>, axum::extract::rejection::QueryRejection>,
) -> ScimResult<Response> {
    let Query(query) = query.map_err(|e| ScimError::invalid_value(e.body_text()))?;
    let group = flows::get_group(&state, &caller, &id).await?;
    let selected = attributes::select_attributes(
        group,
        &attributes::attribute_list(query.attributes.as_deref())?,
        &attributes::attribute_list(query.excluded_attributes.as_deref())?,
    );
    Ok(answer(StatusCode::OK, &selected))
}

async fn replace_group(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult<Response> {
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.trim() != "*");
    let group = flows::replace_group(&state, &caller, &id, if_match, &json_body(body)?).await?;
    Ok(answer(StatusCode::OK, &group))
}

async fn patch_group(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult<Response> {
    let if_match = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.trim() != "*");
    let group = flows::patch_group(&state, &caller, &id, if_match, &json_body(body)?).await?;
    Ok(answer(StatusCode::OK, &group))
}

async fn refuse_group_change(_: ScimCaller) -> ScimError {
    groups::fixed_groups()
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SelectQuery {
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

async fn get_user(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    query: Result<Query<SelectQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> ScimResult<Response> {
    let Query(query) = query.map_err(|e| ScimError::invalid_value(e.body_text()))?;
    let user = flows::get_user(&state, &caller, user_id(&id)?).await?;
    // A client that has this version already need not read it again (RFC 7644 §3.14).
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .zip(user["meta"]["version"].as_str())
        .is_some_and(|(sent, version)| sent.split(',').any(|tag| tag.trim() == version));
    if unchanged {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let selected = attributes::select_attributes(
        user,
        &attributes::attribute_list(query.attributes.as_deref())?,
        &attributes::attribute_list(query.excluded_attributes.as_deref())?,
    );
    Ok(answer(StatusCode::OK, &selected))
}

async fn create_user(
    State(state): State<AppState>,
    caller: ScimCaller,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult<Response> {
    let user = flows::create_user(&state, &caller, &json_body(body)?).await?;
    Ok(answer(StatusCode::CREATED, &user))
}

async fn replace_user(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult<Response> {
    let id = user_id(&id)?;
    let user =
        flows::replace_user(&state, &caller, id, if_match(&headers)?, &json_body(body)?).await?;
    Ok(answer(StatusCode::OK, &user))
}

async fn patch_user(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ScimResult<Response> {
    let id = user_id(&id)?;
    let user =
        flows::patch_user(&state, &caller, id, if_match(&headers)?, &json_body(body)?).await?;
    Ok(answer(StatusCode::OK, &user))
}

async fn delete_user(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ScimResult<StatusCode> {
    let id = user_id(&id)?;
    flows::delete_user(&state, &caller, id, if_match(&headers)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unknown_endpoint() -> ScimError {
    ScimError::not_found(
        "There is no such SCIM endpoint. Roster serves /ServiceProviderConfig, /ResourceTypes, /Schemas, /Users and /Groups.",
    )
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "This endpoint does not take that method.",
    )
}
