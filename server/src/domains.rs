//! Checking domains: "Verify now" and the daily re-check of every verified or lapsed domain.

use std::time::Duration;

use crate::state::AppState;
use crate::store::{Checker, DomainRecord, StoreResult};

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
            check_domain(state, domain, Checker::Daily).await?;
        }
        checked += due.len();
    }
}

/// The daily re-check, run every hour so no domain waits much more than a day.
pub async fn run_rechecks(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60 * 60));
    loop {
        tick.tick().await;
        match recheck_due(&state).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "re-checked domains"),
            Err(error) => tracing::error!(%error, "domain re-check failed"),
        }
    }
}
