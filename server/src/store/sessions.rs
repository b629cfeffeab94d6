//! Signing in: credentials, throttled attempts, sessions, passwords and two-factor enrolment.

use roster_model::{OrgRole, Timestamp, UserStatus};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

use super::builder::QueryBuilder;
use super::manage::credential_live;
use super::tokens::revoke_tokens_of;
use super::{
    parse_org_role, parse_status, person_name, AuditEvent, Credential, Store, StoreError,
    StoreResult,
};
use crate::auth::{throttle_address, AttemptHistory, FailureHistory};
use crate::secrets::SecretKey;

/// What sign-in needs to know about an email.
pub struct Credentials {
    pub user_id: i64,
    pub email: String,
    pub label: String,
    pub password_hash: Option<String>,
    pub status: UserStatus,
    pub org_id: Option<i64>,
    pub role: Option<OrgRole>,
    pub two_factor: SecondFactorState,
}

/// A user's two-factor standing, as sign-in and the session checks need it.
#[derive(Debug, Clone, Default)]
pub struct SecondFactorState {
    /// Base32 TOTP secret of an enrolled user (decrypted).
    pub secret: Option<String>,
    pub last_step: Option<i64>,
    pub required: bool,
}

impl SecondFactorState {
    /// From a row's `totp_secret`, `totp_last_step` and `two_factor_required`.
    pub(super) fn from_row(row: &AnyRow, key: &SecretKey) -> StoreResult<Self> {
        let sealed: Option<String> = row.try_get("totp_secret")?;
        Ok(Self {
            secret: sealed.map(|sealed| key.decrypt(&sealed)).transpose()?,
            last_step: row.try_get("totp_last_step")?,
            required: row.try_get::<i64, _>("two_factor_required")? != 0,
        })
    }

    /// Required and not set up: the user must enrol before anything else.
    pub fn must_enrol(&self) -> bool {
        self.required && self.secret.is_none()
    }
}

/// Whether two-factor sign-in is required of a user who has not set it up, from their row's
/// `two_factor_required` and `totp_enrolled`: their sessions and API tokens then act on nothing
/// until they enrol.
pub(super) fn owes_enrolment(two_factor_required: i64, totp_enrolled: i64) -> bool {
    two_factor_required != 0 && totp_enrolled == 0
}

/// The second factor a sign-in used, spent in the same transaction that starts the session.
pub enum SecondFactorUse {
    /// An authenticator code of this time step.
    Totp { step: i64 },
    /// This recovery code (its row id).
    RecoveryCode { id: i64 },
}

/// A live session and the signed-in user's standing in their organization.
pub struct SessionInfo {
    pub session_id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub org_id: Option<i64>,
    pub role: Option<OrgRole>,
    pub last_seen_at: Timestamp,
    pub password_hash: Option<String>,
    pub two_factor: SecondFactorState,
    /// A TOTP secret this session is setting up, not yet confirmed (decrypted).
    pub totp_setup_secret: Option<String>,
}

/// Whether an attempt may go ahead, given the failures so far for its email and its address.
pub enum AttemptAdmission {
    /// Reserved: the attempt counts as a failure until it is released or it succeeds.
    Reserved(i64),
    /// Refused: try again after this many seconds.
    Wait(i64),
}

impl Store {
    pub async fn credentials(&self, email: &str) -> StoreResult<Option<Credentials>> {
        let row = sqlx::query(
            "SELECT id, email, given_name, family_name, password_hash, status, org_id, org_role, \
             totp_secret, totp_last_step, two_factor_required FROM users WHERE email = $1",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let email: String = row.try_get("email")?;
            Ok(Credentials {
                user_id: row.try_get("id")?,
                label: person_name(&row, &email)?,
                email,
                password_hash: row.try_get("password_hash")?,
                status: parse_status(&row)?,
                org_id: row.try_get("org_id")?,
                role: parse_org_role(&row)?,
                two_factor: SecondFactorState::from_row(&row, &self.key)?,
            })
        })
        .transpose()
    }

    /// The unused recovery code of this user with this (unkeyed) digest, if any.
    pub async fn recovery_code(&self, user_id: i64, code_sha256: &str) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM recovery_codes WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(self.key.recovery_code_digest(code_sha256))
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Reserves one attempt at `email`'s password from `client_addr`, unless `wait` — given the
    /// failures since `since` of the email (from the address, and from all) and of the address —
    /// asks for a pause first. The reservation is written before the password is checked, in a
    /// transaction that holds the write lock, so attempts racing each other each see all those
    /// before them: there is no window in which parallel guesses go uncounted. A pause already due
    /// is told from a read without the lock, so a flood of attempts during one waits on nothing
    /// that other writes need.
    pub async fn reserve_attempt(
        &self,
        email: &str,
        client_addr: &str,
        since: Timestamp,
        now: Timestamp,
        wait: impl Fn(AttemptHistory) -> i64,
    ) -> StoreResult<AttemptAdmission> {
        // Kept under the address's throttle key, as `start_session` forgets them.
        let client_addr = &throttle_address(client_addr);
        let mut reader = self.pool.acquire().await?;
        let history = attempt_history(&mut reader, email, client_addr, since).await?;
        drop(reader);
        let seconds = wait(history);
        if seconds > 0 {
            return Ok(AttemptAdmission::Wait(seconds));
        }
        let mut tx = self.begin().await?;
        let seconds = wait(attempt_history(&mut tx, email, client_addr, since).await?);
        if seconds > 0 {
            return Ok(AttemptAdmission::Wait(seconds));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sign_in_failures (email, client_addr, at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(email)
        .bind(client_addr)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AttemptAdmission::Reserved(id))
    }

    /// The failures recorded since `since` under the client address `client_addr` (any email): read
    /// only, so checking a pause takes no write lock.
    pub async fn address_failures(
        &self,
        client_addr: &str,
        since: Timestamp,
    ) -> StoreResult<FailureHistory> {
        let mut reader = self.pool.acquire().await?;
        failure_history(&mut reader, &[("client_addr", client_addr)], since).await
    }

    /// Records a refused host token: its audit event, and, when it is `counted_as` an address's
    /// failure, that failure, in one transaction.
    pub async fn host_token_refused(
        &self,
        event: &AuditEvent<'_>,
        counted_as: Option<&str>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        if let Some(client_addr) = counted_as {
            sqlx::query(
                "INSERT INTO sign_in_failures (email, client_addr, at) VALUES ('', $1, $2)",
            )
            .bind(client_addr)
            .bind(event.at)
            .execute(&mut *tx)
            .await?;
        }
        event.insert(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records why a reserved attempt failed; its reservation stays, as a failure.
    pub async fn attempt_failed(&self, event: &AuditEvent<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        event.insert(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops a reserved attempt that was no failure (the right password, with the code still to come).
    pub async fn release_attempt(&self, attempt: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sign_in_failures WHERE id = $1")
            .bind(attempt)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Starts a session for the user whose password was checked as `checked` says: spends the
    /// second factor, stores the token's hash, notes the sign-in, and audits it, in one
    /// transaction. A successful sign-in also clears the account's failures from its address.
    /// Changes nothing when the password, the user's standing or the second factor changed
    /// since they were checked.
    pub async fn start_session(
        &self,
        user_id: i64,
        email: &str,
        checked: PasswordCheck<'_>,
        token_hash: &str,
        second_factor: Option<SecondFactorUse>,
        event: &AuditEvent<'_>,
    ) -> StoreResult<SessionStart> {
        let mut tx = self.begin().await?;
        if !password_still_holds(&mut tx, user_id, checked).await? {
            return Ok(SessionStart::PasswordChanged);
        }
        if !spend_second_factor(&mut tx, user_id, second_factor, event.at).await? {
            return Ok(SessionStart::CodeSpent);
        }
        insert_session(&mut tx, user_id, token_hash, event).await?;
        // Only this address's failures: a guesser elsewhere keeps the pause they earned.
        sqlx::query("DELETE FROM sign_in_failures WHERE email = $1 AND client_addr = $2")
            .bind(email)
            .bind(throttle_address(event.client_addr))
            .execute(&mut *tx)
            .await?;
        event.insert(&mut tx).await?;
        tx.commit().await?;
        Ok(SessionStart::Started)
    }

    /// The session a token opens, if it has neither been idle too long nor outlived its maximum age.
    pub async fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<SessionInfo>> {
        let row = sqlx::query(
            "SELECT s.id AS session_id, s.last_seen_at, u.id AS user_id, u.email, u.given_name, u.family_name, \
             u.org_id, u.org_role, u.password_hash, \
             u.totp_secret, u.totp_last_step, u.two_factor_required, s.totp_setup_secret \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND u.status = 'active'",
        )
        .bind(token_hash)
        .bind(now)
        .bind(now - crate::auth::SESSION_IDLE_SECONDS)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            let email: String = row.try_get("email")?;
            let setup: Option<String> = row.try_get("totp_setup_secret")?;
            Ok(SessionInfo {
                session_id: row.try_get("session_id")?,
                user_id: row.try_get("user_id")?,
                name: person_name(&row, &email)?,
                email,
                org_id: row.try_get("org_id")?,
                role: parse_org_role(&row)?,
                last_seen_at: row.try_get("last_seen_at")?,
                password_hash: row.try_get("password_hash")?,
                two_factor: SecondFactorState::from_row(&row, &self.key)?,
                totp_setup_secret: setup.map(|sealed| self.key.decrypt(&sealed)).transpose()?,
            })
        })
        .transpose()
    }

    /// Keeps a TOTP secret on the session while its user sets it up in an authenticator app.
    pub async fn begin_two_factor_setup(&self, session_id: i64, secret: &str) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET totp_setup_secret = $1 WHERE id = $2")
            .bind(self.key.encrypt(secret))
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Enrols the user with the confirmed secret (the confirming code's step counts as used),
    /// ends their other sessions and replaces their recovery codes (given as unkeyed digests),
    /// with its audit event, in one transaction. Answers false, changing nothing, when the user is already enrolled, and
    /// fails with [`StoreError::NoLongerActs`] when they were suspended, or the session it came
    /// in on ended (an administrator's reset), while it waited: an authenticator bound then
    /// would lock the person the reset was for out of their account.
    pub async fn enrol_two_factor(
        &self,
        user_id: i64,
        credential: &Credential,
        secret: &str,
        step: i64,
        recovery_code_sha256s: &[String],
        event: &AuditEvent<'_>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !still_signed_in(&mut tx, user_id, credential).await? {
            return Err(StoreError::NoLongerActs);
        }
        let enrolled = sqlx::query(
            "UPDATE users SET totp_secret = $1, totp_enrolled = 1, totp_last_step = $2 \
             WHERE id = $3 AND totp_secret IS NULL",
        )
        .bind(self.key.encrypt(secret))
        .bind(step)
        .bind(user_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !enrolled {
            return Ok(false);
        }
        // Every other session ends: one taken before (the reason to set up two-factor, often)
        // must not outlive the new factor, as none outlives a new password.
        let others = match credential {
            Credential::Session { token_hash } => {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
                    .bind(user_id)
                    .bind(token_hash.as_str())
            }
            _ => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id),
        };
        others.execute(&mut *tx).await?;
        sqlx::query("UPDATE sessions SET totp_setup_secret = NULL WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        QueryBuilder::new("INSERT INTO recovery_codes (user_id, code_hash) ")
            .push_values(recovery_code_sha256s, |mut row, digest| {
                row.push_bind(user_id)
                    .push_bind(self.key.recovery_code_digest(digest));
            })
            .build()
            .execute(&mut *tx)
            .await?;
        event.insert(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Marks a session as used now (its idle timer restarts). Never moves it back: a replica
    /// whose clock runs behind another's would shorten the idle timeout by the difference.
    pub async fn touch_session(&self, session_id: i64, now: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1")
            .bind(now)
            .bind(session_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Replaces the signed-in user's password: their other sessions and every API token they
    /// created end (a token must not outlive the secret that made it), their failed attempts are
    /// forgotten, with its audit event, in one transaction. Answers false, changing nothing, when
    /// the session it came in on ended meanwhile: an administrator's reset or a suspension while
    /// the change waited for the write lock is not undone by it.
    /// `keep_session` is the session `credential` names, which stays.
    pub async fn change_password(
        &self,
        user_id: i64,
        email: &str,
        credential: &Credential,
        keep_session: i64,
        password_hash: &str,
        event: &AuditEvent<'_>,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        if !still_signed_in(&mut tx, user_id, credential).await? {
            return Ok(false);
        }
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(user_id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
        revoke_tokens_of(&mut tx, user_id, event.at).await?;
        clear_failures(&mut tx, email).await?;
        event.insert(&mut tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    pub async fn end_session(&self, session_id: i64, event: &AuditEvent<'_>) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        event.insert(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Whether `user_id` is still active and signed in with `credential`: a change to their own
/// sign-in (a new password, two-factor) that waited behind their suspension or an administrator's
/// reset changes nothing.
async fn still_signed_in(
    tx: &mut sqlx::Transaction<'_, Any>,
    user_id: i64,
    credential: &Credential,
) -> StoreResult<bool> {
    let active: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1 AND status = 'active'")
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok(active.is_some() && credential_live(tx, user_id, credential).await?)
}

/// Forgets the failed attempts at an email's password from every address (after a change of the
/// password or a reset).
pub(super) async fn clear_failures(
    tx: &mut sqlx::Transaction<'_, Any>,
    email: &str,
) -> StoreResult<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email = $1")
        .bind(email)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The failures recorded since `since` that an attempt at `email` from `client_addr` is judged by.
async fn attempt_history(
    connection: &mut sqlx::AnyConnection,
    email: &str,
    client_addr: &str,
    since: Timestamp,
) -> StoreResult<AttemptHistory> {
    let (account, address) = (("email", email), ("client_addr", client_addr));
    Ok(AttemptHistory {
        account_here: failure_history(connection, &[account, address], since).await?,
        account: failure_history(connection, &[account], since).await?,
        address: failure_history(connection, &[address], since).await?,
    })
}

/// The failures recorded since `since` whose columns (`email`, `client_addr`) hold the values
/// given.
async fn failure_history(
    connection: &mut sqlx::AnyConnection,
    columns: &[(&'static str, &str)],
    since: Timestamp,
) -> StoreResult<FailureHistory> {
    let mut query = QueryBuilder::new(
        "SELECT COUNT(*) AS failures, MAX(at) AS last_at FROM sign_in_failures WHERE at > ",
    );
    query.push_bind(since);
    for (column, value) in columns {
        query
            .push(" AND ")
            .push(*column)
            .push(" = ")
            .push_bind((*value).to_owned());
    }
    let row = query.build().fetch_one(&mut *connection).await?;
    Ok(FailureHistory {
        failures: row.try_get("failures")?,
        last_at: row.try_get("last_at")?,
    })
}

/// What a sign-in checked of a user before starting anything: the stored hash its password was
/// verified against, and the organization they were a member of (`None`: not asked).
#[derive(Debug, Clone, Copy)]
pub struct PasswordCheck<'a> {
    pub hash: &'a str,
    pub member_of: Option<i64>,
}

/// How starting a session went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStart {
    Started,
    /// Another sign-in spent the same second factor a moment ago (a replay).
    CodeSpent,
    /// The password was reset or changed, or the user suspended or removed, while it was being
    /// verified.
    PasswordChanged,
}

/// Whether what a sign-in checked still holds: the password is still the one verified, the user
/// still active (and a member where asked). Argon2 runs outside any transaction, so a reset,
/// a change of password, a suspension or a removal can commit between the check and the
/// transaction that acts on it; that transaction then opens nothing.
pub(super) async fn password_still_holds(
    tx: &mut sqlx::Transaction<'_, Any>,
    user_id: i64,
    checked: PasswordCheck<'_>,
) -> StoreResult<bool> {
    let mut query = QueryBuilder::new("SELECT 1 AS holds FROM users WHERE id = ");
    query.push_bind(user_id);
    query.push(" AND status = 'active' AND password_hash = ");
    query.push_bind(checked.hash.to_owned());
    if let Some(org_id) = checked.member_of {
        query.push(" AND org_id = ");
        query.push_bind(org_id);
    }
    Ok(query.build().fetch_optional(&mut **tx).await?.is_some())
}

/// Spends the second factor of a sign-in: answers false when it was spent already (a replay), or
/// is no longer the user's (their two-factor was reset while the code was checked: the reset
/// forgot the recovery codes, and the app's codes with `totp_enrolled`).
pub(super) async fn spend_second_factor(
    tx: &mut sqlx::Transaction<'_, Any>,
    user_id: i64,
    second_factor: Option<SecondFactorUse>,
    now: Timestamp,
) -> StoreResult<bool> {
    let rows = match second_factor {
        None => return Ok(true),
        Some(SecondFactorUse::Totp { step }) => sqlx::query(
            "UPDATE users SET totp_last_step = $1 \
             WHERE id = $2 AND totp_enrolled = 1 AND (totp_last_step IS NULL OR totp_last_step < $3)",
        )
        .bind(step)
        .bind(user_id)
        .bind(step)
        .execute(&mut **tx)
        .await?
        .rows_affected(),
        Some(SecondFactorUse::RecoveryCode { id }) => {
            sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
                .bind(now)
                .bind(id)
                .execute(&mut **tx)
                .await?
                .rows_affected()
        }
    };
    Ok(rows == 1)
}

/// Stores a new session (the token's hash) for the user signing in as `event` records.
pub(super) async fn insert_session(
    tx: &mut sqlx::Transaction<'_, Any>,
    user_id: i64,
    token_hash: &str,
    event: &AuditEvent<'_>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, client_addr) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(event.at)
    .bind(event.at)
    .bind(event.at + crate::auth::SESSION_MAX_SECONDS)
    .bind(event.client_addr)
    .execute(&mut **tx)
    .await?;
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(event.at)
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
