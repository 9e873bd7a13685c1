//! The text of each mail, Serbian first and English second: bodies from askama templates,
//! subjects from the catalogue (`mail.subject.*`).
use askama::Template;

use crate::domain::InstitutionRole;
use crate::i18n::Lang;

/// A detail put into a subject: the same text in both languages (a name, a date, an
/// address), or a catalogue key that each language says in its own words (a role).
#[derive(Debug, Clone, Copy)]
pub enum Word<'a> {
    Text(&'a str),
    Key(&'a str),
}

/// A subject line, `AMRES TCS: <Serbian> / <English>`, from the catalogue's
/// `mail.subject.<name>` in each language with its `{…}` filled from `args`.
pub fn subject(key: &str, args: &[(&str, Word<'_>)]) -> String {
    let say = |lang: Lang| {
        let words: Vec<(&str, &str)> = args
            .iter()
            .map(|(name, word)| match word {
                Word::Text(text) => (*name, *text),
                Word::Key(key) => (*name, lang.t(key)),
            })
            .collect();
        lang.fill(key, &words)
    };
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

#[derive(Template)]
#[template(path = "mail/membership_added.txt", escape = "none")]
pub struct MembershipAddedMail<'a> {
    pub name: &'a str,
    pub inviter: &'a str,
    pub role_sr: &'a str,
    pub role_en: &'a str,
    pub institution_sr: &'a str,
    pub institution_en: &'a str,
    pub link: &'a str,
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
    pub link: &'a str,
    pub not_after: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_says_it_all_in_serbian_then_all_in_english() {
        // The role used to be English in both halves ("AMRES TCS: ETF / an auditor").
        assert_eq!(
            subject(
                "mail.subject.membership_added",
                &[
                    ("institution", Word::Text("ETF")),
                    ("role", Word::Key("role.auditor"))
                ]
            ),
            "AMRES TCS: ETF: vaša uloga je Revizor / ETF: your role is Auditor"
        );
    }

    #[test]
    fn every_subject_has_each_of_its_details_filled() {
        let details =
            ["institution", "role", "emails", "until"].map(|name| (name, Word::Text("x")));
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
