//! `digicert-sim`: the DigiCert sandbox as a program of its own, for those who want it without
//! the portal (an institution training its admins, a developer trying a client). It takes the
//! same options as `tcs-portal digicert-sim`.
use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

/// A local DigiCert CertCentral Services API v2 that issues real (sandbox-rooted) S/MIME
/// certificates, with a control API to move time, inject faults and approve requests.
#[derive(Debug, Parser)]
#[command(name = "digicert-sim", version, about, long_about, after_long_help = digicert_sim::docs::help_text())]
struct Cli {
    #[command(flatten)]
    sim: digicert_sim::cli::SimArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr, so stdout carries only the addresses and the control key for the
    // person (or script) that started the sandbox; RUST_LOG narrows or widens them.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match digicert_sim::cli::run(cli.sim).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
