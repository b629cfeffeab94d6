//! Provisioning tokens: what an identity provider uses to manage the organization's users over
//! SCIM 2.0. Each belongs to the organization and reaches `/scim/v2` only.

use serde::{Deserialize, Serialize};

use crate::users::UserRef;
use crate::Timestamp;

/// `POST /scim-tokens`: create a provisioning token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NewScimToken {
    /// What will use it, e.g. the identity provider's name.
    #[cfg_attr(feature = "server", schema(min_length = 1, max_length = 100))]
    pub name: String,
    /// The creating Owner's password, asked again: a session alone (left open, or taken) must not
    /// mint a token that outlives it.
    #[cfg_attr(feature = "server", schema(max_length = 256))]
    pub current_password: String,
}

/// Why a provisioning token cannot be named `name`, as (field, message); None when it can.
pub fn new_scim_token_problem(name: &str) -> Option<(&'static str, String)> {
    crate::tokens::new_token_problem(name, None)
}

/// A provisioning token as listed; the secret itself is only in [`CreatedScimToken`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ScimToken {
    pub id: i64,
    pub name: String,
    /// The Owner who made it (None once they are deleted: the token stays the organization's).
    pub created_by: Option<UserRef>,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

/// The organization's provisioning tokens, newest first, and where identity providers reach them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ScimTokens {
    /// The SCIM base URL to paste into the identity provider, e.g. `https://roster.example/scim/v2`.
    pub base_url: String,
    pub tokens: Vec<ScimToken>,
}

/// The answer to creating a provisioning token: the only time its secret is shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreatedScimToken {
    pub token: ScimToken,
    /// The identity provider sends it as `Authorization: Bearer <secret>`.
    pub secret: String,
    pub base_url: String,
}
