//! tcs-portal: a multi-tenant portal for GÉANT TCS S/MIME certificates from DigiCert.

// X.509 helpers: CSR checks, PEM, PKCS#7 (used by the sandbox now, by the portal later).
pub mod pki;
// The DigiCert CertCentral sandbox (`digicert-sim`), a simulator that issues real certificates.
pub mod sandbox;
