//! Bench (issue 11 §5): a login flood against a running portal, for `bench/bench.py` to
//! measure an authenticated page while it lasts.
//!
//! Opens `--connections` keep-alive connections, spread round-robin over the source
//! addresses given (one address: a flood from one client; a range such as
//! `127.0.0.3-254`: a flood from many), and on each posts the same login form
//! back to back for `--duration` seconds, each connection waiting for its answer
//! before the next post (as a script reusing one CSRF token would). Prints one JSON
//! line: requests sent, answers per status, and connection errors.
#![expect(
    clippy::print_stdout,
    reason = "the bench script reads the counts this prints"
)]

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use serde_json::json;

#[derive(Parser)]
struct Args {
    /// The portal, e.g. http://127.0.0.1:8080
    #[arg(long)]
    url: String,
    /// The Host header the portal expects (its public URL's authority).
    #[arg(long)]
    host: String,
    /// One IPv4 address, or a last-octet range: 127.0.0.3-254.
    #[arg(long)]
    sources: String,
    #[arg(long, default_value_t = 200)]
    connections: usize,
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// The Cookie header to send (the CSRF nonce cookie the form was made for).
    #[arg(long, default_value = "")]
    cookie: String,
    /// The url-encoded login form, CSRF token included.
    #[arg(long)]
    form: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let sources = parse_sources(&args.sources)?;
    let until = Instant::now() + Duration::from_secs(args.duration);
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..args.connections {
        let source = sources[index % sources.len()];
        let client = reqwest::Client::builder()
            .local_address(source)
            .pool_max_idle_per_host(1)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        let request = client
            .post(format!("{}/login", args.url))
            .header("host", &args.host)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", &args.cookie)
            .body(args.form.clone())
            .build()?;
        tasks.spawn(flood(client, request, until));
    }
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    let mut errors = 0;
    while let Some(done) = tasks.join_next().await {
        let (counts, failed) = done?;
        for (status, count) in counts {
            *statuses.entry(status.to_string()).or_default() += count;
        }
        errors += failed;
    }
    let requests: u64 = statuses.values().sum();
    println!(
        "{}",
        json!({"requests": requests, "statuses": statuses, "errors": errors})
    );
    Ok(())
}

/// Posts `request` on one connection until `until`; answers per status and errors.
async fn flood(
    client: reqwest::Client,
    request: reqwest::Request,
    until: Instant,
) -> (BTreeMap<u16, u64>, u64) {
    let mut statuses = BTreeMap::new();
    let mut errors = 0;
    while Instant::now() < until {
        let Some(attempt) = request.try_clone() else {
            break;
        };
        match client.execute(attempt).await {
            Ok(response) => {
                *statuses.entry(response.status().as_u16()).or_default() += 1;
                // Read the body so the connection can carry the next post.
                if response.bytes().await.is_err() {
                    errors += 1;
                }
            }
            Err(_) => {
                errors += 1;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    (statuses, errors)
}

fn parse_sources(text: &str) -> anyhow::Result<Vec<IpAddr>> {
    let Some((first, last)) = text.split_once('-') else {
        return Ok(vec![text.parse().context("--sources")?]);
    };
    let first: Ipv4Addr = first.parse().context("--sources")?;
    let last: u8 = last
        .parse()
        .context("--sources: the range ends in a last octet")?;
    let [a, b, c, start] = first.octets();
    if last < start {
        bail!("--sources: the range ends before it starts");
    }
    Ok((start..=last)
        .map(|d| IpAddr::V4(Ipv4Addr::new(a, b, c, d)))
        .collect())
}
