//! Staff roll the SP's key over in two steps: the next key is published beside the
//! active one while IdPs pick it up, then it replaces the active one, which is dropped.
//! Logins go on throughout; a stale page changes nothing; every step is audited.
use reqwest::StatusCode;
use sqlx::PgPool;

use tcs_portal::domain::StaffRole;

use crate::helpers::TestClient;
use crate::selfservice::world::{ANA, SelfService};

/// The certificates the SP's metadata publishes, in order (each for signing, then for
/// encryption).
async fn published(client: &TestClient) -> Vec<String> {
    let metadata = client.get("/saml/metadata").await;
    metadata.assert_ok();
    metadata
        .body
        .split("X509Certificate>")
        .skip(1)
        .step_by(2)
        .map(|rest| rest.split('<').next().unwrap_or_default().to_owned())
        .collect()
}

/// The fingerprints the staff page offers in its key forms, in page order.
async fn offered(staff: &TestClient) -> Vec<String> {
    let page = staff.get("/staff/saml").await;
    page.assert_ok();
    page.all_between(r#"name="fingerprint" value=""#, r#"""#)
}

async fn audited(world: &SelfService, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE action = $1")
        .bind(action)
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn staff_publish_the_next_sp_key_beside_the_active_one_then_switch_to_it_and_drop_the_old(
    pool: PgPool,
) {
    let world = SelfService::new(pool, "idp_mail").await;
    let staff = &world.federation.staff;
    let anyone = world.federation.app.client();
    let before = published(&anyone).await;
    assert_eq!(before.len(), 2);
    let active = offered(staff).await;
    assert_eq!(active.len(), 1);

    let started = staff
        .post_form(
            "/staff/saml/sp-key/rollover",
            &[("fingerprint", &active[0])],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let during = published(&anyone).await;
    assert_eq!(
        during.len(),
        4,
        "both keys, each for signing and encryption"
    );
    assert_eq!(during[..2], before[..]);
    assert_ne!(during[2], before[0]);
    // A second start from the same page changes nothing.
    let again = staff
        .post_form(
            "/staff/saml/sp-key/rollover",
            &[("fingerprint", &active[0])],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(published(&anyone).await, during);
    world.etf_person(ANA).await;

    let next = offered(staff).await;
    assert_eq!(next.len(), 1, "only the finish form while rolling over");
    assert_ne!(next[0], active[0]);
    let stale = staff
        .post_form("/staff/saml/sp-key/finish", &[("fingerprint", &active[0])])
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(published(&anyone).await, during);
    let finished = staff
        .post_form("/staff/saml/sp-key/finish", &[("fingerprint", &next[0])])
        .await;
    assert_eq!(finished.status, StatusCode::SEE_OTHER, "{}", finished.body);
    assert_eq!(published(&anyone).await, during[2..]);
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM saml_sp_keys")
        .fetch_one(&world.federation.app.pool)
        .await
        .unwrap();
    assert_eq!(keys, 1, "the old key is dropped");
    world.etf_person(ANA).await;
    assert_eq!(audited(&world, "saml.sp_key_rollover_started").await, 1);
    assert_eq!(audited(&world, "saml.sp_key_rollover_finished").await, 1);
}

#[sqlx::test]
async fn a_staff_auditor_sees_the_sp_key_but_cannot_roll_it_over(pool: PgPool) {
    let world = SelfService::new(pool, "idp_mail").await;
    let active = offered(&world.federation.staff).await;
    let auditor = world
        .federation
        .app
        .enrolled_staff("revizor@amres.ac.rs", StaffRole::StaffAuditor)
        .await;
    let page = auditor.client.get("/staff/saml").await;
    page.assert_ok();
    assert!(page.body.contains(&active[0]), "{}", page.body);
    assert!(!page.body.contains("/staff/saml/sp-key/"), "{}", page.body);
    let before = published(&world.federation.app.client()).await;
    let refused = auditor
        .client
        .post_form(
            "/staff/saml/sp-key/rollover",
            &[("fingerprint", &active[0])],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(published(&world.federation.app.client()).await, before);
    assert_eq!(audited(&world, "saml.sp_key_rollover_started").await, 0);
}
