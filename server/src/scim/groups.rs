//! Each account × role of the organization as a SCIM Group: its members are the organization's
//! members who hold that role on that account. Groups are not created or deleted over SCIM (they
//! follow the accounts); their members are changed.

use std::collections::HashMap;

use roster_model::AccountRole;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::attributes::field;
use super::error::{ScimError, ScimResult};
use super::filter::{AttrPath, Filter};
use super::schema::GROUP_SCHEMA;
use super::users::date_time;
use crate::store::{ScimGroupAccount, ScimGroupMember};

/// A group's id: `<account id>-<role>`, e.g. `12-billing_manager`.
pub fn group_id(account_id: i64, role: AccountRole) -> String {
    format!("{account_id}-{}", role.as_str())
}

/// The account and role a group id names, if it names any.
pub fn parse_group_id(id: &str) -> Option<(i64, AccountRole)> {
    let (account, role) = id.split_once('-')?;
    let account = account.parse::<i64>().ok().filter(|id| *id > 0)?;
    Some((account, AccountRole::parse(role)?))
}

/// The version of an account's `role` group (its ETag), from the number the database raises
/// whenever who holds a role on the account may have changed, and the group's externalId.
pub fn group_version(access_version: i64, role: AccountRole, external_id: Option<&str>) -> String {
    let mut digest = Sha256::new();
    digest.update(access_version.to_le_bytes());
    digest.update(role.as_str().as_bytes());
    if let Some(external_id) = external_id {
        digest.update([0xff]);
        digest.update(external_id.as_bytes());
    }
    let hash = digest.finalize();
    format!("W/\"{}\"", crate::hex::encode(&hash[..8]))
}

/// The members of each account, from rows sorted by account (one pass).
pub fn by_account(members: &[ScimGroupMember]) -> HashMap<i64, Vec<&ScimGroupMember>> {
    let mut grouped: HashMap<i64, Vec<&ScimGroupMember>> = HashMap::new();
    for member in members {
        grouped.entry(member.account_id).or_default().push(member);
    }
    grouped
}

/// The members holding `role` (held directly: an Administrator is not listed as Developer, the
/// role Administrator cleared) among one account's members.
pub fn holders<'a>(members: &[&'a ScimGroupMember], role: AccountRole) -> Vec<&'a ScimGroupMember> {
    members
        .iter()
        .copied()
        .filter(|m| m.roles.contains(role))
        .collect()
}

/// The identity provider's id of the account's `role` group, if it set one.
pub fn external_id_of(account: &ScimGroupAccount, role: AccountRole) -> Option<&str> {
    account
        .external_ids
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, id)| id.as_str())
}

/// A group as SCIM shows it, without `members` when they were not read (a listing that neither
/// shows nor filters them).
pub fn group_resource(
    account: &ScimGroupAccount,
    role: AccountRole,
    members: Option<&[&ScimGroupMember]>,
    base: &str,
) -> Value {
    let id = group_id(account.id, role);
    let external_id = external_id_of(account, role);
    let mut group = json!({
        "schemas": [GROUP_SCHEMA],
        "id": id,
        "displayName": format!("{} · {}", account.name, role.label()),
        "meta": {
            "resourceType": "Group",
            "created": date_time(account.created_at),
            "lastModified": date_time(account.modified_at),
            "location": format!("{base}/Groups/{id}"),
            "version": group_version(account.access_version, role, external_id),
        },
    });
    if let Some(external_id) = external_id {
        group["externalId"] = external_id.into();
    }
    if let Some(members) = members {
        // The id and the URI, as they are sent: names are the Users' to tell.
        group["members"] = members
            .iter()
            .map(|m| json!({ "value": m.user_id.to_string(), "$ref": format!("{base}/Users/{}", m.user_id) }))
            .collect::<Vec<_>>()
            .into();
    }
    group
}

/// Attributes compared exactly in group filters: ids.
pub fn case_exact(path: &AttrPath) -> bool {
    path.is("id", None)
        || path.is("externalId", None)
        || path.is("members", Some("value"))
        || path.is("value", None)
}

/// The externalId a group's JSON asks for after a PUT or a PATCH (None: none).
pub fn external_id(group: &Value) -> ScimResult<Option<String>> {
    let value = field(group, "externalId");
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) if id.is_empty() => Ok(None),
        Some(Value::String(id)) if id.contains('\0') => Err(ScimError::invalid_value(
            "“externalId” cannot hold a NUL character.",
        )),
        Some(Value::String(id)) if id.chars().count() <= 255 => Ok(Some(id.clone())),
        _ => Err(ScimError::invalid_value(
            "“externalId” is a string of at most 255 characters.",
        )),
    }
}

/// Whether a filter reads the members (then every group's members are read; otherwise only the
/// page's, when it shows them).
pub fn needs_members(filter: &Filter) -> bool {
    match filter {
        Filter::And(a, b) | Filter::Or(a, b) => needs_members(a) || needs_members(b),
        Filter::Not(inner) => needs_members(inner),
        Filter::Present(path) | Filter::Compare(path, ..) | Filter::ValuePath(path, _) => {
            path.is("members", path.sub.as_deref())
        }
    }
}

/// The member ids a group's JSON lists after a PUT or a PATCH: each `value` a user id.
pub fn member_ids(group: &Value) -> ScimResult<Vec<i64>> {
    let members = field(group, "members");
    let Some(members) = members else {
        return Ok(Vec::new());
    };
    let items = match members {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => return Err(ScimError::invalid_value("“members” is a list.")),
    };
    let mut ids = items
        .iter()
        .map(|item| {
            let value = field(item, "value");
            match value {
                Some(Value::String(id)) => id.trim().parse::<i64>().ok(),
                Some(Value::Number(n)) => n.as_i64(),
                _ => None,
            }
            .ok_or_else(|| {
                ScimError::invalid_value(format!(
                    "Each member is {{\"value\": \"<user id>\"}}, the id of a User: {item} is not."
                ))
            })
        })
        .collect::<ScimResult<Vec<i64>>>()?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// Why creating or deleting a group is refused.
pub fn fixed_groups() -> ScimError {
    ScimError::new(
        axum::http::StatusCode::FORBIDDEN,
        None,
        "Roster's groups are its accounts' roles (“<account> · <role>”): they come and go with the \
         accounts, which are managed in Roster. Change who holds a role by changing a group's members.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_ids_name_an_account_and_a_role() {
        let id = group_id(12, AccountRole::BillingManager);
        assert_eq!(id, "12-billing_manager");
        assert_eq!(parse_group_id(&id), Some((12, AccountRole::BillingManager)));
        for bad in [
            "12",
            "x-developer",
            "12-owner",
            "-1-developer",
            "0-support",
            "12-Developer",
        ] {
            assert_eq!(parse_group_id(bad), None, "{bad}");
        }
    }

    #[test]
    fn versions_follow_the_access_the_role_and_the_external_id() {
        let version = |access, role, external| group_version(access, role, external);
        let developer = AccountRole::Developer;
        assert_eq!(version(7, developer, None), version(7, developer, None));
        assert_ne!(version(7, developer, None), version(8, developer, None));
        assert_ne!(
            version(7, developer, None),
            version(7, AccountRole::Support, None)
        );
        assert_ne!(
            version(7, developer, None),
            version(7, developer, Some("okta"))
        );
        assert!(version(0, developer, None).starts_with("W/\""));
    }

    #[test]
    fn members_are_read_as_user_ids() {
        let group = json!({ "members": [{ "value": "5" }, { "value": 3, "display": "x" }, { "value": "5" }] });
        assert_eq!(member_ids(&group).unwrap(), vec![3, 5]);
        assert!(member_ids(&json!({ "members": [{ "value": "abc" }] })).is_err());
        assert!(member_ids(&json!({ "members": "5" })).is_err());
        assert_eq!(member_ids(&json!({})).unwrap(), Vec::<i64>::new());
    }
}
