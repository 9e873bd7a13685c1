//! tcs-portal library: each module is one part of the portal.

/// DigiCert CertCentral API client.
pub mod digicert;
