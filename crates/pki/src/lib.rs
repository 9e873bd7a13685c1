//! Keys and certificates: checking requests people send (`csr`), making keys and
//! requests (`keygen`), sealing keys, and packaging what is downloaded; the DER,
//! PEM and PKCS#7 helpers are shared with the DigiCert sandbox.
pub mod argon2_memory;
pub mod csr;
pub mod der;
pub mod keygen;
pub mod passphrase;
pub mod pem;
pub mod pkcs12;
pub mod pkcs7;
pub mod sealed_key;

pub use keygen::{GeneratedKey, KeyType, KeygenError};
pub use passphrase::{Passphrase, PassphraseError};
pub use pkcs12::{CertificateChain, DeliveryError, Pkcs12Format, build_pkcs12};
pub use sealed_key::{SealError, UnsealError, seal, unseal};
