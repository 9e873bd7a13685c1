//! Bench (issue 6 §10): the portal's key generation plus CSR per key type, and its
//! PKCS#12 build, each against the `openssl` command line measured in the same run.
//! Run by `bash bench/run.sh` (release build); `cargo run --release -p pki --example
//! pki_bench` alone works too.
//!
//! Ours runs in this process; every openssl figure is one process, so its start-up
//! (the median of `openssl version`) is measured as well and a second ratio is given
//! against openssl with it taken off. The samples of ours and openssl alternate, so
//! load from elsewhere on the machine hits both alike. Medians are reported.
//!
//! Sample counts: BENCH_PKI_RSA (default 10), BENCH_PKI_EC (40), BENCH_PKI_P12 (5).
//! The figures are also written as JSON to the path given as the first argument
//! (default artifacts/bench/pki.json).
#![expect(
    clippy::print_stdout,
    reason = "a bench is run from a terminal and prints its report there"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};
use pki::keygen::{self, KeyType};
use pki::pkcs12::PKCS12_ITERATIONS;
use pki::{CertificateChain, GeneratedKey, Passphrase, Pkcs12Format, build_pkcs12, pem};
use serde_json::json;

const COMMON_NAME: &str = "Petar Petrovic";
const EMAIL: &str = "petar@etf.bg.ac.rs";
/// openssl reads the PKCS#12 password from this variable, not from its argv.
const PASS_VAR: &str = "TCS_BENCH_P12_PASS";

fn main() -> anyhow::Result<()> {
    let json_path = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("artifacts/bench/pki.json"), PathBuf::from);
    let dir = tempfile::tempdir()?;
    let openssl_version = run_openssl(dir.path(), &["version"], &[])?;
    let startup = median(&sample(40, || {
        run_openssl(dir.path(), &["version"], &[]).map(drop)
    })?);

    let keys = [
        (
            KeyType::Rsa3072,
            "RSA 3072",
            samples_from_env("BENCH_PKI_RSA", 10)?,
        ),
        (
            KeyType::EcdsaP256,
            "P-256",
            samples_from_env("BENCH_PKI_EC", 40)?,
        ),
    ];
    let mut key_rows = Vec::new();
    for (key_type, label, count) in keys {
        eprintln!("pki bench: {count} x {label} key + CSR, ours and openssl …");
        key_rows.push(KeyRow::measure(dir.path(), key_type, label, count)?);
    }
    let p12_count = samples_from_env("BENCH_PKI_P12", 5)?;
    eprintln!(
        "pki bench: {p12_count} x PKCS#12 at {PKCS12_ITERATIONS} iterations, ours and openssl …"
    );
    let p12 = Pkcs12Row::measure(dir.path(), p12_count)?;

    print_report(openssl_version.trim(), startup, &key_rows, &p12);
    let figures = json!({
        "openssl": openssl_version.trim(),
        "openssl_startup_ms": startup,
        "keys": key_rows.iter().map(KeyRow::to_json).collect::<Vec<_>>(),
        "pkcs12": p12.to_json(startup),
    });
    if let Some(parent) = json_path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&json_path, serde_json::to_string_pretty(&figures)? + "\n")?;
    println!("(pki figures also in {})", json_path.display());
    Ok(())
}

/// Key generation plus CSR for one key type: ours, `openssl genpkey` (key only, the
/// figure the issue asks for) and `openssl req -new -newkey` (key plus CSR in one
/// process, the like-for-like comparison).
struct KeyRow {
    label: &'static str,
    ours: Vec<f64>,
    genpkey: Vec<f64>,
    req: Vec<f64>,
}

impl KeyRow {
    fn measure(
        dir: &Path,
        key_type: KeyType,
        label: &'static str,
        count: usize,
    ) -> anyhow::Result<Self> {
        let (genpkey_args, newkey_args): (&[&str], &[&str]) = match key_type {
            KeyType::Rsa3072 => (
                &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072"],
                &["-newkey", "rsa:3072"],
            ),
            KeyType::EcdsaP256 => (
                &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
                &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
            ),
        };
        let genpkey: Vec<&str> = ["genpkey", "-out", "genpkey.pem"]
            .into_iter()
            .chain(genpkey_args.iter().copied())
            .collect();
        let subject = format!("/CN={COMMON_NAME}");
        let san = format!("subjectAltName=email:{EMAIL}");
        let req: Vec<&str> = [
            "req", "-new", "-nodes", "-sha256", "-keyout", "req.key", "-out", "req.csr",
        ]
        .into_iter()
        .chain(newkey_args.iter().copied())
        .chain(["-subj", &subject, "-addext", &san])
        .collect();
        let mut row = Self {
            label,
            ours: Vec::with_capacity(count),
            genpkey: Vec::with_capacity(count),
            req: Vec::with_capacity(count),
        };
        for _ in 0..count {
            row.ours
                .push(timed(|| Ok(keygen::generate(key_type, COMMON_NAME, &[EMAIL])?))?.0);
            row.genpkey
                .push(timed(|| run_openssl(dir, &genpkey, &[]))?.0);
            row.req.push(timed(|| run_openssl(dir, &req, &[]))?.0);
        }
        Ok(row)
    }

    fn to_json(&self) -> serde_json::Value {
        json!({
            "key_type": self.label,
            "samples": self.ours.len(),
            "ours_key_and_csr_ms": median(&self.ours),
            "openssl_genpkey_ms": median(&self.genpkey),
            "openssl_req_newkey_ms": median(&self.req),
        })
    }
}

/// The PKCS#12 of one RSA 3072 key (the default) with its leaf and CA, by
/// `pki::build_pkcs12` and by `openssl pkcs12 -export` with the same parameters.
struct Pkcs12Row {
    ours: Vec<f64>,
    openssl: Vec<f64>,
    /// What `openssl pkcs12 -info` says about each file, to show the same work was done.
    ours_info: String,
    openssl_info: String,
}

impl Pkcs12Row {
    fn measure(dir: &Path, count: usize) -> anyhow::Result<Self> {
        let key = keygen::generate(KeyType::Rsa3072, COMMON_NAME, &[EMAIL])?;
        let chain = issue_with_openssl(dir, &key)?;
        let passphrase = Passphrase::generate();
        let pass_env = [(PASS_VAR, passphrase.expose_secret())];
        let export = [
            "pkcs12",
            "-export",
            "-inkey",
            "leaf.key",
            "-in",
            "leaf.pem",
            "-certfile",
            "ca.pem",
            "-name",
            COMMON_NAME,
            "-keypbe",
            "AES-256-CBC",
            "-certpbe",
            "AES-256-CBC",
            "-macalg",
            "sha256",
            "-iter",
            "600000",
            "-passout",
            "env:TCS_BENCH_P12_PASS",
            "-out",
            "openssl.p12",
        ];
        let mut row = Self {
            ours: Vec::with_capacity(count),
            openssl: Vec::with_capacity(count),
            ours_info: String::new(),
            openssl_info: String::new(),
        };
        let mut built = Vec::new();
        for _ in 0..count {
            let (ms, file) = timed(|| {
                Ok(build_pkcs12(
                    key.private_key_pkcs8_der(),
                    &chain,
                    COMMON_NAME,
                    &passphrase,
                    Pkcs12Format::Modern,
                )?)
            })?;
            row.ours.push(ms);
            built = file;
            row.openssl
                .push(timed(|| run_openssl(dir, &export, &pass_env))?.0);
        }
        std::fs::write(dir.join("ours.p12"), &built)?;
        row.ours_info = p12_info(dir, "ours.p12", &pass_env)?;
        row.openssl_info = p12_info(dir, "openssl.p12", &pass_env)?;
        Ok(row)
    }

    fn to_json(&self, startup: f64) -> serde_json::Value {
        json!({
            "iterations": PKCS12_ITERATIONS,
            "samples": self.ours.len(),
            "ours_ms": median(&self.ours),
            "openssl_pkcs12_export_ms": median(&self.openssl),
            "ratio": median(&self.ours) / median(&self.openssl),
            "ratio_without_openssl_startup": median(&self.ours) / (median(&self.openssl) - startup),
            "ours_info": self.ours_info,
            "openssl_info": self.openssl_info,
        })
    }
}

/// A throwaway CA (P-256) signs the key's CSR, so both builders get the same key
/// and a real two-certificate chain. Not timed.
fn issue_with_openssl(dir: &Path, key: &GeneratedKey) -> anyhow::Result<CertificateChain> {
    std::fs::write(
        dir.join("leaf.key"),
        pem::encode("PRIVATE KEY", key.private_key_pkcs8_der()),
    )?;
    std::fs::write(dir.join("leaf.csr"), key.csr_pem())?;
    run_openssl(
        dir,
        &[
            "req",
            "-x509",
            "-nodes",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=Bench CA",
            "-days",
            "30",
        ],
        &[],
    )?;
    run_openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-copy_extensions",
            "copy",
            "-out",
            "leaf.pem",
        ],
        &[],
    )?;
    let der = |name: &str| -> anyhow::Result<Vec<u8>> {
        let text = std::fs::read_to_string(dir.join(name))?;
        let block = pem::decode_all(&text).into_iter().next();
        Ok(block
            .with_context(|| format!("no PEM block in {name}"))?
            .der)
    };
    Ok(CertificateChain::new(
        der("leaf.pem")?,
        vec![der("ca.pem")?],
    )?)
}

/// The encryption and MAC lines of `openssl pkcs12 -info`, joined.
fn p12_info(dir: &Path, file: &str, env: &[(&str, &str)]) -> anyhow::Result<String> {
    let out = run_openssl(
        dir,
        &[
            "pkcs12",
            "-info",
            "-noout",
            "-in",
            file,
            "-passin",
            "env:TCS_BENCH_P12_PASS",
        ],
        env,
    )?;
    let kept: Vec<&str> = out
        .lines()
        .filter(|line| {
            line.starts_with("MAC:")
                || line.contains("Encrypted data:")
                || line.starts_with("Shrouded Keybag:")
        })
        .collect();
    Ok(kept.join("; "))
}

/// Runs openssl in `dir`; its stdout and stderr, or an error with both.
fn run_openssl(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<String> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .context("running openssl")?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        bail!("openssl {} failed: {text}", args.join(" "));
    }
    Ok(text)
}

fn timed<T>(work: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(f64, T)> {
    let start = Instant::now();
    let value = work()?;
    Ok((start.elapsed().as_secs_f64() * 1000.0, value))
}

fn sample(count: usize, mut work: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Vec<f64>> {
    (0..count).map(|_| Ok(timed(&mut work)?.0)).collect()
}

fn median(samples: &[f64]) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

fn samples_from_env(name: &str, default: usize) -> anyhow::Result<usize> {
    match std::env::var(name) {
        Ok(value) => {
            let count: usize = value.parse().with_context(|| format!("{name}={value}"))?;
            if !(1..=1000).contains(&count) {
                bail!("{name} must be between 1 and 1000");
            }
            Ok(count)
        }
        Err(_) => Ok(default),
    }
}

fn print_report(version: &str, startup: f64, keys: &[KeyRow], p12: &Pkcs12Row) {
    println!(
        "\n== PKI: key generation + CSR (ours: pki::keygen::generate, in process) vs {version} =="
    );
    println!(
        "openssl process start-up (median `openssl version`): {startup:.2} ms; ratio < 1: ours is faster"
    );
    println!(
        "{:<10}{:>4}{:>12}{:>14}{:>17}{:>15}{:>18}{:>26}",
        "key",
        "n",
        "ours ms",
        "genpkey ms",
        "req -newkey ms",
        "vs genpkey",
        "vs req -newkey",
        "vs req -newkey − start-up"
    );
    for row in keys {
        let (ours, genpkey, req) = (median(&row.ours), median(&row.genpkey), median(&row.req));
        println!(
            "{:<10}{:>4}{:>12.2}{:>14.2}{:>17.2}{:>15.3}{:>18.3}{:>26}",
            row.label,
            row.ours.len(),
            ours,
            genpkey,
            req,
            ours / genpkey,
            ours / req,
            net_ratio(ours, req, startup)
        );
    }
    let (ours, openssl) = (median(&p12.ours), median(&p12.openssl));
    println!(
        "\n== PKI: PKCS#12 build, RSA 3072 key + 2-certificate chain, AES-256-CBC, PBKDF2-SHA256 {PKCS12_ITERATIONS} iterations, HMAC-SHA256 MAC =="
    );
    println!(
        "{:<44}{:>4}{:>10}{:>12}{:>26}",
        "builder", "n", "ms", "ratio", "ratio − openssl start-up"
    );
    println!(
        "{:<44}{:>4}{:>10.1}{:>12.3}{:>26}",
        "ours (pki::build_pkcs12, p12-keystore)",
        p12.ours.len(),
        ours,
        ours / openssl,
        net_ratio(ours, openssl, startup)
    );
    println!(
        "{:<44}{:>4}{:>10.1}{:>12.3}",
        "openssl pkcs12 -export (same parameters)",
        p12.openssl.len(),
        openssl,
        1.0
    );
    println!("ours:    {}", p12.ours_info);
    println!("openssl: {}", p12.openssl_info);
}

/// Ours against openssl with its process start-up taken off; "n/a" when the
/// openssl work is lost in the start-up noise.
fn net_ratio(ours: f64, openssl: f64, startup: f64) -> String {
    let net = openssl - startup;
    if net > startup * 0.1 {
        format!("{:.3}", ours / net)
    } else {
        "n/a (within start-up)".to_owned()
    }
}
