//! People's keys and what they download, checked with OpenSSL and NSS (Thunderbird's library).
//! The test CA and the tool runners are in `testkit`, shared with the portal's end-to-end tests.
#![expect(
    clippy::unwrap_used,
    reason = "helpers outside #[test] functions: a value that fails to unwrap fails the test"
)]

mod chain_downloads;
mod cms_signing;
mod csr_openssl;
mod nss_import;
mod pkcs12_openssl;
mod sealed_keys;
