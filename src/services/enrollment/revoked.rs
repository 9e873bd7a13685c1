//! The mail to a certificate's holder when it is revoked, whoever revoked it, saying why:
//! the person themself, an administrator (with the reason given), or DigiCert (seen by
//! the order's status sync). Queued in the transaction that marks the order revoked, so
//! it goes exactly once.
use askama::Template;
use digicert::RevocationReason;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use crate::db::orders::OrderRecord;
use crate::i18n::Lang;
use crate::mail::Mail;
use crate::mail::templates::{CertificateRevokedMail, subject};
use crate::services::ordering::REVOCATION_REASONS;

/// Who revoked the certificate.
#[derive(Debug, Clone, Copy)]
pub enum Revocation<'a> {
    ByPerson,
    ByAdmin(&'a RevocationReason),
    ByDigicert,
}

impl Revocation<'_> {
    fn why(self, lang: Lang) -> String {
        match self {
            Self::ByPerson => lang.t("mail.revoked.by_person").to_owned(),
            Self::ByAdmin(reason) => {
                let reason_key = REVOCATION_REASONS
                    .iter()
                    .find(|(known, _)| known == reason)
                    .map_or("order.revoke_reasons.unspecified", |(_, key)| key);
                lang.fill("mail.revoked.by_admin", &[("reason", lang.t(reason_key))])
            }
            Self::ByDigicert => lang.t("mail.revoked.by_digicert").to_owned(),
        }
    }
}

pub async fn mail_revoked(
    tx: &mut Transaction<'_, Postgres>,
    order: &OrderRecord,
    why: Revocation<'_>,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let Some(mailbox) = order.emails.first() else {
        return Ok(());
    };
    let body = CertificateRevokedMail {
        name: &order.common_name,
        serial: order.serial_number.as_deref().unwrap_or("—"),
        why_sr: &why.why(Lang::Serbian),
        why_en: &why.why(Lang::English),
    }
    .render()?;
    Mail {
        to: mailbox.clone(),
        subject: subject("mail.subject.certificate_revoked", &[]),
        body,
    }
    .enqueue(tx, now)
    .await?;
    Ok(())
}
