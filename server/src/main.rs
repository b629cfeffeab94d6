use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand};
use ipnet::IpNet;
use roster_server::app;
use roster_server::auth::{self, PasswordHashing};
use roster_server::dataset;
use roster_server::dns::DnsVerifier;
use roster_server::host_sign_in::{HostSignIn, KeySource, TrustedIssuer};

use roster_server::clock::Clock;
use roster_server::mail::{self, MailTransport, Mailer};
use roster_server::ops::{self, domains, maintenance};
use roster_server::secrets::SecretKey;
use roster_server::state::{self, AppState, Settings};
use roster_server::store::Store;
use roster_server::two_factor;
use tracing_subscriber::EnvFilter;

/// The password of every demo user. Only `serve --demo` uses it, and it says so when it starts.
const DEMO_PASSWORD: &str = "roster-demo";

#[derive(Parser)]
#[command(name = "roster-server", version, about = "Roster's JSON API server")]
struct Cli {
    /// Database URL: sqlite://roster.db (the file is created when missing) or
    /// postgres://user:password@host/database (an existing database; the schema is created).
    #[arg(
        long,
        global = true,
        env = "ROSTER_DATABASE",
        default_value = "sqlite://roster.db"
    )]
    database: String,
    /// File holding the server's secret key (64 hex characters), which encrypts two-factor
    /// secrets in the database. Keep it outside the database and its backups; create one with
    /// `roster-server create-secret-key FILE`.
    #[arg(long, global = true, env = "ROSTER_SECRET_KEY_FILE")]
    secret_key_file: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start-up: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serve the API, and the built app when --static is given.
    Serve {
        #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Directory of the built app (dist/, written by scripts/build-app.mjs).
        #[arg(long = "static", env = "ROSTER_STATIC")]
        static_dir: Option<PathBuf>,
        /// Create the demo organization when the database has none.
        #[arg(long)]
        demo: bool,
        /// Where people reach Roster, for links in mail (default: http://<listen address>).
        #[arg(long, env = "ROSTER_PUBLIC_URL")]
        public_url: Option<String>,
        /// Send mail through this SMTP server: smtp://host:port, smtp://host?tls=required or
        /// smtps://host, with optional user:password@. Without it, mail is written to --mail-dir.
        #[arg(long, env = "ROSTER_SMTP_URL")]
        smtp_url: Option<String>,
        /// Folder that receives mail as .eml files when no SMTP server is configured.
        #[arg(long, env = "ROSTER_MAIL_DIR", default_value = "mail")]
        mail_dir: PathBuf,
        /// Sender of Roster's mail.
        #[arg(long, env = "ROSTER_MAIL_FROM", default_value = state::DEFAULT_FROM)]
        mail_from: String,
        /// Nameserver (ip:port) that domain verification asks; default: the system's resolvers.
        #[arg(long, env = "ROSTER_DNS_SERVER")]
        dns_server: Option<SocketAddr>,
        /// Days an invitation link stays valid.
        #[arg(long, env = "ROSTER_INVITATION_DAYS", default_value_t = roster_model::DEFAULT_INVITATION_DAYS)]
        invitation_days: i64,
        /// A proxy (IP or CIDR range, repeatable) whose X-Forwarded-For and X-Forwarded-Proto
        /// are believed. Without one, the client address is the connection's.
        #[arg(long = "trusted-proxy", env = "ROSTER_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_ip_net)]
        trusted_proxies: Vec<IpNet>,
        /// Another host name (host or host:port, repeatable) the server answers to, besides the
        /// one of --public-url.
        #[arg(
            long = "allowed-host",
            env = "ROSTER_ALLOWED_HOSTS",
            value_delimiter = ','
        )]
        allowed_hosts: Vec<String>,
        /// Invitation mails to addresses outside its verified domains an organization may send per day
        /// (one such mailbox, name+tag@ counted as name@, gets at most 10 of them).
        #[arg(long, env = "ROSTER_OUTSIDE_MAIL_PER_DAY", default_value_t = state::DEFAULT_OUTSIDE_MAIL_PER_DAY)]
        outside_mail_per_day: u32,
        /// The origin of a host page that embeds the console (repeatable), e.g.
        /// https://console.example.com: its cross-origin requests are answered. None: no origin is.
        #[arg(long = "allowed-origin", env = "ROSTER_ALLOWED_ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
        allowed_origins: Vec<String>,
        #[command(flatten)]
        trusted: TrustedIssuerArgs,
    },
    /// Write a new random secret key to FILE (readable by its owner only; never overwrites).
    CreateSecretKey { file: PathBuf },
    /// Bring the database schema up to date, then exit.
    Migrate,
    /// Print a new SCIM provisioning token of an organization on standard output.
    ScimToken {
        /// The organization's id.
        #[arg(long)]
        organization: i64,
        /// What will use it (shown on the Provisioning page).
        #[arg(long, default_value = "Command line")]
        name: String,
    },
    /// Add one generated organization with this many users (for benchmarks and large demos).
    Seed {
        #[arg(long)]
        users: u64,
        /// More existing users on the organization's domain, outside it, for bulk import.
        #[arg(long, default_value_t = 0)]
        importable: u64,
        /// Password of the generated Owner, owner@org<id>.example (no sign-in without one).
        #[arg(long, env = "ROSTER_SEED_OWNER_PASSWORD")]
        owner_password: Option<String>,
    },
}

/// An issuer whose JSON Web Tokens sign people in for an embedding host.
#[derive(clap::Args)]
struct TrustedIssuerArgs {
    /// The `iss` of the tokens to trust. Needs --trusted-audience and --trusted-jwks.
    #[arg(long = "trusted-issuer", env = "ROSTER_TRUSTED_ISSUER", requires_all = ["audience", "jwks"])]
    issuer: Option<String>,
    /// The `aud` the tokens must carry: the name the issuer gives this Roster.
    #[arg(
        long = "trusted-audience",
        env = "ROSTER_TRUSTED_AUDIENCE",
        requires = "issuer"
    )]
    audience: Option<String>,
    /// The issuer's public keys: a JWKS file, or an http(s) URL (read again when a token names
    /// a key it does not hold).
    #[arg(
        long = "trusted-jwks",
        env = "ROSTER_TRUSTED_JWKS",
        requires = "issuer"
    )]
    jwks: Option<String>,
    /// The claim that holds the person's email. A token signs its person in only when it also
    /// says `"email_verified": true` (see --trusted-issuer-verifies-email).
    #[arg(
        long = "trusted-email-claim",
        env = "ROSTER_TRUSTED_EMAIL_CLAIM",
        default_value = "email"
    )]
    email_claim: String,
    /// The issuer names people, in the claim --trusted-email-claim names (not `email`), only by
    /// addresses it verified, such as a company directory's own (Microsoft Entra ID's `upn`), and
    /// sends no `email_verified`: a token without that claim is then believed. One that says
    /// anything but `true` is still refused.
    #[arg(
        long = "trusted-issuer-verifies-email",
        env = "ROSTER_TRUSTED_ISSUER_VERIFIES_EMAIL",
        requires = "issuer"
    )]
    verifies_email: bool,
}

impl TrustedIssuerArgs {
    fn issuer(self) -> Result<Option<TrustedIssuer>, String> {
        // Such issuers' `email` claim is often one the person sets (Entra ID's is: "nOAuth"), so
        // believing it unverified would sign anyone in as whoever holds that address here.
        if self.verifies_email && self.email_claim == "email" {
            return Err("--trusted-issuer-verifies-email needs --trusted-email-claim to name the claim the issuer verifies, such as Entra ID's upn: its `email` claim, without email_verified, may be one the person set.".to_owned());
        }
        let (Some(issuer), Some(audience), Some(jwks)) = (self.issuer, self.audience, self.jwks)
        else {
            return Ok(None);
        };
        Ok(Some(TrustedIssuer {
            issuer,
            audience,
            keys: KeySource::parse(&jwks),
            email_claim: self.email_claim,
            verifies_email: self.verifies_email,
        }))
    }
}

/// A browser origin as it sends it: scheme, host and port, nothing after.
fn parse_origin(value: &str) -> Result<String, String> {
    let origin = value.trim().trim_end_matches('/');
    let rest = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .ok_or_else(|| format!("{value:?} is not an origin: start it with https:// or http://"))?;
    if rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return Err(format!(
            "{value:?} is not an origin: give only the scheme, host and port, e.g. https://console.example.com"
        ));
    }
    Ok(origin.to_ascii_lowercase())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Errors read as sentences (their Display), not as debug dumps.
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    // Logs go to stderr: stdout is a command's answer (`scim-token` prints the token there for
    // scripts to read). PostgreSQL's notices ("already exists, skipping") are not news.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx::postgres::notice=warn")),
        )
        .init();
    let cli = Cli::parse();
    if let Command::CreateSecretKey { file } = &cli.command {
        SecretKey::create(file)?;
        println!("Wrote a new secret key to {}.", file.display());
        return Ok(());
    }
    let key_file = cli.secret_key_file.as_deref().ok_or(
        "--secret-key-file (or ROSTER_SECRET_KEY_FILE) is required: it names the file holding the key that \
         encrypts two-factor secrets. Create one with `roster-server create-secret-key FILE`.",
    )?;
    let store = Store::open(&cli.database, SecretKey::load(key_file)?).await?;
    let clock = Clock::system();

    match cli.command {
        Command::CreateSecretKey { .. } => unreachable!("handled before the store opens"),
        Command::Migrate => {
            // The backend only: the database URL may carry its password.
            tracing::info!(backend = ?store.backend(), "schema is up to date");
        }
        Command::ScimToken { organization, name } => {
            let secret =
                ops::scim::create_token_on_command_line(&store, organization, &name, clock.now())
                    .await?;
            println!("{secret}");
        }
        Command::Seed {
            users,
            importable,
            owner_password,
        } => {
            let started = Instant::now();
            let owner_hash = owner_password
                .as_deref()
                .map(auth::hash_password)
                .transpose()?;
            let data = dataset::organization_of_size(
                store.next_ids().await?,
                users,
                importable,
                clock.now(),
                owner_hash.as_deref(),
            );
            store.insert_dataset(&data).await?;
            let org = data
                .orgs
                .first()
                .map(|o| o.name.as_str())
                .unwrap_or_default();
            println!(
                "Seeded {org:?}: {} users, {} accounts, {} access grants in {:.1?}",
                data.users.len(),
                data.accounts.len(),
                data.access.len(),
                started.elapsed()
            );
        }
        Command::Serve {
            listen,
            static_dir,
            demo,
            public_url,
            smtp_url,
            mail_dir,
            mail_from,
            dns_server,
            invitation_days,
            trusted_proxies,
            allowed_hosts,
            outside_mail_per_day,
            allowed_origins,
            trusted,
        } => {
            let host_sign_in = match trusted.issuer()? {
                Some(issuer) => Some(Arc::new(HostSignIn::load(issuer).await?)),
                None => None,
            };
            if demo {
                if store.primary_org_id().await?.is_none() {
                    // One hash serves every demo user: they all share the printed demo password.
                    let hash = auth::hash_password(DEMO_PASSWORD)?;
                    store
                        .insert_dataset(&dataset::demo(store.next_ids().await?, clock.now(), &hash))
                        .await?;
                    tracing::info!("created the demo organization");
                }
                println!(
                    "Demo sign-in (password {DEMO_PASSWORD:?}): {} (Owner) or {} (Member)",
                    dataset::DEMO_OWNER_EMAIL,
                    dataset::DEMO_MEMBER_EMAIL
                );
                println!(
                    "Two-factor demo: {} with the authenticator secret {}",
                    dataset::DEMO_TWO_FACTOR_EMAIL,
                    two_factor::demo_secret(dataset::DEMO_TWO_FACTOR_EMAIL)
                );
            }
            let listener = tokio::net::TcpListener::bind(listen).await?;
            let transport = match smtp_url {
                Some(url) => Mailer::smtp(&url)?,
                None => {
                    println!(
                        "Mail is written to {} (no SMTP server configured).",
                        mail_dir.display()
                    );
                    MailTransport::Files(mail_dir)
                }
            };
            let local = listener.local_addr().unwrap_or(listen);
            let public_url = public_url
                .unwrap_or_else(|| format!("http://{local}"))
                .trim_end_matches('/')
                .to_owned();
            let settings = Settings {
                allowed_hosts: served_hosts(&public_url, local, allowed_hosts),
                public_url,
                trusted_proxies,
                invitation_ttl_seconds: invitation_days.max(1) * 24 * 60 * 60,
                outside_mail_per_day,
                allowed_origins,
                ..Settings::default()
            };
            let state = AppState {
                store,
                clock,
                mailer: Mailer::new(transport, &mail_from)?,
                dns: dns_server.map_or_else(DnsVerifier::system, DnsVerifier::nameserver),
                settings: Arc::new(settings),
                hashing: PasswordHashing::for_this_machine(),
                host_sign_in,
                scim_limits: Arc::default(),
            };
            tokio::spawn(mail::run_delivery(
                state.store.clone(),
                state.mailer.clone(),
                state.clock.clone(),
            ));
            tokio::spawn(domains::run_rechecks(state.clone()));
            tokio::spawn(maintenance::run_pruning(
                state.store.clone(),
                state.clock.clone(),
                state.scim_limits.clone(),
            ));
            let router = app::router(state, static_dir.as_deref());
            println!("Roster is running at http://{}/", listener.local_addr()?);
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        }
    }
    Ok(())
}

/// The host names the server answers to: the public URL's, any given, and — when it listens on a
/// loopback address — that address and `localhost` on its port, as people type them locally.
fn served_hosts(public_url: &str, local: SocketAddr, extra: Vec<String>) -> Vec<String> {
    let mut hosts: Vec<String> = state::host_of(public_url).into_iter().collect();
    hosts.extend(extra.into_iter().map(|h| h.trim().to_ascii_lowercase()));
    if local.ip().is_loopback() {
        let port = local.port();
        hosts.push(format!("localhost:{port}"));
        hosts.push(local.to_string());
    }
    hosts.sort();
    hosts.dedup();
    hosts
}

/// An IP range (`10.0.0.0/8`) or one address.
fn parse_ip_net(text: &str) -> Result<IpNet, String> {
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{text:?} is not an IP address or range"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
