//! Reminders before a certificate ends: 30, 14 and 3 days ahead, to the person
//! and the institution's active admins, each exactly once however many sweeps
//! run at the same time, with the "order again" link for the admins.
use clock::Clock;
use sqlx::PgPool;
use tcs_portal::services::reminders::Reminders;
use time::Duration;
use uuid::Uuid;

use crate::helpers::TestApp;
use crate::tenancy::{TwoInstitutions, two_institutions};

const DOMAIN: &str = "etf.bg.ac.rs";

/// ETF with its domain, and its admin ana@etf.bg.ac.rs.
async fn world(app: &TestApp) -> TwoInstitutions {
    let people = two_institutions(app).await;
    sqlx::query(
        "INSERT INTO domains (institution_id, name, validation_status, validated_until)
         VALUES ($1, $2, 'validated', $3)",
    )
    .bind(people.a)
    .bind(DOMAIN)
    .bind(app.clock.now() + Duration::days(400))
    .execute(&app.pool)
    .await
    .unwrap();
    people
}

/// An order of ETF for `local@etf.bg.ac.rs` in `status`, its certificate ending
/// `days_left` days from the clock's now. Written directly: issuance itself is
/// covered by the ordering tests, and only the row's end date matters here.
async fn order(
    app: &TestApp,
    people: &TwoInstitutions,
    local: &str,
    status: &str,
    days_left: i64,
) -> Uuid {
    let mut tx = app.pool.begin().await.unwrap();
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO certificate_orders
             (institution_id, status, common_name, given_name, surname, not_after)
         VALUES ($1, $2, $3, $3, 'Petrović', $4) RETURNING id",
    )
    .bind(people.a)
    .bind(status)
    .bind(local)
    .bind(app.clock.now() + Duration::days(days_left))
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO order_emails (institution_id, order_id, email, domain_id)
         SELECT $1, $2, $3, id FROM domains WHERE name = $4",
    )
    .bind(people.a)
    .bind(id)
    .bind(format!("{local}@{DOMAIN}"))
    .bind(DOMAIN)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

/// The reminder mails in the outbox, as (recipient, body), in order.
async fn reminders_sent(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT recipient, body_text FROM outbox
         WHERE subject LIKE '%certificate expires%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// The thresholds reminded about for an order, tightest first.
async fn thresholds_sent(app: &TestApp, order: Uuid) -> Vec<i32> {
    sqlx::query_scalar(
        "SELECT threshold_days FROM order_reminders WHERE order_id = $1 ORDER BY threshold_days",
    )
    .bind(order)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// Runs the sweep from four tasks at once, as four portal processes would;
/// returns how many reminders they sent together.
async fn sweep_four_at_once(app: &TestApp) -> usize {
    let sweeps: Vec<_> = (0..4)
        .map(|_| {
            let reminders = Reminders::from_state(&app.state);
            tokio::spawn(async move { reminders.send_due().await.unwrap() })
        })
        .collect();
    let mut sent = 0;
    for sweep in sweeps {
        sent += sweep.await.unwrap();
    }
    sent
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn each_threshold_is_sent_exactly_once_even_with_four_sweeps_at_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let people = world(&app).await;
    let petar = order(&app, &people, "petar", "issued", 40).await;

    assert_eq!(sweep_four_at_once(&app).await, 0, "40 days left: too early");
    let mut expected = Vec::new();
    // 30, 14 and 3 days left, then once more at 3 days and at 1 day left.
    for (advance, threshold) in [
        (10, Some(30)),
        (16, Some(14)),
        (11, Some(3)),
        (0, None),
        (2, None),
    ] {
        app.clock.advance(Duration::days(advance));
        let sent = sweep_four_at_once(&app).await;
        assert_eq!(
            sent,
            usize::from(threshold.is_some()),
            "after {advance} more days"
        );
        expected.extend(threshold);
        expected.sort_unstable();
        assert_eq!(thresholds_sent(&app, petar).await, expected);
    }
    // Each of the three reminders went to the person and to the one admin, once.
    let mut recipients: Vec<String> = reminders_sent(&app)
        .await
        .into_iter()
        .map(|(to, _)| to)
        .collect();
    recipients.sort_unstable();
    assert_eq!(
        recipients,
        ["ana@etf.bg.ac.rs"; 3]
            .into_iter()
            .chain(["petar@etf.bg.ac.rs"; 3])
            .collect::<Vec<_>>()
    );
    let audited = app.audit_actions().await;
    assert_eq!(
        audited
            .iter()
            .filter(|action| *action == "order.expiry_reminded")
            .count(),
        3
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_order_first_seen_ten_days_before_its_end_gets_the_14_day_reminder_now_and_the_3_day_one_later(
    pool: PgPool,
) {
    let app = TestApp::spawn(pool).await;
    let people = world(&app).await;
    let mila = order(&app, &people, "mila", "issued", 10).await;

    assert_eq!(sweep_four_at_once(&app).await, 1);
    assert_eq!(
        thresholds_sent(&app, mila).await,
        [14],
        "no 30-day reminder sent late"
    );
    app.clock.advance(Duration::days(6));
    assert_eq!(sweep_four_at_once(&app).await, 0, "4 days left");
    app.clock.advance(Duration::days(1));
    assert_eq!(sweep_four_at_once(&app).await, 1);
    assert_eq!(thresholds_sent(&app, mila).await, [3, 14]);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_revoked_or_failed_certificate_gets_no_reminder(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let people = world(&app).await;
    for (local, status) in [("jovan", "revoked"), ("zoran", "failed")] {
        order(&app, &people, local, status, 20).await;
    }
    for _ in 0..3 {
        assert_eq!(sweep_four_at_once(&app).await, 0);
        app.clock.advance(Duration::days(7));
    }
    assert!(reminders_sent(&app).await.is_empty());
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn the_admins_get_the_order_again_link_and_the_person_learns_who_can_renew(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let people = world(&app).await;
    let petar = order(&app, &people, "petar", "issued", 20).await;
    let until = tcs_portal::i18n::format::date(app.clock.now() + Duration::days(20));

    assert_eq!(sweep_four_at_once(&app).await, 1);
    let sent = reminders_sent(&app).await;
    let body_to = |to: &str| {
        sent.iter()
            .find(|(recipient, _)| recipient == to)
            .map(|(_, body)| body.clone())
            .unwrap_or_else(|| panic!("no reminder to {to}: {sent:?}"))
    };

    let admin = body_to("ana@etf.bg.ac.rs");
    let again = format!(
        "{}/institutions/{}/orders/new?again={petar}",
        app.state.settings.public_url, people.a
    );
    assert!(admin.contains(&again), "{admin}");
    let serbian = admin.find("naručite ga ponovo").expect("Serbian text");
    let english = admin.find("To renew it").expect("English text");
    assert!(serbian < english, "Serbian first: {admin}");

    let person = body_to("petar@etf.bg.ac.rs");
    assert!(
        !person.contains("/orders/new"),
        "the person cannot order: {person}"
    );
    let serbian = person
        .find(&format!("ističe {until}"))
        .expect("Serbian date");
    let english = person
        .find(&format!("expires on {until}"))
        .expect("English date");
    assert!(serbian < english, "Serbian first: {person}");
    assert!(
        person.contains("administratori ustanove „Elektrotehnički fakultet“"),
        "{person}"
    );
    assert!(
        person.contains("administrators of \"Elektrotehnički fakultet\""),
        "{person}"
    );
    assert!(
        sent.iter().all(|(to, _)| to != "boris@pmf.uns.ac.rs"),
        "another institution's admin"
    );
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_removed_admin_gets_no_reminder(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let people = world(&app).await;
    sqlx::query("UPDATE memberships SET status = 'removed' WHERE account_id = $1")
        .bind(people.admin_a.account_id)
        .execute(&app.pool)
        .await
        .unwrap();
    order(&app, &people, "petar", "issued", 20).await;

    assert_eq!(sweep_four_at_once(&app).await, 1);
    let recipients: Vec<String> = reminders_sent(&app)
        .await
        .into_iter()
        .map(|(to, _)| to)
        .collect();
    assert_eq!(recipients, ["petar@etf.bg.ac.rs"]);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_signing_only_certificates_reminder_never_speaks_of_encrypted_mail(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let people = world(&app).await;
    let potpis = order(&app, &people, "potpis", "issued", 20).await;
    sqlx::query(
        "UPDATE certificate_orders SET product = 'client_digital_signature_plus' WHERE id = $1",
    )
    .bind(potpis)
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(sweep_four_at_once(&app).await, 1);
    let sent = reminders_sent(&app).await;
    let (_, person) = sent
        .iter()
        .find(|(to, _)| to == "potpis@etf.bg.ac.rs")
        .expect("a reminder to the person");
    let mut promised = person.clone();
    for lang in tcs_portal::i18n::Lang::ALL {
        let cannot = lang.t("order.product.signature.cannot");
        assert!(
            promised.contains(cannot),
            "says it cannot encrypt: {person}"
        );
        promised = promised.replace(cannot, "");
    }
    let promised = promised.to_lowercase();
    assert!(
        !promised.contains("encrypt") && !promised.contains("šifr"),
        "{person}"
    );
}
