//! One account's User access: who can use it with which roles, changes to that access, and
//! invitations to the account alone (which make external users).

use roster_model::{
    member_change_problem, AccountInvitation, AccountInviteOutcome, AccountSummary, AccountUser,
    MemberChange, OrgRole, Page, Relation, RoleSet, SortDir, SortField, Timestamp,
};
use sqlx::{Any, Row, Transaction};

use super::builder::QueryBuilder;
use super::invitations::end_invitations_to_accounts;
use super::manage::bump_version;
use super::OutgoingMail;
use super::{
    account_summary, parse_org_role, push_user_search, role_set, search_text, sort_name, user_ref,
    Actor, Keyset, Matching, Store, StoreResult, Total, UpdateOutcome,
};
use super::{push_any_holds, Cursor, StoreError};
use super::{queue_mail, MailQuota};

/// An invitation to one account, ready to write.
pub struct PlannedAccountInvitation<'a> {
    pub email: &'a str,
    pub roles: RoleSet,
    pub token_hash: &'a str,
    pub expires_at: Timestamp,
    pub mail: &'a OutgoingMail,
    pub quota: MailQuota,
}

/// The user and account a change of access is about, read inside its transaction.
struct AccessTarget {
    label: String,
    account: String,
    /// Their role, when they are a member of the organization (not an external user).
    member_role: Option<OrgRole>,
    owner: bool,
    roles: Option<RoleSet>,
}

async fn access_target(
    tx: &mut Transaction<'_, Any>,
    org_id: i64,
    account_id: i64,
    user_id: i64,
) -> StoreResult<Option<AccessTarget>> {
    let row = sqlx::query(
        "SELECT u.email, u.given_name, u.family_name, u.org_id, u.org_role, a.name, a.owner_id, aa.roles \
         FROM accounts a JOIN users u ON u.id = $1 \
         LEFT JOIN account_access aa ON aa.account_id = a.id AND aa.user_id = u.id \
         WHERE a.id = $2 AND a.org_id = $3",
    )
    .bind(user_id)
    .bind(account_id)
    .bind(org_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let email: String = row.try_get("email")?;
    let given: String = row.try_get("given_name")?;
    let family: String = row.try_get("family_name")?;
    Ok(Some(AccessTarget {
        label: roster_model::display_name(&given, &family, &email),
        account: row.try_get("name")?,
        member_role: if row.try_get::<Option<i64>, _>("org_id")? == Some(org_id) {
            Some(parse_org_role(&row)?.unwrap_or(OrgRole::Member))
        } else {
            None
        },
        owner: row.try_get::<Option<i64>, _>("owner_id")? == Some(user_id),
        roles: row.try_get::<Option<i64>, _>("roles")?.map(role_set),
    }))
}

/// The name of an account of the organization, read in the transaction that changes its access:
/// an account can leave the organization (its owner removed, keeping it) after a request was
/// checked.
async fn account_name(
    tx: &mut Transaction<'_, Any>,
    org_id: i64,
    account_id: i64,
) -> StoreResult<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT name FROM accounts WHERE id = $1 AND org_id = $2")
            .bind(account_id)
            .bind(org_id)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

const NO_LONGER_THE_ORGANIZATIONS: &str = "The account is no longer the organization's.";

const OWNER_KEEPS_ACCESS: &str =
    "The owner of an account keeps access to it. Choose another owner first (by removing or deleting the user).";

impl Store {
    pub async fn account_summary(
        &self,
        org_id: i64,
        account_id: i64,
    ) -> StoreResult<Option<AccountSummary>> {
        let row = sqlx::query(
            "SELECT a.id, a.sid, a.name, a.status, o.id AS owner_id, o.given_name AS owner_given, \
             o.family_name AS owner_family, o.email AS owner_email, \
             (SELECT COUNT(*) FROM account_access aa WHERE aa.account_id = a.id) AS user_count \
             FROM accounts a JOIN users o ON o.id = a.owner_id WHERE a.id = $1 AND a.org_id = $2",
        )
        .bind(account_id)
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(account_summary).transpose()
    }

    /// Everyone with access to the account, by name, a page at a time.
    pub async fn account_users(
        &self,
        org_id: i64,
        account_id: i64,
        params: &AccountListParams,
    ) -> StoreResult<Page<AccountUser>> {
        let from = |query: &mut QueryBuilder<'_>| {
            query.push(
                "FROM account_access aa JOIN users u ON u.id = aa.user_id \
                 JOIN accounts a ON a.id = aa.account_id WHERE aa.account_id = ",
            );
            query.push_bind(account_id);
            query.push(" AND a.org_id = ");
            query.push_bind(org_id);
            push_user_search(
                query,
                self.backend(),
                params.search.as_deref(),
                Matching::Indexed,
            );
        };
        let mut count = QueryBuilder::new("SELECT COUNT(*) ");
        from(&mut count);
        let mut query = QueryBuilder::new(
            "SELECT u.id, u.email, u.given_name, u.family_name, u.org_id, aa.roles, aa.granted_at, \
             a.owner_id, u.sort_name AS sort_key ",
        );
        from(&mut query);
        let keyset = Keyset {
            key_expr: "u.sort_name",
            id_expr: "u.id",
            field: SortField::Name,
            dir: SortDir::Asc,
            cursor: params.cursor.as_ref(),
            limit: params.limit,
        };
        self.keyset_page(Total::Count(count), query, &keyset, |row| {
            let id: i64 = row.try_get("id")?;
            let member = row.try_get::<Option<i64>, _>("org_id")? == Some(org_id);
            Ok(AccountUser {
                user: user_ref(row, "id", "given_name", "family_name", "email")?
                    .ok_or_else(|| StoreError::Corrupt("an account user without an id".into()))?,
                relation: if member {
                    Relation::Managed
                } else {
                    Relation::External
                },
                roles: role_set(row.try_get("roles")?),
                owner: row.try_get::<Option<i64>, _>("owner_id")? == Some(id),
                granted_at: row.try_get("granted_at")?,
            })
        })
        .await
    }

    /// The account's pending invitations, newest first (at most 500: a list an admin can read).
    pub async fn account_invitations(
        &self,
        org_id: i64,
        account_id: i64,
        now: Timestamp,
    ) -> StoreResult<Vec<AccountInvitation>> {
        let rows = sqlx::query(
            "SELECT i.id, u.email, ia.roles, i.sent_at, i.expires_at, \
             inv.id AS inv_id, inv.given_name AS inv_given, inv.family_name AS inv_family, inv.email AS inv_email \
             FROM invitations i JOIN users u ON u.id = i.user_id \
             JOIN invitation_accounts ia ON ia.invitation_id = i.id AND ia.account_id = i.account_id \
             LEFT JOIN users inv ON inv.id = i.invited_by \
             WHERE i.account_id = $1 AND i.org_id = $2 AND i.state = 'pending' \
             ORDER BY i.sent_at DESC, i.id DESC LIMIT 500",
        )
        .bind(account_id)
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let expires_at: Timestamp = row.try_get("expires_at")?;
                Ok(AccountInvitation {
                    id: row.try_get("id")?,
                    email: row.try_get("email")?,
                    roles: role_set(row.try_get("roles")?),
                    invited_by: user_ref(row, "inv_id", "inv_given", "inv_family", "inv_email")?,
                    sent_at: row.try_get("sent_at")?,
                    expires_at,
                    expired: expires_at <= now,
                })
            })
            .collect()
    }

    /// Sets a user's roles on an account they can access (`Some`), or takes the access away
    /// (`None`; never the owner's), with the audit event, in one transaction.
    pub async fn change_account_access(
        &self,
        actor: &Actor<'_>,
        account_id: i64,
        user_id: i64,
        roles: Option<RoleSet>,
    ) -> StoreResult<UpdateOutcome> {
        let mut tx = self.begin_as(actor).await?;
        let Some(target) = access_target(&mut tx, actor.org_id, account_id, user_id).await? else {
            return Ok(UpdateOutcome::NotFound);
        };
        let Some(before) = target.roles else {
            return Ok(UpdateOutcome::NotFound);
        };
        if let Some(role) = target.member_role {
            let is_self = actor.member_id() == Some(user_id);
            let change = MemberChange::ChangeAccess;
            if let Some(problem) = member_change_problem(actor.role, is_self, role, 0, change) {
                return Ok(UpdateOutcome::Refused(problem));
            }
        }
        let account = &target.account;
        let (action, details) = match roles {
            Some(roles) => {
                sqlx::query(
                    "UPDATE account_access SET roles = $1 WHERE account_id = $2 AND user_id = $3",
                )
                .bind(i64::from(roles.bits()))
                .bind(account_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
                (
                    "account.roles_changed",
                    serde_json::json!({
                        "account_id": account_id, "account": account,
                        "from": before.describe(), "to": roles.describe(),
                    }),
                )
            }
            None if target.owner => return Ok(UpdateOutcome::Refused(OWNER_KEEPS_ACCESS)),
            None => {
                sqlx::query("DELETE FROM account_access WHERE account_id = $1 AND user_id = $2")
                    .bind(account_id)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
                let invitations =
                    end_invitations_to_accounts(&mut tx, actor, user_id, Some(account_id)).await?;
                (
                    "account.access_removed",
                    serde_json::json!({
                        "account_id": account_id, "account": account,
                        "invitations_withdrawn": invitations,
                    }),
                )
            }
        };
        if target.member_role.is_some() {
            bump_version(&mut tx, user_id, actor.at).await?;
        }
        actor
            .event(action, Some(user_id), Some(&target.label), details)
            .insert(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(UpdateOutcome::Updated)
    }

    /// Takes an external user's access to every account of the organization away.
    pub async fn remove_external_access(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
    ) -> StoreResult<UpdateOutcome> {
        let mut tx = self.begin_as(actor).await?;
        let Some(row) =
            sqlx::query("SELECT email, given_name, family_name, org_id FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(UpdateOutcome::NotFound);
        };
        if row.try_get::<Option<i64>, _>("org_id")? == Some(actor.org_id) {
            return Ok(UpdateOutcome::Refused(
                "This user is a member of the organization: change their access on their page, or remove them from the organization.",
            ));
        }
        let owns: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE org_id = $1 AND owner_id = $2")
                .bind(actor.org_id)
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
        if owns > 0 {
            return Ok(UpdateOutcome::Refused(OWNER_KEEPS_ACCESS));
        }
        let accounts: Vec<String> = sqlx::query_scalar(
            "DELETE FROM account_access WHERE user_id = $1 AND account_id IN \
             (SELECT id FROM accounts WHERE org_id = $2) RETURNING \
             (SELECT name FROM accounts WHERE accounts.id = account_access.account_id)",
        )
        .bind(user_id)
        .bind(actor.org_id)
        .fetch_all(&mut *tx)
        .await?;
        if accounts.is_empty() {
            return Ok(UpdateOutcome::NotFound);
        }
        let invitations = end_invitations_to_accounts(&mut tx, actor, user_id, None).await?;
        let email: String = row.try_get("email")?;
        let given: String = row.try_get("given_name")?;
        let family: String = row.try_get("family_name")?;
        let label = roster_model::display_name(&given, &family, &email);
        actor
            .event(
                "account.access_removed",
                Some(user_id),
                Some(&label),
                serde_json::json!({ "accounts": accounts, "invitations_withdrawn": invitations }),
            )
            .insert(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(UpdateOutcome::Updated)
    }

    /// "Invite users" on an account's User access page, for one address: a member of the
    /// organization gets access at once; anyone else an invitation to this account alone (and
    /// a user, when the address has none yet). Answers the outcome, or why nothing happened.
    pub async fn invite_to_account(
        &self,
        actor: &Actor<'_>,
        account_id: i64,
        planned: &PlannedAccountInvitation<'_>,
    ) -> StoreResult<Result<AccountInviteOutcome, &'static str>> {
        let mut tx = self.begin_as(actor).await?;
        let Some(account) = account_name(&mut tx, actor.org_id, account_id).await? else {
            return Ok(Err(NO_LONGER_THE_ORGANIZATIONS));
        };
        let user = sqlx::query("SELECT id, org_id, org_role FROM users WHERE email = $1")
            .bind(planned.email)
            .fetch_optional(&mut *tx)
            .await?;
        let user_id = match user {
            Some(row) => {
                let user_id: i64 = row.try_get("id")?;
                let has_access: Option<i64> = sqlx::query_scalar(
                    "SELECT roles FROM account_access WHERE account_id = $1 AND user_id = $2",
                )
                .bind(account_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                if has_access.is_some() {
                    return Ok(Err(
                        "Already has access to this account: change their roles in the list.",
                    ));
                }
                if row.try_get::<Option<i64>, _>("org_id")? == Some(actor.org_id) {
                    let role = parse_org_role(&row)?.unwrap_or(OrgRole::Member);
                    let is_self = actor.member_id() == Some(user_id);
                    let change = MemberChange::ChangeAccess;
                    if let Some(problem) =
                        member_change_problem(actor.role, is_self, role, 0, change)
                    {
                        return Ok(Err(problem));
                    }
                    sqlx::query(
                        "INSERT INTO account_access (account_id, user_id, roles, granted_at) VALUES ($1, $2, $3, $4)",
                    )
                    .bind(account_id)
                    .bind(user_id)
                    .bind(i64::from(planned.roles.bits()))
                    .bind(actor.at)
                    .execute(&mut *tx)
                    .await?;
                    bump_version(&mut tx, user_id, actor.at).await?;
                    actor
                        .event(
                            "account.access_granted",
                            Some(user_id),
                            Some(planned.email),
                            serde_json::json!({
                                "account_id": account_id, "account": account,
                                "roles": planned.roles.describe(),
                            }),
                        )
                        .insert(&mut tx)
                        .await?;
                    tx.commit().await?;
                    return Ok(Ok(AccountInviteOutcome::Granted));
                }
                let pending: Option<(i64, Timestamp)> = sqlx::query_as(
                    "SELECT id, expires_at FROM invitations WHERE account_id = $1 AND user_id = $2 AND state = 'pending'",
                )
                .bind(account_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
                match pending {
                    Some((_, expires_at)) if expires_at > actor.at => {
                        return Ok(Err(
                            "Already invited to this account: send the invitation again from the list of invitations.",
                        ));
                    }
                    Some((expired, _)) => {
                        sqlx::query("DELETE FROM invitations WHERE id = $1")
                            .bind(expired)
                            .execute(&mut *tx)
                            .await?;
                    }
                    None => {}
                }
                user_id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO users (email, sort_name, search_text, status, created_at) \
                     VALUES ($1, $2, $3, 'invited', $4) RETURNING id",
                )
                .bind(planned.email)
                .bind(sort_name("", "", planned.email))
                .bind(search_text("", "", planned.email))
                .bind(actor.at)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let invitation_id: i64 = sqlx::query_scalar(
            "INSERT INTO invitations (org_id, user_id, invited_by, state, sent_at, expires_at, token_hash, account_id) \
             VALUES ($1, $2, $3, 'pending', $4, $5, $6, $7) RETURNING id",
        )
        .bind(actor.org_id)
        .bind(user_id)
        .bind(actor.member_id())
        .bind(actor.at)
        .bind(planned.expires_at)
        .bind(planned.token_hash)
        .bind(account_id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO invitation_accounts (invitation_id, account_id, roles) VALUES ($1, $2, $3)",
        )
        .bind(invitation_id)
        .bind(account_id)
        .bind(i64::from(planned.roles.bits()))
        .execute(&mut *tx)
        .await?;
        actor
            .event(
                "account.invitation_sent",
                Some(user_id),
                Some(planned.email),
                serde_json::json!({
                    "invitation_id": invitation_id, "account_id": account_id, "account": account,
                    "roles": planned.roles.describe(),
                }),
            )
            .insert(&mut tx)
            .await?;
        if let Some(reached) = queue_mail(&mut tx, planned.mail, planned.quota, actor.at).await? {
            return Ok(Err(reached.message()));
        }
        tx.commit().await?;
        Ok(Ok(AccountInviteOutcome::Invited))
    }
}

#[derive(Debug, Clone)]
pub struct AccountListParams {
    pub search: Option<String>,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

impl Store {
    pub async fn list_accounts(
        &self,
        org_id: i64,
        params: &AccountListParams,
    ) -> StoreResult<Page<AccountSummary>> {
        let mut count = QueryBuilder::new("SELECT COUNT(*) ");
        push_account_from(&mut count, org_id, params.search.as_deref());
        let mut query = QueryBuilder::new(
            "SELECT a.id, a.sid, a.name, a.status, o.id AS owner_id, o.given_name AS owner_given, \
             o.family_name AS owner_family, o.email AS owner_email, \
             (SELECT COUNT(*) FROM account_access aa WHERE aa.account_id = a.id) AS user_count, \
             a.name AS sort_key ",
        );
        push_account_from(&mut query, org_id, params.search.as_deref());
        let keyset = Keyset {
            key_expr: "a.name",
            id_expr: "a.id",
            field: SortField::Name,
            dir: SortDir::Asc,
            cursor: params.cursor.as_ref(),
            limit: params.limit,
        };
        self.keyset_page(Total::Count(count), query, &keyset, account_summary)
            .await
    }
}

fn push_account_from(query: &mut QueryBuilder<'_>, org_id: i64, search: Option<&str>) {
    query.push("FROM accounts a JOIN users o ON o.id = a.owner_id WHERE a.org_id = ");
    query.push_bind(org_id);
    if let Some(search) = search {
        push_any_holds(query, &["a.name", "a.sid"], search);
    }
}
