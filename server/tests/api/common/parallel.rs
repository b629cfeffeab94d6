//! Racing the same request many times at once.

use axum::http::StatusCode;
use roster_server::auth::FREE_FAILURES_PER_ACCOUNT;

use super::TestServer;

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

/// Posts each of `bodies` to `uri` at once, each through its own client of `server`'s session,
/// and answers the statuses, in no particular order.
pub async fn posts_at_once(
    server: &TestServer,
    uri: &'static str,
    bodies: Vec<serde_json::Value>,
) -> Vec<StatusCode> {
    in_parallel(bodies.len(), |i| {
        let (client, body) = (server.clone_signed_in(), bodies[i].clone());
        async move { client.post_json(uri, body).await.0 }
    })
    .await
}
