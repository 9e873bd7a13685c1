//! An institution's self-service policy (issue 15 §2): who may request their own
//! certificate after logging in at the institution's IdP, which products and profiles they
//! may choose, for how long, and what proves their mailbox. Parsed once from the admins'
//! form; the ACS and the request form only ask it questions.
use std::collections::HashMap;

use serde::Deserialize;

use super::invalid::InvalidFields;
use super::{Product, ProfileType, Validity};

/// The longest entitlement kept (the column's CHECK says the same).
const MAX_ENTITLEMENT_LEN: usize = 1024;

/// The eduPersonAffiliation values a policy can admit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Affiliation {
    Employee,
    Faculty,
    Staff,
    Student,
    Member,
    Affiliate,
}

impl Affiliation {
    pub const ALL: [Self; 6] = [
        Self::Employee,
        Self::Faculty,
        Self::Staff,
        Self::Student,
        Self::Member,
        Self::Affiliate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Employee => "employee",
            Self::Faculty => "faculty",
            Self::Staff => "staff",
            Self::Student => "student",
            Self::Member => "member",
            Self::Affiliate => "affiliate",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|affiliation| affiliation.as_str() == text)
    }

    /// The affiliation of a scoped value (`student@etf.bg.ac.rs`); the scope itself was
    /// checked by the ACS.
    pub fn of_scoped(value: &str) -> Option<Self> {
        let (affiliation, _scope) = value.split_once('@')?;
        Self::parse(&affiliation.trim().to_ascii_lowercase())
    }

    /// The catalogue key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Self::Employee => "self_service.affiliation.employee",
            Self::Faculty => "self_service.affiliation.faculty",
            Self::Staff => "self_service.affiliation.staff",
            Self::Student => "self_service.affiliation.student",
            Self::Member => "self_service.affiliation.member",
            Self::Affiliate => "self_service.affiliation.affiliate",
        }
    }
}

/// What proves that the person reads the mailbox the certificate names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailboxProof {
    /// The IdP's `mail`: the institution vouches for its people's addresses in its
    /// validated domains (enterprise RA).
    IdpMail,
    /// A one-time code mailed to the address, typed back.
    MailedCode,
}

impl MailboxProof {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::IdpMail => "idp_mail",
            Self::MailedCode => "mailed_code",
        }
    }

    fn parse(text: &str) -> Result<Self, &'static str> {
        match text {
            "idp_mail" => Ok(Self::IdpMail),
            "mailed_code" => Ok(Self::MailedCode),
            _ => Err("error.self_service.mailbox_proof"),
        }
    }
}

/// One institution's policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub enabled: bool,
    pub affiliations: Vec<Affiliation>,
    pub entitlement: Option<String>,
    /// At least one, in the order [`Product::ALL`] lists them.
    pub products: Vec<Product>,
    /// The profiles offered with Secure Email.
    pub profiles: Vec<ProfileType>,
    pub validity: Validity,
    pub mailbox_proof: MailboxProof,
}

impl Default for Policy {
    /// Off; when switched on, Secure Email strict for a year, the mailbox proved by a code.
    fn default() -> Self {
        Self {
            enabled: false,
            affiliations: Vec::new(),
            entitlement: None,
            products: vec![Product::SecureEmailSponsor],
            profiles: vec![ProfileType::Strict],
            validity: Validity::OneYear,
            mailbox_proof: MailboxProof::MailedCode,
        }
    }
}

/// Why the policy does not admit a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAdmitted {
    SelfServiceOff,
    AffiliationNotAllowed,
}

impl Policy {
    /// Whether a person with these scoped affiliations and entitlements may enrol: one
    /// allowed affiliation, or the required entitlement.
    pub fn admits(
        &self,
        scoped_affiliations: &[String],
        entitlements: &[String],
    ) -> Result<(), NotAdmitted> {
        if !self.enabled {
            return Err(NotAdmitted::SelfServiceOff);
        }
        let by_affiliation = scoped_affiliations
            .iter()
            .filter_map(|value| Affiliation::of_scoped(value))
            .any(|affiliation| self.affiliations.contains(&affiliation));
        let by_entitlement = self
            .entitlement
            .as_ref()
            .is_some_and(|wanted| entitlements.iter().any(|held| held == wanted));
        if by_affiliation || by_entitlement {
            Ok(())
        } else {
            Err(NotAdmitted::AffiliationNotAllowed)
        }
    }

    /// Whether a person may choose this product (and profile, for Secure Email).
    pub fn offers(&self, product: Product, profile: Option<ProfileType>) -> bool {
        self.products.contains(&product)
            && match profile {
                Some(profile) => product.has_profile() && self.profiles.contains(&profile),
                None => !product.has_profile(),
            }
    }

    /// Every choice the request form offers: each product, and Secure Email once per
    /// allowed profile.
    pub fn choices(&self) -> Vec<(Product, Option<ProfileType>)> {
        self.products
            .iter()
            .flat_map(|&product| {
                if product.has_profile() {
                    self.profiles
                        .iter()
                        .map(|&profile| (product, Some(profile)))
                        .collect::<Vec<_>>()
                } else {
                    vec![(product, None)]
                }
            })
            .collect()
    }

    /// The form that shows this policy.
    pub fn to_form(&self) -> PolicyForm {
        let mut fields = HashMap::new();
        let mut tick = |name: String| {
            fields.insert(name, "on".to_owned());
        };
        if self.enabled {
            tick("enabled".to_owned());
        }
        for affiliation in &self.affiliations {
            tick(format!("affiliation.{}", affiliation.as_str()));
        }
        for product in &self.products {
            tick(format!("product.{}", product.as_str()));
        }
        for profile in &self.profiles {
            tick(format!("profile.{}", profile.as_str()));
        }
        fields.insert(
            "entitlement".to_owned(),
            self.entitlement.clone().unwrap_or_default(),
        );
        fields.insert(
            "validity_years".to_owned(),
            self.validity.years().to_string(),
        );
        fields.insert(
            "mailbox_proof".to_owned(),
            self.mailbox_proof.as_str().to_owned(),
        );
        PolicyForm { fields }
    }
}

/// The admins' form as posted: one checkbox per affiliation (`affiliation.student`),
/// product (`product.client_premium`) and profile (`profile.strict`), `enabled`,
/// `entitlement`, `validity_years` and `mailbox_proof`. Kept whole, so a refused form
/// comes back as it was.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct PolicyForm {
    #[serde(flatten)]
    pub fields: HashMap<String, String>,
}

impl PolicyForm {
    fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", |value| value.trim())
    }

    /// Whether the checkbox `name` is ticked (for the template).
    pub fn ticked(&self, name: &str) -> bool {
        !self.field(name).is_empty()
    }

    pub fn value(&self, name: &str) -> &str {
        self.field(name)
    }
}

impl TryFrom<&PolicyForm> for Policy {
    type Error = InvalidFields;

    fn try_from(form: &PolicyForm) -> Result<Self, InvalidFields> {
        let mut invalid = InvalidFields::default();
        let enabled = form.ticked("enabled");
        let affiliations: Vec<Affiliation> = Affiliation::ALL
            .into_iter()
            .filter(|affiliation| form.ticked(&format!("affiliation.{}", affiliation.as_str())))
            .collect();
        let entitlement = match form.field("entitlement") {
            "" => None,
            typed if typed.len() > MAX_ENTITLEMENT_LEN || typed.chars().any(char::is_control) => {
                invalid.add("entitlement", "error.self_service.entitlement");
                None
            }
            typed => Some(typed.to_owned()),
        };
        if enabled && affiliations.is_empty() && entitlement.is_none() {
            invalid.add("affiliations", "error.self_service.nobody");
        }
        let products: Vec<Product> = Product::ALL
            .into_iter()
            .filter(|product| form.ticked(&format!("product.{}", product.as_str())))
            .collect();
        if products.is_empty() {
            invalid.add("products", "error.self_service.no_product");
        }
        let profiles: Vec<ProfileType> = [ProfileType::Strict, ProfileType::Multipurpose]
            .into_iter()
            .filter(|profile| form.ticked(&format!("profile.{}", profile.as_str())))
            .collect();
        if products.iter().any(|product| product.has_profile()) && profiles.is_empty() {
            invalid.add("profiles", "error.self_service.no_profile");
        }
        let validity = invalid.check(
            "validity_years",
            Validity::parse(form.field("validity_years")),
        );
        let mailbox_proof = invalid.check(
            "mailbox_proof",
            MailboxProof::parse(form.field("mailbox_proof")),
        );
        let (Some(validity), Some(mailbox_proof), true) =
            (validity, mailbox_proof, invalid.is_empty())
        else {
            return Err(invalid);
        };
        Ok(Self {
            enabled,
            affiliations,
            entitlement,
            products,
            profiles,
            validity,
            mailbox_proof,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> PolicyForm {
        PolicyForm {
            fields: pairs
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    fn students() -> PolicyForm {
        form(&[
            ("enabled", "on"),
            ("affiliation.student", "on"),
            ("product.secure_email_sponsor", "on"),
            ("profile.strict", "on"),
            ("validity_years", "1"),
            ("mailbox_proof", "mailed_code"),
        ])
    }

    #[test]
    fn a_policy_survives_its_own_form() {
        let policy = Policy::try_from(&students()).unwrap();
        assert_eq!(policy.affiliations, [Affiliation::Student]);
        assert_eq!(Policy::try_from(&policy.to_form()).unwrap(), policy);
        assert_eq!(
            Policy::try_from(&Policy::default().to_form()).unwrap(),
            Policy::default()
        );
    }

    #[test]
    fn switched_on_it_must_admit_someone_and_offer_something() {
        let invalid = Policy::try_from(&form(&[
            ("enabled", "on"),
            ("validity_years", "3"),
            ("mailbox_proof", "trust me"),
        ]))
        .unwrap_err();
        assert_eq!(
            invalid.iter().collect::<Vec<_>>(),
            [
                ("affiliations", "error.self_service.nobody"),
                ("mailbox_proof", "error.self_service.mailbox_proof"),
                ("products", "error.self_service.no_product"),
                ("validity_years", "error.order.validity"),
            ]
        );
        let mut no_profile = students();
        no_profile.fields.remove("profile.strict");
        assert_eq!(
            Policy::try_from(&no_profile).unwrap_err().get("profiles"),
            Some("error.self_service.no_profile")
        );
    }

    #[test]
    fn an_allowed_affiliation_or_the_entitlement_admits_and_nothing_else_does() {
        let mut policy = Policy::try_from(&students()).unwrap();
        let student = ["student@etf.bg.ac.rs".to_owned()];
        let staff = ["staff@etf.bg.ac.rs".to_owned()];
        assert_eq!(policy.admits(&student, &[]), Ok(()));
        assert_eq!(
            policy.admits(&staff, &[]),
            Err(NotAdmitted::AffiliationNotAllowed)
        );
        policy.entitlement = Some("urn:mace:etf:tcs".to_owned());
        assert_eq!(
            policy.admits(&staff, &["urn:mace:etf:tcs".to_owned()]),
            Ok(())
        );
        policy.enabled = false;
        assert_eq!(
            policy.admits(&student, &[]),
            Err(NotAdmitted::SelfServiceOff)
        );
    }

    #[test]
    fn only_the_offered_products_and_profiles_may_be_chosen() {
        let policy = Policy::try_from(&students()).unwrap();
        assert!(policy.offers(Product::SecureEmailSponsor, Some(ProfileType::Strict)));
        assert!(!policy.offers(Product::SecureEmailSponsor, Some(ProfileType::Multipurpose)));
        assert!(!policy.offers(Product::SecureEmailSponsor, None));
        assert!(!policy.offers(Product::ClientPremium, None));
        assert_eq!(
            policy.choices(),
            [(Product::SecureEmailSponsor, Some(ProfileType::Strict))]
        );
    }
}
