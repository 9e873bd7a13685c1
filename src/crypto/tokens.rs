//! Single-use tokens (invitations, links): 256 random bits, only their SHA-256 stored.
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A freshly generated token: `secret` goes to the person once, `hash` to the database.
pub struct NewToken {
    pub secret: String,
    pub hash: Vec<u8>,
}

pub fn generate() -> NewToken {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let secret = URL_SAFE_NO_PAD.encode(raw);
    let hash = hash(&secret);
    NewToken { secret, hash }
}

/// The stored form of a token a person presents. A token with 256 bits of entropy
/// needs no slow hash: there is nothing to brute-force.
pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Whether a presented string even looks like one of our tokens; anything else is
/// refused before touching the database.
pub fn looks_valid(secret: &str) -> bool {
    secret.len() == 43
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_unique_and_well_formed() {
        let a = generate();
        let b = generate();
        assert_ne!(a.secret, b.secret);
        assert!(looks_valid(&a.secret));
        assert_eq!(hash(&a.secret), a.hash);
        assert!(!looks_valid("short"));
        assert!(!looks_valid(&"a".repeat(42).replace('a', "%")));
    }
}
