//! The bot's own log events, kept so a test can wait for "this message was handled" instead
//! of sleeping and hoping: serenity runs every gateway event on a task of its own, so a
//! later reply proves nothing about an earlier message.
//!
//! Events are keyed by the Discord message id they carry (`message_id`); tests give their
//! messages ids from [`unique_message_id`] so that tests running side by side in one
//! process never see each other's events.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::watch;
use tracing::field::{Field, Visit};
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::layer::{Context, SubscriberExt as _};
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;

/// One event of the `ldnbot` crate: its message and the `message_id` field, if any.
#[derive(Clone, Debug)]
pub(crate) struct Logged {
    pub(crate) message: String,
    pub(crate) message_id: Option<u64>,
}

struct Seen {
    events: Mutex<Vec<Logged>>,
    changed: watch::Sender<u64>,
}

fn seen() -> &'static Seen {
    static SEEN: OnceLock<Seen> = OnceLock::new();
    SEEN.get_or_init(|| Seen {
        events: Mutex::new(Vec::new()),
        changed: watch::channel(0).0,
    })
}

struct Capture;

#[derive(Default)]
struct Fields {
    message: String,
    message_id: Option<u64>,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "message_id" {
            self.message_id = Some(value);
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "message_id" => self.message_id = format!("{value:?}").parse().ok(),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.message_id.is_none() {
            return;
        }
        let seen = seen();
        seen.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Logged {
                message: fields.message,
                message_id: fields.message_id,
            });
        seen.changed.send_modify(|n| *n += 1);
    }
}

/// Installs the test subscriber once: `RUST_LOG` (default `warn`) to the test output, and
/// every `ldnbot` debug event with a `message_id` into the capture.
pub(crate) fn install() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let printed = tracing_subscriber::fmt::layer()
            .with_test_writer()
            .with_filter(
                EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn")),
            );
        let captured =
            Capture.with_filter(Targets::new().with_target("ldnbot", LevelFilter::DEBUG));
        // Another subscriber already installed would leave the capture empty: every wait
        // on it then fails, loudly.
        let _ = tracing_subscriber::registry()
            .with(printed)
            .with(captured)
            .try_init();
    });
}

/// A message id no other test in this process uses.
pub(crate) fn unique_message_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1_100_000_000_000_000_000);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

/// The events logged so far about `message_id`.
pub(crate) fn about(message_id: u64) -> Vec<Logged> {
    seen()
        .events
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter(|e| e.message_id == Some(message_id))
        .cloned()
        .collect()
}

/// Waits (up to `timeout`) for an event about `message_id` whose message is one of `messages`.
pub(crate) async fn wait_for(message_id: u64, messages: &[&str], timeout: Duration) -> bool {
    let mut changed = seen().changed.subscribe();
    let found = || {
        about(message_id)
            .iter()
            .any(|e| messages.contains(&e.message.as_str()))
    };
    let waited = tokio::time::timeout(timeout, async {
        while !found() {
            if changed.changed().await.is_err() {
                return;
            }
        }
    })
    .await;
    waited.is_ok() && found()
}

/// Waits until the bot finished with the message `message_id`: it ignored it, or answered it
/// and did everything that follows the answer (the moderators' alert queued included).
pub(crate) async fn handled(message_id: u64) {
    let done = wait_for(message_id, &[NOT_A_QUESTION, HANDLED], crate::discord::WAIT).await;
    assert!(done, "the bot never finished with message {message_id}");
}

/// Whether the bot logged `message` about `message_id`.
pub(crate) fn logged(message_id: u64, message: &str) -> bool {
    about(message_id).iter().any(|e| e.message == message)
}

/// What the bot logs (debug) about a message that is not a question for it.
pub(crate) const NOT_A_QUESTION: &str = "not a question for the bot";
/// What the bot logs (debug) once a question from a message is fully handled.
pub(crate) const HANDLED: &str = "message handled";
/// What the bot logs (debug) as it queues the moderators' alert.
pub(crate) const ALERTING: &str = "alerting moderators";
