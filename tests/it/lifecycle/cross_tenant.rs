//! One institution's admin can neither see nor undo another institution's departures:
//! the ids of B's departures answer 404 to A's admin, whichever institution the path
//! names, and nothing changes.
use reqwest::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::tenancy::two_institutions;

/// A departure of `institution` in its grace period, for `email`.
async fn departing(app: &TestApp, institution: Uuid, email: &str) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO departures (institution_id, email, marked_at, revoke_at, state)
         VALUES ($1, $2, now(), now() + interval '7 days', 'grace') RETURNING id",
    )
    .bind(institution)
    .bind(email)
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

#[sqlx::test]
async fn an_admin_of_a_can_neither_see_nor_undo_a_departure_of_b_by_its_id(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = two_institutions(&app).await;
    let of_b = departing(&app, world.b, "bojan@pmf.uns.ac.rs").await;
    let admin_a = &world.admin_a.client;

    for institution in [world.a, world.b] {
        let undo = admin_a
            .post_form(
                &format!("/institutions/{institution}/departures/{of_b}/undo"),
                &[],
            )
            .await;
        assert_eq!(undo.status, StatusCode::NOT_FOUND, "{institution}");
    }
    let page_b = admin_a
        .get(&format!("/institutions/{}/departures", world.b))
        .await;
    assert_eq!(page_b.status, StatusCode::NOT_FOUND);
    let page_a = admin_a
        .get(&format!("/institutions/{}/departures", world.a))
        .await;
    page_a.assert_ok();
    assert!(!page_a.body.contains("bojan@pmf.uns.ac.rs"));
    assert!(!page_a.body.contains(&of_b.to_string()));

    let state: String = sqlx::query_scalar("SELECT state FROM departures WHERE id = $1")
        .bind(of_b)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(state, "grace");
    let undone: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE action = 'person.departure_undone'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(undone, 0);
    // B's own admin still can.
    let by_b = world
        .admin_b
        .client
        .post_form(
            &format!("/institutions/{}/departures/{of_b}/undo", world.b),
            &[],
        )
        .await;
    assert_eq!(by_b.status, StatusCode::SEE_OTHER, "{}", by_b.body);
}
