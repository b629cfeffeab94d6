//! Rules for the domains an organization claims: which names may be claimed, and how a domain's
//! state follows from each DNS check of its verification record.

use serde::{Deserialize, Serialize};

use crate::email::DomainError;
use crate::named::named_enum;
use crate::Timestamp;

/// A verified domain's record is looked up again this long after its last check.
pub const DOMAIN_RECHECK_SECONDS: i64 = 24 * 60 * 60;
/// A lapsed domain is removed this long after its record was first found missing.
pub const DOMAIN_LAPSE_GRACE_SECONDS: i64 = 30 * 24 * 60 * 60;

/// Mailbox providers whose addresses belong to many unrelated people: no organization may claim
/// them. Sorted, so lookups are a binary search (a unit test keeps it so).
pub const PUBLIC_MAILBOX_PROVIDERS: &[&str] = &[
    "163.com",
    "aim.com",
    "aol.com",
    "att.net",
    "bellsouth.net",
    "btinternet.com",
    "charter.net",
    "comcast.net",
    "cox.net",
    "duck.com",
    "earthlink.net",
    "email.com",
    "fastmail.com",
    "fastmail.fm",
    "free.fr",
    "gmail.com",
    "gmx.com",
    "gmx.de",
    "gmx.net",
    "googlemail.com",
    "hey.com",
    "hotmail.co.uk",
    "hotmail.com",
    "hotmail.de",
    "hotmail.fr",
    "hotmail.it",
    "hushmail.com",
    "icloud.com",
    "inbox.com",
    "laposte.net",
    "libero.it",
    "live.co.uk",
    "live.com",
    "live.fr",
    "mac.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "msn.com",
    "naver.com",
    "orange.fr",
    "outlook.com",
    "outlook.de",
    "outlook.fr",
    "pm.me",
    "proton.me",
    "protonmail.ch",
    "protonmail.com",
    "qq.com",
    "rambler.ru",
    "rocketmail.com",
    "sbcglobal.net",
    "seznam.cz",
    "sfr.fr",
    "t-online.de",
    "tuta.io",
    "tutanota.com",
    "verizon.net",
    "web.de",
    "wp.pl",
    "yahoo.co.jp",
    "yahoo.co.uk",
    "yahoo.com",
    "yahoo.de",
    "yahoo.fr",
    "yandex.com",
    "yandex.ru",
    "ymail.com",
    "zoho.com",
    "zohomail.com",
];

/// `POST /domains`: claim a domain for the organization.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NewDomain {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainClaimError {
    #[error("{0}")]
    Malformed(DomainError),
    #[error("{0} is a public mailbox provider: its addresses belong to many unrelated people, so no organization can claim it.")]
    PublicMailboxProvider(String),
    #[error("{0} is a public suffix, under which anyone can register names: claim your own domain under it instead, like example.{0}.")]
    PublicSuffix(String),
}

/// The normalised name an organization may claim, or why not. Whether another organization has
/// verified it already is a question for the store.
#[cfg(feature = "server")]
pub fn claimable_domain(input: &str) -> Result<String, DomainClaimError> {
    let name = crate::email::normalize_domain(input).map_err(DomainClaimError::Malformed)?;
    if PUBLIC_MAILBOX_PROVIDERS
        .binary_search(&name.as_str())
        .is_ok()
    {
        return Err(DomainClaimError::PublicMailboxProvider(name));
    }
    if psl::suffix(name.as_bytes()).is_some_and(|suffix| suffix.as_bytes() == name.as_bytes()) {
        return Err(DomainClaimError::PublicSuffix(name));
    }
    Ok(name)
}

/// What one DNS lookup of a domain's verification record found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsCheck {
    /// The record holds the organization's token.
    Found,
    /// The name answered, without the token: why, for the admin.
    Missing(String),
    /// No answer (timeout, server failure): says nothing about the record.
    Unanswered(String),
}

/// A domain's state after a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DomainTransition {
    pub state: DomainState,
    /// When the record was first found missing on a verified domain.
    pub lapsed_at: Option<Timestamp>,
    /// Lapsed for the whole grace period: the domain goes.
    pub remove: bool,
}

/// The state a check moves a domain to. A verified domain whose record is gone lapses, and goes
/// after [`DOMAIN_LAPSE_GRACE_SECONDS`] unless the record comes back; a lookup that got no answer
/// never takes verification away, but does not stop the grace period either.
pub fn domain_after_check(
    state: DomainState,
    lapsed_at: Option<Timestamp>,
    check: &DnsCheck,
    now: Timestamp,
) -> DomainTransition {
    let keep = |state, lapsed_at| DomainTransition {
        state,
        lapsed_at,
        remove: false,
    };
    match (state, check) {
        (_, DnsCheck::Found) => keep(DomainState::Verified, None),
        (DomainState::Pending | DomainState::Failed, _) => keep(DomainState::Failed, None),
        (DomainState::Verified, DnsCheck::Unanswered(_)) => keep(DomainState::Verified, None),
        (DomainState::Verified, DnsCheck::Missing(_)) => keep(DomainState::Lapsed, Some(now)),
        (DomainState::Lapsed, _) => {
            let since = lapsed_at.unwrap_or(now);
            DomainTransition {
                state: DomainState::Lapsed,
                lapsed_at: Some(since),
                remove: now - since >= DOMAIN_LAPSE_GRACE_SECONDS,
            }
        }
    }
}

/// When a lapsed domain will be removed.
pub fn lapsed_domain_removal_at(lapsed_at: Timestamp) -> Timestamp {
    lapsed_at + DOMAIN_LAPSE_GRACE_SECONDS
}

named_enum! {
    pub enum DomainState {
        Pending = "pending",
        Verified = "verified",
        Failed = "failed",
        /// Was verified, and the record has since disappeared.
        Lapsed = "lapsed",
    }
}

impl DomainState {
    pub fn label(self) -> &'static str {
        match self {
            DomainState::Pending => "Pending verification",
            DomainState::Verified => "Verified",
            DomainState::Failed => "Verification failed",
            DomainState::Lapsed => "Lapsed",
        }
    }
}

/// Host and value of the TXT record that proves control of a domain.
pub fn verification_record(domain: &str, token: &str) -> (String, String) {
    (
        format!("_roster.{domain}"),
        format!("roster-domain-verification={token}"),
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Domain {
    pub id: i64,
    pub name: String,
    pub state: DomainState,
    pub txt_host: String,
    pub txt_value: String,
    pub created_at: Timestamp,
    pub verified_at: Option<Timestamp>,
    pub last_checked_at: Option<Timestamp>,
    /// What the last check found wrong, for the admin.
    #[serde(default)]
    pub last_error: Option<String>,
    /// When a lapsed domain's record was first found missing; it is removed 30 days later.
    #[serde(default)]
    pub lapsed_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_list_is_sorted_for_binary_search() {
        assert!(PUBLIC_MAILBOX_PROVIDERS.windows(2).all(|w| w[0] < w[1]));
    }

    #[cfg(feature = "server")]
    #[test]
    fn public_suffixes_cannot_be_claimed() {
        for suffix in ["co.uk", "CO.UK.", "github.io", "com.au"] {
            assert!(
                matches!(
                    claimable_domain(suffix),
                    Err(DomainClaimError::PublicSuffix(_))
                ),
                "{suffix}"
            );
        }
        assert_eq!(claimable_domain("acme.co.uk").as_deref(), Ok("acme.co.uk"));
        assert_eq!(
            claimable_domain("acme.github.io").as_deref(),
            Ok("acme.github.io")
        );
    }

    #[cfg(feature = "server")]
    #[test]
    fn public_mailbox_providers_cannot_be_claimed() {
        assert_eq!(
            claimable_domain(" GMail.com. "),
            Err(DomainClaimError::PublicMailboxProvider("gmail.com".into()))
        );
        assert!(matches!(
            claimable_domain("not a domain"),
            Err(DomainClaimError::Malformed(_))
        ));
        assert_eq!(
            claimable_domain("Bücher.example").as_deref(),
            Ok("xn--bcher-kva.example")
        );
    }

    #[test]
    fn checks_move_domains_through_their_states() {
        let missing = DnsCheck::Missing("no record".into());
        let silent = DnsCheck::Unanswered("timeout".into());
        let now = 1_000_000;
        for state in [DomainState::Pending, DomainState::Failed] {
            assert_eq!(
                domain_after_check(state, None, &missing, now).state,
                DomainState::Failed
            );
            assert_eq!(
                domain_after_check(state, None, &DnsCheck::Found, now).state,
                DomainState::Verified
            );
        }
        let lapsed = domain_after_check(DomainState::Verified, None, &missing, now);
        assert_eq!(
            (lapsed.state, lapsed.lapsed_at, lapsed.remove),
            (DomainState::Lapsed, Some(now), false)
        );
        assert_eq!(
            domain_after_check(DomainState::Verified, None, &silent, now).state,
            DomainState::Verified
        );
        let day_29 = now + DOMAIN_LAPSE_GRACE_SECONDS - 1;
        let still = domain_after_check(DomainState::Lapsed, Some(now), &missing, day_29);
        assert_eq!((still.lapsed_at, still.remove), (Some(now), false));
        let day_30 = now + DOMAIN_LAPSE_GRACE_SECONDS;
        assert!(domain_after_check(DomainState::Lapsed, Some(now), &silent, day_30).remove);
        let back = domain_after_check(DomainState::Lapsed, Some(now), &DnsCheck::Found, day_29);
        assert_eq!(
            (back.state, back.lapsed_at, back.remove),
            (DomainState::Verified, None, false)
        );
    }

    #[test]
    fn verification_record_names_host_and_value() {
        let (host, value) = verification_record("example.com", "abc123");
        assert_eq!(host, "_roster.example.com");
        assert_eq!(value, "roster-domain-verification=abc123");
    }
}
