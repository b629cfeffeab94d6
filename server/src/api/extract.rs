//! What handlers take from a request, each failure already Roster's own error: JSON bodies, query
//! strings, ids in the path, the version a change is based on, and the Idempotency-Key; and the
//! one reading of a change's outcome.

use axum::extract::{FromRequest, FromRequestParts, Path, RawPathParams};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use roster_model::{
    parse_version_tag, ApiError, ErrorCode, SortDir, SortField, UserView, DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE, MAX_SEARCH_LEN,
};
use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::store::{Cursor, StoreError, UpdateOutcome};

/// A JSON body; a malformed one answers 400 and an oversized one 413, in Roster's error shape.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// A query string; parameters a route does not take, or of the wrong shape, answer 400.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

/// Declares an id taken from the path under `$param`; anything that is not one of this kind's
/// ids answers the kind's own "not found".
macro_rules! path_id {
    ($(#[$doc:meta])* $name:ident, $param:literal, $missing:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub i64);

        impl $name {
            pub fn not_found() -> AppError {
                AppError::not_found($missing)
            }
        }

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = AppError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
                let Path(params) =
                    Path::<std::collections::HashMap<String, String>>::from_request_parts(parts, state)
                        .await
                        .map_err(|_| $name::not_found())?;
                params
                    .get($param)
                    .and_then(|id| id.parse().ok())
                    .map($name)
                    .ok_or_else($name::not_found)
            }
        }
    };
}

path_id!(
    /// `{user_id}`: a user of the organization.
    UserId, "user_id", "This organization has no such user."
);
path_id!(
    /// `{account_id}`: an account of the organization.
    AccountId, "account_id", "The organization has no such account."
);
path_id!(
    /// `{domain_id}`: a domain the organization claimed.
    DomainId, "domain_id", "The organization has no such domain."
);
path_id!(
    /// `{token_id}`: a live API token of the organization.
    TokenId, "token_id", "There is no such live token."
);

/// `{token}`: a link's token, as sent. Tokens are URL-safe text, read without decoding: one that
/// is not (`%ff`, which decodes to no text) is no link's token, and is answered as any unknown
/// one is, in Roster's error shape.
pub struct LinkToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for LinkToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let missing = || AppError::not_found("This link is not valid.");
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| missing())?;
        params
            .iter()
            .find(|(name, _)| *name == "token")
            .map(|(_, token)| LinkToken(token.to_owned()))
            .ok_or_else(missing)
    }
}

/// The version a change is based on, from `If-Match` (the ETag the resource was read with).
pub struct IfMatch(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let value = parts.headers.get(header::IF_MATCH).ok_or_else(|| {
            AppError::new(
                ErrorCode::VersionRequired,
                "Send the version this change is based on as If-Match (the ETag of the user).",
            )
        })?;
        value
            .to_str()
            .ok()
            .and_then(parse_version_tag)
            .map(IfMatch)
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::BadRequest,
                    "If-Match must be an ETag such as \"v3\".",
                )
            })
    }
}

/// The `Idempotency-Key` a retried request carries, if any.
pub struct IdempotencyKey(pub Option<String>);

/// Longest Idempotency-Key accepted.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, AppError> {
        let Some(value) = parts.headers.get("idempotency-key") else {
            return Ok(IdempotencyKey(None));
        };
        let key = value.to_str().unwrap_or_default();
        if key.is_empty()
            || key.len() > MAX_IDEMPOTENCY_KEY_LEN
            || !key.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(AppError::new(
                ErrorCode::BadRequest,
                format!(
                    "An Idempotency-Key is 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible ASCII characters, without spaces."
                ),
            ));
        }
        Ok(IdempotencyKey(Some(key.to_owned())))
    }
}

/// Nothing was changed for the reason `outcome` names; `not_found` says what was missing.
pub fn refused(outcome: UpdateOutcome, not_found: fn() -> AppError) -> AppError {
    match outcome {
        UpdateOutcome::NotFound | UpdateOutcome::Updated => not_found(),
        UpdateOutcome::Stale => AppError::new(
            ErrorCode::StaleVersion,
            "Someone else changed this user while you were editing. Their changes are shown now; yours are kept so you can apply them again.",
        ),
        UpdateOutcome::Refused(problem) => AppError::new(ErrorCode::Conflict, problem),
        UpdateOutcome::Invalid(field, problem) => AppError::invalid(field, problem),
        UpdateOutcome::NoLongerActs => StoreError::NoLongerActs.into(),
    }
}

/// `Ok` when the change was made, otherwise why not (see [`refused`]).
pub fn changed(outcome: UpdateOutcome, not_found: fn() -> AppError) -> AppResult<()> {
    match outcome {
        UpdateOutcome::Updated => Ok(()),
        other => Err(refused(other, not_found)),
    }
}

/// Search text: trimmed (a person written `Name <address>` or `mailto:address` is their address:
/// `roster_model::search_term`), lower-cased, and not too long; empty is no search.
pub fn search(q: Option<&str>) -> AppResult<Option<String>> {
    search_in("q", q)
}

/// Like [`search`], for a filter named `field`.
pub fn search_in(field: &str, q: Option<&str>) -> AppResult<Option<String>> {
    let Some(q) = q else {
        return Ok(None);
    };
    // Counted before trimming, as the published limit counts what is sent.
    if q.chars().count() > MAX_SEARCH_LEN {
        return Err(AppError::malformed(
            field,
            format!("Search text is at most {MAX_SEARCH_LEN} characters."),
        ));
    }
    let q = roster_model::search_term(q);
    // A NUL ends text early in SQLite's hands and is no character PostgreSQL's text holds: no
    // name, address or label has one.
    if q.contains('\0') {
        return Err(AppError::malformed(
            field,
            "Search text cannot hold a NUL character.",
        ));
    }
    Ok((!q.is_empty()).then(|| q.to_lowercase()))
}

/// The page size asked for, or the default.
pub fn limit(limit: Option<&str>) -> AppResult<u32> {
    let Some(limit) = limit else {
        return Ok(DEFAULT_PAGE_SIZE);
    };
    limit
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
        .ok_or_else(|| {
            AppError::malformed(
                "limit",
                format!("limit is a whole number from 1 to {MAX_PAGE_SIZE}."),
            )
        })
}

/// The cursor of a page link, if it belongs to the sort order asked for.
pub fn cursor(cursor: Option<&str>, sort: SortField, dir: SortDir) -> AppResult<Option<Cursor>> {
    let Some(text) = cursor.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    Cursor::decode(text, sort, dir).map(Some).ok_or_else(|| {
        AppError::from(
            ApiError::new(
                ErrorCode::InvalidCursor,
                "This page link is no longer valid for the current sort order. Start again from the first page.",
            )
            .with_field("cursor"),
        )
    })
}

/// The tab of the user-management page, Managed when none is named.
pub fn view(view: Option<&str>) -> AppResult<UserView> {
    match view {
        None => Ok(UserView::Managed),
        Some(text) => UserView::parse(text).ok_or_else(|| {
            AppError::malformed(
                "view",
                "view is one of managed, external, invited or imported.",
            )
        }),
    }
}

/// The sort field and direction asked for, by name ascending when none.
pub fn sort(sort: Option<&str>, dir: Option<&str>) -> AppResult<(SortField, SortDir)> {
    let field = match sort {
        None => SortField::Name,
        Some(text) => SortField::parse(text)
            .ok_or_else(|| AppError::malformed("sort", "sort is one of name, email or date."))?,
    };
    let dir = match dir {
        None => SortDir::Asc,
        Some(text) => {
            SortDir::parse(text).ok_or_else(|| AppError::malformed("dir", "dir is asc or desc."))?
        }
    };
    Ok((field, dir))
}

/// One page of a searchable list sorted by name.
#[derive(Debug, serde::Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Text to find (case does not matter; a person written `Name <address>` is looked for by
    /// the address).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// A page's `next_cursor` or `prev_cursor`.
    #[param(pattern = "^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 25).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}
