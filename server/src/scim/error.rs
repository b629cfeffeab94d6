//! SCIM error responses (RFC 7644 §3.12): `{schemas, status, scimType, detail}` with the status
//! code as a string, as `application/scim+json`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::CONTENT_TYPE;
use crate::error::AppError;
use crate::store::StoreError;

pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimError {
    pub status: StatusCode,
    /// RFC 7644's `scimType` for a 400 (and 409 `uniqueness`), when one applies.
    pub scim_type: Option<&'static str>,
    pub detail: String,
    pub retry_after: Option<i64>,
}

pub type ScimResult<T> = Result<T, ScimError>;

impl ScimError {
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(scim_type: &'static str, detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        ScimError::bad_request("invalidFilter", detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        ScimError::bad_request("invalidValue", detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        ScimError::bad_request("invalidPath", detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        ScimError::bad_request("mutability", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::NOT_FOUND, None, detail)
    }

    pub fn conflict(scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::CONFLICT, scim_type, detail)
    }

    pub fn unauthorized() -> Self {
        ScimError::new(
            StatusCode::UNAUTHORIZED,
            None,
            "Send a live provisioning token as “Authorization: Bearer <token>”. Owners create them on Roster's Provisioning page.",
        )
    }

    pub fn stale() -> Self {
        ScimError::new(
            StatusCode::PRECONDITION_FAILED,
            None,
            "The user changed since the version named in If-Match. Read it again and retry.",
        )
    }

    pub fn not_implemented(detail: impl Into<String>) -> Self {
        ScimError::new(StatusCode::NOT_IMPLEMENTED, None, detail)
    }
}

impl From<StoreError> for ScimError {
    fn from(error: StoreError) -> Self {
        ScimError::from(AppError::from(error))
    }
}

/// The console API's errors (a busy database, a payload too large) in SCIM's shape.
impl From<AppError> for ScimError {
    fn from(error: AppError) -> Self {
        let status = error.error.code.http_status();
        ScimError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            scim_type: None,
            detail: error.error.message,
            retry_after: error.retry_after,
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(scim_type) = self.scim_type {
            body["scimType"] = scim_type.into();
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"roster-scim\""),
            );
        }
        response
    }
}
