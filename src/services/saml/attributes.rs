//! What an accepted assertion says about the person: the REFEDS/eduPerson attributes the
//! portal uses, read once into an [`AcceptedIdentity`] that later steps (linking, login,
//! self-service, lifecycle) build on.
use samael::schema::Assertion;

use super::scope::ScopeRules;
use crate::domain::{EmailAddress, InstitutionId};

const PERSISTENT_NAME_ID: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";

/// A person the portal believes, and from where.
#[derive(Debug, Clone)]
pub struct AcceptedIdentity {
    pub institution_id: InstitutionId,
    pub idp_entity_id: String,
    /// Unique and lasting for this IdP: `subject-id:…`, `pairwise-id:…`, `eppn:…` or
    /// `persistent:…`, so that two kinds of identifier never collide.
    pub stable_id: String,
    pub mail: EmailAddress,
    pub given_name: Option<String>,
    pub surname: Option<String>,
    pub display_name: Option<String>,
    pub scoped_affiliations: Vec<String>,
    pub entitlements: Vec<String>,
    pub assertion_id: String,
    /// The IdP asserted the REFEDS MFA profile.
    pub mfa: bool,
}

/// Why an otherwise valid assertion does not give an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentityRefusal {
    NoStableId,
    NoMail,
    ScopeNotAllowed,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    Mail,
    GivenName,
    Surname,
    DisplayName,
    ScopedAffiliation,
    Entitlement,
    PrincipalName,
    SubjectId,
    PairwiseId,
}

/// Attribute names as IdPs send them: the URI form the SAML2 profiles require, and the
/// plain LDAP name some IdPs (SimpleSAMLphp by default) use.
fn known(name: &str) -> Option<Known> {
    Some(match name {
        "urn:oid:0.9.2342.19200300.100.1.3" | "mail" => Known::Mail,
        "urn:oid:2.5.4.42" | "givenName" => Known::GivenName,
        "urn:oid:2.5.4.4" | "sn" => Known::Surname,
        "urn:oid:2.16.840.1.113730.3.1.241" | "displayName" => Known::DisplayName,
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.9" | "eduPersonScopedAffiliation" => {
            Known::ScopedAffiliation
        }
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.7" | "eduPersonEntitlement" => Known::Entitlement,
        "urn:oid:1.3.6.1.4.1.5923.1.1.1.6" | "eduPersonPrincipalName" => Known::PrincipalName,
        "urn:oasis:names:tc:SAML:attribute:subject-id" | "subject-id" => Known::SubjectId,
        "urn:oasis:names:tc:SAML:attribute:pairwise-id" | "pairwise-id" => Known::PairwiseId,
        _ => return None,
    })
}

fn values(assertion: &Assertion, wanted: Known) -> Vec<String> {
    assertion
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|statement| &statement.attributes)
        .filter(|attribute| attribute.name.as_deref().and_then(known) == Some(wanted))
        .flat_map(|attribute| &attribute.values)
        .filter_map(|value| value.value.as_deref())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .collect()
}

fn first(assertion: &Assertion, wanted: Known) -> Option<String> {
    values(assertion, wanted).into_iter().next()
}

/// The identifier to link and recognise the person by, and whether it carries a scope.
fn stable_id(assertion: &Assertion) -> Option<(String, bool)> {
    for (kind, label) in [
        (Known::SubjectId, "subject-id"),
        (Known::PairwiseId, "pairwise-id"),
        (Known::PrincipalName, "eppn"),
    ] {
        if let Some(value) = first(assertion, kind) {
            return Some((format!("{label}:{value}"), true));
        }
    }
    let name_id = assertion.subject.as_ref()?.name_id.as_ref()?;
    (name_id.format.as_deref() == Some(PERSISTENT_NAME_ID) && !name_id.value.trim().is_empty())
        .then(|| (format!("persistent:{}", name_id.value.trim()), false))
}

fn asserts_mfa(assertion: &Assertion) -> bool {
    assertion
        .authn_statements
        .iter()
        .flatten()
        .filter_map(|statement| {
            statement
                .authn_context
                .as_ref()?
                .value
                .as_ref()?
                .value
                .as_deref()
        })
        .any(|class| class.trim() == super::REFEDS_MFA)
}

/// Reads the identity from a checked assertion of `idp_entity_id`, for `institution_id`.
/// Every scoped value (the identifier, each affiliation) must pass `rules`.
pub fn read(
    assertion: &Assertion,
    institution_id: InstitutionId,
    idp_entity_id: &str,
    rules: &ScopeRules<'_>,
) -> Result<AcceptedIdentity, IdentityRefusal> {
    let (stable_id, scoped) = stable_id(assertion).ok_or(IdentityRefusal::NoStableId)?;
    let scoped_affiliations = values(assertion, Known::ScopedAffiliation);
    let identifier_value = stable_id.split_once(':').map_or("", |(_, value)| value);
    if (scoped && !rules.allows(identifier_value))
        || !scoped_affiliations.iter().all(|value| rules.allows(value))
    {
        return Err(IdentityRefusal::ScopeNotAllowed);
    }
    let mail = first(assertion, Known::Mail)
        .and_then(|mail| EmailAddress::parse(&mail).ok())
        .ok_or(IdentityRefusal::NoMail)?;
    Ok(AcceptedIdentity {
        institution_id,
        idp_entity_id: idp_entity_id.to_owned(),
        stable_id,
        mail,
        given_name: first(assertion, Known::GivenName),
        surname: first(assertion, Known::Surname),
        display_name: first(assertion, Known::DisplayName),
        scoped_affiliations,
        entitlements: values(assertion, Known::Entitlement),
        assertion_id: assertion.id.clone(),
        mfa: asserts_mfa(assertion),
    })
}
