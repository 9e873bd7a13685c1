//! Optional persistence: `ca.json` (the hierarchy's keys and certificates) and `state.json`
//! in the state directory, each replaced atomically (write to a temporary file, then rename).

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::ca::CaMaterial;
use super::state::SandboxState;

const CA_FILE: &str = "ca.json";
const STATE_FILE: &str = "state.json";

pub fn load_ca(dir: &Path) -> anyhow::Result<Option<CaMaterial>> {
    load(&dir.join(CA_FILE))
}

pub fn save_ca(dir: &Path, material: &CaMaterial) -> anyhow::Result<()> {
    save(dir, CA_FILE, material)
}

pub fn load_state(dir: &Path) -> anyhow::Result<Option<SandboxState>> {
    load(&dir.join(STATE_FILE))
}

pub fn save_state(dir: &Path, state: &SandboxState) -> anyhow::Result<()> {
    save(dir, STATE_FILE, state)
}

fn load<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(
            serde_json::from_slice(&bytes)
                .with_context(|| format!("reading {}", path.display()))?,
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("opening {}", path.display())),
    }
}

fn save<T: Serialize>(dir: &Path, name: &str, value: &T) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let bytes = serde_json::to_vec_pretty(value)?;
    write_private(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, dir.join(name)).with_context(|| format!("replacing {name}"))?;
    Ok(())
}

/// The files hold CA private keys, so only the owner may read them.
#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
