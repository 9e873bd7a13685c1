//! Liveness and readiness probes for load balancers and orchestrators.
use axum::extract::State;
use axum::http::StatusCode;

use crate::state::AppState;

/// The process is alive and serving.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and carries every migration: ready for traffic.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if crate::db::is_ready(&state.db).await {
        (StatusCode::OK, "ready")
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "database unreachable or not migrated",
        )
    }
}
