//! Entry point: parse the command line and hand over to `tcs_portal::cli`.
use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = tcs_portal::cli::Cli::parse();
    tcs_portal::cli::run(cli)
}
