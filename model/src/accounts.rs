//! An account's User access page: who can use the account with which roles, changing and
//! removing that access, and inviting people to the account alone.

use serde::{Deserialize, Serialize};

use crate::invitations::InvitedAccount;
use crate::named::named_enum;
use crate::roles::RoleSet;
use crate::users::{Relation, UserRef};
use crate::{AccountId, Timestamp};

/// Most addresses one account invitation request takes.
pub const MAX_ACCOUNT_INVITE_EMAILS: usize = 100;

/// One person with access to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountUser {
    pub user: UserRef,
    /// Managed (a member of the organization) or External.
    pub relation: Relation,
    pub roles: RoleSet,
    /// The account's owner, whose access cannot be taken away here.
    pub owner: bool,
    pub granted_at: Timestamp,
}

/// `PUT /accounts/{id}/users/{user_id}`: the roles the user has on the account from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountRoles {
    pub roles: RoleSet,
}

/// `POST /accounts/{id}/invitations`: give these people access with these roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountInvite {
    #[cfg_attr(feature = "server", schema(min_items = 1, max_items = 100))]
    pub emails: Vec<String>,
    pub roles: RoleSet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccountInviteOutcome {
    /// A member of the organization: access given at once.
    Granted,
    /// On a verified domain of the organization: invited to join it as a managed user, with access
    /// to this account (the invitation shows on the Invited tab).
    InvitedToOrganization,
    /// Anyone else (another domain, or a member of another organization): an invitation to this
    /// account alone was mailed; they become an external user.
    Invited,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountInviteResult {
    pub email: String,
    pub outcome: AccountInviteOutcome,
    /// Why it failed, for the admin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A pending invitation to one account, as its User access page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountInvitation {
    pub id: i64,
    pub email: String,
    pub roles: RoleSet,
    pub invited_by: Option<UserRef>,
    pub sent_at: Timestamp,
    pub expires_at: Timestamp,
    pub expired: bool,
}

/// The answer to accepting an invitation to accounts only: access, and no organization to join
/// (so no console session either).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ExternalAccess {
    pub organization: String,
    pub accounts: Vec<InvitedAccount>,
}

/// What is wrong with a role choice for an account, or None.
pub fn account_roles_problem(roles: RoleSet) -> Option<&'static str> {
    roles.is_empty().then_some(
        "Choose at least one role. To take all access away, remove the user from the account.",
    )
}

named_enum! {
    pub enum AccountStatus {
        Active = "active",
        Suspended = "suspended",
        Closed = "closed",
    }
}

impl AccountStatus {
    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::Active => "Active",
            AccountStatus::Suspended => "Suspended",
            AccountStatus::Closed => "Closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccountSummary {
    pub id: AccountId,
    pub sid: String,
    pub name: String,
    pub status: AccountStatus,
    pub owner: Option<UserRef>,
    /// How many users can access the account.
    pub user_count: u32,
}
