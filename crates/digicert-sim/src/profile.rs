//! Which subject, key usage, extended key usage and S/MIME BR policy OID each order gets
//! (S/MIME Baseline Requirements §7.1.2.3, §7.1.4.2.2, §7.1.6.1).

use pki::csr::KeyKind;
use rcgen::{DistinguishedName, DnType, DnValue, ExtendedKeyUsagePurpose, KeyUsagePurpose};

use super::products::SmimeType;
use super::state::{Order, Organization, Profile};

const OID_GIVEN_NAME: &[u64] = &[2, 5, 4, 42];
const OID_SURNAME: &[u64] = &[2, 5, 4, 4];
const OID_PSEUDONYM: &[u64] = &[2, 5, 4, 65];
const OID_ORGANIZATION_IDENTIFIER: &[u64] = &[2, 5, 4, 97];

/// The CA/Browser Forum reserved policy OID `2.23.140.1.5.<type>.<generation>`:
/// type 1 mailbox, 2 organization, 3 sponsor validated; generation 2 multipurpose, 3 strict.
pub fn policy_oid(kind: SmimeType, profile: Profile) -> &'static [u64] {
    match (kind, profile) {
        (SmimeType::Mailbox, Profile::Multipurpose) => &[2, 23, 140, 1, 5, 1, 2],
        (SmimeType::Mailbox, Profile::Strict) => &[2, 23, 140, 1, 5, 1, 3],
        (SmimeType::Organization, Profile::Multipurpose) => &[2, 23, 140, 1, 5, 2, 2],
        (SmimeType::Organization, Profile::Strict) => &[2, 23, 140, 1, 5, 2, 3],
        (SmimeType::Sponsored, Profile::Multipurpose) => &[2, 23, 140, 1, 5, 3, 2],
        (SmimeType::Sponsored, Profile::Strict) => &[2, 23, 140, 1, 5, 3, 3],
    }
}

/// Key usage per §7.1.2.3 (e): RSA encrypts with keyEncipherment, EC agrees keys.
pub fn key_usages(order: &Order, key: KeyKind) -> Vec<KeyUsagePurpose> {
    let mut usages = Vec::new();
    if order.usage.signing {
        usages.push(KeyUsagePurpose::DigitalSignature);
        if order.usage.non_repudiation {
            usages.push(KeyUsagePurpose::ContentCommitment);
        }
    }
    if order.usage.encryption {
        usages.push(match key {
            KeyKind::Rsa { .. } => KeyUsagePurpose::KeyEncipherment,
            KeyKind::Ec(_) => KeyUsagePurpose::KeyAgreement,
        });
    }
    usages
}

/// `order` as a CA that mixed up the profiles would issue it: the other profile, with the
/// clientAuth that profile carries (strict never, multipurpose always).
pub fn with_other_profile(order: &Order) -> Order {
    let mut wrong = order.clone();
    wrong.profile = match order.profile {
        Profile::Strict => Profile::Multipurpose,
        Profile::Multipurpose => Profile::Strict,
    };
    wrong.usage.client_auth = wrong.profile == Profile::Multipurpose;
    wrong
}

pub fn extended_key_usages(order: &Order) -> Vec<ExtendedKeyUsagePurpose> {
    let mut ekus = vec![ExtendedKeyUsagePurpose::EmailProtection];
    if order.usage.client_auth {
        ekus.push(ExtendedKeyUsagePurpose::ClientAuth);
    }
    ekus
}

/// The subject DN (§7.1.4.2.2): mailbox certificates name only the mailbox; organization
/// certificates the organization; sponsored ones the person and the organization.
pub fn subject(kind: SmimeType, order: &Order, org: Option<&Organization>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    let utf8 = |s: &str| DnValue::Utf8String(s.to_string());
    if kind != SmimeType::Mailbox
        && let Some(org) = org
    {
        if let Ok(country) = org.country.to_ascii_uppercase().as_str().try_into() {
            dn.push(DnType::CountryName, DnValue::PrintableString(country));
        }
        dn.push(DnType::OrganizationName, utf8(&org.name));
        if let Some(identifier) = org.organization_identifier()
            && let Ok(reference) = identifier.as_str().try_into()
        {
            dn.push(
                DnType::CustomDnType(OID_ORGANIZATION_IDENTIFIER.to_vec()),
                DnValue::PrintableString(reference),
            );
        }
    }
    if kind == SmimeType::Sponsored
        && let Some(individual) = &order.individual
    {
        match order.common_name_indicator.as_deref() {
            Some("pseudonym") => {
                if let Some(p) = &individual.pseudonym {
                    dn.push(DnType::CustomDnType(OID_PSEUDONYM.to_vec()), utf8(p));
                }
            }
            _ => {
                if let Some(g) = &individual.first_name {
                    dn.push(DnType::CustomDnType(OID_GIVEN_NAME.to_vec()), utf8(g));
                }
                if let Some(s) = &individual.last_name {
                    dn.push(DnType::CustomDnType(OID_SURNAME.to_vec()), utf8(s));
                }
            }
        }
    }
    dn.push(DnType::CommonName, utf8(&order.common_name));
    dn
}
