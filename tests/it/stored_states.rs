//! The states the code knows and the states the database allows are the same lists:
//! a state added on one side only fails here, not in production.
use std::collections::BTreeSet;

use sqlx::PgPool;
use tcs_portal::domain::{AccountStatus, OrderStatus, Product, ValidationStatus};

/// The words a CHECK constraint of `table` on `column` allows (`column IN ('a', 'b')`).
async fn allowed(pool: &PgPool, table: &str, column: &str) -> BTreeSet<String> {
    let definitions: Vec<String> = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
         WHERE c.conrelid = $1::regclass AND c.contype = 'c'",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .unwrap();
    let mentions = format!("({column} ");
    let ours: Vec<&String> = definitions
        .iter()
        .filter(|definition| definition.contains(&mentions))
        .collect();
    assert_eq!(
        ours.len(),
        1,
        "one CHECK on {table}.{column}: {definitions:?}"
    );
    // Every other piece between single quotes is one allowed word.
    ours[0]
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn words(states: impl IntoIterator<Item = &'static str>) -> BTreeSet<String> {
    states.into_iter().map(str::to_owned).collect()
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_database_allows_exactly_the_order_states_the_code_knows(pool: PgPool) {
    assert_eq!(
        allowed(&pool, "certificate_orders", "status").await,
        words(OrderStatus::ALL.map(OrderStatus::as_str))
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_database_allows_exactly_the_validation_states_the_code_knows(pool: PgPool) {
    let known = ValidationStatus::ALL;
    // A domain without a validation is `none`; an organization not yet known, `unknown`.
    let of_domains = known
        .into_iter()
        .filter(|s| *s != ValidationStatus::Unknown);
    let of_organizations = known.into_iter().filter(|s| *s != ValidationStatus::None);
    assert_eq!(
        allowed(&pool, "domains", "validation_status").await,
        words(of_domains.map(ValidationStatus::as_str))
    );
    assert_eq!(
        allowed(&pool, "institutions", "org_validation_status").await,
        words(of_organizations.map(ValidationStatus::as_str))
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_database_allows_exactly_the_account_states_the_code_knows(pool: PgPool) {
    assert_eq!(
        allowed(&pool, "accounts", "status").await,
        words(AccountStatus::ALL.map(AccountStatus::as_str))
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_database_allows_exactly_the_products_the_code_knows(pool: PgPool) {
    assert_eq!(
        allowed(&pool, "certificate_orders", "product").await,
        words(Product::ALL.map(Product::as_str))
    );
}
