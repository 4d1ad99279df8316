//! Prometheus metrics at `/metrics`: requests by route and status, request latency, policy
//! decisions and failures (recorded in `tessera_app::policy`), job queue depths (read from the
//! database at each scrape) and search latency (a histogram the search layer records into).
//!
//! The `metrics` facade records; `metrics-exporter-prometheus` keeps the values and renders the
//! text format. The recorder is process-wide, so several servers in one process share it.

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use tessera_app::AppState;

/// Requests served, by method, route template and status.
pub const HTTP_REQUESTS: &str = "tessera_http_requests_total";
/// Request latency in seconds, by method and route template.
pub const HTTP_DURATION: &str = "tessera_http_request_duration_seconds";
/// Jobs in the durable queue, by status.
pub const JOBS: &str = "tessera_jobs";
/// Search latency in seconds: the search layer records into it (`metrics::histogram!`).
pub const SEARCH_DURATION: &str = "tessera_search_duration_seconds";

/// Reloads of the policy plugins folder since the start (the start-up load included).
pub const POLICY_RELOADS: &str = "tessera_policy_reloads_total";

/// Latency buckets, in seconds: from a cached page to a slow report.
const BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The job statuses always reported, so a queue that drains shows 0 rather than vanishing.
const JOB_STATUSES: &[&str] = &["queued", "running", "done", "failed"];

/// The process-wide recorder's handle, installed on first use.
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), BUCKETS)
            .expect("the bucket list is not empty");
        let handle = match builder.install_recorder() {
            Ok(h) => h,
            // Another recorder is installed (an embedding program's): keep a private one so
            // /metrics still answers, with what this module records itself.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        };
        describe();
        handle
    })
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(HTTP_REQUESTS, "HTTP requests served, by method, route and status");
    describe_histogram!(HTTP_DURATION, Unit::Seconds, "HTTP request latency, by method and route");
    describe_gauge!(JOBS, "Jobs in the durable queue, by status");
    describe_counter!(POLICY_RELOADS, "Reloads of the policy plugins folder (one per change, debounced)");
    describe_histogram!(SEARCH_DURATION, Unit::Seconds, "Search latency");
    describe_counter!(tessera_app::policy::DECISIONS, "Policy decisions made, by kind and plugin");
    describe_counter!(tessera_app::policy::FAILURES, "Policy decisions that failed closed, by kind, plugin and cause");
    // Registered up front so dashboards find the series before the first search.
    let _ = metrics::histogram!(SEARCH_DURATION);
}

/// Counts and times every request that matched a route, labelled by the route's template
/// (`/api/v1/users/{id}`, never the concrete path, so the number of series stays bounded).
pub async fn track(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let route = route.unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16().to_string();
    metrics::counter!(HTTP_REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route).record(started.elapsed().as_secs_f64());
    res
}

/// Who may read `/metrics`.
#[derive(Clone)]
struct MetricsAccess {
    state: Arc<AppState>,
    token: Option<Arc<str>>,
}

/// The `/metrics` route (merged into the main router by the daemon).
pub fn router(state: Arc<AppState>, token: Option<String>) -> Router {
    handle();
    Router::new()
        .route("/metrics", get(render))
        .with_state(MetricsAccess { state, token: token.map(|t| Arc::from(t.trim())) })
}

async fn render(State(access): State<MetricsAccess>, headers: axum::http::HeaderMap) -> Response {
    if let Some(token) = &access.token {
        let given =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        if !given.is_some_and(|g| constant_time_eq(g.trim().as_bytes(), token.as_bytes())) {
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "metrics need a bearer token\n")
                .into_response();
        }
    }
    match access.state.db.call(tessera_storage::repo::jobs::counts).await {
        Ok(counts) => {
            for status in JOB_STATUSES {
                let n = counts.iter().find(|(s, _)| s == status).map(|(_, n)| *n).unwrap_or(0);
                metrics::gauge!(JOBS, "status" => *status).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot count jobs for /metrics"),
    }
    metrics::counter!(POLICY_RELOADS).absolute(access.state.policies.reloads());
    let handle = handle();
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()).into_response()
}

/// Compares without stopping at the first difference, so timing tells nothing about the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
