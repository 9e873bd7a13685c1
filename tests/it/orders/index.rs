//! The list queries at 100,000 orders in one institution walk indexes, never
//! the whole table, whatever the filters: the admins' list, and staff's list
//! of every institution (narrowed to one or not). Plans only; no timing.
use clock::{Clock, SystemClock};
use sqlx::PgPool;
use sqlx::postgres::PgArguments;
use tcs_portal::db::order_list::{
    ALL_INSTITUTIONS_SQL, Cursor, LIST_SQL, OrderFilter, list_arguments,
};
use tcs_portal::domain::{InstitutionId, OrderStatus, Product};
use time::Duration;
use uuid::Uuid;

use super::etf;
use super::list::seed;
use crate::helpers::TestApp;

async fn plan(pool: &PgPool, sql: &str, args: PgArguments) -> String {
    let rows: Vec<String> = sqlx::query_scalar_with(&format!("EXPLAIN {sql}"), args)
        .fetch_all(pool)
        .await
        .unwrap();
    rows.join("\n")
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_list_uses_an_index_at_100_000_orders(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed(&app, world.a, 100_000).await;
    sqlx::query("ANALYZE certificate_orders")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("ANALYZE order_emails")
        .execute(&app.pool)
        .await
        .unwrap();
    let now = SystemClock.now();
    let cursor = Cursor {
        created_at: now - Duration::days(30),
        id: Uuid::new_v4().into(),
    };
    let text = |value: &str| Some(value.to_owned());
    let cases: Vec<(&str, OrderFilter, Option<Cursor>)> = vec![
        ("first page", OrderFilter::default(), None),
        ("a later page", OrderFilter::default(), Some(cursor)),
        (
            "search",
            OrderFilter {
                search: text("osoba4242@"),
                ..OrderFilter::default()
            },
            None,
        ),
        (
            "status and product",
            OrderFilter {
                status: Some(OrderStatus::Revoked),
                product: Some(Product::ClientPremium),
                ..OrderFilter::default()
            },
            Some(cursor),
        ),
        (
            "expiring soon",
            OrderFilter {
                expiring_before: Some(now + Duration::days(30)),
                ..OrderFilter::default()
            },
            None,
        ),
        (
            "one person",
            OrderFilter {
                person: text("osoba77@etf.bg.ac.rs"),
                ..OrderFilter::default()
            },
            None,
        ),
    ];
    let lists = [
        ("the admins' list", LIST_SQL, Some(world.a)),
        ("staff's list", ALL_INSTITUTIONS_SQL, None),
        (
            "staff's list of one institution",
            ALL_INSTITUTIONS_SQL,
            Some(world.a),
        ),
    ];
    for (list, sql, institution) in lists {
        for (what, filter, after) in &cases {
            let args = list_arguments(
                institution.map(InstitutionId::from),
                filter,
                *after,
                now,
                50,
            )
            .unwrap();
            let plan = plan(&app.pool, sql, args).await;
            assert!(
                !plan.contains("Seq Scan on certificate_orders"),
                "{list}, {what}: scans the table:\n{plan}"
            );
            assert!(
                plan.contains("Index"),
                "{list}, {what}: uses no index:\n{plan}"
            );
        }
    }
}
