//! Liveness and readiness for supervisors and load balancers.

use crate::extract::Json;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::routing::get;
use axum::{Router, response::IntoResponse};
use tessera_app::health::{Readiness, database_answers, readiness};

pub(super) fn router() -> Router<SharedState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// The process is up and its database answers: `200 ok`; the process is up but no database
/// (primary) answers within two seconds: `503 database unreachable` with Retry-After, which a
/// load balancer's health check takes out of rotation.
async fn healthz(State(state): State<SharedState>) -> axum::response::Response {
    match database_answers(&state, std::time::Duration::from_secs(2)).await {
        Ok(()) => "ok".into_response(),
        Err(why) => {
            tracing::warn!(error = %why, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], "database unreachable").into_response()
        }
    }
}

/// What `/readyz` answers.
#[derive(serde::Serialize)]
struct ReadyBody {
    /// `ready`, `migrations_pending` or `database_unavailable`.
    status: &'static str,
    /// Migrations not yet run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pending: Option<usize>,
    /// Why the database is unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// The process can serve: the database answers and its schema is current.
async fn readyz(State(state): State<SharedState>) -> impl IntoResponse {
    let body = |status, pending, message| Json(ReadyBody { status, pending, message });
    match readiness(&state).await {
        Readiness::Ready => (StatusCode::OK, body("ready", None, None)),
        Readiness::MigrationsPending(n) => (StatusCode::SERVICE_UNAVAILABLE, body("migrations_pending", Some(n), None)),
        Readiness::DatabaseUnavailable(m) => {
            (StatusCode::SERVICE_UNAVAILABLE, body("database_unavailable", None, Some(m)))
        }
    }
}
