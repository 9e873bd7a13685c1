//! The integration test binary; its modules mirror `src/`.

// Tests state their expectations with unwrap/expect: a panic is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod digicert;
