//! Proving who someone is: a password, then a second factor for users enrolled in two-factor —
//! every attempt reserved under the throttle before any password is hashed.

use roster_model::{ApiError, ErrorCode, UserStatus};

use crate::auth::{self, HashingBusy};
use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{AttemptAdmission, AuditEvent, Credentials, SecondFactorState, SecondFactorUse};
use crate::two_factor;

/// A reserved attempt at one account's password or code, from one address.
pub struct Attempt {
    id: i64,
}

impl Attempt {
    /// Reserves an attempt, or answers 429 with how long to wait. Every caller that checks a
    /// password or a code goes through here first.
    pub async fn reserve(
        state: &AppState,
        email: &str,
        addr: &str,
        now: i64,
    ) -> AppResult<Attempt> {
        let admission = state
            .store
            .reserve_attempt(
                email,
                addr,
                now - auth::FAILURE_WINDOW_SECONDS,
                now,
                |account, address| auth::wait_before_attempt(account, address, now),
            )
            .await?;
        match admission {
            AttemptAdmission::Reserved(id) => Ok(Attempt { id }),
            AttemptAdmission::Wait(seconds) => Err(AppError::new(
                ErrorCode::RateLimited,
                format!(
                    "Too many failed attempts. Wait {} before trying again.",
                    wait_text(seconds)
                ),
            )
            .retry_after(seconds)),
        }
    }

    /// It was no failure: the right password (or a request that never got to check one).
    pub async fn release(self, state: &AppState) -> AppResult<()> {
        Ok(state.store.release_attempt(self.id).await?)
    }

    /// It failed: the reservation stays as a failure, and the audit log says why.
    pub async fn failed(self, state: &AppState, event: &AuditEvent<'_>) -> AppResult<()> {
        Ok(state.store.attempt_failed(event).await?)
    }
}

fn wait_text(seconds: i64) -> String {
    match seconds {
        ..=1 => "a second".to_owned(),
        2..=59 => format!("{seconds} seconds"),
        60..=119 => "a minute".to_owned(),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

/// The answer when the hashing threads are all busy: nothing was tried, so nothing is counted.
async fn busy(state: &AppState, attempt: Attempt) -> AppError {
    let _ = attempt.release(state).await;
    AppError::busy(1)
}

/// The failed sign-in of `email` from `addr`, for the audit log; a failure against a member's
/// email shows in their organization's log.
fn failure_event<'a>(
    known: Option<(Option<i64>, i64)>,
    email: &'a str,
    addr: &'a str,
    reason: &'static str,
    now: i64,
) -> AuditEvent<'a> {
    AuditEvent {
        org_id: known.and_then(|(org_id, _)| org_id),
        actor_id: None,
        actor_label: email,
        action: "session.sign_in_failed",
        target_id: known.map(|(_, user_id)| user_id),
        target_label: Some(email),
        details: serde_json::json!({ "reason": reason }),
        client_addr: addr,
        at: now,
    }
}

/// Checks an email and password as sign-in does — the same answer for a wrong email and a wrong
/// password, after the same work — then the second factor of a user enrolled in two-factor.
/// Answers the user and the second factor to spend with their new session.
pub async fn authenticate(
    state: &AppState,
    addr: &str,
    email: &str,
    password: String,
    code: Option<&str>,
    now: i64,
) -> AppResult<(Credentials, Option<SecondFactorUse>)> {
    let attempt = Attempt::reserve(state, email, addr, now).await?;
    let credentials = state.store.credentials(email).await?;
    let stored = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let verified = match state.hashing.verify(password, stored).await {
        Ok(verified) => verified,
        Err(HashingBusy) => return Err(busy(state, attempt).await),
    };
    let active = credentials
        .as_ref()
        .is_some_and(|c| c.status == UserStatus::Active);
    let credentials = match credentials {
        Some(credentials) if verified && active => credentials,
        other => {
            let known = other.map(|c| (c.org_id, c.user_id));
            attempt
                .failed(state, &failure_event(known, email, addr, "password", now))
                .await?;
            return Err(AppError::from(
                ApiError::new(
                    ErrorCode::Unauthorized,
                    "That email and password do not match.",
                )
                .with_field("password"),
            ));
        }
    };
    let known = Some((credentials.org_id, credentials.user_id));
    let judged = second_factor(
        state,
        &credentials.two_factor,
        credentials.user_id,
        &credentials.email,
        code,
        now,
    )
    .await?;
    let second_factor = match judged {
        SecondFactor::NotEnrolled => None,
        SecondFactor::Missing => {
            // The password was right; the form just asks for the code.
            attempt.release(state).await?;
            return Err(code_required());
        }
        SecondFactor::Wrong => {
            attempt
                .failed(state, &failure_event(known, email, addr, "two_factor", now))
                .await?;
            return Err(invalid_code());
        }
        SecondFactor::Spends(used) => Some(used),
    };
    attempt.release(state).await?;
    Ok((credentials, second_factor))
}

/// What a user's second factor comes to for one attempt.
pub enum SecondFactor {
    /// The user is not enrolled: no code is needed.
    NotEnrolled,
    /// Enrolled, and no code was given.
    Missing,
    Wrong,
    /// A valid code, to be spent in the transaction that acts on it.
    Spends(SecondFactorUse),
}

/// Judges `code` against the user's second factor: a current authenticator code not used
/// before, or one of their unused recovery codes.
pub async fn second_factor(
    state: &AppState,
    standing: &SecondFactorState,
    user_id: i64,
    email: &str,
    code: Option<&str>,
    now: i64,
) -> AppResult<SecondFactor> {
    let Some(secret) = &standing.secret else {
        return Ok(SecondFactor::NotEnrolled);
    };
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(SecondFactor::Missing);
    };
    if two_factor::looks_like_recovery_code(code) {
        let digest = two_factor::recovery_code_hash(code);
        let used = state.store.recovery_code(user_id, &digest).await?;
        return Ok(used.map_or(SecondFactor::Wrong, |id| {
            SecondFactor::Spends(SecondFactorUse::RecoveryCode { id })
        }));
    }
    Ok(
        two_factor::matching_step(secret, email, code, now, standing.last_step)
            .map_or(SecondFactor::Wrong, |step| {
                SecondFactor::Spends(SecondFactorUse::Totp { step })
            }),
    )
}

pub fn code_required() -> AppError {
    AppError::from(
        ApiError::new(
            ErrorCode::TwoFactorCodeRequired,
            "Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
        )
        .with_field("code"),
    )
}

pub fn invalid_code() -> AppError {
    AppError::from(
        ApiError::new(
            ErrorCode::Unauthorized,
            "That code is not valid. Codes change every 30 seconds and each works once; a recovery code works once too.",
        )
        .with_field("code"),
    )
}

/// Checks the signed-in caller's current password before it is replaced, under the same
/// throttle as sign-in.
pub async fn verify_current_password(
    state: &AppState,
    caller: &Caller,
    password: String,
    now: i64,
) -> AppResult<()> {
    let (email, addr) = (caller.email.as_str(), caller.client_addr.as_str());
    let attempt = Attempt::reserve(state, email, addr, now).await?;
    let stored = caller.password_hash.clone();
    let verified = match state.hashing.verify(password, stored).await {
        Ok(verified) => verified,
        Err(HashingBusy) => return Err(busy(state, attempt).await),
    };
    if verified {
        return attempt.release(state).await;
    }
    let known = Some((Some(caller.org_id), caller.user_id));
    attempt
        .failed(
            state,
            &failure_event(known, email, addr, "current_password", now),
        )
        .await?;
    Err(AppError::bad_field(
        "current_password",
        "That is not your current password.",
    ))
}

/// The Argon2 hash of a new password, on a hashing thread.
pub async fn hash_new_password(state: &AppState, password: String) -> AppResult<String> {
    match state.hashing.hash(password).await {
        Ok(Ok(hash)) => Ok(hash),
        Ok(Err(_)) => Err(AppError::new(
            ErrorCode::Internal,
            "The new password could not be stored.",
        )),
        Err(HashingBusy) => Err(AppError::busy(1)),
    }
}
