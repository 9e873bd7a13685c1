//! An order for a person's certificate, parsed once from what an admin typed: the
//! order form and the order API read the same [`OrderForm`] through the same rules,
//! and everything after them works with the typed [`NewOrder`].
use serde::Deserialize;

use super::invalid::InvalidFields;
use super::{EmailAddress, NamePart, PersonName};

/// DigiCert's ceiling for a client certificate, whatever the product.
pub const MAX_VALIDITY_DAYS: u32 = 825;

/// The longest idempotency key kept; the form's own keys are 32 characters.
const MAX_IDEMPOTENCY_KEY_LEN: usize = 64;

/// The products institutions order for their people, stored as DigiCert's `name_id`
/// (the database's CHECK on `certificate_orders.product` allows exactly these).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
pub enum Product {
    ClientDigitalSignaturePlus,
    ClientEmailSecurityPlus,
    ClientPremium,
    SecureEmailSponsor,
}

impl Product {
    /// Every product, in the order the form offers them.
    pub const ALL: [Self; 4] = [
        Self::ClientDigitalSignaturePlus,
        Self::ClientEmailSecurityPlus,
        Self::ClientPremium,
        Self::SecureEmailSponsor,
    ];

    /// The name stored with the order: DigiCert's `name_id` of the product.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientDigitalSignaturePlus => "client_digital_signature_plus",
            Self::ClientEmailSecurityPlus => "client_email_security_plus",
            Self::ClientPremium => "client_premium",
            Self::SecureEmailSponsor => "secure_email_sponsor",
        }
    }

    pub fn parse(text: &str) -> Result<Self, &'static str> {
        Self::ALL
            .into_iter()
            .find(|product| product.as_str() == text)
            .ok_or("error.order.product")
    }

    /// Secure Email certificates come in an S/MIME BR profile; the others do not.
    pub fn has_profile(self) -> bool {
        self == Self::SecureEmailSponsor
    }
}

/// The S/MIME BR profile of a Secure Email certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileType {
    /// Mail signing and encryption only.
    Strict,
    /// Also client authentication.
    Multipurpose,
}

impl ProfileType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Multipurpose => "multipurpose",
        }
    }

    pub fn parse(text: &str) -> Result<Self, &'static str> {
        match text {
            "strict" => Ok(Self::Strict),
            "multipurpose" => Ok(Self::Multipurpose),
            _ => Err("error.order.profile"),
        }
    }
}

/// How long the certificate is valid: one or two years. Three would pass DigiCert's
/// ceiling of [`MAX_VALIDITY_DAYS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    OneYear,
    TwoYears,
}

impl Validity {
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        match text.trim() {
            "1" => Ok(Self::OneYear),
            "2" => Ok(Self::TwoYears),
            _ => Err("error.order.validity"),
        }
    }

    pub fn years(self) -> u32 {
        match self {
            Self::OneYear => 1,
            Self::TwoYears => 2,
        }
    }
}

/// The mailboxes of one certificate: at least one, each once, in the order typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAddresses(Vec<EmailAddress>);

impl EmailAddresses {
    /// Addresses separated by commas, semicolons or white space (one per line on the
    /// form); an address typed twice is kept once.
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let mut emails: Vec<EmailAddress> = Vec::new();
        for typed in text
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|typed| !typed.is_empty())
        {
            let email = EmailAddress::parse(typed).map_err(|error| error.message_key())?;
            if !emails.contains(&email) {
                emails.push(email);
            }
        }
        if emails.is_empty() {
            return Err("error.order.no_email");
        }
        Ok(Self(emails))
    }

    pub fn as_slice(&self) -> &[EmailAddress] {
        &self.0
    }

    /// The mailbox the person's link goes to.
    pub fn first(&self) -> &EmailAddress {
        &self.0[0]
    }

    pub fn iter(&self) -> std::slice::Iter<'_, EmailAddress> {
        self.0.iter()
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|email| email.as_str().to_owned())
            .collect()
    }
}

/// An order as typed, whichever door it came through; kept whole so a refused form
/// comes back as it was.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct OrderForm {
    #[serde(default)]
    pub product: String,
    /// Read for Secure Email only; the form sends its choice whatever the product.
    #[serde(default)]
    pub profile_type: String,
    #[serde(default)]
    pub emails: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub surname: String,
    #[serde(default)]
    pub validity_years: String,
    /// Optional: without it the person brings or gets a key through their link.
    #[serde(default)]
    pub csr: String,
    /// Chosen by the form (or the API's caller); the same key again finds the first order.
    #[serde(default)]
    pub idempotency_key: String,
}

/// What an admin orders, every part checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub product: Product,
    /// `Some` exactly for the products that [`Product::has_profile`].
    pub profile_type: Option<ProfileType>,
    pub emails: EmailAddresses,
    pub name: PersonName,
    pub validity: Validity,
    /// An admin-supplied CSR sends the order to DigiCert at once; without one the
    /// order waits for the person to prove the mailbox and bring or get a key.
    pub csr_pem: Option<String>,
    pub idempotency_key: String,
}

impl TryFrom<&OrderForm> for NewOrder {
    type Error = InvalidFields;

    fn try_from(form: &OrderForm) -> Result<Self, InvalidFields> {
        let mut invalid = InvalidFields::default();
        let product = invalid.check("product", Product::parse(&form.product));
        // Whatever the product, a profile that is neither of the two is refused.
        let profile = match form.profile_type.as_str() {
            "" => None,
            typed => invalid.check("profile_type", ProfileType::parse(typed)),
        };
        let profile_type = match product {
            Some(product) if product.has_profile() => {
                if profile.is_none() {
                    invalid.add("profile_type", "error.order.profile");
                }
                profile
            }
            _ => None,
        };
        let emails = invalid.check("emails", EmailAddresses::parse(&form.emails));
        let name = parse_name(form, &mut invalid);
        let validity = invalid.check("validity_years", Validity::parse(&form.validity_years));
        let idempotency_key = form.idempotency_key.trim();
        if idempotency_key.is_empty() || idempotency_key.len() > MAX_IDEMPOTENCY_KEY_LEN {
            invalid.add("idempotency_key", "error.order.stale_form");
        }
        let (Some(product), Some(emails), Some(name), Some(validity), true) =
            (product, emails, name, validity, invalid.is_empty())
        else {
            return Err(invalid);
        };
        Ok(Self {
            product,
            profile_type,
            emails,
            name,
            validity,
            csr_pem: (!form.csr.trim().is_empty()).then(|| form.csr.clone()),
            idempotency_key: idempotency_key.to_owned(),
        })
    }
}

/// The given name and surname, each with its own error, then whether the two fit one
/// common name (said at the surname).
fn parse_name(form: &OrderForm, invalid: &mut InvalidFields) -> Option<PersonName> {
    let mut part = |field, typed: &str| {
        invalid.check(field, NamePart::parse(typed).map_err(|e| e.message_key()))
    };
    let given_name = part("given_name", &form.given_name);
    let surname = part("surname", &form.surname);
    let name = PersonName::new(given_name?, surname?).map_err(|error| error.message_key());
    invalid.check("surname", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> OrderForm {
        OrderForm {
            product: "secure_email_sponsor".to_owned(),
            profile_type: "strict".to_owned(),
            emails: "ana@etf.bg.ac.rs".to_owned(),
            given_name: "Ana".to_owned(),
            surname: "Anić".to_owned(),
            validity_years: "1".to_owned(),
            idempotency_key: "key".to_owned(),
            ..OrderForm::default()
        }
    }

    fn refused(form: &OrderForm) -> InvalidFields {
        NewOrder::try_from(form).expect_err("the form was accepted")
    }

    #[test]
    fn addresses_split_on_commas_semicolons_and_lines_and_each_counts_once() {
        let order = NewOrder::try_from(&OrderForm {
            emails: "Ana@etf.bg.ac.rs; ana@etf.bg.ac.rs,\nana.anic@etf.bg.ac.rs  ".to_owned(),
            ..form()
        })
        .unwrap();
        assert_eq!(
            order.emails.to_strings(),
            ["ana@etf.bg.ac.rs", "ana.anic@etf.bg.ac.rs"]
        );
    }

    #[test]
    fn a_profile_that_is_neither_strict_nor_multipurpose_is_refused_for_every_product() {
        for product in ["secure_email_sponsor", "client_premium"] {
            let invalid = refused(&OrderForm {
                product: product.to_owned(),
                profile_type: "superpurpose".to_owned(),
                ..form()
            });
            assert_eq!(invalid.get("profile_type"), Some("error.order.profile"));
        }
    }

    #[test]
    fn secure_email_needs_a_profile_and_the_other_products_carry_none() {
        let invalid = refused(&OrderForm {
            profile_type: String::new(),
            ..form()
        });
        assert_eq!(invalid.get("profile_type"), Some("error.order.profile"));
        let premium = NewOrder::try_from(&OrderForm {
            product: "client_premium".to_owned(),
            ..form()
        })
        .unwrap();
        assert_eq!(premium.profile_type, None);
    }

    #[test]
    fn every_bad_field_is_named_with_its_own_message() {
        let invalid = refused(&OrderForm {
            product: "ssl_plus".to_owned(),
            emails: "ana@".to_owned(),
            given_name: String::new(),
            surname: "A1".to_owned(),
            validity_years: "3".to_owned(),
            idempotency_key: "k".repeat(65),
            ..form()
        });
        assert_eq!(
            invalid.iter().collect::<Vec<_>>(),
            [
                ("emails", "error.email.invalid"),
                ("given_name", "error.person_name.empty"),
                ("idempotency_key", "error.order.stale_form"),
                ("product", "error.order.product"),
                ("surname", "error.person_name.digits"),
                ("validity_years", "error.order.validity"),
            ]
        );
    }

    #[test]
    fn no_address_at_all_is_its_own_message() {
        let invalid = refused(&OrderForm {
            emails: " ;, ".to_owned(),
            ..form()
        });
        assert_eq!(invalid.get("emails"), Some("error.order.no_email"));
    }
}
