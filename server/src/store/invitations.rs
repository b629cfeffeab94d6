//! Invitations, idempotent request answers and the mail outbox.

use std::collections::{BTreeSet, HashMap, HashSet};

use roster_model::{
    display_name, email_domain, AccountGrant, InvitationState, InvitedAccount, OrgRole, RoleSet,
    Timestamp, UserRef, UserStatus,
};
use sqlx::{Any, Row};

use super::builder::QueryBuilder;
use super::sessions::{password_still_holds, PasswordCheck};
use super::OutgoingMail;
use super::{
    parse_status, queue_mail, role_set, search_text, sort_name, user_ref, Actor, AuditEvent,
    MailQuota, QuotaReached, SecondFactorState, SecondFactorUse, Store, StoreResult,
    IDEMPOTENCY_KEY_SECONDS,
};

/// Rows per `IN (…)` list, well under SQLite's bound-parameter limit.
const IN_CHUNK: usize = 500;

/// Someone an address belongs to already.
#[derive(Debug, Clone)]
pub struct Invitee {
    pub user_id: i64,
    /// Has signed up (a password): joins on acceptance. Otherwise a user the system created for an
    /// earlier invitation, who has never signed in.
    pub has_password: bool,
    pub status: UserStatus,
    pub org_id: Option<i64>,
    /// Their pending invitation to this organization: id and expiry.
    pub pending: Option<(i64, Timestamp)>,
}

/// One invitation to write.
pub struct PlannedInvitation {
    pub email: String,
    /// None: the address belongs to no user yet, and one is created (managed, invited).
    pub user_id: Option<i64>,
    /// An expired invitation this one replaces.
    pub replaces: Option<i64>,
    pub token_hash: String,
    pub expires_at: Timestamp,
    pub mail: OutgoingMail,
}

/// The answer to record under a caller's Idempotency-Key, with the request it answered.
pub struct IdempotentAnswer<'a> {
    /// The member whose key it is: keys are each caller's own.
    pub user_id: i64,
    pub key: &'a str,
    pub request_hash: &'a str,
    pub status: u16,
    pub body: &'a str,
}

/// A recorded answer: the request's hash, status and body.
pub struct RecordedAnswer {
    pub request_hash: String,
    pub status: u16,
    pub body: String,
}

/// What sending an invitation again came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    Renewed,
    /// No longer pending, or sent again by someone else within the cooldown.
    Gone,
    /// An invitation to join whose address is no longer on a verified domain of the organization
    /// (it could not be accepted).
    DomainNotVerified,
    /// A daily allowance of mail to outside addresses is used up.
    OverQuota(QuotaReached),
}

/// A pending invitation of an organization, for resending.
pub struct PendingInvite {
    pub id: i64,
    pub email: String,
    pub sent_at: Timestamp,
    pub last_sent_at: Option<Timestamp>,
    pub accounts: Vec<InvitedAccount>,
    /// An invitation to accounts only (an external user's).
    pub account_only: bool,
}

/// What an invitation link leads to.
pub struct LinkedInvitation {
    pub id: i64,
    pub org_id: i64,
    pub organization: String,
    pub user_id: i64,
    pub email: String,
    pub label: String,
    pub invited_by: Option<String>,
    pub state: InvitationState,
    pub expires_at: Timestamp,
    pub accounts: Vec<(i64, InvitedAccount)>,
    pub password_hash: Option<String>,
    pub status: UserStatus,
    /// The organization the user belongs to now, if any.
    pub member_of: Option<i64>,
    pub two_factor: SecondFactorState,
    /// An invitation to accounts only: accepting gives access, not membership.
    pub account_only: bool,
    /// Whether the address is on a verified domain of the organization now, as joining it needs:
    /// the domain may have been removed, lapsed or gone to another organization since the
    /// invitation was sent.
    pub domain_verified: bool,
}

/// A new person's name and password, set when they accept.
pub struct NewPerson<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub password_hash: &'a str,
}

/// Whether `user_id` holds a pending invitation to join the organization (expired or not).
async fn pending_to_join(
    tx: &mut sqlx::Transaction<'_, Any>,
    org_id: i64,
    user_id: i64,
) -> StoreResult<bool> {
    let pending: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM invitations WHERE org_id = $1 AND user_id = $2 AND state = 'pending' \
         AND account_id IS NULL",
    )
    .bind(org_id)
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(pending.is_some())
}

async fn insert_invitation(
    tx: &mut sqlx::Transaction<'_, Any>,
    actor: &Actor<'_>,
    user_id: i64,
    planned: &PlannedInvitation,
    grants: &[AccountGrant],
) -> StoreResult<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO invitations (org_id, user_id, invited_by, state, sent_at, expires_at, token_hash) \
         VALUES ($1, $2, $3, 'pending', $4, $5, $6) RETURNING id",
    )
    .bind(actor.org_id)
    .bind(user_id)
    .bind(actor.member_id())
    .bind(actor.at)
    .bind(planned.expires_at)
    .bind(&planned.token_hash)
    .fetch_one(&mut **tx)
    .await?;
    if !grants.is_empty() {
        QueryBuilder::new("INSERT INTO invitation_accounts (invitation_id, account_id, roles) ")
            .push_values(grants, |mut row, grant| {
                row.push_bind(id)
                    .push_bind(grant.account_id)
                    .push_bind(i64::from(grant.roles.bits()));
            })
            .build()
            .execute(&mut **tx)
            .await?;
    }
    Ok(id)
}

impl Store {
    /// The organization's verified domains: only addresses on them may be invited to it.
    pub async fn verified_domains(&self, org_id: i64) -> StoreResult<HashSet<String>> {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT name FROM domains WHERE org_id = $1 AND state = 'verified'")
                .bind(org_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(names.into_iter().collect())
    }

    /// The names of those of `ids` that are accounts of the organization.
    pub async fn org_account_names(
        &self,
        org_id: i64,
        ids: &[i64],
    ) -> StoreResult<HashMap<i64, String>> {
        let mut names = HashMap::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let mut query = QueryBuilder::new("SELECT id, name FROM accounts WHERE org_id = ");
            query.push_bind(org_id).push(" AND id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            query.push(")");
            for row in query.build().fetch_all(&self.pool).await? {
                names.insert(row.try_get("id")?, row.try_get("name")?);
            }
        }
        Ok(names)
    }

    /// The users some of `emails` (normalised) belong to, with any pending invitation of theirs to
    /// this organization.
    pub async fn invitees(
        &self,
        org_id: i64,
        emails: &[String],
    ) -> StoreResult<HashMap<String, Invitee>> {
        let mut found = HashMap::new();
        for chunk in emails.chunks(IN_CHUNK) {
            let mut query = QueryBuilder::new(
                "SELECT u.id, u.email, u.status, u.org_id, CASE WHEN u.password_hash IS NOT NULL THEN 1 ELSE 0 END AS has_password, \
                 i.id AS invitation_id, i.expires_at FROM users u \
                 LEFT JOIN invitations i ON i.user_id = u.id AND i.state = 'pending' AND i.account_id IS NULL AND i.org_id = ",
            );
            query.push_bind(org_id).push(" WHERE u.email IN (");
            let mut list = query.separated(", ");
            for email in chunk {
                list.push_bind(email);
            }
            query.push(")");
            for row in query.build().fetch_all(&self.pool).await? {
                let invitation: Option<i64> = row.try_get("invitation_id")?;
                let expires: Option<i64> = row.try_get("expires_at")?;
                found.insert(
                    row.try_get("email")?,
                    Invitee {
                        user_id: row.try_get("id")?,
                        has_password: row.try_get::<i64, _>("has_password")? != 0,
                        status: parse_status(&row)?,
                        org_id: row.try_get("org_id")?,
                        pending: invitation.zip(expires),
                    },
                );
            }
        }
        Ok(found)
    }

    /// The answer recorded for an Idempotency-Key of this member of the organization within the
    /// last [`IDEMPOTENCY_KEY_SECONDS`], if any.
    pub async fn recorded_answer(
        &self,
        org_id: i64,
        user_id: i64,
        key: &str,
        now: Timestamp,
    ) -> StoreResult<Option<RecordedAnswer>> {
        let row = sqlx::query(
            "SELECT request_hash, status, body FROM idempotency_keys \
             WHERE org_id = $1 AND user_id = $2 AND idempotency_key = $3 AND created_at > $4",
        )
        .bind(org_id)
        .bind(user_id)
        .bind(key)
        .bind(now - IDEMPOTENCY_KEY_SECONDS)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(RecordedAnswer {
                request_hash: row.try_get("request_hash")?,
                status: u16::try_from(row.try_get::<i64, _>("status")?).unwrap_or(500),
                body: row.try_get("body")?,
            })
        })
        .transpose()
    }

    /// Writes a batch of invitations — new users where needed, replaced expired invitations, the
    /// account roles, one audit event and one queued email each — and the request's answer under
    /// its Idempotency-Key, all in one transaction. Answers false, writing nothing, when what the
    /// request checked before no longer holds: a new address got a user, or a person an
    /// invitation, from another request; an address's domain is no longer a verified domain of
    /// the organization (removed, or lapsed at its re-check); or its user joined an organization.
    pub async fn create_invitations(
        &self,
        actor: &Actor<'_>,
        grants: &[AccountGrant],
        planned: &[PlannedInvitation],
        answer: Option<&IdempotentAnswer<'_>>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin_as(actor).await?;
        if !still_invitable(&mut tx, actor.org_id, planned).await? {
            return Ok(false);
        }
        for invitation in planned {
            let user_id = match invitation.user_id {
                Some(id) => id,
                None => {
                    let created: Option<i64> = sqlx::query_scalar(
                        "INSERT INTO users (email, sort_name, search_text, status, created_at) \
                         VALUES ($1, $2, $3, 'invited', $4) ON CONFLICT (email) DO NOTHING RETURNING id",
                    )
                    .bind(&invitation.email)
                    .bind(sort_name("", "", &invitation.email))
                    .bind(search_text("", "", &invitation.email))
                    .bind(actor.at)
                    .fetch_optional(&mut *tx)
                    .await?;
                    // Another request gave the address a user after this one checked it: the
                    // checks no longer hold, so nothing is written.
                    let Some(id) = created else {
                        return Ok(false);
                    };
                    id
                }
            };
            if let Some(old) = invitation.replaces {
                // Only while it is still expired: one sent again meanwhile stays, with its link.
                sqlx::query(
                    "DELETE FROM invitations WHERE id = $1 AND state = 'pending' AND expires_at <= $2",
                )
                .bind(old)
                .bind(actor.at)
                .execute(&mut *tx)
                .await?;
            }
            // Another request invited this person after this one checked (or replaced the same
            // expired invitation first): as for a new address, nothing is written, where the
            // second pending invitation would break the one-pending rule.
            if invitation.user_id.is_some()
                && pending_to_join(&mut tx, actor.org_id, user_id).await?
            {
                return Ok(false);
            }
            let id = insert_invitation(&mut tx, actor, user_id, invitation, grants).await?;
            let action = if invitation.replaces.is_some() {
                "invitation.reinvited"
            } else {
                "invitation.sent"
            };
            actor
                .event(
                    action,
                    Some(user_id),
                    Some(&invitation.email),
                    serde_json::json!({ "invitation_id": id, "accounts": grants }),
                )
                .insert(&mut tx)
                .await?;
            queue_mail(&mut tx, &invitation.mail, MailQuota::Unlimited, actor.at).await?;
        }
        if let Some(answer) = answer {
            // A key past its lifetime that pruning has not reached yet is free for a new request.
            sqlx::query(
                "DELETE FROM idempotency_keys \
                 WHERE org_id = $1 AND user_id = $2 AND idempotency_key = $3 AND created_at <= $4",
            )
            .bind(actor.org_id)
            .bind(answer.user_id)
            .bind(answer.key)
            .bind(actor.at - IDEMPOTENCY_KEY_SECONDS)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO idempotency_keys \
                 (org_id, user_id, idempotency_key, request_hash, status, body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(actor.org_id)
            .bind(answer.user_id)
            .bind(answer.key)
            .bind(answer.request_hash)
            .bind(i64::from(answer.status))
            .bind(answer.body)
            .bind(actor.at)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Those of `ids` that are pending invitations of the organization, with what they grant.
    pub async fn pending_invitations(
        &self,
        org_id: i64,
        ids: &[i64],
    ) -> StoreResult<Vec<PendingInvite>> {
        let mut invites = Vec::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let mut query = QueryBuilder::new(
                "SELECT i.id, u.email, i.sent_at, i.last_sent_at, i.account_id FROM invitations i \
                 JOIN users u ON u.id = i.user_id WHERE i.state = 'pending' AND i.org_id = ",
            );
            query.push_bind(org_id).push(" AND i.id IN (");
            let mut list = query.separated(", ");
            for id in chunk {
                list.push_bind(id);
            }
            query.push(")");
            for row in query.build().fetch_all(&self.pool).await? {
                let id = row.try_get("id")?;
                invites.push(PendingInvite {
                    id,
                    email: row.try_get("email")?,
                    sent_at: row.try_get("sent_at")?,
                    last_sent_at: row.try_get("last_sent_at")?,
                    accounts: self
                        .invited_accounts(id)
                        .await?
                        .into_iter()
                        .map(|(_, account)| account)
                        .collect(),
                    account_only: row.try_get::<Option<i64>, _>("account_id")?.is_some(),
                });
            }
        }
        Ok(invites)
    }

    async fn invited_accounts(
        &self,
        invitation_id: i64,
    ) -> StoreResult<Vec<(i64, InvitedAccount)>> {
        let rows = sqlx::query(
            "SELECT a.id, a.name, ia.roles FROM invitation_accounts ia JOIN accounts a ON a.id = ia.account_id \
             WHERE ia.invitation_id = $1 ORDER BY a.name, a.id",
        )
        .bind(invitation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get("id")?,
                    InvitedAccount {
                        name: row.try_get("name")?,
                        roles: role_set(row.try_get("roles")?),
                    },
                ))
            })
            .collect()
    }

    /// Sends a pending invitation again with a new link and a new expiry, unless it was (re)sent
    /// after `cooldown_start`; the mail uses `quota`. Changes nothing unless it is renewed.
    #[allow(clippy::too_many_arguments)]
    pub async fn renew_invitation(
        &self,
        actor: &Actor<'_>,
        id: i64,
        cooldown_start: Timestamp,
        token_hash: &str,
        expires_at: Timestamp,
        mail: &OutgoingMail,
        quota: MailQuota,
    ) -> StoreResult<Renewal> {
        let mut tx = self.begin_as(actor).await?;
        let domain_verified: Option<i64> = sqlx::query_scalar(&format!(
            "SELECT CASE WHEN i.account_id IS NOT NULL OR {} THEN 1 ELSE 0 END \
             FROM invitations i JOIN users u ON u.id = i.user_id WHERE i.id = $1 AND i.org_id = $2",
            domain_verified("i.org_id", "u.email_domain")
        ))
        .bind(id)
        .bind(actor.org_id)
        .fetch_optional(&mut *tx)
        .await?;
        if domain_verified == Some(0) {
            return Ok(Renewal::DomainNotVerified);
        }
        let user: Option<i64> = sqlx::query_scalar(
            "UPDATE invitations SET token_hash = $1, expires_at = $2, last_sent_at = $3 \
             WHERE id = $4 AND org_id = $5 AND state = 'pending' AND COALESCE(last_sent_at, sent_at) <= $6 \
             RETURNING user_id",
        )
        .bind(token_hash)
        .bind(expires_at)
        .bind(actor.at)
        .bind(id)
        .bind(actor.org_id)
        .bind(cooldown_start)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(user_id) = user else {
            return Ok(Renewal::Gone);
        };
        if let Some(reached) = queue_mail(&mut tx, mail, quota, actor.at).await? {
            return Ok(Renewal::OverQuota(reached));
        }
        actor
            .event(
                "invitation.resent",
                Some(user_id),
                Some(&mail.to),
                serde_json::json!({ "invitation_id": id }),
            )
            .insert(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(Renewal::Renewed)
    }

    /// Revokes a pending invitation: its link stops working. Answers the invitee's email, or None
    /// when there was no such pending invitation.
    pub async fn revoke_invitation(
        &self,
        actor: &Actor<'_>,
        id: i64,
    ) -> StoreResult<Option<String>> {
        let mut tx = self.begin_as(actor).await?;
        let row = sqlx::query(
            "UPDATE invitations SET state = 'revoked', revoked_at = $1 \
             WHERE id = $2 AND org_id = $3 AND state = 'pending' RETURNING user_id",
        )
        .bind(actor.at)
        .bind(id)
        .bind(actor.org_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user_id: i64 = row.try_get("user_id")?;
        let email: String = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        actor
            .event(
                "invitation.revoked",
                Some(user_id),
                Some(&email),
                serde_json::json!({ "invitation_id": id }),
            )
            .insert(&mut tx)
            .await?;
        tx.commit().await?;
        Ok(Some(email))
    }

    /// The invitation a link's token opens, in whatever state it is now.
    pub async fn invitation_by_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<LinkedInvitation>> {
        let row = sqlx::query(&format!(
            "SELECT i.id, i.org_id, o.name AS org_name, i.state, i.expires_at, u.id AS user_id, u.email, \
             u.given_name, u.family_name, u.password_hash, u.status, u.org_id AS member_of, \
             u.totp_secret, u.totp_last_step, u.two_factor_required, i.account_id, \
             inv.id AS inv_id, inv.given_name AS inv_given, inv.family_name AS inv_family, inv.email AS inv_email, \
             CASE WHEN {} THEN 1 ELSE 0 END AS domain_verified \
             FROM invitations i JOIN organizations o ON o.id = i.org_id JOIN users u ON u.id = i.user_id \
             LEFT JOIN users inv ON inv.id = i.invited_by WHERE i.token_hash = $1",
            domain_verified("i.org_id", "u.email_domain")
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let id: i64 = row.try_get("id")?;
        let expires_at: Timestamp = row.try_get("expires_at")?;
        let state = match row.try_get::<String, _>("state")?.as_str() {
            "accepted" => InvitationState::Accepted,
            "revoked" => InvitationState::Revoked,
            _ if expires_at <= now => InvitationState::Expired,
            _ => InvitationState::Pending,
        };
        let email: String = row.try_get("email")?;
        let given: String = row.try_get("given_name")?;
        let family: String = row.try_get("family_name")?;
        let invited_by: Option<UserRef> =
            user_ref(&row, "inv_id", "inv_given", "inv_family", "inv_email")?;
        Ok(Some(LinkedInvitation {
            id,
            org_id: row.try_get("org_id")?,
            organization: row.try_get("org_name")?,
            user_id: row.try_get("user_id")?,
            label: display_name(&given, &family, &email),
            email,
            invited_by: invited_by.map(|u| roster_model::name_and_email(&u.name, &u.email)),
            state,
            expires_at,
            accounts: self.invited_accounts(id).await?,
            password_hash: row.try_get("password_hash")?,
            status: parse_status(&row)?,
            member_of: row.try_get("member_of")?,
            two_factor: SecondFactorState::from_row(&row, &self.key)?,
            account_only: row.try_get::<Option<i64>, _>("account_id")?.is_some(),
            domain_verified: row.try_get::<i64, _>("domain_verified")? == 1,
        }))
    }

    /// Accepts an invitation: the user joins the organization as a managed Member (unless the
    /// invitation is to accounts only: then they stay outside it, an external user) with the
    /// invited account roles (added to any they hold), a new person's name and password are set,
    /// and a session starts when `session_token_hash` is given — with the audit event, in one
    /// transaction. An existing user proved who they are with their password (`checked`). Changes
    /// nothing, answering why, when that password is no longer theirs (`PasswordChanged`), or
    /// (`Unavailable`) when the invitation is no longer pending and unexpired, the user joined
    /// another organization meanwhile, or (to join) their address is no longer on a verified
    /// domain of the organization.
    pub async fn accept_invitation(
        &self,
        invitation: &LinkedInvitation,
        new_person: Option<&NewPerson<'_>>,
        checked: Option<PasswordCheck<'_>>,
        second_factor: Option<SecondFactorUse>,
        session_token_hash: Option<&str>,
        event: &AuditEvent<'_>,
    ) -> StoreResult<Acceptance> {
        let now = event.at;
        let mut tx = self.begin().await?;
        if let Some(checked) = checked {
            if !password_still_holds(&mut tx, invitation.user_id, checked).await? {
                return Ok(Acceptance::PasswordChanged);
            }
        }
        let accepted = sqlx::query(
            "UPDATE invitations SET state = 'accepted', accepted_at = $1 \
             WHERE id = $2 AND state = 'pending' AND expires_at > $3",
        )
        .bind(now)
        .bind(invitation.id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !accepted {
            return Ok(Acceptance::Unavailable);
        }
        if let Some(person) = new_person {
            // Only while they still have never chosen a password (not suspended, not reset since).
            let set = sqlx::query(
                "UPDATE users SET given_name = $1, family_name = $2, sort_name = $3, search_text = $4, \
                 password_hash = $5, status = 'active' WHERE id = $6 AND status = 'invited'",
            )
            .bind(person.given_name)
            .bind(person.family_name)
            .bind(sort_name(person.given_name, person.family_name, &invitation.email))
            .bind(search_text(person.given_name, person.family_name, &invitation.email))
            .bind(person.password_hash)
            .bind(invitation.user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if set != 1 {
                return Ok(Acceptance::Unavailable);
            }
        }
        if !invitation.account_only {
            let joined = sqlx::query(&format!(
                "UPDATE users SET org_id = $1, org_role = $2, joined_at = $3, member_source = 'invited', imported_by = NULL, \
                 version = version + 1, modified_at = $4 \
                 WHERE id = $5 AND org_id IS NULL AND {}",
                domain_verified("$1", "users.email_domain")
            ))
            .bind(invitation.org_id)
            .bind(OrgRole::Member.as_str())
            .bind(now)
            .bind(now)
            .bind(invitation.user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if !joined {
                return Ok(Acceptance::Unavailable);
            }
        }
        for (account_id, account) in &invitation.accounts {
            let held: Option<i64> = sqlx::query_scalar(
                "SELECT roles FROM account_access WHERE account_id = $1 AND user_id = $2",
            )
            .bind(account_id)
            .bind(invitation.user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let roles = held
                .map(role_set)
                .unwrap_or(RoleSet::EMPTY)
                .union(account.roles);
            // Only on an account still the organization's: one that left it since the link was
            // opened (its owner removed, keeping it) is no longer the invitation's to give.
            sqlx::query(
                "INSERT INTO account_access (account_id, user_id, roles, granted_at) \
                 SELECT a.id, $1, $2, $3 FROM accounts a WHERE a.id = $4 AND a.org_id = $5 \
                 ON CONFLICT (account_id, user_id) DO UPDATE SET roles = excluded.roles",
            )
            .bind(invitation.user_id)
            .bind(i64::from(roles.bits()))
            .bind(now)
            .bind(account_id)
            .bind(invitation.org_id)
            .execute(&mut *tx)
            .await?;
        }
        if !super::sessions::spend_second_factor(&mut tx, invitation.user_id, second_factor, now)
            .await?
        {
            return Ok(Acceptance::Unavailable);
        }
        if let Some(hash) = session_token_hash {
            super::sessions::insert_session(&mut tx, invitation.user_id, hash, event).await?;
        }
        event.insert(&mut tx).await?;
        tx.commit().await?;
        Ok(Acceptance::Accepted)
    }
}

/// How accepting an invitation went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    Accepted,
    /// No longer pending, or the user or the domain changed (see `Store::accept_invitation`).
    Unavailable,
    /// The existing user's password was reset or changed, or the user suspended, while it was
    /// being verified.
    PasswordChanged,
}

/// Whether every planned address is still on a verified domain of the organization and each
/// existing user among them is still in no organization, read under the writer's lock: the
/// request checked both before it took the lock, and another replica may have removed a domain,
/// or brought a user into an organization, since.
async fn still_invitable(
    tx: &mut sqlx::Transaction<'_, Any>,
    org_id: i64,
    planned: &[PlannedInvitation],
) -> StoreResult<bool> {
    let domains: BTreeSet<&str> = planned
        .iter()
        .map(|invitation| email_domain(&invitation.email).unwrap_or_default())
        .collect();
    let verified_sql = format!(
        "SELECT CASE WHEN {} THEN 1 ELSE 0 END",
        domain_verified("$1", "$2")
    );
    for domain in domains {
        let verified: i64 = sqlx::query_scalar(&verified_sql)
            .bind(org_id)
            .bind(domain)
            .fetch_one(&mut **tx)
            .await?;
        if verified == 0 {
            return Ok(false);
        }
    }
    let existing: Vec<i64> = planned
        .iter()
        .filter_map(|invitation| invitation.user_id)
        .collect();
    if existing.is_empty() {
        return Ok(true);
    }
    let mut query =
        QueryBuilder::new("SELECT COUNT(*) FROM users WHERE org_id IS NOT NULL AND id IN (");
    let mut list = query.separated(", ");
    for id in existing {
        list.push_bind(id);
    }
    query.push(")");
    let joined: i64 = query.build_query_scalar().fetch_one(&mut **tx).await?;
    Ok(joined == 0)
}

/// SQL that holds when the address whose domain is `email_domain` is on a verified domain of the
/// organization `org_id` (both SQL expressions): what joining it needs, read again when an
/// invitation to join is opened, accepted or sent again.
fn domain_verified(org_id: &str, email_domain: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM domains d WHERE d.org_id = {org_id} AND d.state = 'verified' \
         AND d.name = {email_domain})"
    )
}

/// Ends the pending invitations of `actor`'s organization for `user_id` to one of its accounts
/// alone (to `account`, or to any), now that the organization took the user's access away
/// (removal from the organization, an external user's access to every account, access to one
/// account): accepted afterwards, one would give back what was just taken. An invitation to join
/// the organization stays, on the Invited tab. Answers how many ended; their links stop working.
pub(super) async fn end_invitations_to_accounts(
    tx: &mut sqlx::Transaction<'_, Any>,
    actor: &Actor<'_>,
    user_id: i64,
    account: Option<i64>,
) -> StoreResult<u64> {
    let mut query = QueryBuilder::new("UPDATE invitations SET state = 'revoked', revoked_at = ");
    query.push_bind(actor.at);
    query.push(", token_hash = NULL WHERE org_id = ");
    query.push_bind(actor.org_id);
    query.push(" AND user_id = ");
    query.push_bind(user_id);
    query.push(" AND state = 'pending' AND account_id ");
    match account {
        Some(account_id) => {
            query.push("= ");
            query.push_bind(account_id);
        }
        None => {
            query.push("IS NOT NULL");
        }
    }
    Ok(query.build().execute(&mut **tx).await?.rows_affected())
}

/// Ends the pending invitations of `actor`'s organization for `user_id` to join it (not those to
/// its accounts), now that the user joined another way (imported, provisioned); answers how many
/// ended. Their links stop working.
pub(super) async fn end_invitations_to_join(
    tx: &mut sqlx::Transaction<'_, Any>,
    actor: &Actor<'_>,
    user_id: i64,
) -> StoreResult<u64> {
    let ended = sqlx::query(
        "UPDATE invitations SET state = 'revoked', revoked_at = $1, token_hash = NULL \
         WHERE org_id = $2 AND user_id = $3 AND state = 'pending' AND account_id IS NULL",
    )
    .bind(actor.at)
    .bind(actor.org_id)
    .bind(user_id)
    .execute(&mut **tx)
    .await?;
    Ok(ended.rows_affected())
}
