//! Each page a person uses all day costs at most three SQL statements (issue 16 §2): the
//! session, its account and the membership in one, and the page's own figures in one or
//! two. Counted as sqlx reports each statement it runs (a `sqlx::query` event); the test
//! runtime is single-threaded, so the server's statements are seen from the test.
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::PgPool;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};

use crate::helpers::{TestApp, TestClient};
use crate::orders::list::seed_in;
use crate::orders::{DOMAIN, etf};

/// At most this many statements per page.
const MOST: usize = 3;

struct Counter(Arc<AtomicUsize>);

impl<S: Subscriber> Layer<S> for Counter {
    fn on_event(&self, _event: &tracing::Event<'_>, _context: Context<'_, S>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// What `work` returns, and how many statements ran on this thread meanwhile.
async fn counted<T>(work: impl Future<Output = T>) -> (T, usize) {
    let count = Arc::new(AtomicUsize::new(0));
    let only_statements = Targets::new().with_target("sqlx::query", tracing::Level::TRACE);
    let subscriber =
        tracing_subscriber::registry().with(Counter(count.clone()).with_filter(only_statements));
    let guard = tracing::subscriber::set_default(subscriber);
    // Other tests set and drop subscribers of their own at the same time (and the CLI's tests
    // the global one), and each callsite caches whether any subscriber wants it: recomputed
    // now, with this one registered, sqlx's statement events cannot be left switched off by
    // a cache computed without it (one CI run counted 0 statements for a page).
    tracing::callsite::rebuild_interest_cache();
    let out = work.await;
    drop(guard);
    (out, count.load(Ordering::Relaxed))
}

/// Opens `path` twice (the first visit may write the session) and counts the second.
async fn statements_of_page(client: &TestClient, path: &str) -> usize {
    client.get(path).await.assert_ok();
    let (page, statements) = counted(client.get(path)).await;
    page.assert_ok();
    statements
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_staff_overview_the_institution_dashboard_and_the_orders_list_each_take_at_most_three_statements(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed_in(&app, world.a, DOMAIN, 200).await;
    let pages = [
        (&world.staff.client, "/staff".to_owned()),
        (&world.admin_a.client, format!("/institutions/{}", world.a)),
        (&world.staff.client, format!("/institutions/{}", world.a)),
        (
            &world.admin_a.client,
            format!("/institutions/{}/orders", world.a),
        ),
        (
            &world.admin_a.client,
            format!("/institutions/{}/orders?q=osoba42", world.a),
        ),
        (
            &world.admin_a.client,
            format!("/institutions/{}/orders?q=osoba42%40", world.a),
        ),
        (&world.staff.client, "/staff/orders?q=osoba42%40".to_owned()),
        (&world.staff.client, "/staff/institutions?q=etf".to_owned()),
    ];
    for (client, path) in pages {
        let statements = statements_of_page(client, &path).await;
        assert!(
            (1..=MOST).contains(&statements),
            "{path} ran {statements} statements"
        );
    }
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_account_page_authenticates_in_one_statement_and_reads_one_more(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    // One for the session with its account, its epoch and its memberships (the header's
    // switcher), one for the account's federated identities the page lists.
    let statements = statements_of_page(&world.admin_a.client, "/account").await;
    assert_eq!(
        statements, 2,
        "the account page ran {statements} statements"
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_dashboard_seen_a_moment_ago_costs_one_statement(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed_in(&app, world.a, DOMAIN, 20).await;
    // Once the session's reading and the dashboard are kept, a view only verifies both, in
    // one statement: the session's, its account's, the institution's and the figures'
    // versions.
    let dashboards = [
        (&world.staff.client, "/staff".to_owned()),
        (&world.admin_a.client, format!("/institutions/{}", world.a)),
    ];
    for (client, path) in dashboards {
        statements_of_page(client, &path).await;
        let statements = statements_of_page(client, &path).await;
        assert_eq!(statements, 1, "{path} ran {statements} statements");
    }
}
