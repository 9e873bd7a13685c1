//! Lists of orders: an institution's for its admins, every institution's for
//! AMRES staff. Filters, search and keyset pagination, newest first, or for the
//! expiring-soon list the certificates that end first ([`ListOrder`]).
//!
//! A page's statement names only the conditions its filter uses ([`list_query`]) rather
//! than one statement with `$n IS NULL OR …` for each filter: PostgreSQL plans such a
//! statement in half the time, plans each shape from what it asks (`o.status = 'issued'`
//! lets the expiring-soon list read the issued orders' index by their end), and may keep a
//! shape's plan once it has seen it. A test `EXPLAIN`s these very statements at 100,000 orders.
use sqlx::{PgPool, Postgres, QueryBuilder};
use time::OffsetDateTime;

use crate::auth::StaffScope;
use crate::auth::scope::{InstitutionScope, RequiredRole};
use crate::domain::{InstitutionId, OrderId, OrderSearch, OrderStatus, Product};

/// The order's own columns, as [`OrderLine`] reads them.
const ORDER_COLUMNS: &str = "
SELECT o.id, o.created_at, o.status, o.product, o.profile_type, o.given_name, o.surname, o.validity_years,
       o.self_service, o.not_after, o.serial_number, o.digicert_status, o.emails";

/// Whose orders a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    /// One institution's, for its admins: `certificate_orders_list_idx` holds them newest
    /// first, so a page stops after `LIMIT` rows.
    Institution(InstitutionId),
    /// Every institution's (or one's, when given), with the institution's short name, for
    /// staff: walking `certificate_orders_created_idx`.
    AllInstitutions(Option<InstitutionId>),
}

impl Whose {
    fn institution(self) -> Option<InstitutionId> {
        match self {
            Self::Institution(id) => Some(id),
            Self::AllInstitutions(id) => id,
        }
    }
}

/// The statement of one page of `whose` orders: `limit` orders matching `filter` after
/// `after`, in the filter's order ([`OrderFilter::order`]).
///
/// `limit` is bound when the plan depends on the filter's values ([`planned_with_values`]):
/// PostgreSQL then costs a generic plan as if it returned a tenth of the list, dearer than
/// any plan made with the values, so it plans such a statement with its values on every
/// run. Otherwise `limit` (a number the portal chose or checked) is written in, and a plan
/// that knows it is a page may be kept.
pub fn list_query(
    whose: Whose,
    filter: &OrderFilter,
    after: Option<Cursor>,
    now: OffsetDateTime,
    limit: i64,
) -> QueryBuilder<'static, Postgres> {
    let mut query = QueryBuilder::new(ORDER_COLUMNS);
    match whose {
        Whose::Institution(_) => query.push("\nFROM certificate_orders o"),
        Whose::AllInstitutions(_) => query.push(
            ",
       o.institution_id, i.short_name AS institution
FROM certificate_orders o
JOIN institutions i ON i.id = o.institution_id",
        ),
    };
    // Every condition below starts with AND, whichever come before it.
    query.push("\nWHERE TRUE");
    let institution = whose.institution();
    if let Some(id) = institution {
        query.push("\n  AND o.institution_id = ").push_bind(id);
    }
    if let Some(status) = filter.status_to_check() {
        query.push("\n  AND o.status = ").push_bind(status);
    }
    if let Some(product) = filter.product {
        query.push("\n  AND o.product = ").push_bind(product);
    }
    if let Some(person) = &filter.person {
        query
            .push("\n  AND EXISTS (SELECT 1 FROM order_emails p WHERE p.order_id = o.id AND p.email = lower(")
            .push_bind(person.clone())
            .push("))");
    }
    if let Some(search) = &filter.search {
        push_search(&mut query, search, institution);
    }
    match filter.expiring_before {
        Some(before) => push_ending_between(&mut query, now, before, after),
        None => {
            if let Some(cursor) = after {
                query
                    .push("\n  AND (o.created_at, o.id) < (")
                    .push_bind(cursor.at)
                    .push(", ")
                    .push_bind(cursor.id)
                    .push(")");
            }
        }
    }
    query.push(filter.order().order_by()).push("\nLIMIT ");
    if planned_with_values(filter) {
        query.push_bind(limit);
    } else {
        query.push(limit);
    }
    query
}

/// Adds the expiring-soon list's condition: issued certificates that end after `now`, or
/// after where the previous page ended, and by `before`. The status is written out, so
/// that the issued orders' indexes by their end (migration 20261213010000) answer the
/// whole condition in the list's order.
///
/// The start is a row comparison, not `o.not_after > $n`: PostgreSQL reads that pair of
/// bounds on one column as a range and guesses, without the dates, that 1 issued order in
/// 200 lies in it, so its generic plan read every match of a wide window and sorted them
/// (603 orders for a page of 50, `tests/it/plans.rs`). It guesses a row comparison and
/// the end apart, a third each, so every plan walks the index from the start and stops
/// after a page, and the statement may keep a generic plan.
fn push_ending_between(
    query: &mut QueryBuilder<'static, Postgres>,
    now: OffsetDateTime,
    before: OffsetDateTime,
    after: Option<Cursor>,
) {
    // Every order listed ends after `now`; a cursor from before that (a page kept open
    // while certificates ended) starts the list again from now.
    let (from, id) = match after {
        Some(cursor) if cursor.at > now => (cursor.at, cursor.id),
        _ => (now, OrderId::from(uuid::Uuid::max())),
    };
    query
        .push("\n  AND o.status = 'issued' AND (o.not_after, o.id) > (")
        .push_bind(from)
        .push(", ")
        .push_bind(id)
        .push(") AND o.not_after <= ")
        .push_bind(before);
}

/// Adds the condition of `search`, within `institution` when there is one.
fn push_search(
    query: &mut QueryBuilder<'static, Postgres>,
    search: &OrderSearch,
    institution: Option<InstitutionId>,
) {
    match search {
        // `search_text` holds the names and addresses in lower case, under a trigram index.
        OrderSearch::Text(text) => {
            query
                .push("\n  AND o.search_text LIKE lower(")
                .push_bind(super::like_pattern(text))
                .push(")");
        }
        // An address whose local part ends with the piece before the '@' (its reverse
        // starts with it) and whose domain starts with the piece after it, in the
        // institution when there is one, all read from `order_emails_local_end_idx` alone.
        OrderSearch::Address {
            local_end,
            domain_start,
        } => {
            let reversed: String = local_end.chars().rev().collect();
            query
                .push("\n  AND o.id IN (SELECT m.order_id FROM order_emails m")
                .push("\n                 WHERE reverse(split_part(m.email, '@', 1)) LIKE lower(")
                .push_bind(super::like_prefix(&reversed))
                .push(")\n                   AND split_part(m.email, '@', 2) LIKE lower(")
                .push_bind(super::like_prefix(domain_start))
                .push(")");
            if let Some(id) = institution {
                query
                    .push("\n                   AND m.institution_id = ")
                    .push_bind(id);
            }
            query.push(")");
        }
    }
}

/// Whether the list's plan depends on how common a value of its filter is, so that it must
/// be planned with the values every time. PostgreSQL may settle on a prepared statement's
/// generic plan after five runs, planned without the values, and keep it for every value
/// after. A search's plan depends on its term: a rare one reads its index and sorts the
/// few, a common one walks the list until a page is full. So does a status's or a
/// product's: a generic plan that walks staff's list of every order for a common status
/// walks all of it for a rare one (15,000 orders read for a page at 20,000). The
/// expiring-soon list's does not: it reads the issued orders' index by their end from
/// now on, whatever the window.
pub fn planned_with_values(filter: &OrderFilter) -> bool {
    filter.status_to_check().is_some() || filter.product.is_some() || filter.search.is_some()
}

/// Whether the list's statement is kept prepared. A search's is not: without the term,
/// PostgreSQL guesses that few orders match, so its generic plan reads every match and
/// sorts them, and looks cheaper than any plan made with the values even with the LIMIT
/// bound. It was chosen after five runs (`tests/it/plans.rs`), and a common term then read
/// every match for a page of 50.
pub fn kept_prepared(filter: &OrderFilter) -> bool {
    filter.search.is_none()
}

/// The order of a list's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// The newest orders first, by (`created_at`, `id`).
    Newest,
    /// The certificates that end first, by (`not_after`, `id`): the expiring-soon list,
    /// where what an admin renews next comes at the top.
    EndingFirst,
}

impl ListOrder {
    fn order_by(self) -> &'static str {
        match self {
            Self::Newest => "\nORDER BY o.created_at DESC, o.id DESC",
            Self::EndingFirst => "\nORDER BY o.not_after, o.id",
        }
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
    pub search: Option<OrderSearch>,
}

impl OrderFilter {
    /// The status the list's statement must check: none when the filter asks for issued
    /// orders expiring soon, whose condition names the status already (`status=issued`
    /// beside `expiring=1` is how the API's example asks for them).
    fn status_to_check(&self) -> Option<OrderStatus> {
        match self.status {
            Some(OrderStatus::Issued) if self.expiring_before.is_some() => None,
            status => status,
        }
    }

    /// The order of the list this filter selects.
    pub fn order(&self) -> ListOrder {
        if self.expiring_before.is_some() {
            ListOrder::EndingFirst
        } else {
            ListOrder::Newest
        }
    }
}

/// Where the previous page ended: its last order's moment in the list's order (when it
/// was placed, or when its certificate ends) and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: OffsetDateTime,
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
    /// Where a page that ends with this order ends, in a list of `order`.
    pub fn cursor(&self, order: ListOrder) -> Cursor {
        let at = match order {
            ListOrder::Newest => self.created_at,
            // Every order of that list has an end: its condition asks for one.
            ListOrder::EndingFirst => self.not_after.unwrap_or(self.created_at),
        };
        Cursor { at, id: self.id }
    }
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
    let whose = Whose::Institution(scope.institution_id());
    list_query(whose, filter, after, now, limit)
        .build_query_as::<OrderLine>()
        .persistent(kept_prepared(filter))
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
    list_query(
        Whose::AllInstitutions(institution),
        filter,
        after,
        now,
        limit,
    )
    .build_query_as::<InstitutionOrderLine>()
    .persistent(kept_prepared(filter))
    .fetch_all(pool)
    .await
}
