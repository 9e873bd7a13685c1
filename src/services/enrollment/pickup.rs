//! Collecting the certificate: the PKCS#12 for a portal-made key (passphrase
//! attempts throttled per enrollment in Postgres), the chain as PEM or P7B for
//! everyone, and the wipe of the sealed key once the person saved the file.
use pki::{
    CertificateChain, Passphrase, PassphraseError, Pkcs12Format, UnsealError, build_pkcs12, unseal,
};
use serde_json::json;
use time::OffsetDateTime;

use super::PersonView;
use crate::audit::{AuditEvent, RequestMeta};
use crate::db::enrollments as db;
use crate::domain::OrderStatus;
use crate::state::AppState;

pub enum PickupOutcome {
    Ready {
        pkcs12: Vec<u8>,
        filename: String,
    },
    /// What was typed cannot be a passphrase; not counted as an attempt.
    Malformed(PassphraseError),
    WrongPassphrase,
    /// Too many wrong attempts; the next one is allowed from this instant.
    Throttled(OffsetDateTime),
    /// The sealed key was wiped (saved, or the grace period ended).
    Wiped,
    /// No PKCS#12 to build: not issued yet, or the person brought a CSR.
    NotAvailable,
}

/// The issued chain, leaf first, while the certificate is alive.
pub fn chain(view: &PersonView) -> anyhow::Result<Option<CertificateChain>> {
    let Some(pem) = view.order.chain_pem.as_deref() else {
        return Ok(None);
    };
    if view.order.status != OrderStatus::Issued {
        return Ok(None);
    }
    let mut ders = pki::pem::decode_all(pem).into_iter().map(|block| block.der);
    let leaf = ders
        .next()
        .ok_or_else(|| anyhow::anyhow!("stored chain is empty"))?;
    Ok(Some(CertificateChain::new(leaf, ders.collect())?))
}

/// A file name people recognise: the name in ASCII, and the serial number.
pub fn file_stem(view: &PersonView) -> String {
    let ascii = crate::domain::transliterate::to_ascii(&view.order.common_name).unwrap_or_default();
    let mut stem: String = ascii
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    stem = stem
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        stem = "certificate".to_owned();
    }
    match view.order.serial_number.as_deref() {
        Some(serial) => format!("{stem}-{}", serial.to_ascii_lowercase()),
        None => stem,
    }
}

/// The modern file is `<stem>.p12`; the compatibility one says so in its name, so a person
/// with both on their disk can tell them apart.
fn pkcs12_filename(view: &PersonView, format: Pkcs12Format) -> String {
    match format {
        Pkcs12Format::Modern => format!("{}.p12", file_stem(view)),
        Pkcs12Format::Legacy => format!("{}-older-devices.p12", file_stem(view)),
    }
}

pub async fn pickup(
    state: &AppState,
    meta: &RequestMeta,
    view: &PersonView,
    typed: &str,
    format: Pkcs12Format,
) -> anyhow::Result<PickupOutcome> {
    if view.enrollment.key_origin.as_deref() != Some("server") {
        return Ok(PickupOutcome::NotAvailable);
    }
    let Some(sealed) = view.enrollment.sealed_private_key.clone() else {
        return Ok(PickupOutcome::Wiped);
    };
    let Some(chain) = chain(view)? else {
        return Ok(PickupOutcome::NotAvailable);
    };
    let passphrase = match Passphrase::parse(typed) {
        Ok(passphrase) => passphrase,
        Err(error) => return Ok(PickupOutcome::Malformed(error)),
    };
    let now = state.clock.now();
    let id = view.enrollment.id;
    if db::count_pickup_attempt(&state.db, id, now)
        .await?
        .is_none()
    {
        // Blocked, or wiped since the page was loaded.
        let current = db::get(&state.db, id).await?;
        return Ok(match current {
            Some(row) if row.sealed_private_key.is_some() => {
                PickupOutcome::Throttled(row.pickup_blocked_until.unwrap_or(now))
            }
            _ => PickupOutcome::Wiped,
        });
    }
    let context = *view.order.id.as_uuid().as_bytes();
    let friendly = format!("{} <{}>", view.order.common_name, view.mailbox());
    let built = state
        .hasher
        .with_memory(move |memory| {
            let key = match unseal(&sealed, &passphrase, &context, memory) {
                Ok(key) => key,
                Err(error) => return Ok(Err(error)),
            };
            build_pkcs12(&key, &chain, &friendly, &passphrase, format).map(Ok)
        })
        .await??;
    let mut tx = state.db.begin().await?;
    let outcome = match built {
        Ok(pkcs12) => {
            db::pickup_succeeded(&mut tx, id, now).await?;
            event_for(
                "enrollment.picked_up",
                view,
                json!({ "format": format.as_str() }),
            )
            .record(&mut tx, meta)
            .await?;
            PickupOutcome::Ready {
                pkcs12,
                filename: pkcs12_filename(view, format),
            }
        }
        Err(UnsealError::WrongPassphrase) => {
            event_for("enrollment.pickup_refused", view, json!({}))
                .record(&mut tx, meta)
                .await?;
            PickupOutcome::WrongPassphrase
        }
        Err(UnsealError::Corrupt) => anyhow::bail!("sealed key of {id} does not open"),
    };
    tx.commit().await?;
    Ok(outcome)
}

/// The person says they saved the PKCS#12: the sealed key goes for good.
/// `false` when there was no pickup yet or the key is gone already.
pub async fn confirm_saved(
    state: &AppState,
    meta: &RequestMeta,
    view: &PersonView,
) -> anyhow::Result<bool> {
    if view.enrollment.picked_up_at.is_none() {
        return Ok(false);
    }
    let mut tx = state.db.begin().await?;
    if !db::wipe_key(&mut tx, view.enrollment.id, state.clock.now()).await? {
        return Ok(false);
    }
    event_for(
        "enrollment.key_wiped",
        view,
        json!({ "why": "the person saved the file" }),
    )
    .record(&mut tx, meta)
    .await?;
    tx.commit().await?;
    Ok(true)
}

fn event_for(action: &'static str, view: &PersonView, details: serde_json::Value) -> AuditEvent {
    AuditEvent::new(action)
        .actor_label(view.mailbox())
        .institution(view.order.institution_id)
        .target(format!("order:{}", view.order.id))
        .details(details)
}
