//! The sandbox as a standalone server: the options and the server loop behind both
//! `digicert-sim` (this crate's program) and `tcs-portal digicert-sim`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::rate_limit::{RateLimits, RateWindow};
use super::{AccountSeed, DEFAULT_PUBLIC_HOST, Sandbox, SandboxOptions, router};

/// Options of `digicert-sim`.
#[derive(Debug, Clone, Args)]
pub struct SimArgs {
    /// Address to listen on, e.g. 127.0.0.1:8089.
    #[arg(long, default_value = "127.0.0.1:8089", env = "DIGICERT_SIM_BIND")]
    pub bind: SocketAddr,
    /// An API key (X-DC-DEVKEY) to accept; repeat for more. Each key is one isolated account.
    #[arg(long = "api-key", required_unless_present = "seed")]
    pub api_keys: Vec<String>,
    /// JSON file with accounts to pre-seed: an array of {"api_key", "organizations": [{"name",
    /// "smime": {"state": "validated"}, "domains": [{"name", "state": {...}}]}]} (see the
    /// control API documentation for every field).
    #[arg(long)]
    pub seed: Option<PathBuf>,
    /// Directory for the CA keys and the state. Without it everything lives in memory and is
    /// lost on exit.
    #[arg(long, env = "DIGICERT_SIM_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// Key for the control API under /sandbox (header X-Sandbox-Key). Random when omitted;
    /// it is printed at start-up.
    #[arg(long, env = "DIGICERT_SIM_CONTROL_KEY")]
    pub control_key: Option<String>,
    /// Public-style host name put into CRL and AIA URLs. Point it at this server (DNS or
    /// /etc/hosts); internal names such as localhost make pkilint report errors.
    #[arg(long, default_value = DEFAULT_PUBLIC_HOST)]
    pub public_host: String,
    /// Short rate-limit window: at most this many requests per key…
    #[arg(long, default_value_t = 100)]
    pub rate_short_max: usize,
    /// …per this many seconds.
    #[arg(long, default_value_t = 5)]
    pub rate_short_seconds: u64,
    /// Long rate-limit window: at most this many requests per key…
    #[arg(long, default_value_t = 1000)]
    pub rate_long_max: usize,
    /// …per this many seconds.
    #[arg(long, default_value_t = 180)]
    pub rate_long_seconds: u64,
}

impl SimArgs {
    pub fn options(&self) -> anyhow::Result<SandboxOptions> {
        let mut options = SandboxOptions {
            public_host: self.public_host.clone(),
            state_dir: self.state_dir.clone(),
            rate_limits: RateLimits {
                windows: vec![
                    RateWindow {
                        max_requests: self.rate_short_max,
                        per: Duration::from_secs(self.rate_short_seconds),
                    },
                    RateWindow {
                        max_requests: self.rate_long_max,
                        per: Duration::from_secs(self.rate_long_seconds),
                    },
                ],
            },
            ..SandboxOptions::default()
        };
        if let Some(key) = &self.control_key {
            options.control_key = key.clone();
        }
        if let Some(path) = &self.seed {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let seeds: Vec<AccountSeed> = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", path.display()))?;
            options.accounts.extend(seeds);
        }
        for key in &self.api_keys {
            if !options.accounts.iter().any(|a| &a.api_key == key) {
                options.accounts.push(AccountSeed::new(key.clone()));
            }
        }
        Ok(options)
    }
}

/// Serves until Ctrl-C or SIGTERM.
#[expect(
    clippy::print_stdout,
    reason = "the addresses and the control key are for the person who started the sandbox"
)]
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    let options = args.options()?;
    let control_key = options.control_key.clone();
    let sandbox = tokio::task::spawn_blocking(move || Sandbox::new(options)).await??;
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("binding {}", args.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, public_host = %args.public_host, "DigiCert sandbox listening");
    println!(
        "DigiCert sandbox: Services API http://{addr}/services/v2, control API http://{addr}/sandbox"
    );
    if args.control_key.is_none() {
        println!("control key (X-Sandbox-Key): {control_key}");
    }
    axum::serve(listener, router(sandbox))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
