//! Liveness and readiness for supervisors and load balancers.

use crate::extract::Json;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::get;
use axum::{Router, response::IntoResponse};
use serde_json::json;

pub(super) fn router() -> Router<SharedState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// The process is up and its database answers: `200 ok`; the process is up but no database
/// (primary) answers within two seconds: `503 database unreachable` with Retry-After, which a
/// load balancer's health check takes out of rotation.
async fn healthz(State(state): State<SharedState>) -> axum::response::Response {
    let ping = tokio::time::timeout(std::time::Duration::from_secs(2), state.db.ping()).await;
    match ping {
        Ok(Ok(())) => "ok".into_response(),
        failed => {
            if let Ok(Err(e)) = failed {
                tracing::warn!(error = %e, "health check: database unreachable");
            }
            (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "database unreachable").into_response()
        }
    }
}

/// The process can serve: the database answers and its schema is current.
async fn readyz(State(state): State<SharedState>) -> impl IntoResponse {
    let db = state.db.clone();
    let pending = tokio::task::spawn_blocking(move || db.pending_migrations()).await;
    match pending {
        Ok(Ok(0)) => (StatusCode::OK, Json(json!({"status": "ready"}))),
        Ok(Ok(n)) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "migrations_pending", "pending": n}))),
        Ok(Err(e)) => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "database_unavailable", "message": e.to_string()})))
        }
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "error", "message": e.to_string()}))),
    }
}
