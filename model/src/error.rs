//! The one error shape every API answer uses: `{"error": {"code", "message", "field"}}`.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes. Clients switch on these; the message is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request does not match the contract: malformed JSON, a wrong type, a parameter the
    /// operation does not take.
    BadRequest,
    /// The request is well-formed, but a value breaks a rule (`field` names it).
    InvalidValue,
    /// A page link (`cursor`) made for another sort order, or not made by the server.
    InvalidCursor,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    FeatureDisabled,
    /// Too many attempts; wait (the answer's Retry-After says how long) before trying again.
    RateLimited,
    /// A state-changing request without the anti-forgery header or from another origin.
    CsrfRejected,
    /// The request body is larger than the API accepts.
    PayloadTooLarge,
    /// The operation does not take this HTTP method (the `Allow` header lists those it does).
    MethodNotAllowed,
    /// The request named a host this server does not serve (DNS rebinding).
    MisdirectedRequest,
    /// The password was right; the user is enrolled in two-factor and must also give a code.
    TwoFactorCodeRequired,
    /// Two-factor is required for the user (or an API token's creator) and not set up; only
    /// enrolling, changing the password and signing out work.
    TwoFactorEnrolmentRequired,
    /// The change was based on an older version of the resource (If-Match did not match).
    StaleVersion,
    /// A change to a versioned resource must say which version it is based on (If-Match).
    VersionRequired,
    Internal,
    Unavailable,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::InvalidValue | ErrorCode::InvalidCursor => 422,
            ErrorCode::Unauthorized | ErrorCode::TwoFactorCodeRequired => 401,
            ErrorCode::Forbidden
            | ErrorCode::FeatureDisabled
            | ErrorCode::CsrfRejected
            | ErrorCode::TwoFactorEnrolmentRequired => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Conflict => 409,
            ErrorCode::StaleVersion => 412,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::MisdirectedRequest => 421,
            ErrorCode::VersionRequired => 428,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// The request field the error is about, so a form can show it next to that field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

/// The JSON envelope of an error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ApiError,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_has_the_documented_shape() {
        let body = ErrorBody {
            error: ApiError::new(ErrorCode::NotFound, "No such user.").with_field("id"),
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "not_found", "message": "No such user.", "field": "id"}})
        );
    }

    #[test]
    fn statuses_follow_codes() {
        assert_eq!(ErrorCode::InvalidCursor.http_status(), 422);
        assert_eq!(ErrorCode::FeatureDisabled.http_status(), 403);
        assert_eq!(ErrorCode::NotFound.http_status(), 404);
    }
}
