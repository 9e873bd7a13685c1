//! The `tcs-portal` command line: one subcommand per way of running the portal.
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;

use crate::audit::ChainCheck;
use crate::config::Settings;
use crate::demo::DemoArgs;

/// AMRES portal for GÉANT TCS client (S/MIME) certificates.
///
/// Settings come from built-in defaults, then the optional TOML file given with --config,
/// then environment variables (DATABASE_URL, TCS_BIND, TCS_PUBLIC_URL, TCS_MASTER_KEY, …;
/// see README.md for the full list).
#[derive(Debug, Parser)]
#[command(name = "tcs-portal", version, about, long_about)]
pub struct Cli {
    /// TOML settings file, layered over the defaults and under the environment.
    #[arg(long, global = true, env = "TCS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the portal and run its background workers (migrations are applied first).
    Serve,
    /// Create the database if it is missing and apply all migrations, then exit.
    Migrate,
    /// Manage AMRES staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Inspect the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage institutions' API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Everything on one machine for a first look: database, DigiCert sandbox, demo data, and the portal.
    Demo(DemoArgs),
    /// Run the DigiCert sandbox: a local CertCentral Services API v2 that issues real certificates.
    #[command(after_long_help = digicert_sim::docs::help_text())]
    DigicertSim(digicert_sim::cli::SimArgs),
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create a staff account and print a one-time enrolment link for it.
    Create {
        /// E-mail address of the new staff member (their login).
        #[arg(long)]
        email: String,
        /// Display name of the new staff member.
        #[arg(long)]
        name: String,
        /// Create a read-only staff auditor instead of full staff.
        #[arg(long)]
        auditor: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an institution and print it (it is shown only once). The
    /// token acts for the institution's earliest active admin, and stops when they go.
    Create {
        /// The institution's slug.
        #[arg(long)]
        institution: String,
        /// A name for the token, as lists show it.
        #[arg(long)]
        name: String,
        /// Comma-separated: orders:read, orders:write, orders:revoke, domains:read, people:write.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// Days until it expires (1 to 365).
        #[arg(long, default_value_t = crate::auth::api_token::DEFAULT_DAYS)]
        expires_in: i64,
        /// Comma-separated source networks (CIDR) it may be used from; anywhere if none.
        #[arg(long, value_delimiter = ',')]
        networks: Vec<ipnet::IpNet>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain and name the first broken row, if any.
    Verify,
}

/// Run one subcommand to completion and turn its outcome into an exit code.
pub fn run(cli: Cli) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[expect(
    clippy::print_stdout,
    reason = "what a subcommand made or found is for the person at the terminal"
)]
async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let config_file = cli.config;
    let settings = || -> anyhow::Result<Settings> {
        let settings = Settings::load(config_file.as_deref())?;
        crate::telemetry::init_tracing(&settings);
        Ok(settings)
    };
    match cli.command {
        // The sandbox is a product of its own, with its own flags and no portal settings.
        Command::DigicertSim(args) => digicert_sim::cli::run(args).await?,
        Command::Serve => crate::app::serve(settings()?).await?,
        Command::Migrate => {
            crate::db::connect_and_migrate(&settings()?).await?;
            println!("database is migrated");
        }
        Command::Staff(StaffCommand::Create {
            email,
            name,
            auditor,
        }) => {
            let link =
                crate::services::onboarding::create_staff(&settings()?, &email, &name, auditor)
                    .await?;
            println!("Staff account created for {email}.");
            println!(
                "One-time enrolment link (valid {} hours):",
                crate::services::onboarding::INVITATION_TTL_HOURS
            );
            println!("{link}");
        }
        Command::Token(TokenCommand::Create {
            institution,
            name,
            scopes,
            expires_in,
            networks,
        }) => {
            let token = crate::services::api_tokens::create_from_cli(
                &settings()?,
                &institution,
                &name,
                &scopes,
                expires_in,
                networks,
            )
            .await?;
            println!("{}", token.expose_secret());
        }
        Command::Audit(AuditCommand::Verify) => match crate::audit::verify(&settings()?).await? {
            ChainCheck::Intact { events } => {
                println!("audit log intact: {events} events, hash chain verified");
            }
            ChainCheck::Broken { id, reason } => {
                println!("audit log BROKEN at event id {id}: {reason}");
                return Ok(ExitCode::FAILURE);
            }
        },
        Command::Demo(args) => {
            // The demo shares its terminal with people reading the banner: pretty logs
            // there, unless asked otherwise.
            let mut settings = Settings::load(config_file.as_deref())?;
            if std::env::var_os("TCS_LOG_FORMAT").is_none() {
                settings.log_format = crate::config::LogFormat::Pretty;
            }
            crate::telemetry::init_tracing(&settings);
            crate::demo::run(settings, args).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}
