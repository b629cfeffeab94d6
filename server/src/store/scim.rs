//! SCIM provisioning: the organization's provisioning tokens, and its members as an identity
//! provider reads and writes them. Writes go through the same rules, versions and audit log as
//! the console's.

use std::collections::HashMap;

use roster_model::{
    display_name, member_change_problem, MemberChange, OrgRole, RoleSet, ScimToken, Timestamp,
    UserStatus,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::builder::QueryBuilder;
use super::invitations::end_invitations_to_join;
use super::manage::{bump_version, change_suspension, other_owners, still_acts};
use super::password_resets::{insert_reset_link, NewResetLink};
use super::{
    parse_org_role, parse_status, push_search_candidates, queue_mail, role_set, search_text,
    sort_name, user_ref, Actor, AuditEvent, Backend, MailQuota, OutgoingMail, Store, StoreError,
    StoreResult, UpdateOutcome,
};
use crate::scim::filter::CompareOp;

/// The organization a live provisioning token acts for.
pub struct ScimTokenUse {
    pub token_id: i64,
    pub org_id: i64,
    pub name: String,
}

/// A member's attribute an identity provider filters and sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScimUserAttr {
    Id,
    /// The email, stored lower-case.
    UserName,
    GivenName,
    FamilyName,
    DisplayName,
    ExternalId,
    Active,
    Created,
    LastModified,
    OrgRole,
}

impl ScimUserAttr {
    /// The SQL expression; case-insensitive attributes are compared lower-cased.
    fn expr(self) -> &'static str {
        match self {
            ScimUserAttr::Id => "u.id",
            ScimUserAttr::UserName => "u.email",
            ScimUserAttr::GivenName => "LOWER(u.given_name)",
            ScimUserAttr::FamilyName => "LOWER(u.family_name)",
            ScimUserAttr::DisplayName => "LOWER(u.display_name)",
            ScimUserAttr::ExternalId => "u.external_id",
            ScimUserAttr::Active => "(CASE WHEN u.status = 'active' THEN 1 ELSE 0 END)",
            ScimUserAttr::Created => "u.created_at",
            ScimUserAttr::LastModified => "COALESCE(u.modified_at, u.created_at)",
            ScimUserAttr::OrgRole => "u.org_role",
        }
    }

    /// Whether an index of the organization's members holds the attribute's expression in order,
    /// so a prefix reads a range of it (`users_org_email`, `users_org_family_name`).
    fn prefix_indexed(self) -> bool {
        matches!(self, ScimUserAttr::UserName | ScimUserAttr::FamilyName)
    }

    fn is_text(self) -> bool {
        !matches!(
            self,
            ScimUserAttr::Id
                | ScimUserAttr::Active
                | ScimUserAttr::Created
                | ScimUserAttr::LastModified
        )
    }
}

/// A value to compare with, already in the attribute's stored form (lower-cased text for
/// case-insensitive attributes, Unix seconds for dates).
#[derive(Debug, Clone, PartialEq)]
pub enum ScimValue {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// A SCIM filter over members, its attributes and values resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum ScimUserFilter {
    Compare(ScimUserAttr, CompareOp, ScimValue),
    Present(ScimUserAttr),
    And(Box<ScimUserFilter>, Box<ScimUserFilter>),
    Or(Box<ScimUserFilter>, Box<ScimUserFilter>),
    Not(Box<ScimUserFilter>),
    /// Matches nobody (e.g. `id eq "abc"`: no id is text).
    Nothing,
}

/// One page of members, as `GET /Users` asks.
pub struct ScimUserQuery {
    pub filter: Option<ScimUserFilter>,
    pub sort: Option<(ScimUserAttr, bool)>,
    /// Rows skipped (startIndex − 1) and at most how many come back.
    pub offset: u64,
    pub limit: u32,
}

/// A member as SCIM shows them.
#[derive(Debug, Clone)]
pub struct ScimUserRecord {
    pub id: i64,
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub status: UserStatus,
    pub external_id: Option<String>,
    /// The name the identity provider displays, when it sent one.
    pub display_name: Option<String>,
    pub org_role: OrgRole,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
    pub version: i64,
    /// The organization's accounts the member can access (or owns), with roles, by name.
    pub accounts: Vec<ScimAccount>,
}

#[derive(Debug, Clone)]
pub struct ScimAccount {
    pub id: i64,
    pub name: String,
    pub roles: RoleSet,
    pub owner: bool,
}

/// What an identity provider wants a member to be: the whole writable state, after a PUT or a
/// PATCH applied to the current one, or for a new member. Email and names are checked already.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimUserState {
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub external_id: Option<String>,
    pub display_name: Option<String>,
    pub active: bool,
}

/// A set-password link to send when a change leaves the person needing one: a new active member,
/// or a member restored before they ever chose a password.
pub struct Welcome<'a> {
    pub link: NewResetLink<'a>,
    pub mail: &'a OutgoingMail,
}

/// Why a member could not be created or their address changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScimRefusal {
    /// The address is not on one of the organization's verified domains.
    DomainNotVerified(String),
    /// A member of this organization has the address already.
    AlreadyMember(i64),
    /// A user outside the organization has it: only an invitation brings them in.
    ExistsElsewhere,
    /// The token was revoked while the request was under way.
    TokenRevoked,
}

const USER_COLUMNS: &str =
    "u.id, u.email, u.given_name, u.family_name, u.status, u.external_id, u.display_name, \
    u.org_role, u.created_at, COALESCE(u.modified_at, u.created_at) AS modified_at, u.version";

impl Store {
    /// A new provisioning token of `org_id`, made by `creator` (none on the command line).
    pub async fn create_scim_token(
        &self,
        creator: Option<&Actor<'_>>,
        org_id: i64,
        name: &str,
        token_hash: &str,
        event: &AuditEvent<'_>,
    ) -> StoreResult<i64> {
        let (mut tx, created_by) = match creator {
            Some(actor) => (self.begin_as(actor).await?, actor.member_id()),
            None => (self.begin().await?, None),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO scim_tokens (org_id, name, token_hash, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(org_id)
        .bind(name)
        .bind(token_hash)
        .bind(created_by)
        .bind(event.at)
        .fetch_one(&mut *tx)
        .await?;
        AuditEvent {
            details: serde_json::json!({ "scim_token_id": id, "name": name }),
            ..event.clone()
        }
        .insert(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn scim_tokens(&self, org_id: i64) -> StoreResult<Vec<ScimToken>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, t.created_at, t.last_used_at, t.revoked_at, u.id AS by_id, \
             u.given_name AS by_given, u.family_name AS by_family, u.email AS by_email \
             FROM scim_tokens t LEFT JOIN users u ON u.id = t.created_by WHERE t.org_id = $1 ORDER BY t.id DESC",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ScimToken {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    created_by: user_ref(row, "by_id", "by_given", "by_family", "by_email")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                    revoked_at: row.try_get("revoked_at")?,
                })
            })
            .collect()
    }

    /// Revokes a live provisioning token of the organization; false when there is no such token.
    pub async fn revoke_scim_token(
        &self,
        actor: &Actor<'_>,
        token_id: i64,
        event: &AuditEvent<'_>,
    ) -> StoreResult<bool> {
        let org_id = actor.org_id;
        let mut tx = self.begin_as(actor).await?;
        let name: Option<String> = sqlx::query_scalar(
            "UPDATE scim_tokens SET revoked_at = $1 WHERE id = $2 AND org_id = $3 AND revoked_at IS NULL RETURNING name",
        )
        .bind(event.at)
        .bind(token_id)
        .bind(org_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(name) = name else {
            return Ok(false);
        };
        AuditEvent {
            target_label: Some(&name),
            details: serde_json::json!({ "scim_token_id": token_id, "name": name }),
            ..event.clone()
        }
        .insert(&mut tx)
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The organization a live provisioning token acts for. Marks the token used (at most once a
    /// minute).
    pub async fn scim_token_use(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<ScimTokenUse>> {
        let row = sqlx::query(
            "SELECT id, org_id, name, last_used_at FROM scim_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let token_id: i64 = row.try_get("id")?;
        let last_used: Option<i64> = row.try_get("last_used_at")?;
        if last_used.is_none_or(|at| now - at >= 60) {
            sqlx::query("UPDATE scim_tokens SET last_used_at = $1 WHERE id = $2 AND COALESCE(last_used_at, 0) < $1")
                .bind(now)
                .bind(token_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(ScimTokenUse {
            token_id,
            org_id: row.try_get("org_id")?,
            name: row.try_get("name")?,
        }))
    }

    /// One page of the organization's members under `query`, and how many match in all.
    pub async fn scim_users(
        &self,
        org_id: i64,
        query: &ScimUserQuery,
    ) -> StoreResult<(u64, Vec<ScimUserRecord>)> {
        // SCIM's totalResults is exact: unfiltered, the member count the database maintains
        // (one row, where counting a million members takes 0.2 s); filtered, counted.
        let total = match &query.filter {
            None => self.maintained_view_counts(org_id).await?.managed,
            Some(filter) => {
                let mut count = QueryBuilder::new("SELECT COUNT(*) FROM users u WHERE u.org_id = ");
                count.push_bind(org_id);
                count.push(" AND ");
                push_filter(&mut count, self.backend(), filter);
                let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
                u64::try_from(total).unwrap_or_default()
            }
        };
        if query.limit == 0 {
            return Ok((total, Vec::new()));
        }
        let mut rows = QueryBuilder::new(format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = "
        ));
        rows.push_bind(org_id);
        if let Some(filter) = &query.filter {
            rows.push(" AND ");
            push_filter(&mut rows, self.backend(), filter);
        }
        match query.sort {
            Some((attr, descending)) => {
                // Absent values first ascending, last descending, on both backends (SQLite's
                // own order; PostgreSQL's is the reverse).
                let (dir, nulls) = if descending {
                    ("DESC", "NULLS LAST")
                } else {
                    ("ASC", "NULLS FIRST")
                };
                rows.push(format_args!(
                    " ORDER BY {} {dir} {nulls}, u.id {dir}",
                    attr.expr()
                ));
            }
            None => {
                rows.push(" ORDER BY u.id");
            }
        }
        rows.push(" LIMIT ")
            .push_bind(i64::from(query.limit))
            .push(" OFFSET ")
            .push_bind(i64::try_from(query.offset).unwrap_or(i64::MAX));
        let rows = rows.build().fetch_all(&self.pool).await?;
        let mut records = rows
            .iter()
            .map(scim_user_record)
            .collect::<StoreResult<Vec<_>>>()?;
        self.fill_scim_accounts(org_id, &mut records).await?;
        Ok((total, records))
    }

    /// A member of the organization, or None.
    pub async fn scim_user(
        &self,
        org_id: i64,
        user_id: i64,
    ) -> StoreResult<Option<ScimUserRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.org_id = $2"
        ))
        .bind(user_id)
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut records = vec![scim_user_record(&row)?];
        self.fill_scim_accounts(org_id, &mut records).await?;
        Ok(records.pop())
    }

    async fn fill_scim_accounts(
        &self,
        org_id: i64,
        records: &mut [ScimUserRecord],
    ) -> StoreResult<()> {
        if records.is_empty() {
            return Ok(());
        }
        let mut query = QueryBuilder::new(
            "SELECT p.user_id, a.id, a.name, COALESCE(aa.roles, 0) AS roles, CASE WHEN a.owner_id = p.user_id THEN 1 ELSE 0 END AS owner \
             FROM (SELECT user_id, account_id FROM account_access UNION SELECT owner_id, id FROM accounts) p \
             JOIN accounts a ON a.id = p.account_id \
             LEFT JOIN account_access aa ON aa.account_id = a.id AND aa.user_id = p.user_id \
             WHERE a.org_id = ",
        );
        query.push_bind(org_id);
        query.push(" AND p.user_id IN (");
        let mut ids = query.separated(", ");
        for record in records.iter() {
            ids.push_bind(record.id);
        }
        query.push(") ORDER BY a.name, a.id");
        let mut by_user: HashMap<i64, Vec<ScimAccount>> = HashMap::new();
        for row in query.build().fetch_all(&self.pool).await? {
            by_user
                .entry(row.try_get("user_id")?)
                .or_default()
                .push(ScimAccount {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    roles: role_set(row.try_get("roles")?),
                    owner: row.try_get::<i64, _>("owner")? != 0,
                });
        }
        for record in records {
            record.accounts = by_user.remove(&record.id).unwrap_or_default();
        }
        Ok(())
    }

    /// Creates a member as an identity provider asks: on a verified domain, an address nobody
    /// has, or only someone invited who never chose a password (`invited_only`): that user becomes
    /// the member, so an invitation (any organization's, to one of its accounts) cannot keep the
    /// domain's own identity provider from provisioning the address; the organization's own
    /// pending invitations to them end. An active one is mailed `welcome`'s link to choose a
    /// password.
    pub async fn create_scim_user(
        &self,
        actor: &Actor<'_>,
        state: &ScimUserState,
        welcome: &Welcome<'_>,
    ) -> StoreResult<Result<i64, ScimRefusal>> {
        let mut tx = self.begin().await?;
        if !still_acts(&mut tx, actor).await? {
            return Ok(Err(ScimRefusal::TokenRevoked));
        }
        let invited = match address_refusal(&mut tx, actor.org_id, &state.email, None).await? {
            None => None,
            Some(ScimRefusal::ExistsElsewhere) => {
                match invited_only(&mut tx, &state.email).await? {
                    Some(user_id) => Some(user_id),
                    None => return Ok(Err(ScimRefusal::ExistsElsewhere)),
                }
            }
            Some(refusal) => return Ok(Err(refusal)),
        };
        let status = if state.active {
            UserStatus::Active
        } else {
            UserStatus::Disabled
        };
        let (id, invitations_ended) = match invited {
            Some(user_id) => (
                user_id,
                provision_invited(&mut tx, actor, user_id, state, status).await?,
            ),
            None => (insert_provisioned(&mut tx, actor, state, status).await?, 0),
        };
        if state.active {
            insert_reset_link(&mut tx, id, &welcome.link, actor.at).await?;
            queue_mail(&mut tx, welcome.mail, MailQuota::Unlimited, actor.at).await?;
        }
        let label = display_name(&state.given_name, &state.family_name, &state.email);
        actor
            .event(
                "user.provisioned",
                Some(id),
                Some(&label),
                serde_json::json!({
                    "email": state.email,
                    "external_id": state.external_id,
                    "active": state.active,
                    "was_invited": invited.is_some(),
                    "invitations_ended": invitations_ended,
                }),
            )
            .insert(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Makes member `user_id` what `state` says, if still at `expected` version (when given), under
    /// the console's rules (the last Owner who can sign in stays active), with an audit event per
    /// kind of change, in one transaction. A member restored before ever choosing a password is
    /// mailed `welcome`'s link.
    pub async fn update_scim_user(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: Option<i64>,
        state: &ScimUserState,
        welcome: &Welcome<'_>,
    ) -> StoreResult<Result<UpdateOutcome, ScimRefusal>> {
        let mut tx = self.begin().await?;
        if !still_acts(&mut tx, actor).await? {
            return Ok(Err(ScimRefusal::TokenRevoked));
        }
        let Some(row) = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, CASE WHEN u.password_hash IS NULL THEN 1 ELSE 0 END AS no_password FROM users u WHERE u.id = $1 AND u.org_id = $2"
        ))
        .bind(user_id)
        .bind(actor.org_id)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(Ok(UpdateOutcome::NotFound));
        };
        let before = scim_user_record(&row)?;
        if expected.is_some_and(|expected| expected != before.version) {
            return Ok(Ok(UpdateOutcome::Stale));
        }
        let was_active = before.status == UserStatus::Active;
        let edited = state.email != before.email
            || state.given_name != before.given_name
            || state.family_name != before.family_name
            || state.external_id != before.external_id
            || state.display_name != before.display_name;
        let owners = if before.org_role == OrgRole::Owner {
            other_owners(&mut tx, actor.org_id, user_id).await?
        } else {
            0
        };
        let is_self = actor.member_id() == Some(user_id);
        let mut changes = Vec::new();
        if edited {
            changes.push(MemberChange::Edit);
        }
        if state.active != was_active {
            changes.push(if state.active {
                MemberChange::Restore
            } else {
                MemberChange::Suspend
            });
        }
        for change in changes {
            if let Some(problem) =
                member_change_problem(actor.role, is_self, before.org_role, owners, change)
            {
                return Ok(Ok(UpdateOutcome::Refused(problem)));
            }
        }
        if state.email != before.email {
            if let Some(refusal) =
                address_refusal(&mut tx, actor.org_id, &state.email, Some(user_id)).await?
            {
                return Ok(Err(refusal));
            }
            // Set-password links went to the old address, which may be someone else's now.
            sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        let label = display_name(&state.given_name, &state.family_name, &state.email);
        if edited {
            sqlx::query(
                "UPDATE users SET email = $1, given_name = $2, family_name = $3, sort_name = $4, search_text = $5, \
                 external_id = $6, display_name = $7, version = version + 1, modified_at = $8 WHERE id = $9",
            )
            .bind(&state.email)
            .bind(&state.given_name)
            .bind(&state.family_name)
            .bind(sort_name(&state.given_name, &state.family_name, &state.email))
            .bind(search_text(&state.given_name, &state.family_name, &state.email))
            .bind(&state.external_id)
            .bind(&state.display_name)
            .bind(actor.at)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            actor
                .event(
                    "user.updated",
                    Some(user_id),
                    Some(&label),
                    serde_json::json!({
                        "before": {
                            "email": before.email, "given_name": before.given_name,
                            "family_name": before.family_name, "external_id": before.external_id,
                            "display_name": before.display_name,
                        },
                        "after": {
                            "email": state.email, "given_name": state.given_name,
                            "family_name": state.family_name, "external_id": state.external_id,
                            "display_name": state.display_name,
                        },
                    }),
                )
                .insert(&mut tx)
                .await?;
        }
        if state.active != was_active {
            if let Some(action) =
                change_suspension(&mut tx, user_id, !state.active, actor.at).await?
            {
                actor
                    .event(action, Some(user_id), Some(&label), serde_json::json!({}))
                    .insert(&mut tx)
                    .await?;
            }
            let no_password = row.try_get::<i64, _>("no_password")? != 0;
            if state.active && no_password {
                insert_reset_link(&mut tx, user_id, &welcome.link, actor.at).await?;
                queue_mail(&mut tx, welcome.mail, MailQuota::Unlimited, actor.at).await?;
            }
        }
        tx.commit().await?;
        Ok(Ok(UpdateOutcome::Updated))
    }

    /// The organization's accounts `user_id` owns, by name: a deletion must give each a new owner.
    pub async fn accounts_owned_by(&self, org_id: i64, user_id: i64) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT name FROM accounts WHERE org_id = $1 AND owner_id = $2 ORDER BY name, id",
        )
        .bind(org_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?)
    }
}

/// The user holding `email` when they are only someone invited: no organization, never a
/// password of their own.
async fn invited_only(tx: &mut Transaction<'_, Any>, email: &str) -> StoreResult<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM users WHERE email = $1 AND org_id IS NULL AND status = 'invited' \
         AND password_hash IS NULL",
    )
    .bind(email)
    .fetch_optional(&mut **tx)
    .await?)
}

/// Inserts the member an identity provider provisions; answers their id.
async fn insert_provisioned(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor<'_>,
    state: &ScimUserState,
    status: UserStatus,
) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (email, given_name, family_name, sort_name, search_text, status, created_at, \
         org_id, org_role, joined_at, member_source, external_id, display_name, modified_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'provisioned', $11, $12, $13) RETURNING id",
    )
    .bind(&state.email)
    .bind(&state.given_name)
    .bind(&state.family_name)
    .bind(sort_name(&state.given_name, &state.family_name, &state.email))
    .bind(search_text(&state.given_name, &state.family_name, &state.email))
    .bind(status.as_str())
    .bind(actor.at)
    .bind(actor.org_id)
    .bind(OrgRole::Member.as_str())
    .bind(actor.at)
    .bind(&state.external_id)
    .bind(&state.display_name)
    .bind(actor.at)
    .fetch_one(&mut **tx)
    .await?)
}

/// Makes the invited user `user_id` the member an identity provider provisions, ending the
/// organization's own pending invitations to join it; answers how many ended. Invitations to
/// accounts (its own or another organization's) stay: accepted later, they are an existing
/// user's.
async fn provision_invited(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor<'_>,
    user_id: i64,
    state: &ScimUserState,
    status: UserStatus,
) -> StoreResult<u64> {
    sqlx::query(
        "UPDATE users SET given_name = $1, family_name = $2, sort_name = $3, search_text = $4, \
         status = $5, org_id = $6, org_role = $7, joined_at = $8, member_source = 'provisioned', \
         external_id = $9, display_name = $10, modified_at = $8, version = version + 1 \
         WHERE id = $11",
    )
    .bind(&state.given_name)
    .bind(&state.family_name)
    .bind(sort_name(
        &state.given_name,
        &state.family_name,
        &state.email,
    ))
    .bind(search_text(
        &state.given_name,
        &state.family_name,
        &state.email,
    ))
    .bind(status.as_str())
    .bind(actor.org_id)
    .bind(OrgRole::Member.as_str())
    .bind(actor.at)
    .bind(&state.external_id)
    .bind(&state.display_name)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    end_invitations_to_join(tx, actor, user_id).await
}

/// Why `email` cannot become (or be given to) a member of `org_id`; `user_id` is the member it
/// would be given to, who may have it already.
async fn address_refusal(
    tx: &mut Transaction<'_, Any>,
    org_id: i64,
    email: &str,
    user_id: Option<i64>,
) -> StoreResult<Option<ScimRefusal>> {
    let domain = email.rsplit_once('@').map_or("", |(_, domain)| domain);
    let verified: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM domains WHERE org_id = $1 AND name = $2 AND state = 'verified'",
    )
    .bind(org_id)
    .bind(domain)
    .fetch_optional(&mut **tx)
    .await?;
    if verified.is_none() {
        return Ok(Some(ScimRefusal::DomainNotVerified(domain.to_owned())));
    }
    let holder: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT id, org_id FROM users WHERE email = $1")
            .bind(email)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(match holder {
        None => None,
        Some((id, _)) if Some(id) == user_id => None,
        Some((id, Some(holder_org))) if holder_org == org_id => {
            Some(ScimRefusal::AlreadyMember(id))
        }
        Some(_) => Some(ScimRefusal::ExistsElsewhere),
    })
}

fn scim_user_record(row: &AnyRow) -> StoreResult<ScimUserRecord> {
    Ok(ScimUserRecord {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        given_name: row.try_get("given_name")?,
        family_name: row.try_get("family_name")?,
        status: parse_status(row)?,
        external_id: row.try_get("external_id")?,
        display_name: row.try_get("display_name")?,
        org_role: parse_org_role(row)?.unwrap_or(OrgRole::Member),
        created_at: row.try_get("created_at")?,
        modified_at: row.try_get("modified_at")?,
        version: row.try_get("version")?,
        accounts: Vec::new(),
    })
}

/// The text whose trigrams narrow a substring, prefix or suffix comparison to candidates, where
/// the trigram index (over `search_text`: names and email lower-cased) can: ASCII text (folded
/// alike by SQLite and the index) of at least three characters, on an attribute the index holds.
/// The comparison itself runs on the candidates only (the exact one still decides).
fn trigram_candidates(attr: ScimUserAttr, op: CompareOp, value: &ScimValue) -> Option<&str> {
    let indexed = matches!(
        attr,
        ScimUserAttr::UserName | ScimUserAttr::GivenName | ScimUserAttr::FamilyName
    );
    let partial = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    match value {
        ScimValue::Text(text) if indexed && partial && text.is_ascii() && text.len() >= 3 => {
            Some(text)
        }
        _ => None,
    }
}

/// Appends `filter` as a condition, every value bound.
fn push_filter(query: &mut QueryBuilder<'_>, backend: Backend, filter: &ScimUserFilter) {
    match filter {
        ScimUserFilter::Nothing => {
            query.push("0 = 1");
        }
        ScimUserFilter::And(a, b) | ScimUserFilter::Or(a, b) => {
            let joiner = if matches!(filter, ScimUserFilter::And(..)) {
                " AND "
            } else {
                " OR "
            };
            query.push("(");
            push_filter(query, backend, a);
            query.push(joiner);
            push_filter(query, backend, b);
            query.push(")");
        }
        ScimUserFilter::Not(inner) => {
            // A comparison with an absent (NULL) value is NULL, not false: `not (externalId eq
            // "a")` must keep the users who have none.
            query.push("NOT COALESCE((");
            push_filter(query, backend, inner);
            query.push("), FALSE)");
        }
        ScimUserFilter::Present(attr) => {
            let expr = attr.expr();
            if attr.is_text() {
                query.push(format_args!("({expr} IS NOT NULL AND {expr} <> '')"));
            } else {
                query.push(format_args!("({expr} IS NOT NULL)"));
            }
        }
        ScimUserFilter::Compare(attr, op, value) => {
            if let (CompareOp::Sw, ScimValue::Text(prefix), true) =
                (op, value, attr.prefix_indexed())
            {
                // A range of the attribute's index holds every value that starts with the
                // prefix (text compares byte by byte on both backends, and UTF-8 keeps code
                // point order); the exact comparison below decides.
                query.push(format_args!("({} >= ", attr.expr()));
                query.push_bind(prefix.clone());
                if let Some(after) = after_prefix(prefix) {
                    query.push(format_args!(" AND {} < ", attr.expr()));
                    query.push_bind(after);
                }
                query.push(" AND ");
                push_comparison(query, backend, *attr, *op, value);
                query.push(")");
                return;
            }
            if let Some(text) = trigram_candidates(*attr, *op, value) {
                // The trigram index narrows the rows to candidates, a superset; the exact
                // comparison below decides.
                query.push("(");
                push_search_candidates(query, backend, text);
                query.push(" AND ");
                push_comparison(query, backend, *attr, *op, value);
                query.push(")");
                return;
            }
            push_comparison(query, backend, *attr, *op, value);
        }
    }
}

/// The least text greater than every text that starts with `prefix` (the prefix with its last
/// character that can be, incremented), or None when there is none (an empty prefix, or one of
/// only the highest character).
fn after_prefix(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value: surrogates are no characters.
        let next = match u32::from(last) {
            0xD7FF => Some('\u{E000}'),
            code => char::from_u32(code + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// Appends one comparison of `attr` with `value`, bound.
fn push_comparison(
    query: &mut QueryBuilder<'_>,
    backend: Backend,
    attr: ScimUserAttr,
    op: CompareOp,
    value: &ScimValue,
) {
    let expr = attr.expr();
    let bind = |query: &mut QueryBuilder<'_>| match value {
        ScimValue::Text(text) => {
            query.push_bind(text.clone());
        }
        ScimValue::Int(number) => {
            query.push_bind(*number);
        }
        ScimValue::Bool(yes) => {
            query.push_bind(i64::from(*yes));
        }
    };
    let comparison = match op {
        CompareOp::Eq => "=",
        CompareOp::Ne => "<>",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        CompareOp::Co => {
            query.push(format_args!("{}({expr}, ", backend.position_function()));
            bind(query);
            query.push(") > 0");
            return;
        }
        CompareOp::Sw => {
            query.push(format_args!("substr({expr}, 1, length("));
            bind(query);
            query.push(")) = ");
            bind(query);
            return;
        }
        CompareOp::Ew => {
            // An empty suffix ends every value; substr(x, -0) would be all of x.
            query.push(format_args!("(length("));
            bind(query);
            query.push(") = 0 OR ");
            query.push(match backend {
                Backend::Sqlite => format!("substr({expr}, -length("),
                Backend::Postgres => format!("right({expr}, length("),
            });
            bind(query);
            query.push(")) = ");
            bind(query);
            query.push(")");
            return;
        }
    };
    if op == CompareOp::Ne {
        // An absent value is not equal to anything.
        query.push(format_args!("({expr} IS NULL OR {expr} <> "));
        bind(query);
        query.push(")");
    } else {
        query.push(format_args!("{expr} {comparison} "));
        bind(query);
    }
}

/// An account of the organization, whose roles SCIM shows as groups.
#[derive(Debug, Clone)]
pub struct ScimGroupAccount {
    pub id: i64,
    pub name: String,
    pub created_at: Timestamp,
    /// When access to it last changed (or when it was made).
    pub modified_at: Timestamp,
    /// Raised whenever who holds a role on it may have changed: its groups' versions.
    pub access_version: i64,
    /// The identity provider's ids of its role groups, where it set one.
    pub external_ids: Vec<(roster_model::AccountRole, String)>,
}

/// A member of the organization with access to an account, and their roles there.
#[derive(Debug, Clone)]
pub struct ScimGroupMember {
    pub account_id: i64,
    pub user_id: i64,
    pub roles: RoleSet,
}

/// The refusal of taking an account owner's last role.
const OWNER_KEEPS_A_ROLE: &str =
    "The owner of an account keeps a role on it: give them another role \
    first, or choose another owner in Roster.";

/// Why a group's members could not be changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRefusal {
    /// Only the organization's members (SCIM Users) are group members.
    NotAMember(i64),
    /// The group changed since the version named in If-Match.
    Stale,
    /// A rule forbids it; the message says which.
    Refused(&'static str),
    /// The token was revoked while the request was under way.
    TokenRevoked,
}

impl Store {
    /// The organization's accounts by name (each one's roles are groups), or only `account_id`.
    pub async fn scim_group_accounts(
        &self,
        org_id: i64,
        account_id: Option<i64>,
    ) -> StoreResult<Vec<ScimGroupAccount>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, CASE WHEN access_changed_at > created_at THEN access_changed_at ELSE created_at END AS modified_at, \
             access_version FROM accounts WHERE org_id = $1 AND ($2 IS NULL OR id = $3) ORDER BY name, id",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let mut accounts = rows
            .iter()
            .map(|row| {
                Ok(ScimGroupAccount {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    created_at: row.try_get("created_at")?,
                    modified_at: row.try_get("modified_at")?,
                    access_version: row.try_get("access_version")?,
                    external_ids: Vec::new(),
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let external: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT g.account_id, g.role, g.external_id FROM scim_groups g \
             JOIN accounts a ON a.id = g.account_id WHERE a.org_id = $1 AND ($2 IS NULL OR a.id = $3)",
        )
        .bind(org_id)
        .bind(account_id)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        for (id, role, external_id) in external {
            let role = roster_model::AccountRole::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown account role {role:?}")))?;
            if let Some(account) = accounts.iter_mut().find(|a| a.id == id) {
                account.external_ids.push((role, external_id));
            }
        }
        Ok(accounts)
    }

    /// The members of the organization with access to `account_ids`, with their roles there, by
    /// account and user id (the organization's own accounts only).
    pub async fn scim_group_members(
        &self,
        org_id: i64,
        account_ids: &[i64],
    ) -> StoreResult<Vec<ScimGroupMember>> {
        if account_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Members only, told by the access row the triggers of migration 0016 / 0003 keep for
        // each holder (member = 1), not by reading each holder's user row. One account's holders
        // (a group read or changed) each look theirs up: the query takes 7 ms for 700 holders at
        // 1,000,000 users, where hashing the organization's 40,000 external users first took 23.
        // Many accounts' holders (a page of groups that shows them, or a filter on members) hash
        // them once and leave them out: 60–84 ms for 50 accounts, where looking up each of their
        // 35,000 holders took 340 and reading their user rows 360.
        let mut query = QueryBuilder::new(
            "SELECT aa.account_id, aa.user_id AS id, aa.roles FROM account_access aa JOIN accounts a ON a.id = aa.account_id \
             WHERE a.org_id = ",
        );
        query.push_bind(org_id);
        if account_ids.len() == 1 {
            query.push(" AND (SELECT x.member FROM org_access x WHERE x.org_id = ");
            query.push_bind(org_id);
            query.push(" AND x.user_id = aa.user_id) = 1");
        } else {
            query.push(" AND NOT EXISTS (SELECT 1 FROM org_access x WHERE x.org_id = ");
            query.push_bind(org_id);
            query.push(" AND x.user_id = aa.user_id AND x.member = 0)");
        }
        query.push(" AND aa.account_id IN (");
        let mut ids = query.separated(", ");
        for id in account_ids {
            ids.push_bind(*id);
        }
        query.push(") ORDER BY aa.account_id, aa.user_id");
        let rows = query.build().fetch_all(&self.pool).await?;
        rows.iter().map(group_member).collect()
    }

    /// Gives `role` on `account_id` to the members `add` and takes it from the members `remove`,
    /// under the console's rules (Administrator clears Developer and Billing Manager, and holds
    /// them), each change with its audit event, all in one transaction; only if the group is
    /// still at version `expected` (see `group_version`) when given.
    #[allow(clippy::too_many_arguments)]
    pub async fn change_group_members(
        &self,
        actor: &Actor<'_>,
        account_id: i64,
        role: roster_model::AccountRole,
        add: &[i64],
        remove: &[i64],
        external_id: Option<Option<&str>>,
        expected: Option<&str>,
        group_version: impl Fn(i64, Option<&str>) -> String,
    ) -> StoreResult<Result<(), GroupRefusal>> {
        let mut tx = self.begin().await?;
        if !still_acts(&mut tx, actor).await? {
            return Ok(Err(GroupRefusal::TokenRevoked));
        }
        let account: Option<(String, i64, i64)> = sqlx::query_as(
            "SELECT name, owner_id, access_version FROM accounts WHERE id = $1 AND org_id = $2",
        )
        .bind(account_id)
        .bind(actor.org_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((account, owner_id, access_version)) = account else {
            return Ok(Err(GroupRefusal::Refused(
                "The account is no longer the organization's.",
            )));
        };
        if let Some(expected) = expected {
            let external_id = group_external_id(&mut tx, account_id, role).await?;
            if group_version(access_version, external_id.as_deref()) != expected {
                return Ok(Err(GroupRefusal::Stale));
            }
        }
        let changes = add
            .iter()
            .map(|id| (*id, true))
            .chain(remove.iter().map(|id| (*id, false)));
        for (user_id, adding) in changes {
            let row = sqlx::query(
                "SELECT u.email, u.given_name, u.family_name, u.org_id, u.org_role, aa.roles \
                 FROM users u LEFT JOIN account_access aa ON aa.account_id = $1 AND aa.user_id = u.id \
                 WHERE u.id = $2",
            )
            .bind(account_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(row) = row.filter(|row| {
                row.try_get::<Option<i64>, _>("org_id").ok().flatten() == Some(actor.org_id)
            }) else {
                return Ok(Err(GroupRefusal::NotAMember(user_id)));
            };
            let member_role = parse_org_role(&row)?.unwrap_or(OrgRole::Member);
            let is_self = actor.member_id() == Some(user_id);
            if let Some(problem) = member_change_problem(
                actor.role,
                is_self,
                member_role,
                0,
                MemberChange::ChangeAccess,
            ) {
                return Ok(Err(GroupRefusal::Refused(problem)));
            }
            let before = row.try_get::<Option<i64>, _>("roles")?.map(role_set);
            let after = before.unwrap_or(RoleSet::EMPTY).with(role, adding);
            if before == Some(after) || (before.is_none() && after.is_empty()) {
                continue;
            }
            if after.is_empty() && user_id == owner_id {
                // As in the console: the owner keeps access, with at least one role.
                return Ok(Err(GroupRefusal::Refused(OWNER_KEEPS_A_ROLE)));
            }
            let (action, details) = if before.is_none() {
                sqlx::query(
                    "INSERT INTO account_access (account_id, user_id, roles, granted_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(account_id)
                .bind(user_id)
                .bind(i64::from(after.bits()))
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
                (
                    "account.access_granted",
                    serde_json::json!({ "account_id": account_id, "account": account, "roles": after.describe() }),
                )
            } else if after.is_empty() && user_id != owner_id {
                sqlx::query("DELETE FROM account_access WHERE account_id = $1 AND user_id = $2")
                    .bind(account_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                (
                    "account.access_removed",
                    serde_json::json!({ "account_id": account_id, "account": account }),
                )
            } else {
                sqlx::query(
                    "UPDATE account_access SET roles = $1 WHERE account_id = $2 AND user_id = $3",
                )
                .bind(i64::from(after.bits()))
                .bind(account_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                (
                    "account.roles_changed",
                    serde_json::json!({
                        "account_id": account_id, "account": account,
                        "from": before.unwrap_or(RoleSet::EMPTY).describe(), "to": after.describe(),
                    }),
                )
            };
            bump_version(&mut tx, user_id, actor.at).await?;
            let email: String = row.try_get("email")?;
            let label = display_name(
                &row.try_get::<String, _>("given_name")?,
                &row.try_get::<String, _>("family_name")?,
                &email,
            );
            actor
                .event(action, Some(user_id), Some(&label), details)
                .insert(&mut tx)
                .await?;
        }
        if let Some(external_id) = external_id {
            let before = group_external_id(&mut tx, account_id, role).await?;
            if before.as_deref() != external_id {
                sqlx::query("DELETE FROM scim_groups WHERE account_id = $1 AND role = $2")
                    .bind(account_id)
                    .bind(role.as_str())
                    .execute(&mut *tx)
                    .await?;
                if let Some(external_id) = external_id {
                    sqlx::query(
                        "INSERT INTO scim_groups (account_id, role, external_id) VALUES ($1, $2, $3)",
                    )
                    .bind(account_id)
                    .bind(role.as_str())
                    .bind(external_id)
                    .execute(&mut *tx)
                    .await?;
                }
                let group = format!("{account} · {}", role.label());
                actor
                    .event(
                        "scim_group.external_id_changed",
                        None,
                        Some(&group),
                        serde_json::json!({
                            "account_id": account_id, "role": role,
                            "from": before, "to": external_id,
                        }),
                    )
                    .insert(&mut tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(Ok(()))
    }
}

/// The externalId an identity provider gave the group of `role` on `account_id`, if any.
async fn group_external_id(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    role: roster_model::AccountRole,
) -> StoreResult<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT external_id FROM scim_groups WHERE account_id = $1 AND role = $2",
    )
    .bind(account_id)
    .bind(role.as_str())
    .fetch_optional(&mut **tx)
    .await?)
}

fn group_member(row: &AnyRow) -> StoreResult<ScimGroupMember> {
    Ok(ScimGroupMember {
        account_id: row.try_get("account_id")?,
        user_id: row.try_get("id")?,
        roles: role_set(row.try_get("roles")?),
    })
}

#[cfg(test)]
mod tests {
    use super::after_prefix;

    #[test]
    fn after_a_prefix_comes_the_least_text_beyond_every_text_it_starts() {
        assert_eq!(after_prefix("ch").as_deref(), Some("ci"));
        assert_eq!(after_prefix("a\u{D7FF}").as_deref(), Some("a\u{E000}"));
        assert_eq!(after_prefix("z\u{10FFFF}").as_deref(), Some("{"));
        assert_eq!(after_prefix("\u{10FFFF}"), None);
        assert_eq!(after_prefix(""), None);
        // Byte order, as both databases compare: every extension of the prefix sorts between.
        for text in ["ch", "chen", "ch\u{10FFFF}\u{10FFFF}", "chz"] {
            let after = after_prefix("ch").unwrap_or_default();
            assert!(text.as_bytes() >= b"ch".as_slice() && text.as_bytes() < after.as_bytes());
        }
    }
}
