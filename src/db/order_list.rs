//! Lists of orders: an institution's for its admins, every institution's for
//! AMRES staff. Filters, search and keyset pagination, newest first.
//!
//! The statements are constants run with `query_as_with` rather than checked
//! macros so that a test can `EXPLAIN` these very statements at 100,000 orders
//! and prove they walk an index; [`list_arguments`] binds both the same way.
use sqlx::postgres::PgArguments;
use sqlx::{Arguments, PgPool};
use time::OffsetDateTime;

use crate::auth::StaffScope;
use crate::auth::scope::{InstitutionScope, RequiredRole};
use crate::domain::{InstitutionId, OrderId, OrderStatus, Product};

/// One list statement: `$columns` and `$join` add to the order's own columns,
/// `$within` says whose orders ($1 is an institution id), `$search` whether the search
/// ($7) is given. The filters ($2-$7), the cursor ($8, $9) and the page size ($10) are the
/// same for every list; without a search, $7 is still named (always NULL there), so both
/// statements take the same arguments.
///
/// With a search and without are two statements: in one with `$7 IS NULL OR …`, a
/// prepared (generic) plan cannot know whether there is a term, so it cannot plan on the
/// trigram index, and a rare term walked the whole institution's list.
macro_rules! list_sql {
    ($columns:literal, $join:literal, $within:literal, $search:literal) => {
        concat!(
            "
SELECT o.id, o.created_at, o.status, o.product, o.profile_type, o.given_name, o.surname, o.validity_years,
       o.self_service,
       o.not_after, o.serial_number, o.digicert_status,
       ARRAY(SELECT e.email FROM order_emails e WHERE e.order_id = o.id ORDER BY e.email) AS emails",
            $columns,
            "
FROM certificate_orders o",
            $join,
            "
WHERE ",
            $within,
            "
  AND ($2::text IS NULL OR o.status = $2)
  AND ($3::text IS NULL OR o.product = $3)
  AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM order_emails p
                                   WHERE p.order_id = o.id AND p.email = lower($4)))
  AND ($5::timestamptz IS NULL OR (o.status = 'issued' AND o.not_after > $6 AND o.not_after <= $5))
  AND ",
            $search,
            "
  AND ($8::timestamptz IS NULL OR (o.created_at, o.id) < ($8, $9))
ORDER BY o.created_at DESC, o.id DESC
LIMIT $10"
        )
    };
}

/// One institution's orders, newest first by (`created_at`, `id`), which
/// `certificate_orders_list_idx` holds in that order, so a page stops after
/// `LIMIT` rows. The search matches `search_text` (names and addresses, lower
/// case) through its trigram index.
pub const LIST_SQL: &str = list_sql!("", "", "o.institution_id = $1", "$7::text IS NULL");

/// [`LIST_SQL`] with a search.
pub const LIST_SEARCH_SQL: &str = list_sql!(
    "",
    "",
    "o.institution_id = $1",
    "o.search_text LIKE lower($7)"
);

/// Every institution's orders (or one's, when $1 is given) with the
/// institution's short name, walking `certificate_orders_created_idx`.
pub const ALL_INSTITUTIONS_SQL: &str = list_sql!(
    ",
       o.institution_id, i.short_name AS institution",
    "
JOIN institutions i ON i.id = o.institution_id",
    "($1::uuid IS NULL OR o.institution_id = $1)",
    "$7::text IS NULL"
);

/// [`ALL_INSTITUTIONS_SQL`] with a search.
pub const ALL_INSTITUTIONS_SEARCH_SQL: &str = list_sql!(
    ",
       o.institution_id, i.short_name AS institution",
    "
JOIN institutions i ON i.id = o.institution_id",
    "($1::uuid IS NULL OR o.institution_id = $1)",
    "o.search_text LIKE lower($7)"
);

/// The statement of an institution's list for `filter`.
pub fn list_sql(filter: &OrderFilter) -> &'static str {
    if filter.search.is_some() {
        LIST_SEARCH_SQL
    } else {
        LIST_SQL
    }
}

/// The statement of staff's list of every institution for `filter`.
pub fn all_institutions_sql(filter: &OrderFilter) -> &'static str {
    if filter.search.is_some() {
        ALL_INSTITUTIONS_SEARCH_SQL
    } else {
        ALL_INSTITUTIONS_SQL
    }
}

/// What the list may be narrowed to; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<OrderStatus>,
    pub product: Option<Product>,
    /// One person's address, exactly (any case).
    pub person: Option<String>,
    /// Issued certificates ending between now and this moment.
    pub expiring_before: Option<OffsetDateTime>,
    /// A piece of a name or an address, any case.
    pub search: Option<String>,
}

/// Where the previous page ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: OffsetDateTime,
    pub id: OrderId,
}

/// One order as the list and the CSV export show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OrderLine {
    pub id: OrderId,
    pub created_at: OffsetDateTime,
    pub status: OrderStatus,
    pub product: Product,
    /// The Secure Email profile (`strict`, `multipurpose`); none for the older products.
    pub profile_type: Option<String>,
    pub given_name: String,
    pub surname: String,
    pub validity_years: i32,
    pub not_after: Option<OffsetDateTime>,
    pub serial_number: Option<String>,
    pub digicert_status: Option<String>,
    pub emails: Vec<String>,
    /// Requested by the person through self-service (issue 15 §2).
    pub self_service: bool,
}

impl OrderLine {
    pub fn cursor(&self) -> Cursor {
        Cursor {
            created_at: self.created_at,
            id: self.id,
        }
    }
}

/// The binds of [`LIST_SQL`] and [`ALL_INSTITUTIONS_SQL`], in order.
pub fn list_arguments(
    institution_id: Option<InstitutionId>,
    filter: &OrderFilter,
    after: Option<Cursor>,
    now: OffsetDateTime,
    limit: i64,
) -> Result<PgArguments, sqlx::error::BoxDynError> {
    let mut args = PgArguments::default();
    args.add(institution_id)?;
    args.add(filter.status)?;
    args.add(filter.product)?;
    args.add(filter.person.as_deref())?;
    args.add(filter.expiring_before)?;
    args.add(now)?;
    args.add(filter.search.as_deref().map(super::like_pattern))?;
    args.add(after.map(|cursor| cursor.created_at))?;
    args.add(after.map(|cursor| cursor.id))?;
    args.add(limit)?;
    Ok(args)
}

/// At most `limit` orders of the scope's institution after `after`.
pub async fn list<R: RequiredRole>(
    pool: &PgPool,
    scope: &InstitutionScope<R>,
    filter: &OrderFilter,
    after: Option<Cursor>,
    now: OffsetDateTime,
    limit: i64,
) -> sqlx::Result<Vec<OrderLine>> {
    let args = list_arguments(Some(scope.institution_id()), filter, after, now, limit)
        .map_err(sqlx::Error::Encode)?;
    sqlx::query_as_with::<_, OrderLine, _>(list_sql(filter), args)
        .fetch_all(pool)
        .await
}

/// An order in the staff's list: which institution it belongs to, too.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InstitutionOrderLine {
    #[sqlx(flatten)]
    pub line: OrderLine,
    pub institution_id: InstitutionId,
    /// The institution's short name.
    pub institution: String,
}

/// At most `limit` orders of every institution (or of `institution` only)
/// after `after`, for AMRES staff.
pub async fn list_all_institutions(
    pool: &PgPool,
    _staff: &StaffScope,
    institution: Option<InstitutionId>,
    filter: &OrderFilter,
    after: Option<Cursor>,
    now: OffsetDateTime,
    limit: i64,
) -> sqlx::Result<Vec<InstitutionOrderLine>> {
    let args =
        list_arguments(institution, filter, after, now, limit).map_err(sqlx::Error::Encode)?;
    sqlx::query_as_with::<_, InstitutionOrderLine, _>(all_institutions_sql(filter), args)
        .fetch_all(pool)
        .await
}
