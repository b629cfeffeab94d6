//! Background upkeep: what has expired is deleted on a schedule, the query planner's statistics
//! follow the data, and members' search rows are kept in name order.

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
/// The daily job's turn, taken at one of the hourly tries: it ends a little before the try a day
/// later.
const DAILY_TURN_SECONDS: i64 = 24 * 60 * 60 - 5 * 60;
/// Between two partitions of `member_search` put in name order, the changes and searches each
/// held back go through.
const ORDER_PAUSE: Duration = Duration::from_secs(10);

/// Tries once an hour, from start-up until the server stops: prunes expired sign-in failures,
/// sessions, idempotency keys, set-password links and delivered mail and refreshes the planner's
/// statistics (when its turn is due: one replica on a database does it per turn, so a restart
/// within a turn waits for the next), once a day puts members' search rows back in name order
/// (`Store::order_member_search`), and forgets idle provisioning tokens' request counts (which
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
        match store
            .take_turn(Job::MemberSearchOrder, clock.now(), DAILY_TURN_SECONDS)
            .await
        {
            Ok(true) => match store.order_member_search(ORDER_PAUSE).await {
                Ok(0) => {}
                Ok(partitions) => {
                    tracing::info!(partitions, "put members' search rows in name order")
                }
                Err(error) => {
                    tracing::error!(%error, "putting members' search rows in name order failed")
                }
            },
            Ok(false) => {}
            Err(error) => tracing::error!(%error, "could not take the search order's turn"),
        }
        scim_limits.forget_idle();
        tokio::time::sleep(PRUNE_EVERY).await;
    }
}
