//! Sending a reply again when Discord fails for a moment.
//!
//! One 500 or one 429 from Discord must not cost a member their answer. A
//! reply that fails with a 5xx or a 429 is sent again, the same reply, for
//! as long as its window allows: an interaction's first response within
//! Discord's 3 seconds, anything else a bounded number of times. Only when
//! that runs out is the failure logged, once, at WARN with the route and the
//! status, and counted ([`undelivered_replies`]).
//!
//! Never twice: Discord refuses a second response to the same interaction
//! (40060, not retried), and channel messages carry a nonce that Discord
//! enforces, so a retry of a message Discord did create is dropped.
//!
//! How long to wait: serenity 0.12.5 keeps neither the `Retry-After` header
//! nor the body's `retry_after` in its error, only the status. Without an
//! `api_proxy` its own rate limiter honours `Retry-After` before an error
//! reaches here (it sleeps and resends); behind a proxy the proxy owns rate
//! limits. What still arrives is retried after a short, growing pause.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use poise::serenity_prelude::{
    self as serenity, ChannelId, CreateMessage, Http, Message, Nonce, StatusCode,
};

use super::{Context, Error};

/// Discord drops an interaction not answered within 3 s of its creation.
pub const INTERACTION_WINDOW: Duration = Duration::from_secs(3);

/// What the first response keeps back from the window for its own trip.
const WINDOW_MARGIN: Duration = Duration::from_millis(250);

/// Attempts at a reply that has no deadline of its own (a channel message,
/// a followup after a deferral).
const BOUNDED_ATTEMPTS: u32 = 4;

/// The first pause; each further one doubles, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(150);
const MAX_PAUSE: Duration = Duration::from_secs(2);
/// After a 429 the pause starts longer: the limit is Discord's to lift.
const FIRST_RATE_LIMIT_PAUSE: Duration = Duration::from_millis(500);

static UNDELIVERED: AtomicU64 = AtomicU64::new(0);

/// How many replies were given up on since the process started, after
/// every retry their window allowed.
pub fn undelivered_replies() -> u64 {
    UNDELIVERED.load(Ordering::Relaxed)
}

/// How long a reply may keep trying.
#[derive(Debug, Clone, Copy)]
pub(super) enum Window {
    /// Until this instant (an interaction's first response).
    Until(Instant),
    /// [`BOUNDED_ATTEMPTS`] attempts.
    Bounded,
}

impl Window {
    /// The first response to an interaction the bot received at `received`.
    pub(super) fn interaction(received: Instant) -> Window {
        Window::Until(received + INTERACTION_WINDOW - WINDOW_MARGIN)
    }
}

/// A failure worth another attempt: the status Discord answered.
fn transient(error: &serenity::Error) -> Option<StatusCode> {
    let serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) = error else {
        return None;
    };
    let status = response.status_code;
    (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS).then_some(status)
}

/// How a transient failure reads in a log line. A 429's body carries no
/// error code, which serenity reports as "Could not decode json"; it is a
/// rate limit, and says so.
fn describe(status: StatusCode) -> &'static str {
    if status == StatusCode::TOO_MANY_REQUESTS {
        "rate limited"
    } else {
        "server error"
    }
}

fn pause(status: StatusCode, attempt: u32) -> Duration {
    let first = if status == StatusCode::TOO_MANY_REQUESTS {
        FIRST_RATE_LIMIT_PAUSE
    } else {
        FIRST_PAUSE
    };
    first
        .saturating_mul(1 << attempt.saturating_sub(1).min(8))
        .min(MAX_PAUSE)
}

/// Sends with `send` until it succeeds, fails for good, or `window` runs
/// out. `Ok(None)` means given up after transient failures: already logged
/// and counted, so the caller has nothing more to report.
pub(super) async fn deliver<T, F, Fut>(
    route: &'static str,
    window: Window,
    mut send: F,
) -> Result<Option<T>, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let error = match send().await {
            Ok(sent) => return Ok(Some(sent)),
            Err(error) => error,
        };
        let Some(status) = transient(&error) else {
            return Err(error.into());
        };
        let wait = pause(status, attempt);
        let more = match window {
            Window::Until(deadline) => Instant::now() + wait < deadline,
            Window::Bounded => attempt < BOUNDED_ATTEMPTS,
        };
        if !more {
            let undelivered = UNDELIVERED.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(
                route,
                status = status.as_u16(),
                attempts = attempt,
                undelivered,
                "Discord kept failing ({}); the reply was not delivered",
                describe(status)
            );
            return Ok(None);
        }
        tracing::debug!(
            route,
            status = status.as_u16(),
            attempt,
            wait_ms = wait.as_millis() as u64,
            "Discord failed for a moment ({}); sending the reply again",
            describe(status)
        );
        tokio::time::sleep(wait).await;
    }
}

/// A command's reply: its interaction's first response within the window
/// from `received`, or a followup after a deferral, a bounded number of times.
pub(super) async fn send_reply(
    ctx: Context<'_>,
    received: Instant,
    reply: poise::CreateReply,
) -> Result<(), Error> {
    let responded = match ctx {
        poise::Context::Application(app) => app.has_sent_initial_response.load(Ordering::SeqCst),
        poise::Context::Prefix(_) => true,
    };
    let (route, window) = if responded {
        ("/webhooks/{application}/{token}", Window::Bounded)
    } else {
        (
            "/interactions/{id}/{token}/callback",
            Window::interaction(received),
        )
    };
    deliver(route, window, || ctx.send(reply.clone())).await?;
    Ok(())
}

/// Defers a command's interaction (with the visibility its reply will
/// have), within the window from `received`.
pub(super) async fn defer(
    ctx: Context<'_>,
    received: Instant,
    ephemeral: bool,
) -> Result<(), Error> {
    deliver(
        "/interactions/{id}/{token}/callback",
        Window::interaction(received),
        || async move {
            if ephemeral {
                ctx.defer_ephemeral().await
            } else {
                ctx.defer().await
            }
        },
    )
    .await?;
    Ok(())
}

/// A message in a channel (a reply to a mention or a DM, an alert), with a
/// nonce Discord enforces so that a retry never posts it twice.
pub(super) async fn send_message(
    http: &Http,
    channel: ChannelId,
    message: CreateMessage,
) -> Result<Option<Message>, Error> {
    let message = message.nonce(Nonce::String(nonce())).enforce_nonce(true);
    deliver("/channels/{id}/messages", Window::Bounded, || {
        channel.send_message(http, message.clone())
    })
    .await
}

/// 25 characters at most, as Discord allows: unique enough within the few
/// minutes Discord remembers nonces.
fn nonce() -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    format!(
        "{:x}{:08x}",
        SEQUENCE.fetch_add(1, Ordering::Relaxed) & 0xffff_ffff,
        nanos
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_stay_bounded() {
        let server = StatusCode::INTERNAL_SERVER_ERROR;
        assert_eq!(pause(server, 1), FIRST_PAUSE);
        assert_eq!(pause(server, 2), FIRST_PAUSE * 2);
        assert_eq!(pause(server, 40), MAX_PAUSE);
        assert_eq!(
            pause(StatusCode::TOO_MANY_REQUESTS, 1),
            FIRST_RATE_LIMIT_PAUSE
        );
    }

    #[test]
    fn nonces_fit_discord_and_differ() {
        let (a, b) = (nonce(), nonce());
        assert!(a.len() <= 25 && b.len() <= 25);
        assert_ne!(a, b);
    }
}
