//! Self-service (issue 15 §2): the institutions' policies, the institutions a person may
//! choose on "Log in with your institution", and a person's own orders. An admin's
//! functions take their scope; a person's take their [`SelfServicePerson`], and find only
//! orders of their institution placed by their identity.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::person::SelfServicePerson;
use crate::auth::scope::{Admin, InstitutionScope, TenantScope};
use crate::domain::self_service::{Affiliation, MailboxProof, Policy};
use crate::domain::{
    EnrollmentId, InstitutionId, OrderId, OrderStatus, Product, ProfileType, Validity,
};

struct PolicyRow {
    enabled: bool,
    affiliations: Vec<String>,
    entitlement: Option<String>,
    products: Vec<String>,
    profiles: Vec<String>,
    validity_years: i32,
    trust_idp_mail: bool,
}

impl From<PolicyRow> for Policy {
    /// The table's CHECKs admit only names these types parse.
    fn from(row: PolicyRow) -> Self {
        Self {
            enabled: row.enabled,
            affiliations: row
                .affiliations
                .iter()
                .filter_map(|name| Affiliation::parse(name))
                .collect(),
            entitlement: row.entitlement,
            products: row
                .products
                .iter()
                .filter_map(|name| Product::parse(name).ok())
                .collect(),
            profiles: row
                .profiles
                .iter()
                .filter_map(|name| ProfileType::parse(name).ok())
                .collect(),
            validity: if row.validity_years == 2 {
                Validity::TwoYears
            } else {
                Validity::OneYear
            },
            mailbox_proof: if row.trust_idp_mail {
                MailboxProof::IdpMail
            } else {
                MailboxProof::MailedCode
            },
        }
    }
}

async fn policy_by_id<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    institution_id: InstitutionId,
    lock: bool,
) -> sqlx::Result<Option<Policy>> {
    // FOR UPDATE when the caller is about to replace it, so two admins' changes are
    // audited one after the other, each with the values it replaced.
    let row = if lock {
        sqlx::query_as!(
            PolicyRow,
            r#"SELECT enabled, affiliations, entitlement, products, profiles, validity_years,
                      trust_idp_mail
               FROM self_service_policies WHERE institution_id = $1 FOR UPDATE"#,
            institution_id as InstitutionId
        )
        .fetch_optional(executor)
        .await?
    } else {
        sqlx::query_as!(
            PolicyRow,
            r#"SELECT enabled, affiliations, entitlement, products, profiles, validity_years,
                      trust_idp_mail
               FROM self_service_policies WHERE institution_id = $1"#,
            institution_id as InstitutionId
        )
        .fetch_optional(executor)
        .await?
    };
    Ok(row.map(Policy::from))
}

/// The institution's policy; `None` when its admins never set one (self-service off).
pub async fn policy(pool: &PgPool, scope: &impl TenantScope) -> sqlx::Result<Option<Policy>> {
    policy_by_id(pool, scope.institution_id(), false).await
}

/// For the ACS, before the person has a scope: the institution is the one whose IdP's
/// signed answer it accepted.
pub async fn unscoped_policy(
    pool: &PgPool,
    institution_id: InstitutionId,
) -> sqlx::Result<Option<Policy>> {
    policy_by_id(pool, institution_id, false).await
}

/// Replaces the policy; returns the one it replaced.
pub async fn set_policy(
    tx: &mut Transaction<'_, Postgres>,
    scope: &InstitutionScope<Admin>,
    policy: &Policy,
    now: OffsetDateTime,
) -> sqlx::Result<Option<Policy>> {
    let old = policy_by_id(&mut **tx, scope.institution_id(), true).await?;
    let names = |items: Vec<&'static str>| items.into_iter().map(str::to_owned).collect::<Vec<_>>();
    sqlx::query!(
        r#"INSERT INTO self_service_policies
             (institution_id, enabled, affiliations, entitlement, products, profiles,
              validity_years, trust_idp_mail, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (institution_id) DO UPDATE
           SET enabled = $2, affiliations = $3, entitlement = $4, products = $5, profiles = $6,
               validity_years = $7, trust_idp_mail = $8, updated_at = $9"#,
        scope.institution_id() as InstitutionId,
        policy.enabled,
        &names(policy.affiliations.iter().map(|a| a.as_str()).collect()),
        policy.entitlement.as_deref(),
        &names(policy.products.iter().map(|p| p.as_str()).collect()),
        &names(policy.profiles.iter().map(|p| p.as_str()).collect()),
        match policy.validity {
            Validity::OneYear => 1,
            Validity::TwoYears => 2,
        },
        policy.mailbox_proof == MailboxProof::IdpMail,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(old)
}

/// The institutions whose self-service is on. Public: the person's login page lists them.
pub async fn open_institutions(pool: &PgPool) -> sqlx::Result<Vec<InstitutionId>> {
    sqlx::query_scalar!(r#"SELECT institution_id AS "institution_id: InstitutionId" FROM self_service_policies WHERE enabled"#)
        .fetch_all(pool)
        .await
}

/// One of the person's own orders, as "My certificates" lists it.
#[derive(Debug, Clone)]
pub struct OwnOrder {
    pub id: OrderId,
    pub status: OrderStatus,
    pub product: Product,
    pub profile_type: Option<String>,
    pub created_at: OffsetDateTime,
    pub not_after: Option<OffsetDateTime>,
    /// Whether the person can still open it: their own self-service order with an
    /// enrollment. An admin's order for their address is shown, not opened: its own
    /// mailed link is the way in.
    pub has_enrollment: bool,
}

/// The orders the person placed through self-service at this institution, newest first;
/// with `mailbox_proved`, also those its admins placed for the person's address.
pub async fn own_orders(pool: &PgPool, person: &SelfServicePerson) -> sqlx::Result<Vec<OwnOrder>> {
    let login = person.login();
    sqlx::query_as!(
        OwnOrder,
        r#"SELECT o.id AS "id: OrderId", o.status AS "status: OrderStatus", o.product AS "product: Product", o.profile_type,
                  o.created_at, o.not_after,
                  (o.self_service AND EXISTS (SELECT 1 FROM enrollments e WHERE e.order_id = o.id))
                      AS "has_enrollment!"
           FROM certificate_orders o
           WHERE o.institution_id = $1
             AND ((o.holder_idp = $2 AND o.holder_stable_id = $3)
                  OR ($4 AND NOT o.self_service
                      AND EXISTS (SELECT 1 FROM order_emails m
                                  WHERE m.order_id = o.id AND lower(m.email) = lower($5))))
           ORDER BY o.created_at DESC, o.id DESC
           LIMIT 100"#,
        person.institution_id() as InstitutionId,
        person.idp_entity_id(),
        person.stable_id(),
        login.mailbox_proved,
        login.mail
    )
    .fetch_all(pool)
    .await
}

/// The enrollment of one of the person's own orders; `None` for anyone else's order.
pub async fn own_enrollment(
    pool: &PgPool,
    person: &SelfServicePerson,
    order_id: OrderId,
) -> sqlx::Result<Option<EnrollmentId>> {
    sqlx::query_scalar!(
        r#"SELECT e.id AS "id: EnrollmentId" FROM enrollments e
           JOIN certificate_orders o ON o.institution_id = e.institution_id AND o.id = e.order_id
           WHERE o.institution_id = $1 AND o.holder_idp = $2 AND o.holder_stable_id = $3
             AND o.id = $4"#,
        person.institution_id() as InstitutionId,
        person.idp_entity_id(),
        person.stable_id(),
        order_id as OrderId
    )
    .fetch_optional(pool)
    .await
}
