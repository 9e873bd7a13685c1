//! Sending a person to their IdP: an AuthnRequest (HTTP-Redirect) whose ID the portal
//! stores once, bound to this browser by the hash of a random value kept in its cookie.
use samael::metadata::HTTP_REDIRECT_BINDING;

use crate::domain::{AccountId, InstitutionId};
use crate::state::AppState;

/// How long a person may take at their IdP.
const REQUEST_LIFETIME: time::Duration = time::Duration::minutes(10);

/// Why the person goes to the IdP.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    /// Log in to the account linked to the identity.
    Login,
    /// Link the identity to this (fully logged-in) account.
    Link(AccountId),
    /// A person's self-service login (issue 15 §2): no account, the institution's policy.
    SelfService,
}

impl Purpose {
    /// As the request row keeps it.
    fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::Link(_) => "link",
            Self::SelfService => "self_service",
        }
    }

    /// Back from the request row; the table's CHECK ties `link` to the account.
    pub(super) fn of_request(purpose: &str, link_account_id: Option<AccountId>) -> Option<Self> {
        match (purpose, link_account_id) {
            ("login", None) => Some(Self::Login),
            ("link", Some(account_id)) => Some(Self::Link(account_id)),
            ("self_service", None) => Some(Self::SelfService),
            _ => None,
        }
    }
}

/// Where to send the browser, and the value its cookie must bring back to the ACS.
pub struct Started {
    pub redirect_url: String,
    pub browser_secret: String,
}

/// `None` when the institution does not name this IdP or the IdP is not (or no longer)
/// trusted.
pub async fn start(
    state: &AppState,
    institution_id: InstitutionId,
    idp_entity_id: &str,
    purpose: Purpose,
) -> anyhow::Result<Option<Started>> {
    if !crate::db::saml::institution_names_idp(&state.db, institution_id, idp_entity_id).await? {
        return Ok(None);
    }
    let Some(idp) = crate::db::saml::idp(&state.db, idp_entity_id).await? else {
        return Ok(None);
    };
    let Some(descriptor) = super::idp_metadata::descriptor(&idp.descriptor_xml) else {
        return Ok(None);
    };
    let key = super::sp_key::active(state).await?;
    let sp = super::service_provider(state, &key, descriptor)?;
    let Some(sign_on_url) = sp.sso_binding_location(HTTP_REDIRECT_BINDING) else {
        return Ok(None);
    };
    let failed = |error: Box<dyn std::error::Error>| {
        anyhow::anyhow!("the AuthnRequest could not be made: {error}")
    };
    let mut request = sp
        .make_authentication_request(&sign_on_url)
        .map_err(failed)?;
    // samael's own IDs have 32 random bits; the ID is what a response must answer, so it
    // gets as many as the portal's tokens (and starts with a letter, as xs:ID requires).
    let id_token = crate::crypto::tokens::generate();
    request.id = format!("_{}", hex::encode(&id_token.hash));
    let redirect_url = request
        .redirect("")
        .map_err(failed)?
        .ok_or_else(|| anyhow::anyhow!("the AuthnRequest has no destination"))?
        .to_string();
    let browser = crate::crypto::tokens::generate();
    let link_account_id = match purpose {
        Purpose::Link(account_id) => Some(account_id),
        Purpose::Login | Purpose::SelfService => None,
    };
    crate::db::saml::insert_request(
        &state.db,
        &crate::db::saml::NewRequest {
            request_id: &request.id,
            browser_hash: &browser.hash,
            institution_id,
            idp_entity_id,
            link_account_id,
            purpose: purpose.as_str(),
            expires_at: state.clock.now() + REQUEST_LIFETIME,
        },
        state.clock.now(),
    )
    .await?;
    Ok(Some(Started {
        redirect_url,
        browser_secret: browser.secret,
    }))
}

/// The origins of the IdPs' sign-on endpoints, which the login choice's forms lead to.
pub async fn sign_on_origins(
    state: &AppState,
    entity_ids: &[String],
) -> anyhow::Result<Vec<String>> {
    let mut origins = Vec::new();
    for entity_id in entity_ids {
        let Some(idp) = crate::db::saml::idp(&state.db, entity_id).await? else {
            continue;
        };
        let sign_on = super::idp_metadata::descriptor(&idp.descriptor_xml)
            .into_iter()
            .flat_map(|descriptor| descriptor.idp_sso_descriptors.into_iter().flatten())
            .flat_map(|idp| idp.single_sign_on_services)
            .filter(|service| service.binding == HTTP_REDIRECT_BINDING)
            .filter_map(|service| reqwest::Url::parse(&service.location).ok())
            .map(|url| url.origin().ascii_serialization());
        for origin in sign_on {
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
    }
    Ok(origins)
}
