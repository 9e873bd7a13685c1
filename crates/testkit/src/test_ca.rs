//! A throw-away CA hierarchy (root → intermediate → person) standing in for DigiCert's.
use clock::{Clock, SystemClock};
use pki::keygen::{self, GeneratedKey, KeyType};
use pki::{CertificateChain, Passphrase, Pkcs12Format, build_pkcs12};
use rcgen::{
    BasicConstraints, CertificateParams, CertificateSigningRequestParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256,
};
use time::Duration;

pub const ROOT_CN: &str = "TCS Portal Test Root";
pub const INTERMEDIATE_CN: &str = "TCS Portal Test Intermediate";
pub const PERSON_CN: &str = "Đorđe Jovanović";
pub const PERSON_EMAIL: &str = "djordje.jovanovic@uni.example.rs";

/// The root and the intermediate, with the key that issues people's certificates.
pub struct TestCa {
    pub root_der: Vec<u8>,
    pub root_pem: String,
    pub intermediate_der: Vec<u8>,
    intermediate: Issuer<'static, KeyPair>,
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCa {
    /// A new hierarchy with fresh keys.
    pub fn new() -> Self {
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let root_params = ca_params(ROOT_CN, BasicConstraints::Unconstrained);
        let root_cert = root_params.self_signed(&root_key).unwrap();
        let root = Issuer::new(root_params, root_key);

        let intermediate_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let intermediate_params = ca_params(INTERMEDIATE_CN, BasicConstraints::Constrained(0));
        let intermediate_cert = intermediate_params
            .signed_by(&intermediate_key, &root)
            .unwrap();
        Self {
            root_der: root_cert.der().to_vec(),
            root_pem: root_cert.pem(),
            intermediate_der: intermediate_cert.der().to_vec(),
            intermediate: Issuer::new(intermediate_params, intermediate_key),
        }
    }

    /// Issues what an S/MIME certificate looks like: digitalSignature (plus the key usage
    /// that lets mail be encrypted to it, for `Usage::SignAndEncrypt`), emailProtection,
    /// and the request's rfc822Name.
    pub fn issue(&self, csr_pem: &str, usage: Usage, key_type: KeyType) -> Vec<u8> {
        let mut request = CertificateSigningRequestParams::from_pem(csr_pem).unwrap();
        let params = &mut request.params;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        if usage == Usage::SignAndEncrypt {
            params.key_usages.push(match key_type {
                KeyType::Rsa3072 => KeyUsagePurpose::KeyEncipherment,
                KeyType::EcdsaP256 => KeyUsagePurpose::KeyAgreement,
            });
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
        params.use_authority_key_identifier_extension = true;
        let now = SystemClock.now();
        params.not_before = now - Duration::hours(1);
        params.not_after = now + Duration::days(365);
        request
            .signed_by(&self.intermediate)
            .unwrap()
            .der()
            .to_vec()
    }

    /// The chain as the portal gets it from DigiCert: leaf, intermediate, root.
    pub fn chain(&self, leaf_der: Vec<u8>) -> CertificateChain {
        CertificateChain::new(
            leaf_der,
            vec![self.intermediate_der.clone(), self.root_der.clone()],
        )
        .unwrap()
    }
}

fn ca_params(common_name: &str, constraints: BasicConstraints) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut subject = DistinguishedName::new();
    subject.push(DnType::OrganizationName, "AMRES test");
    subject.push(DnType::CommonName, common_name);
    params.distinguished_name = subject;
    params.is_ca = IsCa::Ca(constraints);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.use_authority_key_identifier_extension = true;
    let now = SystemClock.now();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(3650);
    params
}

/// Everything a person ends up with on the "let the portal make my key" path.
pub struct Issued {
    pub ca: TestCa,
    pub key: GeneratedKey,
    pub chain: CertificateChain,
    pub passphrase: Passphrase,
    pub pkcs12: Vec<u8>,
}

impl Issued {
    /// The PKCS#12 with this CA's root and intermediate, for the shared checks.
    pub fn delivered(&self) -> crate::delivered::Delivered {
        let intermediate = pki::pem::encode("CERTIFICATE", &self.ca.intermediate_der);
        crate::delivered::Delivered::new(&self.pkcs12, &self.ca.root_pem, &intermediate)
    }
}

/// What the certificate may be used for, as the products differ (Digital Signature Plus
/// signs only; Email Security Plus and Premium also encrypt).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    Sign,
    SignAndEncrypt,
}

pub fn issue_for_person(key_type: KeyType) -> Issued {
    issue_for_person_with(key_type, Usage::Sign)
}

pub fn issue_for_person_with(key_type: KeyType, usage: Usage) -> Issued {
    let ca = TestCa::new();
    let key = keygen::generate(key_type, PERSON_CN, &[PERSON_EMAIL]).unwrap();
    let chain = ca.chain(ca.issue(key.csr_pem(), usage, key_type));
    let passphrase = Passphrase::generate();
    let pkcs12 = build_pkcs12(
        key.private_key_pkcs8_der(),
        &chain,
        &format!("{PERSON_CN} <{PERSON_EMAIL}>"),
        &passphrase,
        Pkcs12Format::Modern,
    )
    .unwrap();
    Issued {
        ca,
        key,
        chain,
        passphrase,
        pkcs12,
    }
}
