//! Flows between the HTTP handlers and the store: what one operation does, step by step, under
//! the rules of `roster-model`. Handlers parse and answer; the store reads and writes.

pub mod accounts;
pub mod domains;
pub mod export;
pub mod import;
pub mod invitations;
pub mod maintenance;
pub mod manage;
pub mod password_resets;
pub mod scim;
pub mod session;
pub mod tokens;
pub mod user_filters;

use roster_model::Organization;

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{StoreError, StoreResult, NO_LONGER_ACTS};

/// The items of a batch, each written in a transaction of its own. Once its admin no longer acts
/// as the request was authorized (suspended or given another role, signed out, or required to set
/// up two-factor sign-in, while the batch ran), that item and every one after it is refused, the
/// rest without taking the write lock again; the items done before keep their results, where
/// failing the whole request would say nothing of them.
#[derive(Default)]
struct Batch {
    stopped: bool,
}

impl Batch {
    /// Whether an item was refused because the admin no longer acts: the rest are too.
    fn stopped(&self) -> bool {
        self.stopped
    }

    /// Notes that the store refused an item because the admin no longer acts.
    fn stop(&mut self) {
        self.stopped = true;
    }

    /// What the store answered `write`, or the item's refusal once the batch stopped (`write`
    /// is then never run).
    async fn item<T>(
        &mut self,
        write: impl std::future::Future<Output = StoreResult<T>>,
    ) -> AppResult<Result<T, &'static str>> {
        if self.stopped {
            return Ok(Err(NO_LONGER_ACTS));
        }
        match write.await {
            Err(StoreError::NoLongerActs) => {
                self.stop();
                Ok(Err(NO_LONGER_ACTS))
            }
            answer => Ok(Ok(answer?)),
        }
    }
}

/// The caller's organization.
pub async fn organization(state: &AppState, org_id: i64) -> AppResult<Organization> {
    state
        .store
        .organization(org_id)
        .await?
        .ok_or_else(|| AppError::not_found("The organization no longer exists."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Once an item finds its admin no longer acts, later items are refused without their write
    /// running at all: none of them takes the write lock again.
    #[tokio::test]
    async fn a_stopped_batch_runs_no_later_write() {
        let writes = AtomicUsize::new(0);
        let write = |answer: StoreResult<()>| {
            let writes = &writes;
            async move {
                writes.fetch_add(1, Ordering::SeqCst);
                answer
            }
        };
        let mut batch = Batch::default();
        assert_eq!(batch.item(write(Ok(()))).await.ok(), Some(Ok(())));
        let refused = batch.item(write(Err(StoreError::NoLongerActs))).await;
        assert_eq!(refused.ok(), Some(Err(NO_LONGER_ACTS)));
        assert!(batch.stopped());
        for _ in 0..3 {
            let refused = batch.item(write(Ok(()))).await;
            assert_eq!(refused.ok(), Some(Err(NO_LONGER_ACTS)));
        }
        assert_eq!(
            writes.load(Ordering::SeqCst),
            2,
            "the stopped batch's items ran no write"
        );
    }
}
