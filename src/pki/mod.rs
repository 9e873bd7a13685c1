//! Keys and certificates for people: making keys and requests, sealing keys, and packaging what is downloaded.
pub mod keygen;
pub mod passphrase;
pub mod pkcs12;
pub mod sealed_key;

pub use keygen::{GeneratedKey, KeyType, KeygenError};
pub use passphrase::{Passphrase, PassphraseError};
pub use pkcs12::{CertificateChain, DeliveryError, build_pkcs12};
pub use sealed_key::{SealError, UnsealError, seal, unseal};
