//! X.509 helpers shared by the DigiCert sandbox and, later, the portal: CSR checks, PEM, PKCS#7.

pub mod csr;
pub mod der;
pub mod pem;
pub mod pkcs7;
