//! Set-password links: what an administrator's password reset mails. Each works once, expires,
//! and is stored only as the SHA-256 of its token.

use roster_model::{LinkState, OrgRole, Timestamp, UserStatus};
use sqlx::{Any, Row, Transaction};

use super::sessions::{clear_failures, insert_session, spend_second_factor};
use super::{
    parse_org_role, parse_status, person_name, AuditEvent, SecondFactorState, SecondFactorUse,
    Store, StoreResult,
};

/// A set-password link to write: its token's hash and when it expires.
pub struct NewResetLink<'a> {
    pub token_hash: &'a str,
    pub expires_at: Timestamp,
}

/// What a set-password link opens.
pub struct ResetLink {
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    pub label: String,
    pub status: UserStatus,
    pub org_id: Option<i64>,
    pub role: Option<OrgRole>,
    pub organization: Option<String>,
    pub state: LinkState,
    pub expires_at: Timestamp,
    pub two_factor: SecondFactorState,
}

/// Replaces the user's set-password links with a new one: only the newest mail's link works.
pub(super) async fn insert_reset_link(
    tx: &mut Transaction<'_, Any>,
    user_id: i64,
    link: &NewResetLink<'_>,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(link.token_hash)
    .bind(now)
    .bind(link.expires_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// The set-password link a token opens, in whatever state it is now.
    pub async fn reset_link(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<ResetLink>> {
        let row = sqlx::query(
            "SELECT r.id, r.expires_at, r.used_at, u.id AS user_id, u.email, u.given_name, u.family_name, \
             u.status, u.org_id, u.org_role, o.name AS org_name, u.totp_secret, u.totp_last_step, u.two_factor_required \
             FROM password_resets r JOIN users u ON u.id = r.user_id \
             LEFT JOIN organizations o ON o.id = u.org_id WHERE r.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let expires_at: Timestamp = row.try_get("expires_at")?;
            let state = if row.try_get::<Option<i64>, _>("used_at")?.is_some() {
                LinkState::Used
            } else if expires_at <= now {
                LinkState::Expired
            } else {
                LinkState::Pending
            };
            let email: String = row.try_get("email")?;
            Ok(ResetLink {
                id: row.try_get("id")?,
                user_id: row.try_get("user_id")?,
                label: person_name(&row, &email)?,
                email,
                status: parse_status(&row)?,
                org_id: row.try_get("org_id")?,
                role: parse_org_role(&row)?,
                organization: row.try_get("org_name")?,
                state,
                expires_at,
                two_factor: SecondFactorState::from_row(&row, &self.key)?,
            })
        })
        .transpose()
    }

    /// Sets the password a link was sent for: the link is spent (only if still unused and
    /// unexpired), the second factor spent, failed attempts forgotten and a session started (its
    /// token's hash is `session_hash`) — with its audit event, in one transaction. Answers false,
    /// changing nothing, when the link or the code was used meanwhile, or the user was suspended.
    pub async fn complete_password_reset(
        &self,
        link: &ResetLink,
        password_hash: &str,
        second_factor: Option<SecondFactorUse>,
        session_hash: &str,
        event: &AuditEvent<'_>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let spent = sqlx::query(
            "UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $3",
        )
        .bind(event.at)
        .bind(link.id)
        .bind(event.at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !spent || !spend_second_factor(&mut tx, link.user_id, second_factor, event.at).await? {
            return Ok(false);
        }
        // Suspended since the link was read (or the check before hashing): nothing is set.
        let set =
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND status = 'active'")
                .bind(password_hash)
                .bind(link.user_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        if set != 1 {
            return Ok(false);
        }
        clear_failures(&mut tx, &link.email).await?;
        insert_session(&mut tx, link.user_id, session_hash, event).await?;
        event.insert(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }
}
