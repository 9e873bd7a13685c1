//! A throwaway PostgreSQL cluster of the drill's own, on a free port in a
//! temporary directory, so restarting it disturbs nobody else. The machine's
//! Postgres is shared by every test and developer and must never be restarted.
use std::path::Path;
use std::process::{Command, Stdio};

use crate::helpers::free_port;

const BIN: &str = "/usr/lib/postgresql/15/bin";

pub struct PrivateCluster {
    tools: Tools,
    port: u16,
}

/// Runs the server's tools on one cluster directory.
#[derive(Clone)]
struct Tools {
    dir: String,
    /// Postgres refuses to run as root; then every command runs as `postgres`.
    as_postgres: bool,
}

impl PrivateCluster {
    /// Creates and starts the cluster; `None` when the PostgreSQL 15 server
    /// binaries are not installed.
    pub async fn start() -> Option<Self> {
        if !Path::new(BIN).join("initdb").exists() || !Path::new(BIN).join("pg_ctl").exists() {
            return None;
        }
        let port = free_port();
        let tools = tokio::task::spawn_blocking(move || Tools::init(port))
            .await
            .unwrap();
        Some(Self { tools, port })
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A fast restart: sessions are cut, the server comes back on the same port.
    pub async fn restart(&self) {
        let tools = self.tools.clone();
        tokio::task::spawn_blocking(move || {
            let log = tools.log();
            tools.pg_ctl(&["-l", &log, "-m", "fast", "restart"]);
        })
        .await
        .unwrap();
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        self.tools.remove();
    }
}

impl Tools {
    /// A new cluster in a new temporary directory, started on `port`.
    fn init(port: u16) -> Self {
        let as_postgres = output(Command::new("id").arg("-u")).trim() == "0";
        let mut tools = Self {
            dir: String::new(),
            as_postgres,
        };
        tools.dir = output(&mut tools.command("mktemp", &["-d", "/tmp/tcs-drill-pg.XXXXXX"]))
            .trim()
            .to_owned();
        let data = tools.data();
        tools.run(
            &format!("{BIN}/initdb"),
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        // fsync off: the drill is about restarts, not crash durability, and the disk is shared.
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            tools.dir
        );
        let log = tools.log();
        tools.pg_ctl(&["-l", &log, "-o", &options, "start"]);
        tools
    }

    /// Best effort: a failed stop leaves a process in a temp dir, not a broken test.
    fn remove(&self) {
        let data = self.data();
        let quietly = |mut command: Command| {
            let _ = command.stdout(Stdio::null()).stderr(Stdio::null()).status();
        };
        quietly(self.command(
            &format!("{BIN}/pg_ctl"),
            &["-D", &data, "-m", "immediate", "stop"],
        ));
        quietly(self.command("rm", &["-rf", &self.dir]));
    }

    fn data(&self) -> String {
        format!("{}/data", self.dir)
    }

    /// The server's output: a started server must not hold our pipes open.
    fn log(&self) -> String {
        format!("{}/log", self.dir)
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.data();
        let mut all = vec!["-D", &data, "-w", "-t", "60"];
        all.extend_from_slice(args);
        self.run(&format!("{BIN}/pg_ctl"), &all);
    }

    /// Runs a tool to completion. Its output is not captured: a server it starts
    /// would inherit the pipes and keep them open (the server logs to `log`).
    fn run(&self, program: &str, args: &[&str]) {
        let status = self
            .command(program, args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{program} {args:?}: {status}");
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--", program]);
            command
        } else {
            Command::new(program)
        };
        command.args(args);
        command
    }
}

fn output(command: &mut Command) -> String {
    let out = command.output().unwrap();
    assert!(out.status.success(), "{command:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}
