//! One account's User access: "Invite users" there gives members access at once, invites people on
//! the organization's verified domains to join it and anyone else to the account alone; and the
//! checks every grant of account roles passes.

use std::collections::HashSet;

use roster_model::{
    account_roles_problem, normalize_email, AccountGrant, AccountInvite, AccountInviteOutcome,
    AccountInviteResult, AccountSummary, InviteProblem, InvitedAccount, RoleSet,
    MAX_ACCOUNT_INVITE_EMAILS,
};

use super::invitations::{self, Assessed};
use crate::auth;
use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::mail::InvitationMail;
use crate::state::AppState;
use crate::store::{Actor, MailQuota, PlannedAccountInvitation, NO_LONGER_ACTS};

/// The accounts of a request, checked: each once, each the organization's, each with a role.
/// Answers their names with the roles (for the invitation mail).
pub async fn checked_grants(
    state: &AppState,
    org_id: i64,
    grants: &[AccountGrant],
) -> AppResult<Vec<InvitedAccount>> {
    let ids: Vec<i64> = grants.iter().map(|g| g.account_id).collect();
    let unique: HashSet<i64> = ids.iter().copied().collect();
    if unique.len() != ids.len() {
        return Err(AppError::invalid(
            "accounts",
            "Each account may appear once.",
        ));
    }
    let names = state.store.org_account_names(org_id, &ids).await?;
    grants
        .iter()
        .map(|grant| {
            let name = names.get(&grant.account_id).ok_or_else(|| {
                AppError::invalid(
                    "accounts",
                    format!(
                        "Account {} is not an account of this organization.",
                        grant.account_id
                    ),
                )
            })?;
            if grant.roles.is_empty() {
                return Err(AppError::invalid(
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

/// "Invite users" on an account's page: members of the organization get access at once; someone
/// on a verified domain of the organization is invited to join it, with access to this account,
/// just as the invite wizard would; anyone else (another domain, another organization's member) is
/// invited to this account alone and becomes an external user. Each address gets its own result;
/// one failing does not stop the others.
pub async fn invite(
    state: &AppState,
    caller: &Caller,
    account: &AccountSummary,
    request: &AccountInvite,
) -> AppResult<Vec<AccountInviteResult>> {
    if request.emails.is_empty() || request.emails.len() > MAX_ACCOUNT_INVITE_EMAILS {
        return Err(AppError::invalid(
            "emails",
            format!("Enter 1 to {MAX_ACCOUNT_INVITE_EMAILS} email addresses."),
        ));
    }
    if let Some(problem) = account_roles_problem(request.roles) {
        return Err(AppError::invalid("roles", problem));
    }
    let organization = super::organization(state, caller.org_id).await?;
    let now = state.clock.now();
    let actor = caller.actor(now);
    let expires_at = now + state.settings.invitation_ttl_seconds;
    let granted = [InvitedAccount {
        name: account.name.clone(),
        roles: request.roles,
    }];
    let failed = |email: &str, message: &str| AccountInviteResult {
        email: email.to_owned(),
        outcome: AccountInviteOutcome::Failed,
        message: Some(message.to_owned()),
    };

    // Each address's result, in the order given; the valid ones are judged together.
    let mut results: Vec<Option<AccountInviteResult>> = Vec::with_capacity(request.emails.len());
    let mut valid = Vec::new();
    let mut seen = HashSet::new();
    for raw in &request.emails {
        match normalize_email(raw) {
            Err(problem) => results.push(Some(failed(raw.trim(), &problem.to_string()))),
            Ok(email) if !seen.insert(email.clone()) => {
                results.push(Some(failed(&email, "This address is in the list twice.")));
            }
            Ok(email) => {
                valid.push((results.len(), email));
                results.push(None);
            }
        }
    }
    let emails: Vec<String> = valid.iter().map(|(_, email)| email.clone()).collect();
    let assessed = invitations::assess(state, caller.org_id, &emails, now).await?;
    let inviting = invitations::Inviting {
        organization: &organization.name,
        invited_by: &caller.name_and_email(),
        accounts: &granted,
        expires_at,
    };
    // Invitations to join the organization, and where each one's result goes.
    let (mut slots, mut to_organization) = (Vec::new(), Vec::new());
    let mut batch = super::Batch::default();
    for ((slot, address), assessed) in valid.into_iter().zip(assessed) {
        if batch.stopped() {
            results[slot] = Some(failed(&address, NO_LONGER_ACTS));
            continue;
        }
        let email = match assessed {
            Assessed::Invitable { email, existing } => {
                let (_, invitation) = invitations::plan(state, &inviting, email, existing);
                slots.push(slot);
                to_organization.push(invitation);
                continue;
            }
            Assessed::Problem(email, InviteProblem::AlreadyInvited) => {
                results[slot] = Some(failed(
                    &email,
                    "Already invited to join the organization: resend or revoke that invitation on the Invited tab.",
                ));
                continue;
            }
            // A member gets access; another domain or another organization's member, this account alone.
            Assessed::Problem(email, _) => email,
        };
        results[slot] = Some(
            invite_one(
                state,
                &mut batch,
                &actor,
                account.id,
                request.roles,
                &inviting,
                &email,
            )
            .await?,
        );
    }
    if !to_organization.is_empty() {
        let grant = [AccountGrant {
            account_id: account.id,
            roles: request.roles,
        }];
        let written = batch
            .item(
                state
                    .store
                    .create_invitations(&actor, &grant, &to_organization, None),
            )
            .await?;
        for (slot, invitation) in slots.into_iter().zip(to_organization) {
            results[slot] = Some(match written {
                Ok(true) => AccountInviteResult {
                    email: invitation.email,
                    outcome: AccountInviteOutcome::InvitedToOrganization,
                    message: None,
                },
                Ok(false) => failed(
                    &invitation.email,
                    "One of these addresses changed a moment ago (someone invited it, it joined an organization, or its domain is no longer verified). Nothing was sent: try again.",
                ),
                Err(refusal) => failed(&invitation.email, refusal),
            });
        }
    }
    let results: Vec<AccountInviteResult> = results.into_iter().flatten().collect();
    if results.iter().any(|r| {
        matches!(
            r.outcome,
            AccountInviteOutcome::Invited | AccountInviteOutcome::InvitedToOrganization
        )
    }) {
        state.mailer.wake();
    }
    Ok(results)
}

/// Gives a member access to the account at once, or invites anyone else to the account alone.
async fn invite_one(
    state: &AppState,
    batch: &mut super::Batch,
    actor: &Actor<'_>,
    account_id: i64,
    roles: RoleSet,
    inviting: &invitations::Inviting<'_>,
    email: &str,
) -> AppResult<AccountInviteResult> {
    let token = auth::new_token();
    let link = format!("{}/accept/{token}", state.settings.public_url);
    let mail = InvitationMail {
        to: email,
        organization: inviting.organization,
        invited_by: inviting.invited_by,
        accounts: inviting.accounts,
        link: &link,
        expires_at: inviting.expires_at,
        account_only: true,
    }
    .render();
    let planned = PlannedAccountInvitation {
        email,
        roles,
        token_hash: &auth::token_hash(&token),
        expires_at: inviting.expires_at,
        mail: &mail,
        quota: MailQuota::OutsideOf {
            org_id: actor.org_id,
            per_day: state.settings.outside_mail_per_day,
        },
    };
    let outcome = batch
        .item(state.store.invite_to_account(actor, account_id, &planned))
        .await?
        .and_then(|outcome| outcome);
    Ok(AccountInviteResult {
        email: email.to_owned(),
        outcome: outcome.unwrap_or(AccountInviteOutcome::Failed),
        message: outcome.err().map(str::to_owned),
    })
}
