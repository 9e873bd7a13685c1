//! Keeps a portal-made private key only sealed under its owner's passphrase until pickup.
//!
//! The passphrase goes through Argon2id, then AES-256-GCM seals the PKCS#8 key. The blob
//! describes itself (format version, KDF and its costs, salt, nonce), so the costs can be
//! raised later and old blobs still open. The associated data binds the blob to its order, so a
//! blob copied into another order does not open there.
//!
//! Argon2id costs: 64 MiB, 3 passes, 1 lane, the second recommended option of RFC 9106 §4
//! (its 4 lanes become 1 because this crate computes lanes one after the other). The passphrase
//! already carries 125 bits, so the KDF is a margin for a stolen database, not the main
//! defence; it runs once when the key is made and once per pickup attempt (attempts are
//! rate-limited), and takes a few tenths of a second on one core.
//!
//! A check value derived from the passphrase is stored too. It tells a wrong passphrase
//! (check differs) from a blob that is damaged or sealed for another order (check matches,
//! GCM refuses). It gives a guesser nothing the GCM tag would not: each guess still costs one
//! Argon2id run.
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use argon2::{Algorithm, Argon2, Params, Version};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::argon2_memory::{self, Memory};
use super::passphrase::Passphrase;

const MAGIC: &[u8; 4] = b"TCSK";
const FORMAT_V1: u8 = 1;
const KDF_ARGON2ID_V13: u8 = 1;
const SALT_LEN: usize = 16;
const CHECK_LEN: usize = 32;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + 2 + 3 * 4 + SALT_LEN + CHECK_LEN + NONCE_LEN;

const AES_KEY_LABEL: &[u8] = b"tcs-portal sealed key: aes-256-gcm key";
const CHECK_LABEL: &[u8] = b"tcs-portal sealed key: passphrase check";

/// Costs new blobs are sealed with.
const CURRENT: KdfCosts = KdfCosts {
    memory_kib: 64 * 1024,
    passes: 3,
    lanes: 1,
};

/// Ceilings for costs read from a blob: a damaged or forged row must not make a pickup
/// allocate gigabytes or spin for minutes.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_PASSES: u32 = 16;
const MAX_LANES: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KdfCosts {
    memory_kib: u32,
    passes: u32,
    lanes: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("deriving the sealing key failed: {0}")]
    Kdf(argon2::Error),
    #[error("encrypting the private key failed")]
    Encrypt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UnsealError {
    #[error("this passphrase does not open the key")]
    WrongPassphrase,
    #[error("the sealed key is damaged or belongs to another order")]
    Corrupt,
}

/// Seals a PKCS#8 private key under `passphrase`, bound to `context` (the order id's bytes).
/// Runs Argon2id in `memory` (64 MiB): call it, like [`unseal`], from
/// `tokio::task::spawn_blocking`.
pub fn seal(
    private_key_der: &[u8],
    passphrase: &Passphrase,
    context: &[u8],
    memory: &mut Memory,
) -> Result<Vec<u8>, SealError> {
    seal_with(CURRENT, private_key_der, passphrase, context, memory)
}

fn seal_with(
    costs: KdfCosts,
    private_key_der: &[u8],
    passphrase: &Passphrase,
    context: &[u8],
    memory: &mut Memory,
) -> Result<Vec<u8>, SealError> {
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut nonce);

    let keys = derive(costs, passphrase, &salt, memory).map_err(SealError::Kdf)?;

    let mut blob = Vec::with_capacity(HEADER_LEN + private_key_der.len() + TAG_LEN);
    blob.extend_from_slice(MAGIC);
    blob.push(FORMAT_V1);
    blob.push(KDF_ARGON2ID_V13);
    blob.extend_from_slice(&costs.memory_kib.to_be_bytes());
    blob.extend_from_slice(&costs.passes.to_be_bytes());
    blob.extend_from_slice(&costs.lanes.to_be_bytes());
    blob.extend_from_slice(&salt);
    blob.extend_from_slice(&keys.check);
    blob.extend_from_slice(&nonce);

    let aad = associated_data(&blob, context);
    let ciphertext = Aes256Gcm::new(keys.aes.as_ref().into())
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: private_key_der,
                aad: &aad,
            },
        )
        .map_err(|_| SealError::Encrypt)?;
    blob.extend_from_slice(&ciphertext);
    Ok(blob)
}

/// Opens a sealed key with the passphrase the person typed, for the order it was sealed for.
pub fn unseal(
    sealed: &[u8],
    passphrase: &Passphrase,
    context: &[u8],
    memory: &mut Memory,
) -> Result<Zeroizing<Vec<u8>>, UnsealError> {
    let blob = Blob::parse(sealed).ok_or(UnsealError::Corrupt)?;
    let keys =
        derive(blob.costs, passphrase, blob.salt, memory).map_err(|_| UnsealError::Corrupt)?;
    if !bool::from(keys.check.ct_eq(blob.check)) {
        return Err(UnsealError::WrongPassphrase);
    }
    let aad = associated_data(blob.header, context);
    Aes256Gcm::new(keys.aes.as_ref().into())
        .decrypt(
            Nonce::from_slice(blob.nonce),
            Payload {
                msg: blob.ciphertext,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| UnsealError::Corrupt)
}

/// The header is authenticated along with the order, so no stored parameter can be swapped.
fn associated_data(header: &[u8], context: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + context.len());
    aad.extend_from_slice(header);
    aad.extend_from_slice(context);
    aad
}

struct DerivedKeys {
    aes: Zeroizing<[u8; 32]>,
    check: [u8; CHECK_LEN],
}

fn derive(
    costs: KdfCosts,
    passphrase: &Passphrase,
    salt: &[u8],
    memory: &mut Memory,
) -> Result<DerivedKeys, argon2::Error> {
    let params = Params::new(costs.memory_kib, costs.passes, costs.lanes, Some(32))?;
    let mut root = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password_into_with_memory(
            passphrase.expose_secret().as_bytes(),
            salt,
            root.as_mut(),
            argon2_memory::blocks_for(memory, &params),
        )?;
    Ok(DerivedKeys {
        aes: Zeroizing::new(label(&root, AES_KEY_LABEL)),
        check: label(&root, CHECK_LABEL),
    })
}

/// Separates the AES key from the check value, so the stored check reveals nothing of the key.
fn label(root: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(root) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(label);
    mac.finalize().into_bytes().into()
}

/// A sealed blob split into its fields; only version 1 exists so far.
struct Blob<'a> {
    header: &'a [u8],
    costs: KdfCosts,
    salt: &'a [u8],
    check: &'a [u8],
    nonce: &'a [u8],
    ciphertext: &'a [u8],
}

impl<'a> Blob<'a> {
    fn parse(sealed: &'a [u8]) -> Option<Self> {
        if sealed.len() < HEADER_LEN + TAG_LEN {
            return None;
        }
        let (header, ciphertext) = sealed.split_at(HEADER_LEN);
        let rest = header.strip_prefix(MAGIC.as_slice())?;
        let (&[format, kdf], rest) = rest.split_first_chunk::<2>()?;
        if format != FORMAT_V1 || kdf != KDF_ARGON2ID_V13 {
            return None;
        }
        let (memory_kib, rest) = read_u32(rest)?;
        let (passes, rest) = read_u32(rest)?;
        let (lanes, rest) = read_u32(rest)?;
        if memory_kib > MAX_MEMORY_KIB || passes > MAX_PASSES || lanes > MAX_LANES {
            return None;
        }
        let (salt, rest) = rest.split_at_checked(SALT_LEN)?;
        let (check, nonce) = rest.split_at_checked(CHECK_LEN)?;
        Some(Self {
            header,
            costs: KdfCosts {
                memory_kib,
                passes,
                lanes,
            },
            salt,
            check,
            nonce,
            ciphertext,
        })
    }
}

fn read_u32(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let (value, rest) = bytes.split_first_chunk::<4>()?;
    Some((u32::from_be_bytes(*value), rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"a PKCS#8 key stands here";
    const ORDER: &[u8] = b"order-7";

    /// Small costs keep these format tests quick; the integration tests use the real ones.
    const CHEAP: KdfCosts = KdfCosts {
        memory_kib: 64,
        passes: 1,
        lanes: 1,
    };

    #[test]
    fn sealed_key_opens_with_its_passphrase_and_order() {
        let passphrase = Passphrase::generate();
        let sealed = seal_with(CHEAP, KEY, &passphrase, ORDER, &mut Memory::new()).unwrap();
        assert!(!sealed.windows(KEY.len()).any(|window| window == KEY));
        assert_eq!(
            unseal(&sealed, &passphrase, ORDER, &mut Memory::new())
                .unwrap()
                .as_slice(),
            KEY
        );
    }

    #[test]
    fn blob_keeps_the_costs_it_was_sealed_with() {
        let passphrase = Passphrase::generate();
        let sealed = seal_with(CHEAP, KEY, &passphrase, ORDER, &mut Memory::new()).unwrap();
        assert_eq!(Blob::parse(&sealed).unwrap().costs, CHEAP);
        let current = seal(KEY, &passphrase, ORDER, &mut Memory::new()).unwrap();
        assert_eq!(Blob::parse(&current).unwrap().costs, CURRENT);
        assert_eq!(
            unseal(&current, &passphrase, ORDER, &mut Memory::new())
                .unwrap()
                .as_slice(),
            KEY
        );
    }

    #[test]
    fn wrong_passphrase_is_told_apart_from_a_damaged_blob() {
        let sealed = seal_with(
            CHEAP,
            KEY,
            &Passphrase::generate(),
            ORDER,
            &mut Memory::new(),
        )
        .unwrap();
        assert_eq!(
            unseal(&sealed, &Passphrase::generate(), ORDER, &mut Memory::new()).err(),
            Some(UnsealError::WrongPassphrase)
        );
    }

    #[test]
    fn any_flipped_byte_keeps_the_blob_shut() {
        let passphrase = Passphrase::generate();
        let sealed = seal_with(CHEAP, KEY, &passphrase, ORDER, &mut Memory::new()).unwrap();
        for index in 0..sealed.len() {
            let mut damaged = sealed.clone();
            damaged[index] ^= 0x01;
            assert!(
                unseal(&damaged, &passphrase, ORDER, &mut Memory::new()).is_err(),
                "byte {index} was not protected"
            );
        }
    }

    #[test]
    fn truncated_unknown_or_greedy_blobs_are_corrupt() {
        let passphrase = Passphrase::generate();
        let sealed = seal_with(CHEAP, KEY, &passphrase, ORDER, &mut Memory::new()).unwrap();
        for len in [0, 4, HEADER_LEN, HEADER_LEN + TAG_LEN - 1] {
            assert_eq!(
                unseal(&sealed[..len], &passphrase, ORDER, &mut Memory::new()).err(),
                Some(UnsealError::Corrupt)
            );
        }
        let mut future = sealed.clone();
        future[4] = 2;
        assert_eq!(
            unseal(&future, &passphrase, ORDER, &mut Memory::new()).err(),
            Some(UnsealError::Corrupt)
        );
        let mut greedy = sealed;
        greedy[6..10].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            unseal(&greedy, &passphrase, ORDER, &mut Memory::new()).err(),
            Some(UnsealError::Corrupt)
        );
    }
}
