//! The assertion consumer service: a response becomes an [`AcceptedIdentity`] only if the
//! SAML library accepts it (signature by the IdP's metadata key over what is read, with
//! everything unsigned dropped; Destination, Recipient, Audience, validity times with a
//! small skew, InResponseTo, Issuer, status) and the portal's own checks pass: the request
//! it answers was sent to this browser and is spent now, the IdP is still trusted and still
//! the institution's, an audience is named, the assertion was not accepted before, and the
//! attributes are there and in scope.
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use samael::schema::Assertion;

use super::AcceptedIdentity;
use super::attributes::IdentityRefusal;
use super::login::Purpose;
use super::scope::ScopeRules;
use crate::domain::InstitutionId;
use crate::state::AppState;

/// How long an assertion ID is kept when the assertion names no end of validity.
const DEFAULT_ASSERTION_LIFETIME: time::Duration = time::Duration::minutes(10);
/// The skew samael allows; an assertion ID is kept that much past its end.
const CLOCK_SKEW: time::Duration = time::Duration::minutes(3);

/// Why a response gives no identity. Each has a message for the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No request of this browser is waiting for an answer (none sent, spent, or expired).
    Unsolicited,
    /// The IdP is not (or no longer) trusted, or not the institution's.
    UnknownIdp,
    /// The SAML checks failed (the reason is logged, not shown).
    Invalid,
    /// The assertion names no audience.
    NoAudience,
    /// This assertion was accepted before.
    Replayed,
    Identity(IdentityRefusal),
}

impl Refusal {
    pub fn message_key(self) -> &'static str {
        match self {
            Self::Unsolicited => "saml.refused.unsolicited",
            Self::UnknownIdp => "saml.refused.unknown_idp",
            Self::Invalid | Self::NoAudience => "saml.refused.invalid",
            Self::Replayed => "saml.refused.replayed",
            Self::Identity(IdentityRefusal::NoStableId) => "saml.refused.no_stable_id",
            Self::Identity(IdentityRefusal::NoMail) => "saml.refused.no_mail",
            Self::Identity(IdentityRefusal::ScopeNotAllowed) => "saml.refused.scope",
        }
    }

    /// A short name for the audit log and the logs.
    pub fn code(self) -> &'static str {
        match self {
            Self::Unsolicited => "unsolicited",
            Self::UnknownIdp => "unknown_idp",
            Self::Invalid => "invalid",
            Self::NoAudience => "no_audience",
            Self::Replayed => "replayed",
            Self::Identity(IdentityRefusal::NoStableId) => "no_stable_id",
            Self::Identity(IdentityRefusal::NoMail) => "no_mail",
            Self::Identity(IdentityRefusal::ScopeNotAllowed) => "scope_not_allowed",
        }
    }
}

/// An identity, and what its request was for.
pub struct Accepted {
    pub identity: AcceptedIdentity,
    pub purpose: Purpose,
}

/// What the ACS learned, refused or not, for the audit log.
pub struct Outcome {
    pub idp_entity_id: Option<String>,
    pub institution_id: Option<InstitutionId>,
    pub result: Result<Accepted, Refusal>,
}

impl Outcome {
    fn refused(refusal: Refusal) -> Self {
        Self {
            idp_entity_id: None,
            institution_id: None,
            result: Err(refusal),
        }
    }
}

/// Checks `saml_response` (the base64 form field) for the browser whose cookie held
/// `browser_secret`.
pub async fn accept(
    state: &AppState,
    browser_secret: Option<&str>,
    saml_response: &str,
) -> anyhow::Result<Outcome> {
    let now = state.clock.now();
    let Some(secret) = browser_secret.filter(|secret| crate::crypto::tokens::looks_valid(secret))
    else {
        return Ok(Outcome::refused(Refusal::Unsolicited));
    };
    let hash = crate::crypto::tokens::hash(secret);
    let Some(request) = crate::db::saml::take_request(&state.db, &hash, now).await? else {
        return Ok(Outcome::refused(Refusal::Unsolicited));
    };
    let Some(purpose) = Purpose::of_request(&request.purpose, request.link_account_id) else {
        return Ok(Outcome::refused(Refusal::Unsolicited));
    };
    let mut outcome = Outcome {
        idp_entity_id: Some(request.idp_entity_id.clone()),
        institution_id: Some(request.institution_id),
        result: Err(Refusal::UnknownIdp),
    };
    let idp = if crate::db::saml::institution_names_idp(
        &state.db,
        request.institution_id,
        &request.idp_entity_id,
    )
    .await?
    {
        crate::db::saml::idp(&state.db, &request.idp_entity_id).await?
    } else {
        None
    };
    let Some((idp, descriptor)) = idp.and_then(|idp| {
        let descriptor = super::idp_metadata::descriptor(&idp.descriptor_xml)?;
        Some((idp, descriptor))
    }) else {
        return Ok(outcome);
    };
    // During a key rollover an IdP may encrypt to either published key: the active one
    // is tried first, then the next one. Nothing is remembered before one of them passes.
    let sps = super::sp_key::published(state)
        .await?
        .iter()
        .map(|key| super::service_provider(state, key, descriptor.clone()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let response = saml_response.to_owned();
    let request_id = request.request_id.clone();
    let checked = tokio::task::spawn_blocking(move || {
        // Signature checks are CPU work in libxmlsec1; the error is turned into text here
        // because samael's errors cannot cross threads.
        let xml = STANDARD
            .decode(response.trim())
            .map_err(|error| error.to_string())
            .and_then(|bytes| String::from_utf8(bytes).map_err(|error| error.to_string()))?;
        let mut first_error = None;
        for sp in &sps {
            match sp.parse_xml_response(&xml, Some(&[request_id.as_str()])) {
                Ok(assertion) => return Ok(assertion),
                Err(error) => {
                    first_error.get_or_insert_with(|| error.to_string());
                }
            }
        }
        Err(first_error.unwrap_or_else(|| "the SP has no key".to_owned()))
    })
    .await
    .map_err(|error| anyhow::anyhow!("SAML response check: {error}"))?;
    let assertion = match checked {
        Ok(assertion) => assertion,
        Err(reason) => {
            tracing::info!(idp = %idp.entity_id, %reason, "SAML response refused");
            outcome.result = Err(Refusal::Invalid);
            return Ok(outcome);
        }
    };
    if !names_audience(&assertion, &super::entity_id(state)) {
        outcome.result = Err(Refusal::NoAudience);
        return Ok(outcome);
    }
    let kept_until =
        assertion_end(&assertion).unwrap_or(now + DEFAULT_ASSERTION_LIFETIME) + CLOCK_SKEW;
    if !crate::db::saml::remember_assertion(
        &state.db,
        &idp.entity_id,
        &assertion.id,
        kept_until,
        now,
    )
    .await?
    {
        outcome.result = Err(Refusal::Replayed);
        return Ok(outcome);
    }
    let validated_domains =
        crate::db::saml::unscoped_validated_domains(&state.db, request.institution_id, now).await?;
    let rules = ScopeRules {
        validated_domains: &validated_domains,
        idp_scopes: &idp.scopes,
    };
    outcome.result =
        super::attributes::read(&assertion, request.institution_id, &idp.entity_id, &rules)
            .map(|identity| Accepted { identity, purpose })
            .map_err(Refusal::Identity);
    Ok(outcome)
}

/// samael checks an AudienceRestriction only when there is one; the Web SSO profile
/// requires one naming this SP.
fn names_audience(assertion: &Assertion, entity_id: &str) -> bool {
    assertion
        .conditions
        .iter()
        .flat_map(|conditions| conditions.audience_restrictions.iter().flatten())
        .any(|restriction| {
            restriction
                .audience
                .iter()
                .any(|audience| audience == entity_id)
        })
}

/// The latest moment the assertion could still be accepted: its conditions' or its
/// bearer confirmation's NotOnOrAfter.
fn assertion_end(assertion: &Assertion) -> Option<time::OffsetDateTime> {
    let conditions = assertion
        .conditions
        .as_ref()
        .and_then(|conditions| conditions.not_on_or_after);
    let confirmations = assertion
        .subject
        .iter()
        .flat_map(|subject| subject.subject_confirmations.iter().flatten())
        .filter_map(|confirmation| {
            confirmation
                .subject_confirmation_data
                .as_ref()?
                .not_on_or_after
        });
    conditions
        .into_iter()
        .chain(confirmations)
        .max()
        .and_then(|end| time::OffsetDateTime::from_unix_timestamp(end.timestamp()).ok())
}
