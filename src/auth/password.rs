//! Password hashing with argon2id at OWASP's parameters, off the async threads.
//!
//! Hashing is deliberately slow, so it runs in `spawn_blocking`, and a semaphore
//! bounds how many hashes run at once: a login flood then queues behind the
//! semaphore instead of taking every blocking thread and starving page views.
//!
//! Each hash needs its parameters' memory (7 MiB). The hasher hands it from one hash to
//! the next while hashes are queued, and lets it go when none is (issue 16 §2, memory):
//! allocated afresh for every hash, the blocks of a login flood's back-to-back hashes
//! overlapped in the allocator (a freed block is returned to the system only after a
//! delay, while the next hash already took a new one), and the server's peak grew by
//! two or three blocks. Now a flood costs one block per permit, and an idle server none.
//! Sealing and unsealing a person's key (Argon2id at 64 MiB, `pki::sealed_key`) borrow
//! the same memory, through the same permits.
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, PoisonError};

use argon2::password_hash;
use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Params, Version};
use pki::argon2_memory::{self, Memory};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// Argon2id with 7 MiB, 5 passes, 1 lane: one of the five settings OWASP's password
/// storage cheat sheet gives as equally strong (46 MiB × 1 pass, 19 × 2, 12 × 3, 9 × 4,
/// 7 × 5), each trading memory for passes at about the same work per guess. A login
/// flood holds one block per hashing permit, so the block's size is what a flood costs
/// the server (issue 16 §2, memory): this one is 12 MiB smaller than 19 × 2's and 5 MiB
/// smaller than 12 × 3's, which the portal used before, for the same time per login.
/// Hashes stored with other parameters still verify, and logging in with one stores it
/// anew ([`is_outdated`]).
fn params() -> Params {
    Params::new(7 * 1024, 5, 1, None).unwrap_or_default()
}

/// Whether `stored`, a hash that has just verified, was made with other parameters (or
/// another algorithm or version) than the hasher uses now.
pub fn is_outdated(stored: &str) -> bool {
    let current = params();
    PasswordHash::new(stored).is_ok_and(|stored| {
        let same_params = Params::try_from(&stored).is_ok_and(|params| {
            (params.m_cost(), params.t_cost(), params.p_cost())
                == (current.m_cost(), current.t_cost(), current.p_cost())
        });
        stored.algorithm != Algorithm::Argon2id.ident()
            || stored.version != Some(Version::V0x13.into())
            || !same_params
    })
}

/// A hash of a password nobody knows, verified against when the e-mail is unknown
/// so the answer takes as long as for a real account.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut memory = Vec::new();
    hash_with(
        &mut memory,
        b"no account has this password; it only burns time",
    )
    .unwrap_or_default()
});

/// A new PHC string (`$argon2id$v=19$m=…`) of `password` with a fresh salt, worked out in
/// `memory` (grown to the size the parameters need).
fn hash_with(memory: &mut Memory, password: &[u8]) -> password_hash::Result<String> {
    let params = params();
    let salt = password_hash::try_generate_salt()?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            password,
            &salt,
            &mut out,
            argon2_memory::blocks_for(memory, &params),
        )?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(Salt::new(&salt)?),
        hash: Some(Output::new(&out)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` gives `stored` (a PHC string with its own algorithm, version and
/// parameters), worked out in `memory`; an error when `stored` is malformed.
fn verify_with(memory: &mut Memory, password: &[u8], stored: &str) -> password_hash::Result<bool> {
    let stored = PasswordHash::new(stored)?;
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return Ok(false);
    };
    let algorithm = Algorithm::try_from(stored.algorithm.as_str())?;
    let version = stored
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&stored)?;
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = out
        .get_mut(..expected.len())
        .ok_or(password_hash::Error::OutputSize)?;
    Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password,
        salt,
        out,
        argon2_memory::blocks_for(memory, &params),
    )?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(out)? == *expected)
}

/// Argon2's working memory, kept between hashes only while more are waiting.
#[derive(Debug, Default)]
struct WorkingMemory {
    spare: std::sync::Mutex<Vec<Memory>>,
    /// Hashes asked for and not finished yet, queued or running.
    pending: AtomicUsize,
}

impl WorkingMemory {
    /// Runs `work` with memory of an earlier hash, if one left some, or else new memory.
    fn lend<T>(&self, work: impl FnOnce(&mut Memory) -> T) -> T {
        let spare = self
            .spare
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut memory = spare.unwrap_or_default();
        let result = work(&mut memory);
        let mut spare = self.spare.lock().unwrap_or_else(PoisonError::into_inner);
        // This hash still counts itself: the others are the ones that will want memory.
        let others = self.pending.load(Ordering::Acquire).saturating_sub(1);
        if others > spare.len() {
            spare.push(memory);
        }
        result
    }
}

/// Counts a hash as pending from when it is asked for until it is done or abandoned.
struct Pending(Arc<WorkingMemory>);

impl Pending {
    fn new(memory: &Arc<WorkingMemory>) -> Self {
        memory.pending.fetch_add(1, Ordering::AcqRel);
        Self(Arc::clone(memory))
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::AcqRel);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("password hashing failed: {0}")]
    Hashing(String),
    #[error("the hashing task was cancelled")]
    Cancelled,
}

#[derive(Clone, Debug)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    memory: Arc<WorkingMemory>,
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            memory: Arc::default(),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = SecretString::from(password.to_owned());
        self.with_memory(move |memory| {
            hash_with(memory, password.expose_secret().as_bytes())
                .map_err(|error| HashError::Hashing(error.to_string()))
        })
        .await?
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is
    /// no account, so both cases cost the same. A malformed stored hash is a mismatch.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, HashError> {
        let password = SecretString::from(password.to_owned());
        let known = stored.is_some();
        let stored = stored.map_or_else(|| DUMMY_HASH.clone(), str::to_owned);
        let matches = self
            .with_memory(move |memory| {
                verify_with(memory, password.expose_secret().as_bytes(), &stored).unwrap_or(false)
            })
            .await?;
        Ok(known && matches)
    }

    /// Runs Argon2 work (a password's hash, sealing or unsealing a person's key) through
    /// [`run`](Self::run) with working memory lent by the hasher: handed on to the next
    /// such job if one is waiting, dropped if none is.
    pub(crate) async fn with_memory<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Memory) -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let pending = Pending::new(&self.memory);
        self.run(move || pending.0.lend(work)).await
    }

    /// Runs blocking crypto on a blocking thread, at most `concurrency` jobs at
    /// once: password hashes here, and the Argon2 and PBKDF2 work of a person's
    /// key (sealing, unsealing, PKCS#12), so neither can starve page views.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| HashError::Cancelled)?;
        // The job keeps its permit until it is done, not until its caller stops
        // waiting: a client that hangs up mid-login must not let another hash
        // start beside the one still running (a flood of impatient clients would
        // otherwise run hundreds at once, each with its block of memory).
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work()
        })
        .await
        .map_err(|_| HashError::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() -> Result<(), HashError> {
        let hasher = PasswordHasher::new(2);
        let hash = hasher.hash("correct horse battery").await?;
        assert!(hash.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"));
        assert!(!is_outdated(&hash));
        assert!(hasher.verify("correct horse battery", Some(&hash)).await?);
        assert!(!hasher.verify("correct horse batterY", Some(&hash)).await?);
        Ok(())
    }

    #[tokio::test]
    async fn a_hash_whose_caller_gave_up_still_holds_its_place() -> Result<(), HashError> {
        let hasher = PasswordHasher::new(1);
        let (started, running) = std::sync::mpsc::channel::<()>();
        let (finish, release) = std::sync::mpsc::channel::<()>();
        let abandoned = tokio::spawn({
            let hasher = hasher.clone();
            async move {
                hasher
                    .run(move || {
                        let _ = started.send(());
                        let _ = release.recv();
                    })
                    .await
            }
        });
        let _ = tokio::task::spawn_blocking(move || running.recv()).await;
        abandoned.abort();
        let _ = abandoned.await;
        // The abandoned job still runs, so a second one must wait for it.
        let second =
            tokio::time::timeout(std::time::Duration::from_millis(100), hasher.run(|| ())).await;
        assert!(second.is_err(), "a second job started beside the first");
        let _ = finish.send(());
        hasher.run(|| ()).await
    }

    #[tokio::test]
    async fn hashes_stored_before_and_with_other_parameters_still_verify() -> Result<(), HashError>
    {
        use argon2::password_hash::PasswordHasher as _;
        let hasher = PasswordHasher::new(1);
        let owasp_first = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
        for (argon2, outdated) in [
            (
                Argon2::new(Algorithm::Argon2id, Version::V0x13, params()),
                false,
            ),
            (
                Argon2::new(Algorithm::Argon2id, Version::V0x13, owasp_first),
                true,
            ),
            (
                Argon2::new(Algorithm::Argon2i, Version::V0x10, params()),
                true,
            ),
        ] {
            let stored = argon2
                .hash_password(b"tri-color ferret")
                .map_err(|error| HashError::Hashing(error.to_string()))?
                .to_string();
            assert!(hasher.verify("tri-color ferret", Some(&stored)).await?);
            assert!(!hasher.verify("tri-color ferreT", Some(&stored)).await?);
            assert_eq!(is_outdated(&stored), outdated, "{stored}");
        }
        for malformed in [
            "",
            "$argon2id$v=19$m=19456,t=2,p=1$",
            "plain text",
            "$bcrypt$x",
        ] {
            assert!(!hasher.verify("", Some(malformed)).await?);
        }
        Ok(())
    }

    #[test]
    fn working_memory_is_kept_only_for_a_hash_that_is_waiting() {
        let memory = Arc::new(WorkingMemory::default());
        let grow = |blocks: &mut Memory| {
            let fresh = blocks.is_empty();
            blocks.resize(4, argon2::Block::default());
            fresh
        };
        // A hash with another queued behind it leaves its memory to that one …
        let first = Pending::new(&memory);
        let second = Pending::new(&memory);
        assert!(
            first.0.lend(grow),
            "the first hash had memory it did not make"
        );
        drop(first);
        assert!(!second.0.lend(grow), "the queued hash made new memory");
        drop(second);
        // … and the last one lets it go.
        assert!(
            memory
                .spare
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_empty()
        );
        let alone = Pending::new(&memory);
        assert!(alone.0.lend(grow));
    }

    #[tokio::test]
    async fn unknown_accounts_never_match_even_the_dummy_password() -> Result<(), HashError> {
        let hasher = PasswordHasher::new(1);
        let dummy = "no account has this password; it only burns time";
        assert!(!hasher.verify(dummy, None).await?);
        Ok(())
    }
}
