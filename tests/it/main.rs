//! The integration test binary; modules mirror `src/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sandbox;
