//! The back-off policy: jittered, doubling, capped, and only for transient failures.

use digicert::{Error, RetryPolicy};
use std::time::Duration;

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(1000),
    }
}

fn server_error() -> Error {
    Error::Unavailable {
        status: 503,
        errors: Vec::new(),
    }
}

#[test]
fn delays_double_with_jitter_and_stay_under_the_cap() {
    let policy = policy();
    for _ in 0..50 {
        for (retry, ceiling_ms) in [(0, 100), (1, 200), (2, 400), (3, 800), (4, 1000)] {
            let delay = policy.delay_before_retry(retry, &server_error()).unwrap();
            let ceiling = Duration::from_millis(ceiling_ms);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "retry {retry}: {delay:?}"
            );
        }
    }
}

#[test]
fn no_retry_once_the_attempts_are_used_up() {
    assert_eq!(policy().delay_before_retry(5, &server_error()), None);
    assert_eq!(
        RetryPolicy::none().delay_before_retry(0, &server_error()),
        None
    );
}

#[test]
fn client_errors_are_not_retried() {
    let rejected = Error::Api {
        status: 400,
        errors: Vec::new(),
    };
    assert_eq!(policy().delay_before_retry(0, &rejected), None);
    assert_eq!(policy().delay_before_retry(0, &Error::InvalidApiKey), None);
}

#[test]
fn rate_limit_waits_at_least_as_long_as_the_server_asks() {
    let limited = Error::RateLimited {
        retry_after: Some(Duration::from_millis(900)),
    };
    let delay = policy().delay_before_retry(0, &limited).unwrap();
    assert!(delay >= Duration::from_millis(900));
}

#[test]
fn rate_limit_longer_than_the_cap_is_left_to_the_caller() {
    let limited = Error::RateLimited {
        retry_after: Some(Duration::from_secs(180)),
    };
    assert_eq!(policy().delay_before_retry(0, &limited), None);
}
