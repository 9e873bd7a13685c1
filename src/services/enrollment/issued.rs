//! The mail to the person when their certificate is issued, with an access
//! link of its own that works until the certificate expires.
use askama::Template;
use sqlx::PgPool;
use time::OffsetDateTime;

use crate::crypto::tokens;
use crate::db::enrollments as db;
use crate::domain::OrderId;
use crate::mail::Mail;
use crate::mail::templates::{CertificateIssuedMail, subject};

/// Mails the person of an issued order, once however often it is called (the
/// follow job may collect the same certificate again after a crash). Orders
/// placed with an admin's CSR have no enrollment and get no mail.
pub async fn mail_issued(
    pool: &PgPool,
    order_id: OrderId,
    public_url: &str,
    now: OffsetDateTime,
) -> anyhow::Result<()> {
    let Some(order) = crate::db::orders::unscoped_get(pool, order_id).await? else {
        return Ok(());
    };
    let (Some(not_after), Some(mailbox)) = (order.not_after, order.emails.first()) else {
        return Ok(());
    };
    let mut tx = pool.begin().await?;
    let Some(enrollment) = db::claim_issued_mail(&mut tx, order_id, now).await? else {
        return Ok(());
    };
    let token = tokens::generate();
    db::insert_access_token(&mut tx, &enrollment, &token.hash, not_after, now).await?;
    let product = crate::services::products::of_order(order.product, order.profile_type.as_deref());
    let body = CertificateIssuedMail {
        name: &order.common_name,
        guides: &format!("{public_url}/guides"),
        product_sr: &product.describe(crate::i18n::Lang::Serbian),
        product_en: &product.describe(crate::i18n::Lang::English),
        link: &super::link::link(public_url, &token.secret),
        not_after: &crate::i18n::format::datetime(not_after),
    }
    .render()?;
    Mail {
        to: mailbox.clone(),
        subject: subject("mail.subject.certificate_issued", &[]),
        body,
    }
    .enqueue(&mut tx, now)
    .await?;
    tx.commit().await?;
    Ok(())
}
