//! The DigiCert sandbox run as a program, as people start it: `digicert-sim` (the sandbox
//! crate's own binary) or `tcs-portal digicert-sim`.
use std::io::BufRead;
use std::process::{Child, Command, Stdio};

use crate::tools::run;

/// The started program, killed if the test fails before it stops it.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        // Already gone when the test got as far as stopping it; then this does nothing.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `program` with `leading` arguments and then the sandbox's options, reads the
/// address from the first line it prints, checks that the Services API answers with the API
/// key it was given, and that SIGTERM ends it cleanly.
pub async fn serves_until_sigterm(program: &str, leading: &[&str]) {
    let mut running = Running(
        Command::new(program)
            .args(leading)
            .args([
                "--bind",
                "127.0.0.1:0",
                "--api-key",
                "k-cli",
                "--control-key",
                "ctl",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("the binary starts"),
    );
    let child = &mut running.0;
    let stdout = child.stdout.take().unwrap();
    let first = std::io::BufReader::new(stdout)
        .lines()
        .next()
        .unwrap()
        .unwrap();
    let base = first
        .split_whitespace()
        .find(|w| w.ends_with("/services/v2,"))
        .unwrap()
        .trim_end_matches(',')
        .to_string();
    let me = reqwest::Client::new()
        .get(format!("{base}/user/me"))
        .header("X-DC-DEVKEY", "k-cli")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let killed = run("kill", &["-TERM", &child.id().to_string()]);
    assert!(killed.success, "{}", killed.text);
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful exit on SIGTERM: {status}");
}
