//! AMRES staff's list of every institution's orders: who ordered what, across
//! institutions, narrowed to one or searched, and the same as CSV.
use reqwest::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

use super::list::seed_in;
use super::{etf, order};
use crate::helpers::{TestApp, html_unescape};
use crate::tenancy::TwoInstitutions;

/// One order of the other institution, for an address in a domain staff give it.
async fn order_of_b(app: &TestApp, world: &TwoInstitutions) -> Uuid {
    let added = world
        .staff
        .client
        .post_form(
            &format!("/institutions/{}/domains", world.b),
            &[("name", "pmf.bg.ac.rs")],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    seed_in(app, world.b, "pmf.bg.ac.rs", 1).await;
    sqlx::query_scalar("SELECT id FROM certificate_orders WHERE institution_id = $1")
        .bind(world.b)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn short_name(app: &TestApp, institution: Uuid) -> String {
    sqlx::query_scalar("SELECT short_name FROM institutions WHERE id = $1")
        .bind(institution)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn linked(body: &str, institution: Uuid, order: Uuid) -> bool {
    body.contains(&format!(
        "href=\"/institutions/{institution}/orders/{order}\""
    ))
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn staff_see_every_institutions_orders_and_can_narrow_to_one(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let petar = order(&world.admin_a.client, world.a, "petar@etf.bg.ac.rs").await;
    let osoba = order_of_b(&app, &world).await;

    let all = world.staff.client.get("/staff/orders").await;
    all.assert_ok();
    let body = html_unescape(&all.body);
    assert!(linked(&body, world.a, petar), "{body}");
    assert!(linked(&body, world.b, osoba), "{body}");
    assert!(body.contains(&format!("<td>{}</td>", short_name(&app, world.a).await)));
    assert!(body.contains(&format!("<td>{}</td>", short_name(&app, world.b).await)));

    // Narrowed to one institution, named by short name (any case), slug or id.
    let b_slug: String = sqlx::query_scalar("SELECT slug FROM institutions WHERE id = $1")
        .bind(world.b)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let b_name = short_name(&app, world.b).await.to_lowercase();
    for named in [b_name, b_slug, world.b.to_string()] {
        let only_b = world
            .staff
            .client
            .get(&format!("/staff/orders?institution={named}"))
            .await;
        only_b.assert_ok();
        let body = html_unescape(&only_b.body);
        assert!(linked(&body, world.b, osoba), "{named}");
        assert!(!linked(&body, world.a, petar), "{named}");
    }

    let searched = world.staff.client.get("/staff/orders?q=petar%40").await;
    let body = html_unescape(&searched.body);
    assert!(linked(&body, world.a, petar));
    assert!(!linked(&body, world.b, osoba));
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_broken_institution_filter_is_a_400_with_its_message(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let page = world
        .staff
        .client
        .get("/staff/orders?institution=nowhere")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("Unknown institution in the filter."));
    let csv = world
        .staff
        .client
        .get("/staff/orders.csv?institution=nowhere")
        .await;
    assert_eq!(csv.status, StatusCode::BAD_REQUEST);
    // Two institutions under one short name: the slug tells them apart.
    sqlx::query("UPDATE institutions SET short_name = 'FAK'")
        .execute(&app.pool)
        .await
        .unwrap();
    let page = world
        .staff
        .client
        .get("/staff/orders?institution=fak")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.body.contains("Use the slug."), "{}", page.body);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_staff_csv_names_each_orders_institution_first(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = etf(&app).await;
    let petar = order(&world.admin_a.client, world.a, "petar@etf.bg.ac.rs").await;
    let osoba = order_of_b(&app, &world).await;
    let csv = world.staff.client.get("/staff/orders.csv").await;
    csv.assert_ok();
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    let mut lines = csv.body.lines();
    assert!(lines.next().unwrap().starts_with("institution,order_id,"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2);
    for (institution, id) in [(world.a, petar), (world.b, osoba)] {
        let name = short_name(&app, institution).await;
        assert!(
            rows.iter()
                .any(|row| row.starts_with(&format!("{name},{id},"))),
            "{rows:?}"
        );
    }
}
