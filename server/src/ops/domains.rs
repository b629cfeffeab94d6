//! Domains: claiming one, "Verify now", and the daily re-check of every verified or lapsed domain.

use std::time::Duration;

use roster_model::{claimable_domain, Domain, ErrorCode};

use crate::auth::new_token;
use crate::authz::Caller;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{Checker, ClaimOutcome, DomainRecord, Job, StoreResult};

/// Claims a domain for the caller's organization, pending until its TXT record is found. Whether
/// another organization holds it is not said here — only to whoever proves control of its DNS
/// (see `Store::record_domain_check`).
pub async fn claim(state: &AppState, caller: &Caller, name: &str) -> AppResult<Domain> {
    let name = claimable_domain(name).map_err(|e| AppError::invalid("name", e.to_string()))?;
    let actor = caller.actor(state.clock.now());
    match state
        .store
        .claim_domain(&actor, &name, &new_token())
        .await?
    {
        ClaimOutcome::Added(domain) => Ok(domain),
        ClaimOutcome::AlreadyClaimed => Err(AppError::invalid(
            "name",
            format!("The organization has claimed {name} already."),
        )),
    }
}

/// Looks the domain's TXT record up now; answers the domain as it is after, or None when the
/// organization has no such domain.
pub async fn verify(state: &AppState, caller: &Caller, id: i64) -> AppResult<Option<Domain>> {
    let Some(record) = state.store.domain_record(caller.org_id, id).await? else {
        return Ok(None);
    };
    let actor = caller.actor(state.clock.now());
    check_domain(state, &record, Checker::Admin(&actor)).await?;
    // A lapsed domain at the end of its grace period is removed by the check.
    let domain = state.store.domain(caller.org_id, id).await?.ok_or_else(|| {
        AppError::new(
            ErrorCode::NotFound,
            "The record was missing for 30 days, so the domain was removed. Add it again to verify it anew.",
        )
    })?;
    Ok(Some(domain))
}

/// Looks the domain's record up over DNS and records what was found.
pub async fn check_domain(
    state: &AppState,
    domain: &DomainRecord,
    checker: Checker<'_>,
) -> StoreResult<bool> {
    // The lookup runs outside any transaction: a slow nameserver must not hold the database.
    let found = state.dns.check(&domain.name, &domain.token).await;
    state
        .store
        .record_domain_check(domain, &found, checker, state.clock.now())
        .await
}

/// Re-checks every domain that is due, a batch at a time; answers how many were checked.
pub async fn recheck_due(state: &AppState) -> StoreResult<usize> {
    const BATCH: u32 = 100;
    let mut checked = 0;
    loop {
        let due = state
            .store
            .domains_due_for_recheck(state.clock.now(), BATCH)
            .await?;
        if due.is_empty() {
            return Ok(checked);
        }
        for domain in &due {
            // A run that outlasts its turn meets the next one: each domain is looked up once.
            if state
                .store
                .take_domain_recheck(domain.id, state.clock.now())
                .await?
            {
                check_domain(state, domain, Checker::Daily).await?;
                checked += 1;
            }
        }
    }
}

/// The daily re-check, run every hour so no domain waits much more than a day; of replicas on one
/// database, one re-checks each hour.
pub async fn run_rechecks(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60 * 60));
    loop {
        tick.tick().await;
        // The turn ends a little before the next tick, so the replica that took it may again.
        match state
            .store
            .take_turn(
                Job::DomainRecheck,
                state.clock.now(),
                super::maintenance::HOURLY_TURN_SECONDS,
            )
            .await
        {
            Ok(true) => {}
            Ok(false) => continue,
            Err(error) => {
                tracing::error!(%error, "could not take the domain re-check's turn");
                continue;
            }
        }
        match recheck_due(&state).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "re-checked domains"),
            Err(error) => tracing::error!(%error, "domain re-check failed"),
        }
    }
}
