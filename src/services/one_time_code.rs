//! One-time codes mailed to a person to prove, once more, that they read a mailbox: before
//! revoking from a forwarded link, and before a self-service order when the institution does
//! not let the IdP's `mail` stand as the proof. Only the code's hash is kept (in the
//! person's session), with its end and the wrong tries so far.
use rand::Rng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};

use crate::crypto::tokens;

/// How long a mailed code works.
pub const LIFETIME: Duration = Duration::minutes(15);
/// Wrong codes accepted before a new one must be mailed.
pub const ATTEMPTS: u8 = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OneTimeCode {
    hash: Vec<u8>,
    #[serde(with = "time::serde::rfc3339")]
    expires: OffsetDateTime,
    wrong: u8,
}

/// What typing a code did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Accepted,
    /// Wrong or late; the code may be tried again.
    Wrong,
    /// Wrong for the last time: a new code must be mailed.
    UsedUp,
}

impl OneTimeCode {
    /// A fresh eight-digit code to mail, and what is kept of it.
    pub fn generate(now: OffsetDateTime) -> (String, Self) {
        let code = format!("{:08}", rand::rngs::OsRng.gen_range(0..100_000_000u32));
        let kept = Self {
            hash: tokens::hash(&code),
            expires: now + LIFETIME,
            wrong: 0,
        };
        (code, kept)
    }

    /// Checks `typed` (spaces around it forgiven) and counts a wrong try.
    pub fn attempt(&mut self, typed: &str, now: OffsetDateTime) -> Attempt {
        let right = now < self.expires && bool::from(tokens::hash(typed.trim()).ct_eq(&self.hash));
        if right {
            return Attempt::Accepted;
        }
        self.wrong += 1;
        if self.wrong >= ATTEMPTS {
            Attempt::UsedUp
        } else {
            Attempt::Wrong
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_works_once_in_time_and_wrong_tries_run_out() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let (code, kept) = OneTimeCode::generate(now);
        assert_eq!(code.len(), 8);
        assert_eq!(
            kept.clone().attempt(&format!(" {code} "), now),
            Attempt::Accepted
        );
        assert_eq!(kept.clone().attempt(&code, now + LIFETIME), Attempt::Wrong);
        let mut guessing = kept;
        for _ in 1..ATTEMPTS {
            assert_eq!(guessing.attempt("00000000x", now), Attempt::Wrong);
        }
        assert_eq!(guessing.attempt("00000000x", now), Attempt::UsedUp);
    }
}
