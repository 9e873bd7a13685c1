//! Test helpers shared by the tests of every crate in the workspace, so that the portal's
//! tests and those of `pki`, `digicert` and `digicert-sim` check the same way:
//! - [`tools`]: running OpenSSL, NSS and friends over files in a scratch folder;
//! - [`test_ca`]: a throw-away CA hierarchy that issues a person's certificate;
//! - [`delivered`]: the checks a person's PKCS#12 must pass where people use it;
//! - [`pkilint`]: the S/MIME Baseline Requirements linter;
//! - [`sandbox_program`]: the DigiCert sandbox started as a program;
//! - [`digicert_fake`]: a real HTTP server that plays scripted DigiCert answers;
//! - [`recorded`]: the recorded answers of the live DigiCert API;
//! - [`saml_idp`]: a SAML IdP in the test process, signing (or forging) responses;
//! - [`simplesamlphp`]: a real IdP, Debian's SimpleSAMLphp, on loopback.
//!
//! Only tests depend on this crate (as a dev-dependency).
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers: a value that fails to unwrap fails the test that asked for it"
)]

pub mod delivered;
pub mod digicert_fake;
pub mod pkilint;
pub mod recorded;
pub mod saml_idp;
pub mod sandbox_program;
pub mod simplesamlphp;
pub mod test_ca;
pub mod tools;
