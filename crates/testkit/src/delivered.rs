//! The checks a person's PKCS#12 must pass where people use it, shared by the
//! tests on the test CA and those on certificates issued through the whole flow:
//! OpenSSL opens it and sees the strong algorithms and the whole chain, NSS
//! (Thunderbird's library) imports it and validates it for S/MIME signing, and
//! `openssl cms` signs and verifies, encrypts and decrypts with it.
use std::path::PathBuf;

use crate::tools::{Ran, Scratch, arg, run, run_ok};

const NSS_ROOT_NICKNAME: &str = "trusted-root";
const MESSAGE: &str = "Zdravo, ovo je potpisana poruka.\r\n";

/// A PKCS#12 as the person downloads it, with the root that should trust it and
/// the intermediate a signed mail carries.
pub struct Delivered {
    pub scratch: Scratch,
    pub pkcs12: PathBuf,
    pub root: PathBuf,
    pub intermediate: PathBuf,
}

impl Delivered {
    pub fn new(pkcs12: &[u8], root_pem: &str, intermediate_pem: &str) -> Self {
        let scratch = Scratch::new();
        Self {
            pkcs12: scratch.write("person.p12", pkcs12),
            root: scratch.write("root.pem", root_pem),
            intermediate: scratch.write("intermediate.pem", intermediate_pem),
            scratch,
        }
    }

    pub fn openssl_info(&self, passphrase: &str) -> Ran {
        self.openssl_info_with(&[], passphrase)
    }

    fn openssl_info_with(&self, options: &[&str], passphrase: &str) -> Ran {
        let passin = format!("pass:{passphrase}");
        let mut args = vec!["pkcs12"];
        args.extend_from_slice(options);
        args.extend_from_slice(&[
            "-info",
            "-nokeys",
            "-in",
            arg(&self.pkcs12),
            "-passin",
            &passin,
        ]);
        run("openssl", &args)
    }

    /// AES-256-CBC with PBKDF2-SHA256 at 600,000 iterations for both bags, an
    /// HMAC-SHA256 MAC, and leaf, intermediate and root inside.
    pub fn assert_openssl_opens_a_strong_pkcs12(&self, passphrase: &str) {
        self.assert_openssl_sees(
            &[],
            passphrase,
            "MAC: sha256, Iteration 600000",
            "PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256",
        );
    }

    /// The compatibility format, read as `openssl pkcs12 -legacy` reads it: 3DES with the
    /// PKCS#12 SHA-1 derivation for both bags, an HMAC-SHA1 MAC, and the whole chain.
    pub fn assert_openssl_legacy_opens_a_compatibility_pkcs12(&self, passphrase: &str) {
        self.assert_openssl_sees(
            &["-legacy"],
            passphrase,
            "MAC: sha1, Iteration 2048",
            "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048",
        );
    }

    fn assert_openssl_sees(&self, options: &[&str], passphrase: &str, mac: &str, bags: &str) {
        let info = self.openssl_info_with(options, passphrase);
        assert!(
            info.success,
            "openssl could not open the PKCS#12:\n{}",
            info.text
        );
        assert!(info.text.contains(mac), "{}", info.text);
        for bag in ["PKCS7 Encrypted data", "Shrouded Keybag"] {
            let line = info
                .text
                .lines()
                .find(|line| line.starts_with(bag))
                .unwrap_or_else(|| panic!("no {bag} line in:\n{}", info.text));
            assert!(line.contains(bags), "{line}");
        }
        assert_eq!(
            info.text.matches("-----BEGIN CERTIFICATE-----").count(),
            3,
            "{}",
            info.text
        );
    }

    /// The private key inside, as PEM.
    pub fn extract_key(&self, passphrase: &str) -> PathBuf {
        self.extract(&["-nocerts"], "key.pem", passphrase)
    }

    /// The person's certificate inside (not the chain), as PEM.
    pub fn extract_leaf(&self, passphrase: &str) -> PathBuf {
        self.extract(&["-clcerts", "-nokeys"], "leaf.pem", passphrase)
    }

    fn extract(&self, what: &[&str], name: &str, passphrase: &str) -> PathBuf {
        let out = self.scratch.path().join(name);
        let passin = format!("pass:{passphrase}");
        let mut args = vec![
            "pkcs12",
            "-in",
            arg(&self.pkcs12),
            "-nodes",
            "-passin",
            &passin,
        ];
        args.extend_from_slice(what);
        args.extend_from_slice(&["-out", arg(&out)]);
        run_ok("openssl", &args);
        out
    }

    /// A fresh NSS database with the root trusted for mail, as a profile trusts DigiCert's.
    pub fn nss_db_trusting_root(&self) -> String {
        let dir = self.scratch.path().join("nssdb");
        std::fs::create_dir_all(&dir).unwrap();
        let db = format!("sql:{}", dir.display());
        run_ok("certutil", &["-N", "--empty-password", "-d", &db]);
        run_ok(
            "certutil",
            &[
                "-A",
                "-n",
                NSS_ROOT_NICKNAME,
                "-t",
                "C,C,C",
                "-i",
                arg(&self.root),
                "-d",
                &db,
            ],
        );
        db
    }

    pub fn pk12util_import(&self, db: &str, passphrase: &str) -> Ran {
        run(
            "pk12util",
            &[
                "-i",
                arg(&self.pkcs12),
                "-d",
                db,
                "-W",
                passphrase,
                "-K",
                "",
            ],
        )
    }

    /// Imports into a fresh NSS database, checks one private key came in, and
    /// validates the certificate for S/MIME signing; returns its nickname.
    pub fn assert_nss_imports_and_validates_for_signing(&self, passphrase: &str) -> String {
        let db = self.nss_db_trusting_root();
        let import = self.pk12util_import(&db, passphrase);
        assert!(
            import.success && import.text.contains("PKCS12 IMPORT SUCCESSFUL"),
            "pk12util refused the PKCS#12:\n{}",
            import.text
        );
        let keys = run_ok("certutil", &["-K", "-d", &db]);
        assert_eq!(
            keys.matches('<').count(),
            1,
            "one private key expected:\n{keys}"
        );
        let nickname = user_nickname(&db);
        let verdict = run_ok("certutil", &["-V", "-u", "S", "-n", &nickname, "-d", &db]);
        assert!(verdict.contains("certificate is valid"), "{verdict}");
        nickname
    }

    /// Signs a message with the key and leaf from the PKCS#12 and verifies it
    /// against the root; it does not verify against `stranger_root_pem`.
    pub fn assert_cms_signs_and_verifies(&self, passphrase: &str, stranger_root_pem: &str) {
        let key = self.extract_key(passphrase);
        let leaf = self.extract_leaf(passphrase);
        let message = self.scratch.write("message.txt", MESSAGE);
        let signed = self.scratch.path().join("signed.eml");
        run_ok(
            "openssl",
            &[
                "cms",
                "-sign",
                "-in",
                arg(&message),
                "-signer",
                arg(&leaf),
                "-inkey",
                arg(&key),
                "-certfile",
                arg(&self.intermediate),
                "-md",
                "sha256",
                "-out",
                arg(&signed),
            ],
        );
        let verified = self.scratch.path().join("verified.txt");
        let verdict = run_ok(
            "openssl",
            &[
                "cms",
                "-verify",
                "-in",
                arg(&signed),
                "-CAfile",
                arg(&self.root),
                "-purpose",
                "smimesign",
                "-out",
                arg(&verified),
            ],
        );
        assert!(verdict.contains("Verification successful"), "{verdict}");
        assert_eq!(self.scratch.read("verified.txt"), MESSAGE.as_bytes());

        let stranger = self.scratch.write("stranger-root.pem", stranger_root_pem);
        let refused = run(
            "openssl",
            &[
                "cms",
                "-verify",
                "-in",
                arg(&signed),
                "-CAfile",
                arg(&stranger),
                "-out",
                arg(&verified),
            ],
        );
        assert!(
            !refused.success,
            "verified against a stranger's root:\n{}",
            refused.text
        );
    }

    /// Encrypts a message to the leaf and decrypts it with the key from the PKCS#12.
    pub fn assert_cms_encrypts_and_decrypts(&self, passphrase: &str) {
        let key = self.extract_key(passphrase);
        let leaf = self.extract_leaf(passphrase);
        let message = self.scratch.write("secret.txt", MESSAGE);
        let encrypted = self.scratch.path().join("encrypted.eml");
        run_ok(
            "openssl",
            &[
                "cms",
                "-encrypt",
                "-aes-256-cbc",
                "-in",
                arg(&message),
                "-out",
                arg(&encrypted),
                arg(&leaf),
            ],
        );
        assert!(
            !String::from_utf8_lossy(&self.scratch.read("encrypted.eml")).contains("potpisana")
        );
        let decrypted = self.scratch.path().join("decrypted.txt");
        run_ok(
            "openssl",
            &[
                "cms",
                "-decrypt",
                "-in",
                arg(&encrypted),
                "-recip",
                arg(&leaf),
                "-inkey",
                arg(&key),
                "-out",
                arg(&decrypted),
            ],
        );
        assert_eq!(self.scratch.read("decrypted.txt"), MESSAGE.as_bytes());
    }

    /// `openssl x509 -text` of the leaf inside.
    pub fn leaf_text(&self, passphrase: &str) -> String {
        let leaf = self.extract_leaf(passphrase);
        run_ok("openssl", &["x509", "-noout", "-text", "-in", arg(&leaf)])
    }
}

/// The nickname NSS gave the person's certificate: the one entry holding a private key (`u,u,u`).
pub fn user_nickname(db: &str) -> String {
    let listing = run_ok("certutil", &["-L", "-d", db]);
    let line = listing
        .lines()
        .find(|line| line.trim_end().ends_with("u,u,u"))
        .unwrap_or_else(|| panic!("no certificate with a key in:\n{listing}"));
    line.trim_end()
        .trim_end_matches("u,u,u")
        .trim_end()
        .to_owned()
}
