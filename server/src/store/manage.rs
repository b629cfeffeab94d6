//! Changes an admin makes to one managed user. Each runs in one transaction with its audit event,
//! and only if the user is still at the version the admin saw.

use std::collections::{HashMap, HashSet};

use roster_model::{
    display_name, member_change_problem, AccountGrant, AccountRole, MemberChange, OrgRole,
    OwnerChoice, RoleSet, Timestamp, UserStatus,
};
use sqlx::{Any, Row, Transaction};

use super::invitations::end_invitations_to_accounts;
use super::password_resets::{insert_reset_link, NewResetLink};
use super::sessions::{clear_failures, owes_enrolment};
use super::tokens::revoke_tokens_of;
use super::OutgoingMail;
use super::{
    parse_org_role, role_set, Acting, Actor, Credential, Store, StoreResult, UpdateOutcome,
};
use super::{queue_mail, MailQuota};

/// The user a change is about, read inside the change's transaction.
pub(super) struct Target {
    pub(super) email: String,
    pub(super) label: String,
}

/// The organization's member `user_id`, if still at `expected` version (any version for a bulk
/// action, which acts on users as they are) and `actor` may make `change` to them; otherwise
/// the outcome.
async fn target_for(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor<'_>,
    user_id: i64,
    expected: Option<i64>,
    change: MemberChange,
) -> StoreResult<Result<Target, UpdateOutcome>> {
    if !still_acts(tx, actor).await? {
        return Ok(Err(UpdateOutcome::NoLongerActs));
    }
    let Some(row) = sqlx::query(
        "SELECT email, given_name, family_name, org_role, version FROM users WHERE id = $1 AND org_id = $2",
    )
    .bind(user_id)
    .bind(actor.org_id)
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(Err(UpdateOutcome::NotFound));
    };
    if expected.is_some_and(|expected| row.try_get::<i64, _>("version").ok() != Some(expected)) {
        return Ok(Err(UpdateOutcome::Stale));
    }
    let email: String = row.try_get("email")?;
    let given: String = row.try_get("given_name")?;
    let family: String = row.try_get("family_name")?;
    let role = parse_org_role(&row)?.unwrap_or(OrgRole::Member);
    let owners = if role == OrgRole::Owner {
        other_owners(tx, actor.org_id, user_id).await?
    } else {
        0
    };
    if let Some(problem) = member_change_problem(
        actor.role,
        actor.member_id() == Some(user_id),
        role,
        owners,
        change,
    ) {
        return Ok(Err(UpdateOutcome::Refused(problem)));
    }
    Ok(Ok(Target {
        label: display_name(&given, &family, &email),
        email,
    }))
}

/// Whether `actor` is still who the request was authorized as, read again inside the change
/// (which holds the write lock): an active member of the organization with the same role, who
/// owes no two-factor enrolment, signed in with a session or API token that is still live, or a
/// live provisioning token. A request already under way when the admin was suspended, removed,
/// demoted or promoted, signed out or reset, required to set up two-factor sign-in, or its token
/// revoked, changes nothing: the rules that follow judge it by `actor.role`, which would
/// otherwise be the role it had when it arrived.
pub(super) async fn still_acts(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor<'_>,
) -> StoreResult<bool> {
    match actor.acting {
        Acting::Member {
            user_id,
            credential,
        } => {
            let acting: Option<(String, Option<String>, i64, i64)> = sqlx::query_as(
                "SELECT status, org_role, two_factor_required, totp_enrolled FROM users \
                 WHERE id = $1 AND org_id = $2",
            )
            .bind(user_id)
            .bind(actor.org_id)
            .fetch_optional(&mut **tx)
            .await?;
            // Two-factor sign-in required of them since: their session or API token does
            // nothing until they set it up. An embedding host's sign-in answers for its own
            // factors, so its token is not held to Roster's.
            let held_to_roster_factors = !matches!(credential, Credential::HostToken);
            let same = acting.is_some_and(|(status, role, required, enrolled)| {
                status == UserStatus::Active.as_str()
                    && role.as_deref().and_then(OrgRole::parse) == Some(actor.role)
                    && !(held_to_roster_factors && owes_enrolment(required, enrolled))
            });
            Ok(same && credential_live(tx, user_id, credential).await?)
        }
        Acting::ScimToken(token_id) => Ok(sqlx::query_scalar::<_, i64>(
            "SELECT 1 FROM scim_tokens WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL",
        )
        .bind(token_id)
        .bind(actor.org_id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some()),
    }
}

/// Whether the session or API token `user_id` signed in with is still live. A password reset or
/// change, a sign-out or a revoked token ends it without touching the role; a host's token stays
/// live (Roster cannot end it before it expires).
pub(super) async fn credential_live(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    credential: &Credential,
) -> StoreResult<bool> {
    let (live, token_hash) = match credential {
        Credential::Session { token_hash } => (
            "SELECT 1 FROM sessions WHERE token_hash = $1 AND user_id = $2",
            token_hash,
        ),
        Credential::ApiToken { token_hash } => (
            "SELECT 1 FROM api_tokens WHERE token_hash = $1 AND created_by = $2 \
             AND revoked_at IS NULL",
            token_hash,
        ),
        Credential::HostToken => return Ok(true),
    };
    Ok(sqlx::query_scalar::<_, i64>(live)
        .bind(token_hash)
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await?
        .is_some())
}

impl Store {
    /// The transaction of `change` to the member `user_id`, with the user it is about, or the
    /// outcome when it cannot be made (see [`target_for`]).
    async fn begin_change(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: Option<i64>,
        change: MemberChange,
    ) -> StoreResult<Result<(Transaction<'static, Any>, Target), UpdateOutcome>> {
        let mut tx = self.begin().await?;
        Ok(target_for(&mut tx, actor, user_id, expected, change)
            .await?
            .map(|target| (tx, target)))
    }
}

/// Records `action` done to `user_id` and commits the change it ends.
async fn finish(
    mut tx: Transaction<'static, Any>,
    actor: &Actor<'_>,
    action: &str,
    user_id: i64,
    target: &Target,
) -> StoreResult<UpdateOutcome> {
    actor
        .event(
            action,
            Some(user_id),
            Some(&target.label),
            serde_json::json!({}),
        )
        .insert(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(UpdateOutcome::Updated)
}

/// Marks a change to the user: a new version (a change based on the old one is refused) made at `at`.
pub(super) async fn bump_version(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE users SET version = version + 1, modified_at = $1 WHERE id = $2")
        .bind(at)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Suspends or restores `user_id` in `tx`, answering the action to record, or None when they
/// already were so. A suspension ends their sessions, API tokens and set-password links at once.
pub(super) async fn change_suspension(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    suspended: bool,
    at: Timestamp,
) -> StoreResult<Option<&'static str>> {
    let (from, to) = if suspended {
        (UserStatus::Active, UserStatus::Disabled)
    } else {
        (UserStatus::Disabled, UserStatus::Active)
    };
    let changed = sqlx::query(
        "UPDATE users SET status = $1, version = version + 1, modified_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(to.as_str())
    .bind(at)
    .bind(user_id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Ok(None);
    }
    if !suspended {
        return Ok(Some("user.restored"));
    }
    end_sessions(tx, user_id).await?;
    revoke_tokens_of(tx, user_id, at).await?;
    // A set-password link mailed before must not work after a restore either.
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(Some("user.suspended"))
}

async fn end_sessions(tx: &mut Transaction<'_, Any>, user_id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// How many Owners of the organization besides `user_id` can sign in (a suspended Owner cannot
/// act for the organization, so it does not keep it from losing its last one).
pub(super) async fn other_owners(
    tx: &mut Transaction<'_, Any>,
    org_id: i64,
    user_id: i64,
) -> StoreResult<u64> {
    let owners: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE org_id = $1 AND org_role = 'owner' AND status = 'active' AND id <> $2",
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await?;
    Ok(u64::try_from(owners).unwrap_or_default())
}

/// The organization's accounts `user_id` owns.
async fn owned_accounts(
    tx: &mut Transaction<'_, Any>,
    org_id: i64,
    user_id: i64,
) -> StoreResult<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT id, name FROM accounts WHERE org_id = $1 AND owner_id = $2 ORDER BY id",
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get("name")?)))
        .collect()
}

/// What ended when an account left the organization with its owner.
#[derive(Default)]
struct LeftWithOwner {
    /// The people (emails) whose access to it the organization had granted.
    access: Vec<String>,
    /// Pending invitations that would have given access to it.
    invitations: u64,
}

/// An account leaves the organization's control with its owner `owner_id`: the access the
/// organization granted there to anyone else ends, and so do pending invitations to it (an
/// organization invitation keeps its other accounts). Nobody in the organization could see or
/// revoke those grants any more.
async fn end_organization_grants(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    owner_id: i64,
    now: Timestamp,
) -> StoreResult<LeftWithOwner> {
    let people: Vec<(i64, String)> = sqlx::query_as(
        "SELECT u.id, u.email FROM account_access aa JOIN users u ON u.id = aa.user_id \
         WHERE aa.account_id = $1 AND aa.user_id <> $2 ORDER BY u.email",
    )
    .bind(account_id)
    .bind(owner_id)
    .fetch_all(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM account_access WHERE account_id = $1 AND user_id <> $2")
        .bind(account_id)
        .bind(owner_id)
        .execute(&mut **tx)
        .await?;
    for (user_id, _) in &people {
        bump_version(tx, *user_id, now).await?;
    }
    let to_account = sqlx::query(
        "UPDATE invitations SET state = 'revoked', revoked_at = $1 \
         WHERE account_id = $2 AND state = 'pending'",
    )
    .bind(now)
    .bind(account_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    let granting = sqlx::query(
        "DELETE FROM invitation_accounts WHERE account_id = $1 \
         AND invitation_id IN (SELECT id FROM invitations WHERE state = 'pending')",
    )
    .bind(account_id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(LeftWithOwner {
        access: people.into_iter().map(|(_, email)| email).collect(),
        invitations: to_account + granting,
    })
}

/// Makes `owner_id` the owner of `account_id`, with Administrator access unless they have access.
async fn transfer_ownership(
    tx: &mut Transaction<'_, Any>,
    account_id: i64,
    owner_id: i64,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE accounts SET owner_id = $1 WHERE id = $2")
        .bind(owner_id)
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO account_access (account_id, user_id, roles, granted_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (account_id, user_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(owner_id)
    .bind(i64::from(
        RoleSet::from_roles([AccountRole::Administrator]).bits(),
    ))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The status of `user_id` when they are a managed user of the organization.
async fn member_status(
    tx: &mut Transaction<'_, Any>,
    org_id: i64,
    user_id: i64,
) -> StoreResult<Option<UserStatus>> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM users WHERE id = $1 AND org_id = $2")
            .bind(user_id)
            .bind(org_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(status.as_deref().and_then(UserStatus::parse))
}

impl Store {
    /// An administrator's password reset: the old password stops working at once, the user's
    /// sessions and API tokens end, earlier set-password links die, and a new single-use link
    /// (stored as `link.token_hash`) goes out in the mail `mail_to` writes to the address the user
    /// has now — with its audit event, in one transaction.
    pub async fn reset_password(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: Option<i64>,
        link: &NewResetLink<'_>,
        mail_to: impl FnOnce(&str) -> OutgoingMail,
    ) -> StoreResult<UpdateOutcome> {
        let mut tx = self.begin().await?;
        let target = match target_for(
            &mut tx,
            actor,
            user_id,
            expected,
            MemberChange::ResetPassword,
        )
        .await?
        {
            Ok(target) => target,
            Err(outcome) => return Ok(outcome),
        };
        sqlx::query("UPDATE users SET password_hash = NULL WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        insert_reset_link(&mut tx, user_id, link, actor.at).await?;
        bump_version(&mut tx, user_id, actor.at).await?;
        end_sessions(&mut tx, user_id).await?;
        let tokens = revoke_tokens_of(&mut tx, user_id, actor.at).await?;
        clear_failures(&mut tx, &target.email).await?;
        queue_mail(
            &mut tx,
            &mail_to(&target.email),
            MailQuota::Unlimited,
            actor.at,
        )
        .await?;
        actor
            .event(
                "user.password_reset",
                Some(user_id),
                Some(&target.label),
                serde_json::json!({ "tokens_revoked": tokens }),
            )
            .insert(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(UpdateOutcome::Updated)
    }

    /// Requires two-factor sign-in of the user (they enrol at their next sign-in), or stops it.
    pub async fn set_two_factor_required(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: Option<i64>,
        required: bool,
    ) -> StoreResult<UpdateOutcome> {
        let change = MemberChange::RequireTwoFactor;
        let (mut tx, target) = match self.begin_change(actor, user_id, expected, change).await? {
            Ok(begun) => begun,
            Err(outcome) => return Ok(outcome),
        };
        sqlx::query("UPDATE users SET two_factor_required = $1 WHERE id = $2")
            .bind(i64::from(required))
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        bump_version(&mut tx, user_id, actor.at).await?;
        let action = if required {
            "user.two_factor_required"
        } else {
            "user.two_factor_not_required"
        };
        finish(tx, actor, action, user_id, &target).await
    }

    /// Resets a member's two-factor sign-in (a lost phone, a factor set up by someone else): the
    /// secret and recovery codes are forgotten and their sessions end, so their next sign-in
    /// takes the password alone, then the set-up again where two-factor is required; they are
    /// told by mail (`mail_to` their address). Their API tokens stay (a password reset ends
    /// those). Not enrolled, nothing changes: `Invalid`.
    pub async fn reset_two_factor(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: Option<i64>,
        mail_to: impl FnOnce(&str) -> OutgoingMail,
    ) -> StoreResult<UpdateOutcome> {
        let change = MemberChange::ResetTwoFactor;
        let (mut tx, target) = match self.begin_change(actor, user_id, expected, change).await? {
            Ok(begun) => begun,
            Err(outcome) => return Ok(outcome),
        };
        let reset = sqlx::query(
            "UPDATE users SET totp_enrolled = 0, totp_secret = NULL, totp_last_step = NULL \
             WHERE id = $1 AND totp_enrolled = 1",
        )
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if reset == 0 {
            return Ok(UpdateOutcome::Invalid(
                "two_factor",
                format!("{} has not set up two-factor sign-in.", target.label),
            ));
        }
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        end_sessions(&mut tx, user_id).await?;
        bump_version(&mut tx, user_id, actor.at).await?;
        queue_mail(
            &mut tx,
            &mail_to(&target.email),
            MailQuota::Unlimited,
            actor.at,
        )
        .await?;
        finish(tx, actor, "user.two_factor_reset", user_id, &target).await
    }

    /// Suspends a member (they cannot sign in; their sessions and API tokens end at once; they keep
    /// their accounts and roles) or restores them. Already so, nothing changes and nothing is
    /// recorded.
    pub async fn set_suspended(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: Option<i64>,
        suspended: bool,
    ) -> StoreResult<UpdateOutcome> {
        let change = if suspended {
            MemberChange::Suspend
        } else {
            MemberChange::Restore
        };
        let (mut tx, target) = match self.begin_change(actor, user_id, expected, change).await? {
            Ok(begun) => begun,
            Err(outcome) => return Ok(outcome),
        };
        match change_suspension(&mut tx, user_id, suspended, actor.at).await? {
            Some(action) => finish(tx, actor, action, user_id, &target).await,
            None => Ok(UpdateOutcome::Updated),
        }
    }

    /// Sets the user's roles on the organization's accounts to exactly `grants` (accounts the
    /// organization owns, checked by the caller). An account the user owns cannot be left out.
    pub async fn set_access(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: i64,
        grants: &[AccountGrant],
    ) -> StoreResult<UpdateOutcome> {
        let change = MemberChange::ChangeAccess;
        let (mut tx, target) = match self
            .begin_change(actor, user_id, Some(expected), change)
            .await?
        {
            Ok(begun) => begun,
            Err(outcome) => return Ok(outcome),
        };
        let granted: HashSet<i64> = grants.iter().map(|g| g.account_id).collect();
        for (account_id, name) in owned_accounts(&mut tx, actor.org_id, user_id).await? {
            if !granted.contains(&account_id) {
                return Ok(UpdateOutcome::Invalid(
                    "accounts",
                    format!(
                        "{} owns {name}: they keep access to it. Transfer the ownership first.",
                        target.label
                    ),
                ));
            }
        }
        let before: HashMap<i64, RoleSet> = sqlx::query(
            "SELECT aa.account_id, aa.roles FROM account_access aa JOIN accounts a ON a.id = aa.account_id \
             WHERE aa.user_id = $1 AND a.org_id = $2",
        )
        .bind(user_id)
        .bind(actor.org_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("account_id")?, role_set(row.try_get("roles")?))))
        .collect::<StoreResult<_>>()?;
        for account_id in before.keys().filter(|id| !granted.contains(id)) {
            sqlx::query("DELETE FROM account_access WHERE account_id = $1 AND user_id = $2")
                .bind(account_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        for grant in grants {
            if before.get(&grant.account_id) == Some(&grant.roles) {
                continue;
            }
            // Only on an account still the organization's: one may have left it since the caller
            // checked (its owner removed, keeping it).
            let granted = sqlx::query(
                "INSERT INTO account_access (account_id, user_id, roles, granted_at) \
                 SELECT a.id, $1, $2, $3 FROM accounts a WHERE a.id = $4 AND a.org_id = $5 \
                 ON CONFLICT (account_id, user_id) DO UPDATE SET roles = excluded.roles",
            )
            .bind(user_id)
            .bind(i64::from(grant.roles.bits()))
            .bind(actor.at)
            .bind(grant.account_id)
            .bind(actor.org_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if granted == 0 {
                return Ok(UpdateOutcome::Invalid(
                    "accounts",
                    format!(
                        "Account {} is not an account of this organization.",
                        grant.account_id
                    ),
                ));
            }
        }
        bump_version(&mut tx, user_id, actor.at).await?;
        let before: Vec<AccountGrant> = before
            .into_iter()
            .map(|(account_id, roles)| AccountGrant { account_id, roles })
            .collect();
        actor
            .event(
                "user.access_changed",
                Some(user_id),
                Some(&target.label),
                serde_json::json!({ "before": before, "after": grants }),
            )
            .insert(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(UpdateOutcome::Updated)
    }

    /// Removal from the organization: the user leaves it but stays active. Every account they own gets the
    /// chosen owner — a managed user, or the leaving user themselves, which takes the account out
    /// of the organization's control. Their organization roles and access to its accounts end.
    pub async fn remove_from_organization(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: Option<i64>,
        choices: &[OwnerChoice],
    ) -> StoreResult<UpdateOutcome> {
        self.leave(actor, user_id, expected, choices, false).await
    }

    /// Deletion: the user is removed from the system. Every account of the organization they own
    /// gets the chosen owner, another managed user; accounts they own outside it stay, ownerless;
    /// no account is deleted.
    pub async fn delete_user(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: Option<i64>,
        choices: &[OwnerChoice],
    ) -> StoreResult<UpdateOutcome> {
        self.leave(actor, user_id, expected, choices, true).await
    }

    async fn leave(
        &self,
        actor: &Actor<'_>,
        user_id: i64,
        expected: Option<i64>,
        choices: &[OwnerChoice],
        delete: bool,
    ) -> StoreResult<UpdateOutcome> {
        let change = if delete {
            MemberChange::Delete
        } else {
            MemberChange::Remove
        };
        let (mut tx, target) = match self.begin_change(actor, user_id, expected, change).await? {
            Ok(begun) => begun,
            Err(outcome) => return Ok(outcome),
        };
        // Each owned account is handed over as its choice is checked: a bad choice further down
        // the list abandons the transaction, and with it the accounts already handed over.
        let mut handed_over = Vec::new();
        for (account_id, name) in owned_accounts(&mut tx, actor.org_id, user_id).await? {
            let Some(choice) = choices.iter().find(|c| c.account_id == account_id) else {
                return Ok(UpdateOutcome::Invalid(
                    "new_owners",
                    format!("Choose the new owner of {name}."),
                ));
            };
            let keeps_it = choice.new_owner_id == user_id;
            if keeps_it && delete {
                return Ok(UpdateOutcome::Invalid(
                    "new_owners",
                    format!("Choose another managed user as the owner of {name}: a deleted user cannot own it."),
                ));
            }
            let mut ended = LeftWithOwner::default();
            if keeps_it {
                sqlx::query("UPDATE accounts SET org_id = NULL WHERE id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                ended = end_organization_grants(&mut tx, account_id, user_id, actor.at).await?;
            } else {
                // The new owner must be able to sign in and act on the account, which a suspended
                // member cannot.
                match member_status(&mut tx, actor.org_id, choice.new_owner_id).await? {
                    Some(UserStatus::Active) => {
                        transfer_ownership(&mut tx, account_id, choice.new_owner_id, actor.at)
                            .await?;
                    }
                    Some(UserStatus::Disabled) => {
                        return Ok(UpdateOutcome::Invalid(
                            "new_owners",
                            format!("The new owner of {name} is suspended: choose a managed user who can sign in, or restore them first."),
                        ));
                    }
                    _ => {
                        return Ok(UpdateOutcome::Invalid(
                            "new_owners",
                            format!("The new owner of {name} must be a managed user of the organization."),
                        ));
                    }
                }
            }
            handed_over.push(serde_json::json!({
                "account_id": account_id,
                "account": name,
                "new_owner_id": choice.new_owner_id,
                "left_organization": keeps_it,
                "access_ended": ended.access,
                "invitations_withdrawn": ended.invitations,
            }));
        }
        end_sessions(&mut tx, user_id).await?;
        // The organization no longer controls the user: its reset links and its tokens end too.
        sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        revoke_tokens_of(&mut tx, user_id, actor.at).await?;
        // Accounts the user owns outside the organization are not the organization's to give away:
        // deletion leaves them in place, without an owner until their own administrators choose one.
        let mut left_ownerless = Vec::new();
        if delete {
            left_ownerless = sqlx::query_scalar::<_, String>(
                "UPDATE accounts SET owner_id = NULL \
                 WHERE owner_id = $1 AND (org_id IS NULL OR org_id <> $2) RETURNING name",
            )
            .bind(user_id)
            .bind(actor.org_id)
            .fetch_all(&mut *tx)
            .await?;
            left_ownerless.sort();
        }
        let mut details = serde_json::json!({
            "accounts": handed_over,
            "left_without_owner": left_ownerless,
            "suspension_ended": false,
        });
        if delete {
            // Recorded first, while the log can still read the user's email (names are not
            // unique); deletion takes their invitations with them.
            actor
                .event("user.deleted", Some(user_id), Some(&target.label), details)
                .insert(&mut tx)
                .await?;
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query(
                "DELETE FROM account_access WHERE user_id = $1 AND account_id IN (SELECT id FROM accounts WHERE org_id = $2)",
            )
            .bind(user_id)
            .bind(actor.org_id)
            .execute(&mut *tx)
            .await?;
            let invitations_withdrawn =
                end_invitations_to_accounts(&mut tx, actor, user_id, None).await?;
            // The guide: removal leaves the user active. A suspension was the organization's, and
            // nobody would be left who could lift it.
            let suspension_ended =
                sqlx::query_scalar::<_, String>("SELECT status FROM users WHERE id = $1")
                    .bind(user_id)
                    .fetch_one(&mut *tx)
                    .await?
                    == UserStatus::Disabled.as_str();
            sqlx::query(
                "UPDATE users SET org_id = NULL, org_role = NULL, joined_at = NULL, member_source = NULL, \
                 imported_by = NULL, two_factor_required = 0, external_id = NULL, display_name = NULL, \
                 status = CASE WHEN status = 'disabled' THEN 'active' ELSE status END, \
                 version = version + 1, modified_at = $1 WHERE id = $2",
            )
            .bind(actor.at)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
            details["suspension_ended"] = suspension_ended.into();
            details["invitations_withdrawn"] = invitations_withdrawn.into();
            actor
                .event("user.removed", Some(user_id), Some(&target.label), details)
                .insert(&mut tx)
                .await?;
        }
        tx.commit().await?;
        Ok(UpdateOutcome::Updated)
    }
}
