//! The text of each mail, Serbian first and English second: bodies from askama templates,
//! subjects from the catalogue (`mail.subject.*`).
use askama::Template;

use crate::domain::InstitutionRole;
use crate::i18n::Lang;

/// A subject line, `AMRES TCS: <Serbian> / <English>`, from the catalogue's
/// `mail.subject.<name>` in each language with its `{…}` filled from `args` (details that
/// read the same in both languages: names, dates, addresses).
pub fn subject(key: &str, args: &[(&str, &str)]) -> String {
    let say = |lang: Lang| lang.fill(key, args);
    format!("AMRES TCS: {} / {}", say(Lang::Serbian), say(Lang::English))
}

#[derive(Template)]
#[template(path = "mail/invitation.txt", escape = "none")]
pub struct InvitationMail<'a> {
    pub name: &'a str,
    pub inviter: &'a str,
    pub role_sr: &'a str,
    pub role_en: &'a str,
    pub institution_sr: &'a str,
    pub institution_en: &'a str,
    pub link: &'a str,
    pub expires: &'a str,
}

/// A role as the mail names it, in (Serbian, English).
pub fn role_words(role: InstitutionRole) -> (&'static str, &'static str) {
    match role {
        InstitutionRole::Admin => ("administrator", "an administrator"),
        InstitutionRole::Auditor => ("revizor", "an auditor"),
    }
}

#[derive(Template)]
#[template(path = "mail/validation_expiry.txt", escape = "none")]
pub struct ValidationExpiryMail<'a> {
    pub subject_sr: &'a str,
    pub subject_en: &'a str,
    pub institution_sr: &'a str,
    pub institution_en: &'a str,
    pub until: &'a str,
    pub days: i32,
    pub link: &'a str,
}

/// To the admin who ordered, when DigiCert rejects or cancels the order.
#[derive(Template)]
#[template(path = "mail/order_stopped.txt", escape = "none")]
pub struct OrderStoppedMail<'a> {
    pub emails: &'a str,
    pub status_sr: &'a str,
    pub status_en: &'a str,
    pub reason: &'a str,
    pub link: &'a str,
}

/// To the person whose certificate ends soon: who can renew it, and when it ends.
#[derive(Template)]
#[template(path = "mail/reminder_person.txt", escape = "none")]
pub struct ReminderPersonMail<'a> {
    pub name: &'a str,
    /// What the certificate can and cannot do (`ProductText::describe`), in each language.
    pub product_sr: &'a str,
    pub product_en: &'a str,
    /// Whether others could encrypt mail to the holder, so old mail needs the old key.
    pub encrypts: bool,
    pub emails: &'a str,
    pub institution_sr: &'a str,
    pub institution_en: &'a str,
    pub until: &'a str,
    pub days: i32,
}

/// To the institution's admins about a certificate that ends soon, with the
/// "order again" link.
#[derive(Template)]
#[template(path = "mail/reminder_admin.txt", escape = "none")]
pub struct ReminderAdminMail<'a> {
    pub name: &'a str,
    pub emails: &'a str,
    pub institution_sr: &'a str,
    pub institution_en: &'a str,
    pub until: &'a str,
    pub days: i32,
    pub link: &'a str,
}

/// To the person an order was placed for: the single-use link to get the certificate.
#[derive(Template)]
#[template(path = "mail/enrollment_link.txt", escape = "none")]
pub struct EnrollmentLinkMail<'a> {
    pub name: &'a str,
    /// What the certificate can and cannot do (`ProductText::describe`), in each language.
    pub product_sr: &'a str,
    pub product_en: &'a str,
    pub institution_sr: &'a str,
    pub institution_en: &'a str,
    pub link: &'a str,
    pub expires: &'a str,
}

/// To the person when their certificate is issued, with a link of its own.
#[derive(Template)]
#[template(path = "mail/certificate_issued.txt", escape = "none")]
pub struct CertificateIssuedMail<'a> {
    pub name: &'a str,
    /// The install guides' page.
    pub guides: &'a str,
    pub product_sr: &'a str,
    pub product_en: &'a str,
    pub link: &'a str,
    pub not_after: &'a str,
}

/// To full staff, when a scheduled refresh of trusted SAML metadata fails.
#[derive(Template)]
#[template(path = "mail/metadata_refresh_failed.txt", escape = "none")]
pub struct MetadataRefreshFailedMail<'a> {
    pub source: &'a str,
    pub url: &'a str,
    pub error: &'a str,
    pub link: &'a str,
}

/// To the person when their certificate is revoked, saying who revoked it and why.
#[derive(Template)]
#[template(path = "mail/certificate_revoked.txt", escape = "none")]
pub struct CertificateRevokedMail<'a> {
    pub name: &'a str,
    pub serial: &'a str,
    pub why_sr: &'a str,
    pub why_en: &'a str,
}

/// To the person who asked to revoke from the reusable link: the one-time code.
#[derive(Template)]
#[template(path = "mail/revoke_code.txt", escape = "none")]
pub struct RevokeCodeMail<'a> {
    pub name: &'a str,
    pub code: &'a str,
    pub minutes: i64,
}

/// To a self-service person whose institution wants the mailbox proved by a code
/// before their order (issue 15 §2).
#[derive(Template)]
#[template(path = "mail/self_service_code.txt", escape = "none")]
pub struct SelfServiceCodeMail<'a> {
    pub name: &'a str,
    pub code: &'a str,
    pub minutes: i64,
}

/// To a person marked as departed, and to their institution's admins (issue 15 §4):
/// when the certificates will be revoked and that an admin can still undo it.
#[derive(Template)]
#[template(path = "mail/departure.txt", escape = "none")]
pub struct DepartureMail<'a> {
    pub to_admin: bool,
    pub email: &'a str,
    pub institution_sr: &'a str,
    pub institution_en: &'a str,
    pub until: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_says_it_all_in_serbian_then_all_in_english() {
        assert_eq!(
            subject(
                "mail.subject.validation_expires",
                &[("institution", "ETF"), ("until", "1. 2. 2027.")]
            ),
            "AMRES TCS: ETF: validacija ističe 1. 2. 2027. / ETF: validation expires 1. 2. 2027."
        );
    }

    #[test]
    fn every_subject_has_each_of_its_details_filled() {
        let details = ["institution", "emails", "until", "source"].map(|name| (name, "x"));
        for key in crate::i18n::keys(Lang::Serbian)
            .iter()
            .filter(|key| key.starts_with("mail.subject."))
        {
            let line = subject(key, &details);
            assert!(
                !line.contains('{') && !line.contains(key.as_str()),
                "{line}"
            );
        }
    }
}
