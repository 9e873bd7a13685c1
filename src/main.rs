//! The `tcs-portal` command line (minimal on this branch: only `digicert-sim`).

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "tcs-portal", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the DigiCert CertCentral sandbox.
    DigicertSim(tcs_portal::sandbox::cli::SimArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    match Cli::parse().command {
        Command::DigicertSim(args) => tcs_portal::sandbox::cli::run(args).await,
    }
}
