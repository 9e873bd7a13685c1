//! Sealing secrets at rest with AES-256-GCM under keys derived from the master key.
//!
//! Every sealed value is bound to where it lives through the associated data
//! (for example the account id and the field name), so a sealed blob copied into
//! another row does not open there.
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use zeroize::Zeroizing;

const NONCE_LEN: usize = 12;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("the master key must be base64 of exactly 32 bytes")]
    BadMasterKey,
    #[error("sealed data is damaged or belongs elsewhere")]
    CannotOpen,
}

/// The portal's master secret. Sub-keys for each purpose are derived from it with
/// HMAC-SHA256, so one purpose's key never doubles as another's.
#[derive(Clone)]
pub struct MasterKey {
    sealing: Zeroizing<[u8; 32]>,
    hashing: Zeroizing<[u8; 32]>,
    form_tokens: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    pub fn from_base64(encoded: &SecretString) -> Result<Self, SealError> {
        let raw = Zeroizing::new(
            STANDARD
                .decode(encoded.expose_secret().trim())
                .map_err(|_| SealError::BadMasterKey)?,
        );
        let root: &[u8; 32] = raw
            .as_slice()
            .try_into()
            .map_err(|_| SealError::BadMasterKey)?;
        Ok(Self {
            sealing: derive(root, b"tcs-portal seal v1"),
            hashing: derive(root, b"tcs-portal keyed-hash v1"),
            form_tokens: derive(root, b"tcs-portal form-token v1"),
        })
    }

    /// A fresh random master key, base64-encoded, for `demo` and tests.
    pub fn generate_base64() -> SecretString {
        let mut raw = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(raw.as_mut());
        SecretString::from(STANDARD.encode(raw.as_ref()))
    }

    /// Encrypts `plaintext`, binding it to `context` (authenticated, not stored).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let cipher = Aes256Gcm::new(self.sealing.as_ref().into());
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher.encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: context,
            },
        );
        // Encryption with a valid key and in-memory buffers cannot fail; an empty
        // result would simply never open, which is the safe outcome.
        let mut out = nonce.to_vec();
        out.extend(sealed.unwrap_or_default());
        out
    }

    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if sealed.len() <= NONCE_LEN {
            return Err(SealError::CannotOpen);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let cipher = Aes256Gcm::new(self.sealing.as_ref().into());
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SealError::CannotOpen)
    }

    /// A keyed hash for low-entropy secrets kept for comparison (recovery codes):
    /// without the master key a stolen database gives nothing to brute-force.
    pub fn keyed_hash(&self, value: &[u8]) -> Vec<u8> {
        let mut mac = hmac_sha256(self.hashing.as_ref());
        mac.update(value);
        mac.finalize().into_bytes().to_vec()
    }

    /// HMAC-SHA256 under the form-token key (the CSRF tokens of visitors without
    /// a session) over `parts`, each prefixed by its length so that no two lists
    /// of parts read as the same message.
    pub fn form_token_mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = hmac_sha256(self.form_tokens.as_ref());
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

fn derive(root: &[u8; 32], label: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac = hmac_sha256(root);
    mac.update(label);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    match <Hmac<Sha256> as Mac>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::from_base64(&MasterKey::generate_base64()).unwrap_or_else(|_| unreachable!())
    }

    #[test]
    fn sealed_value_opens_only_in_its_own_context() {
        let key = key();
        let sealed = key.seal(b"seed", b"account-1/totp");
        assert_ne!(&sealed[NONCE_LEN..], b"seed");
        assert_eq!(
            key.open(&sealed, b"account-1/totp")
                .ok()
                .as_deref()
                .map(Vec::as_slice),
            Some(&b"seed"[..])
        );
        assert!(key.open(&sealed, b"account-2/totp").is_err());
    }

    #[test]
    fn another_master_key_cannot_open() {
        let sealed = key().seal(b"seed", b"ctx");
        assert!(key().open(&sealed, b"ctx").is_err());
    }

    #[test]
    fn form_token_macs_depend_on_every_part_and_its_boundaries() {
        let key = key();
        let mac = key.form_token_mac(&[b"ab", b"c"]);
        assert_eq!(mac, key.form_token_mac(&[b"ab", b"c"]));
        assert_ne!(mac, key.form_token_mac(&[b"a", b"bc"]));
        assert_ne!(mac, self::key().form_token_mac(&[b"ab", b"c"]));
    }

    #[test]
    fn short_master_key_is_refused() {
        assert!(MasterKey::from_base64(&SecretString::from("c2hvcnQ=")).is_err());
    }
}
