//! Racing the same request many times at once.

use axum::http::StatusCode;
use roster_server::auth::FREE_FAILURES_PER_ACCOUNT;

/// Runs `attempt` `n` times at once and answers the statuses, in no particular order.
pub async fn in_parallel<F, Fut>(n: usize, attempt: F) -> Vec<StatusCode>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = StatusCode> + Send + 'static,
{
    let tasks: Vec<_> = (0..n).map(|i| tokio::spawn(attempt(i))).collect();
    let mut statuses = Vec::with_capacity(n);
    for task in tasks {
        statuses.push(task.await.expect("task"));
    }
    statuses
}

pub fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Parallel attempts got exactly the tries sequential ones would: the free failures (answered
/// `failed`), and a pause for all the rest.
pub fn assert_throttled(statuses: &[StatusCode], failed: StatusCode) {
    let free = FREE_FAILURES_PER_ACCOUNT as usize;
    assert_eq!(count(statuses, failed), free, "{statuses:?}");
    assert_eq!(
        count(statuses, StatusCode::TOO_MANY_REQUESTS),
        statuses.len() - free,
        "{statuses:?}"
    );
}
