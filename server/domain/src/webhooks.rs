//! Webhooks of verifier organisations (R-WEBHOOK): the events, the retry schedule of a
//! delivery, when an endpoint is disabled, and the rules an endpoint's address keeps to.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// An event an organisation can subscribe an endpoint to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WebhookEvent {
    /// A candidate shared a result with the organisation.
    #[serde(rename = "share.created")]
    ShareCreated,
    /// A candidate withdrew a share: the organisation no longer sees the result.
    #[serde(rename = "share.withdrawn")]
    ShareWithdrawn,
    /// A shared result has a new version (after an enquiry or a re-import).
    #[serde(rename = "result.updated")]
    ResultUpdated,
    /// The credential of a shared result was revoked.
    #[serde(rename = "result.revoked")]
    ResultRevoked,
}

impl WebhookEvent {
    /// Every event, in the order pages list them.
    pub const ALL: [WebhookEvent; 4] =
        [Self::ShareCreated, Self::ShareWithdrawn, Self::ResultUpdated, Self::ResultRevoked];

    /// The event's `type` on the wire, e.g. `share.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ShareCreated => "share.created",
            Self::ShareWithdrawn => "share.withdrawn",
            Self::ResultUpdated => "result.updated",
            Self::ResultRevoked => "result.revoked",
        }
    }

    /// The event named `s`, if there is one.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s.trim())
    }
}

/// The waits between the attempts of one delivery (R-WEBHOOK): quick at first, then hours,
/// adding up to three days; after the last wait's attempt fails the delivery is given up.
pub const RETRY_WAITS_SECONDS: [i64; 10] = [5, 60, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000];

/// When attempt `attempt + 1` of a delivery is due after attempt `attempt` (counted from 1)
/// failed at `failed_at`; `None` once the attempts are spent (R-WEBHOOK).
pub fn r_webhook_retry(attempt: i32, failed_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let i = usize::try_from(attempt).ok()?.checked_sub(1)?;
    RETRY_WAITS_SECONDS.get(i).map(|s| failed_at + Duration::seconds(*s))
}

/// How long every attempt to an endpoint must have failed before it is disabled.
pub const DISABLE_AFTER_HOURS: i64 = 24;

/// Whether an endpoint whose attempts have all failed since `failing_since` is disabled by a
/// failure at `now` (R-WEBHOOK: a day of nothing but failures).
pub fn r_webhook_disable(failing_since: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - failing_since >= Duration::hours(DISABLE_AFTER_HOURS)
}

/// How long the previous secret keeps verifying after a rotation.
pub const PREVIOUS_SECRET_HOURS: i64 = 24;

/// Why an endpoint address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointUrlRefusal {
    /// Not an absolute http(s) URL with a host, or with credentials in it.
    Invalid,
    /// Plain http to a host that is not loopback, while only https is allowed.
    NotHttps,
}

/// Checks an endpoint address (R-WEBHOOK): an absolute `https://` URL without user
/// information; `http://` only to a loopback host, or anywhere when `allow_http` is set.
pub fn r_webhook_url(url: &str, allow_http: bool) -> Result<(), EndpointUrlRefusal> {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").ok_or(EndpointUrlRefusal::Invalid)?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(EndpointUrlRefusal::Invalid);
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || url.len() > 2000 || url.chars().any(char::is_whitespace) {
        return Err(EndpointUrlRefusal::Invalid);
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        authority.rsplit_once(':').map(|(h, _)| h).unwrap_or(authority)
    };
    if host.is_empty() {
        return Err(EndpointUrlRefusal::Invalid);
    }
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false);
    if scheme == "http" && !allow_http && !loopback {
        return Err(EndpointUrlRefusal::NotHttps);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn r_webhook_retries_span_three_days_then_stop() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let mut at = t0;
        let mut attempt = 1;
        while let Some(next) = r_webhook_retry(attempt, at) {
            assert!(next > at);
            at = next;
            attempt += 1;
        }
        assert_eq!(attempt, 11, "ten retries after the first attempt");
        let span = at - t0;
        assert!(span > Duration::hours(70) && span <= Duration::hours(72), "{span}");
        assert_eq!(r_webhook_retry(0, t0), None);
    }

    #[test]
    fn r_webhook_disable_after_a_day_of_failures() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert!(!r_webhook_disable(t0, t0 + Duration::hours(23)));
        assert!(r_webhook_disable(t0, t0 + Duration::hours(24)));
    }

    #[test]
    fn r_webhook_url_https_or_loopback() {
        assert_eq!(r_webhook_url("https://hooks.example.com/tessera", false), Ok(()));
        assert_eq!(r_webhook_url("http://127.0.0.1:9000/in", false), Ok(()));
        assert_eq!(r_webhook_url("http://localhost/in", false), Ok(()));
        assert_eq!(r_webhook_url("http://[::1]:80/in", false), Ok(()));
        assert_eq!(r_webhook_url("http://hooks.example.com/in", false), Err(EndpointUrlRefusal::NotHttps));
        assert_eq!(r_webhook_url("http://hooks.example.com/in", true), Ok(()));
        for bad in
            ["ftp://x.example/", "hooks.example.com", "https://", "https://u:p@x.example/", "javascript:alert(1)"]
        {
            assert_eq!(r_webhook_url(bad, true), Err(EndpointUrlRefusal::Invalid), "{bad}");
        }
    }

    #[test]
    fn events_round_trip() {
        for e in WebhookEvent::ALL {
            assert_eq!(WebhookEvent::parse(e.as_str()), Some(e));
        }
        assert_eq!(WebhookEvent::parse("share.deleted"), None);
    }
}
