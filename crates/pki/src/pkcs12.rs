//! What a person downloads: the PKCS#12 with their key and chain, and the chain alone as PEM or P7B.
//!
//! The PKCS#12 comes in two formats ([`Pkcs12Format`]). The modern one, the default, is what
//! current Outlook, Thunderbird and Apple devices import: PBES2 with AES-256-CBC and
//! PBKDF2-HMAC-SHA256 at 600,000 iterations for the key and certificate bags, and an
//! HMAC-SHA256 integrity MAC. The MAC's key derivation runs 600,000 iterations too: a MAC
//! with a cheap derivation would let a guesser test passphrases at that cheaper price.
//!
//! The compatibility one is for older devices (Windows before 10 1709, older iOS and macOS
//! keychains, Android before 12) that cannot read PBES2: pbeWithSHAAnd3-KeyTripleDES-CBC for
//! both bags and an HMAC-SHA1 MAC, the format `openssl pkcs12 -legacy` reads and writes.
use p12_keystore::{
    Certificate, EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, PrivateKey,
    PrivateKeyChain,
};
use rcgen::{KeyPair, PublicKeyData};
use sha1::{Digest, Sha1};
use x509_parser::prelude::{FromDer, X509Certificate};
use zeroize::Zeroizing;

use super::passphrase::Passphrase;

/// PBKDF2 iterations for the bags and for the MAC (the OWASP 2023 figure for PBKDF2-HMAC-SHA256).
pub const PKCS12_ITERATIONS: u32 = 600_000;
/// Key-derivation rounds of the compatibility format: OpenSSL's own for `-legacy` files. The
/// passphrase carries 125 bits, so stretching adds nothing against guessing, while the old
/// devices this format exists for are slow.
pub const LEGACY_PKCS12_ITERATIONS: u32 = 2048;
const FALLBACK_FRIENDLY_NAME: &str = "S/MIME";

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("certificate {0} of the chain cannot be read")]
    BadCertificate(usize),
    #[error("certificate {0} of the chain is not signed by the certificate after it")]
    BrokenChain(usize),
    #[error("the private key cannot be read")]
    BadPrivateKey,
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    #[error("the PKCS#12 could not be written: {0}")]
    Pkcs12(#[from] p12_keystore::error::Error),
}

/// How the PKCS#12 is protected: the strong default, or the compatibility format for older
/// devices that cannot read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pkcs12Format {
    #[default]
    Modern,
    Legacy,
}

impl Pkcs12Format {
    /// The form value and file-name tag: `modern` or `legacy`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Modern => "modern",
            Self::Legacy => "legacy",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Modern, Self::Legacy]
            .into_iter()
            .find(|format| format.as_str() == value)
    }
}

/// A certificate chain in order, leaf first, each certificate signed by the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateChain(Vec<Vec<u8>>);

impl CertificateChain {
    /// Checks that every certificate parses and is signed by its successor, so a chain
    /// handed out in the wrong order or with a stranger in it is caught here, not in Outlook.
    pub fn new(leaf_der: Vec<u8>, issuers_der: Vec<Vec<u8>>) -> Result<Self, DeliveryError> {
        let mut certs = issuers_der;
        certs.insert(0, leaf_der);
        let parsed = certs
            .iter()
            .enumerate()
            .map(|(index, der)| match X509Certificate::from_der(der) {
                Ok(([], cert)) => Ok(cert),
                _ => Err(DeliveryError::BadCertificate(index)),
            })
            .collect::<Result<Vec<_>, _>>()?;
        for (index, pair) in parsed.windows(2).enumerate() {
            let [cert, issuer] = pair else { continue };
            if cert.issuer().as_raw() != issuer.subject().as_raw()
                || cert.verify_signature(Some(issuer.public_key())).is_err()
            {
                return Err(DeliveryError::BrokenChain(index));
            }
        }
        Ok(Self(certs))
    }

    pub fn leaf_der(&self) -> &[u8] {
        self.0.first().map_or(&[], Vec::as_slice)
    }

    /// The chain as concatenated PEM blocks, leaf first.
    pub fn to_pem(&self) -> String {
        self.0
            .iter()
            .map(|der| super::pem::encode("CERTIFICATE", der))
            .collect()
    }

    /// The chain as a PKCS#7 certs-only SignedData in DER (a `.p7b` file).
    pub fn to_p7b(&self) -> Vec<u8> {
        super::pkcs7::certs_only(&self.0)
    }
}

/// Builds the PKCS#12 a person imports into their mail client.
///
/// Three PBKDF2 runs of 600,000 iterations take about half a second: call it from
/// `tokio::task::spawn_blocking`.
///
/// `friendly_name` is the label mail clients show for the key (the person's name and mailbox).
pub fn build_pkcs12(
    private_key_pkcs8_der: &[u8],
    chain: &CertificateChain,
    friendly_name: &str,
    passphrase: &Passphrase,
    format: Pkcs12Format,
) -> Result<Vec<u8>, DeliveryError> {
    let key_pair = Zeroizing::new(
        KeyPair::try_from(private_key_pkcs8_der).map_err(|_| DeliveryError::BadPrivateKey)?,
    );
    let (_, leaf) = X509Certificate::from_der(chain.leaf_der())
        .map_err(|_| DeliveryError::BadCertificate(0))?;
    if key_pair.subject_public_key_info() != leaf.public_key().raw {
        return Err(DeliveryError::KeyMismatch);
    }

    let key = PrivateKey::from_der(private_key_pkcs8_der)?;
    let certs = chain
        .0
        .iter()
        .map(|der| Certificate::from_der(der))
        .collect::<Result<Vec<_>, _>>()?;
    // The SHA-1 of the leaf as localKeyId is what OpenSSL and NSS write, so the key and its
    // certificate pair up the same way in every importer.
    let local_key_id = Sha1::digest(chain.leaf_der()).to_vec();
    let mut store = KeyStore::new();
    store.add_entry(
        &bmp_friendly_name(friendly_name),
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, key, certs)),
    );
    let (encryption, mac, iterations) = match format {
        Pkcs12Format::Modern => (
            EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
            MacAlgorithm::HmacSha256,
            PKCS12_ITERATIONS,
        ),
        Pkcs12Format::Legacy => (
            EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
            MacAlgorithm::HmacSha1,
            LEGACY_PKCS12_ITERATIONS,
        ),
    };
    Ok(store
        .writer(passphrase.expose_secret())
        .encryption_algorithm(encryption)
        .encryption_iterations(iterations)
        .mac_algorithm(mac)
        .mac_iterations(iterations)
        .write()?)
}

/// PKCS#12 friendly names are BMPStrings: characters beyond U+FFFF and controls cannot go in.
fn bmp_friendly_name(name: &str) -> String {
    let kept: String = name
        .chars()
        .filter(|&c| u32::from(c) <= 0xffff && !c.is_control())
        .collect();
    let kept = kept.trim();
    if kept.is_empty() {
        FALLBACK_FRIENDLY_NAME.to_owned()
    } else {
        kept.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn friendly_name_keeps_serbian_letters_and_drops_what_bmp_cannot_hold() {
        assert_eq!(bmp_friendly_name("Ђорђе Đorđević"), "Ђорђе Đorđević");
        assert_eq!(bmp_friendly_name("Ana 😀\n"), "Ana");
        assert_eq!(bmp_friendly_name("😀"), FALLBACK_FRIENDLY_NAME);
    }

    #[test]
    fn garbage_is_not_a_chain() {
        assert!(matches!(
            CertificateChain::new(b"not a certificate".to_vec(), vec![]),
            Err(DeliveryError::BadCertificate(0))
        ));
    }
}
