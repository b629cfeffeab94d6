//! Signing in: credentials, who is signed in, passwords and two-factor enrolment.

use serde::{Deserialize, Serialize};

use crate::roles::OrgRole;
use crate::users::UserRef;

/// `POST /session`: sign in with a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SignIn {
    #[cfg_attr(feature = "server", schema(max_length = 254))]
    pub email: String,
    #[cfg_attr(feature = "server", schema(max_length = 256))]
    pub password: String,
    /// The second factor of a user enrolled in two-factor: a 6-digit authenticator code or one of
    /// their recovery codes. Sign-in without it answers `two_factor_code_required`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// Who is signed in, and in which organization with which role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Me {
    pub user: UserRef,
    pub organization: Organization,
    pub role: OrgRole,
    /// Owners and Administrators manage users; Members see no management pages.
    pub manages_users: bool,
    /// Two-factor is required for this user and they have not enrolled: nothing else works until
    /// they do.
    #[serde(default)]
    pub must_enrol_two_factor: bool,
    #[serde(default)]
    pub two_factor_enrolled: bool,
}

/// `POST /session/two-factor/setup`: a new TOTP secret for the signed-in user to add to an
/// authenticator app. It only takes effect once confirmed with a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TwoFactorSetup {
    /// Base32, as authenticator apps take it when typed in.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub otpauth_uri: String,
    /// The QR code as an SVG `data:` URI, rendered by the server (no outside service).
    pub qr_code: String,
}

/// `POST /session/two-factor`: confirm the set-up secret with a code from the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ConfirmTwoFactor {
    pub code: String,
}

/// The answer to a confirmed enrolment: one-time recovery codes, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TwoFactorEnrolled {
    pub recovery_codes: Vec<String>,
    pub me: Me,
}

/// How many recovery codes an enrolment yields.
pub const RECOVERY_CODE_COUNT: usize = 10;

/// `POST /session/password`: replace the signed-in user's password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ChangePassword {
    #[cfg_attr(feature = "server", schema(max_length = 256))]
    pub current_password: String,
    #[cfg_attr(feature = "server", schema(min_length = 12, max_length = 256))]
    pub new_password: String,
}

/// `POST /session/two-factor/setup`: the signed-in user's password, asked again so that a session
/// alone (left open, or taken) cannot put another authenticator in front of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BeginTwoFactorSetup {
    #[cfg_attr(feature = "server", schema(max_length = 256))]
    pub current_password: String,
}

pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Why a new password is refused, or None when it is acceptable.
pub fn new_password_problem(new: &str, current: &str, email: &str) -> Option<String> {
    let chars = new.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!("Use at least {MIN_PASSWORD_CHARS} characters."));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Some(format!("Use at most {MAX_PASSWORD_CHARS} characters."));
    }
    if new == current {
        return Some("Choose a password different from the current one.".to_owned());
    }
    if new.trim().eq_ignore_ascii_case(email.trim()) {
        return Some("Your email address is not a good password.".to_owned());
    }
    None
}

/// Header every state-changing request must carry (with value "1"): a page on another site cannot
/// set it without a CORS preflight, which Roster never allows.
pub const CSRF_HEADER: &str = "x-roster-csrf";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OrgFeatures {
    /// Bulk import of existing users on a verified domain; not every organization has it.
    pub bulk_import: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub features: OrgFeatures,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_are_long_and_new() {
        assert!(new_password_problem("short", "old", "a@x.io").is_some());
        assert!(new_password_problem("the same password", "the same password", "a@x.io").is_some());
        assert!(
            new_password_problem("averylong@example.com", "old", "AveryLong@example.com").is_some()
        );
        assert!(new_password_problem(&"x".repeat(257), "old", "a@x.io").is_some());
        assert_eq!(
            new_password_problem("correct horse battery", "old", "a@x.io"),
            None
        );
    }
}
