//! A real SAML IdP for the demo (`scripts/dev-idp.sh`): SimpleSAMLphp on loopback, trusting
//! the portal whose URL is the first argument, with a user for each demo institution's admin
//! and an ETF person without an account, for self-service.
//!
//!   cargo run -p testkit --example dev_idp -- [PORTAL_URL] [PORT]
use testkit::simplesamlphp::{IdpUser, SimpleSamlPhp, installed};

const PASSWORD: &str = "idp-demo";

#[tokio::main]
#[expect(
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a developer's tool at a terminal: it prints its instructions and stops on errors"
)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let portal = args
        .next()
        .unwrap_or_else(|| "http://localhost:8080".to_owned());
    let port: u16 = args.next().map_or(8091, |port| port.parse().unwrap());
    assert!(
        installed(),
        "SimpleSAMLphp is missing: run scripts/install-tools.sh as root"
    );
    let metadata_url = format!("{}/saml/metadata", portal.trim_end_matches('/'));
    let sp_metadata = reqwest::get(&metadata_url)
        .await
        .and_then(reqwest::Response::error_for_status)
        .unwrap_or_else(|error| {
            panic!("cannot read {metadata_url} (is the portal running?): {error}")
        })
        .text()
        .await
        .unwrap();
    let users = [
        IdpUser::person("ana.admin", PASSWORD, "etf.bg.ac.rs", "Ana", "Anić"),
        IdpUser::person("boris.admin", PASSWORD, "pmf.uns.ac.rs", "Boris", "Babić"),
        IdpUser::person("petar", PASSWORD, "etf.bg.ac.rs", "Petar", "Petrović"),
    ];
    let idp = SimpleSamlPhp::start(
        port,
        &sp_metadata,
        &["etf.bg.ac.rs", "pmf.uns.ac.rs"],
        &users,
    )
    .await;
    println!(
        "\n================ SimpleSAMLphp for the tcs-portal demo ================\n\
         IdP metadata (its URL is also its entityID): {metadata}\n\
         Users (password {PASSWORD}): ana.admin (ETF), boris.admin (PMF), petar (ETF staff,\n\
         no account: the demo seeds ETF's self-service policy for employees, faculty, staff)\n\
         \n\
         1. As staff@amres.ac.rs: Staff → Federated login (SAML) → add trusted metadata:\n\
            kind \"A single IdP\", URL {metadata}\n\
         2. In the same page name {metadata} as the IdP of etf and pmf.\n\
         3. As ana.admin@etf.bg.ac.rs: My account → Link my institution's login; log in at\n\
            the IdP as ana.admin. From then on: Log in → Log in with your institution.\n\
         4. Self-service: open /self-service, choose ETF, log in as petar → My certificates\n\
            (the mailed code is in .demo/mail/).\n\
         Stop with Ctrl-C.\n\
         =======================================================================\n",
        metadata = idp.metadata_url(),
    );
    tokio::signal::ctrl_c().await.unwrap();
    idp.stop().await;
}
