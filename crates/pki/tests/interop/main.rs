//! People's keys and what they download, checked with OpenSSL and NSS (Thunderbird's library).

mod chain_downloads;
mod cms_signing;
mod csr_openssl;
pub(crate) mod delivered;
mod nss_import;
mod pkcs12_openssl;
mod sealed_keys;
pub(crate) mod test_ca;
pub(crate) mod tools;
