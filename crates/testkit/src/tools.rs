//! Running the real tools people's software is built on (OpenSSL, NSS) over files in a scratch folder.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

/// A temporary folder, removed when dropped.
pub struct Scratch {
    dir: TempDir,
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl std::ops::Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        self.dir.path()
    }
}

impl Scratch {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join(name)).unwrap()
    }
}

/// What a command said, with stdout and stderr together (OpenSSL prints its PKCS#12
/// details on stderr).
pub struct Ran {
    pub success: bool,
    pub text: String,
}

impl Ran {
    /// (whether it succeeded, what it said), for a `let (ok, out) = …`.
    pub fn into_parts(self) -> (bool, String) {
        (self.success, self.text)
    }
}

pub fn run(program: &str, args: &[&str]) -> Ran {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|error| {
            panic!("{program} must be installed for these tests (openssl, libnss3-tools): {error}")
        });
    Ran {
        success: status.success(),
        text: format!(
            "{}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        ),
    }
}

/// Runs and insists on success, showing everything the tool said if it failed.
pub fn run_ok(program: &str, args: &[&str]) -> String {
    let ran = run(program, args);
    assert!(ran.success, "{program} {args:?} failed:\n{}", ran.text);
    ran.text
}

pub fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}
