//! Placing an upload: the whole way to DigiCert through the people's links and the job
//! worker, exactly once, the valid rows only when asked, and never across institutions.
use std::time::Duration as StdDuration;

use digicert_sim::EmailValidationMode;
use reqwest::StatusCode;
use sqlx::PgPool;

use super::{confirm, orders_of, uploaded};
use crate::enrollment::{confirmed_person, server_key};
use crate::ordering::{until_all, world};
use crate::orders::{DOMAIN, etf};

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[sqlx::test]
async fn an_excel_file_is_previewed_placed_once_and_its_orders_reach_digicert(pool: PgPool) {
    let world = world(pool.clone(), EmailValidationMode::Automatic).await;
    let admin = &world.admin.client;
    crate::orders::english(admin).await;
    // As Excel in a Serbian locale saves it: BOM, semicolons, CRLF, a quoted cell with
    // two addresses over two lines.
    let file = format!(
        "\u{FEFF}e-pošta;ime;prezime;proizvod;profil;važenje\r\n\
         mika@{DOMAIN};Mika;Mikić;secure_email_sponsor;strict;1\r\n\
         \"zika@{DOMAIN}\r\nzivota@{DOMAIN}\";Žika;Žikić;client_premium;;2\r\n"
    );
    let id = uploaded(admin, world.institution, &file).await;
    let preview = admin
        .get(&format!("/institutions/{}/bulk/{id}", world.institution))
        .await;
    preview.assert_ok();
    assert!(
        preview
            .body
            .contains(r#"<strong class="ready-count">2</strong>"#),
        "{}",
        preview.body
    );
    assert!(
        orders_of(&pool, id).await.is_empty(),
        "placed before confirming"
    );

    let placed = confirm(admin, world.institution, id, false).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    let again = confirm(admin, world.institution, id, false).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let orders = orders_of(&pool, id).await;
    assert_eq!(orders.len(), 2, "a second confirm placed more");
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM audit_events WHERE action = 'bulk.placed'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM audit_events WHERE action = 'bulk.uploaded'"
        )
        .await,
        1
    );

    let progress = admin
        .get(&format!("/institutions/{}/bulk/{id}", world.institution))
        .await;
    assert!(
        progress.body.contains(r#"<meta http-equiv="refresh""#),
        "{}",
        progress.body
    );
    assert!(
        progress
            .body
            .contains(r#"class="count-awaiting_person">2<"#)
    );

    // Each person goes through their link; the job worker sends their orders.
    for local in ["mika", "zika"] {
        let person = confirmed_person(&world, local).await;
        server_key(&person, "ecdsa-p256").await;
    }
    until_all(&world, &orders, "issued", StdDuration::from_secs(60)).await;
    let result = admin
        .get(&format!(
            "/institutions/{}/bulk/{id}/result.csv",
            world.institution
        ))
        .await;
    result.assert_ok();
    let lines: Vec<&str> = result.body.lines().collect();
    assert_eq!(lines[0], "line,emails,order_id,state,error");
    assert!(lines[1].starts_with(&format!("2,mika@{DOMAIN},{},issued,", orders[0])));
    // The second row's cell holds its two addresses over two lines, quoted.
    assert!(
        result.body.contains(&format!(
            "3,\"zika@{DOMAIN}\nzivota@{DOMAIN}\",{},issued,",
            orders[1]
        )),
        "{}",
        result.body
    );
    let settled = admin
        .get(&format!("/institutions/{}/bulk/{id}", world.institution))
        .await;
    assert!(!settled.body.contains("http-equiv=\"refresh\""));
}

#[sqlx::test]
async fn a_file_with_refused_rows_places_its_valid_rows_only_when_the_admin_says_so(pool: PgPool) {
    let app = crate::helpers::TestApp::spawn(pool.clone()).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    let file = format!(
        "email,given name,surname,product,profile,validity\n\
         ana@{DOMAIN},Ana,Anić,client_premium,,1\n\
         ana@{DOMAIN},Ana,Anić,client_premium,,1\n\
         pera@elsewhere.ac.rs,Pera,Perić,client_premium,,1\n"
    );
    let id = uploaded(admin, world.a, &file).await;
    let preview = admin
        .get(&format!("/institutions/{}/bulk/{id}", world.a))
        .await;
    assert!(
        preview
            .body
            .contains(r#"<strong class="refused-count">2</strong>"#)
    );
    assert!(
        preview.body.contains("is already ordered on line 2"),
        "{}",
        preview.body
    );
    assert!(preview.body.contains("elsewhere.ac.rs"));

    let refused = confirm(admin, world.a, id, false).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("Place the valid rows only"));
    assert!(orders_of(&pool, id).await.is_empty());

    let placed = confirm(admin, world.a, id, true).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.body);
    assert_eq!(orders_of(&pool, id).await.len(), 1);
    let result = admin
        .get(&format!("/institutions/{}/bulk/{id}/result.csv", world.a))
        .await;
    let lines: Vec<&str> = result.body.lines().collect();
    assert!(lines[1].contains(",awaiting_person,"), "{}", result.body);
    assert!(lines[2].contains(",not_placed,"), "{}", result.body);
    assert!(lines[3].contains("elsewhere.ac.rs"), "{}", result.body);
}

#[sqlx::test]
async fn another_institutions_upload_is_not_found_under_either_institution(pool: PgPool) {
    let app = crate::helpers::TestApp::spawn(pool.clone()).await;
    let world = etf(&app).await;
    let file = format!(
        "email,given name,surname,product,profile,validity\nana@{DOMAIN},Ana,Anić,client_premium,,1\n"
    );
    let id = uploaded(&world.admin_a.client, world.a, &file).await;
    let b = &world.admin_b.client;
    for path in [
        format!("/institutions/{}/bulk/{id}", world.b),
        format!("/institutions/{}/bulk/{id}/result.csv", world.b),
        format!("/institutions/{}/bulk/{id}", world.a),
    ] {
        assert_eq!(b.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    let placed = confirm(b, world.b, id, true).await;
    assert_eq!(placed.status, StatusCode::NOT_FOUND);
    assert!(orders_of(&pool, id).await.is_empty());
    let listed = b.get(&format!("/institutions/{}/bulk", world.b)).await;
    assert!(!listed.body.contains(&id.to_string()));
}

#[sqlx::test]
async fn the_template_in_each_language_reads_back_as_one_ready_row(pool: PgPool) {
    let app = crate::helpers::TestApp::spawn(pool.clone()).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    for (lang, header) in [
        ("en", "email,given name,surname,product,profile,validity"),
        ("sr", "e-pošta;ime;prezime;proizvod;profil;važenje"),
    ] {
        admin
            .post_form("/lang", &[("lang", lang), ("back", "/")])
            .await;
        let template = admin
            .get(&format!("/institutions/{}/bulk/template.csv", world.a))
            .await;
        template.assert_ok();
        assert!(
            template.body.starts_with(&format!("\u{FEFF}{header}\r\n")),
            "{}",
            template.body
        );
        let id = uploaded(admin, world.a, &template.body).await;
        let preview = admin
            .get(&format!("/institutions/{}/bulk/{id}", world.a))
            .await;
        assert!(
            preview
                .body
                .contains(r#"<strong class="ready-count">1</strong>"#),
            "{lang}"
        );
    }
}

#[sqlx::test]
async fn the_demo_sample_file_previews_with_every_row_ready(pool: PgPool) {
    let app = crate::helpers::TestApp::spawn(pool.clone()).await;
    let world = etf(&app).await;
    let sample = include_str!("../../../examples/bulk-orders-etf.csv");
    let id = uploaded(&world.admin_a.client, world.a, sample).await;
    let preview = world
        .admin_a
        .client
        .get(&format!("/institutions/{}/bulk/{id}", world.a))
        .await;
    assert!(
        preview
            .body
            .contains(r#"<strong class="ready-count">5</strong>"#),
        "{}",
        preview.body
    );
}

#[sqlx::test]
async fn two_confirms_at_once_place_the_upload_once(pool: PgPool) {
    let app = crate::helpers::TestApp::spawn(pool.clone()).await;
    let world = etf(&app).await;
    let admin = &world.admin_a.client;
    let mut file = String::from("email,given name,surname,product,profile,validity\n");
    for n in 0..20 {
        file.push_str(&format!("osoba{n}@{DOMAIN},Ana,Anić,client_premium,,1\n"));
    }
    let id = uploaded(admin, world.a, &file).await;
    let (first, second) = tokio::join!(
        confirm(admin, world.a, id, false),
        confirm(admin, world.a, id, false)
    );
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    assert_eq!(second.status, StatusCode::SEE_OTHER, "{}", second.body);
    assert_eq!(orders_of(&pool, id).await.len(), 20);
    assert_eq!(
        count(
            &pool,
            "SELECT count(*) FROM outbox WHERE body_text LIKE '%/enroll/%'"
        )
        .await,
        20
    );
}
