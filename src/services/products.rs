//! The certificate products in words: a name, what each can do, what it cannot (said
//! plainly, so nobody expects it), and when to pick it. The one description the order
//! form, the order page, the lists, the person's pages and the mails all use.
use crate::domain::Product;
use crate::i18n::Lang;

/// Said of every product: DigiCert's client certificates are not qualified ones.
const NOT_QUALIFIED: &str = "order.product_not_qualified";

/// Catalogue keys describing one product (and, for Secure Email, its profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductText {
    pub id: &'static str,
    pub title_key: &'static str,
    pub what_key: &'static str,
    pub cannot_key: &'static str,
    pub when_key: &'static str,
    /// The Secure Email profile's name, when there is one.
    pub profile_key: Option<&'static str>,
    /// Whether others can encrypt mail to its holder (Digital Signature Plus cannot).
    pub encrypts: bool,
}

impl ProductText {
    /// "Title (profile): what it does. What it cannot." in one language, for mails.
    pub fn describe(&self, lang: Lang) -> String {
        let title = match self.profile_key {
            Some(profile) => format!("{} ({})", lang.t(self.title_key), lang.t(profile)),
            None => lang.t(self.title_key).to_owned(),
        };
        format!(
            "{title}: {} {}",
            lang.t(self.what_key),
            lang.t(self.cannot_key)
        )
    }
}

/// The products an admin may order, in the order the form offers them (no profile chosen yet).
pub fn orderable() -> Vec<ProductText> {
    Product::ALL
        .iter()
        .map(|product| text(Some(*product), None))
        .collect()
}

/// The description of `product`, ordered with `profile` (Secure Email only); `None`
/// for a product the portal no longer offers.
pub fn text(product: Option<Product>, profile: Option<&str>) -> ProductText {
    match product {
        Some(Product::ClientDigitalSignaturePlus) => ProductText {
            id: "client_digital_signature_plus",
            title_key: "order.product.signature.title",
            what_key: "order.product.signature.what",
            cannot_key: "order.product.signature.cannot",
            when_key: "order.product.signature.when",
            profile_key: None,
            encrypts: false,
        },
        Some(Product::ClientEmailSecurityPlus) => ProductText {
            id: "client_email_security_plus",
            title_key: "order.product.email_security.title",
            what_key: "order.product.email_security.what",
            cannot_key: "order.product.email_security.cannot",
            when_key: "order.product.email_security.when",
            profile_key: None,
            encrypts: true,
        },
        Some(Product::ClientPremium) => ProductText {
            id: "client_premium",
            title_key: "order.product.premium.title",
            what_key: "order.product.premium.what",
            cannot_key: NOT_QUALIFIED,
            when_key: "order.product.premium.when",
            profile_key: None,
            encrypts: true,
        },
        Some(Product::SecureEmailSponsor) => {
            let (what_key, cannot_key, profile_key) = match profile {
                Some("multipurpose") => (
                    "order.product.secure_email.what_multipurpose",
                    NOT_QUALIFIED,
                    Some("order.profile_multipurpose"),
                ),
                Some("strict") => (
                    "order.product.secure_email.what",
                    "order.product.secure_email.cannot_strict",
                    Some("order.profile_strict"),
                ),
                _ => (
                    "order.product.secure_email.what",
                    "order.product.secure_email.cannot",
                    None,
                ),
            };
            ProductText {
                id: "secure_email_sponsor",
                title_key: "order.product.secure_email.title",
                what_key,
                cannot_key,
                when_key: "order.product.secure_email.when",
                profile_key,
                encrypts: true,
            }
        }
        None => ProductText {
            id: "other",
            title_key: "order.product.other.title",
            what_key: "order.product.other.what",
            cannot_key: "order.product.other.cannot",
            when_key: "order.product.other.when",
            profile_key: None,
            encrypts: true,
        },
    }
}

/// The description of an order as stored: its `name_id` and profile.
pub fn of_order(product: Product, profile: Option<&str>) -> ProductText {
    text(Some(product), profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digital_signature_plus_says_it_cannot_encrypt_and_promises_no_encryption() {
        let text = text(Some(Product::ClientDigitalSignaturePlus), None);
        for lang in Lang::ALL {
            let cannot = lang.t(text.cannot_key);
            let described = text.describe(lang);
            assert!(described.contains(cannot));
            let promised = described.replace(cannot, "").to_lowercase();
            assert!(
                !promised.contains("encrypt") && !promised.contains("šifr"),
                "{promised}"
            );
        }
    }

    #[test]
    fn a_strict_secure_email_certificate_says_it_does_not_log_in() {
        let strict = text(Some(Product::SecureEmailSponsor), Some("strict"));
        assert_eq!(
            strict.cannot_key,
            "order.product.secure_email.cannot_strict"
        );
        let multipurpose = text(Some(Product::SecureEmailSponsor), Some("multipurpose"));
        assert!(Lang::English.t(multipurpose.what_key).contains("log"));
    }
}
