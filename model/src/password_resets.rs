//! Set-password links: what an administrator's password reset mails the person.

use serde::{Deserialize, Serialize};

use crate::Timestamp;

/// Where a single-use link (an invitation or a set-password link) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    Pending,
    Used,
    Expired,
}

/// `GET /password-resets/{token}` (no session): what a set-password link opens. Only a link
/// that still works says whose password it sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PasswordResetPreview {
    pub state: LinkState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The person signs in with a second factor: the form asks for a code too.
    #[serde(default)]
    pub two_factor: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// `POST /password-resets/complete` (no session): sets the new password with the link's token
/// and signs in (with a second-factor code when the person is enrolled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CompletePasswordReset {
    pub token: String,
    #[cfg_attr(feature = "server", schema(min_length = 12, max_length = 256))]
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// How long a set-password link works after an administrator's reset.
pub const PASSWORD_RESET_SECONDS: i64 = 3 * 24 * 60 * 60;
