//! Domain verification over real DNS: looks up a domain's `_roster.` TXT record with hickory,
//! through the system's resolver or a configured nameserver.

use std::net::SocketAddr;
use std::time::Duration;

use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use roster_model::{verification_record, DnsCheck};

#[derive(Clone)]
pub struct DnsVerifier {
    resolver: TokioResolver,
}

/// Every lookup asks the nameserver afresh: an admin who just created the record and presses
/// "Verify now" must not get a cached "no such record".
fn uncached(options: &mut ResolverOpts) {
    options.cache_size = 0;
    options.timeout = Duration::from_secs(3);
    options.attempts = 2;
}

impl DnsVerifier {
    /// The resolvers of /etc/resolv.conf. Without a readable one, lookups answer "unanswered"
    /// with the reason rather than the server refusing to start.
    pub fn system() -> Self {
        let mut builder = TokioResolver::builder_tokio().unwrap_or_else(|error| {
            tracing::warn!(%error, "no system DNS configuration; domain checks will fail until --dns-server is given");
            TokioResolver::builder_with_config(
                ResolverConfig::new(),
                TokioConnectionProvider::default(),
            )
        });
        uncached(builder.options_mut());
        DnsVerifier {
            resolver: builder.build(),
        }
    }

    /// Asks only this nameserver (over UDP, and TCP for long answers).
    pub fn nameserver(addr: SocketAddr) -> Self {
        let servers = NameServerConfigGroup::from_ips_clear(&[addr.ip()], addr.port(), true);
        let mut builder = TokioResolver::builder_with_config(
            ResolverConfig::from_parts(None, vec![], servers),
            TokioConnectionProvider::default(),
        );
        uncached(builder.options_mut());
        DnsVerifier {
            resolver: builder.build(),
        }
    }

    /// Whether `domain`'s verification record holds `token`.
    pub async fn check(&self, domain: &str, token: &str) -> DnsCheck {
        let (host, expected) = verification_record(domain, token);
        // The trailing dot makes the name absolute, so no search domain is appended.
        match self.resolver.txt_lookup(format!("{host}.")).await {
            Ok(lookup) => {
                // A long TXT value arrives as several strings, which together make the value.
                let values: Vec<String> = lookup
                    .iter()
                    .map(|txt| {
                        txt.txt_data()
                            .iter()
                            .map(|part| String::from_utf8_lossy(part))
                            .collect()
                    })
                    .collect();
                if values.iter().any(|value| value.trim() == expected) {
                    DnsCheck::Found
                } else if values.is_empty() {
                    DnsCheck::Missing(format!("There is no TXT record at {host}."))
                } else {
                    DnsCheck::Missing(format!(
                        "The TXT record at {host} does not hold {expected} (found: {}).",
                        values.join(", ")
                    ))
                }
            }
            Err(error) if error.is_no_records_found() || error.is_nx_domain() => {
                DnsCheck::Missing(format!("There is no TXT record at {host}."))
            }
            Err(error) => DnsCheck::Unanswered(format!(
                "The DNS lookup of {host} got no answer ({error}). Roster tries again later."
            )),
        }
    }
}
