//! One account's User access: "Invite users" there gives members access at once and invites
//! anyone else to the account alone; and the checks every grant of account roles passes.

use std::collections::HashSet;

use roster_model::{
    account_roles_problem, normalize_email, AccountGrant, AccountInvite, AccountInviteOutcome,
    AccountInviteResult, AccountSummary, InvitedAccount, MAX_ACCOUNT_INVITE_EMAILS,
};

use crate::auth;
use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::mail::InvitationMail;
use crate::state::AppState;
use crate::store::{MailQuota, PlannedAccountInvitation};

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

/// "Invite users" on an account's page: members of the organization get access at once; anyone
/// else, on any domain, an invitation to this account that makes them an external user. Each
/// address gets its own result; one failing does not stop the others.
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
    let mut seen = HashSet::new();
    let mut results = Vec::with_capacity(request.emails.len());
    for raw in &request.emails {
        let failed = |email: &str, message: String| AccountInviteResult {
            email: email.to_owned(),
            outcome: AccountInviteOutcome::Failed,
            message: Some(message),
        };
        let email = match normalize_email(raw) {
            Ok(email) => email,
            Err(problem) => {
                results.push(failed(raw.trim(), problem.to_string()));
                continue;
            }
        };
        if !seen.insert(email.clone()) {
            results.push(failed(
                &email,
                "This address is in the list twice.".to_owned(),
            ));
            continue;
        }
        let token = auth::new_token();
        let link = format!("{}/accept/{token}", state.settings.public_url);
        let mail = InvitationMail {
            to: &email,
            organization: &organization.name,
            invited_by: &caller.name,
            accounts: &granted,
            link: &link,
            expires_at,
            account_only: true,
        }
        .render();
        let planned = PlannedAccountInvitation {
            email: &email,
            roles: request.roles,
            token_hash: &auth::token_hash(&token),
            expires_at,
            mail: &mail,
            quota: MailQuota::OutsideOf {
                org_id: caller.org_id,
                per_day: state.settings.outside_mail_per_day,
            },
        };
        results.push(
            match state
                .store
                .invite_to_account(&actor, account.id, &planned)
                .await?
            {
                Ok(outcome) => AccountInviteResult {
                    email,
                    outcome,
                    message: None,
                },
                Err(why) => failed(&email, why.to_owned()),
            },
        );
    }
    if results
        .iter()
        .any(|r| r.outcome == AccountInviteOutcome::Invited)
    {
        state.mailer.wake();
    }
    Ok(results)
}
