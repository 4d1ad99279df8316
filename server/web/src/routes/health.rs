//! Liveness and readiness for supervisors and load balancers.

use crate::extract::Json;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Router, response::IntoResponse};
use serde_json::json;

pub(super) fn router() -> Router<SharedState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
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
