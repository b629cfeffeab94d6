//! Sessions: proving who someone is (a password, then a second factor for users enrolled in
//! two-factor — every attempt reserved under the throttle before any password is hashed), starting
//! and ending a session, changing one's password, and enrolling in two-factor.

use roster_model::{
    new_password_problem, sign_in_email, ApiError, ErrorCode, OrgRole, UserStatus, MAX_EMAIL_LEN,
    MAX_PASSWORD_CHARS,
};

use crate::auth::{self, HashingBusy};
use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::host_sign_in::{HostSignIn, Refusal, Refused};
use crate::state::AppState;
use crate::store::Credential;
use crate::store::{
    AttemptAdmission, AuditEvent, Credentials, PasswordCheck, SecondFactorState, SecondFactorUse,
    SessionStart,
};
use crate::two_factor;

/// Signs in with email and password (and the second factor of a user enrolled in two-factor) and
/// starts a session. Answers who is signed in and the session's token.
pub async fn sign_in(
    state: &AppState,
    addr: &str,
    email: &str,
    password: String,
    code: Option<&str>,
) -> AppResult<(Caller, String)> {
    // Oversized input is refused before any work is done or anything is stored.
    if email.trim().len() > MAX_EMAIL_LEN {
        return Err(AppError::invalid(
            "email",
            format!("An email address is at most {MAX_EMAIL_LEN} characters long."),
        ));
    }
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(AppError::invalid(
            "password",
            format!("A password is at most {MAX_PASSWORD_CHARS} characters long."),
        ));
    }
    let email = sign_in_email(email);
    if email.is_empty() {
        return Err(AppError::invalid("email", "Enter your email address."));
    }
    if password.is_empty() {
        return Err(AppError::invalid("password", "Enter your password."));
    }
    let now = state.clock.now();
    let (credentials, second_factor) =
        authenticate(state, addr, &email, password, code, now).await?;
    let Some(org_id) = credentials.org_id else {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "Your user is not a member of an organization that uses Roster.",
        ));
    };
    let token = auth::new_token();
    let by_recovery_code = matches!(second_factor, Some(SecondFactorUse::RecoveryCode { .. }));
    let event = AuditEvent {
        org_id: Some(org_id),
        actor_id: Some(credentials.user_id),
        actor_label: &credentials.label,
        action: if by_recovery_code {
            "session.recovery_code_used"
        } else {
            "session.signed_in"
        },
        target_id: Some(credentials.user_id),
        target_label: Some(&credentials.label),
        details: serde_json::json!({}),
        client_addr: addr,
        at: now,
    };
    let token_hash = auth::token_hash(&token);
    let checked = PasswordCheck {
        hash: credentials.password_hash.as_deref().unwrap_or_default(),
        member_of: Some(org_id),
    };
    let started = state
        .store
        .start_session(
            credentials.user_id,
            &email,
            checked,
            &token_hash,
            second_factor,
            &event,
        )
        .await?;
    match started {
        SessionStart::Started => {}
        SessionStart::CodeSpent => return Err(invalid_code()),
        // Reset, changed, suspended or removed while the password was verified: what was
        // verified opens nothing now, as it would not a moment later; the log says so.
        SessionStart::PasswordChanged => {
            let known = (credentials.org_id, credentials.user_id);
            return Err(password_changed_meanwhile(state, known, &email, addr, now).await);
        }
    }
    let caller = Caller {
        user_id: credentials.user_id,
        name: credentials.label,
        email: credentials.email,
        org_id,
        role: credentials.role.unwrap_or(OrgRole::Member),
        client_addr: addr.to_owned(),
        must_enrol_two_factor: credentials.two_factor.must_enrol(),
        two_factor_enrolled: credentials.two_factor.secret.is_some(),
        password_hash: None,
        credential: Credential::Session { token_hash },
    };
    Ok((caller, token))
}

/// Ends the session `session_id` of `caller`.
pub async fn sign_out(state: &AppState, caller: &Caller, session_id: i64) -> AppResult<()> {
    let event = caller.own_event("session.signed_out", state.clock.now());
    Ok(state.store.end_session(session_id, &event).await?)
}

/// Replaces the caller's password, given their current one (throttled like sign-in). Their other
/// sessions and their API tokens end.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    session_id: i64,
    current: String,
    new: String,
) -> AppResult<()> {
    if let Some(problem) = new_password_problem(&new, &current, &caller.email) {
        return Err(AppError::invalid("new_password", problem));
    }
    let now = state.clock.now();
    verify_current_password(state, caller, current, now).await?;
    let hash = hash_new_password(state, new).await?;
    let event = caller.own_event("user.password_changed", now);
    let changed = state
        .store
        .change_password(
            caller.user_id,
            &caller.email,
            &caller.credential,
            session_id,
            &hash,
            &event,
        )
        .await?;
    if !changed {
        return Err(AppError::new(
            ErrorCode::Unauthorized,
            "Your session ended while your password was being changed, so it was not changed. Sign in to continue.",
        ));
    }
    Ok(())
}

/// Starts setting up two-factor for the caller, given their password again (a session alone must
/// not put another authenticator in front of the account): a new secret, kept on this session
/// until a code confirms it.
pub async fn begin_two_factor_setup(
    state: &AppState,
    caller: &Caller,
    session_id: i64,
    current_password: String,
) -> AppResult<roster_model::TwoFactorSetup> {
    if caller.two_factor_enrolled {
        return Err(already_enrolled());
    }
    verify_current_password(state, caller, current_password, state.clock.now()).await?;
    let secret = two_factor::new_secret();
    let setup = two_factor::setup(&secret, &caller.email).ok_or_else(|| {
        AppError::new(
            ErrorCode::Internal,
            "The two-factor secret could not be made.",
        )
    })?;
    state
        .store
        .begin_two_factor_setup(session_id, &secret)
        .await?;
    Ok(setup)
}

fn already_enrolled() -> AppError {
    AppError::new(
        ErrorCode::Conflict,
        "Two-factor sign-in is already set up for you.",
    )
}

/// Confirms the secret being set up (`pending`) with a code from the app; answers the recovery
/// codes, shown this once.
pub async fn confirm_two_factor(
    state: &AppState,
    caller: &Caller,
    pending: Option<String>,
    code: &str,
) -> AppResult<Vec<String>> {
    let Some(secret) = pending else {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "Start the set-up again: this session has no two-factor secret waiting for a code.",
        ));
    };
    let now = state.clock.now();
    // A guess at the code is an attempt like a sign-in's, under the same throttle: a session
    // alone (taken, or left open) must not try every code until one binds the holder's app.
    let (email, addr) = (caller.email.as_str(), caller.client_addr.as_str());
    let attempt = Attempt::reserve(state, email, addr, now).await?;
    let Some(step) = two_factor::matching_step(&secret, email, code, now, None) else {
        attempt
            .failed_by_caller(state, caller, "two_factor_setup_code", now)
            .await?;
        return Err(AppError::invalid(
            "code",
            "That code does not match. Check that the app shows a code for Roster and that your device's clock is right, then try the current code.",
        ));
    };
    attempt.release(state).await?;
    let recovery_codes = two_factor::new_recovery_codes();
    let digests: Vec<String> = recovery_codes
        .iter()
        .map(|code| two_factor::recovery_code_hash(code))
        .collect();
    let event = caller.own_event("user.two_factor_enrolled", now);
    if !state
        .store
        .enrol_two_factor(
            caller.user_id,
            &caller.credential,
            &secret,
            step,
            &digests,
            &event,
        )
        .await?
    {
        return Err(already_enrolled());
    }
    Ok(recovery_codes)
}

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
                |history| auth::wait_before_attempt(history, now),
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

    /// It failed, and it was the signed-in caller's own: recorded against them in their
    /// organization's log.
    pub async fn failed_by_caller(
        self,
        state: &AppState,
        caller: &Caller,
        reason: &'static str,
        now: i64,
    ) -> AppResult<()> {
        let known = Some((Some(caller.org_id), caller.user_id));
        let event = failure_event(known, &caller.email, &caller.client_addr, reason, now);
        self.failed(state, &event).await
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

/// The refusal of what a password verified a moment ago would open, now that it is no longer the
/// user's (`known`: their organization and id): answered as a wrong password and recorded as a
/// failed sign-in, reason `password_changed`.
pub async fn password_changed_meanwhile(
    state: &AppState,
    known: (Option<i64>, i64),
    email: &str,
    addr: &str,
    now: i64,
) -> AppError {
    let event = failure_event(Some(known), email, addr, "password_changed", now);
    match state.store.attempt_failed(&event).await {
        Ok(()) => password_mismatch(),
        Err(error) => error.into(),
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
            return Err(password_mismatch());
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

/// The one answer to a wrong email or a wrong password.
pub fn password_mismatch() -> AppError {
    AppError::from(
        ApiError::new(
            ErrorCode::Unauthorized,
            "That email and password do not match.",
        )
        .with_field("password"),
    )
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

/// Checks the signed-in caller's password, asked again before it is replaced or before what a
/// session alone must not do (set up two-factor, create an API or provisioning token), under the
/// same throttle as sign-in.
pub async fn verify_current_password(
    state: &AppState,
    caller: &Caller,
    password: String,
    now: i64,
) -> AppResult<()> {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(AppError::invalid(
            "current_password",
            "That is not your current password.",
        ));
    }
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
    attempt
        .failed_by_caller(state, caller, "current_password", now)
        .await?;
    Err(AppError::invalid(
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

/// The person an embedding host's token signs in, acting with their own organization role. A
/// refused token is a failed sign-in in the audit log: against the person it names when the
/// issuer's signature on it holds, and against nobody when it does not (its claims are then
/// anyone's words).
pub async fn host_caller(
    state: &AppState,
    sign_in: &HostSignIn,
    token: &str,
    addr: &str,
) -> AppResult<Caller> {
    let now = state.clock.now();
    let email = match sign_in.verify(token, now).await {
        Ok(email) => email,
        Err(Refused { refusal, email }) => {
            let email = email.filter(|_| refusal.signed_by_issuer());
            let known = match &email {
                Some(email) => state
                    .store
                    .credentials(email)
                    .await?
                    .map(|c| (c.org_id, c.user_id)),
                None => None,
            };
            let email = email.as_deref().unwrap_or("host token");
            let event = failure_event(known, email, addr, refusal.reason(), now);
            let routine = matches!(refusal, Refusal::Expired | Refusal::NotYetValid);
            return refuse_host_token(state, event, addr, routine).await;
        }
    };
    let Some(credentials) = state.store.credentials(&email).await? else {
        let event = failure_event(None, &email, addr, "host_token_unknown_user", now);
        return refuse_host_token(state, event, addr, false).await;
    };
    if credentials.status != UserStatus::Active || credentials.org_id.is_none() {
        let known = Some((credentials.org_id, credentials.user_id));
        let event = failure_event(known, &email, addr, "host_token_not_a_member", now);
        return refuse_host_token(state, event, addr, false).await;
    }
    Ok(Caller {
        user_id: credentials.user_id,
        name: credentials.label,
        email: credentials.email,
        org_id: credentials.org_id.unwrap_or_default(),
        role: credentials.role.unwrap_or(OrgRole::Member),
        client_addr: addr.to_owned(),
        // The issuer decides how people prove who they are, second factors included.
        must_enrol_two_factor: false,
        two_factor_enrolled: credentials.two_factor.secret.is_some(),
        password_hash: None,
        credential: Credential::HostToken,
    })
}

/// Refuses a host token, and records the refusal (audited) unless its client address is pausing:
/// past the free failures of an address (counted like failed passwords, apart from them), a
/// stream of forged tokens writes nothing more. Tokens that merely expired (or are not valid yet)
/// are routine, refreshed by the console, and never counted. Every refusal stays a 401, so a
/// console asks its host for a fresh token; valid tokens are never counted and keep working.
async fn refuse_host_token(
    state: &AppState,
    event: AuditEvent<'_>,
    addr: &str,
    routine: bool,
) -> AppResult<Caller> {
    let refused = || {
        Err(AppError::new(
            ErrorCode::Unauthorized,
            "The sign-in your console gave Roster is not valid: it expired, or it was not made for this Roster.",
        ))
    };
    let now = event.at;
    let counted_as = format!("host token from {}", auth::throttle_address(addr));
    let history = state
        .store
        .address_failures(&counted_as, now - auth::FAILURE_WINDOW_SECONDS)
        .await?;
    let address_only = auth::AttemptHistory {
        address: history,
        ..auth::AttemptHistory::default()
    };
    let pausing = auth::wait_before_attempt(address_only, now) > 0;
    if !pausing {
        let counted = (!routine).then_some(counted_as.as_str());
        state.store.host_token_refused(&event, counted).await?;
    }
    refused()
}
