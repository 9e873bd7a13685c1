//! The control API is documented where a newcomer looks: `digicert-sim --help`, the README
//! and the page at `/`, whose worked `curl` example really works.

use super::*;

/// The text of the page's worked example, as a shell would get it after copying.
fn worked_example(page: &str) -> String {
    let start = page
        .find(r#"<pre id="worked-example">"#)
        .expect("the worked example on the page")
        + r#"<pre id="worked-example">"#.len();
    let end = start + page[start..].find("</pre>").expect("its end");
    unescape(&page[start..end])
}

/// Undoes HTML escaping: the named entities askama writes and numeric ones (`&#34;`, `&#x27;`).
fn unescape(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "quot" => Some('"'),
            "apos" => Some('\''),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                text.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                text.push('&');
                rest = &rest[1..];
            }
        }
    }
    text.push_str(rest);
    text
}

#[tokio::test]
async fn the_worked_curl_example_on_the_root_page_seeds_an_organization_and_a_domain_and_places_an_order()
 {
    let h = start().await;
    let (status, page) = h.raw_get(&format!("{}/", h.sim.origin())).await;
    assert_eq!(status, 200);
    let page = String::from_utf8(page).expect("an HTML page");
    for route in digicert_sim::docs::CONTROL_ROUTES {
        assert!(page.contains(route.path), "{} not listed", route.path);
    }
    let script = worked_example(&page);
    assert!(
        script.contains(&h.sim.origin()),
        "the example names this sandbox"
    );

    let origin = h.sim.origin();
    let key = h.sim.control_key().to_string();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .env("API_KEY", KEY_A)
            .env("CONTROL_KEY", key)
            .output()
            .expect("bash runs")
    })
    .await
    .expect("the script finished");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the example failed at {origin}: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let order_id = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|answer| answer["id"].as_u64())
        .next_back()
        .unwrap_or_else(|| panic!("an order id in {stdout}"));
    let order = h
        .get(&format!("/order/certificate/{order_id}"))
        .await
        .json();
    assert_eq!(order["status"], "waiting_pickup", "{order}");
    let org_id = order["organization"]["id"]
        .as_u64()
        .expect("its organization");
    let org = h.get(&format!("/organization/{org_id}")).await.json();
    assert_eq!(org["registration_number"], "07032501");
    let domains = h.get("/domain").await.json();
    assert!(
        domains["domains"]
            .as_array()
            .expect("domains")
            .iter()
            .any(|d| d["name"] == "etf.bg.ac.rs" && d["organization"]["id"] == org_id),
        "{domains}"
    );
}

#[test]
fn digicert_sim_help_and_the_readme_document_every_control_route() {
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_digicert-sim"))
        .arg("--help")
        .output()
        .expect("digicert-sim --help runs");
    let help = String::from_utf8_lossy(&help.stdout);
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .expect("the README");
    for route in digicert_sim::docs::CONTROL_ROUTES {
        assert!(help.contains(route.path), "--help lacks {}", route.path);
        assert!(
            readme.contains(route.path),
            "the README lacks {}",
            route.path
        );
    }
}
