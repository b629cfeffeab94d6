//! Managing members: removal from the organization and deletion (each consequence confirmed, a
//! new owner for every account the user owns), and bulk actions on a selection.

use roster_model::{
    unacknowledged, BulkAction, BulkRequest, BulkResponse, BulkResult, Consequence, Leave,
    LeaveRequest, MAX_BULK_BATCH, REMOVE_CONSEQUENCES,
};

use super::password_resets;
use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::mail::two_factor_reset_mail;
use crate::state::AppState;
use crate::store::{UpdateOutcome, NO_LONGER_ACTS};

fn confirmed(consequences: &[Consequence], acknowledged: &[String]) -> AppResult<()> {
    if unacknowledged(consequences, acknowledged).is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(
            "acknowledged",
            "Confirm each consequence before going on.",
        ))
    }
}

/// Resets `user_id`'s two-factor sign-in (at `expected` version) for `caller`, and mails them
/// that it was.
pub async fn reset_two_factor(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
    expected: i64,
) -> AppResult<UpdateOutcome> {
    let organization = super::organization(state, caller.org_id).await?;
    let actor = caller.actor(state.clock.now());
    let mail = |to: &str| two_factor_reset_mail(to, &organization.name, &caller.name_and_email());
    let outcome = state
        .store
        .reset_two_factor(&actor, user_id, Some(expected), mail)
        .await?;
    if outcome == UpdateOutcome::Updated {
        state.mailer.wake();
    }
    Ok(outcome)
}

/// Removes or deletes `user_id` (at `expected` version), once every consequence is confirmed.
pub async fn leave(
    state: &AppState,
    caller: &Caller,
    user_id: i64,
    expected: i64,
    how: Leave,
    request: &LeaveRequest,
) -> AppResult<UpdateOutcome> {
    confirmed(how.consequences(), &request.acknowledged)?;
    let actor = caller.actor(state.clock.now());
    let owners = &request.new_owners;
    Ok(match how {
        Leave::Remove => {
            state
                .store
                .remove_from_organization(&actor, user_id, Some(expected), owners)
                .await?
        }
        Leave::Delete => {
            state
                .store
                .delete_user(&actor, user_id, Some(expected), owners)
                .await?
        }
    })
}

/// A bulk removal gives each account to someone who stays: choosing one of the users it removes
/// means "keeps it" (the account leaves with them) only for an account they own themselves. For
/// another's, the account would be handed to them and then leave with them as theirs, with
/// everyone else's access to it, which nobody chose.
async fn new_owners_stay(
    state: &AppState,
    caller: &Caller,
    request: &BulkRequest,
) -> AppResult<()> {
    for choice in &request.new_owners {
        if !request.ids.contains(&choice.new_owner_id) {
            continue;
        }
        let Some(account) = state
            .store
            .account_summary(caller.org_id, choice.account_id)
            .await?
        else {
            continue;
        };
        if account
            .owner
            .is_none_or(|owner| owner.id != choice.new_owner_id)
        {
            return Err(AppError::invalid(
                "new_owners",
                format!(
                    "The new owner of {} is removed too: choose someone who stays.",
                    account.name
                ),
            ));
        }
    }
    Ok(())
}

/// One batch of a bulk action, each user on their own (one failing does not stop the others),
/// with a result per user.
pub async fn bulk(
    state: &AppState,
    caller: &Caller,
    request: &BulkRequest,
) -> AppResult<BulkResponse> {
    if request.ids.is_empty() || request.ids.len() > MAX_BULK_BATCH {
        return Err(AppError::invalid(
            "ids",
            format!("Send 1 to {MAX_BULK_BATCH} users per request."),
        ));
    }
    if request.action == BulkAction::Remove {
        confirmed(&REMOVE_CONSEQUENCES, &request.acknowledged)?;
        new_owners_stay(state, caller, request).await?;
    }
    let now = state.clock.now();
    let organization = super::organization(state, caller.org_id).await?;
    let actor = caller.actor(now);
    let mut results = Vec::with_capacity(request.ids.len());
    let mut batch = super::Batch::default();
    for &id in &request.ids {
        if batch.stopped() {
            results.push(BulkResult {
                id,
                name: None,
                ok: false,
                message: Some(NO_LONGER_ACTS.to_owned()),
            });
            continue;
        }
        let Some(user) = state.store.user_detail(caller.org_id, id, now).await? else {
            results.push(BulkResult {
                id,
                name: None,
                ok: false,
                message: Some("Not a user of this organization (any more).".to_owned()),
            });
            continue;
        };
        let outcome = match request.action {
            BulkAction::RequireTwoFactor => {
                state
                    .store
                    .set_two_factor_required(&actor, id, None, true)
                    .await?
            }
            BulkAction::ResetPassword => {
                password_resets::reset(state, &actor, &organization.name, id, None).await?
            }
            BulkAction::Remove => {
                state
                    .store
                    .remove_from_organization(&actor, id, None, &request.new_owners)
                    .await?
            }
            BulkAction::Suspend | BulkAction::Restore => {
                let suspend = request.action == BulkAction::Suspend;
                state.store.set_suspended(&actor, id, None, suspend).await?
            }
        };
        let failure = match outcome {
            UpdateOutcome::Updated => None,
            UpdateOutcome::NotFound | UpdateOutcome::Stale => {
                Some("Not a managed user of this organization (any more).".to_owned())
            }
            UpdateOutcome::Refused(problem) => Some(problem.to_owned()),
            UpdateOutcome::Invalid(_, problem) => Some(problem),
            UpdateOutcome::NoLongerActs => {
                batch.stop();
                Some(NO_LONGER_ACTS.to_owned())
            }
        };
        results.push(BulkResult {
            id,
            name: Some(user.display_name()),
            ok: failure.is_none(),
            message: failure,
        });
    }
    state.mailer.wake();
    Ok(BulkResponse { results })
}
