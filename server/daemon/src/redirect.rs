//! The optional plain-HTTP listener (`server.redirect_http_from`) that sends every request to
//! HTTPS with a permanent redirect, path and query kept.

use axum::Router;
use axum::http::{HeaderMap, Uri, header};
use axum::response::{IntoResponse, Redirect};

/// Where redirects point: the public URL when it is HTTPS, else the host the client asked for
/// on the TLS port.
#[derive(Clone)]
enum Target {
    PublicUrl(String),
    SameHost { tls_port: u16 },
}

/// A router answering every request with `308 Permanent Redirect` to the HTTPS address.
pub fn router(public_url: &str, tls_port: u16) -> Router {
    let target = match public_url.strip_prefix("https://") {
        Some(_) => Target::PublicUrl(public_url.trim_end_matches('/').to_owned()),
        None => Target::SameHost { tls_port },
    };
    Router::new().fallback(move |headers: HeaderMap, uri: Uri| {
        let target = target.clone();
        async move { redirect(&target, &headers, &uri) }
    })
}

fn redirect(target: &Target, headers: &HeaderMap, uri: &Uri) -> axum::response::Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let base = match target {
        Target::PublicUrl(url) => url.clone(),
        Target::SameHost { tls_port } => {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            // Drop the port the client used for plain HTTP; an IPv6 literal keeps its brackets.
            let host = match host.rsplit_once(':') {
                Some((h, p)) if !h.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => h,
                _ => host,
            };
            if *tls_port == 443 { format!("https://{host}") } else { format!("https://{host}:{tls_port}") }
        }
    };
    Redirect::permanent(&format!("{base}{path}")).into_response()
}
