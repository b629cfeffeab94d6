//! Bulk import, when the organization's feature is on: existing users on its verified domains
//! become managed users, each in a transaction of their own.

use roster_model::{
    BulkResponse, BulkResult, ErrorCode, ImportRequest, IMPORT_DISABLED, MAX_BULK_BATCH,
};

use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::mail::imported_mail;
use crate::state::AppState;
use crate::store::ImportOutcome;

/// The organization's name, or the feature-disabled error when import is off for it.
pub async fn enabled(state: &AppState, caller: &Caller) -> AppResult<String> {
    let organization = super::organization(state, caller.org_id).await?;
    if organization.features.bulk_import {
        Ok(organization.name)
    } else {
        Err(AppError::new(ErrorCode::FeatureDisabled, IMPORT_DISABLED))
    }
}

/// Imports a batch; each user gets a result. Importing someone imported already answers that they
/// are a member, so a batch cut short can simply be sent again.
pub async fn import(
    state: &AppState,
    caller: &Caller,
    request: &ImportRequest,
) -> AppResult<BulkResponse> {
    let organization = enabled(state, caller).await?;
    if request.ids.is_empty() || request.ids.len() > MAX_BULK_BATCH {
        return Err(AppError::invalid(
            "ids",
            format!("Send 1 to {MAX_BULK_BATCH} users per request."),
        ));
    }
    let sign_in = format!("{}/login", state.settings.public_url);
    let mut results = Vec::with_capacity(request.ids.len());
    let mut imported_any = false;
    let mut batch = super::Batch::default();
    for &id in &request.ids {
        let actor = caller.actor(state.clock.now());
        let imported = state.store.import_user(&actor, id, |email| {
            imported_mail(email, &organization, &caller.name_and_email(), &sign_in)
        });
        let (outcome, name) = match batch.item(imported).await? {
            Ok(answer) => answer,
            Err(refusal) => {
                results.push(BulkResult {
                    id,
                    name: None,
                    ok: false,
                    message: Some(refusal.to_owned()),
                });
                continue;
            }
        };
        imported_any |= outcome == ImportOutcome::Imported;
        let problem = match outcome {
            ImportOutcome::Imported => None,
            ImportOutcome::AlreadyMember => Some("Already a member of the organization."),
            ImportOutcome::NotImportable => Some(
                "Not importable: no such active user outside every organization on a verified domain of this one.",
            ),
        };
        results.push(BulkResult {
            id,
            name,
            ok: outcome == ImportOutcome::Imported,
            message: problem.map(str::to_owned),
        });
    }
    if imported_any {
        state.mailer.wake();
    }
    Ok(BulkResponse { results })
}
