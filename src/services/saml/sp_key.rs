//! The SP's key pair: made once (RSA 3072, a self-signed certificate that only carries
//! the public key, as SAML metadata uses it), its private key sealed under the master
//! key and opened only when a response must be decrypted.
use openssl::pkey::{PKey, Private};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256, RsaKeySize};
use zeroize::Zeroizing;

use crate::domain::SamlSpKeyId;
use crate::state::AppState;

/// How long the SP certificate says it lasts; SAML ignores it, a rollover replaces the key.
const CERTIFICATE_YEARS: i64 = 10;

pub struct SpKey {
    pub certificate_der: Vec<u8>,
    private_key_pkcs8: Zeroizing<Vec<u8>>,
}

impl SpKey {
    /// The private key in the form the SAML library decrypts with.
    pub fn private_key(&self) -> anyhow::Result<PKey<Private>> {
        PKey::private_key_from_pkcs8(&self.private_key_pkcs8)
            .map_err(|error| anyhow::anyhow!("the SAML SP key does not load: {error}"))
    }
}

/// What the sealed key is bound to: a blob copied into another row does not open there.
fn seal_context(id: SamlSpKeyId) -> Vec<u8> {
    format!("saml_sp_keys:{id}:private_key").into_bytes()
}

/// The active key, made on first use. Two processes making it at once both succeed: the
/// database keeps one, and both then use that one.
pub async fn active(state: &AppState) -> anyhow::Result<SpKey> {
    if let Some(key) = load(state).await? {
        return Ok(key);
    }
    let host = host_of(&state.settings.public_url);
    let now = state.clock.now();
    let (certificate_der, private_key_pkcs8) =
        tokio::task::spawn_blocking(move || generate(&host, now))
            .await
            .map_err(|error| anyhow::anyhow!("SAML key generation: {error}"))??;
    let id = SamlSpKeyId::new_v4();
    let sealed = state.master_key.seal(&private_key_pkcs8, &seal_context(id));
    crate::db::saml::insert_first_sp_key(&state.db, id, &certificate_der, &sealed, now).await?;
    load(state)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the SAML SP key vanished after insertion"))
}

async fn load(state: &AppState) -> anyhow::Result<Option<SpKey>> {
    let Some(row) = crate::db::saml::active_sp_key(&state.db).await? else {
        return Ok(None);
    };
    let private_key_pkcs8 = state
        .master_key
        .open(&row.sealed_private_key, &seal_context(row.id))
        .map_err(|_| anyhow::anyhow!("the SAML SP key does not open with this master key"))?;
    Ok(Some(SpKey {
        certificate_der: row.certificate_der,
        private_key_pkcs8,
    }))
}

fn host_of(public_url: &str) -> String {
    let without_scheme = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    let host_port = without_scheme.split('/').next().unwrap_or(without_scheme);
    host_port
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host_port, |(host, _)| host)
        .to_owned()
}

fn generate(
    host: &str,
    now: time::OffsetDateTime,
) -> anyhow::Result<(Vec<u8>, Zeroizing<Vec<u8>>)> {
    let failed = |error: rcgen::Error| anyhow::anyhow!("SAML key generation: {error}");
    let key = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_3072).map_err(failed)?;
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, format!("{host} SAML SP"));
    params.distinguished_name = name;
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(365 * CERTIFICATE_YEARS);
    let certificate = params.self_signed(&key).map_err(failed)?;
    Ok((
        certificate.der().to_vec(),
        Zeroizing::new(key.serialize_der()),
    ))
}
