use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::{Parser, Subcommand};
use roster_server::app;
use roster_server::auth;
use roster_server::dataset;
use roster_server::dns::DnsVerifier;
use roster_server::domains;
use roster_server::mail::{self, MailTransport, Mailer};
use roster_server::state::{self, AppState, Clock, Settings};
use roster_server::store::Store;
use roster_server::two_factor;
use tracing_subscriber::EnvFilter;

/// The password of every demo user. Only `serve --demo` uses it, and it says so when it starts.
const DEMO_PASSWORD: &str = "roster-demo";

#[derive(Parser)]
#[command(name = "roster-server", version, about = "Roster's JSON API server")]
struct Cli {
    /// Database URL, e.g. sqlite://roster.db (the file is created when missing).
    #[arg(
        long,
        global = true,
        env = "ROSTER_DATABASE",
        default_value = "sqlite://roster.db"
    )]
    database: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API, and the built app when --static is given.
    Serve {
        #[arg(long, env = "ROSTER_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Directory of the built app (Trunk's dist/).
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
    },
    /// Bring the database schema up to date, then exit.
    Migrate,
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let store = Store::open(&cli.database).await?;
    let clock = Clock::system();

    match cli.command {
        Command::Migrate => {
            tracing::info!(database = %cli.database, "schema is up to date");
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
        } => {
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
            let settings = Settings {
                public_url: public_url
                    .unwrap_or_else(|| {
                        format!("http://{}", listener.local_addr().unwrap_or(listen))
                    })
                    .trim_end_matches('/')
                    .to_owned(),
                invitation_ttl_seconds: invitation_days.max(1) * 24 * 60 * 60,
                ..Settings::default()
            };
            let state = AppState {
                store,
                clock,
                mailer: Mailer::new(transport, &mail_from)?,
                dns: dns_server.map_or_else(DnsVerifier::system, DnsVerifier::nameserver),
                settings: Arc::new(settings),
            };
            tokio::spawn(mail::run_delivery(
                state.store.clone(),
                state.mailer.clone(),
                state.clock.clone(),
            ));
            tokio::spawn(domains::run_rechecks(state.clone()));
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
