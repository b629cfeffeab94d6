//! The loopback DNS server of the end-to-end tests: answers TXT queries from files in a folder
//! (file name = host name, one TXT value per line), which the Playwright specs write.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use roster_testkit::{DnsFixture, Records};

#[derive(Parser)]
struct Cli {
    /// Loopback address to answer on.
    #[arg(long, default_value = "127.0.0.1:18453")]
    listen: SocketAddr,
    /// Folder of records.
    #[arg(long)]
    records: PathBuf,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let cli = Cli::parse();
    if !cli.listen.ip().is_loopback() {
        return Err(std::io::Error::other(
            "the DNS fixture listens on loopback only",
        ));
    }
    std::fs::create_dir_all(&cli.records)?;
    let fixture = DnsFixture::serve(cli.listen, Records::Dir(cli.records)).await?;
    println!("DNS fixture answering on {} (udp)", fixture.addr());
    fixture.run_forever().await;
    Ok(())
}
