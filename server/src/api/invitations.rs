//! Invitations: checking addresses, inviting many at once (idempotently), resending, revoking, and
//! accepting by link.

use std::collections::HashMap;

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use roster_model::{
    check_addresses_locally, name_problem, new_password_problem, AcceptInvitation, AccountGrant,
    AddressCheck, CheckAddresses, ErrorCode, ExternalAccess, InvitationActionResponse,
    InvitationActionResult, InvitationIds, InvitationOffer, InvitationPreview, InvitationState,
    InviteOutcome, InviteProblem, InviteResponse, InviteResult, InvitedAccount, NewInvitations,
    OrgRole, MAX_INVITE_ACCOUNTS, MAX_INVITE_EMAILS, MAX_PASSWORD_CHARS,
};
use sha2::{Digest, Sha256};

use super::{load_organization, signed_in};
use crate::auth;
use crate::authz::{client, Caller, Manager};
use crate::error::{AppError, AppResult};
use crate::mail::InvitationMail;
use crate::ops::sign_in::{authenticate, hash_new_password};
use crate::state::AppState;
use crate::store::{
    Actor, AuditEvent, IdempotentAnswer, Invitee, LinkedInvitation, MailQuota, NewPerson,
    PlannedInvitation, Renewal, OUTSIDE_MAIL_QUOTA_REACHED,
};

const IDEMPOTENCY_HEADER: &str = "idempotency-key";
const MAX_IDEMPOTENCY_KEY_LEN: usize = 200;

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> AppResult<T> {
    body.map(|Json(value)| value).map_err(AppError::from)
}

/// What one address comes to.
enum Assessed {
    Problem(String, InviteProblem),
    /// Can be invited: the user it belongs to (if any) and the expired invitation it replaces.
    Invitable {
        email: String,
        existing: Option<Invitee>,
    },
}

/// Applies rule 2 (verified domains) and the membership and invitation checks to each address.
async fn assess(
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
        return Err(AppError::bad_field(
            "emails",
            "Enter at least one email address.",
        ));
    }
    if emails.len() > MAX_INVITE_EMAILS {
        return Err(AppError::bad_field(
            "emails",
            format!("Send at most {MAX_INVITE_EMAILS} addresses per request."),
        ));
    }
    Ok(())
}

/// `POST /invitations/check`: how each address would fare, as the wizard shows while typing.
pub async fn check(
    State(state): State<AppState>,
    Manager(caller): Manager,
    body: Result<Json<CheckAddresses>, JsonRejection>,
) -> AppResult<Json<Vec<AddressCheck>>> {
    let request = json_body(body)?;
    check_batch_size(&request.emails)?;
    let assessed = assess(&state, caller.org_id, &request.emails, state.clock.now()).await?;
    Ok(Json(
        assessed
            .into_iter()
            .map(|a| match a {
                Assessed::Problem(email, problem) => AddressCheck {
                    email,
                    problem: Some(problem),
                    existing_user: false,
                    reinvite: false,
                },
                Assessed::Invitable { email, existing } => AddressCheck {
                    email,
                    problem: None,
                    existing_user: existing.as_ref().is_some_and(|i| i.has_password),
                    reinvite: existing.is_some_and(|i| i.pending.is_some()),
                },
            })
            .collect(),
    ))
}

/// The accounts of a request, checked: each once, each the organization's, each with a role.
/// Answers their names with the roles (for the invitation mail).
pub(super) async fn checked_grants(
    state: &AppState,
    org_id: i64,
    grants: &[AccountGrant],
) -> AppResult<Vec<InvitedAccount>> {
    let ids: Vec<i64> = grants.iter().map(|g| g.account_id).collect();
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != ids.len() {
        return Err(AppError::bad_field(
            "accounts",
            "Each account may appear once.",
        ));
    }
    let names = state.store.org_account_names(org_id, &ids).await?;
    grants
        .iter()
        .map(|grant| {
            let name = names.get(&grant.account_id).ok_or_else(|| {
                AppError::bad_field(
                    "accounts",
                    format!(
                        "Account {} is not an account of this organization.",
                        grant.account_id
                    ),
                )
            })?;
            if grant.roles.is_empty() {
                return Err(AppError::bad_field(
                    "accounts",
                    format!("Choose at least one role on {name}, or remove the account."),
                ));
            }
            Ok(InvitedAccount {
                name: name.clone(),
                roles: grant.roles,
            })
        })
        .collect()
}

fn request_hash(request: &NewInvitations) -> String {
    let canonical = serde_json::to_vec(request).unwrap_or_default();
    crate::hex::encode(&Sha256::digest(&canonical))
}

fn idempotency_key(headers: &HeaderMap) -> AppResult<Option<String>> {
    let Some(value) = headers.get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    let key = value.to_str().map(str::trim).unwrap_or_default();
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_LEN {
        return Err(AppError::new(
            ErrorCode::BadRequest,
            format!("An Idempotency-Key is 1 to {MAX_IDEMPOTENCY_KEY_LEN} visible characters."),
        ));
    }
    Ok(Some(key.to_owned()))
}

/// The recorded answer to a repeated request, or a refusal when the key served another request.
async fn replay(
    state: &AppState,
    org_id: i64,
    key: &str,
    hash: &str,
) -> AppResult<Option<Response>> {
    let now = state.clock.now();
    let Some(recorded) = state.store.recorded_answer(org_id, key, now).await? else {
        return Ok(None);
    };
    if recorded.request_hash != hash {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "This Idempotency-Key was already used for a different request. Use a new key for a new request.",
        ));
    }
    let status = StatusCode::from_u16(recorded.status).unwrap_or(StatusCode::OK);
    Ok(Some(
        (
            status,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                ),
                (
                    header::HeaderName::from_static("idempotent-replayed"),
                    HeaderValue::from_static("true"),
                ),
            ],
            recorded.body,
        )
            .into_response(),
    ))
}

/// `POST /invitations`: invites every address with the same account roles (rules 2–4). Each
/// address succeeds or fails on its own; with an `Idempotency-Key`, repeating the request replays
/// the first answer instead of inviting twice.
pub async fn create(
    State(state): State<AppState>,
    Manager(caller): Manager,
    headers: HeaderMap,
    body: Result<Json<NewInvitations>, JsonRejection>,
) -> AppResult<Response> {
    let request = json_body(body)?;
    check_batch_size(&request.emails)?;
    let key = idempotency_key(&headers)?;
    let hash = request_hash(&request);
    if let Some(key) = &key {
        if let Some(response) = replay(&state, caller.org_id, key, &hash).await? {
            return Ok(response);
        }
    }
    if request.accounts.len() > MAX_INVITE_ACCOUNTS {
        return Err(AppError::bad_field(
            "accounts",
            format!("Choose at most {MAX_INVITE_ACCOUNTS} accounts per invitation."),
        ));
    }
    let accounts = checked_grants(&state, caller.org_id, &request.accounts).await?;
    let now = state.clock.now();
    let organization = load_organization(&state, caller.org_id).await?;
    let expires_at = now + state.settings.invitation_ttl_seconds;

    let mut results = Vec::with_capacity(request.emails.len());
    let mut planned = Vec::new();
    for assessed in assess(&state, caller.org_id, &request.emails, now).await? {
        match assessed {
            Assessed::Problem(email, problem) => results.push(InviteResult {
                email,
                outcome: InviteOutcome::Failed,
                problem: Some(problem),
                existing_user: false,
            }),
            Assessed::Invitable { email, existing } => {
                let token = auth::new_token();
                let link = format!("{}/accept/{token}", state.settings.public_url);
                let mail = InvitationMail {
                    to: &email,
                    organization: &organization.name,
                    invited_by: &caller.name,
                    accounts: &accounts,
                    link: &link,
                    expires_at,
                    account_only: false,
                }
                .render();
                let replaces = existing.as_ref().and_then(|i| i.pending).map(|(id, _)| id);
                results.push(InviteResult {
                    email: email.clone(),
                    outcome: if replaces.is_some() {
                        InviteOutcome::Reinvited
                    } else {
                        InviteOutcome::Invited
                    },
                    problem: None,
                    existing_user: existing.as_ref().is_some_and(|i| i.has_password),
                });
                planned.push(PlannedInvitation {
                    email,
                    user_id: existing.map(|i| i.user_id),
                    replaces,
                    token_hash: auth::token_hash(&token),
                    expires_at,
                    mail,
                });
            }
        }
    }
    let response = InviteResponse { results };
    let body = serde_json::to_string(&response)
        .map_err(|_| AppError::new(ErrorCode::Internal, "The answer could not be written."))?;
    let answer = key.as_deref().map(|key| IdempotentAnswer {
        key,
        request_hash: &hash,
        status: 200,
        body: &body,
    });
    let actor = actor(&caller, now);
    let written = state
        .store
        .create_invitations(&actor, &request.accounts, &planned, answer.as_ref())
        .await;
    if !matches!(written, Ok(true)) {
        // The same request may have been answered meanwhile (a retry racing the first try).
        if let Some(key) = &key {
            if let Some(response) = replay(&state, caller.org_id, key, &hash).await? {
                return Ok(response);
            }
        }
        written?;
        return Err(AppError::new(
            ErrorCode::Conflict,
            "Someone invited some of these addresses a moment ago. Nothing was sent: check the addresses again and send.",
        ));
    }
    state.mailer.wake();
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

pub(super) fn actor(caller: &Caller, now: i64) -> Actor<'_> {
    Actor {
        org_id: caller.org_id,
        user_id: caller.user_id,
        role: caller.role,
        label: &caller.name,
        client_addr: &caller.client_addr,
        at: now,
    }
}

fn check_ids(ids: &[i64]) -> AppResult<()> {
    if ids.is_empty() || ids.len() > MAX_INVITE_EMAILS {
        return Err(AppError::bad_field(
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

/// `POST /invitations/resend`: sends each invitation again with a new link and a new expiry,
/// except one sent within the cooldown.
pub async fn resend(
    State(state): State<AppState>,
    Manager(caller): Manager,
    body: Result<Json<InvitationIds>, JsonRejection>,
) -> AppResult<Json<InvitationActionResponse>> {
    let request = json_body(body)?;
    check_ids(&request.ids)?;
    let now = state.clock.now();
    let cooldown = state.settings.resend_cooldown_seconds;
    let organization = load_organization(&state, caller.org_id).await?;
    let pending: HashMap<i64, _> = state
        .store
        .pending_invitations(caller.org_id, &request.ids)
        .await?
        .into_iter()
        .map(|invite| (invite.id, invite))
        .collect();
    let actor = actor(&caller, now);
    let mut results = Vec::with_capacity(request.ids.len());
    for id in request.ids {
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
            invited_by: &caller.name,
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
        let renewal = state
            .store
            .renew_invitation(
                &actor,
                id,
                now - cooldown,
                &auth::token_hash(&token),
                expires_at,
                &mail,
                quota,
            )
            .await?;
        results.push(InvitationActionResult {
            id,
            email: Some(invite.email.clone()),
            ok: renewal == Renewal::Renewed,
            message: match renewal {
                Renewal::Renewed => None,
                Renewal::Gone => {
                    Some("It was sent again or withdrawn by someone else a moment ago.".to_owned())
                }
                Renewal::OverQuota => Some(OUTSIDE_MAIL_QUOTA_REACHED.to_owned()),
            },
        });
    }
    state.mailer.wake();
    Ok(Json(InvitationActionResponse { results }))
}

/// `POST /invitations/revoke`: each invitation's link stops working.
pub async fn revoke(
    State(state): State<AppState>,
    Manager(caller): Manager,
    body: Result<Json<InvitationIds>, JsonRejection>,
) -> AppResult<Json<InvitationActionResponse>> {
    let request = json_body(body)?;
    check_ids(&request.ids)?;
    let actor = actor(&caller, state.clock.now());
    let mut results = Vec::with_capacity(request.ids.len());
    for id in request.ids {
        results.push(match state.store.revoke_invitation(&actor, id).await? {
            Some(email) => InvitationActionResult {
                id,
                email: Some(email),
                ok: true,
                message: None,
            },
            None => not_pending(id),
        });
    }
    Ok(Json(InvitationActionResponse { results }))
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

/// `GET /invitations/token/{token}` (no session needed): the link's state and, only while it can
/// be accepted, what it offers.
pub async fn preview(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Json<InvitationPreview>> {
    let invitation = linked(&state, &token).await?;
    let offer = (invitation.state == InvitationState::Pending).then(|| InvitationOffer {
        email: invitation.email,
        organization: invitation.organization,
        invited_by: invitation.invited_by,
        accounts: invitation.accounts.into_iter().map(|(_, a)| a).collect(),
        expires_at: invitation.expires_at,
        existing_user: invitation.password_hash.is_some(),
        account_only: invitation.account_only,
    });
    Ok(Json(InvitationPreview {
        state: invitation.state,
        offer,
    }))
}

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

/// `POST /invitations/accept` (no session needed): joins the organization and signs in. A new
/// person chooses a name and password; an existing user proves it is them with their password
/// (and two-factor code).
pub async fn accept(
    State(state): State<AppState>,
    parts: Parts,
    body: Result<Json<AcceptInvitation>, JsonRejection>,
) -> AppResult<Response> {
    let request = json_body(body)?;
    let invitation = linked(&state, &request.token).await?;
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
    let now = state.clock.now();
    let client = client(&parts);
    let addr = client.addr.clone();
    let given = request.given_name.trim();
    let family = request.family_name.trim();
    let (new_password_hash, second_factor, label) = if invitation.password_hash.is_none() {
        if let Some((field, problem)) = name_problem(given, family) {
            return Err(AppError::bad_field(field, problem));
        }
        if let Some(problem) = new_password_problem(&request.password, "", &invitation.email) {
            return Err(AppError::bad_field("password", problem));
        }
        let hash = hash_new_password(&state, request.password.clone()).await?;
        let label = roster_model::display_name(given, family, &invitation.email);
        (Some(hash), None, label)
    } else {
        if request.password.is_empty() {
            return Err(AppError::bad_field("password", "Enter your password."));
        }
        if request.password.chars().count() > MAX_PASSWORD_CHARS {
            return Err(AppError::bad_field(
                "password",
                format!("A password is at most {MAX_PASSWORD_CHARS} characters long."),
            ));
        }
        let (credentials, second_factor) = authenticate(
            &state,
            &addr,
            &invitation.email,
            request.password.clone(),
            request.code.as_deref(),
            now,
        )
        .await?;
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
        client_addr: &addr,
        at: now,
    };
    // Access to accounts alone opens no console session: the console is the organization's.
    let session_hash = (!invitation.account_only).then(|| auth::token_hash(&token));
    let accepted = state
        .store
        .accept_invitation(
            &invitation,
            new_person.as_ref(),
            second_factor,
            session_hash.as_deref(),
            &event,
        )
        .await?;
    if !accepted {
        return Err(unavailable(InvitationState::Pending));
    }
    if invitation.account_only {
        return Ok(Json(ExternalAccess {
            organization: invitation.organization,
            accounts: invitation.accounts.into_iter().map(|(_, a)| a).collect(),
        })
        .into_response());
    }
    let caller = Caller {
        user_id: invitation.user_id,
        name: label.clone(),
        email: invitation.email.clone(),
        org_id: invitation.org_id,
        role: OrgRole::Member,
        client_addr: addr,
        must_enrol_two_factor: invitation.two_factor.must_enrol(),
        two_factor_enrolled: invitation.two_factor.secret.is_some(),
        password_hash: None,
        via_token: false,
    };
    signed_in(&state, &caller, &token, client.https).await
}
