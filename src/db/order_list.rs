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
use crate::domain::{InstitutionId, OrderId, OrderSearch, OrderStatus, Product};

/// One list statement: `$columns` and `$join` add to the order's own columns,
/// `$within` says whose orders ($1 is an institution id), `$search` is the search's
/// condition ([`search_condition!`]). The filters ($2-$7), the cursor ($8, $9) and the
/// page size ($10) are the same for every list; without a search, $7 is still named
/// (always NULL there), so every statement takes them in the same places.
///
/// Each shape of search is a statement of its own: in one with `$7 IS NULL OR …`, a
/// prepared (generic) plan cannot know whether there is a term, so it cannot plan on the
/// search's index, and a rare term walked the whole institution's list.
macro_rules! list_sql {
    ($columns:literal, $join:literal, $within:literal, $search:expr) => {
        concat!(
            "
SELECT o.id, o.created_at, o.status, o.product, o.profile_type, o.given_name, o.surname, o.validity_years,
       o.self_service,
       o.not_after, o.serial_number, o.digicert_status, o.emails",
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

/// The search's condition for each shape of [`OrderSearch`] ($7, and $11 for an address).
macro_rules! search_condition {
    (none) => {
        "$7::text IS NULL"
    };
    // `search_text` holds the names and addresses in lower case, under a trigram index.
    (text) => {
        "o.search_text LIKE lower($7)"
    };
    // An address whose local part ends with the piece before the '@' (its reverse starts
    // with $11) and whose domain starts with the piece after it ($7), in the institution
    // when there is one ($1), all read from `order_emails_local_end_idx` alone.
    (address) => {
        "o.id IN (SELECT m.order_id FROM order_emails m
                 WHERE reverse(split_part(m.email, '@', 1)) LIKE lower($11)
                   AND split_part(m.email, '@', 2) LIKE lower($7)
                   AND ($1::uuid IS NULL OR m.institution_id = $1))"
    };
}

/// One institution's orders, newest first by (`created_at`, `id`), which
/// `certificate_orders_list_idx` holds in that order, so a page stops after `LIMIT` rows.
macro_rules! admins_list_sql {
    ($search:tt) => {
        list_sql!("", "", "o.institution_id = $1", search_condition!($search))
    };
}

/// Every institution's orders (or one's, when $1 is given) with the institution's short
/// name, walking `certificate_orders_created_idx`.
macro_rules! staff_list_sql {
    ($search:tt) => {
        list_sql!(
            ",
       o.institution_id, i.short_name AS institution",
            "
JOIN institutions i ON i.id = o.institution_id",
            "($1::uuid IS NULL OR o.institution_id = $1)",
            search_condition!($search)
        )
    };
}

/// One institution's orders (the admins' list).
pub const LIST_SQL: &str = admins_list_sql!(none);
/// [`LIST_SQL`] with a search of the text.
pub const LIST_SEARCH_SQL: &str = admins_list_sql!(text);
/// [`LIST_SQL`] with a search of a piece of an address.
pub const LIST_ADDRESS_SQL: &str = admins_list_sql!(address);
/// Every institution's orders (staff's list).
pub const ALL_INSTITUTIONS_SQL: &str = staff_list_sql!(none);
/// [`ALL_INSTITUTIONS_SQL`] with a search of the text.
pub const ALL_INSTITUTIONS_SEARCH_SQL: &str = staff_list_sql!(text);
/// [`ALL_INSTITUTIONS_SQL`] with a search of a piece of an address.
pub const ALL_INSTITUTIONS_ADDRESS_SQL: &str = staff_list_sql!(address);

/// The statement of an institution's list for `filter`.
pub fn list_sql(filter: &OrderFilter) -> &'static str {
    match filter.search {
        None => LIST_SQL,
        Some(OrderSearch::Text(_)) => LIST_SEARCH_SQL,
        Some(OrderSearch::Address { .. }) => LIST_ADDRESS_SQL,
    }
}

/// The statement of staff's list of every institution for `filter`.
pub fn all_institutions_sql(filter: &OrderFilter) -> &'static str {
    match filter.search {
        None => ALL_INSTITUTIONS_SQL,
        Some(OrderSearch::Text(_)) => ALL_INSTITUTIONS_SEARCH_SQL,
        Some(OrderSearch::Address { .. }) => ALL_INSTITUTIONS_ADDRESS_SQL,
    }
}

/// Whether the list's statement may be kept prepared. A search is planned anew with its
/// term each time: whether the term is rare (read its index, sort the few) or common
/// (walk the list until a page is full) decides the plan, and a prepared statement's
/// generic plan, which PostgreSQL may settle on after five runs, knows no term.
pub fn keeps_plan(filter: &OrderFilter) -> bool {
    filter.search.is_none()
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
    pub search: Option<OrderSearch>,
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

/// The binds of the statement [`list_sql`] or [`all_institutions_sql`] chose, in order.
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
    args.add(match &filter.search {
        None => None,
        Some(OrderSearch::Text(text)) => Some(super::like_pattern(text)),
        Some(OrderSearch::Address { domain_start, .. }) => Some(super::like_prefix(domain_start)),
    })?;
    args.add(after.map(|cursor| cursor.created_at))?;
    args.add(after.map(|cursor| cursor.id))?;
    args.add(limit)?;
    if let Some(OrderSearch::Address { local_end, .. }) = &filter.search {
        let reversed: String = local_end.chars().rev().collect();
        args.add(super::like_prefix(&reversed))?;
    }
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
        .persistent(keeps_plan(filter))
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
        .persistent(keeps_plan(filter))
        .fetch_all(pool)
        .await
}
