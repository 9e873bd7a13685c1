//! The SAML service provider's tables: its key, the trusted IdP metadata, the institutions'
//! IdPs, outstanding requests, accepted assertion IDs and linked identities.
//!
//! The ACS runs for an anonymous browser, so the reads it needs (an institution's IdPs and
//! validated domains) are unscoped by nature; they return only what the scope checks of a
//! federated login need.
use sqlx::{PgPool, Postgres, Transaction};
use time::OffsetDateTime;

use crate::auth::{StaffAdmin, StaffScope};
use crate::domain::{AccountId, InstitutionId, SamlSourceId, SamlSpKeyId};

pub struct SpKeyRow {
    pub id: SamlSpKeyId,
    pub certificate_der: Vec<u8>,
    pub sealed_private_key: Vec<u8>,
    /// The key in use; otherwise the next one of a rollover under way.
    pub active: bool,
    pub created_at: OffsetDateTime,
}

/// The SP's keys as its metadata publishes them: the active one first, then the next
/// one while a rollover is under way.
pub async fn published_sp_keys(pool: &PgPool) -> sqlx::Result<Vec<SpKeyRow>> {
    sqlx::query_as!(
        SpKeyRow,
        r#"SELECT id AS "id: SamlSpKeyId", certificate_der, sealed_private_key, active, created_at
           FROM saml_sp_keys WHERE active OR next ORDER BY active DESC"#
    )
    .fetch_all(pool)
    .await
}

/// Inserts the first active key unless another process got there first.
pub async fn insert_first_sp_key(
    pool: &PgPool,
    id: SamlSpKeyId,
    certificate_der: &[u8],
    sealed_private_key: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO saml_sp_keys (id, certificate_der, sealed_private_key, active, created_at)
           VALUES ($1, $2, $3, true, $4)
           ON CONFLICT (active) WHERE active DO NOTHING"#,
        id as SamlSpKeyId,
        certificate_der,
        sealed_private_key,
        now
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Inserts the next key of a rollover; `false` when one is under way already.
pub async fn insert_next_sp_key(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &StaffAdmin,
    id: SamlSpKeyId,
    certificate_der: &[u8],
    sealed_private_key: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        r#"INSERT INTO saml_sp_keys
               (id, certificate_der, sealed_private_key, active, next, created_at)
           VALUES ($1, $2, $3, false, true, $4)
           ON CONFLICT (next) WHERE next DO NOTHING"#,
        id as SamlSpKeyId,
        certificate_der,
        sealed_private_key,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Finishes a rollover: the next key becomes the active one and the old active key is
/// dropped. `None` when no rollover is under way; else the old and the new key's ids.
pub async fn finish_sp_key_rollover(
    tx: &mut Transaction<'_, Postgres>,
    _staff: &StaffAdmin,
) -> sqlx::Result<Option<(SamlSpKeyId, SamlSpKeyId)>> {
    let Some(old) = sqlx::query_scalar!(
        r#"DELETE FROM saml_sp_keys
           WHERE active AND EXISTS (SELECT 1 FROM saml_sp_keys WHERE next)
           RETURNING id AS "id: SamlSpKeyId""#
    )
    .fetch_optional(&mut **tx)
    .await?
    else {
        return Ok(None);
    };
    let new = sqlx::query_scalar!(
        r#"UPDATE saml_sp_keys SET active = true, next = false WHERE next
           RETURNING id AS "id: SamlSpKeyId""#
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some((old, new)))
}

pub struct NewSourceRow<'a> {
    pub id: SamlSourceId,
    pub name: &'a str,
    pub kind: &'a str,
    pub url: Option<&'a str>,
    pub pinned_certificate_der: Option<&'a [u8]>,
    pub metadata_xml: &'a str,
    pub now: OffsetDateTime,
}

pub async fn insert_source(
    tx: &mut Transaction<'_, Postgres>,
    source: &NewSourceRow<'_>,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"INSERT INTO saml_metadata_sources
             (id, name, kind, url, pinned_certificate_der, metadata_xml, refreshed_at, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7)"#,
        source.id as SamlSourceId,
        source.name,
        source.kind,
        source.url,
        source.pinned_certificate_der,
        source.metadata_xml,
        source.now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An IdP as a source provides it.
pub struct NewIdp<'a> {
    pub entity_id: &'a str,
    pub display_name: Option<&'a str>,
    pub descriptor_xml: &'a str,
    pub scopes: &'a [String],
}

/// Replaces the IdPs a source provides with `idps`. An entity another source already
/// provides stays with that source: the first staff trusted for it wins.
pub async fn replace_source_idps(
    tx: &mut Transaction<'_, Postgres>,
    source_id: SamlSourceId,
    idps: &[NewIdp<'_>],
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM saml_idps WHERE source_id = $1",
        source_id as SamlSourceId
    )
    .execute(&mut **tx)
    .await?;
    for idp in idps {
        sqlx::query!(
            r#"INSERT INTO saml_idps (entity_id, source_id, display_name, descriptor_xml, scopes)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (entity_id) DO NOTHING"#,
            idp.entity_id,
            source_id as SamlSourceId,
            idp.display_name,
            idp.descriptor_xml,
            idp.scopes
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn store_refreshed(
    tx: &mut Transaction<'_, Postgres>,
    source_id: SamlSourceId,
    metadata_xml: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        r#"UPDATE saml_metadata_sources
           SET metadata_xml = $2, refreshed_at = $3, last_error = NULL, last_error_at = NULL
           WHERE id = $1"#,
        source_id as SamlSourceId,
        metadata_xml,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub async fn record_refresh_failure(
    tx: &mut Transaction<'_, Postgres>,
    source_id: SamlSourceId,
    error: &str,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE saml_metadata_sources SET last_error = $2, last_error_at = $3 WHERE id = $1",
        source_id as SamlSourceId,
        error,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub struct SourceRow {
    pub id: SamlSourceId,
    pub name: String,
    pub kind: String,
    pub url: Option<String>,
    pub pinned_certificate_der: Option<Vec<u8>>,
    pub refreshed_at: OffsetDateTime,
    pub last_error: Option<String>,
    pub last_error_at: Option<OffsetDateTime>,
    pub idp_count: i64,
}

pub async fn source(pool: &PgPool, id: SamlSourceId) -> sqlx::Result<Option<SourceRow>> {
    sqlx::query_as!(
        SourceRow,
        r#"SELECT s.id AS "id: SamlSourceId", s.name, s.kind, s.url, s.pinned_certificate_der, s.refreshed_at,
                  s.last_error, s.last_error_at,
                  (SELECT count(*) FROM saml_idps i WHERE i.source_id = s.id) AS "idp_count!"
           FROM saml_metadata_sources s WHERE s.id = $1"#,
        id as SamlSourceId
    )
    .fetch_optional(pool)
    .await
}

pub async fn staff_sources(pool: &PgPool, _staff: &StaffScope) -> sqlx::Result<Vec<SourceRow>> {
    sqlx::query_as!(
        SourceRow,
        r#"SELECT s.id AS "id: SamlSourceId", s.name, s.kind, s.url, s.pinned_certificate_der, s.refreshed_at,
                  s.last_error, s.last_error_at,
                  (SELECT count(*) FROM saml_idps i WHERE i.source_id = s.id) AS "idp_count!"
           FROM saml_metadata_sources s ORDER BY s.name"#
    )
    .fetch_all(pool)
    .await
}

pub struct IdpRow {
    pub entity_id: String,
    pub display_name: Option<String>,
    pub descriptor_xml: String,
    pub scopes: Vec<String>,
}

pub async fn idp(pool: &PgPool, entity_id: &str) -> sqlx::Result<Option<IdpRow>> {
    sqlx::query_as!(
        IdpRow,
        "SELECT entity_id, display_name, descriptor_xml, scopes FROM saml_idps WHERE entity_id = $1",
        entity_id
    )
    .fetch_optional(pool)
    .await
}

pub async fn institution_names_idp(
    pool: &PgPool,
    institution_id: InstitutionId,
    entity_id: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM institution_idps
                          WHERE institution_id = $1 AND entity_id = $2) AS "named!""#,
        institution_id as InstitutionId,
        entity_id
    )
    .fetch_one(pool)
    .await
}

pub async fn set_institution_idps(
    tx: &mut Transaction<'_, Postgres>,
    institution_id: InstitutionId,
    entity_ids: &[String],
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM institution_idps WHERE institution_id = $1",
        institution_id as InstitutionId
    )
    .execute(&mut **tx)
    .await?;
    sqlx::query!(
        r#"INSERT INTO institution_idps (institution_id, entity_id)
           SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING"#,
        institution_id as InstitutionId,
        entity_ids
    )
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An institution and one of its IdPs, as the login choice and the staff page list them.
pub struct InstitutionIdp {
    pub institution_id: InstitutionId,
    pub name_sr: String,
    pub name_en: String,
    pub entity_id: String,
    /// The IdP's display name; `None` also when it is not (or no longer) trusted.
    pub idp_name: Option<String>,
    pub trusted: bool,
}

/// Every institution's IdPs, institutions by name. Public: the login page lists them.
pub async fn institution_idps(pool: &PgPool) -> sqlx::Result<Vec<InstitutionIdp>> {
    sqlx::query_as!(
        InstitutionIdp,
        r#"SELECT n.id AS "institution_id: InstitutionId", n.name_sr, n.name_en, ii.entity_id,
                  i.display_name AS "idp_name?", (i.entity_id IS NOT NULL) AS "trusted!"
           FROM institution_idps ii
           JOIN institutions n ON n.id = ii.institution_id
           LEFT JOIN saml_idps i ON i.entity_id = ii.entity_id
           ORDER BY n.name_sr, ii.entity_id"#
    )
    .fetch_all(pool)
    .await
}

/// The institution's domains whose validation holds now, for the scope check.
pub async fn unscoped_validated_domains(
    pool: &PgPool,
    institution_id: InstitutionId,
    now: OffsetDateTime,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT name FROM domains
           WHERE institution_id = $1 AND removed_at IS NULL AND validation_status = 'validated'
             AND (validated_until IS NULL OR validated_until > $2)"#,
        institution_id as InstitutionId,
        now
    )
    .fetch_all(pool)
    .await
}

pub struct NewRequest<'a> {
    pub request_id: &'a str,
    pub browser_hash: &'a [u8],
    pub institution_id: InstitutionId,
    pub idp_entity_id: &'a str,
    pub link_account_id: Option<AccountId>,
    /// `login`, `link` or `self_service` (services::saml::login::Purpose).
    pub purpose: &'a str,
    pub expires_at: OffsetDateTime,
}

/// Stores a request, clearing expired ones on the way (they can never be answered).
pub async fn insert_request(
    pool: &PgPool,
    request: &NewRequest<'_>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM saml_requests WHERE expires_at <= $1", now)
        .execute(pool)
        .await?;
    sqlx::query!(
        r#"INSERT INTO saml_requests
             (request_id, browser_hash, institution_id, idp_entity_id, link_account_id, expires_at,
              purpose)
           VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
        request.request_id,
        request.browser_hash,
        request.institution_id as InstitutionId,
        request.idp_entity_id,
        request.link_account_id as Option<AccountId>,
        request.expires_at,
        request.purpose
    )
    .execute(pool)
    .await?;
    Ok(())
}

pub struct StoredRequest {
    pub request_id: String,
    pub institution_id: InstitutionId,
    pub idp_entity_id: String,
    pub link_account_id: Option<AccountId>,
    pub purpose: String,
}

/// Spends the browser's outstanding request: whatever the response turns out to be, the
/// request cannot be answered twice.
pub async fn take_request(
    pool: &PgPool,
    browser_hash: &[u8],
    now: OffsetDateTime,
) -> sqlx::Result<Option<StoredRequest>> {
    let taken = sqlx::query!(
        r#"DELETE FROM saml_requests WHERE browser_hash = $1
           RETURNING request_id, institution_id AS "institution_id: InstitutionId", idp_entity_id,
                     link_account_id AS "link_account_id: AccountId", expires_at, purpose"#,
        browser_hash
    )
    .fetch_optional(pool)
    .await?;
    Ok(taken
        .filter(|row| row.expires_at > now)
        .map(|row| StoredRequest {
            request_id: row.request_id,
            institution_id: row.institution_id,
            idp_entity_id: row.idp_entity_id,
            link_account_id: row.link_account_id,
            purpose: row.purpose,
        }))
}

/// Records an accepted assertion ID until `expires_at`; false when it was accepted before.
pub async fn remember_assertion(
    pool: &PgPool,
    idp_entity_id: &str,
    assertion_id: &str,
    expires_at: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    sqlx::query!(
        "DELETE FROM saml_seen_assertions WHERE expires_at <= $1",
        now
    )
    .execute(pool)
    .await?;
    let inserted = sqlx::query!(
        r#"INSERT INTO saml_seen_assertions (idp_entity_id, assertion_id, expires_at)
           VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"#,
        idp_entity_id,
        assertion_id,
        expires_at
    )
    .execute(pool)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Links the identity to the account; false when it already opens another account.
/// Linking again to the same account is a no-op that succeeds.
pub async fn link_identity(
    tx: &mut Transaction<'_, Postgres>,
    idp_entity_id: &str,
    stable_id: &str,
    account_id: AccountId,
    institution_id: InstitutionId,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let owner = sqlx::query_scalar!(
        r#"INSERT INTO federated_identities
             (idp_entity_id, stable_id, account_id, institution_id, linked_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (idp_entity_id, stable_id)
             DO UPDATE SET idp_entity_id = EXCLUDED.idp_entity_id
           RETURNING account_id AS "account_id: AccountId""#,
        idp_entity_id,
        stable_id,
        account_id as AccountId,
        institution_id as InstitutionId,
        now
    )
    .fetch_one(&mut **tx)
    .await?;
    Ok(owner == account_id)
}

pub async fn linked_account(
    pool: &PgPool,
    idp_entity_id: &str,
    stable_id: &str,
) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar!(
        r#"SELECT account_id AS "account_id: AccountId" FROM federated_identities
           WHERE idp_entity_id = $1 AND stable_id = $2"#,
        idp_entity_id,
        stable_id
    )
    .fetch_optional(pool)
    .await
}

/// The identities linked to an account, for its account page.
pub async fn identities_of(pool: &PgPool, account_id: AccountId) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT idp_entity_id FROM federated_identities WHERE account_id = $1 ORDER BY linked_at",
        account_id as AccountId
    )
    .fetch_all(pool)
    .await
}

/// Staff changing an institution's IdPs need the institution to exist.
pub async fn staff_institution_exists(
    pool: &PgPool,
    _staff: &StaffAdmin,
    institution_id: InstitutionId,
) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM institutions WHERE id = $1) AS "exists!""#,
        institution_id as InstitutionId
    )
    .fetch_one(pool)
    .await
}

/// An institution and the IdPs it names, for the staff page.
pub struct InstitutionIdpList {
    pub id: InstitutionId,
    pub short_name: String,
    pub entity_ids: Vec<String>,
}

pub async fn staff_institution_idp_lists(
    pool: &PgPool,
    _staff: &StaffScope,
) -> sqlx::Result<Vec<InstitutionIdpList>> {
    sqlx::query_as!(
        InstitutionIdpList,
        r#"SELECT n.id AS "id: InstitutionId", n.short_name,
                  COALESCE(array_agg(ii.entity_id ORDER BY ii.entity_id)
                           FILTER (WHERE ii.entity_id IS NOT NULL), '{}') AS "entity_ids!"
           FROM institutions n LEFT JOIN institution_idps ii ON ii.institution_id = n.id
           GROUP BY n.id ORDER BY n.short_name"#
    )
    .fetch_all(pool)
    .await
}

/// Which of `entity_ids` the portal does not trust (no source provides them).
pub async fn untrusted_among(pool: &PgPool, entity_ids: &[String]) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        r#"SELECT wanted AS "wanted!" FROM unnest($1::text[]) AS wanted
           WHERE NOT EXISTS (SELECT 1 FROM saml_idps WHERE entity_id = wanted)"#,
        entity_ids
    )
    .fetch_all(pool)
    .await
}

/// The sources refreshed from a URL, for the scheduled refresh.
pub async fn sources_with_url(pool: &PgPool) -> sqlx::Result<Vec<SamlSourceId>> {
    sqlx::query_scalar!(
        r#"SELECT id AS "id: SamlSourceId" FROM saml_metadata_sources WHERE url IS NOT NULL ORDER BY name"#
    )
        .fetch_all(pool)
        .await
}

/// Active full staff, who hear when trusted metadata cannot be refreshed.
pub async fn staff_addresses(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT email FROM accounts WHERE staff_role = 'staff' AND status = 'active' ORDER BY email"
    )
    .fetch_all(pool)
    .await
}
