//! The fault drills of issue 5 at issue scale, and the ordering pipeline's
//! behaviour at scale and with an unexpected DigiCert: the pipeline against the
//! real sandbox over HTTP and real Postgres, with faults injected, a portal
//! process killed, Postgres restarted and a rate-limit burst. Each drill prints
//! its counts; the assertions are on counts, never on speed, except the burst's
//! throughput ratio.
mod bench;
pub(crate) mod burst;
mod cluster;
mod faults;
mod key_banner;
mod killed_process;
mod postgres_restart;
mod status_sweep;
mod unknown_status;
