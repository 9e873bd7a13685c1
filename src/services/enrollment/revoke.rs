//! Revocation by the certificate's holder from their own page: always for key
//! compromise, sent to DigiCert at once (the S/MIME BR allow 24 hours), through
//! the same implementation admins use.
use super::PersonView;
use crate::audit::RequestMeta;
use crate::domain::RevocationReason;
use crate::services::ordering::{self, RevokeOutcome, Revoker};
use crate::state::AppState;

pub async fn revoke_own(
    state: &AppState,
    meta: &RequestMeta,
    view: &PersonView,
) -> anyhow::Result<RevokeOutcome> {
    ordering::revoke_order(
        state,
        meta,
        &view.order,
        Revoker::Person(view.mailbox().to_owned()),
        RevocationReason::KeyCompromise,
        "revoked by the certificate holder: key compromise",
    )
    .await
}
