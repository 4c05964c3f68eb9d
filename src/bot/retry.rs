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
//! How long to wait: as long as Discord asks after a 429 (the body's
//! `retry_after`, else the `Retry-After` header), otherwise a short, growing
//! pause. Without an `api_proxy` serenity's own rate limiter honours a 429
//! before an error reaches here; behind a proxy serenity drops both fields, so
//! first responses and channel messages are then sent by [`super::rest`],
//! which keeps them.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use poise::serenity_prelude::{
    self as serenity, Builder as _, ChannelId, ComponentInteraction, Context as SerenityContext,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage, Http,
    InteractionId, Message, Nonce, Route, StatusCode,
};

use super::rest::{Failed, Rest};
use super::{Context, Data, Error};

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
/// The longest wait Discord may ask for before a reply is given up: past it
/// the member has moved on (a global rate limit can ask for minutes).
const LONGEST_WAIT: Duration = Duration::from_secs(10);
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

/// A failure worth another attempt: the status Discord answered, and how
/// long it asked the bot to wait, when it said.
fn transient(failed: &Failed) -> Option<(StatusCode, Option<Duration>)> {
    let (status, retry_after) = match failed {
        Failed::Refused(refused) => (refused.status, refused.retry_after),
        Failed::Serenity(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(
            response,
        ))) => (response.status_code, None),
        Failed::Serenity(_) => return None,
    };
    (status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS)
        .then_some((status, retry_after))
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

/// Discord's own wait when it gave one, else a pause that grows with `attempt`.
fn pause(status: StatusCode, retry_after: Option<Duration>, attempt: u32) -> Duration {
    if let Some(asked) = retry_after {
        return asked;
    }
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
    Fut: Future<Output = Result<T, Failed>>,
{
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let error = match send().await {
            Ok(sent) => return Ok(Some(sent)),
            Err(error) => error,
        };
        let Some((status, retry_after)) = transient(&error) else {
            return Err(error.into());
        };
        let wait = pause(status, retry_after, attempt);
        let more = wait <= LONGEST_WAIT
            && match window {
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

/// When a command's interaction arrived, which starts Discord's window for
/// its first response; set by [`record_arrival`] before anything else runs.
struct Arrived(Instant);

/// The framework's first hook for every command (its `command_check`, which
/// runs before the commands' own checks): records when the command arrived,
/// and refuses nothing.
pub(super) async fn record_arrival(ctx: Context<'_>) -> Result<bool, Error> {
    ctx.set_invocation_data(Arrived(Instant::now())).await;
    Ok(true)
}

/// When the command arrived ([`record_arrival`]); now, if it was not recorded.
pub(super) async fn arrived(ctx: Context<'_>) -> Instant {
    match ctx.invocation_data::<Arrived>().await {
        Some(arrived) => arrived.0,
        None => Instant::now(),
    }
}

/// Any command's reply, with the window from when the command arrived.
pub(super) async fn reply(ctx: Context<'_>, reply: poise::CreateReply) -> Result<(), Error> {
    send_reply(ctx, arrived(ctx).await, reply).await
}

/// Defers a command privately, with the window from when it arrived.
pub(super) async fn defer_ephemeral(ctx: Context<'_>) -> Result<(), Error> {
    defer(ctx, arrived(ctx).await, true).await
}

/// A command's reply: its interaction's first response within the window
/// from `received`, or a followup after a deferral, a bounded number of times.
pub(super) async fn send_reply(
    ctx: Context<'_>,
    received: Instant,
    reply: poise::CreateReply,
) -> Result<(), Error> {
    let app = match ctx {
        poise::Context::Application(app)
            if !app.has_sent_initial_response.load(Ordering::SeqCst) =>
        {
            app
        }
        _ => {
            deliver(FOLLOWUP_ROUTE, Window::Bounded, || async {
                ctx.send(reply.clone()).await.map_err(Failed::from)
            })
            .await?;
            return Ok(());
        }
    };
    let message = ctx
        .reply_builder(reply)
        .to_slash_initial_response(CreateInteractionResponseMessage::new());
    first_response(app, received, CreateInteractionResponse::Message(message)).await
}

/// Defers a command's interaction (with the visibility its reply will
/// have), within the window from `received`.
pub(super) async fn defer(
    ctx: Context<'_>,
    received: Instant,
    ephemeral: bool,
) -> Result<(), Error> {
    let poise::Context::Application(app) = ctx else {
        return Ok(());
    };
    let deferral = CreateInteractionResponseMessage::new().ephemeral(ephemeral);
    first_response(app, received, CreateInteractionResponse::Defer(deferral)).await
}

/// A command's first response; once delivered, later replies are followups
/// (what poise's own send and defer record).
async fn first_response(
    app: poise::ApplicationContext<'_, super::Data, Error>,
    received: Instant,
    response: CreateInteractionResponse,
) -> Result<(), Error> {
    let interaction = app.interaction;
    let delivered = respond(
        &app.data().rest,
        &app.serenity_context().http,
        (interaction.id, &interaction.token),
        received,
        response,
    )
    .await?;
    if delivered.is_some() {
        app.has_sent_initial_response.store(true, Ordering::SeqCst);
    }
    Ok(())
}

/// An interaction's one response, sent again on a transient failure while
/// Discord's window from `received` allows; `None` when it never got through.
pub(super) async fn respond(
    rest: &Rest,
    http: &Http,
    (id, token): (InteractionId, &str),
    received: Instant,
    response: CreateInteractionResponse,
) -> Result<Option<()>, Error> {
    let window = Window::interaction(received);
    let Some((proxied, json)) = proxied_json(rest, &response) else {
        return deliver(CALLBACK_ROUTE, window, || async {
            response
                .clone()
                .execute(http, (id, token))
                .await
                .map_err(Failed::from)
        })
        .await;
    };
    let sent = deliver(CALLBACK_ROUTE, window, || {
        let route = Route::InteractionResponse {
            interaction_id: id,
            token,
        };
        proxied.post(http, CALLBACK_ROUTE, route, &json)
    })
    .await?;
    Ok(sent.map(drop))
}

/// A button click's one response, within the window from `received`.
pub(super) async fn respond_to_click(
    ctx: &SerenityContext,
    data: &Data,
    click: &ComponentInteraction,
    received: Instant,
    response: CreateInteractionResponse,
) -> Result<Option<()>, Error> {
    respond(
        &data.rest,
        &ctx.http,
        (click.id, &click.token),
        received,
        response,
    )
    .await
}

/// A message in a channel (a reply to a mention or a DM, an alert), with a
/// nonce Discord enforces so that a retry never posts it twice.
pub(super) async fn send_message(
    rest: &Rest,
    http: &Http,
    channel: ChannelId,
    message: CreateMessage,
) -> Result<Option<Message>, Error> {
    let message = message.nonce(Nonce::String(nonce())).enforce_nonce(true);
    let Some((proxied, json)) = proxied_json(rest, &message) else {
        return deliver(MESSAGE_ROUTE, Window::Bounded, || async {
            channel
                .send_message(http, message.clone())
                .await
                .map_err(Failed::from)
        })
        .await;
    };
    let sent = deliver(MESSAGE_ROUTE, Window::Bounded, || {
        let route = Route::ChannelMessages {
            channel_id: channel,
        };
        proxied.post(http, MESSAGE_ROUTE, route, &json)
    })
    .await?;
    match sent {
        Some(body) => Ok(Some(serde_json::from_slice(&body)?)),
        None => Ok(None),
    }
}

const CALLBACK_ROUTE: &str = "/interactions/{id}/{token}/callback";
const FOLLOWUP_ROUTE: &str = "/webhooks/{application}/{token}";
const MESSAGE_ROUTE: &str = "/channels/{id}/messages";

/// The body as JSON for the bot's own request, when REST goes through a
/// proxy and the body is plain JSON; a body with files (none of the replies
/// sent here has any) stays with serenity, which sends them as multipart.
fn proxied_json<'r>(
    rest: &'r Rest,
    body: &impl serde::Serialize,
) -> Option<(&'r super::rest::Proxied, serde_json::Value)> {
    let proxied = rest.proxied()?;
    let json = serde_json::to_value(body).ok()?;
    let files = |value: &serde_json::Value| {
        value["attachments"]
            .as_array()
            .is_some_and(|list| !list.is_empty())
    };
    (!files(&json) && !files(&json["data"])).then_some((proxied, json))
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
        assert_eq!(pause(server, None, 1), FIRST_PAUSE);
        assert_eq!(pause(server, None, 2), FIRST_PAUSE * 2);
        assert_eq!(pause(server, None, 40), MAX_PAUSE);
        assert_eq!(
            pause(StatusCode::TOO_MANY_REQUESTS, None, 1),
            FIRST_RATE_LIMIT_PAUSE
        );
    }

    #[test]
    fn discord_s_own_wait_is_the_pause() {
        let asked = Duration::from_millis(1_700);
        assert_eq!(pause(StatusCode::TOO_MANY_REQUESTS, Some(asked), 1), asked);
        assert_eq!(pause(StatusCode::TOO_MANY_REQUESTS, Some(asked), 5), asked);
    }

    #[test]
    fn nonces_fit_discord_and_differ() {
        let (a, b) = (nonce(), nonce());
        assert!(a.len() <= 25 && b.len() <= 25);
        assert_ne!(a, b);
    }
}
