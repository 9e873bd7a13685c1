//! tcs-portal library: each module is one part of the portal.

pub mod digicert; // DigiCert CertCentral API client
