//! The orders list over the API: the page's filters with the page's answers, keyset
//! pages that walk the list once, and bad queries answered with field errors.
use std::collections::BTreeSet;

use clock::Clock;
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::{call, get, orders_path, placed, token};
use crate::helpers::TestApp;
use crate::orders::etf;
use crate::orders::list::{ids, list, seed};

fn order_ids(page: &Value) -> Vec<Uuid> {
    page["orders"]
        .as_array()
        .unwrap_or_else(|| panic!("no orders: {page}"))
        .iter()
        .map(|order| Uuid::parse_str(order["id"].as_str().unwrap()).unwrap())
        .collect()
}

/// Every order the API lists for `query`, page by page through `next`.
async fn walk(app: &TestApp, token: &str, first: String) -> Vec<Uuid> {
    let mut seen = Vec::new();
    let mut next = Some(first);
    while let Some(path) = next {
        let page = get(app, token, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
        let page = page.json();
        seen.extend(order_ids(&page));
        next = page["next"].as_str().map(str::to_owned);
    }
    seen
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn pages_walk_the_whole_list_once_even_when_orders_arrive_between_pages(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", "orders:read,orders:write");
    seed(&app, world.a, 95).await;
    // The portal's clock past every seeded order, so that what the API places is newer.
    let seeded: time::OffsetDateTime =
        sqlx::query_scalar("SELECT max(created_at) FROM certificate_orders")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let behind = seeded - app.clock.now();
    if behind.is_positive() {
        app.clock.advance(behind);
    }
    app.clock.advance(time::Duration::seconds(1));
    let newest = placed(&app, &token, world.a, "petar@etf.bg.ac.rs").await;
    let all: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM certificate_orders WHERE institution_id = $1
         ORDER BY created_at DESC, id DESC",
    )
    .bind(world.a)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(all.len(), 96);

    let mut seen = Vec::new();
    let mut path = format!("{}?limit=10", orders_path(world.a));
    let mut arrived = Vec::new();
    loop {
        let page = get(&app, &token, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let page = page.json();
        let ids = order_ids(&page);
        assert!(ids.len() <= 10);
        seen.extend(ids);
        // A new order between every two pages, a moment later than all the others.
        app.clock.advance(time::Duration::seconds(1));
        let email = format!("nov{}@etf.bg.ac.rs", arrived.len());
        arrived.push(placed(&app, &token, world.a, &email).await);
        match page["next"].as_str() {
            Some(next) => {
                assert_eq!(
                    next,
                    format!(
                        "{}?cursor={}&limit=10",
                        orders_path(world.a),
                        page["next_cursor"].as_str().unwrap()
                    )
                );
                path = next.to_owned();
            }
            None => {
                assert_eq!(page["next_cursor"], Value::Null);
                break;
            }
        }
    }
    assert_eq!(seen, all, "every order once, newest first, none skipped");
    assert_eq!(seen[0], newest);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 96);
    assert!(
        arrived.iter().all(|new| !seen.contains(new)),
        "orders placed after the first page sort before it"
    );
    // The default page is the list page's: 50.
    let first = get(&app, &token, &orders_path(world.a)).await.json();
    assert_eq!(order_ids(&first).len(), 50);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_filters_select_what_the_orders_page_selects(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", "orders:read,orders:write");
    seed(&app, world.a, 40).await;
    placed(&app, &token, world.a, "petar.petrovic@etf.bg.ac.rs").await;
    for query in [
        "",
        "status=issued",
        "product=client_premium",
        "product=client_premium&status=revoked",
        "expiring=1",
        "q=OSOBA7",
        "q=Petrovi",
        "q=%25",
        "person=PETAR.PETROVIC%40etf.bg.ac.rs",
        "status=awaiting_person&q=broj1",
    ] {
        let (status, page) = list(&world.admin_a.client, world.a, query).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let api = walk(&app, &token, format!("{}?{query}", orders_path(world.a))).await;
        assert_eq!(api, ids(&page, world.a), "{query}");
    }
    // Another institution's token lists nothing of A's, and A's list is not its to read.
    let theirs = token_of_b(&app).await;
    get(&app, &theirs, &orders_path(world.a))
        .await
        .problem(StatusCode::NOT_FOUND, "not-found");
    let own = get(&app, &theirs, &orders_path(world.b)).await.json();
    assert!(order_ids(&own).is_empty());
}

async fn token_of_b(app: &TestApp) -> String {
    token(app, "pmf-ns", "orders:read")
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn bad_filters_cursors_and_limits_are_field_errors_and_never_a_server_error(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let token = token(&app, "etf-bg", "orders:read");
    let path = orders_path(world.a);
    let forged_cursor = data_encoding::BASE64URL_NOPAD.encode(b"12.not-a-uuid");
    for (query, field) in [
        ("status=lost", "status"),
        ("product=client_gold", "product"),
        ("expiring=yes", "expiring"),
        ("cursor=garbage", "cursor"),
        ("cursor=%E2%9C%93", "cursor"),
        (&*format!("cursor={forged_cursor}"), "cursor"),
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=1000000000000", "limit"),
        ("limit=99999999999999999999999999", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("offset=10", "query"),
        ("status=issued&status=revoked", "query"),
    ] {
        let answer = get(&app, &token, &format!("{path}?{query}")).await;
        let problem = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
        assert!(
            problem["errors"][field]
                .as_str()
                .is_some_and(|e| !e.is_empty()),
            "{query}: {problem}"
        );
    }
    // Several wrong at once: each named.
    let answer = get(&app, &token, &format!("{path}?status=x&product=y&limit=0")).await;
    let problem = answer.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
    for field in ["status", "product", "limit"] {
        assert!(problem["errors"][field].is_string(), "{field}: {problem}");
    }
    // In Serbian when asked.
    let serbian = call(
        &app,
        "GET",
        &format!("{path}?limit=0"),
        Some(&token),
        &[("accept-language", "sr")],
        None,
    )
    .await;
    let problem = serbian.problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid-input");
    assert!(
        problem["errors"]["limit"]
            .as_str()
            .unwrap()
            .contains("ceo broj")
    );
    // A NUL in a search or invalid UTF-8 is refused where requests enter.
    for query in ["q=a%00b", "q=%FF"] {
        let answer = get(&app, &token, &format!("{path}?{query}")).await;
        assert!(
            answer.status.is_client_error(),
            "{query}: {} {}",
            answer.status,
            answer.body
        );
        assert_eq!(answer.header("content-type"), super::PROBLEM);
    }
    // The largest page is allowed.
    let largest = get(&app, &token, &format!("{path}?limit=200")).await;
    assert_eq!(largest.status, StatusCode::OK, "{}", largest.body);
}
