//! Invitations to the organization: checking addresses under the verified-domain rule, inviting
//! many at once (idempotently), resending, revoking, and accepting by link.

use std::collections::HashMap;

use roster_model::{
    check_addresses_locally, email_domain, name_problem, new_password_problem, AcceptInvitation,
    AddressCheck, ErrorCode, ExternalAccess, InvitationActionResponse, InvitationActionResult,
    InvitationOffer, InvitationPreview, InvitationState, InviteOutcome, InviteProblem,
    InviteResponse, InviteResult, InvitedAccount, NewInvitations, OrgRole, UserStatus,
    MAX_INVITE_ACCOUNTS, MAX_INVITE_EMAILS, MAX_PASSWORD_CHARS,
};
use sha2::{Digest, Sha256};

use super::accounts::checked_grants;
use super::session::{authenticate, hash_new_password, password_changed_meanwhile};
use crate::auth;
use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::mail::InvitationMail;
use crate::state::AppState;
use crate::store::Credential;
use crate::store::{
    Acceptance, AuditEvent, IdempotentAnswer, Invitee, LinkedInvitation, MailQuota, NewPerson,
    PasswordCheck, PlannedInvitation, Renewal, NO_LONGER_ACTS,
};

/// The answer to an invitation request, as JSON text: new, or the first answer replayed for a
/// repeated Idempotency-Key.
pub struct InviteAnswer {
    pub body: String,
    pub replayed: bool,
}

/// What one address comes to.
pub(super) enum Assessed {
    Problem(String, InviteProblem),
    /// Can be invited: the user it belongs to (if any) and the expired invitation it replaces.
    Invitable {
        email: String,
        existing: Option<Invitee>,
    },
}

/// Checks each address: it must be on a verified domain of the organization (anyone else gets access
/// per account instead), and not belong to a member, to someone invited already, or to another
/// organization's member.
pub(super) async fn assess(
    state: &AppState,
    org_id: i64,
    emails: &[String],
    now: i64,
) -> AppResult<Vec<Assessed>> {
    let verified = state.store.verified_domains(org_id).await?;
    let checked = check_addresses_locally(emails, &verified);
    let valid: Vec<String> = checked
        .iter()
        .filter(|(_, problem)| problem.is_none())
        .map(|(email, _)| email.clone())
        .collect();
    let mut invitees = state.store.invitees(org_id, &valid).await?;
    Ok(checked
        .into_iter()
        .map(|(email, problem)| {
            if let Some(problem) = problem {
                return Assessed::Problem(email, problem);
            }
            let existing = invitees.remove(&email);
            let problem = existing.as_ref().and_then(|invitee| match invitee.org_id {
                Some(org) if org == org_id => Some(InviteProblem::AlreadyMember),
                Some(_) => Some(InviteProblem::OtherOrganization),
                None => invitee
                    .pending
                    .filter(|&(_, expires_at)| expires_at > now)
                    .map(|_| InviteProblem::AlreadyInvited),
            });
            match problem {
                Some(problem) => Assessed::Problem(email, problem),
                None => Assessed::Invitable { email, existing },
            }
        })
        .collect())
}

fn check_batch_size(emails: &[String]) -> AppResult<()> {
    if emails.is_empty() {
        return Err(AppError::invalid(
            "emails",
            "Enter at least one email address.",
        ));
    }
    if emails.len() > MAX_INVITE_EMAILS {
        return Err(AppError::invalid(
            "emails",
            format!("Send at most {MAX_INVITE_EMAILS} addresses per request."),
        ));
    }
    Ok(())
}

/// How each address would fare, as the invite wizard shows while the admin types.
pub async fn check(
    state: &AppState,
    caller: &Caller,
    emails: &[String],
) -> AppResult<Vec<AddressCheck>> {
    check_batch_size(emails)?;
    let assessed = assess(state, caller.org_id, emails, state.clock.now()).await?;
    Ok(assessed
        .into_iter()
        .map(|a| match a {
            Assessed::Problem(email, problem) => AddressCheck {
                email,
                problem: Some(problem),
                message: Some(problem.message().to_owned()),
                existing_user: false,
                reinvite: false,
            },
            Assessed::Invitable { email, existing } => AddressCheck {
                email,
                problem: None,
                message: None,
                existing_user: existing.as_ref().is_some_and(|i| i.has_password),
                reinvite: existing.is_some_and(|i| i.pending.is_some()),
            },
        })
        .collect())
}

/// What every invitation of one request shares.
pub(super) struct Inviting<'a> {
    pub organization: &'a str,
    pub invited_by: &'a str,
    /// The accounts it gives access to, with the roles, for the mail.
    pub accounts: &'a [InvitedAccount],
    pub expires_at: i64,
}

/// One organization invitation to an address that can be invited: its result, and the invitation
/// (with its mail) for the store to write.
pub(super) fn plan(
    state: &AppState,
    inviting: &Inviting<'_>,
    email: String,
    existing: Option<Invitee>,
) -> (InviteResult, PlannedInvitation) {
    let token = auth::new_token();
    let link = format!("{}/accept/{token}", state.settings.public_url);
    let mail = InvitationMail {
        to: &email,
        organization: inviting.organization,
        invited_by: inviting.invited_by,
        accounts: inviting.accounts,
        link: &link,
        expires_at: inviting.expires_at,
        account_only: false,
    }
    .render();
    let replaces = existing.as_ref().and_then(|i| i.pending).map(|(id, _)| id);
    let result = InviteResult {
        email: email.clone(),
        outcome: if replaces.is_some() {
            InviteOutcome::Reinvited
        } else {
            InviteOutcome::Invited
        },
        problem: None,
        message: None,
        existing_user: existing.as_ref().is_some_and(|i| i.has_password),
    };
    let invitation = PlannedInvitation {
        email,
        user_id: existing.map(|i| i.user_id),
        replaces,
        token_hash: auth::token_hash(&token),
        expires_at: inviting.expires_at,
        mail,
    };
    (result, invitation)
}

fn request_hash(request: &NewInvitations) -> String {
    let canonical = serde_json::to_vec(request).unwrap_or_default();
    crate::hex::encode(&Sha256::digest(&canonical))
}

/// The answer recorded for the caller's repeated request (keys are each caller's own), or a refusal
/// when the key served another of their requests.
async fn replay(
    state: &AppState,
    caller: &Caller,
    key: &str,
    hash: &str,
) -> AppResult<Option<InviteAnswer>> {
    let now = state.clock.now();
    let recorded = state
        .store
        .recorded_answer(caller.org_id, caller.user_id, key, now)
        .await?;
    let Some(recorded) = recorded else {
        return Ok(None);
    };
    if recorded.request_hash != hash {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
        ));
    }
    Ok(Some(InviteAnswer {
        body: recorded.body,
        replayed: true,
    }))
}

/// Invites every address with the same account roles, under the verified-domain rule (see
/// `check_addresses_locally`). Each address succeeds or fails on its own; with an Idempotency-Key,
/// repeating the request replays the first answer instead of inviting twice.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    key: Option<&str>,
    request: &NewInvitations,
) -> AppResult<InviteAnswer> {
    check_batch_size(&request.emails)?;
    let hash = request_hash(request);
    if let Some(key) = key {
        if let Some(answer) = replay(state, caller, key, &hash).await? {
            return Ok(answer);
        }
    }
    if request.accounts.len() > MAX_INVITE_ACCOUNTS {
        return Err(AppError::invalid(
            "accounts",
            format!("Choose at most {MAX_INVITE_ACCOUNTS} accounts per invitation."),
        ));
    }
    let accounts = checked_grants(state, caller.org_id, &request.accounts).await?;
    let now = state.clock.now();
    let organization = super::organization(state, caller.org_id).await?;
    let expires_at = now + state.settings.invitation_ttl_seconds;

    let mut results = Vec::with_capacity(request.emails.len());
    let mut planned = Vec::new();
    for assessed in assess(state, caller.org_id, &request.emails, now).await? {
        match assessed {
            Assessed::Problem(email, problem) => results.push(InviteResult {
                email,
                outcome: InviteOutcome::Failed,
                problem: Some(problem),
                message: Some(problem.message().to_owned()),
                existing_user: false,
            }),
            Assessed::Invitable { email, existing } => {
                let (result, invitation) = plan(
                    state,
                    &Inviting {
                        organization: &organization.name,
                        invited_by: &caller.name_and_email(),
                        accounts: &accounts,
                        expires_at,
                    },
                    email,
                    existing,
                );
                results.push(result);
                planned.push(invitation);
            }
        }
    }
    let response = InviteResponse { results };
    let body = serde_json::to_string(&response)
        .map_err(|_| AppError::new(ErrorCode::Internal, "The answer could not be written."))?;
    let answer = key.map(|key| IdempotentAnswer {
        user_id: caller.user_id,
        key,
        request_hash: &hash,
        status: 200,
        body: &body,
    });
    let actor = caller.actor(now);
    let written = state
        .store
        .create_invitations(&actor, &request.accounts, &planned, answer.as_ref())
        .await;
    if !matches!(written, Ok(true)) {
        // The same request may have been answered meanwhile (a retry racing the first try).
        if let Some(key) = key {
            if let Some(answer) = replay(state, caller, key, &hash).await? {
                return Ok(answer);
            }
        }
        written?;
        return Err(AppError::new(
            ErrorCode::Conflict,
            "Some of these addresses changed a moment ago (someone invited them, they joined an organization, or their domain is no longer verified). Nothing was sent: check the addresses again and send.",
        ));
    }
    state.mailer.wake();
    Ok(InviteAnswer {
        body,
        replayed: false,
    })
}

fn check_ids(ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() || ids.len() > MAX_INVITE_EMAILS {
        return Err(AppError::invalid(
            "ids",
            format!("Choose 1 to {MAX_INVITE_EMAILS} invitations."),
        ));
    }
    Ok(())
}

fn not_pending(id: i64) -> InvitationActionResult {
    InvitationActionResult {
        id,
        email: None,
        ok: false,
        message: Some(
            "There is no pending invitation with this id: it may have been accepted or revoked."
                .to_owned(),
        ),
    }
}

/// Sends each invitation again with a new link and a new expiry, except one sent within the
/// cooldown, or one to join the organization whose address is no longer on a verified domain of
/// it (it could not be accepted); a result per invitation.
pub async fn resend(
    state: &AppState,
    caller: &Caller,
    ids: &[i64],
) -> AppResult<InvitationActionResponse> {
    check_ids(ids)?;
    let now = state.clock.now();
    let cooldown = state.settings.resend_cooldown_seconds;
    let organization = super::organization(state, caller.org_id).await?;
    let pending: HashMap<i64, _> = state
        .store
        .pending_invitations(caller.org_id, ids)
        .await?
        .into_iter()
        .map(|invite| (invite.id, invite))
        .collect();
    let actor = caller.actor(now);
    let mut results = Vec::with_capacity(ids.len());
    let mut batch = super::Batch::default();
    for &id in ids {
        if batch.stopped() {
            results.push(InvitationActionResult {
                id,
                email: None,
                ok: false,
                message: Some(NO_LONGER_ACTS.to_owned()),
            });
            continue;
        }
        let Some(invite) = pending.get(&id) else {
            results.push(not_pending(id));
            continue;
        };
        let last_sent = invite.last_sent_at.unwrap_or(invite.sent_at);
        let wait = last_sent + cooldown - now;
        if wait > 0 {
            results.push(InvitationActionResult {
                id,
                email: Some(invite.email.clone()),
                ok: false,
                message: Some({
                    let minutes = (wait + 59) / 60;
                    let plural = if minutes == 1 { "" } else { "s" };
                    format!("It was sent moments ago; it can be sent again in {minutes} minute{plural}.")
                }),
            });
            continue;
        }
        let token = auth::new_token();
        let expires_at = now + state.settings.invitation_ttl_seconds;
        let link = format!("{}/accept/{token}", state.settings.public_url);
        let mail = InvitationMail {
            to: &invite.email,
            organization: &organization.name,
            invited_by: &caller.name_and_email(),
            accounts: &invite.accounts,
            link: &link,
            expires_at,
            account_only: invite.account_only,
        }
        .render();
        let quota = if invite.account_only {
            MailQuota::OutsideOf {
                org_id: caller.org_id,
                per_day: state.settings.outside_mail_per_day,
            }
        } else {
            MailQuota::Unlimited
        };
        let token_hash = auth::token_hash(&token);
        let renewal = state.store.renew_invitation(
            &actor,
            id,
            now - cooldown,
            &token_hash,
            expires_at,
            &mail,
            quota,
        );
        let renewal = batch.item(renewal).await?;
        results.push(InvitationActionResult {
            id,
            email: Some(invite.email.clone()),
            ok: renewal == Ok(Renewal::Renewed),
            message: match renewal {
                Ok(Renewal::Renewed) => None,
                Ok(Renewal::Gone) => {
                    Some("It was sent again or withdrawn by someone else a moment ago.".to_owned())
                }
                Ok(Renewal::OverQuota(reached)) => Some(reached.message().to_owned()),
                Ok(Renewal::DomainNotVerified) => Some(format!(
                    "{} is no longer a verified domain of this organization, so this invitation \
                     cannot be accepted. Verify the domain again on the Domains page, or revoke the \
                     invitation and give the person access to single accounts instead.",
                    email_domain(&invite.email).unwrap_or_default()
                )),
                Err(refusal) => Some(refusal.to_owned()),
            },
        });
    }
    state.mailer.wake();
    Ok(InvitationActionResponse { results })
}

/// Revokes each invitation: its link stops working. A result per invitation.
pub async fn revoke(
    state: &AppState,
    caller: &Caller,
    ids: &[i64],
) -> AppResult<InvitationActionResponse> {
    check_ids(ids)?;
    let actor = caller.actor(state.clock.now());
    let mut results = Vec::with_capacity(ids.len());
    let mut batch = super::Batch::default();
    for &id in ids {
        results.push(
            match batch
                .item(state.store.revoke_invitation(&actor, id))
                .await?
            {
                Ok(Some(email)) => InvitationActionResult {
                    id,
                    email: Some(email),
                    ok: true,
                    message: None,
                },
                Ok(None) => not_pending(id),
                Err(refusal) => InvitationActionResult {
                    id,
                    email: None,
                    ok: false,
                    message: Some(refusal.to_owned()),
                },
            },
        );
    }
    Ok(InvitationActionResponse { results })
}

async fn linked(state: &AppState, token: &str) -> AppResult<LinkedInvitation> {
    state
        .store
        .invitation_by_token(&auth::token_hash(token), state.clock.now())
        .await?
        .ok_or_else(|| {
            AppError::not_found(
                "This invitation link is not valid. If you were sent a newer invitation email, use the link in that one.",
            )
        })
}

/// What an invitation link shows without a session: its state and, only while it can be
/// accepted, what it offers (a pending invitation to join whose address is no longer on a
/// verified domain of the organization offers nothing).
pub async fn preview(state: &AppState, token: &str) -> AppResult<InvitationPreview> {
    let invitation = linked(state, token).await?;
    let acceptable = invitation.state == InvitationState::Pending
        && (invitation.account_only || invitation.domain_verified);
    let offer = acceptable.then(|| InvitationOffer {
        email: invitation.email,
        organization: invitation.organization,
        invited_by: invitation.invited_by,
        accounts: invitation.accounts.into_iter().map(|(_, a)| a).collect(),
        expires_at: invitation.expires_at,
        existing_user: invitation.status != UserStatus::Invited,
        account_only: invitation.account_only,
    });
    Ok(InvitationPreview {
        state: invitation.state,
        offer,
    })
}

const NO_LONGER_ON_A_VERIFIED_DOMAIN: &str = "This invitation can no longer be accepted: the \
     organization no longer has your address's domain verified. Ask the person who invited you.";

fn unavailable(state: InvitationState) -> AppError {
    let message = match state {
        InvitationState::Expired => {
            "This invitation has expired. Ask the person who invited you to send it again."
        }
        InvitationState::Accepted => "This invitation was already accepted. Sign in instead.",
        InvitationState::Revoked => "This invitation was withdrawn.",
        InvitationState::Pending => "This invitation can no longer be accepted.",
    };
    AppError::new(ErrorCode::Conflict, message)
}

/// What accepting an invitation gave.
pub enum Accepted {
    /// Membership of the organization, and a session (its caller and token).
    Member(Caller, String),
    /// Access to accounts alone, as an external user: no session.
    External(ExternalAccess),
}

/// Accepts an invitation by its link (no session needed). A new person chooses a name and
/// password; an existing user proves it is them with their password (and two-factor code).
pub async fn accept(
    state: &AppState,
    addr: &str,
    request: &AcceptInvitation,
) -> AppResult<Accepted> {
    let invitation = linked(state, &request.token).await?;
    if invitation.state != InvitationState::Pending {
        return Err(unavailable(invitation.state));
    }
    // An external user may belong to any organization; a managed user to one at a time.
    if invitation.member_of.is_some() && !invitation.account_only {
        return Err(AppError::new(
            ErrorCode::Conflict,
            InviteProblem::OtherOrganization.message(),
        ));
    }
    // Joining needs the address on a verified domain of the organization now, as inviting did:
    // the domain may since have been removed, or gone to another organization.
    if !invitation.account_only && !invitation.domain_verified {
        return Err(AppError::new(
            ErrorCode::Conflict,
            NO_LONGER_ON_A_VERIFIED_DOMAIN,
        ));
    }
    // Only someone who never had a password chooses one here. A suspended user is not let back
    // in by another invitation; one whose password was reset finishes the reset first (its link
    // asks for their two-factor code), rather than choosing a password here without it.
    match (invitation.status, invitation.password_hash.is_some()) {
        (UserStatus::Disabled, _) => {
            return Err(AppError::new(
                ErrorCode::Forbidden,
                "This user is suspended by their organization and cannot accept invitations until it restores them.",
            ))
        }
        (UserStatus::Active, false) => {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "Your password was reset. Choose a new one with the link you were emailed, then accept this invitation.",
            ))
        }
        _ => {}
    }
    let now = state.clock.now();
    let given = request.given_name.trim();
    let family = request.family_name.trim();
    // An existing user proves who they are with their password; the hash it was checked
    // against is checked again where the invitation is accepted.
    let mut checked: Option<(String, Option<i64>)> = None;
    let (new_password_hash, second_factor, label) = if invitation.status == UserStatus::Invited {
        if let Some((field, problem)) = name_problem(given, family) {
            return Err(AppError::invalid(field, problem));
        }
        if let Some(problem) = new_password_problem(&request.password, "", &invitation.email) {
            return Err(AppError::invalid("password", problem));
        }
        let hash = hash_new_password(state, request.password.clone()).await?;
        let label = roster_model::display_name(given, family, &invitation.email);
        (Some(hash), None, label)
    } else {
        if request.password.is_empty() {
            return Err(AppError::invalid("password", "Enter your password."));
        }
        if request.password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(AppError::invalid(
                "password",
                format!("A password is at most {MAX_PASSWORD_CHARS} characters long."),
            ));
        }
        let (credentials, second_factor) = authenticate(
            state,
            addr,
            &invitation.email,
            request.password.clone(),
            request.code.as_deref(),
            now,
        )
        .await?;
        checked = Some((
            credentials.password_hash.unwrap_or_default(),
            credentials.org_id,
        ));
        (None, second_factor, credentials.label)
    };
    let new_person = new_password_hash.as_deref().map(|hash| NewPerson {
        given_name: given,
        family_name: family,
        password_hash: hash,
    });
    let token = auth::new_token();
    let event = AuditEvent {
        org_id: Some(invitation.org_id),
        actor_id: Some(invitation.user_id),
        actor_label: &label,
        action: "invitation.accepted",
        target_id: Some(invitation.user_id),
        target_label: Some(&invitation.email),
        details: serde_json::json!({ "invitation_id": invitation.id }),
        client_addr: addr,
        at: now,
    };
    // Access to accounts alone opens no console session: the console is the organization's.
    let session_hash = (!invitation.account_only).then(|| auth::token_hash(&token));
    let accepted = state
        .store
        .accept_invitation(
            &invitation,
            new_person.as_ref(),
            checked.as_ref().map(|(hash, _)| PasswordCheck {
                hash,
                member_of: None,
            }),
            second_factor,
            session_hash.as_deref(),
            &event,
        )
        .await?;
    match accepted {
        Acceptance::Accepted => {}
        Acceptance::Unavailable => return Err(unavailable(InvitationState::Pending)),
        Acceptance::PasswordChanged => {
            let known = (checked.and_then(|(_, org_id)| org_id), invitation.user_id);
            let email = &invitation.email;
            return Err(password_changed_meanwhile(state, known, email, addr, now).await);
        }
    }
    // Access to accounts alone opened no session.
    let Some(token_hash) = session_hash else {
        return Ok(Accepted::External(ExternalAccess {
            organization: invitation.organization,
            accounts: invitation.accounts.into_iter().map(|(_, a)| a).collect(),
        }));
    };
    let caller = Caller {
        user_id: invitation.user_id,
        name: label.clone(),
        email: invitation.email.clone(),
        org_id: invitation.org_id,
        role: OrgRole::Member,
        client_addr: addr.to_owned(),
        must_enrol_two_factor: invitation.two_factor.must_enrol(),
        two_factor_enrolled: invitation.two_factor.secret.is_some(),
        password_hash: None,
        credential: Credential::Session { token_hash },
    };
    Ok(Accepted::Member(caller, token))
}
