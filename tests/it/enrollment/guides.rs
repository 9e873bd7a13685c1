//! Install guides for each mail program, in both languages, reachable from the pickup
//! page and the "issued" mail; and the Apple configuration profile, which carries the
//! picked-up PKCS#12 and never the passphrase.
use base64::Engine;
use sqlx::PgPool;
use tcs_portal::i18n::Lang;
use tcs_portal::web::public::guides::GUIDES;
use testkit::delivered::Delivered;

use super::*;
use crate::helpers::html_unescape;

#[sqlx::test]
async fn every_install_guide_is_a_step_by_step_page_in_both_languages(pool: PgPool) {
    let world = world_issuing(pool).await;
    let visitor = world.app.client();
    for guide in &GUIDES {
        let path = format!("/guides/{}", guide.slug);
        for (lang, header) in [(Lang::Serbian, "sr"), (Lang::English, "en")] {
            let page = visitor
                .get_with(&path, &[("accept-language", header)])
                .await;
            page.assert_ok();
            let body = html_unescape(&page.body);
            assert!(body.contains(lang.t(guide.title_key)), "{path} {header}");
            let steps = body
                .split("<ol class=\"steps guide-steps\">")
                .nth(1)
                .and_then(|rest| rest.split("</ol>").next())
                .expect("the steps");
            assert_eq!(
                steps.matches("<li>").count(),
                guide.step_keys.len(),
                "{path} {header}: one item per step"
            );
            for step in guide.step_keys {
                assert!(body.contains(lang.t(step)), "{path} {header}: {step}");
            }
        }
    }
    let index = visitor.get("/guides").await;
    for guide in &GUIDES {
        assert!(
            index
                .body
                .contains(&format!("href=\"/guides/{}\"", guide.slug))
        );
    }
    let unknown = visitor.get("/guides/lotus-notes").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[sqlx::test]
async fn the_pickup_page_and_the_issued_mail_lead_to_the_guides(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (_, person, _) =
        issued_with_server_key(&world, "uputstvo", "client_premium", "ecdsa-p256").await;
    let page = person.get("/enroll").await;
    for guide in &GUIDES {
        assert!(
            page.body
                .contains(&format!("href=\"/guides/{}\"", guide.slug)),
            "{}",
            page.body
        );
    }
    let mail: String = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE recipient = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(format!("uputstvo@{DOMAIN}"))
    .fetch_one(&world.app.pool)
    .await
    .unwrap();
    // Beside the person's own link, on the same site.
    let link = mail
        .lines()
        .find(|line| line.contains("/enroll/"))
        .expect("the person's link");
    let site = &link[..link.find("/enroll/").unwrap()];
    assert!(mail.contains(&format!("{site}/guides\n")), "{mail}");
}

#[sqlx::test]
async fn the_apple_profile_carries_the_picked_up_file_and_no_passphrase(pool: PgPool) {
    let world = world_issuing(pool).await;
    let (_, person, passphrase) =
        issued_with_server_key(&world, "ajfon", "client_premium", "rsa-3072").await;
    let before = download(&world, &person, "/enroll/certificate.mobileconfig").await;
    assert_eq!(
        before.status,
        StatusCode::SEE_OTHER,
        "nothing picked up yet"
    );
    let pkcs12 = pickup_file(&world, &person, &[("passphrase", &passphrase)]).await;
    let profile = download(&world, &person, "/enroll/certificate.mobileconfig").await;
    assert_eq!(profile.status, StatusCode::OK);
    assert_eq!(
        profile.headers["content-type"],
        "application/x-apple-aspen-config"
    );
    assert!(
        profile.headers["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with(".mobileconfig\"")
    );
    let xml = text(&profile);
    assert!(
        xml.contains("<string>com.apple.security.pkcs12</string>"),
        "{xml}"
    );
    assert!(xml.contains("<string>Configuration</string>"));
    assert!(
        !xml.contains("<key>Password</key>"),
        "no passphrase in the profile"
    );
    assert!(!xml.contains(&passphrase));
    let data = xml
        .split("<data>")
        .nth(1)
        .and_then(|rest| rest.split("</data>").next())
        .expect("a data payload");
    let payload = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .unwrap();
    assert_eq!(payload, pkcs12.bytes, "the payload is the picked-up file");
    let got = Delivered::new(
        &payload,
        &world.sandbox.root_pem(),
        &world.sandbox.intermediate_pem(),
    );
    got.assert_openssl_opens_a_strong_pkcs12(&passphrase);
}
