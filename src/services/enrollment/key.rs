//! The person's key: made by the portal (sealed under a passphrase shown once)
//! or brought as a CSR. Either way the order leaves for DigiCert in the same
//! transaction that records the key, and only the first choice counts.
use pki::{KeyType, Passphrase, keygen, sealed_key};
use serde_json::json;

use super::PersonView;
use super::csr::{self, CsrRefusal};
use crate::audit::{AuditEvent, RequestMeta};
use crate::db::enrollments::{self as db, KeyRecord};
use crate::domain::{EmailAddress, OrderStatus};
use crate::jobs::{self, NewJob};
use crate::services::ordering::{OrderJob, SUBMIT_ORDER};
use crate::state::AppState;

pub enum KeyOutcome {
    /// The key is made and sealed; show this passphrase once.
    Made(Passphrase),
    /// A key or CSR was recorded already (a reload, a second tab), or the
    /// order no longer waits for one.
    AlreadyChosen,
}

fn waits_for_key(view: &PersonView) -> bool {
    view.enrollment.confirmed_at.is_some()
        && view.enrollment.key_origin.is_none()
        && view.order.status == OrderStatus::AwaitingPerson
}

/// Makes the key pair, its CSR and the passphrase, seals the key, and queues
/// the order. A concurrent second request loses at the database and its key
/// and passphrase are dropped unseen.
pub async fn make_server_key(
    state: &AppState,
    meta: &RequestMeta,
    view: &PersonView,
    key_type: KeyType,
) -> anyhow::Result<KeyOutcome> {
    if !waits_for_key(view) {
        return Ok(KeyOutcome::AlreadyChosen);
    }
    let emails = view
        .order
        .emails
        .iter()
        .map(|email| EmailAddress::parse(email))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| anyhow::anyhow!("stored address: {error}"))?;
    let common_name = view.order.common_name.clone();
    let context = *view.order.id.as_uuid().as_bytes();
    let (passphrase, sealed, csr_pem) = state
        .hasher
        .with_memory(move |memory| {
            let key = keygen::generate(key_type, &common_name, &emails)?;
            let passphrase = Passphrase::generate();
            let sealed =
                sealed_key::seal(key.private_key_pkcs8_der(), &passphrase, &context, memory)?;
            anyhow::Ok((passphrase, sealed, key.csr_pem().to_owned()))
        })
        .await??;
    let record = KeyRecord {
        origin: "server",
        key_type: Some(key_type.as_str()),
        sealed_private_key: Some(&sealed),
        csr_pem: &csr_pem,
    };
    let details = json!({ "key_type": key_type.as_str() });
    if queue(state, meta, view, &record, "enrollment.key_made", details).await? {
        Ok(KeyOutcome::Made(passphrase))
    } else {
        Ok(KeyOutcome::AlreadyChosen)
    }
}

pub enum CsrOutcome {
    Queued,
    Refused(CsrRefusal),
    AlreadyChosen,
}

/// Checks the person's CSR and queues the order with it.
pub async fn submit_csr(
    state: &AppState,
    meta: &RequestMeta,
    view: &PersonView,
    pasted: &str,
) -> anyhow::Result<CsrOutcome> {
    if !waits_for_key(view) {
        return Ok(CsrOutcome::AlreadyChosen);
    }
    let csr = match csr::read(pasted, &view.order.emails) {
        Ok(csr) => csr,
        Err(refusal) => return Ok(CsrOutcome::Refused(refusal)),
    };
    let csr_pem = csr.to_pem();
    let record = KeyRecord {
        origin: "csr",
        key_type: None,
        sealed_private_key: None,
        csr_pem: &csr_pem,
    };
    let details = json!({ "key_bits": csr.key().bits() });
    if queue(
        state,
        meta,
        view,
        &record,
        "enrollment.csr_submitted",
        details,
    )
    .await?
    {
        Ok(CsrOutcome::Queued)
    } else {
        Ok(CsrOutcome::AlreadyChosen)
    }
}

/// Records the key, queues the order and its submit job, and audits, in one
/// transaction. `false` (nothing written) when another request was first.
async fn queue(
    state: &AppState,
    meta: &RequestMeta,
    view: &PersonView,
    record: &KeyRecord<'_>,
    action: &'static str,
    details: serde_json::Value,
) -> anyhow::Result<bool> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !db::record_key(&mut tx, view.enrollment.id, record, now).await? {
        tx.rollback().await?;
        return Ok(false);
    }
    let order_id = view.order.id;
    jobs::enqueue(
        &mut *tx,
        &NewJob::new(SUBMIT_ORDER, &OrderJob { order_id })?,
        now,
    )
    .await?;
    AuditEvent::new(action)
        .actor_label(view.mailbox())
        .institution(view.order.institution_id)
        .target(format!("order:{order_id}"))
        .details(details)
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(true)
}
