//! Invisible and text-direction characters in the names people type: institution names
//! and display names (the names in orders are the domain's unit tests' business).
use reqwest::StatusCode;
use sqlx::PgPool;

use crate::helpers::{TestApp, html_unescape, registration_number};

const HIDDEN: [&str; 5] = [
    "ETF\u{202E}fte",
    "E\u{200B}TF",
    "\u{2067}ETF\u{2069}",
    "ETF\u{FEFF}",
    "\u{3164}ETF",
];

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn an_institution_name_with_hidden_characters_is_refused_in_both_languages(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    let number = registration_number("hidden");
    for name in HIDDEN {
        for (lang, message) in [
            ("en", "invisible or text-direction characters"),
            ("sr", "nevidljive znakove ili znakove za smer teksta"),
        ] {
            let refused = world
                .staff
                .client
                .post_form_in(
                    lang,
                    "/staff/institutions",
                    &[
                        ("slug", "hidden"),
                        ("name_sr", name),
                        ("name_en", "Faculty"),
                        ("short_name", "ETF"),
                        ("registration_number", &number),
                    ],
                )
                .await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
            assert!(refused.body.contains("name_sr-error"), "{name:?}");
            assert!(
                html_unescape(&refused.body).contains(message),
                "{name:?} in {lang}"
            );
        }
    }
    let institutions: i64 = sqlx::query_scalar("SELECT count(*) FROM institutions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(institutions, 2);
}

#[sqlx::test(migrator = "tcs_portal::db::MIGRATOR")]
async fn a_display_name_with_hidden_characters_is_refused_when_inviting(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let world = super::two_institutions(&app).await;
    for name in HIDDEN {
        let refused = world
            .admin_a
            .client
            .post_form_in(
                "en",
                &format!("/institutions/{}/people", world.a),
                &[
                    ("email", "novi@etf.bg.ac.rs"),
                    ("display_name", name),
                    ("role", "auditor"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(refused.body.contains("display_name-error"));
        assert!(html_unescape(&refused.body).contains("invisible or text-direction characters"));
    }
    let invitations: i64 =
        sqlx::query_scalar("SELECT count(*) FROM invitations WHERE email = 'novi@etf.bg.ac.rs'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(invitations, 0);
}
