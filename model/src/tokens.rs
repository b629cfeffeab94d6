//! Bearer API tokens for scripts and embedding hosts.

use serde::{Deserialize, Serialize};

use crate::users::UserRef;
use crate::Timestamp;

/// `POST /tokens`: create a bearer API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NewApiToken {
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// Days until the token stops working: 1 to [`MAX_TOKEN_DAYS`], [`DEFAULT_TOKEN_DAYS`] when absent.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::whole_number::optional"
    )]
    #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 365))]
    pub expires_in_days: Option<u32>,
    /// The creating Owner's password, asked again: a session alone (left open, or taken) must not
    /// mint a token that outlives it.
    #[cfg_attr(feature = "server", schema(max_length = 256))]
    pub current_password: String,
}

/// How long a token lives unless its creator chooses otherwise…
pub const DEFAULT_TOKEN_DAYS: u32 = 90;
/// …and at most.
pub const MAX_TOKEN_DAYS: u32 = 365;
/// The lifetimes the app offers.
pub const TOKEN_DAY_CHOICES: [u32; 4] = [7, 30, 90, 365];

/// Why a token cannot be created with this name and lifetime, as (field, message); None when it can.
pub fn new_token_problem(
    name: &str,
    expires_in_days: Option<u32>,
) -> Option<(&'static str, String)> {
    // Counted as sent, as the published limit counts.
    if name.chars().count() > MAX_TOKEN_NAME_CHARS {
        return Some((
            "name",
            format!("A token name is at most {MAX_TOKEN_NAME_CHARS} characters."),
        ));
    }
    let name = name.trim();
    if name.is_empty() {
        return Some(("name", "Name the token after what will use it.".to_owned()));
    }
    // A token's name is part of its caller's name, which invitation subjects carry.
    if let Some(problem) = crate::text::name_text_problem(name) {
        return Some(("name", problem.to_owned()));
    }
    if expires_in_days.is_some_and(|days| !(1..=MAX_TOKEN_DAYS).contains(&days)) {
        return Some((
            "expires_in_days",
            format!("A token lives 1 to {MAX_TOKEN_DAYS} days."),
        ));
    }
    None
}

/// A bearer API token as listed; the secret itself is only in [`CreatedApiToken`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_by: Option<UserRef>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
    /// When it stops working by itself…
    pub expires_at: Timestamp,
    /// …and whether that time has come.
    #[serde(default)]
    pub expired: bool,
    /// Two-factor sign-in is required of its creator, who has not set it up: the token does
    /// nothing until they do.
    #[serde(default)]
    pub awaits_two_factor: bool,
}

/// The answer to creating a token: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreatedApiToken {
    pub token: ApiToken,
    /// Send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Longest token name accepted.
pub const MAX_TOKEN_NAME_CHARS: usize = 100;
