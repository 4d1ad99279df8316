//! Liveness and readiness for supervisors and load balancers.

use crate::extract::Json;
use crate::state::SharedState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Router, response::IntoResponse};
use tessera_app::health::{Readiness, readiness};

pub(super) fn router() -> Router<SharedState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
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
