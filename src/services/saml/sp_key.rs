//! The SP's key pair: made on first use (RSA 3072, a self-signed certificate that only
//! carries the public key, as SAML metadata uses it), its private key sealed under the
//! master key and opened only when a response must be decrypted. Staff roll it over in
//! two steps (issue 15 §1): the next key is made and published beside the active one
//! while IdPs pick it up, then it replaces the active one, which is dropped.
use openssl::pkey::{PKey, Private};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256, RsaKeySize};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::StaffAdmin;
use crate::domain::SamlSpKeyId;
use crate::state::AppState;

/// How long the SP certificate says it lasts; SAML ignores it, a rollover replaces the key.
const CERTIFICATE_YEARS: i64 = 10;

pub struct SpKey {
    pub id: SamlSpKeyId,
    pub certificate_der: Vec<u8>,
    /// The key in use; otherwise the next one of a rollover under way.
    pub active: bool,
    pub created_at: OffsetDateTime,
    private_key_pkcs8: Zeroizing<Vec<u8>>,
}

impl SpKey {
    /// The private key in the form the SAML library decrypts with.
    pub fn private_key(&self) -> anyhow::Result<PKey<Private>> {
        PKey::private_key_from_pkcs8(&self.private_key_pkcs8)
            .map_err(|error| anyhow::anyhow!("the SAML SP key does not load: {error}"))
    }

    /// The certificate's SHA-256 fingerprint, as staff compare it with what an IdP or a
    /// federation registry shows.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.certificate_der)
    }
}

fn fingerprint(certificate_der: &[u8]) -> String {
    Sha256::digest(certificate_der)
        .iter()
        .map(|byte| format!("{byte:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// What the sealed key is bound to: a blob copied into another row does not open there.
fn seal_context(id: SamlSpKeyId) -> Vec<u8> {
    format!("saml_sp_keys:{id}:private_key").into_bytes()
}

/// The active key, made on first use.
pub async fn active(state: &AppState) -> anyhow::Result<SpKey> {
    published(state)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("the SAML SP key vanished after insertion"))
}

/// The keys the metadata publishes and the ACS decrypts with: the active one first (made
/// on first use), then the next one while a rollover is under way. Two processes making
/// the first key at once both succeed: the database keeps one, and both then use it.
pub async fn published(state: &AppState) -> anyhow::Result<Vec<SpKey>> {
    let keys = load(state).await?;
    if keys.iter().any(|key| key.active) {
        return Ok(keys);
    }
    let made = make(state).await?;
    crate::db::saml::insert_first_sp_key(
        &state.db,
        made.id,
        &made.certificate_der,
        &made.sealed,
        made.now,
    )
    .await?;
    load(state).await
}

/// A new key pair, its private key sealed under the master key for its row.
struct Made {
    id: SamlSpKeyId,
    certificate_der: Vec<u8>,
    sealed: Vec<u8>,
    now: OffsetDateTime,
}

async fn make(state: &AppState) -> anyhow::Result<Made> {
    let host = host_of(&state.settings.public_url);
    let now = state.clock.now();
    let (certificate_der, private_key_pkcs8) =
        tokio::task::spawn_blocking(move || generate(&host, now))
            .await
            .map_err(|error| anyhow::anyhow!("SAML key generation: {error}"))??;
    let id = SamlSpKeyId::new_v4();
    let sealed = state.master_key.seal(&private_key_pkcs8, &seal_context(id));
    Ok(Made {
        id,
        certificate_der,
        sealed,
        now,
    })
}

async fn load(state: &AppState) -> anyhow::Result<Vec<SpKey>> {
    crate::db::saml::published_sp_keys(&state.db)
        .await?
        .into_iter()
        .map(|row| {
            let private_key_pkcs8 = state
                .master_key
                .open(&row.sealed_private_key, &seal_context(row.id))
                .map_err(|_| {
                    anyhow::anyhow!("the SAML SP key does not open with this master key")
                })?;
            Ok(SpKey {
                id: row.id,
                certificate_der: row.certificate_der,
                active: row.active,
                created_at: row.created_at,
                private_key_pkcs8,
            })
        })
        .collect()
}

/// What asking for a rollover gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rollover {
    /// The next key is made and published.
    Started,
    /// One is under way already, or the page showed another active key: nothing changed.
    Stale,
}

/// Staff start a rollover of the key whose fingerprint their page showed: the next key
/// is made and published beside it in the metadata; the active key stays in use until
/// the rollover is finished. Audited.
pub async fn start_rollover(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    active_fingerprint: &str,
) -> anyhow::Result<Rollover> {
    let keys = published(state).await?;
    let shown = keys
        .iter()
        .any(|key| key.active && key.fingerprint() == active_fingerprint);
    if !shown || keys.len() > 1 {
        return Ok(Rollover::Stale);
    }
    let made = make(state).await?;
    let mut tx = state.db.begin().await?;
    let inserted = crate::db::saml::insert_next_sp_key(
        &mut tx,
        staff,
        made.id,
        &made.certificate_der,
        &made.sealed,
        made.now,
    )
    .await?;
    if !inserted {
        return Ok(Rollover::Stale);
    }
    let next = fingerprint(&made.certificate_der);
    AuditEvent::new("saml.sp_key_rollover_started")
        .actor(staff.account_id())
        .target(format!("saml_sp_key:{}", made.id))
        .details(json!({ "active": active_fingerprint, "next": next }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(Rollover::Started)
}

/// Staff finish the rollover whose next key's fingerprint their page showed: that key
/// signs and decrypts from now on, and the old one is dropped (from the metadata too).
/// `false` when no such rollover is under way. Audited.
pub async fn finish_rollover(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    next_fingerprint: &str,
) -> anyhow::Result<bool> {
    let keys = published(state).await?;
    let (Some(old), Some(next)) = (
        keys.iter().find(|key| key.active),
        keys.iter()
            .find(|key| !key.active && key.fingerprint() == next_fingerprint),
    ) else {
        return Ok(false);
    };
    let mut tx = state.db.begin().await?;
    match crate::db::saml::finish_sp_key_rollover(&mut tx, staff).await? {
        Some((old_id, new_id)) if old_id == old.id && new_id == next.id => {}
        _ => return Ok(false),
    }
    AuditEvent::new("saml.sp_key_rollover_finished")
        .actor(staff.account_id())
        .target(format!("saml_sp_key:{}", next.id))
        .details(json!({ "dropped": old.fingerprint(), "active": next.fingerprint() }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(true)
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
