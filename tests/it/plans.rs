//! At scale every statement behind the busy pages reads indexes, never a whole big table
//! (issue 16 §2): the orders list with every mix of filters (the admins' list, staff's
//! list of every institution, narrowed to one or not), both dashboards' statements, and
//! the staff institution search among 5,000 institutions (and their 10,000 domains, which
//! it counts for each match). Plans only; no timing.
//!
//! Seeded at 100,000 orders rather than the bench's 1,000,000: each plan here is an index
//! range, a keyset walk or a count-table read whose cost grows with what it returns, not
//! with the table, so the planner's choice is already the same at this size (the bench
//! runs the same statements at 1M), and seeding stays within seconds on a shared machine.
//! Each statement is planned twice: as its first executions are (with the values), and
//! as PostgreSQL may plan it for good after five (generic, values unknown); a search,
//! never kept prepared, only with its term.
use clock::{Clock, SystemClock};
use serde_json::Value;
use sqlx::postgres::PgArguments;
use sqlx::{Arguments, Execute, PgConnection, PgPool, Postgres, QueryBuilder};
use tcs_portal::db::dashboard::{
    FIGURES_SHOWN, INSTITUTION_CHARTS_SQL, INSTITUTION_SQL, STAFF_CHARTS_SQL, STAFF_SQL,
    chart_arguments, institution_page_arguments,
};
use tcs_portal::db::order_list::{
    Cursor, OrderFilter, Whose, kept_prepared, list_query, planned_with_values,
};
use tcs_portal::domain::{InstitutionId, OrderSearch, OrderStatus, Product};
use time::Duration;
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::orders::list::seed_in;
use crate::orders::{DOMAIN, etf};

const ORDERS: i32 = 100_000;
const INSTITUTIONS: i32 = 5_000;
/// The tables that grow with the orders.
const ORDER_TABLES: [&str; 2] = ["certificate_orders", "order_emails"];

/// Both ways PostgreSQL may plan a prepared statement: with its values, and generic.
const BOTH_WAYS: &[&str] = &["auto", "force_generic_plan"];

/// The tables as autovacuum leaves them: statistics, the visibility map set (so an index
/// can answer alone), and the GIN indexes' pending lists merged (a trigram index still
/// holding the seed in its pending list looks dearer to the planner than reading the table).
async fn as_autovacuum_leaves_them(pool: &PgPool) {
    sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await.unwrap();
}

/// The binds of a list page's statement, as the list sends them.
fn binds(mut query: QueryBuilder<'static, Postgres>) -> PgArguments {
    query.build().take_arguments().unwrap().unwrap()
}

/// The relations a JSON plan reads sequentially.
fn seq_scans(plan: &Value, found: &mut Vec<String>) {
    if plan["Node Type"] == "Seq Scan" {
        found.push(plan["Relation Name"].as_str().unwrap_or("?").to_owned());
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        seq_scans(child, found);
    }
}

/// Plans `sql` with `args` both ways, and fails if either reads one of `tables` whole.
async fn assert_indexed(
    conn: &mut PgConnection,
    what: &str,
    sql: &str,
    args: impl Fn() -> PgArguments,
    tables: &[&str],
) {
    assert_planned_indexed(conn, what, sql, args, tables, BOTH_WAYS).await;
}

/// Plans `sql` with `args` in each of `modes` (`plan_cache_mode`), and fails if any plan
/// reads one of `tables` whole.
async fn assert_planned_indexed(
    conn: &mut PgConnection,
    what: &str,
    sql: &str,
    args: impl Fn() -> PgArguments,
    tables: &[&str],
    modes: &[&str],
) {
    for mode in modes {
        let plan = explain(conn, "FORMAT JSON", sql, args(), mode).await;
        let mut found = Vec::new();
        seq_scans(&plan[0]["Plan"], &mut found);
        let whole: Vec<&String> = found
            .iter()
            .filter(|table| tables.contains(&table.as_str()))
            .collect();
        assert!(
            whole.is_empty(),
            "{what} ({mode}) reads {whole:?} sequentially:\n{plan:#}"
        );
    }
}

/// The plan of `sql` with `args` as PostgreSQL makes it in `mode` (`plan_cache_mode`),
/// explained with `options`. An `EXPLAIN` of the statement with its binds plans it with
/// their values whatever the mode, so the statement is prepared by name and an `EXECUTE`
/// of it explained, which goes through the plan cache that the mode rules. `EXECUTE` takes
/// no binds inside `EXPLAIN`, so the values are written in as literals, and the statement
/// is prepared with the binds' types; the database quotes and names them from the binds.
async fn explain(
    conn: &mut PgConnection,
    options: &str,
    sql: &str,
    args: PgArguments,
    mode: &str,
) -> Value {
    let (prepare, execute) = if args.len() == 0 {
        (
            format!("PREPARE explained AS {sql}"),
            "EXECUTE explained".to_owned(),
        )
    } else {
        let each = |template: &str| {
            let each: Vec<String> = (1..=args.len())
                .map(|n| template.replace('N', &n.to_string()))
                .collect();
            each.join(", ")
        };
        let described = format!(
            "SELECT ARRAY[{}], ARRAY[{}]",
            each("quote_nullable($N)"),
            each("pg_typeof($N)::text")
        );
        // Not kept prepared: the next call may bind other types in the same places.
        let (values, types): (Vec<String>, Vec<String>) = sqlx::query_as_with(&described, args)
            .persistent(false)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        (
            format!("PREPARE explained({}) AS {sql}", types.join(", ")),
            format!("EXECUTE explained({})", values.join(", ")),
        )
    };
    sqlx::raw_sql(&format!("SET plan_cache_mode = {mode}; {prepare}"))
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan = sqlx::query_scalar(&format!("EXPLAIN ({options}) {execute}"))
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    sqlx::raw_sql("DEALLOCATE explained")
        .execute(&mut *conn)
        .await
        .unwrap();
    plan
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn every_list_filter_both_dashboards_and_the_institution_search_read_indexes_at_scale(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    // The bench's bulk seed: the count trigger off, the orders, the counts once.
    let (before, after) = include_str!("../../bench/seed_bulk.sql")
        .split_once("-- SEED HERE")
        .unwrap();
    sqlx::raw_sql(before).execute(&app.pool).await.unwrap();
    seed_in(&app, world.a, DOMAIN, ORDERS).await;
    sqlx::raw_sql(after).execute(&app.pool).await.unwrap();
    sqlx::query(include_str!("../../bench/seed_institutions.sql"))
        .bind(INSTITUTIONS)
        .execute(&app.pool)
        .await
        .unwrap();
    as_autovacuum_leaves_them(&app.pool).await;
    let mut conn = app.pool.acquire().await.unwrap();
    let now = SystemClock.now();

    let cursor = Cursor {
        at: now - Duration::days(30),
        id: Uuid::new_v4().into(),
    };
    // Where a page of the expiring-soon list, which follows the certificates' end, ended.
    let ending_cursor = Cursor {
        at: now + Duration::days(10),
        id: Uuid::new_v4().into(),
    };
    let text = |value: &str| Some(value.to_owned());
    let filters: Vec<(&str, OrderFilter, Option<Cursor>)> = vec![
        ("first page", OrderFilter::default(), None),
        ("a later page", OrderFilter::default(), Some(cursor)),
        (
            "search",
            OrderFilter {
                search: OrderSearch::parse("osoba4242@"),
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
            "expiring soon, a later page",
            OrderFilter {
                expiring_before: Some(now + Duration::days(30)),
                ..OrderFilter::default()
            },
            Some(ending_cursor),
        ),
        (
            "issued and expiring soon",
            OrderFilter {
                status: Some(OrderStatus::Issued),
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
        (
            "search of a domain",
            OrderFilter {
                search: OrderSearch::parse(&format!("@{DOMAIN}")),
                ..OrderFilter::default()
            },
            Some(cursor),
        ),
        (
            "search of an address's end and status",
            OrderFilter {
                status: Some(OrderStatus::Issued),
                search: OrderSearch::parse("a42@"),
                ..OrderFilter::default()
            },
            None,
        ),
        (
            "search and status",
            OrderFilter {
                status: Some(OrderStatus::Issued),
                search: OrderSearch::parse("broj42"),
                ..OrderFilter::default()
            },
            Some(cursor),
        ),
    ];
    let a = Some(InstitutionId::from(world.a));
    let lists = [
        ("the admins' list", Whose::Institution(world.a.into())),
        ("staff's list", Whose::AllInstitutions(None)),
        ("staff's list of one institution", Whose::AllInstitutions(a)),
    ];
    for (list, whose) in lists {
        for (what, filter, after) in &filters {
            let query = || list_query(whose, filter, *after, now, 50);
            let sql = query().into_sql();
            let args = || binds(query());
            // A search is never kept prepared, so it is only ever planned with its term.
            // A list planned with its values is never planned otherwise (the test below).
            let modes: &[&str] = if planned_with_values(filter) {
                &["force_custom_plan"]
            } else {
                BOTH_WAYS
            };
            assert_planned_indexed(
                &mut conn,
                &format!("{list}, {what}"),
                &sql,
                args,
                &ORDER_TABLES,
                modes,
            )
            .await;
        }
    }

    let first_week = tcs_portal::services::dashboard::first_week(now);
    let charts = [
        ("staff's charts", STAFF_CHARTS_SQL, None),
        ("an institution's charts", INSTITUTION_CHARTS_SQL, a),
    ];
    for (what, sql, institution) in charts {
        let args = || chart_arguments(institution, first_week, now).unwrap();
        assert_indexed(&mut conn, what, sql, args, &ORDER_TABLES).await;
    }
    for sort in ["name", "live", "month", "share", "activity"] {
        let args = || {
            let mut args = chart_arguments(None, first_week, now).unwrap();
            args.add(sort).unwrap();
            args.add(FIGURES_SHOWN).unwrap();
            args
        };
        let what = format!("the staff overview by {sort}");
        assert_indexed(&mut conn, &what, STAFF_SQL, args, &ORDER_TABLES).await;
    }
    let args = || institution_page_arguments(world.a.into()).unwrap();
    let dashboard = "the institution dashboard";
    assert_indexed(&mut conn, dashboard, INSTITUTION_SQL, args, &ORDER_TABLES).await;

    let search = include_str!("../../queries/institutions/search.sql");
    for term in ["ustanova 04242", "inst-4242", "10042422"] {
        let args = || {
            let mut args = PgArguments::default();
            args.add(tcs_portal::db::like_pattern(term)).unwrap();
            args.add(term).unwrap();
            args.add(None::<String>).unwrap();
            args.add(None::<String>).unwrap();
            args.add(None::<Uuid>).unwrap();
            args.add(50_i64).unwrap();
            args
        };
        let what = format!("the institution search for {term}");
        assert_indexed(&mut conn, &what, search, args, &["institutions", "domains"]).await;
    }
}

/// How PostgreSQL plans a list's statement once it has run it more than five times on a
/// connection: with its values when they matter (`planned_with_values`), otherwise with
/// the generic plan it then keeps (`a_filtered_list_is_planned_with_its_values_on_every_run`
/// checks both).
fn settled_plan_mode(filter: &OrderFilter) -> &'static str {
    if planned_with_values(filter) {
        "force_custom_plan"
    } else {
        "force_generic_plan"
    }
}

/// How often PostgreSQL planned `sql`, prepared on `conn`: (generic, with the values).
/// None when `sql` is not kept prepared there.
async fn plans_made(conn: &mut PgConnection, sql: &str) -> Option<(i64, i64)> {
    sqlx::query_as(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1",
    )
    .bind(sql)
    .fetch_optional(&mut *conn)
    .await
    .unwrap()
}

/// Every view of an institution's dashboard runs its statement. PostgreSQL plans a
/// prepared statement with its values for its first five runs and then keeps a generic
/// plan, unless that plan looks dearer: with the LIMITs bound it always did, and every
/// view planned the statement anew (two thirds of its cost at scale).
#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_institution_dashboards_statement_is_planned_once_per_connection_not_on_every_view(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed_in(&app, world.a, DOMAIN, 20_000).await;
    as_autovacuum_leaves_them(&app.pool).await;
    let mut conn = app.pool.acquire().await.unwrap();
    let views = 10;
    for _ in 0..views {
        sqlx::query_with(
            INSTITUTION_SQL,
            institution_page_arguments(world.a.into()).unwrap(),
        )
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    let (generic, custom) = plans_made(&mut conn, INSTITUTION_SQL).await.unwrap();
    assert_eq!(generic + custom, views);
    assert!(
        custom <= 5 && generic >= views - 5,
        "the dashboard's statement was planned with its values {custom} times in {views} views"
    );

    // The same statement with its LIMITs bound, as it was: planned on every run.
    let bound = INSTITUTION_SQL.replace("LIMIT 10", "LIMIT $2");
    for _ in 0..views {
        let mut args = institution_page_arguments(world.a.into()).unwrap();
        args.add(10_i64).unwrap();
        sqlx::query_with(&bound, args)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    assert_eq!(plans_made(&mut conn, &bound).await, Some((0, views)));
}

/// The plan nodes, depth first, that read `relation`.
fn nodes_reading<'a>(plan: &'a Value, relation: &str, found: &mut Vec<&'a Value>) {
    if plan["Relation Name"] == relation {
        found.push(plan);
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        nodes_reading(child, relation, found);
    }
}

/// An admin's search for the end of an address finds its matches in the address index
/// alone and visits only its own institution's orders, though another institution's
/// addresses end the same way (migration 20261211020000).
#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_admins_address_search_reads_the_index_alone_and_only_its_institutions_orders(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    sqlx::query("INSERT INTO domains (institution_id, name) VALUES ($1, 'fon.bg.ac.rs')")
        .bind(world.b)
        .execute(&app.pool)
        .await
        .unwrap();
    seed_in(&app, world.a, DOMAIN, 2_000).await;
    seed_in(&app, world.b, "fon.bg.ac.rs", 2_000).await;
    as_autovacuum_leaves_them(&app.pool).await;
    let filter = OrderFilter {
        search: OrderSearch::parse("42@"),
        ..OrderFilter::default()
    };
    let query = list_query(
        Whose::Institution(world.a.into()),
        &filter,
        None,
        SystemClock.now(),
        50,
    );
    let explain = format!("EXPLAIN (ANALYZE, FORMAT JSON) {}", query.sql());
    let plan: Value = sqlx::query_scalar_with(&explain, binds(query))
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let plan = &plan[0]["Plan"];
    let mut addresses = Vec::new();
    nodes_reading(plan, "order_emails", &mut addresses);
    assert_eq!(addresses.len(), 1, "{plan:#}");
    assert_eq!(addresses[0]["Node Type"], "Index Only Scan", "{plan:#}");
    assert_eq!(addresses[0]["Heap Fetches"], 0, "{plan:#}");
    // osoba42@, osoba142@ … osoba1942@: 20 in each institution.
    assert_eq!(plan["Actual Rows"], 20, "{plan:#}");
    let visited = orders_visited(plan);
    assert!(visited <= 20.0, "visited {visited} orders:\n{plan:#}");
}

/// How many orders an analysed plan read: each probe of `certificate_orders`, and each
/// order a scan read and dropped, is a visit.
fn orders_visited(plan: &Value) -> f64 {
    let mut orders = Vec::new();
    nodes_reading(plan, "certificate_orders", &mut orders);
    orders
        .iter()
        .map(|node| {
            let read = node["Actual Rows"].as_f64().unwrap()
                + node["Rows Removed by Filter"].as_f64().unwrap_or(0.0);
            node["Actual Loops"].as_f64().unwrap() * read.max(1.0)
        })
        .sum()
}

/// A list narrowed to a status, or to the certificates expiring soon, reads only the
/// orders it shows, in both lists, with the plan its statement settles on. The status
/// indexes (migration 20261212010000) hold each status's orders in the list's order, so
/// the walk skips the other statuses; the expiring-soon list reads the issued orders by
/// their end from now on (migration 20261213010000), so its generic plan stops after a
/// page whatever the window. The lists used to read every order down the list until the
/// page was full: here one order in 300 was rejected, and a tenth of the issued ones end
/// within 30 days, so 15,000 and 1,700 orders for a page of 50.
///
/// The expiring-soon list's first five runs on a connection are planned with the dates.
/// At this size PostgreSQL then guesses that fewer orders than a page end in the window
/// for staff's list (it counts the orders without an end twice, once per bound, and the
/// status apart), and reads the window's 600 orders and sorts them; the guess grows with
/// the table, past a page at the bench's million.
#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_list_narrowed_to_a_status_or_expiring_soon_reads_only_the_orders_it_shows(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed_in(&app, world.a, DOMAIN, 20_000).await;
    sqlx::raw_sql(
        "UPDATE certificate_orders o SET status = 'rejected'
         FROM (SELECT id, row_number() OVER (ORDER BY created_at DESC, id DESC) AS place
               FROM certificate_orders) listed
         WHERE listed.id = o.id AND listed.place % 300 = 0",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    as_autovacuum_leaves_them(&app.pool).await;
    let now = SystemClock.now();
    let rejected = OrderFilter {
        status: Some(OrderStatus::Rejected),
        ..OrderFilter::default()
    };
    let expiring = OrderFilter {
        expiring_before: Some(now + Duration::days(30)),
        ..OrderFilter::default()
    };
    // A window no certificate ends in (the seed's issued certificates end 4, 5, 6, 14 …
    // days after it): a walk in another order would read the whole list to find none.
    let empty_window = OrderFilter {
        expiring_before: Some(now + Duration::days(3)),
        ..OrderFilter::default()
    };
    let narrowed = [
        ("rejected", &rejected, 50),
        ("expiring soon", &expiring, 50),
        ("a window nothing ends in", &empty_window, 0),
    ];
    let lists = [
        ("the admins' list", Whose::Institution(world.a.into())),
        ("staff's list", Whose::AllInstitutions(None)),
    ];
    let mut conn = app.pool.acquire().await.unwrap();
    for (list, whose) in lists {
        for (what, filter, shown) in narrowed {
            let query = || list_query(whose, filter, None, now, 50);
            let sql = query().into_sql();
            let mode = settled_plan_mode(filter);
            let options = "ANALYZE, FORMAT JSON";
            let plan = explain(&mut conn, options, &sql, binds(query()), mode).await;
            let plan = &plan[0]["Plan"];
            assert_eq!(
                plan["Actual Rows"], shown,
                "{list}, {what} ({mode}): {plan:#}"
            );
            // A scan that finds nothing counts as one visit.
            let visited = orders_visited(plan);
            assert!(
                visited <= f64::from(shown.max(1)),
                "{list}, {what} ({mode}): visited {visited} orders:\n{plan:#}"
            );
        }
    }
}

/// A list narrowed by status or product is planned with its values on every run, though
/// its statement is kept prepared (the expiring-soon list's, which needs no values, keeps
/// its generic plan after five): its LIMIT is bound, so PostgreSQL never finds a generic
/// plan cheaper. A generic plan made for one value would be kept for every other, and walk
/// the whole list for a rare status. A search's statement, whose generic plan looks cheap
/// even so, is not kept at all.
#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_filtered_list_is_planned_with_its_values_on_every_run(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    seed_in(&app, world.a, DOMAIN, 20_000).await;
    as_autovacuum_leaves_them(&app.pool).await;
    let now = SystemClock.now();
    let filters = [
        OrderFilter {
            status: Some(OrderStatus::Revoked),
            ..OrderFilter::default()
        },
        OrderFilter {
            product: Some(Product::ClientPremium),
            ..OrderFilter::default()
        },
        OrderFilter {
            status: Some(OrderStatus::Issued),
            product: Some(Product::ClientPremium),
            ..OrderFilter::default()
        },
        OrderFilter {
            search: OrderSearch::parse("broj42"),
            ..OrderFilter::default()
        },
        OrderFilter {
            search: OrderSearch::parse("osoba42@"),
            ..OrderFilter::default()
        },
    ];
    let lists = [
        Whose::Institution(world.a.into()),
        Whose::AllInstitutions(None),
    ];
    let mut conn = app.pool.acquire().await.unwrap();
    let runs = 10;
    for whose in lists {
        // The expiring-soon list needs no values: it settles on its generic plan.
        let expiring = OrderFilter {
            expiring_before: Some(now + Duration::days(30)),
            ..OrderFilter::default()
        };
        let query = || list_query(whose, &expiring, None, now, 50);
        for _ in 0..runs {
            let mut query = query();
            let statement = query.build().persistent(kept_prepared(&expiring));
            statement.execute(&mut *conn).await.unwrap();
        }
        let plans = plans_made(&mut conn, &query().into_sql()).await;
        assert_eq!(plans, Some((5, 5)), "{whose:?}, expiring soon");
        for filter in &filters {
            let query = || list_query(whose, filter, None, now, 50);
            for _ in 0..runs {
                let mut query = query();
                let statement = query.build().persistent(kept_prepared(filter));
                statement.execute(&mut *conn).await.unwrap();
            }
            let sql = query().into_sql();
            let plans = plans_made(&mut conn, &sql).await;
            let expected = kept_prepared(filter).then_some((0, runs));
            assert_eq!(
                plans, expected,
                "{whose:?}, {filter:?}: (generic, with values)"
            );
        }
    }
}
