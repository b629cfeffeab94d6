//! What every handler shares: the store, the clock, the mailer and the settings.

use std::sync::Arc;

use ipnet::IpNet;
use roster_model::DEFAULT_INVITATION_DAYS;

use crate::auth::PasswordHashing;
use crate::clock::Clock;
use crate::dns::DnsVerifier;
use crate::host_sign_in::HostSignIn;
use crate::mail::{MailConfigError, MailTransport, Mailer};
use crate::scim::ScimLimits;
use crate::store::Store;

/// How this server is set up, beyond where its data lives.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The address people reach the app at, for links in mail, e.g. "https://roster.example.com".
    pub public_url: String,
    /// `Host` values requests may carry (`host` or `host:port`, lower case); others are refused,
    /// which defeats DNS rebinding. Requests without a Host header pass.
    pub allowed_hosts: Vec<String>,
    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpNet>,
    pub invitation_ttl_seconds: i64,
    /// An invitation is not sent again sooner than this after it was last sent.
    pub resend_cooldown_seconds: i64,
    /// Invitation mails to addresses outside an organization's verified domains, per day.
    pub outside_mail_per_day: u32,
    /// Origins of host pages that embed the console (`https://console.example.com`): the API and
    /// the app's files answer their cross-origin requests. Empty: nothing cross-origin is allowed.
    pub allowed_origins: Vec<String>,
}

/// The default daily allowance of invitations to outside addresses, per organization.
pub const DEFAULT_OUTSIDE_MAIL_PER_DAY: u32 = 500;

impl Default for Settings {
    fn default() -> Self {
        let public_url = "http://127.0.0.1:8080".to_owned();
        Settings {
            allowed_hosts: host_of(&public_url).into_iter().collect(),
            public_url,
            trusted_proxies: Vec::new(),
            invitation_ttl_seconds: DEFAULT_INVITATION_DAYS * 24 * 60 * 60,
            resend_cooldown_seconds: 5 * 60,
            outside_mail_per_day: DEFAULT_OUTSIDE_MAIL_PER_DAY,
            allowed_origins: Vec::new(),
        }
    }
}

/// The `host[:port]` of a URL, as a Host header names it (lower case), if the URL has one.
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit('@').next()?;
    (!authority.is_empty()).then(|| authority.to_ascii_lowercase())
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub mailer: Mailer,
    pub dns: DnsVerifier,
    pub settings: Arc<Settings>,
    /// Bounds concurrent password hashing (sign-in, password changes, new passwords).
    pub hashing: PasswordHashing,
    /// The issuer whose tokens sign people in for an embedding host, when one is trusted.
    pub host_sign_in: Option<Arc<HostSignIn>>,
    /// Requests per provisioning token (SCIM).
    pub scim_limits: Arc<ScimLimits>,
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
            hashing: PasswordHashing::for_this_machine(),
            host_sign_in: None,
            scim_limits: Arc::default(),
        })
    }
}

/// The sender of Roster's mail unless configured.
pub const DEFAULT_FROM: &str = "Roster <roster@localhost>";

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn hosts_are_read_from_urls() {
        assert_eq!(
            host_of("https://Roster.Example.com/").as_deref(),
            Some("roster.example.com")
        );
        assert_eq!(
            host_of("http://127.0.0.1:8080").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert_eq!(host_of("http://[::1]:9/x?y").as_deref(), Some("[::1]:9"));
        assert_eq!(host_of("http://").as_deref(), None);
    }
}
