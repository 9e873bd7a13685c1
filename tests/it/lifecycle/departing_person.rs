//! A person marked departed may not start new self-service requests while the grace
//! period runs: "My certificates" says why in their language and offers no request, and a
//! request posted anyway is refused with the same words, nothing placed.
use reqwest::StatusCode;
use sqlx::PgPool;
use tcs_portal::i18n::Lang;

use crate::helpers::html_unescape;
use crate::selfservice::world::{ANA, SelfService};

async fn orders(world: &SelfService) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM certificate_orders")
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn a_person_marked_departed_cannot_request_during_the_grace_period_and_is_told_why(
    pool: PgPool,
) {
    let world = SelfService::new(pool, "idp_mail").await;
    let person = world.etf_person(ANA).await;
    let first = SelfService::request(&person, "first").await;
    assert_eq!(first.location(), Some("/enroll"), "{}", first.body);
    let marked = world
        .etf_admin
        .client
        .post_form(
            &format!("/institutions/{}/departures", world.federation.etf),
            &[("email", ANA)],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.body);

    for lang in [Lang::English, Lang::Serbian] {
        person.post_form("/lang", &[("lang", lang.code())]).await;
        let why = lang.t("lifecycle.departing");
        let page = person.get("/self-service/certificates").await;
        page.assert_ok();
        assert!(html_unescape(&page.body).contains(why), "{}", page.body);
        assert!(!page.body.contains(r#"name="choice""#), "{}", page.body);
        let refused = SelfService::request(&person, lang.code()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            html_unescape(&refused.body).contains(why),
            "{}",
            refused.body
        );
    }
    assert_eq!(orders(&world).await, 1);

    // Undone, the person may request again.
    let departure: uuid::Uuid = sqlx::query_scalar("SELECT id FROM departures")
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap();
    let undone = world
        .etf_admin
        .client
        .post_form(
            &format!(
                "/institutions/{}/departures/{departure}/undo",
                world.federation.etf
            ),
            &[],
        )
        .await;
    assert_eq!(undone.status, StatusCode::SEE_OTHER, "{}", undone.body);
    let page = person.get("/self-service/certificates").await;
    assert!(page.body.contains(r#"name="choice""#), "{}", page.body);
}
