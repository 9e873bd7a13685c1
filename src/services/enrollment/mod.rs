//! The person's side of an order placed without a CSR (issue 6 §2-3, §6).
//!
//! # Links and access
//!
//! - Placing such an order creates an enrollment with a **link token** (256
//!   random bits, only its SHA-256 kept) that expires after
//!   `TCS_ENROLLMENT_LINK_DAYS`, and mails the link in the same transaction
//!   ([`link::start`]). Re-sending replaces the hash, so the old link dies at
//!   once ([`link::resend_link`]).
//! - Opening a link only moves the token into the session (no state change on
//!   GET). Confirming spends the link token and records the mailbox proof in
//!   the audit log with time and IP ([`link::confirm`]); from then on the
//!   person's access lives in their session, bound to that one enrollment.
//! - Each later mail (the "issued" mail, [`issued::mail_issued`]) carries an
//!   **access token** of its own, kept hashed in `enrollment_access_tokens` and
//!   valid until the certificate's `not_after`. It opens the same enrollment for
//!   status, pickup, chain downloads and revocation, but never replaces the
//!   mailbox proof: it is sent only after that proof, to the same mailbox.
//!
//! # Keys
//!
//! The person either lets the portal make the key ([`key::make_server_key`]):
//! key pair, CSR and passphrase are made in `spawn_blocking`, the passphrase is
//! returned once to be shown and is never stored, and the key is kept only
//! sealed under it; or brings a CSR ([`key::submit_csr`], checked by [`csr`]).
//! Either way the CSR goes on the order, the order is queued and its submit job
//! enqueued in one transaction, which also makes the step happen only once.
//!
//! # Pickup and after
//!
//! [`pickup`] unseals the key with the typed passphrase (attempts throttled in
//! Postgres) and builds the PKCS#12; the sealed key is wiped when the person
//! confirms they saved the file, or by the [`wipe`] job after a grace period.
//! The person can revoke their certificate for key compromise ([`revoke`]),
//! through the same implementation admins use.
pub mod csr;
pub mod issued;
pub mod key;
pub mod link;
pub mod pickup;
pub mod revoke;
pub mod revoked;
pub mod wipe;

use crate::db::enrollments::{self as db, Enrollment};
use crate::db::orders::{self as orders, OrderRecord};
use crate::domain::EnrollmentId;
use crate::state::AppState;

/// Where a person's certificate stands, as their page shows it.
#[derive(Debug, Clone)]
pub struct PersonView {
    pub enrollment: Enrollment,
    pub order: OrderRecord,
}

impl PersonView {
    /// The person's main mailbox: the order's first address.
    pub fn mailbox(&self) -> &str {
        self.order.emails.first().map_or("", String::as_str)
    }

    /// What was ordered, as the person's pages describe it.
    pub fn product(&self) -> crate::services::products::ProductText {
        crate::services::products::of_order(self.order.product, self.order.profile_type.as_deref())
    }

    /// Whether a portal-made key still waits, sealed, for pickup.
    pub fn key_waiting(&self) -> bool {
        self.enrollment.sealed_private_key.is_some()
    }
}

/// The enrollment a person's session is bound to, with its order.
pub async fn load(
    state: &AppState,
    enrollment_id: EnrollmentId,
) -> sqlx::Result<Option<PersonView>> {
    let Some(enrollment) = db::get(&state.db, enrollment_id).await? else {
        return Ok(None);
    };
    let order = orders::unscoped_get(&state.db, enrollment.order_id).await?;
    Ok(order
        .filter(|order| order.institution_id == enrollment.institution_id)
        .map(|order| PersonView { enrollment, order }))
}
