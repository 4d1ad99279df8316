//! Riding out a database failover at the HTTP edge. While no primary is reachable every
//! request that needs the database is answered 503 with Retry-After (`StorageError::Unavailable`
//! becomes `AppError::busy`); the pool replaces lost connections by itself, as its checkout test
//! fails on them. An idempotent request (GET, HEAD) is tried again here for a few seconds first, so a
//! reader rarely sees the failover at all; a write is never repeated behind the client's back
//! (its commit may have happened before the connection was lost), the client decides.

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use std::time::Duration;
use tower::ServiceExt;

/// Tries again after this long.
const PAUSE: Duration = Duration::from_millis(750);
/// No further try once this long has passed since the request came (a request that waited for
/// a connection for `database.wait_seconds` is answered at once).
const BUDGET: Duration = Duration::from_secs(4);

/// `app`, with idempotent requests answered 503 tried again for up to [`BUDGET`].
pub fn retry_idempotent(app: Router) -> Router {
    Router::new().fallback_service(tower::service_fn(move |req: Request| {
        let app = app.clone();
        async move { Ok::<_, std::convert::Infallible>(answer(app, req).await) }
    }))
}

async fn answer(app: Router, req: Request) -> Response {
    let retried = matches!(*req.method(), Method::GET | Method::HEAD)
        && !matches!(req.uri().path(), "/healthz" | "/readyz" | "/metrics");
    if !retried {
        return app.oneshot(req).await.into_response();
    }
    // A GET's body carries nothing: it is dropped so that the request can be sent again.
    let (parts, _) = req.into_parts();
    let started = std::time::Instant::now();
    loop {
        let res = app.clone().oneshot(Request::from_parts(parts.clone(), Body::empty())).await.into_response();
        if res.status() != StatusCode::SERVICE_UNAVAILABLE || started.elapsed() + PAUSE > BUDGET {
            return res;
        }
        tokio::time::sleep(PAUSE).await;
    }
}
