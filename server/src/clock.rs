//! The time source every part of the server reads "now" from.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use roster_model::Timestamp;

/// The time source. Injected so tests can move time (invitation expiry, domain re-checks).
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    pub fn system() -> Self {
        Clock(Arc::new(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or_default()
        }))
    }

    /// A clock the caller drives (tests move it to expire sessions and invitations).
    pub fn from_fn(now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Self {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> Timestamp {
        (self.0)()
    }
}
