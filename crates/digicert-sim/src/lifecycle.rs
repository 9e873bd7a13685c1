//! Order lifecycle: `needs_approval` → (request approved) → `pending` (mailbox validation) →
//! `issued`, or `waiting_pickup` when the recipient still has to make a key; and the side
//! exits `rejected`, `canceled`, `revoked`, `expired` (derived from the clock). An issued order
//! can be reissued (`reissue_pending` until approved, then a new certificate).

use anyhow::Context;
use pki::csr::Csr;
use time::OffsetDateTime;

use super::ca::{CertificateAuthority, LeafSpec};
use super::error::{ApiError, ApiResult};
use super::ordering::{self, AcceptedOrder};
use super::products::{self, Product};
use super::profile;
use super::state::{
    AccessRole, Account, ApprovalMode, EmailValidationMode, IdCounters, IdKind, IssuedCertificate,
    Order, OrderStatus, Request, RequestStatus, RequestType, Revocation, SandboxState,
};

/// The account of `api_key` and the id counters, borrowed together.
pub fn split<'a>(
    state: &'a mut SandboxState,
    api_key: &str,
) -> ApiResult<(&'a mut Account, &'a mut IdCounters)> {
    let SandboxState { accounts, ids, .. } = state;
    let account = accounts
        .iter_mut()
        .find(|a| a.api_key == api_key)
        .ok_or_else(ApiError::invalid_key)?;
    Ok((account, ids))
}

/// Stores an accepted order with its `new_request` and moves it as far as it can go.
pub fn place(
    account: &mut Account,
    ids: &mut IdCounters,
    ca: &CertificateAuthority,
    now: OffsetDateTime,
    accepted: AcceptedOrder,
) -> anyhow::Result<u64> {
    let AcceptedOrder {
        mut order,
        skip_approval,
    } = accepted;
    // Only an administrator's key may skip approval (digicert-api.md §4.4); an account set to
    // automatic approval approves everything at once.
    let approved = (skip_approval && account.access_role == AccessRole::Administrator)
        || account.request_approval == ApprovalMode::Automatic;
    order.id = ids.next(IdKind::Order);
    // CertCentral gives the order its certificate id up front: the recorded list shows one
    // even on a rejected order. The certificate itself exists only once issued.
    order.certificate_id = Some(ids.next(IdKind::Certificate));
    let request = Request {
        id: ids.next(IdKind::Request),
        date: now,
        kind: RequestType::NewRequest,
        status: if approved {
            RequestStatus::Approved
        } else {
            RequestStatus::Pending
        },
        order_id: order.id,
        certificate_id: None,
        comments: order.comments.clone().unwrap_or_default(),
        revocation_reason: None,
        processor_comment: None,
        date_processed: approved.then_some(now),
    };
    order.request_ids.push(request.id);
    if approved {
        order.set_status(OrderStatus::Pending, now);
    }
    let id = order.id;
    account.orders.push(order);
    account.requests.push(request);
    advance(account, ca, now, id)?;
    Ok(id)
}

/// Runs automatic mailbox validation and issues when nothing is missing any more.
pub fn advance(
    account: &mut Account,
    ca: &CertificateAuthority,
    now: OffsetDateTime,
    order_id: u64,
) -> anyhow::Result<()> {
    let automatic = account.email_validation == EmailValidationMode::Automatic;
    let domains = account.domains.clone();
    let Some(order) = account.order_mut(order_id) else {
        return Ok(());
    };
    if order.status != OrderStatus::Pending {
        return Ok(());
    }
    if automatic {
        for check in order.emails.iter_mut().filter(|c| !c.validated) {
            check.validated = domains
                .iter()
                .any(|d| d.covers_email(&check.email) && d.validated(now));
        }
    }
    if order.emails.iter().all(|c| c.validated) {
        if order.csr.is_some() {
            issue(account, ca, now, order_id)?;
        } else {
            order.set_status(OrderStatus::WaitingPickup, now);
        }
    }
    Ok(())
}

/// Re-runs [`advance`] for every pending order (after a domain or mode changed).
pub fn advance_all(
    account: &mut Account,
    ca: &CertificateAuthority,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let pending: Vec<u64> = account
        .orders
        .iter()
        .filter(|o| o.status == OrderStatus::Pending)
        .map(|o| o.id)
        .collect();
    for id in pending {
        advance(account, ca, now, id)?;
    }
    Ok(())
}

/// Signs the certificate for a validated order that has a CSR.
fn issue(
    account: &mut Account,
    ca: &CertificateAuthority,
    now: OffsetDateTime,
    order_id: u64,
) -> anyhow::Result<()> {
    let mut order = account.order(order_id).context("order vanished")?.clone();
    if account.mis_issue_profiles > 0 {
        account.mis_issue_profiles -= 1;
        order = profile::with_other_profile(&order);
    }
    let product = product_of(&order)?;
    let csr_pem = order.csr.as_deref().context("issuing without a CSR")?;
    let csr = Csr::parse(csr_pem.as_bytes()).context("a stored CSR no longer parses")?;
    let organization = order
        .organization_id
        .and_then(|id| account.organization(id));
    let spec = LeafSpec {
        subject: profile::subject(product.smime_type, &order, organization),
        emails: order.emails.iter().map(|e| e.email.clone()).collect(),
        key_usages: profile::key_usages(&order, csr.key()),
        extended_key_usages: profile::extended_key_usages(&order),
        policy_oid: profile::policy_oid(product.smime_type, order.profile),
        public_key_der: csr.public_key_der().to_vec(),
        not_before: now,
        not_after: ordering::not_after(&order, now),
    };
    let leaf = ca.issue(&spec)?;
    let certificate = IssuedCertificate {
        id: order
            .certificate_id
            .context("an order without a certificate id")?,
        order_id,
        serial_hex: leaf.serial_hex,
        thumbprint: leaf.thumbprint,
        pem: leaf.pem,
        not_before: spec.not_before,
        not_after: spec.not_after,
        revocation: None,
    };
    let order = account.order_mut(order_id).context("order vanished")?;
    order.key_size = Some(csr.key().bits());
    order.set_status(OrderStatus::Issued, now);
    account.certificates.push(certificate);
    Ok(())
}

pub fn product_of(order: &Order) -> anyhow::Result<&'static Product> {
    products::find(&order.product).with_context(|| format!("unknown product {}", order.product))
}

/// The status DigiCert reports now: stored status, except issued certificates past their end.
pub fn effective_status(account: &Account, order: &Order, now: OffsetDateTime) -> &'static str {
    if order.status == OrderStatus::Issued
        && let Some(cert) = order.certificate_id.and_then(|id| account.certificate(id))
        && cert.not_after <= now
    {
        return "expired";
    }
    order.status.as_str()
}

/// `PUT /request/{id}/status`.
pub fn decide_request(
    account: &mut Account,
    ids: &mut IdCounters,
    ca: &CertificateAuthority,
    now: OffsetDateTime,
    request_id: u64,
    approve: bool,
    comment: Option<String>,
) -> ApiResult<()> {
    if account.access_role != AccessRole::Administrator {
        return Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "access_denied|invalid_approver",
            "The API key's user cannot approve or reject requests.",
        ));
    }
    let request = account
        .requests
        .iter_mut()
        .find(|r| r.id == request_id)
        .ok_or_else(|| ApiError::not_found("request"))?;
    if request.status != RequestStatus::Pending {
        return Err(ApiError::bad_request(
            "invalid_status|request",
            format!(
                "Request {request_id} is already {}.",
                request.status.as_str()
            ),
        ));
    }
    request.status = if approve {
        RequestStatus::Approved
    } else {
        RequestStatus::Rejected
    };
    request.processor_comment = comment;
    request.date_processed = Some(now);
    let request = request.clone();
    match (request.kind, approve) {
        (RequestType::NewRequest, true) => {
            if let Some(order) = account.order_mut(request.order_id)
                && order.status == OrderStatus::NeedsApproval
            {
                order.set_status(OrderStatus::Pending, now);
            }
            advance(account, ca, now, request.order_id)?;
        }
        (RequestType::NewRequest, false) => {
            if let Some(order) = account.order_mut(request.order_id) {
                order.set_status(OrderStatus::Rejected, now);
            }
        }
        (RequestType::Revoke, true) => {
            let reason = request
                .revocation_reason
                .clone()
                .unwrap_or_else(|| "unspecified".into());
            let targets: Vec<u64> = match request.certificate_id {
                Some(id) => vec![id],
                None => account
                    .certificates
                    .iter()
                    .filter(|c| c.order_id == request.order_id)
                    .map(|c| c.id)
                    .collect(),
            };
            for id in targets {
                revoke_now(account, id, &reason, now);
            }
        }
        (RequestType::Revoke, false) => {}
        (RequestType::Reissue, true) => start_reissue(account, ids, ca, now, request.order_id)?,
        (RequestType::Reissue, false) => {
            if let Some(order) = account.order_mut(request.order_id)
                && order.status == OrderStatus::ReissuePending
            {
                order.set_status(OrderStatus::Issued, now);
                order.reissue_csr = None;
            }
        }
    }
    Ok(())
}

/// A reissue as the API asked for it; without a CSR the recipient makes a new key at pickup.
pub struct ReissueAsk {
    pub order_id: u64,
    pub csr: Option<Csr>,
    pub comments: String,
    pub skip_approval: bool,
}

/// `POST /order/certificate/{id}/reissue`: files a `reissue` request for an issued order.
/// Approved at once (administrator's `skip_approval`, or automatic approval), the new
/// certificate is issued right away; otherwise the order waits in `reissue_pending` with its
/// current certificate still valid. Returns the request id.
pub fn request_reissue(
    account: &mut Account,
    ids: &mut IdCounters,
    ca: &CertificateAuthority,
    now: OffsetDateTime,
    ask: ReissueAsk,
) -> ApiResult<u64> {
    let ReissueAsk {
        order_id,
        csr,
        comments,
        skip_approval,
    } = ask;
    let order = account
        .order(order_id)
        .ok_or_else(|| ApiError::not_found("order"))?;
    let status = effective_status(account, order, now);
    if status != "issued" {
        return Err(ApiError::bad_request(
            "invalid_status|order",
            format!("Only issued orders can be reissued; the order is {status}."),
        ));
    }
    let approved = (skip_approval && account.access_role == AccessRole::Administrator)
        || account.request_approval == ApprovalMode::Automatic;
    let request = Request {
        id: ids.next(IdKind::Request),
        date: now,
        kind: RequestType::Reissue,
        status: if approved {
            RequestStatus::Approved
        } else {
            RequestStatus::Pending
        },
        order_id,
        certificate_id: None,
        comments,
        revocation_reason: None,
        processor_comment: None,
        date_processed: approved.then_some(now),
    };
    let request_id = request.id;
    account.requests.push(request);
    let order = account
        .order_mut(order_id)
        .ok_or_else(|| ApiError::not_found("order"))?;
    order.request_ids.push(request_id);
    order.reissue_csr = csr.as_ref().map(Csr::to_pem);
    order.set_status(OrderStatus::ReissuePending, now);
    if approved {
        start_reissue(account, ids, ca, now, order_id)?;
    }
    Ok(request_id)
}

/// An approved reissue: the order gets a new certificate id and is issued again (its
/// addresses were validated for the first certificate), or waits for the recipient's key.
fn start_reissue(
    account: &mut Account,
    ids: &mut IdCounters,
    ca: &CertificateAuthority,
    now: OffsetDateTime,
    order_id: u64,
) -> anyhow::Result<()> {
    let Some(order) = account.order_mut(order_id) else {
        return Ok(());
    };
    if order.status != OrderStatus::ReissuePending {
        return Ok(());
    }
    order.certificate_id = Some(ids.next(IdKind::Certificate));
    order.csr = order.reissue_csr.take();
    if order.csr.is_some() {
        order.set_status(OrderStatus::Pending, now);
        advance(account, ca, now, order_id)?;
    } else {
        order.set_status(OrderStatus::WaitingPickup, now);
    }
    Ok(())
}

/// `PUT /order/certificate/{id}/status` with `canceled`.
/// A still-pending `new_request` of a canceled order is closed as rejected, so it cannot be
/// approved afterwards.
pub fn cancel(
    account: &mut Account,
    order_id: u64,
    note: String,
    now: OffsetDateTime,
) -> ApiResult<()> {
    let order = account
        .order_mut(order_id)
        .ok_or_else(|| ApiError::not_found("order"))?;
    match order.status {
        OrderStatus::NeedsApproval | OrderStatus::Pending | OrderStatus::WaitingPickup => {
            order.set_status(OrderStatus::Canceled, now);
            order.cancel_note = Some(note.clone());
        }
        // Cancelling a reissue keeps the order and its current certificate.
        OrderStatus::ReissuePending => {
            order.set_status(OrderStatus::Issued, now);
            order.reissue_csr = None;
        }
        other => {
            return Err(ApiError::bad_request(
                "invalid_status|order",
                format!("An order that is {} cannot be canceled.", other.as_str()),
            ));
        }
    }
    for request in account.requests.iter_mut().filter(|r| {
        r.order_id == order_id
            && matches!(r.kind, RequestType::NewRequest | RequestType::Reissue)
            && r.status == RequestStatus::Pending
    }) {
        request.status = RequestStatus::Rejected;
        request.processor_comment = Some(note.clone());
        request.date_processed = Some(now);
    }
    Ok(())
}

/// The revocation reason as the client sent it. DigiCert documents `revocation_reason` as
/// used for TLS certificates only and ignored for other types, so any value passes, and the
/// CRL entry carries no reason code.
pub fn parse_reason(reason: Option<&str>) -> String {
    reason.unwrap_or("unspecified").to_string()
}

/// A revocation as the API asked for it; no `certificate_id` means every certificate of the order.
pub struct RevocationAsk {
    pub order_id: u64,
    pub certificate_id: Option<u64>,
    pub reason: String,
    pub comments: String,
    pub skip_approval: bool,
}

/// Checks that `cert_id` can be revoked and either revokes it (`skip_approval`) or files a
/// revoke request, which is returned.
pub fn request_revocation(
    account: &mut Account,
    ids: &mut IdCounters,
    now: OffsetDateTime,
    ask: RevocationAsk,
) -> ApiResult<Option<Request>> {
    let RevocationAsk {
        order_id,
        certificate_id,
        reason,
        comments,
        skip_approval,
    } = ask;
    let order = account
        .order(order_id)
        .ok_or_else(|| ApiError::not_found("order"))?;
    if order.status != OrderStatus::Issued {
        return Err(ApiError::bad_request(
            "invalid_status|order",
            format!(
                "Only issued certificates can be revoked; the order is {}.",
                effective_status(account, order, now)
            ),
        ));
    }
    // Revoking an order revokes every certificate it has had (reissues included).
    let targets: Vec<u64> = match certificate_id {
        Some(id) => vec![id],
        None => account
            .certificates
            .iter()
            .filter(|c| c.order_id == order_id && c.revocation.is_none())
            .map(|c| c.id)
            .collect(),
    };
    if skip_approval && account.access_role == AccessRole::Administrator {
        for id in targets {
            revoke_now(account, id, &reason, now);
        }
        return Ok(None);
    }
    let automatic = account.request_approval == ApprovalMode::Automatic;
    let request = Request {
        id: ids.next(IdKind::Request),
        date: now,
        kind: RequestType::Revoke,
        status: if automatic {
            RequestStatus::Approved
        } else {
            RequestStatus::Pending
        },
        order_id,
        certificate_id,
        comments,
        revocation_reason: Some(reason),
        processor_comment: None,
        date_processed: automatic.then_some(now),
    };
    if let Some(order) = account.order_mut(order_id) {
        order.request_ids.push(request.id);
    }
    account.requests.push(request.clone());
    if automatic {
        for id in targets {
            revoke_now(
                account,
                id,
                &request.revocation_reason.clone().unwrap_or_default(),
                now,
            );
        }
    }
    Ok(Some(request))
}

/// The order of a certificate named by id or serial, with the certificate's id when it is
/// issued. A certificate id of an order that is not issued yet gives the order alone, so the
/// order's status decides the answer.
pub fn order_of_certificate(account: &Account, key: &str) -> ApiResult<(u64, Option<u64>)> {
    if let Some(cert) = account.certificate_by_id_or_serial(key) {
        if cert.revocation.is_some() {
            return Err(ApiError::bad_request(
                "invalid_status|certificate",
                "The certificate is already revoked.",
            ));
        }
        return Ok((cert.order_id, Some(cert.id)));
    }
    account
        .orders
        .iter()
        .find(|o| o.certificate_id.is_some_and(|id| id.to_string() == key))
        .map(|o| (o.id, None))
        .ok_or_else(|| ApiError::not_found("order"))
}

fn revoke_now(account: &mut Account, certificate_id: u64, reason: &str, now: OffsetDateTime) {
    let Some(cert) = account
        .certificates
        .iter_mut()
        .find(|c| c.id == certificate_id)
    else {
        return;
    };
    if cert.revocation.is_none() {
        cert.revocation = Some(Revocation {
            // In whole seconds as CRLs carry them, so the next CRL's thisUpdate covers it.
            at: crate::crl::whole_seconds(now),
            reason: reason.to_string(),
        });
    }
    let order_id = cert.order_id;
    if let Some(order) = account.order_mut(order_id) {
        order.set_status(OrderStatus::Revoked, now);
    }
}

/// The control API's stand-in for recipients clicking their validation links.
pub fn validate_emails(
    account: &mut Account,
    order_id: u64,
    which: Option<&[String]>,
) -> ApiResult<()> {
    let order = account
        .order_mut(order_id)
        .ok_or_else(|| ApiError::not_found("order"))?;
    for check in &mut order.emails {
        if which.is_none_or(|list| list.iter().any(|e| e.eq_ignore_ascii_case(&check.email))) {
            check.validated = true;
        }
    }
    Ok(())
}

/// The control API's stand-in for DigiCert KeyGen: the recipient supplies a key for a
/// `waiting_pickup` order.
pub fn pick_up(
    account: &mut Account,
    ca: &CertificateAuthority,
    now: OffsetDateTime,
    order_id: u64,
    csr: &Csr,
) -> ApiResult<()> {
    let order = account
        .order_mut(order_id)
        .ok_or_else(|| ApiError::not_found("order"))?;
    if order.status != OrderStatus::WaitingPickup {
        return Err(ApiError::bad_request(
            "invalid_status|order",
            format!(
                "The order is {}, not waiting_pickup.",
                order.status.as_str()
            ),
        ));
    }
    order.csr = Some(csr.to_pem());
    order.set_status(OrderStatus::Pending, now);
    advance(account, ca, now, order_id)?;
    Ok(())
}
