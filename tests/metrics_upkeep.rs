//! The Prometheus recorder keeps every sample of a histogram (each request's duration)
//! until something drains it: a scrape of `/metrics`, or the portal's upkeep. A server
//! nobody scrapes must not grow with the requests it has served (issue 16 §2, memory).
//!
//! A test binary of its own: it measures the process's resident memory, which the
//! parallel tests of `it` would move.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tcs_portal::telemetry::{METRICS_UPKEEP_INTERVAL, install_metrics_recorder};

/// The process's resident memory, in bytes (Linux's `/proc/self/statm`, 4 KiB pages).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// A second's worth of requests at the bench's `/healthz` rate, ten times over: 16 MB of
/// samples if they were all kept, as they were before the upkeep.
#[test]
fn the_servers_memory_does_not_grow_with_its_requests_when_nobody_scrapes_its_metrics() {
    install_metrics_recorder().expect("the recorder installs");
    let record = |samples: usize| {
        for _ in 0..samples {
            metrics::histogram!("tcs_http_request_seconds").record(0.002);
        }
    };
    // The first second's samples and the recorder's own structures, before measuring.
    record(200_000);
    std::thread::sleep(METRICS_UPKEEP_INTERVAL * 2);
    let before = resident_bytes();
    for _ in 0..10 {
        record(200_000);
        std::thread::sleep(METRICS_UPKEEP_INTERVAL / 2);
    }
    std::thread::sleep(METRICS_UPKEEP_INTERVAL * 2);
    let grown = resident_bytes().saturating_sub(before);
    assert!(
        grown < 4 * 1024 * 1024,
        "2,000,000 request durations left {grown} bytes more resident"
    );
}
