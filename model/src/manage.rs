//! Managing one user: what removal and deletion do (the consequences the admin confirms), the
//! choice of new account owners, and the other changes an admin makes.

use serde::{Deserialize, Serialize};

use crate::invitations::AccountGrant;
use crate::roles::{AccountRole, RoleSet};

/// One consequence of removing or deleting a user, which the admin must tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Consequence {
    /// Stable key the API expects in `acknowledged`.
    pub key: &'static str,
    pub text: &'static str,
}

/// What removing a user from the organization does: they stay a user of the system but lose the
/// organization, its accounts and the roles it gave, and it no longer controls them.
pub const REMOVE_CONSEQUENCES: [Consequence; 5] = [
    Consequence {
        key: "removed_from_organization",
        text: "This user will be removed from the organization.",
    },
    Consequence {
        key: "loses_managed_accounts",
        text: "This user will lose access to all managed accounts.",
    },
    Consequence {
        key: "loses_organization_roles",
        text: "The user will lose access to any role granted by the organization.",
    },
    Consequence {
        key: "access_can_be_granted_again",
        text: "Access to managed accounts can still be granted in the future.",
    },
    Consequence {
        key: "no_longer_controlled",
        text: "The organization will no longer be able to control the lifecycle or settings of the user.",
    },
];

/// What deleting a user does: they are removed from the system at once; the accounts they own or
/// can access stay, and their email can be used again later without their access.
pub const DELETE_CONSEQUENCES: [Consequence; 5] = [
    Consequence {
        key: "deleted_at_once",
        text: "The user is deleted from the system at once and can no longer sign in.",
    },
    Consequence {
        key: "loses_all_access",
        text: "The user loses access to every account, in this organization and outside it.",
    },
    Consequence {
        key: "accounts_are_kept",
        text: "The accounts the user owns or can access are not deleted; each owned account gets the new owner chosen below.",
    },
    Consequence {
        key: "email_reusable_without_access",
        text: "The email address can be used for a new user later, without any of this user's access.",
    },
    Consequence {
        key: "cannot_be_undone",
        text: "This cannot be undone.",
    },
];

/// How a member leaves the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leave {
    /// They stay a user of the system, outside the organization.
    Remove,
    /// They are deleted from the system.
    Delete,
}

impl Leave {
    /// What the administrator confirms, each of them, before it happens.
    pub fn consequences(self) -> &'static [Consequence] {
        match self {
            Leave::Remove => &REMOVE_CONSEQUENCES,
            Leave::Delete => &DELETE_CONSEQUENCES,
        }
    }
}

/// The keys of `required` that `acknowledged` lacks.
pub fn unacknowledged(required: &[Consequence], acknowledged: &[String]) -> Vec<&'static str> {
    required
        .iter()
        .filter(|c| !acknowledged.iter().any(|a| a == c.key))
        .map(|c| c.key)
        .collect()
}

/// Who owns an account after its owner leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OwnerChoice {
    #[serde(deserialize_with = "crate::whole_number::one")]
    pub account_id: i64,
    /// For removal, the leaving user themselves may be chosen: the account then leaves the
    /// organization's control with them.
    #[serde(deserialize_with = "crate::whole_number::one")]
    pub new_owner_id: i64,
}

/// `POST /users/{id}/remove` and `POST /users/{id}/delete`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct LeaveRequest {
    pub acknowledged: Vec<String>,
    #[serde(default)]
    pub new_owners: Vec<OwnerChoice>,
}

impl LeaveRequest {
    /// Confirms the `acknowledged` consequences and hands each account over as `(account id, new
    /// owner id)` says.
    pub fn new<'a>(
        acknowledged: impl IntoIterator<Item = &'a str>,
        new_owners: impl IntoIterator<Item = (i64, i64)>,
    ) -> Self {
        LeaveRequest {
            acknowledged: acknowledged.into_iter().map(str::to_owned).collect(),
            new_owners: new_owners
                .into_iter()
                .map(|(account_id, new_owner_id)| OwnerChoice {
                    account_id,
                    new_owner_id,
                })
                .collect(),
        }
    }
}

/// `PUT /users/{id}/two-factor`: require two-factor sign-in, or stop requiring it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TwoFactorRequirement {
    pub required: bool,
}

/// `PUT /users/{id}/access`: the user's roles on the organization's accounts, all of them (an
/// account left out loses the user's access).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AccessChange {
    pub accounts: Vec<AccountGrant>,
}

/// What a bulk action on the Managed tab does to each selected user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BulkAction {
    RequireTwoFactor,
    ResetPassword,
    /// Removal from the organization, for each user; needs `acknowledged` and the new owners of the
    /// accounts they own.
    Remove,
    /// Suspension: they cannot sign in until restored, and keep their accounts and roles.
    Suspend,
    Restore,
}

/// `POST /users/bulk`: one batch of a bulk action (the app sends large selections in batches and
/// shows progress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkRequest {
    pub action: BulkAction,
    #[serde(deserialize_with = "crate::whole_number::many")]
    #[cfg_attr(feature = "server", schema(min_items = 1, max_items = 200))]
    pub ids: Vec<i64>,
    /// For `Remove`: the consequences confirmed, as for one user.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acknowledged: Vec<String>,
    /// For `Remove`: the new owner of every account a selected user owns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub new_owners: Vec<OwnerChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkResult {
    pub id: i64,
    pub name: Option<String>,
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BulkResponse {
    pub results: Vec<BulkResult>,
}

/// `GET /users/ids`: every user a list view and search match ("select all matching").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserIds {
    pub ids: Vec<i64>,
    /// How many match; more than `ids` holds when it is past [`MAX_SELECT_ALL`]. Counted up to
    /// `COUNT_CAP` (then `total_capped`), but for a tab's unfiltered size, which is kept exact.
    pub total: u64,
    /// Counting stopped at `COUNT_CAP`: more than `total` match.
    #[serde(default)]
    pub total_capped: bool,
    /// Invited tab: the pending invitation of each user in `ids`, in the same order (what
    /// resend and revoke take).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invitation_ids: Vec<i64>,
}

/// Users per bulk request.
pub const MAX_BULK_BATCH: usize = 200;
/// Most users one "select all matching" takes.
pub const MAX_SELECT_ALL: usize = 10_000;

/// One account in an access change: id, name and roles.
pub type AccessLine = (i64, String, RoleSet);

/// The changes from `before` to `after` in words, one line each, for the admin to check before
/// saving: "adds Developer on Acme Prod", "removes Support on Acme Dev", "gives access to Acme
/// Test as Administrator", "removes access to Acme Old".
pub fn describe_access_changes(before: &[AccessLine], after: &[AccessLine]) -> Vec<String> {
    let mut lines = Vec::new();
    for (id, name, roles) in after {
        match before.iter().find(|(b, _, _)| b == id) {
            None if roles.is_empty() => {
                lines.push(format!("gives access to {name} once a role is chosen"))
            }
            None => lines.push(format!("gives access to {name} as {}", roles.describe())),
            Some((_, _, old)) => {
                let added: Vec<&str> = changed(*roles, *old);
                let removed: Vec<&str> = changed(*old, *roles);
                if !added.is_empty() {
                    lines.push(format!("adds {} on {name}", added.join(" and ")));
                }
                if !removed.is_empty() {
                    lines.push(format!("removes {} on {name}", removed.join(" and ")));
                }
            }
        }
    }
    for (id, name, _) in before {
        if !after.iter().any(|(a, _, _)| a == id) {
            lines.push(format!("removes access to {name}"));
        }
    }
    lines
}

/// The labels of roles in `a` and not in `b`.
fn changed(a: RoleSet, b: RoleSet) -> Vec<&'static str> {
    AccountRole::ALL
        .into_iter()
        .filter(|r| a.contains(*r) && !b.contains(*r))
        .map(AccountRole::label)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_changes_read_as_sentences() {
        use AccountRole::*;
        let before = vec![
            (1, "Acme Prod".to_owned(), RoleSet::from_roles([Support])),
            (
                2,
                "Acme Dev".to_owned(),
                RoleSet::from_roles([Developer, Support]),
            ),
            (3, "Acme Old".to_owned(), RoleSet::from_roles([Support])),
        ];
        let after = vec![
            (
                1,
                "Acme Prod".to_owned(),
                RoleSet::from_roles([Developer, Support]),
            ),
            (2, "Acme Dev".to_owned(), RoleSet::from_roles([Developer])),
            (
                4,
                "Acme Test".to_owned(),
                RoleSet::from_roles([Administrator]),
            ),
        ];
        assert_eq!(
            describe_access_changes(&before, &after),
            vec![
                "adds Developer on Acme Prod",
                "removes Support on Acme Dev",
                "gives access to Acme Test as Administrator",
                "removes access to Acme Old",
            ]
        );
        assert!(describe_access_changes(&before, &before).is_empty());
        // An account just added, its roles not chosen yet: no "as No role".
        assert_eq!(
            describe_access_changes(&[], &[(5, "Acme New".to_owned(), RoleSet::EMPTY)]),
            vec!["gives access to Acme New once a role is chosen"]
        );
    }

    #[test]
    fn every_consequence_must_be_acknowledged() {
        let all: Vec<String> = REMOVE_CONSEQUENCES
            .iter()
            .map(|c| c.key.to_owned())
            .collect();
        assert!(unacknowledged(&REMOVE_CONSEQUENCES, &all).is_empty());
        assert_eq!(
            unacknowledged(&REMOVE_CONSEQUENCES, &all[1..]),
            vec!["removed_from_organization"]
        );
        assert_eq!(unacknowledged(&DELETE_CONSEQUENCES, &all).len(), 5);
    }
}
