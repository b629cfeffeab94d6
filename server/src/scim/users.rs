//! A member of the organization as a SCIM User, and back: the JSON shown, the state a request
//! asks for, and filters and sort orders resolved to the member's columns.

use roster_model::{normalize_email, version_tag, UserStatus};
use serde_json::{json, Value};

use super::attributes::field;
use super::error::{ScimError, ScimResult};
use super::filter::{AttrPath, CompValue, CompareOp, Filter};
use super::groups::group_id;
use super::schema::{ROSTER_USER_SCHEMA, USER_SCHEMA};
use crate::store::{ScimUserAttr, ScimUserFilter, ScimUserRecord, ScimUserState, ScimValue};

/// RFC 3339 in UTC, as SCIM's dateTime is written.
pub fn date_time(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

fn parse_date_time(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp)
}

/// The member as a SCIM User.
pub fn user_resource(record: &ScimUserRecord, base: &str) -> Value {
    // An empty part is an unassigned one (RFC 7643 §2.5), and no parts no name.
    let mut parts = serde_json::Map::new();
    for (key, part) in [
        ("givenName", &record.given_name),
        ("familyName", &record.family_name),
    ] {
        if !part.is_empty() {
            parts.insert(key.to_owned(), part.clone().into());
        }
    }
    let mut user = json!({
        "schemas": [USER_SCHEMA, ROSTER_USER_SCHEMA],
        "id": record.id.to_string(),
        "userName": record.email,
        "emails": [{ "value": record.email, "type": "work", "primary": true }],
        "active": record.status == UserStatus::Active,
        ROSTER_USER_SCHEMA: {
            "organizationRole": record.org_role.label(),
            "accounts": record.accounts.iter().map(|account| json!({
                "value": account.id.to_string(),
                "display": account.name,
                "roles": account.roles.roles().iter().map(|role| role.label()).collect::<Vec<_>>(),
                "owner": account.owner,
            })).collect::<Vec<_>>(),
        },
        "meta": {
            "resourceType": "User",
            "created": date_time(record.created_at),
            "lastModified": date_time(record.modified_at),
            "location": format!("{base}/Users/{}", record.id),
            "version": version_tag(record.version),
        },
    });
    if !parts.is_empty() {
        user["name"] = Value::Object(parts);
    }
    let groups: Vec<Value> = record
        .accounts
        .iter()
        .flat_map(|account| {
            account.roles.roles().into_iter().map(move |role| {
                let id = group_id(account.id, role);
                json!({
                    "value": id,
                    "display": format!("{} · {}", account.name, role.label()),
                    "$ref": format!("{base}/Groups/{id}"),
                })
            })
        })
        .collect();
    if !groups.is_empty() {
        user["groups"] = groups.into();
    }
    if let Some(shown) = &record.display_name {
        user["displayName"] = shown.clone().into();
    }
    if let Some(external_id) = &record.external_id {
        user["externalId"] = external_id.clone().into();
    }
    user
}

/// Attributes compared exactly (RFC 7643: caseExact); all others without regard to case.
pub fn case_exact(path: &AttrPath) -> bool {
    path.is("externalId", None) || path.is("id", None)
}

fn optional_text(value: Option<&Value>, what: &str) -> ScimResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        // No name, address or identifier holds a NUL, and PostgreSQL's text cannot.
        Some(Value::String(text)) if text.contains('\0') => Err(ScimError::invalid_value(format!(
            "“{what}” cannot hold a NUL character."
        ))),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(ScimError::invalid_value(format!("“{what}” is a string."))),
    }
}

/// `true`/`false`, or the strings Entra ID sends for them ("True", "False").
fn boolean(value: &Value) -> ScimResult<bool> {
    match value {
        Value::Bool(yes) => Ok(*yes),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(ScimError::invalid_value("“active” is true or false.")),
    }
}

/// The state a User resource in a request asks for. `current` is the member before a PUT or
/// PATCH (None for a POST): an absent `active` keeps theirs. `emails` is read-only, a copy of the
/// userName: identity providers that map another address there (Entra ID's `mail`, beside the UPN
/// as userName) must not move the sign-in address back and forth.
pub fn requested_state(
    resource: &Value,
    current: Option<&ScimUserRecord>,
) -> ScimResult<ScimUserState> {
    let user_name = optional_text(field(resource, "userName"), "userName")?
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| {
            ScimError::invalid_value("“userName” is required: the person's email address.")
        })?;
    let email = normalize_email(&user_name).map_err(|error| {
        ScimError::invalid_value(format!("“userName” is the person's email address: {error}"))
    })?;
    let name = field(resource, "name");
    let given = optional_text(name.and_then(|n| field(n, "givenName")), "name.givenName")?;
    let family = optional_text(name.and_then(|n| field(n, "familyName")), "name.familyName")?;
    let external_id =
        optional_text(field(resource, "externalId"), "externalId")?.filter(|id| !id.is_empty());
    if external_id
        .as_ref()
        .is_some_and(|id| id.chars().count() > 255)
    {
        return Err(ScimError::invalid_value(
            "“externalId” is at most 255 characters.",
        ));
    }
    let shown = optional_text(field(resource, "displayName"), "displayName")?
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty());
    // A name is checked when it changes: one stored under older rules must not stop other
    // changes (a deactivation above all).
    let shown_changed = current.is_none_or(|user| user.display_name != shown);
    if let Some(shown) = shown.as_ref().filter(|_| shown_changed) {
        if shown.chars().count() > 200 {
            return Err(ScimError::invalid_value(
                "“displayName” is at most 200 characters.",
            ));
        }
        if let Some(problem) = roster_model::name_text_problem(shown) {
            return Err(ScimError::invalid_value(format!(
                "“displayName”: {problem}"
            )));
        }
    }
    let active = match field(resource, "active") {
        None | Some(Value::Null) => current.is_none_or(|user| user.status == UserStatus::Active),
        Some(value) => boolean(value)?,
    };
    let state = ScimUserState {
        email,
        given_name: given.unwrap_or_default().trim().to_owned(),
        family_name: family.unwrap_or_default().trim().to_owned(),
        external_id,
        display_name: shown,
        active,
    };
    let renamed = current.is_none_or(|user| {
        user.given_name != state.given_name || user.family_name != state.family_name
    });
    if let Some((field, problem)) = renamed
        .then(|| roster_model::provisioned_name_problem(&state.given_name, &state.family_name))
        .flatten()
    {
        let attribute = if field == "given_name" {
            "name.givenName"
        } else {
            "name.familyName"
        };
        return Err(ScimError::invalid_value(format!(
            "“{attribute}”: {problem}"
        )));
    }
    Ok(state)
}

/// The member column an attribute path names, for filtering and sorting.
pub fn user_attr(path: &AttrPath) -> ScimResult<ScimUserAttr> {
    let scoped_ok = match &path.uri {
        None => true,
        Some(uri) => {
            uri.eq_ignore_ascii_case(USER_SCHEMA) || uri.eq_ignore_ascii_case(ROSTER_USER_SCHEMA)
        }
    };
    let attr = if !scoped_ok {
        None
    } else if path.is("id", None) {
        Some(ScimUserAttr::Id)
    } else if path.is("userName", None)
        || path.is("emails", None)
        || path.is("emails", Some("value"))
    {
        Some(ScimUserAttr::UserName)
    } else if path.is("name", Some("givenName")) {
        Some(ScimUserAttr::GivenName)
    } else if path.is("name", Some("familyName")) {
        Some(ScimUserAttr::FamilyName)
    } else if path.is("displayName", None) {
        Some(ScimUserAttr::DisplayName)
    } else if path.is("externalId", None) {
        Some(ScimUserAttr::ExternalId)
    } else if path.is("active", None) {
        Some(ScimUserAttr::Active)
    } else if path.is("meta", Some("created")) {
        Some(ScimUserAttr::Created)
    } else if path.is("meta", Some("lastModified")) {
        Some(ScimUserAttr::LastModified)
    } else if path.is("organizationRole", None) {
        Some(ScimUserAttr::OrgRole)
    } else {
        None
    };
    attr.ok_or_else(|| {
        ScimError::invalid_filter(format!(
            "“{path}” cannot be filtered or sorted on. Use id, userName, emails.value, name.givenName, \
             name.familyName, displayName, externalId, active, meta.created, meta.lastModified or organizationRole."
        ))
    })
}

/// A filter over Users, resolved to the member's columns, with values in their stored form.
pub fn user_filter(filter: &Filter) -> ScimResult<ScimUserFilter> {
    Ok(match filter {
        Filter::And(a, b) => {
            ScimUserFilter::And(Box::new(user_filter(a)?), Box::new(user_filter(b)?))
        }
        Filter::Or(a, b) => {
            ScimUserFilter::Or(Box::new(user_filter(a)?), Box::new(user_filter(b)?))
        }
        Filter::Not(inner) => ScimUserFilter::Not(Box::new(user_filter(inner)?)),
        Filter::Present(path) => ScimUserFilter::Present(user_attr(path)?),
        Filter::ValuePath(path, inner) => {
            // Only emails has values to pick from, and every member has exactly one: the work one.
            if !path.is("emails", None) {
                return Err(ScimError::invalid_filter(format!(
                    "“{path}[…]” cannot be filtered on."
                )));
            }
            email_value_filter(inner)?
        }
        Filter::Compare(path, op, value) => compare(path, user_attr(path)?, *op, value)?,
    })
}

/// A filter inside `emails[…]`, on the one work email each member has.
fn email_value_filter(filter: &Filter) -> ScimResult<ScimUserFilter> {
    Ok(match filter {
        Filter::And(a, b) => ScimUserFilter::And(
            Box::new(email_value_filter(a)?),
            Box::new(email_value_filter(b)?),
        ),
        Filter::Or(a, b) => ScimUserFilter::Or(
            Box::new(email_value_filter(a)?),
            Box::new(email_value_filter(b)?),
        ),
        Filter::Not(inner) => ScimUserFilter::Not(Box::new(email_value_filter(inner)?)),
        Filter::Present(path)
            if path.is("value", None) || path.is("type", None) || path.is("primary", None) =>
        {
            ScimUserFilter::Present(ScimUserAttr::UserName)
        }
        Filter::Compare(path, op, value) if path.is("value", None) => {
            compare(path, ScimUserAttr::UserName, *op, value)?
        }
        Filter::Compare(path, op @ (CompareOp::Eq | CompareOp::Ne), CompValue::Str(kind))
            if path.is("type", None) =>
        {
            let is_work = kind.eq_ignore_ascii_case("work");
            constant(matches!(
                (op, is_work),
                (CompareOp::Eq, true) | (CompareOp::Ne, false)
            ))
        }
        Filter::Compare(path, op @ (CompareOp::Eq | CompareOp::Ne), CompValue::Bool(primary))
            if path.is("primary", None) =>
        {
            constant(matches!(
                (op, primary),
                (CompareOp::Eq, true) | (CompareOp::Ne, false)
            ))
        }
        Filter::Compare(path, ..) if path.is("type", None) => {
            return Err(ScimError::invalid_filter(
                "“type” inside emails[…] is compared with eq or ne and a string.",
            ))
        }
        Filter::Compare(path, ..) if path.is("primary", None) => {
            return Err(ScimError::invalid_filter(
                "“primary” inside emails[…] is compared with eq or ne and true or false.",
            ))
        }
        Filter::Compare(path, ..) | Filter::Present(path) | Filter::ValuePath(path, _) => {
            return Err(ScimError::invalid_filter(format!(
                "“{path}” inside emails[…]: a filter there tests value, type or primary only."
            )))
        }
    })
}

fn constant(all: bool) -> ScimUserFilter {
    if all {
        ScimUserFilter::Not(Box::new(ScimUserFilter::Nothing))
    } else {
        ScimUserFilter::Nothing
    }
}

/// `path`, the attribute `attr` as the filter names it, compared with `value`.
fn compare(
    path: &AttrPath,
    attr: ScimUserAttr,
    op: CompareOp,
    value: &CompValue,
) -> ScimResult<ScimUserFilter> {
    let mismatch =
        |kind: &str| ScimError::invalid_filter(format!("“{path}” is compared with {kind}."));
    // `x eq null` asks for an absent value (RFC 7644 §3.4.2.2: null is "no value").
    if *value == CompValue::Null {
        return match op {
            CompareOp::Eq => Ok(ScimUserFilter::Not(Box::new(ScimUserFilter::Present(attr)))),
            CompareOp::Ne => Ok(ScimUserFilter::Present(attr)),
            _ => Err(ScimError::invalid_filter(
                "null is compared with eq or ne only.",
            )),
        };
    }
    let stored = match attr {
        ScimUserAttr::Id => match (value, op) {
            // Ids are numbers written as strings; any other string names nobody.
            (CompValue::Str(text), CompareOp::Eq | CompareOp::Ne) => match text.parse::<i64>() {
                Ok(id) => ScimValue::Int(id),
                Err(_) => return Ok(constant(op == CompareOp::Ne)),
            },
            _ => {
                return Err(ScimError::invalid_filter(
                    "id is compared with eq or ne and a string.",
                ))
            }
        },
        ScimUserAttr::Active => match (value, op) {
            (CompValue::Bool(yes), CompareOp::Eq | CompareOp::Ne) => ScimValue::Bool(*yes),
            _ => {
                return Err(ScimError::invalid_filter(
                    "active is compared with eq or ne and true or false.",
                ))
            }
        },
        ScimUserAttr::Created | ScimUserAttr::LastModified => match value {
            CompValue::Str(text) => ScimValue::Int(parse_date_time(text).ok_or_else(|| {
                ScimError::invalid_filter(format!("“{text}” is not an RFC 3339 date and time."))
            })?),
            _ => return Err(mismatch("a date and time string")),
        },
        ScimUserAttr::ExternalId => match value {
            CompValue::Str(text) => ScimValue::Text(text.clone()),
            _ => return Err(mismatch("a string")),
        },
        ScimUserAttr::OrgRole => match value {
            // Stored as the lower-case name: "owner", "administrator", "member".
            CompValue::Str(text) => ScimValue::Text(text.to_lowercase()),
            _ => return Err(mismatch("a string")),
        },
        // Stored as normalized addresses (lower case, internationalized domains in punycode): a
        // whole address is compared in that form too.
        ScimUserAttr::UserName => match value {
            CompValue::Str(text) => ScimValue::Text(match (op, normalize_email(text)) {
                (CompareOp::Eq | CompareOp::Ne, Ok(address)) => address,
                _ => text.to_lowercase(),
            }),
            _ => return Err(mismatch("a string")),
        },
        // SQLite's LOWER() folds ASCII letters only: the value is folded the same way, so a
        // name compares without regard to ASCII case and exactly otherwise.
        ScimUserAttr::GivenName | ScimUserAttr::FamilyName | ScimUserAttr::DisplayName => {
            match value {
                CompValue::Str(text) => ScimValue::Text(text.to_ascii_lowercase()),
                _ => return Err(mismatch("a string")),
            }
        }
    };
    if matches!(stored, ScimValue::Int(_))
        && matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
    {
        return Err(ScimError::invalid_filter("co, sw and ew compare strings."));
    }
    Ok(ScimUserFilter::Compare(attr, op, stored))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::attributes::{attribute_list, select_attributes};
    use crate::scim::filter::parse_filter;
    use crate::store::ScimAccount;
    use roster_model::{AccountRole, OrgRole, RoleSet};

    fn record() -> ScimUserRecord {
        ScimUserRecord {
            id: 7,
            email: "bjensen@example.com".to_owned(),
            given_name: "Barbara".to_owned(),
            family_name: "Jensen".to_owned(),
            status: UserStatus::Active,
            external_id: Some("okta-7".to_owned()),
            display_name: None,
            org_role: OrgRole::Member,
            created_at: 1_700_000_000,
            modified_at: 1_700_000_100,
            version: 3,
            accounts: vec![ScimAccount {
                id: 4,
                name: "Production".to_owned(),
                roles: RoleSet::from_roles([AccountRole::Developer]),
                owner: false,
            }],
        }
    }

    #[test]
    fn a_member_reads_as_a_scim_user() {
        let user = user_resource(&record(), "http://r/scim/v2");
        assert_eq!(user["id"], "7");
        assert_eq!(user["userName"], "bjensen@example.com");
        assert!(user.get("displayName").is_none(), "none was sent");
        assert_eq!(user["externalId"], "okta-7");
        assert_eq!(user["meta"]["version"], "\"v3\"");
        assert_eq!(user["meta"]["created"], "2023-11-14T22:13:20Z");
        assert_eq!(user["meta"]["location"], "http://r/scim/v2/Users/7");
        assert_eq!(
            user[ROSTER_USER_SCHEMA]["accounts"][0]["roles"],
            json!(["Developer"])
        );
    }

    #[test]
    fn the_requested_state_is_read_with_entra_and_okta_shapes() {
        let state = requested_state(
            &json!({ "userName": " New@Example.com ", "name": { "givenName": " Ann " }, "active": "False" }),
            Some(&record()),
        )
        .unwrap();
        assert_eq!(state.email, "new@example.com");
        assert_eq!(state.given_name, "Ann");
        assert_eq!(state.family_name, "");
        assert!(!state.active);
        // The work email is a read-only copy of the userName: another one there changes nothing.
        let mut other = user_resource(&record(), "b");
        other["emails"][0]["value"] = "barbara@example.com".into();
        let state = requested_state(&other, Some(&record())).unwrap();
        assert_eq!(state.email, "bjensen@example.com");
        assert!(state.active);
        let error = requested_state(&json!({ "name": {} }), None).unwrap_err();
        assert_eq!(error.scim_type, Some("invalidValue"));
        let error = requested_state(&json!({ "userName": "not-an-email" }), None).unwrap_err();
        assert!(error.detail.contains("email"), "{}", error.detail);
    }

    #[test]
    fn filters_resolve_to_columns_with_stored_values() {
        let resolved = |f: &str| user_filter(&parse_filter(f).unwrap());
        assert_eq!(
            resolved(r#"userName eq "BJensen@Example.com""#).unwrap(),
            ScimUserFilter::Compare(
                ScimUserAttr::UserName,
                CompareOp::Eq,
                ScimValue::Text("bjensen@example.com".into())
            )
        );
        assert_eq!(
            resolved(r#"emails[type eq "work" and value co "@EXAMPLE"]"#).unwrap(),
            ScimUserFilter::And(
                Box::new(constant(true)),
                Box::new(ScimUserFilter::Compare(
                    ScimUserAttr::UserName,
                    CompareOp::Co,
                    ScimValue::Text("@example".into())
                ))
            )
        );
        assert_eq!(resolved(r#"id eq "abc""#).unwrap(), ScimUserFilter::Nothing);
        assert_eq!(
            resolved(r#"meta.created gt "2023-11-14T22:13:20Z""#).unwrap(),
            ScimUserFilter::Compare(
                ScimUserAttr::Created,
                CompareOp::Gt,
                ScimValue::Int(1_700_000_000)
            )
        );
        assert_eq!(
            resolved("externalId eq null").unwrap(),
            ScimUserFilter::Not(Box::new(ScimUserFilter::Present(ScimUserAttr::ExternalId)))
        );
        for bad in [
            r#"title eq "x""#,
            "active gt true",
            r#"meta.created gt "yesterday""#,
            "userName eq 3",
            r#"phoneNumbers[type eq "x"]"#,
        ] {
            let error = resolved(bad).unwrap_err();
            assert_eq!(error.scim_type, Some("invalidFilter"), "{bad}");
        }
    }

    #[test]
    fn attributes_are_selected_and_excluded() {
        let user = user_resource(&record(), "b");
        let paths = attribute_list(Some("userName,name.givenName")).unwrap();
        let picked = select_attributes(user.clone(), &paths, &[]);
        assert_eq!(
            picked,
            json!({ "schemas": user["schemas"], "id": "7", "userName": "bjensen@example.com", "name": { "givenName": "Barbara" } })
        );
        let dropped = select_attributes(
            user.clone(),
            &[],
            &attribute_list(Some("emails,name.familyName,meta")).unwrap(),
        );
        assert!(dropped.get("emails").is_none() && dropped.get("meta").is_none());
        assert_eq!(dropped["name"], json!({ "givenName": "Barbara" }));
        let extension =
            attribute_list(Some(&format!("{ROSTER_USER_SCHEMA}:organizationRole"))).unwrap();
        let picked = select_attributes(user, &extension, &[]);
        assert_eq!(
            picked[ROSTER_USER_SCHEMA],
            json!({ "organizationRole": "Member" })
        );
        assert!(attribute_list(Some("emails[type eq \"work\"]")).is_err());
    }
}
