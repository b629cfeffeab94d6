//! An administrator's password reset, and the person choosing a new password with the single-use
//! link it mails them. The old password stops working at the reset, not when the new one is set.

use roster_model::{
    new_password_problem, ErrorCode, LinkState, OrgRole, PasswordResetPreview, UserStatus,
    PASSWORD_RESET_SECONDS,
};

use super::session::{
    code_required, hash_new_password, invalid_code, second_factor, Attempt, SecondFactor,
};
use crate::auth;
use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::mail::password_reset_mail;
use crate::state::AppState;
use crate::store::Credential;
use crate::store::{Actor, AuditEvent, NewResetLink, ResetLink, UpdateOutcome};

/// Resets `user_id`'s password for `actor` (at `expected` version, or as they are for a bulk
/// action) and mails them a link to choose a new one.
pub async fn reset(
    state: &AppState,
    actor: &Actor<'_>,
    organization: &str,
    user_id: i64,
    expected: Option<i64>,
) -> AppResult<UpdateOutcome> {
    let token = auth::new_token();
    let expires_at = actor.at + PASSWORD_RESET_SECONDS;
    let link = format!("{}/password/{token}", state.settings.public_url);
    // Addressed where the reset is made, to the email the user has then: an identity provider
    // may change it meanwhile, and the old address may be someone else's now.
    let mail = |to: &str| password_reset_mail(to, organization, &link, expires_at);
    let new_link = NewResetLink {
        token_hash: &auth::token_hash(&token),
        expires_at,
    };
    let outcome = state
        .store
        .reset_password(actor, user_id, expected, &new_link, mail)
        .await?;
    if outcome == UpdateOutcome::Updated {
        state.mailer.wake();
    }
    Ok(outcome)
}

async fn link(state: &AppState, token: &str) -> AppResult<ResetLink> {
    state
        .store
        .reset_link(&auth::token_hash(token), state.clock.now())
        .await?
        .ok_or_else(|| {
            AppError::not_found(
                "This link is not valid. If you were sent a newer email about your password, use the link in that one.",
            )
        })
}

/// What a link opens. Only a link that still works says whose password it sets.
pub async fn preview(state: &AppState, token: &str) -> AppResult<PasswordResetPreview> {
    let link = link(state, token).await?;
    if link.state != LinkState::Pending {
        return Ok(PasswordResetPreview {
            state: link.state,
            email: None,
            organization: None,
            two_factor: false,
            expires_at: None,
        });
    }
    Ok(PasswordResetPreview {
        state: link.state,
        email: Some(link.email),
        organization: link.organization,
        two_factor: link.two_factor.secret.is_some(),
        expires_at: Some(link.expires_at),
    })
}

fn unusable(state: LinkState) -> AppError {
    let message = match state {
        LinkState::Used => "This link was used already. Sign in with the password you chose.",
        LinkState::Expired => "This link has expired. Ask an administrator of your organization to reset your password again.",
        LinkState::Pending => "This link can no longer be used. Ask an administrator of your organization to reset your password again.",
    };
    AppError::new(ErrorCode::Conflict, message)
}

/// Sets the new password with the link's `token` (and the second factor of a user enrolled in
/// two-factor), then signs the person in. Answers the new session's caller and token.
pub async fn complete(
    state: &AppState,
    addr: &str,
    token: &str,
    password: &str,
    code: Option<&str>,
) -> AppResult<(Caller, String)> {
    let link = link(state, token).await?;
    if link.state != LinkState::Pending {
        return Err(unusable(link.state));
    }
    let (Some(org_id), UserStatus::Active) = (link.org_id, link.status) else {
        return Err(unusable(LinkState::Pending));
    };
    if let Some(problem) = new_password_problem(password, "", &link.email) {
        return Err(AppError::invalid("password", problem));
    }
    let now = state.clock.now();
    let second_factor = if link.two_factor.secret.is_some() {
        // A code guessed through this page counts like one guessed at sign-in.
        let attempt = Attempt::reserve(state, &link.email, addr, now).await?;
        let code = code.map(str::trim).filter(|c| !c.is_empty());
        match second_factor(
            state,
            &link.two_factor,
            link.user_id,
            &link.email,
            code,
            now,
        )
        .await?
        {
            SecondFactor::Spends(used) => {
                attempt.release(state).await?;
                Some(used)
            }
            SecondFactor::Missing | SecondFactor::NotEnrolled => {
                attempt.release(state).await?;
                return Err(code_required());
            }
            SecondFactor::Wrong => {
                let event = AuditEvent {
                    org_id: Some(org_id),
                    actor_id: None,
                    actor_label: &link.email,
                    action: "session.sign_in_failed",
                    target_id: Some(link.user_id),
                    target_label: Some(&link.email),
                    details: serde_json::json!({ "reason": "two_factor" }),
                    client_addr: addr,
                    at: now,
                };
                attempt.failed(state, &event).await?;
                return Err(invalid_code());
            }
        }
    } else {
        None
    };
    let hash = hash_new_password(state, password.to_owned()).await?;
    let session_token = auth::new_token();
    let event = AuditEvent {
        org_id: Some(org_id),
        actor_id: Some(link.user_id),
        actor_label: &link.label,
        action: "user.password_set",
        target_id: Some(link.user_id),
        target_label: Some(&link.label),
        details: serde_json::json!({}),
        client_addr: addr,
        at: now,
    };
    let token_hash = auth::token_hash(&session_token);
    let done = state
        .store
        .complete_password_reset(&link, &hash, second_factor, &token_hash, &event)
        .await?;
    if !done {
        return Err(unusable(LinkState::Used));
    }
    let role = link.role.unwrap_or(OrgRole::Member);
    let caller = Caller {
        user_id: link.user_id,
        name: link.label.clone(),
        email: link.email.clone(),
        org_id,
        role,
        client_addr: addr.to_owned(),
        must_enrol_two_factor: link.two_factor.must_enrol(),
        two_factor_enrolled: link.two_factor.secret.is_some(),
        password_hash: None,
        credential: Credential::Session { token_hash },
    };
    Ok((caller, session_token))
}
