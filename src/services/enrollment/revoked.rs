//! The mail to a certificate's holder when it is revoked, whoever revoked it, saying why:
//! the person themself, an administrator (with the reason given), or DigiCert (seen by
//! the order's status sync). Queued in the transaction that marks the order revoked, so
//! it goes exactly once.
use askama::Template;
use sqlx::{Postgres, Transaction};
use time::OffsetDateTime;

use crate::db::orders::OrderRecord;
use crate::domain::RevocationReason;
use crate::i18n::Lang;
use crate::mail::Mail;
use crate::mail::templates::{CertificateRevokedMail, subject};

/// Who revoked the certificate.
#[derive(Debug, Clone, Copy)]
pub enum RevokedBy {
    ByPerson,
    ByAdmin(RevocationReason),
    ByDigicert,
}

impl RevokedBy {
    fn why(self, lang: Lang) -> String {
        match self {
            Self::ByPerson => lang.t("mail.revoked.by_person").to_owned(),
            Self::ByAdmin(reason) => lang.fill(
                "mail.revoked.by_admin",
                &[("reason", lang.t(reason.message_key()))],
            ),
            Self::ByDigicert => lang.t("mail.revoked.by_digicert").to_owned(),
        }
    }
}

pub async fn mail_revoked(
    tx: &mut Transaction<'_, Postgres>,
    order: &OrderRecord,
    why: RevokedBy,
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
