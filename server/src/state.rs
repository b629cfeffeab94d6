//! What every handler shares: the store, the clock, the mailer and the settings.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use roster_model::{Timestamp, DEFAULT_INVITATION_DAYS};

use crate::dns::DnsVerifier;
use crate::mail::{MailConfigError, MailTransport, Mailer};
use crate::store::Store;

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

/// How this server is set up, beyond where its data lives.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address people reach the app at, for links in mail, e.g. "https://roster.example.com".
    pub public_url: String,
    pub invitation_ttl_seconds: i64,
    /// An invitation is not sent again sooner than this after it was last sent.
    pub resend_cooldown_seconds: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            public_url: "http://127.0.0.1:8080".to_owned(),
            invitation_ttl_seconds: DEFAULT_INVITATION_DAYS * 24 * 60 * 60,
            resend_cooldown_seconds: 5 * 60,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub mailer: Mailer,
    pub dns: DnsVerifier,
    pub settings: Arc<Settings>,
}

impl AppState {
    /// Default settings, the system's DNS resolver, and mail written as files to `mail_dir`.
    pub fn new(
        store: Store,
        clock: Clock,
        mail_dir: std::path::PathBuf,
    ) -> Result<Self, MailConfigError> {
        Ok(AppState {
            store,
            clock,
            mailer: Mailer::new(MailTransport::Files(mail_dir), DEFAULT_FROM)?,
            dns: DnsVerifier::system(),
            settings: Arc::new(Settings::default()),
        })
    }
}

/// The sender of Roster's mail unless configured.
pub const DEFAULT_FROM: &str = "Roster <roster@localhost>";
