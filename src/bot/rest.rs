//! Replies sent as the bot's own HTTP requests when REST goes through `api_proxy`.
//!
//! Behind a proxy serenity's rate limiter is off (it would bypass the proxy),
//! and the error serenity returns for a 429 keeps only the status: neither the
//! body's `retry_after` nor the `Retry-After` header survives. So the replies
//! [`super::retry`] may send again — an interaction's first response and
//! channel messages — go out here instead, built by serenity's own
//! [`Request`] (same URL, headers and JSON), and a refusal keeps how long
//! Discord asked the bot to wait. Without a proxy serenity's limiter honours
//! both before an error reaches the bot, and this is not used.

use std::fmt;
use std::time::Duration;

use poise::serenity_prelude::{self as serenity, Http, LightMethod, Route, StatusCode};
use serde::Serialize;
use serde_json::Value;
use serenity::http::Request;

/// The proxy the bot's REST requests go to, if one is configured.
#[derive(Clone, Default)]
pub struct Rest {
    proxied: Option<Proxied>,
}

#[derive(Clone)]
pub(super) struct Proxied {
    client: reqwest::Client,
    base: String,
}

/// The proxy URL may hold credentials: it is never printed.
impl fmt::Debug for Rest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rest")
            .field("proxied", &self.proxied.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Rest {
    pub fn new(api_proxy: Option<&str>) -> Rest {
        Rest {
            proxied: api_proxy.map(|base| Proxied {
                client: reqwest::Client::new(),
                base: base.trim_end_matches('/').to_string(),
            }),
        }
    }

    pub(super) fn proxied(&self) -> Option<&Proxied> {
        self.proxied.as_ref()
    }
}

/// Discord refused a request the bot sent itself.
#[derive(Debug, thiserror::Error)]
#[error("Discord answered {status} to {route}: {message} (code {code})")]
pub struct Refused {
    pub route: &'static str,
    pub status: StatusCode,
    /// Discord's JSON error code; 0 where its body has none (a 429).
    pub code: i64,
    pub message: String,
    /// How long Discord asked the bot to wait before trying again.
    pub retry_after: Option<Duration>,
}

/// What one request came to when it did not succeed.
#[derive(Debug, thiserror::Error)]
pub(super) enum Failed {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error(transparent)]
    Serenity(#[from] serenity::Error),
}

impl Proxied {
    /// POSTs `body` as JSON to `route`; the response body on success.
    pub(super) async fn post(
        &self,
        http: &Http,
        name: &'static str,
        route: Route<'_>,
        body: &impl Serialize,
    ) -> Result<Vec<u8>, Failed> {
        let json = serde_json::to_vec(body).map_err(serenity::Error::from)?;
        let request = Request::new(route, LightMethod::Post)
            .body(Some(json))
            .build(&self.client, http.token(), Some(&self.base))?
            .build()
            .map_err(serenity::Error::from)?;
        let response = self
            .client
            .execute(request)
            .await
            .map_err(serenity::Error::from)?;
        let status = response.status();
        let header = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(seconds);
        let bytes = response.bytes().await.map_err(serenity::Error::from)?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(refusal(name, status, &bytes, header).into())
    }
}

/// Reads Discord's error body; a body without `code` (a 429's) is not an error
/// of its own, and the body's `retry_after` (fractional seconds) is preferred
/// over the header's.
fn refusal(
    route: &'static str,
    status: StatusCode,
    body: &[u8],
    header: Option<Duration>,
) -> Refused {
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let message = json["message"]
        .as_str()
        .map_or_else(|| status.to_string(), str::to_string);
    let body_wait = json["retry_after"]
        .as_f64()
        .and_then(|secs| Duration::try_from_secs_f64(secs).ok());
    Refused {
        route,
        status,
        code: json["code"].as_i64().unwrap_or(0),
        message,
        retry_after: if status == StatusCode::TOO_MANY_REQUESTS {
            body_wait.or(header)
        } else {
            None
        },
    }
}

/// `Retry-After` in seconds (Discord sends a number, possibly fractional).
fn seconds(text: &str) -> Option<Duration> {
    Duration::try_from_secs_f64(text.trim().parse().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_without_a_code_keeps_its_wait() {
        let body =
            br#"{"message": "You are being rate limited.", "retry_after": 1.25, "global": false}"#;
        let refused = refusal(
            "r",
            StatusCode::TOO_MANY_REQUESTS,
            body,
            Some(Duration::from_secs(2)),
        );
        assert_eq!(refused.retry_after, Some(Duration::from_millis(1250)));
        assert_eq!(refused.code, 0);
        assert_eq!(refused.message, "You are being rate limited.");
    }

    #[test]
    fn the_header_serves_when_the_body_says_nothing() {
        let refused = refusal(
            "r",
            StatusCode::TOO_MANY_REQUESTS,
            b"not json",
            seconds(" 3 "),
        );
        assert_eq!(refused.retry_after, Some(Duration::from_secs(3)));
        assert_eq!(refused.message, "429 Too Many Requests");
    }

    #[test]
    fn only_a_rate_limit_asks_for_a_wait() {
        let body = br#"{"message": "Unknown Channel", "code": 10003, "retry_after": 5}"#;
        let refused = refusal("r", StatusCode::NOT_FOUND, body, None);
        assert_eq!(refused.retry_after, None);
        assert_eq!(refused.code, 10003);
    }

    #[test]
    fn nonsense_waits_are_ignored() {
        assert_eq!(seconds("-1"), None);
        assert_eq!(seconds("soon"), None);
        assert_eq!(seconds("inf"), None);
    }

    #[test]
    fn debug_hides_the_proxy() {
        let rest = Rest::new(Some("http://user:secret@proxy/"));
        assert!(!format!("{rest:?}").contains("secret"));
    }
}
