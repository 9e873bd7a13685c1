//! The validation sync: DigiCert's S/MIME organization validation and every
//! domain's DCV state replace our cached copy. DigiCert always wins; the cache
//! only saves asking it on every page view and order. One fact goes the other
//! way: the institution's registration number (matični broj), which the portal
//! holds and DigiCert needs for the certificates' organizationIdentifier. The sync
//! sends it whenever DigiCert's differs, so institutions registered before it was
//! sent get it on their next sync (every 6 hours, or "sync now"), and an order
//! cannot come first: ordering needs the validation state only a sync brings.
pub mod observed;

use std::sync::Arc;

use clock::Clock;
use digicert::types::{Domain, DomainListQuery, OrganizationId, Paging};
use digicert::{CertCentral, Error as DigicertError};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::audit::{AuditEvent, RequestMeta};
use crate::auth::{Admin, InstitutionScope};
use crate::db::institutions::SyncTarget;
use crate::db::validation_sync::{self as db, DomainValidation};
use crate::domain::AccountId;
use crate::state::AppState;

mod notice;
pub use notice::SyncNotice;

/// DigiCert's largest page.
const PAGE_SIZE: u32 = 1000;
/// A bound on paging, so a server that never stops paging cannot hold a sync forever.
const MAX_PAGES: usize = 100;

/// Who asked for a sync, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A person pressed "sync now".
    Manual(AccountId),
    /// The recurring job.
    Schedule,
}

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The cache now holds DigiCert's states; `changes` is what differed.
    Synced {
        changes: Value,
    },
    NotConfigured,
    /// The institution is not (or no longer) linked to a DigiCert organization.
    NotLinked,
    KeyRejected,
    RateLimited,
    /// DigiCert is down, slow or unreachable.
    Unavailable,
    /// DigiCert does not know the linked organization.
    OrganizationNotFound,
    /// DigiCert refused the call or answered something unusable; for the log.
    Failed(String),
}

impl SyncOutcome {
    pub(crate) fn from_error(error: DigicertError) -> Self {
        match error {
            DigicertError::InvalidApiKey => Self::KeyRejected,
            DigicertError::RateLimited { .. } => Self::RateLimited,
            DigicertError::NotFound { .. } => Self::OrganizationNotFound,
            DigicertError::Unavailable { .. }
            | DigicertError::Timeout { .. }
            | DigicertError::Connection { .. } => Self::Unavailable,
            other => Self::Failed(other.to_string()),
        }
    }

    pub fn notice(&self) -> SyncNotice {
        match self {
            Self::Synced { .. } => SyncNotice::Done,
            Self::NotConfigured => SyncNotice::NotConfigured,
            Self::NotLinked => SyncNotice::NotLinked,
            Self::KeyRejected => SyncNotice::KeyRejected,
            Self::RateLimited => SyncNotice::RateLimited,
            Self::Unavailable => SyncNotice::Unavailable,
            Self::OrganizationNotFound => SyncNotice::OrganizationNotFound,
            Self::Failed(_) => SyncNotice::Failed,
        }
    }
}

/// Why a DigiCert call stopped short: a database failure, or an outcome to report.
pub(crate) enum Stop {
    Database(sqlx::Error),
    Outcome(SyncOutcome),
    /// DigiCert answered with an error; kept whole so each caller can say what it means.
    Refused(DigicertError),
}

impl From<sqlx::Error> for Stop {
    fn from(error: sqlx::Error) -> Self {
        Self::Database(error)
    }
}

/// DigiCert's answers for one organization.
struct Fetched {
    organization: observed::Observed,
    /// The registration number this sync sent to DigiCert, when DigiCert's differed.
    registration_number_sent: Option<String>,
    /// The account's domains that belong to the organization.
    domains: Vec<Domain>,
}

/// Everything a sync needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct Syncer {
    pool: PgPool,
    client: Arc<dyn CertCentral>,
    clock: Arc<dyn Clock>,
}

impl Syncer {
    /// `None` when DigiCert is not configured.
    pub fn from_state(state: &AppState) -> Option<Self> {
        Some(Self {
            pool: state.db.clone(),
            client: state.digicert.clone()?,
            clock: state.clock.clone(),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub(crate) fn client(&self) -> &dyn CertCentral {
        self.client.as_ref()
    }

    pub(crate) fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Pulls DigiCert's states for `target` and writes them over the cache, with
    /// an audit event, in one transaction. DigiCert failures leave the cache as it
    /// was and come back as an outcome; only database failures are errors.
    pub async fn sync(
        &self,
        target: &SyncTarget,
        trigger: Trigger,
        meta: &RequestMeta,
    ) -> sqlx::Result<SyncOutcome> {
        let fetched = match self.fetch(target).await {
            Ok(fetched) => fetched,
            Err(Stop::Database(error)) => return Err(error),
            Err(Stop::Outcome(outcome)) => return report(target, outcome),
            Err(Stop::Refused(error)) => return report(target, SyncOutcome::from_error(error)),
        };
        self.store(target, &fetched, trigger, meta).await
    }

    /// One DigiCert call. Onboarding calls go through here too; the client's
    /// gate (the shared rate limiter) has held the request for room already, and
    /// a refusal of either kind is reported as [`SyncOutcome::RateLimited`].
    pub(crate) async fn call<T, F, Fut>(&self, call: F) -> Result<T, Stop>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, DigicertError>>,
    {
        call().await.map_err(|error| match error {
            DigicertError::HeldBack { .. } | DigicertError::RateLimited { .. } => {
                Stop::Outcome(SyncOutcome::RateLimited)
            }
            error => Stop::Refused(error),
        })
    }

    async fn fetch(&self, target: &SyncTarget) -> Result<Fetched, Stop> {
        let org = u64::try_from(target.digicert_org_id())
            .map(OrganizationId)
            .map_err(|_| Stop::Outcome(SyncOutcome::OrganizationNotFound))?;
        let registration_number_sent = self.send_registration_number(org, target).await?;
        let validations = self
            .call(|| self.client.organization_validations(org))
            .await?;
        let mut domains = Vec::new();
        let mut offset: u64 = 0;
        for _ in 0..MAX_PAGES {
            let query = DomainListQuery {
                include_validation: true,
                include_dcv_expiration_time: true,
                paging: Paging::page(offset, PAGE_SIZE),
                ..DomainListQuery::default()
            };
            let page = self.call(|| self.client.list_domains(&query)).await?;
            let count = page.domains.len() as u64;
            offset += count;
            domains.extend(page.domains.into_iter().filter(|domain| {
                domain
                    .organization
                    .as_ref()
                    .is_some_and(|owner| owner.id == org)
            }));
            let total = page.page.map(|page| page.total);
            if count == 0 || total.is_none_or(|total| offset >= total) {
                return Ok(Fetched {
                    registration_number_sent,
                    organization: observed::organization(
                        &validations.validations,
                        self.clock.now(),
                    ),
                    domains,
                });
            }
        }
        // A partial list would mark the domains it missed as unknown to DigiCert.
        Err(Stop::Outcome(SyncOutcome::Failed(format!(
            "DigiCert listed more than {MAX_PAGES} pages of domains"
        ))))
    }

    /// Gives DigiCert the institution's registration number unless it has it already;
    /// the number sent, if one was.
    async fn send_registration_number(
        &self,
        org: OrganizationId,
        target: &SyncTarget,
    ) -> Result<Option<String>, Stop> {
        let theirs = self.call(|| self.client.organization(org)).await?;
        let ours = target.registration_number();
        if theirs.registration_number.as_deref() == Some(ours) {
            return Ok(None);
        }
        self.call(|| self.client.set_organization_registration_number(org, ours))
            .await?;
        Ok(Some(ours.to_owned()))
    }

    async fn store(
        &self,
        target: &SyncTarget,
        fetched: &Fetched,
        trigger: Trigger,
        meta: &RequestMeta,
    ) -> sqlx::Result<SyncOutcome> {
        let now = self.clock.now();
        let mut tx = self.pool.begin().await?;
        let Some(cached) = db::lock_organization(&mut tx, target).await? else {
            return Ok(SyncOutcome::NotLinked);
        };
        let organization = fetched.organization;
        db::store_organization(
            &mut tx,
            target,
            organization.status,
            organization.until,
            now,
        )
        .await?;
        let mut domains_changed = Vec::new();
        for ours in db::lock_domains(&mut tx, target).await? {
            let theirs = fetched.domains.iter().find(|domain| {
                domain
                    .name
                    .trim_end_matches('.')
                    .eq_ignore_ascii_case(&ours.name)
            });
            let validation = match theirs {
                Some(domain) => {
                    let state = observed::domain(domain, now);
                    DomainValidation {
                        status: state.status,
                        validated_until: state.until,
                        dcv_method: observed::dcv_method(domain.dcv_method.as_ref()),
                        digicert_domain_id: i64::try_from(domain.id.0).ok(),
                    }
                }
                // DigiCert does not know the domain (for this organization).
                None => DomainValidation {
                    status: "none",
                    validated_until: None,
                    dcv_method: None,
                    digicert_domain_id: None,
                },
            };
            if ours.validation_status.as_str() != validation.status
                || ours.validated_until != validation.validated_until
            {
                domains_changed.push(json!({
                    "domain": ours.name,
                    "from": ours.validation_status.as_str(),
                    "to": validation.status,
                }));
            }
            db::store_domain(&mut tx, target, ours.id, &validation, now).await?;
        }
        let org_changed = cached.status.as_str() != organization.status
            || cached.validated_until != organization.until;
        let changes = json!({
            "org": organization.status,
            "org_changed": org_changed.then(|| json!({"from": cached.status.as_str(), "to": organization.status})),
            "domains_changed": domains_changed,
            "registration_number_sent": fetched.registration_number_sent,
            "trigger": match trigger { Trigger::Manual(_) => "manual", Trigger::Schedule => "schedule" },
        });
        let event = AuditEvent::new("validation.synced")
            .institution(target.institution_id())
            .target(format!("digicert_org:{}", target.digicert_org_id()))
            .details(changes.clone());
        let event = match trigger {
            Trigger::Manual(account) => event.actor(account),
            Trigger::Schedule => event.actor_label("scheduled sync"),
        };
        event.record(&mut tx, meta).await?;
        tx.commit().await?;
        Ok(SyncOutcome::Synced { changes })
    }
}

fn report(target: &SyncTarget, outcome: SyncOutcome) -> sqlx::Result<SyncOutcome> {
    tracing::warn!(institution = %target.institution_id(), ?outcome, "validation sync failed");
    Ok(outcome)
}

/// "Sync now" on an institution's pages.
pub async fn sync_now(
    state: &AppState,
    meta: &RequestMeta,
    scope: &InstitutionScope<Admin>,
) -> sqlx::Result<SyncOutcome> {
    // A person is waiting: a shutdown need not cut the short rate-limit wait.
    let Some(syncer) = Syncer::from_state(state) else {
        return Ok(SyncOutcome::NotConfigured);
    };
    let Some(target) = crate::db::institutions::sync_target(&state.db, scope).await? else {
        return Ok(SyncOutcome::NotLinked);
    };
    syncer
        .sync(&target, Trigger::Manual(scope.account_id()), meta)
        .await
}
