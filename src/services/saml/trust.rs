//! Staff deciding which IdPs the portal trusts: adding a metadata source (a federation's
//! aggregate with its pinned certificate, or one IdP's metadata, pasted or fetched from a
//! URL), refreshing one from its URL, and naming an institution's IdPs. A source's entities
//! change only when a new copy passes every check; a failed refresh keeps the last good
//! copy and records the failure where staff see it.
use askama::Template;
use serde_json::json;

use super::idp_metadata::{self, MetadataError, TrustedIdp};
use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::StaffAdmin;
use crate::domain::{AccountId, InstitutionId, SamlSourceId};
use crate::mail::Mail;
use crate::mail::templates::{MetadataRefreshFailedMail, subject};
use crate::state::AppState;

/// Federation aggregates are large (eduGAIN's is tens of megabytes); this bounds a fetch.
const MAX_METADATA_BYTES: usize = 200 * 1024 * 1024;
const FETCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// What a metadata source is, checked: a federation has a pinned certificate.
pub enum SourceKind {
    Federation { pinned_certificate_der: Vec<u8> },
    Single,
}

/// Where the metadata text comes from.
pub enum SourceText {
    Pasted(String),
    Url(String),
}

pub struct NewSource {
    pub name: String,
    pub kind: SourceKind,
    pub text: SourceText,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    #[error("the metadata could not be fetched: {0}")]
    Fetch(String),
}

impl SourceError {
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Metadata(error) => error.message_key(),
            Self::Fetch(_) => "saml.metadata.fetch_failed",
        }
    }
}

fn rows(idps: &[TrustedIdp]) -> Vec<crate::db::saml::NewIdp<'_>> {
    idps.iter()
        .map(|idp| crate::db::saml::NewIdp {
            entity_id: &idp.entity_id,
            display_name: idp.display_name.as_deref(),
            descriptor_xml: &idp.descriptor_xml,
            scopes: &idp.scopes,
        })
        .collect()
}

async fn fetch(url: &str) -> Result<String, SourceError> {
    let failed = |error: reqwest::Error| SourceError::Fetch(error.to_string());
    let client = reqwest::Client::builder()
        .timeout(FETCH_TIMEOUT)
        .build()
        .map_err(failed)?;
    let response = client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(failed)?;
    if response
        .content_length()
        .is_some_and(|length| length > MAX_METADATA_BYTES as u64)
    {
        return Err(SourceError::Fetch("the metadata is too large".into()));
    }
    let body = response.bytes().await.map_err(failed)?;
    if body.len() > MAX_METADATA_BYTES {
        return Err(SourceError::Fetch("the metadata is too large".into()));
    }
    String::from_utf8(body.to_vec()).map_err(|_| SourceError::Metadata(MetadataError::NotMetadata))
}

/// Checks metadata text as its kind requires (signature checks run off the async threads).
async fn check(kind: &SourceKind, xml: String) -> Result<(String, Vec<TrustedIdp>), SourceError> {
    let pinned = match kind {
        SourceKind::Federation {
            pinned_certificate_der,
        } => Some(pinned_certificate_der.clone()),
        SourceKind::Single => None,
    };
    tokio::task::spawn_blocking(move || {
        let idps = match &pinned {
            Some(pinned) => idp_metadata::federation(&xml, pinned)?,
            None => idp_metadata::single(&xml)?,
        };
        Ok((xml, idps))
    })
    .await
    .map_err(|error| SourceError::Fetch(format!("the check did not finish: {error}")))?
}

/// Adds a source once its metadata passes; `Err` says why it did not (nothing is stored).
pub async fn add_source(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    source: NewSource,
) -> anyhow::Result<Result<SamlSourceId, SourceError>> {
    let (xml, url) = match source.text {
        SourceText::Pasted(xml) => (Ok(xml), None),
        SourceText::Url(url) => (fetch(&url).await, Some(url)),
    };
    let checked = match xml {
        Ok(xml) => check(&source.kind, xml).await,
        Err(error) => Err(error),
    };
    let (xml, idps) = match checked {
        Ok(checked) => checked,
        Err(error) => return Ok(Err(error)),
    };
    let id = SamlSourceId::new_v4();
    let now = state.clock.now();
    let (kind, pinned) = match &source.kind {
        SourceKind::Federation {
            pinned_certificate_der,
        } => ("federation", Some(pinned_certificate_der.as_slice())),
        SourceKind::Single => ("single", None),
    };
    let mut tx = state.db.begin().await?;
    crate::db::saml::insert_source(
        &mut tx,
        &crate::db::saml::NewSourceRow {
            id,
            name: &source.name,
            kind,
            url: url.as_deref(),
            pinned_certificate_der: pinned,
            metadata_xml: &xml,
            now,
        },
    )
    .await?;
    crate::db::saml::replace_source_idps(&mut tx, id, &rows(&idps)).await?;
    AuditEvent::new("saml.metadata_source_added")
        .actor(staff.account_id())
        .target(source.name.clone())
        .details(json!({ "kind": kind, "url": url, "idps": idps.len() }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// What a refresh asked for by staff came to.
pub enum Refreshed {
    NoSuchSource,
    /// The source was pasted, so there is nothing to fetch.
    NoUrl,
    /// How many IdPs the new copy holds, or why it was refused (the last good copy stays).
    Checked(Result<usize, SourceError>),
}

/// Fetches a source's URL again and, if the copy passes, replaces its IdPs; otherwise
/// records the failure on the source (shown to staff) and keeps the last good copy. A
/// scheduled refresh (`actor` is `None`) that fails also mails every full staff member;
/// staff who asked for the refresh see the failure on their page.
pub async fn refresh(
    state: &AppState,
    meta: &RequestMeta,
    actor: Option<AccountId>,
    source_id: SamlSourceId,
) -> anyhow::Result<Refreshed> {
    let Some(source) = crate::db::saml::source(&state.db, source_id).await? else {
        return Ok(Refreshed::NoSuchSource);
    };
    let Some(url) = source.url.clone() else {
        return Ok(Refreshed::NoUrl);
    };
    let kind = match source.pinned_certificate_der.clone() {
        Some(pinned_certificate_der) => SourceKind::Federation {
            pinned_certificate_der,
        },
        None => SourceKind::Single,
    };
    let checked = match fetch(&url).await {
        Ok(xml) => check(&kind, xml).await,
        Err(error) => Err(error),
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut event = match &checked {
        Ok((xml, idps)) => {
            crate::db::saml::store_refreshed(&mut tx, source_id, xml, now).await?;
            crate::db::saml::replace_source_idps(&mut tx, source_id, &rows(idps)).await?;
            AuditEvent::new("saml.metadata_refreshed").details(json!({ "idps": idps.len() }))
        }
        Err(error) => {
            crate::db::saml::record_refresh_failure(&mut tx, source_id, &error.to_string(), now)
                .await?;
            if actor.is_none() {
                alert_staff(state, &mut tx, &source.name, &url, &error.to_string()).await?;
            }
            AuditEvent::new("saml.metadata_refresh_failed")
                .details(json!({ "error": error.to_string() }))
        }
    };
    event = event.target(source.name.clone());
    if let Some(actor) = actor {
        event = event.actor(actor);
    }
    event.record(&mut tx, meta).await?;
    tx.commit().await?;
    Ok(Refreshed::Checked(checked.map(|(_, idps)| idps.len())))
}

async fn alert_staff(
    state: &AppState,
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    source: &str,
    url: &str,
    error: &str,
) -> anyhow::Result<()> {
    let body = MetadataRefreshFailedMail {
        source,
        url,
        error,
        link: &format!("{}/staff/saml", state.settings.public_url),
    }
    .render()?;
    let subject = subject(
        "mail.subject.metadata_refresh_failed",
        &[("source", source)],
    );
    for to in crate::db::saml::staff_addresses(&state.db).await? {
        Mail {
            to,
            subject: subject.clone(),
            body: body.clone(),
        }
        .enqueue(tx, state.clock.now())
        .await?;
    }
    Ok(())
}

/// Refreshes every source that has a URL (the scheduled job); the names of those that
/// failed, each already recorded and mailed to staff.
pub async fn refresh_all(state: &AppState) -> anyhow::Result<Vec<String>> {
    let meta = RequestMeta::default();
    let mut failed = Vec::new();
    for source_id in crate::db::saml::sources_with_url(&state.db).await? {
        if let Refreshed::Checked(Err(error)) = refresh(state, &meta, None, source_id).await? {
            failed.push(format!("{source_id}: {error}"));
        }
    }
    Ok(failed)
}

/// Names the IdPs an institution accepts people from (replacing the previous list).
pub async fn set_institution_idps(
    state: &AppState,
    meta: &RequestMeta,
    staff: &StaffAdmin,
    institution_id: InstitutionId,
    entity_ids: &[String],
) -> anyhow::Result<()> {
    let mut tx = state.db.begin().await?;
    crate::db::saml::set_institution_idps(&mut tx, institution_id, entity_ids).await?;
    AuditEvent::new("saml.institution_idps_set")
        .actor(staff.account_id())
        .institution(institution_id)
        .details(json!({ "idps": entity_ids }))
        .record(&mut tx, meta)
        .await?;
    tx.commit().await?;
    Ok(())
}
