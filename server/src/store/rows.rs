//! Row mappers: one reading of each shape of row, shared by the features' queries.

use roster_model::{
    display_name, AccountAccess, AccountRef, AccountStatus, AccountSummary, ImportInfo,
    InvitationInfo, OrgRole, RoleSet, SortField, Timestamp, TwoFactor, UserRef, UserStatus,
    UserSummary,
};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::keyset::SortKey;
use super::{StoreError, StoreResult};

pub(super) fn sort_key(row: &AnyRow, field: SortField) -> StoreResult<SortKey> {
    Ok(match field {
        SortField::Date => SortKey::Int(row.try_get("sort_key")?),
        SortField::Name | SortField::Email => SortKey::Text(row.try_get("sort_key")?),
    })
}

pub(super) fn user_summary(row: &AnyRow, now: Timestamp) -> StoreResult<UserSummary> {
    Ok(UserSummary {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        status: parse_status(row)?,
        org_role: parse_org_role(row)?,
        two_factor: two_factor(row)?,
        account_count: count_u32(row.try_get("account_count")?),
        created_at: row.try_get("created_at")?,
        joined_at: row.try_get("joined_at")?,
        last_sign_in_at: row.try_get("last_sign_in_at")?,
        invitation: invitation_info(row, now)?,
        imported: import_info(row)?,
        access: Vec::new(),
    })
}

pub(super) fn invitation_info(row: &AnyRow, now: Timestamp) -> StoreResult<Option<InvitationInfo>> {
    let Some(id) = row.try_get::<Option<i64>, _>("inv_id")? else {
        return Ok(None);
    };
    let expires_at: i64 = row.try_get("inv_expires_at")?;
    Ok(Some(InvitationInfo {
        id,
        invited_by: user_ref(row, "by_id", "by_given", "by_family", "by_email")?,
        sent_at: row.try_get("inv_sent_at")?,
        last_sent_at: row.try_get("inv_last_sent_at")?,
        expires_at,
        expired: expires_at <= now,
        accounts: Vec::new(),
    }))
}

pub(super) fn import_info(row: &AnyRow) -> StoreResult<Option<ImportInfo>> {
    if row
        .try_get::<Option<String>, _>("member_source")?
        .as_deref()
        != Some("imported")
    {
        return Ok(None);
    }
    Ok(Some(ImportInfo {
        imported_at: row
            .try_get::<Option<i64>, _>("joined_at")?
            .unwrap_or_default(),
        imported_by: user_ref(row, "imp_id", "imp_given", "imp_family", "imp_email")?,
    }))
}

/// `user_id`'s access to the account of the row (`id`, `sid`, `name`, `roles`, `owner_id`).
pub(super) fn account_access(row: &AnyRow, user_id: i64) -> StoreResult<AccountAccess> {
    Ok(AccountAccess {
        account: AccountRef {
            id: row.try_get("id")?,
            sid: row.try_get("sid")?,
            name: row.try_get("name")?,
        },
        roles: role_set(row.try_get("roles")?),
        owner: row.try_get::<Option<i64>, _>("owner_id")? == Some(user_id),
    })
}

/// An account row with its owner (`owner_*`) and `user_count`.
pub(super) fn account_summary(row: &AnyRow) -> StoreResult<AccountSummary> {
    Ok(AccountSummary {
        id: row.try_get("id")?,
        sid: row.try_get("sid")?,
        name: row.try_get("name")?,
        status: parse_enum(row, "status", AccountStatus::parse)?,
        owner: user_ref(
            row,
            "owner_id",
            "owner_given",
            "owner_family",
            "owner_email",
        )?,
        user_count: count_u32(row.try_get("user_count")?),
    })
}

pub(super) fn user_ref(
    row: &AnyRow,
    id: &str,
    given: &str,
    family: &str,
    email: &str,
) -> StoreResult<Option<UserRef>> {
    let Some(id) = row.try_get::<Option<i64>, _>(id)? else {
        return Ok(None);
    };
    let given: String = row.try_get(given)?;
    let family: String = row.try_get(family)?;
    let email: String = row.try_get(email)?;
    Ok(Some(UserRef {
        id,
        name: display_name(&given, &family, &email),
        email,
    }))
}

/// "Given Family" of the row's `given_name` and `family_name`, or `email` when both are empty.
pub(super) fn person_name(row: &AnyRow, email: &str) -> StoreResult<String> {
    let given: String = row.try_get("given_name")?;
    let family: String = row.try_get("family_name")?;
    Ok(display_name(&given, &family, email))
}

pub(super) fn two_factor(row: &AnyRow) -> StoreResult<TwoFactor> {
    Ok(TwoFactor {
        enrolled: row.try_get::<i64, _>("totp_enrolled")? != 0,
        required: row.try_get::<i64, _>("two_factor_required")? != 0,
    })
}

pub(super) fn parse_status(row: &AnyRow) -> StoreResult<UserStatus> {
    parse_enum(row, "status", UserStatus::parse)
}

pub(super) fn parse_org_role(row: &AnyRow) -> StoreResult<Option<OrgRole>> {
    row.try_get::<Option<String>, _>("org_role")?
        .map(|role| {
            OrgRole::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("org role {role:?}")))
        })
        .transpose()
}

pub(super) fn parse_enum<T>(
    row: &AnyRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> StoreResult<T> {
    let text: String = row.try_get(column)?;
    parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{column} {text:?}")))
}

pub(super) fn role_set(bits: i64) -> RoleSet {
    RoleSet::from_bits(u8::try_from(bits & 0xff).unwrap_or_default())
}

pub(super) fn count_u32(count: i64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
