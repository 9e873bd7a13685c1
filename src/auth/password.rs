//! Password hashing with argon2id at the OWASP parameters, off the async threads.
//!
//! Hashing is deliberately slow, so it runs in `spawn_blocking`, and a semaphore
//! bounds how many hashes run at once: a login flood then queues behind the
//! semaphore instead of taking every blocking thread and starving page views.
use std::sync::{Arc, LazyLock};

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Semaphore;

/// OWASP's first recommended argon2id setting: 19 MiB, 2 iterations, 1 lane.
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a password nobody knows, verified against when the e-mail is unknown
/// so the answer takes as long as for a real account.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    argon2()
        .hash_password(b"no account has this password; it only burns time")
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

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
}

impl PasswordHasher {
    pub fn new(concurrency: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
        }
    }

    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = SecretString::from(password.to_owned());
        self.run(move || {
            argon2()
                .hash_password(password.expose_secret().as_bytes())
                .map(|hash| hash.to_string())
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
            .run(move || {
                argon2()
                    .verify_password(password.expose_secret().as_bytes(), stored.as_str())
                    .is_ok()
            })
            .await?;
        Ok(known && matches)
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
        // otherwise run hundreds at once, each with its 19 MiB).
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
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
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
    async fn unknown_accounts_never_match_even_the_dummy_password() -> Result<(), HashError> {
        let hasher = PasswordHasher::new(1);
        let dummy = "no account has this password; it only burns time";
        assert!(!hasher.verify(dummy, None).await?);
        Ok(())
    }
}
