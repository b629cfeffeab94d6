//! Background upkeep: what has expired is deleted on a schedule, and the query planner's
//! statistics follow the data.

use std::time::Duration;

use std::sync::Arc;

use crate::clock::Clock;
use crate::scim::ScimLimits;
use crate::store::{Job, Store};

/// How often expired rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);
/// A replica's turn ends a little before its next try of the hourly jobs, so it may take the
/// next one.
pub const HOURLY_TURN_SECONDS: i64 = 55 * 60;

/// Tries once an hour, from start-up until the server stops: prunes expired sign-in failures,
/// sessions, idempotency keys, set-password links and delivered mail and refreshes the planner's
/// statistics (when its turn is due: one replica on a database does it per turn, so a restart
/// within a turn waits for the next), and forgets idle provisioning tokens' request counts (which
/// each replica keeps for itself).
pub async fn run_pruning(store: Store, clock: Clock, scim_limits: Arc<ScimLimits>) {
    loop {
        match store
            .take_turn(Job::Prune, clock.now(), HOURLY_TURN_SECONDS)
            .await
        {
            Ok(true) => {
                match store.prune(clock.now()).await {
                    Ok(pruned) => tracing::debug!(?pruned, "pruned expired rows"),
                    Err(error) => tracing::error!(%error, "pruning expired rows failed"),
                }
                if let Err(error) = store.refresh_statistics().await {
                    tracing::error!(%error, "refreshing the query planner's statistics failed");
                }
            }
            Ok(false) => {}
            Err(error) => tracing::error!(%error, "could not take the pruning's turn"),
        }
        scim_limits.forget_idle();
        tokio::time::sleep(PRUNE_EVERY).await;
    }
}
