//! pkilint, the S/MIME Baseline Requirements linter, run on a certificate.
use crate::tools::Scratch;

/// The only finding tolerated: an INFO that names the RFC 5280 method (1) used for the
/// subject key identifier; it reports a fact, not a problem (pkilint raises a NOTICE when it
/// cannot identify the method, which we would not tolerate).
const TOLERATED: &[&str] = &["pkix.subject_key_identifier_method_1_identified (INFO)"];

/// Lints `pem` with pkilint, letting it detect the certificate type from the reserved policy
/// OID (`-d`), and returns (detected type, findings not in [`TOLERATED`]). Findings are taken
/// at severity INFO and above, so NOTICE and WARNING count too.
pub fn lint(pem: &str) -> (String, Vec<String>) {
    let dir = Scratch::new();
    let path = dir.write("leaf.pem", pem);
    let out = std::process::Command::new("lint_cabf_smime_cert")
        .args(["lint", "-d", "-o", "-s", "INFO", "--document-format", "PEM"])
        .arg(&path)
        .output()
        .expect("pkilint (lint_cabf_smime_cert) is installed");
    let detected = String::from_utf8_lossy(&out.stderr).trim().to_string();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    // pkilint prints "Validator @ path" and, indented below it, one "code (SEVERITY)" line
    // per finding.
    let findings = stdout
        .lines()
        .filter(|l| l.starts_with(' '))
        .map(str::trim)
        .filter(|f| !TOLERATED.contains(f))
        .map(|f| format!("{f} in:\n{stdout}"))
        .collect();
    (detected, findings)
}
