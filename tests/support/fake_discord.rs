//! An in-process fake of Discord's REST API and gateway, on one axum server bound to
//! `127.0.0.1:0`.
//!
//! * REST: every request under `/api/v10/...` is recorded ([`Recorded`]) and answered with bodies
//!   serenity 0.12.5 deserializes. Messages the bot creates are stored so later edits, fetches and
//!   component clicks see them. Message bodies are validated against Discord's documented limits
//!   (content length, embed limits, component limits, empty messages) and rejected with
//!   Discord-style `400`s, like the real API would.
//! * Gateway: `ws://127.0.0.1:PORT/gateway` speaks JSON text frames: HELLO, IDENTIFY → READY +
//!   GUILD_CREATE, HEARTBEAT → ACK, RESUME → RESUMED, and whatever the test [`dispatch`]es.
//!
//! [`dispatch`]: FakeDiscord::dispatch

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Map, Value};
use tokio::sync::{mpsc, watch};

use super::faults::Faults;
use super::payloads::{self, perms, Member, User};
use super::payloads::{APP_ID, BOT_USER_ID, CHANNEL_ID, GUILD_ID, OWNER_USER_ID};

mod rules;

/// Gateway intent bits the fake honours when delivering message events.
const INTENT_GUILDS: u64 = 1 << 0;
const INTENT_GUILD_MESSAGES: u64 = 1 << 9;
const INTENT_DIRECT_MESSAGES: u64 = 1 << 12;
const INTENT_MESSAGE_CONTENT: u64 = 1 << 15;

/// Message flags a client may set when creating a message.
const CLIENT_MESSAGE_FLAGS: u64 = (1 << 2) | (1 << 6) | (1 << 12) | (1 << 15);
const FLAG_EPHEMERAL: u64 = 1 << 6;
const FLAG_LOADING: u64 = 1 << 7;

/// A token the fake refuses with 401, as Discord does a wrong or reset token.
pub const REJECTED_TOKEN: &str = "rejected-token";

/// A channel of the guild (`#announcements`) where `@everyone`, the bot
/// included, may read but not send messages.
pub const READ_ONLY_CHANNEL_ID: u64 = 800_000_000_000_000_011;

fn read_only_channel_json() -> Value {
    let mut channel = payloads::text_channel_json();
    channel["id"] = json!(READ_ONLY_CHANNEL_ID.to_string());
    channel["name"] = json!("announcements");
    channel["permission_overwrites"] = json!([{
        "id": GUILD_ID.to_string(),
        "type": 0,
        "allow": "0",
        "deny": perms::SEND_MESSAGES.to_string(),
    }]);
    channel
}

/// How long `dispatch` waits for a connected session before giving up.
const DISPATCH_WAIT: Duration = Duration::from_secs(15);

/// Discord drops an interaction whose first callback comes later than this.
pub const INTERACTION_DEADLINE: Duration = Duration::from_secs(3);

/// How long an interaction token works for followups and edits (Discord: 15 minutes).
pub const WEBHOOK_TOKEN_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Knobs of the fake. `FakeConfig::default()` is what [`FakeDiscord::start`] uses.
#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// `heartbeat_interval` sent in HELLO, in milliseconds (Discord: 41250).
    pub heartbeat_interval_ms: u64,
    /// Permissions of the bot's role in the guild (the only source of the bot's guild
    /// permissions, through GUILD_CREATE). Also enforced on `POST /channels/{id}/messages`:
    /// without VIEW_CHANNEL|SEND_MESSAGES → 403 (50013); without ATTACH_FILES and with files →
    /// 403; without EMBED_LINKS the embeds are dropped from the created message.
    pub bot_permissions: u64,
    /// Members listed in GUILD_CREATE besides the bot and the owner.
    pub extra_members: Vec<Member>,
    /// Reject message bodies that break Discord's limits (400 / 50035 or 50006).
    pub validate_messages: bool,
    /// Like Discord: drop MESSAGE_* events the IDENTIFY intents don't cover and blank the
    /// content/embeds/attachments/components of guild messages that don't mention the bot when
    /// the MESSAGE_CONTENT intent is missing.
    pub enforce_intents: bool,
    /// An interaction callback arriving later than this after the INTERACTION_CREATE
    /// dispatch (on the fake's clock, see [`FakeDiscord::advance_clock`]) fails with 404
    /// 10062 "Unknown interaction", like Discord's 3 s deadline. On by default; a test that
    /// turns it off says why.
    pub interaction_deadline: Option<Duration>,
    /// Users who do not accept DMs from the bot: messages to their DM channel get 403 50007
    /// "Cannot send messages to this user".
    pub dm_closed_users: Vec<u64>,
    /// Users the bot cannot open a DM channel with: `POST /users/@me/channels` gets 400 50033
    /// "Invalid Recipient(s)".
    pub dm_unavailable_users: Vec<u64>,
    /// Uploads larger than this (sum of file parts) get 413 (40005).
    pub max_upload_bytes: usize,
    /// Panic in `dispatch` if serenity 0.12.5 would not deserialize the event (it would drop
    /// it silently otherwise).
    pub check_dispatches: bool,
    /// Like Discord: messages the bot creates, edits or deletes (REST or non-ephemeral
    /// interaction responses) come back over the gateway as MESSAGE_CREATE / MESSAGE_UPDATE /
    /// MESSAGE_DELETE (subject to intents).
    pub echo_bot_messages: bool,
    /// The guild's `preferred_locale` in GUILD_CREATE (Discord's default: "en-US").
    pub preferred_locale: String,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            heartbeat_interval_ms: 41_250,
            bot_permissions: perms::BOT,
            extra_members: vec![],
            validate_messages: true,
            enforce_intents: true,
            interaction_deadline: Some(INTERACTION_DEADLINE),
            dm_closed_users: vec![],
            dm_unavailable_users: vec![],
            max_upload_bytes: payloads::ATTACHMENT_SIZE_LIMIT as usize,
            check_dispatches: true,
            echo_bot_messages: true,
            preferred_locale: "en-US".to_string(),
        }
    }
}

/// One uploaded file part of a `multipart/form-data` request.
#[derive(Clone, Debug)]
pub struct FilePart {
    /// The form field name (`files[0]`, ...).
    pub field: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// One REST request the bot made.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Full path, e.g. `/api/v10/interactions/1/tok-1/callback`.
    pub path: String,
    /// Raw query string without `?` (`""` if none).
    pub query: String,
    /// Request headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`payload_json` for multipart requests); `Null` if empty, a JSON string if
    /// the body was not JSON.
    pub body: Value,
    /// Uploaded files as (filename, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// Uploaded files with their form field names and content types.
    pub file_parts: Vec<FilePart>,
    /// Status the fake answered with.
    pub status: u16,
    /// The JSON the fake answered with (`Null` for 204).
    pub response: Value,
    /// When the request arrived.
    pub at: Instant,
}

impl Recorded {
    /// The path without the `/api/v10` prefix, e.g. `/channels/1/messages`.
    pub fn route(&self) -> &str {
        self.path.strip_prefix("/api/v10").unwrap_or(&self.path)
    }

    /// `method` matches (case-insensitively) and the route (path without `/api/v10`) starts with
    /// `route_prefix`.
    pub fn is(&self, method: &str, route_prefix: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.route().starts_with(route_prefix)
    }

    /// An interaction callback (`POST /interactions/{id}/{token}/callback`).
    pub fn is_interaction_callback(&self) -> bool {
        self.method == "POST"
            && self.route().starts_with("/interactions/")
            && self.route().ends_with("/callback")
    }

    /// The interaction id of a callback request.
    pub fn interaction_id(&self) -> Option<u64> {
        let mut segs = self.route().split('/').skip(1);
        (segs.next() == Some("interactions")).then(|| segs.next()?.parse().ok())?
    }

    /// The message payload of the request: `data` for interaction callbacks, the body otherwise.
    pub fn message_body(&self) -> &Value {
        if self.is_interaction_callback() {
            &self.body["data"]
        } else {
            &self.body
        }
    }

    /// `content` of the message payload (see [`Recorded::message_body`]).
    pub fn content(&self) -> Option<&str> {
        self.message_body()["content"].as_str()
    }

    /// Embeds of the message payload (empty if none).
    pub fn embeds(&self) -> Vec<Value> {
        self.message_body()["embeds"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Whether the payload asks for an ephemeral message (flag 64).
    pub fn is_ephemeral(&self) -> bool {
        self.message_body()["flags"].as_u64().unwrap_or(0) & FLAG_EPHEMERAL != 0
    }

    /// `content` plus every embed's title, description, field names/values and footer, joined by
    /// newlines: handy for "the answer mentions X" assertions.
    pub fn all_text(&self) -> String {
        let mut parts: Vec<String> = self.content().map(str::to_string).into_iter().collect();
        for e in self.embeds() {
            for k in ["title", "description"] {
                if let Some(s) = e[k].as_str() {
                    parts.push(s.to_string());
                }
            }
            for f in e["fields"].as_array().into_iter().flatten() {
                for k in ["name", "value"] {
                    if let Some(s) = f[k].as_str() {
                        parts.push(s.to_string());
                    }
                }
            }
            if let Some(s) = e["footer"]["text"].as_str() {
                parts.push(s.to_string());
            }
        }
        parts.join("\n")
    }
}

enum Outgoing {
    Text(String),
    Close(u16, String),
    Drop,
}

struct ActiveSession {
    conn_id: u64,
    tx: mpsc::UnboundedSender<Outgoing>,
}

struct InteractionState {
    /// On the fake's clock ([`Inner::now`]).
    dispatched_at: Instant,
    acked: bool,
    /// Acknowledged with a deferral (type 5) whose "thinking…" message no followup has
    /// replaced yet: the next followup edits it and keeps its visibility.
    thinking: bool,
    kind: u64,
    channel_id: u64,
    guild_id: Option<u64>,
    /// The message the interaction's component is on (component interactions).
    source_message: Option<u64>,
    /// The original response message, once there is one.
    original: Option<u64>,
}

#[derive(Default)]
struct Data {
    requests: Vec<Recorded>,
    gateway_received: Vec<Value>,
    active: Option<ActiveSession>,
    session_id: Option<String>,
    seq: u64,
    intents: u64,
    ready_sessions: usize,
    messages: HashMap<u64, Value>,
    interactions: HashMap<String, InteractionState>,
    global_commands: Vec<Value>,
    guild_commands: HashMap<u64, Vec<Value>>,
}

struct Inner {
    addr: SocketAddr,
    config: FakeConfig,
    data: Mutex<Data>,
    /// Bumped on every state change; waiters re-check their condition.
    changed: watch::Sender<u64>,
    shutdown: watch::Sender<bool>,
    ids: AtomicU64,
    conn_ids: AtomicU64,
    connections: AtomicUsize,
    identify_count: AtomicUsize,
    resume_count: AtomicUsize,
    /// `false` while [`FakeDiscord::hold_gateway`] keeps IDENTIFY and RESUME unanswered.
    gateway_open: watch::Sender<bool>,
    faults: Faults,
    /// How far the test moved the fake's clock ahead of real time, in milliseconds.
    clock_ahead_ms: AtomicU64,
}

struct ServerGuard {
    task: tokio::task::JoinHandle<()>,
    shutdown: watch::Sender<bool>,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        self.task.abort();
    }
}

/// A running fake Discord. Cheap to clone; the server stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeDiscord {
    inner: Arc<Inner>,
    _guard: Arc<ServerGuard>,
}

impl FakeDiscord {
    /// Starts the fake with [`FakeConfig::default`].
    pub async fn start() -> FakeDiscord {
        Self::start_with(FakeConfig::default()).await
    }

    /// Starts the fake with the given configuration.
    pub async fn start_with(config: FakeConfig) -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (changed, _) = watch::channel(0u64);
        let (shutdown, _) = watch::channel(false);
        let inner = Arc::new(Inner {
            addr,
            config,
            data: Mutex::new(Data::default()),
            changed,
            shutdown: shutdown.clone(),
            ids: AtomicU64::new(1_300_000_000_000_000_000),
            conn_ids: AtomicU64::new(0),
            connections: AtomicUsize::new(0),
            identify_count: AtomicUsize::new(0),
            resume_count: AtomicUsize::new(0),
            gateway_open: watch::channel(true).0,
            faults: Faults::default(),
            clock_ahead_ms: AtomicU64::new(0),
        });
        let app = Router::new()
            .route("/gateway", any(ws_route))
            .fallback(rest_route)
            .layer(DefaultBodyLimit::disable())
            .with_state(Arc::clone(&inner));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeDiscord {
            inner,
            _guard: Arc::new(ServerGuard { task, shutdown }),
        }
    }

    /// Faults to answer REST requests with instead of handling them.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy`.
    pub fn api_proxy(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The gateway URL the fake hands out (`ws://127.0.0.1:PORT/gateway`).
    pub fn gateway_url(&self) -> String {
        self.inner.ws_url()
    }

    /// The configuration the fake runs with.
    pub fn config(&self) -> &FakeConfig {
        &self.inner.config
    }

    /// Waits until at least one session identified (READY and GUILD_CREATE were sent).
    pub async fn wait_for_identify(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |f| f.inner.lock().ready_sessions > 0)
            .await
    }

    /// Waits until a session is connected and ready for dispatches (identified or resumed).
    pub async fn wait_for_connected(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, FakeDiscord::is_connected).await
    }

    /// Whether a gateway session is connected and ready for dispatches.
    pub fn is_connected(&self) -> bool {
        self.inner.lock().active.is_some()
    }

    /// Waits until `cond` holds (re-checked on every request, gateway message and session
    /// change, and every 50 ms).
    pub async fn wait_until(&self, timeout: Duration, cond: impl Fn(&FakeDiscord) -> bool) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.inner.changed.subscribe();
        loop {
            if cond(self) {
                return true;
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return false;
            }
            let step = (deadline - now).min(Duration::from_millis(50));
            let _ = tokio::time::timeout(step, rx.changed()).await;
        }
    }

    /// Sends a dispatch (op 0, next sequence number) to the connected session; waits (up to 15 s)
    /// for one if the bot is reconnecting. With `check_dispatches`, panics if serenity would not
    /// deserialize the event. `INTERACTION_CREATE` registers the interaction token (so callbacks
    /// and webhooks on it work); `MESSAGE_CREATE` stores the message (so replies can reference
    /// it). With `enforce_intents`, message events the bot did not subscribe to are not sent.
    ///
    /// Returns whether the event was sent (false if intent filtering dropped it).
    pub async fn dispatch(&self, event: &str, data: Value) -> bool {
        if self.inner.config.check_dispatches {
            if let Err(e) = check_dispatch(event, &data) {
                panic!("fake discord: serenity would drop this {event} dispatch: {e}\n{data:#}");
            }
        }
        let deadline = Instant::now() + DISPATCH_WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if !self.wait_for_connected(left).await {
                panic!("fake discord: no gateway session connected to dispatch {event} to");
            }
            let mut d = self.inner.lock();
            let Some(tx) = d.active.as_ref().map(|a| a.tx.clone()) else {
                continue;
            };
            let Some(data) = self.inner.prepare_dispatch(&mut d, event, data) else {
                return false;
            };
            d.seq += 1;
            let frame = json!({"op": 0, "s": d.seq, "t": event, "d": data}).to_string();
            let _ = tx.send(Outgoing::Text(frame));
            drop(d);
            self.inner.notify();
            return true;
        }
    }

    /// Registers an interaction as if it had been dispatched, without a gateway session: for
    /// tests of the REST rules alone.
    pub fn open_interaction(&self, data: Value) {
        let mut d = self.inner.lock();
        let _ = self
            .inner
            .prepare_dispatch(&mut d, "INTERACTION_CREATE", data);
    }

    /// Sends a raw gateway payload (e.g. `{"op": 7, "d": null}` RECONNECT or `{"op": 9, "d":
    /// false}` INVALID_SESSION) to the connected session, if any. Returns whether one was
    /// connected.
    pub fn send_raw(&self, payload: Value) -> bool {
        let d = self.inner.lock();
        match &d.active {
            Some(active) => active.tx.send(Outgoing::Text(payload.to_string())).is_ok(),
            None => false,
        }
    }

    /// All REST requests so far, in arrival order of their answers.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().requests.clone()
    }

    /// Number of REST requests recorded so far (an index for
    /// [`FakeDiscord::wait_for_request_since`]).
    pub fn request_count(&self) -> usize {
        self.inner.lock().requests.len()
    }

    /// Like [`FakeDiscord::wait_for_request`] but only looks at requests recorded at index
    /// `start` or later (cheap for long-running benches).
    pub async fn wait_for_request_since(
        &self,
        start: usize,
        timeout: Duration,
        pred: impl Fn(&Recorded) -> bool,
    ) -> Option<Recorded> {
        let found = std::cell::RefCell::new(None);
        self.wait_until(timeout, |f| {
            let d = f.inner.lock();
            let hit = d.requests.iter().skip(start).find(|r| pred(r)).cloned();
            let ok = hit.is_some();
            *found.borrow_mut() = hit;
            ok
        })
        .await;
        found.into_inner()
    }

    /// Forgets the recorded requests (not the stored messages or sessions).
    pub fn clear_requests(&self) {
        self.inner.lock().requests.clear();
    }

    /// Waits for a recorded request matching `pred` (including ones recorded before the call).
    pub async fn wait_for_request(
        &self,
        timeout: Duration,
        pred: impl Fn(&Recorded) -> bool,
    ) -> Option<Recorded> {
        self.wait_for_request_since(0, timeout, pred).await
    }

    /// Waits for the bot to register its commands in the test guild (the PUT of the guild's
    /// command list), which it does before it handles any event.
    pub async fn wait_for_guild_commands(&self, timeout: Duration) -> Option<Recorded> {
        let route = format!("/applications/{APP_ID}/guilds/{GUILD_ID}/commands");
        self.wait_for_request(timeout, |r| r.is("PUT", &route))
            .await
    }

    /// Waits for the first interaction callback for `interaction_id`.
    pub async fn wait_for_callback(
        &self,
        timeout: Duration,
        interaction_id: u64,
    ) -> Option<Recorded> {
        self.wait_for_request(timeout, |r| {
            r.is_interaction_callback() && r.interaction_id() == Some(interaction_id)
        })
        .await
    }

    /// Every REST request concerning the interaction with `interaction_id` (its callback and the
    /// webhook requests on its token).
    pub fn interaction_requests(&self, interaction_id: u64) -> Vec<Recorded> {
        let token = payloads::interaction_token(interaction_id);
        self.requests()
            .into_iter()
            .filter(|r| {
                let route = r.route();
                route.starts_with(&format!("/interactions/{interaction_id}/"))
                    || route.starts_with(&format!("/webhooks/{APP_ID}/{token}"))
            })
            .collect()
    }

    /// The payloads the bot sent over the gateway (IDENTIFY, RESUME, heartbeats, presence
    /// updates, ...).
    pub fn gateway_received(&self) -> Vec<Value> {
        self.inner.lock().gateway_received.clone()
    }

    /// A message the fake stored (created by the bot, or dispatched as MESSAGE_CREATE).
    pub fn message(&self, message_id: u64) -> Option<Value> {
        self.inner.lock().messages.get(&message_id).cloned()
    }

    /// The current original response of an interaction, if any.
    pub fn original_response(&self, interaction_id: u64) -> Option<Value> {
        let d = self.inner.lock();
        let st = d
            .interactions
            .get(&payloads::interaction_token(interaction_id))?;
        d.messages.get(&st.original?).cloned()
    }

    /// The commands last registered globally (`PUT /applications/{id}/commands`).
    pub fn global_commands(&self) -> Vec<Value> {
        self.inner.lock().global_commands.clone()
    }

    /// The commands last registered in `guild_id`.
    pub fn guild_commands(&self, guild_id: u64) -> Vec<Value> {
        self.inner
            .lock()
            .guild_commands
            .get(&guild_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Drops the gateway TCP connection without a close frame (like a network failure); the
    /// bot should RESUME. Dispatches wait until it is back.
    pub async fn drop_connection(&self) {
        self.end_session(Outgoing::Drop);
    }

    /// Closes the gateway connection with a close frame carrying `code` (4000 = unknown error,
    /// resumable; 4007/4009 invalidate the session, so the bot re-identifies).
    pub async fn close_connection(&self, code: u16) {
        self.end_session(Outgoing::Close(code, String::new()));
    }

    fn end_session(&self, how: Outgoing) {
        let mut d = self.inner.lock();
        if let Some(active) = d.active.take() {
            let _ = active.tx.send(how);
        }
        drop(d);
        self.inner.notify();
    }

    /// IDENTIFY and RESUME get no answer (no READY, no RESUMED) until
    /// [`FakeDiscord::release_gateway`]: the bot stays connecting.
    pub fn hold_gateway(&self) {
        self.inner.gateway_open.send_replace(false);
    }

    /// Lets held and new gateway connections proceed.
    pub fn release_gateway(&self) {
        self.inner.gateway_open.send_replace(true);
    }

    /// Number of IDENTIFYs received.
    pub fn identify_count(&self) -> usize {
        self.inner.identify_count.load(Ordering::SeqCst)
    }

    /// Number of RESUMEs received.
    pub fn resume_count(&self) -> usize {
        self.inner.resume_count.load(Ordering::SeqCst)
    }

    /// Number of gateway websocket connections accepted.
    pub fn connection_count(&self) -> usize {
        self.inner.connections.load(Ordering::SeqCst)
    }

    /// A fresh snowflake (unique within this fake).
    pub fn next_id(&self) -> u64 {
        self.inner.next_id()
    }

    /// Moves the fake's clock forward: interactions dispatched before now age by `by`, so a
    /// test reaches the 3-second deadline or the 15-minute token lifetime without waiting.
    pub fn advance_clock(&self, by: Duration) {
        let ms = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.inner.clock_ahead_ms.fetch_add(ms, Ordering::SeqCst);
        self.inner.notify();
    }
}

/// Checks that serenity 0.12.5 deserializes the dispatch `event` with `data` into a known event
/// (serenity silently drops or degrades to `Event::Unknown` what it cannot parse).
pub fn check_dispatch(event: &str, data: &Value) -> Result<(), String> {
    use serenity::model::event::{Event, GatewayEvent};
    let frame = json!({"op": 0, "s": 1, "t": event, "d": data});
    match serde_json::from_value::<GatewayEvent>(frame) {
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => {
            // Find the precise reason for the common events.
            use serenity::model::event as ev;
            let detail = match event {
                "INTERACTION_CREATE" => {
                    serde_json::from_value::<ev::InteractionCreateEvent>(data.clone()).err()
                }
                "MESSAGE_CREATE" => {
                    serde_json::from_value::<ev::MessageCreateEvent>(data.clone()).err()
                }
                "GUILD_CREATE" => {
                    serde_json::from_value::<ev::GuildCreateEvent>(data.clone()).err()
                }
                "READY" => serde_json::from_value::<ev::ReadyEvent>(data.clone()).err(),
                _ => None,
            };
            Err(match detail {
                Some(e) => e.to_string(),
                None => {
                    "deserialized as Event::Unknown (unknown event name or bad payload)".to_string()
                }
            })
        }
        Ok(GatewayEvent::Dispatch(..)) => Ok(()),
        Ok(_) => Err("not a dispatch".to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn discord_error(status: StatusCode, code: u64, message: &str) -> (StatusCode, Value) {
    (status, json!({"message": message, "code": code}))
}

fn not_found() -> (StatusCode, Value) {
    discord_error(StatusCode::NOT_FOUND, 0, "404: Not Found")
}

fn no_content() -> (StatusCode, Value) {
    (StatusCode::NO_CONTENT, Value::Null)
}

fn ok(v: Value) -> (StatusCode, Value) {
    (StatusCode::OK, v)
}

/// A 400 "Invalid Form Body" with Discord's nested `errors` object.
fn form_errors(errors: &[(String, &str, String)]) -> (StatusCode, Value) {
    let mut root = Map::new();
    for (path, code, message) in errors {
        let mut node = &mut root;
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            node = node
                .entry(seg.to_string())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("object");
        }
        let errs = node.entry("_errors").or_insert_with(|| json!([]));
        errs.as_array_mut()
            .expect("array")
            .push(json!({"code": code, "message": message}));
    }
    (
        StatusCode::BAD_REQUEST,
        json!({"message": "Invalid Form Body", "code": 50035, "errors": root}),
    )
}

fn parse_u64(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn id_of(v: &Value) -> Option<u64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// DM channel ids are this plus the member's user id (see `payloads::dm_channel_id`).
const DM_CHANNEL_BASE: u64 = 600_000_000_000_000_000;

fn is_dm_channel(channel_id: u64) -> bool {
    (DM_CHANNEL_BASE..700_000_000_000_000_000).contains(&channel_id)
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// Checks a message payload against Discord's limits. Returns errors as (path, code, message).
fn validate_message(body: &Value, prefix: &str) -> Vec<(String, &'static str, String)> {
    let mut errs = Vec::new();
    let mut err = |path: String, code: &'static str, message: String| {
        errs.push((format!("{prefix}{path}"), code, message));
    };
    let max_len =
        |err: &mut dyn FnMut(String, &'static str, String), path: String, v: &Value, max: usize| {
            if chars(v) > max {
                err(
                    path,
                    "BASE_TYPE_MAX_LENGTH",
                    format!("Must be {max} or fewer in length."),
                );
            }
        };
    max_len(&mut err, "content".into(), &body["content"], 2000);
    if let Some(embeds) = body["embeds"].as_array() {
        if embeds.len() > 10 {
            err(
                "embeds".into(),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 10 or fewer in length.".into(),
            );
        }
        let mut total = 0;
        for (i, e) in embeds.iter().enumerate() {
            let p = format!("embeds.{i}.");
            max_len(&mut err, format!("{p}title"), &e["title"], 256);
            max_len(&mut err, format!("{p}description"), &e["description"], 4096);
            max_len(
                &mut err,
                format!("{p}footer.text"),
                &e["footer"]["text"],
                2048,
            );
            max_len(
                &mut err,
                format!("{p}author.name"),
                &e["author"]["name"],
                256,
            );
            total += chars(&e["title"])
                + chars(&e["description"])
                + chars(&e["footer"]["text"])
                + chars(&e["author"]["name"]);
            if let Some(fields) = e["fields"].as_array() {
                if fields.len() > 25 {
                    err(
                        format!("{p}fields"),
                        "BASE_TYPE_MAX_LENGTH",
                        "Must be 25 or fewer in length.".into(),
                    );
                }
                for (j, f) in fields.iter().enumerate() {
                    let fp = format!("{p}fields.{j}.");
                    for (k, max) in [("name", 256), ("value", 1024)] {
                        if chars(&f[k]) == 0 {
                            err(
                                format!("{fp}{k}"),
                                "BASE_TYPE_REQUIRED",
                                "This field is required".into(),
                            );
                        }
                        max_len(&mut err, format!("{fp}{k}"), &f[k], max);
                    }
                    total += chars(&f["name"]) + chars(&f["value"]);
                }
            }
        }
        if total > 6000 {
            err(
                "embeds".into(),
                "MAX_EMBED_SIZE_EXCEEDED",
                "Embed size exceeds maximum size of 6000".into(),
            );
        }
    }
    if let Some(rows) = body["components"].as_array() {
        if rows.len() > 5 {
            err(
                "components".into(),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 5 or fewer in length.".into(),
            );
        }
        let mut seen = std::collections::HashSet::new();
        for (i, row) in rows.iter().enumerate() {
            let comps = row["components"].as_array().cloned().unwrap_or_default();
            if row["type"].as_u64() == Some(1) && (comps.is_empty() || comps.len() > 5) {
                err(
                    format!("components.{i}.components"),
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 5 in length.".into(),
                );
            }
            for (j, c) in comps.iter().enumerate() {
                let cp = format!("components.{i}.components.{j}.");
                max_len(&mut err, format!("{cp}label"), &c["label"], 80);
                max_len(&mut err, format!("{cp}custom_id"), &c["custom_id"], 100);
                if c["type"].as_u64() == Some(2) {
                    let is_link = c["style"].as_u64() == Some(5);
                    if is_link && c["url"].as_str().is_none() {
                        err(
                            format!("{cp}url"),
                            "BASE_TYPE_REQUIRED",
                            "This field is required".into(),
                        );
                    }
                    if !is_link
                        && c["style"].as_u64() != Some(6)
                        && c["custom_id"].as_str().is_none()
                    {
                        err(
                            format!("{cp}custom_id"),
                            "BASE_TYPE_REQUIRED",
                            "This field is required".into(),
                        );
                    }
                    if c["label"].is_null() && c["emoji"].is_null() {
                        err(
                            format!("{cp}label"),
                            "BASE_TYPE_REQUIRED",
                            "This field is required".into(),
                        );
                    }
                }
                if let Some(id) = c["custom_id"].as_str() {
                    if !seen.insert(id.to_string()) {
                        err(
                            format!("{cp}custom_id"),
                            "COMPONENT_CUSTOM_ID_DUPLICATED",
                            "Component custom id cannot be duplicated".into(),
                        );
                    }
                }
            }
        }
    }
    errs
}

/// Every rule a message body must pass (limits, components, `allowed_mentions`, and unless
/// it is an edit, not empty), as Discord's error response; `None` if Discord would take it.
fn message_rejection(
    data: &Value,
    files: &[FilePart],
    prefix: &str,
    check_empty: bool,
) -> Option<(StatusCode, Value)> {
    let mut errs = validate_message(data, prefix);
    errs.extend(rules::components(data, prefix));
    errs.extend(rules::allowed_mentions(data, prefix));
    if !errs.is_empty() {
        return Some(form_errors(&errs));
    }
    if check_empty && is_empty_message(data, files) {
        return Some(discord_error(
            StatusCode::BAD_REQUEST,
            50006,
            "Cannot send an empty message",
        ));
    }
    None
}

/// Whether applying the edit `body` (with new `files`) to `message` leaves nothing to show.
fn edit_leaves_empty(message: &Value, body: &Value, files: &[FilePart]) -> bool {
    let mut after = json!({});
    for k in [
        "content",
        "embeds",
        "components",
        "attachments",
        "sticker_items",
        "poll",
    ] {
        after[k] = match body.get(k) {
            Some(v) => v.clone(),
            None => message[k].clone(),
        };
    }
    if let Some(keep) = body["attachments"].as_array() {
        // Only attachments the edit keeps by id survive; new ones come as files.
        let kept: Vec<Value> = message["attachments"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| keep.iter().any(|k| id_of(&k["id"]) == id_of(&a["id"])))
            .cloned()
            .collect();
        after["attachments"] = json!(kept);
    }
    is_empty_message(&after, files)
}

fn is_empty_message(body: &Value, files: &[FilePart]) -> bool {
    let nonempty = |k: &str| match &body[k] {
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Null => false,
        _ => true,
    };
    files.is_empty()
        && ![
            "content",
            "embeds",
            "components",
            "sticker_ids",
            "sticker_items",
            "poll",
            "attachments",
        ]
        .iter()
        .any(|k| nonempty(k))
}

fn normalize_embeds(embeds: &Value) -> Value {
    let mut out = Vec::new();
    for e in embeds.as_array().into_iter().flatten() {
        let mut e = e.clone();
        if let Some(o) = e.as_object_mut() {
            o.entry("type").or_insert(json!("rich"));
            o.entry("content_scan_version").or_insert(json!(0));
            if let Some(fields) = o.get_mut("fields").and_then(Value::as_array_mut) {
                for f in fields {
                    if let Some(fo) = f.as_object_mut() {
                        fo.entry("inline").or_insert(json!(false));
                    }
                }
            }
        }
        out.push(e);
    }
    Value::Array(out)
}

fn normalize_components(components: &Value) -> Value {
    let mut next = 1u64;
    let mut out = Vec::new();
    for row in components.as_array().into_iter().flatten() {
        let mut row = row.clone();
        if let Some(o) = row.as_object_mut() {
            o.entry("id").or_insert_with(|| {
                next += 1;
                json!(next - 1)
            });
            if let Some(comps) = o.get_mut("components").and_then(Value::as_array_mut) {
                for c in comps {
                    if let Some(co) = c.as_object_mut() {
                        co.entry("id").or_insert_with(|| {
                            next += 1;
                            json!(next - 1)
                        });
                    }
                }
            }
        }
        out.push(row);
    }
    Value::Array(out)
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, Data> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn notify(&self) {
        self.changed.send_modify(|v| *v += 1);
    }

    fn next_id(&self) -> u64 {
        self.ids.fetch_add(1, Ordering::SeqCst)
    }

    /// The fake's clock: real time plus whatever [`FakeDiscord::advance_clock`] added.
    fn now(&self) -> Instant {
        Instant::now() + Duration::from_millis(self.clock_ahead_ms.load(Ordering::SeqCst))
    }

    /// The interaction behind a webhook token, unless the token is unknown (404 10015) or
    /// older than Discord's 15 minutes (401 50027).
    fn webhook_interaction<'d>(
        &self,
        d: &'d Data,
        token: &str,
    ) -> Result<&'d InteractionState, (StatusCode, Value)> {
        let Some(st) = d.interactions.get(token) else {
            return Err(discord_error(
                StatusCode::NOT_FOUND,
                10015,
                "Unknown Webhook",
            ));
        };
        if self.now().saturating_duration_since(st.dispatched_at) > WEBHOOK_TOKEN_LIFETIME {
            return Err(discord_error(
                StatusCode::UNAUTHORIZED,
                50027,
                "Invalid Webhook Token",
            ));
        }
        Ok(st)
    }

    fn ws_url(&self) -> String {
        format!("ws://{}/gateway", self.addr)
    }

    /// Applies intent filtering and bookkeeping; returns the data to send, or None to drop.
    fn prepare_dispatch(&self, d: &mut Data, event: &str, mut data: Value) -> Option<Value> {
        match event {
            "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" | "MESSAGE_DELETE_BULK" => {
                let in_guild = !data["guild_id"].is_null();
                if self.config.enforce_intents {
                    let needed = if in_guild {
                        INTENT_GUILD_MESSAGES
                    } else {
                        INTENT_DIRECT_MESSAGES
                    };
                    if d.intents & needed == 0 {
                        return None;
                    }
                    let author_is_bot = id_of(&data["author"]["id"]) == Some(BOT_USER_ID);
                    let mentions_bot = data["mentions"]
                        .as_array()
                        .is_some_and(|m| m.iter().any(|u| id_of(&u["id"]) == Some(BOT_USER_ID)));
                    if in_guild
                        && d.intents & INTENT_MESSAGE_CONTENT == 0
                        && !author_is_bot
                        && !mentions_bot
                        && event != "MESSAGE_DELETE"
                        && event != "MESSAGE_DELETE_BULK"
                    {
                        for (k, v) in [
                            ("content", json!("")),
                            ("embeds", json!([])),
                            ("attachments", json!([])),
                            ("components", json!([])),
                        ] {
                            if data.get(k).is_some() {
                                data[k] = v;
                            }
                        }
                    }
                }
                if event == "MESSAGE_CREATE" {
                    if let Some(id) = id_of(&data["id"]) {
                        d.messages.insert(id, data.clone());
                    }
                }
            }
            "INTERACTION_CREATE" => {
                // Keep `app_permissions` in line with the configured bot role, unless the test
                // set a value of its own.
                let builder_default = (perms::BOT | perms::EVERYONE).to_string();
                if data["app_permissions"].as_str() == Some(builder_default.as_str()) {
                    data["app_permissions"] = json!(self.bot_channel_permissions().to_string());
                }
                if let Some(token) = data["token"].as_str() {
                    let source_message = id_of(&data["message"]["id"]);
                    if let (Some(id), Some(msg)) = (source_message, data.get("message")) {
                        d.messages.entry(id).or_insert_with(|| msg.clone());
                    }
                    d.interactions.insert(
                        token.to_string(),
                        InteractionState {
                            dispatched_at: self.now(),
                            acked: false,
                            thinking: false,
                            kind: data["type"].as_u64().unwrap_or(0),
                            channel_id: id_of(&data["channel_id"]).unwrap_or(CHANNEL_ID),
                            guild_id: id_of(&data["guild_id"]),
                            source_message,
                            original: None,
                        },
                    );
                }
            }
            _ => {}
        }
        Some(data)
    }

    /// Sends a gateway echo of a message the bot created/edited/deleted, like Discord does.
    fn echo(&self, d: &mut Data, event: &str, message: &Value) {
        if !self.config.echo_bot_messages
            || message["flags"].as_u64().unwrap_or(0) & FLAG_EPHEMERAL != 0
        {
            return;
        }
        let Some(tx) = d.active.as_ref().map(|a| a.tx.clone()) else {
            return;
        };
        let in_guild = id_of(&message["channel_id"]) == Some(CHANNEL_ID);
        let needed = if in_guild {
            INTENT_GUILD_MESSAGES
        } else {
            INTENT_DIRECT_MESSAGES
        };
        if self.config.enforce_intents && d.intents & needed == 0 {
            return;
        }
        let mut m = if event == "MESSAGE_DELETE" {
            json!({"id": message["id"], "channel_id": message["channel_id"]})
        } else {
            message.clone()
        };
        if in_guild {
            m["guild_id"] = json!(GUILD_ID.to_string());
            if event != "MESSAGE_DELETE" {
                m["member"] = payloads::bot_member().to_message_member_json();
            }
        }
        d.seq += 1;
        let frame = json!({"op": 0, "s": d.seq, "t": event, "d": m}).to_string();
        let _ = tx.send(Outgoing::Text(frame));
    }

    /// The bot's computed permissions in the guild channel.
    fn bot_channel_permissions(&self) -> u64 {
        let p = self.config.bot_permissions | perms::EVERYONE;
        if p & perms::ADMINISTRATOR != 0 {
            perms::ALL
        } else {
            p
        }
    }

    fn app_info(&self) -> Value {
        json!({
            "id": APP_ID.to_string(),
            "name": payloads::BOT_NAME,
            "icon": null,
            "description": "LDN FAQ bot (fake)",
            "rpc_origins": [],
            "bot_public": true,
            "bot_require_code_grant": false,
            "bot": payloads::bot_user_json(),
            "terms_of_service_url": null,
            "privacy_policy_url": null,
            "owner": payloads::user_json(OWNER_USER_ID, "owner", false),
            "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
            "team": null,
            "flags": 0,
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": null,
            "role_connections_verification_url": null,
            "approximate_guild_count": 1,
            "integration_types_config": {"0": {}},
            "type": null,
            "flags_new": "0",
            "approximate_user_install_count": 0,
            "approximate_user_authorization_count": 0,
            "explicit_content_filter": 0,
            "eligible_oauth2_scopes": ["applications.commands", "bot"],
        })
    }

    fn command_object(&self, cmd: &Value, guild_id: Option<u64>, existing: &[Value]) -> Value {
        let mut c = cmd.clone();
        let name = c["name"].as_str().unwrap_or("").to_string();
        let kind = c["type"].as_u64().unwrap_or(1);
        let prev = existing.iter().find(|e| {
            e["name"].as_str() == Some(name.as_str()) && e["type"].as_u64() == Some(kind)
        });
        let id = prev
            .and_then(|p| p["id"].as_str().map(str::to_string))
            .unwrap_or_else(|| payloads::command_id(&name).to_string());
        let o = c.as_object_mut().expect("command object");
        o.insert("id".into(), json!(id));
        o.insert("application_id".into(), json!(APP_ID.to_string()));
        o.insert("version".into(), json!(self.next_id().to_string()));
        o.insert("type".into(), json!(kind));
        o.entry("description").or_insert(json!(""));
        o.entry("default_member_permissions").or_insert(Value::Null);
        o.entry("nsfw").or_insert(json!(false));
        o.entry("integration_types").or_insert(json!([0]));
        o.entry("contexts").or_insert(Value::Null);
        o.entry("dm_permission").or_insert(json!(true));
        o.entry("options").or_insert(json!([]));
        if let Some(g) = guild_id {
            o.insert("guild_id".into(), json!(g.to_string()));
        }
        c
    }

    fn attachments_for(&self, files: &[FilePart], body: &Value) -> Vec<Value> {
        files
            .iter()
            .map(|f| {
                let id = self.next_id();
                // `attachments[].description` in the payload refers to files[N] by id N.
                let idx = f.field.trim_start_matches("files[").trim_end_matches(']').to_string();
                let description = body["attachments"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|a| a["id"].to_string().trim_matches('"') == idx)
                    .map(|a| a["description"].clone())
                    .unwrap_or(Value::Null);
                json!({
                    "id": id.to_string(),
                    "filename": f.filename,
                    "description": description,
                    "size": f.bytes.len(),
                    "url": format!("https://cdn.discordapp.com/attachments/1/{id}/{}", f.filename),
                    "proxy_url": format!("https://media.discordapp.net/attachments/1/{id}/{}", f.filename),
                    "content_type": f.content_type,
                })
            })
            .collect()
    }

    /// Builds a message object from a create-message payload and stores it.
    #[allow(clippy::too_many_arguments)]
    fn create_message(
        &self,
        d: &mut Data,
        channel_id: u64,
        guild_id: Option<u64>,
        body: &Value,
        files: &[FilePart],
        webhook: bool,
        kind: u64,
    ) -> Value {
        let id = self.next_id();
        let mut m = payloads::message_json(
            id,
            channel_id,
            guild_id,
            &User::bot_user(),
            body["content"].as_str().unwrap_or(""),
        );
        m["tts"] = json!(body["tts"].as_bool().unwrap_or(false));
        m["embeds"] = normalize_embeds(&body["embeds"]);
        m["components"] = normalize_components(&body["components"]);
        m["attachments"] = json!(self.attachments_for(files, body));
        m["flags"] = json!(body["flags"].as_u64().unwrap_or(0) & CLIENT_MESSAGE_FLAGS);
        m["type"] = json!(kind);
        if !body["nonce"].is_null() {
            m["nonce"] = body["nonce"].clone();
        }
        if webhook {
            m["webhook_id"] = json!(APP_ID.to_string());
            m["application_id"] = json!(APP_ID.to_string());
        }
        let reference = &body["message_reference"];
        if let Some(ref_id) = id_of(&reference["message_id"]) {
            let ref_channel = id_of(&reference["channel_id"]).unwrap_or(channel_id);
            let mut r = json!({
                "type": 0,
                "message_id": ref_id.to_string(),
                "channel_id": ref_channel.to_string(),
            });
            if let Some(g) = guild_id {
                r["guild_id"] = json!(g.to_string());
            }
            m["message_reference"] = r;
            m["type"] = json!(19);
            m["referenced_message"] = d.messages.get(&ref_id).cloned().unwrap_or(Value::Null);
        }
        d.messages.insert(id, m.clone());
        self.echo(d, "MESSAGE_CREATE", &m);
        m
    }

    /// Applies an edit-message payload to a stored message.
    fn edit_message(
        &self,
        d: &mut Data,
        message_id: u64,
        body: &Value,
        files: &[FilePart],
    ) -> Option<Value> {
        let mut m = d.messages.get(&message_id)?.clone();
        if body.get("content").is_some() {
            m["content"] = json!(body["content"].as_str().unwrap_or(""));
        }
        if body.get("embeds").is_some() {
            m["embeds"] = normalize_embeds(&body["embeds"]);
        }
        if body.get("components").is_some() {
            m["components"] = normalize_components(&body["components"]);
        }
        if let Some(flags) = body["flags"].as_u64() {
            let keep = m["flags"].as_u64().unwrap_or(0) & FLAG_EPHEMERAL;
            m["flags"] = json!((flags & CLIENT_MESSAGE_FLAGS) | keep);
        }
        let mut atts: Vec<Value> = match body["attachments"].as_array() {
            Some(keep) => m["attachments"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|a| {
                    keep.iter()
                        .any(|k| id_of(&k["id"]).is_some() && id_of(&k["id"]) == id_of(&a["id"]))
                })
                .cloned()
                .collect(),
            None => m["attachments"].as_array().cloned().unwrap_or_default(),
        };
        atts.extend(self.attachments_for(files, body));
        m["attachments"] = json!(atts);
        // Editing the deferred placeholder clears the loading state.
        if let Some(flags) = m["flags"].as_u64() {
            m["flags"] = json!(flags & !FLAG_LOADING);
        }
        m["edited_timestamp"] = json!(payloads::now_timestamp());
        d.messages.insert(message_id, m.clone());
        self.echo(d, "MESSAGE_UPDATE", &m);
        Some(m)
    }

    fn handle(
        &self,
        method: &str,
        path: &str,
        query: &str,
        body: &Value,
        files: &[FilePart],
    ) -> (StatusCode, Value) {
        let Some(route) = path.strip_prefix("/api/v10") else {
            return not_found();
        };
        let segs: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
        let validate = self.config.validate_messages;
        let upload: usize = files.iter().map(|f| f.bytes.len()).sum();
        if upload > self.config.max_upload_bytes {
            return discord_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                40005,
                "Request entity too large",
            );
        }
        if body.is_string() && matches!(method, "POST" | "PUT" | "PATCH") {
            // The recorder keeps a body that did not parse as a JSON string.
            return discord_error(
                StatusCode::BAD_REQUEST,
                50109,
                "The request body contains invalid JSON.",
            );
        }
        let mut d = self.lock();
        match (method, segs.as_slice()) {
            ("GET", ["gateway"]) => ok(json!({"url": self.ws_url()})),
            ("GET", ["gateway", "bot"]) => ok(json!({
                "url": self.ws_url(),
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1},
            })),
            ("GET", ["users", "@me"]) => ok(payloads::bot_user_json()),
            ("GET", ["users", id]) => match parse_u64(id) {
                Some(BOT_USER_ID) => ok(payloads::user_json(BOT_USER_ID, payloads::BOT_NAME, true)),
                Some(id) => ok(payloads::user_json(id, &format!("user{id}"), false)),
                None => not_found(),
            },
            ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]) => {
                ok(self.app_info())
            }
            ("PUT", ["applications", _, "commands"])
            | ("PUT", ["applications", _, "guilds", _, "commands"])
                if !rules::command_list(body).is_empty() =>
            {
                form_errors(&rules::command_list(body))
            }
            ("POST", ["applications", _, "commands"])
            | ("POST", ["applications", _, "guilds", _, "commands"])
                if !rules::command_rules(body, "").is_empty() =>
            {
                form_errors(&rules::command_rules(body, ""))
            }
            ("PUT", ["applications", _, "commands"]) => {
                let existing = d.global_commands.clone();
                let cmds: Vec<Value> = body
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| self.command_object(c, None, &existing))
                    .collect();
                d.global_commands = cmds.clone();
                ok(json!(cmds))
            }
            ("GET", ["applications", _, "commands"]) => ok(json!(d.global_commands)),
            ("POST", ["applications", _, "commands"]) => {
                let existing = d.global_commands.clone();
                let c = self.command_object(body, None, &existing);
                d.global_commands.retain(|e| e["id"] != c["id"]);
                d.global_commands.push(c.clone());
                ok(c)
            }
            ("PUT", ["applications", _, "guilds", g, "commands"]) => {
                let g = parse_u64(g).unwrap_or(GUILD_ID);
                let existing = d.guild_commands.get(&g).cloned().unwrap_or_default();
                let cmds: Vec<Value> = body
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|c| self.command_object(c, Some(g), &existing))
                    .collect();
                d.guild_commands.insert(g, cmds.clone());
                ok(json!(cmds))
            }
            ("GET", ["applications", _, "guilds", g, "commands"]) => ok(json!(d
                .guild_commands
                .get(&parse_u64(g).unwrap_or(0))
                .cloned()
                .unwrap_or_default())),
            ("POST", ["interactions", _id, token, "callback"]) => {
                self.interaction_callback(&mut d, token, query, body, files, validate)
            }
            ("POST", ["webhooks", _, token]) => {
                let st = match self.webhook_interaction(&d, token) {
                    Ok(st) => st,
                    Err(rejection) => return rejection,
                };
                if !st.acked {
                    return discord_error(StatusCode::NOT_FOUND, 10015, "Unknown Webhook");
                }
                let (channel_id, guild_id) = (st.channel_id, st.guild_id);
                let thinking = st.thinking.then_some(st.original).flatten();
                if validate {
                    if let Some(rejection) = message_rejection(body, files, "", true) {
                        return rejection;
                    }
                }
                if let Some(original) = thinking {
                    // Like Discord: the first followup after a deferral replaces the
                    // "thinking…" message, whose visibility the deferral already fixed.
                    let mut edit = body.clone();
                    if let Some(flags) = edit["flags"].as_u64() {
                        edit["flags"] = json!(flags & !FLAG_EPHEMERAL);
                    }
                    if let Some(st) = d.interactions.get_mut(*token) {
                        st.thinking = false;
                    }
                    return match self.edit_message(&mut d, original, &edit, files) {
                        Some(m) => ok(m),
                        None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
                    };
                }
                ok(self.create_message(&mut d, channel_id, guild_id, body, files, true, 20))
            }
            (m @ ("GET" | "PATCH" | "DELETE"), ["webhooks", _, token, "messages", mid]) => {
                let st = match self.webhook_interaction(&d, token) {
                    Ok(st) => st,
                    Err(rejection) => return rejection,
                };
                let target = if *mid == "@original" {
                    st.original
                } else {
                    parse_u64(mid)
                };
                let Some(target) = target.filter(|t| d.messages.contains_key(t)) else {
                    return discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message");
                };
                match m {
                    "GET" => ok(d.messages[&target].clone()),
                    "DELETE" => {
                        if let Some(m) = d.messages.remove(&target) {
                            self.echo(&mut d, "MESSAGE_DELETE", &m);
                        }
                        no_content()
                    }
                    _ => {
                        if validate {
                            if let Some(rejection) = message_rejection(body, files, "", false) {
                                return rejection;
                            }
                            if edit_leaves_empty(&d.messages[&target], body, files) {
                                return discord_error(
                                    StatusCode::BAD_REQUEST,
                                    50006,
                                    "Cannot send an empty message",
                                );
                            }
                        }
                        if let Some(st) = d.interactions.get_mut(*token) {
                            if st.original == Some(target) {
                                st.thinking = false;
                            }
                        }
                        match self.edit_message(&mut d, target, body, files) {
                            Some(m) => ok(m),
                            None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
                        }
                    }
                }
            }
            ("POST", ["channels", cid, "messages"]) => {
                let Some(cid) = parse_u64(cid).filter(|c| *c == CHANNEL_ID || is_dm_channel(*c))
                else {
                    return discord_error(StatusCode::NOT_FOUND, 10003, "Unknown Channel");
                };
                let mut body = body.clone();
                if cid == CHANNEL_ID {
                    let p = self.bot_channel_permissions();
                    let need = perms::VIEW_CHANNEL | perms::SEND_MESSAGES;
                    if p & need != need || (!files.is_empty() && p & perms::ATTACH_FILES == 0) {
                        return discord_error(StatusCode::FORBIDDEN, 50013, "Missing Permissions");
                    }
                    if p & perms::EMBED_LINKS == 0 {
                        body["embeds"] = json!([]);
                    }
                }
                if validate {
                    if let Some(rejection) = message_rejection(&body, files, "", true) {
                        return rejection;
                    }
                    let in_channel = |id: u64| {
                        d.messages
                            .get(&id)
                            .is_some_and(|m| id_of(&m["channel_id"]) == Some(cid))
                    };
                    let errs = rules::message_reference(&body, in_channel);
                    if !errs.is_empty() {
                        return form_errors(&errs);
                    }
                    let reference = id_of(&body["message_reference"]["message_id"]);
                    if reference.is_some_and(|id| !in_channel(id)) {
                        // `fail_if_not_exists: false`: sent, without the reference.
                        body["message_reference"] = Value::Null;
                    }
                }
                if is_dm_channel(cid)
                    && self
                        .config
                        .dm_closed_users
                        .contains(&(cid - DM_CHANNEL_BASE))
                {
                    return discord_error(
                        StatusCode::FORBIDDEN,
                        50007,
                        "Cannot send messages to this user",
                    );
                }
                ok(self.create_message(&mut d, cid, None, &body, files, false, 0))
            }
            ("GET", ["channels", cid, "messages"]) => {
                let cid = parse_u64(cid).unwrap_or(0);
                let mut msgs: Vec<(u64, Value)> = d
                    .messages
                    .iter()
                    .filter(|(_, m)| id_of(&m["channel_id"]) == Some(cid))
                    .map(|(id, m)| (*id, m.clone()))
                    .collect();
                msgs.sort_by_key(|m| std::cmp::Reverse(m.0));
                let limit = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("limit="))
                    .and_then(parse_u64)
                    .unwrap_or(50) as usize;
                ok(json!(msgs
                    .into_iter()
                    .take(limit)
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()))
            }
            ("GET", ["channels", _, "messages", mid]) => {
                match parse_u64(mid).and_then(|m| d.messages.get(&m)) {
                    Some(m) => ok(m.clone()),
                    None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
                }
            }
            ("PATCH", ["channels", _, "messages", mid]) => {
                if validate {
                    if let Some(rejection) = message_rejection(body, files, "", false) {
                        return rejection;
                    }
                    let old = parse_u64(mid).and_then(|m| d.messages.get(&m));
                    if old.is_some_and(|old| edit_leaves_empty(old, body, files)) {
                        return discord_error(
                            StatusCode::BAD_REQUEST,
                            50006,
                            "Cannot send an empty message",
                        );
                    }
                }
                match parse_u64(mid).and_then(|m| self.edit_message(&mut d, m, body, files)) {
                    Some(m) => ok(m),
                    None => discord_error(StatusCode::NOT_FOUND, 10008, "Unknown Message"),
                }
            }
            ("DELETE", ["channels", _, "messages", mid]) => {
                if let Some(m) = parse_u64(mid).and_then(|m| d.messages.remove(&m)) {
                    self.echo(&mut d, "MESSAGE_DELETE", &m);
                }
                no_content()
            }
            ("POST", ["channels", _, "typing"]) => no_content(),
            ("PUT", ["channels", _, "messages", _, "reactions", ..]) => no_content(),
            ("GET", ["channels", cid]) if parse_u64(cid) == Some(READ_ONLY_CHANNEL_ID) => {
                ok(read_only_channel_json())
            }
            ("GET", ["channels", cid]) => match parse_u64(cid) {
                Some(CHANNEL_ID) => ok(payloads::text_channel_json()),
                Some(c) if is_dm_channel(c) => {
                    let mut ch = payloads::dm_channel_json(&User::new(c - DM_CHANNEL_BASE));
                    ch["id"] = json!(c.to_string());
                    ok(ch)
                }
                _ => discord_error(StatusCode::NOT_FOUND, 10003, "Unknown Channel"),
            },
            ("POST", ["users", "@me", "channels"]) => match id_of(&body["recipient_id"]) {
                Some(uid) if self.config.dm_unavailable_users.contains(&uid) => {
                    discord_error(StatusCode::BAD_REQUEST, 50033, "Invalid Recipient(s)")
                }
                Some(uid) => ok(payloads::dm_channel_json(&User::new(uid))),
                None => form_errors(&[(
                    "recipient_id".into(),
                    "BASE_TYPE_REQUIRED",
                    "This field is required".into(),
                )]),
            },
            ("GET", ["guilds", gid]) if parse_u64(gid) == Some(GUILD_ID) => {
                ok(payloads::guild_base_json(self.config.bot_permissions))
            }
            ("GET", ["guilds", gid, "roles"]) if parse_u64(gid) == Some(GUILD_ID) => {
                ok(payloads::guild_roles_json(self.config.bot_permissions))
            }
            ("GET", ["guilds", gid, "channels"]) if parse_u64(gid) == Some(GUILD_ID) => {
                ok(json!([payloads::text_channel_json()]))
            }
            ("GET", ["guilds", gid, "members", uid]) if parse_u64(gid) == Some(GUILD_ID) => {
                let uid = parse_u64(uid);
                let mut all = vec![payloads::bot_member(), Member::owner()];
                all.extend(self.config.extra_members.iter().cloned());
                match all.into_iter().find(|m| Some(m.user.id) == uid) {
                    Some(m) => ok(m.to_guild_json()),
                    None => discord_error(StatusCode::NOT_FOUND, 10007, "Unknown Member"),
                }
            }
            ("DELETE", _) => no_content(),
            _ => not_found(),
        }
    }

    fn interaction_callback(
        &self,
        d: &mut Data,
        token: &str,
        query: &str,
        body: &Value,
        files: &[FilePart],
        validate: bool,
    ) -> (StatusCode, Value) {
        let deadline = self.config.interaction_deadline;
        let Some(st) = d.interactions.get(token) else {
            return discord_error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
        };
        if deadline.is_some_and(|dl| self.now().saturating_duration_since(st.dispatched_at) > dl) {
            return discord_error(StatusCode::NOT_FOUND, 10062, "Unknown interaction");
        }
        if st.acked {
            return discord_error(
                StatusCode::BAD_REQUEST,
                40060,
                "Interaction has already been acknowledged.",
            );
        }
        let (channel_id, guild_id, source, ikind) =
            (st.channel_id, st.guild_id, st.source_message, st.kind);
        let kind = body["type"].as_u64().unwrap_or(0);
        let data = &body["data"];
        let allowed: &[u64] = match ikind {
            2 => &[4, 5, 9],
            3 => &[4, 5, 6, 7, 9],
            4 => &[8],
            5 => &[4, 5, 6, 7],
            _ => &[1],
        };
        if !allowed.contains(&kind) {
            return form_errors(&[(
                "type".into(),
                "INTERACTION_RESPONSE_TYPE_INVALID",
                format!("Invalid response type {kind} for interaction type {ikind}"),
            )]);
        }
        if validate {
            let rejection = match kind {
                4 | 7 => message_rejection(data, files, "data.", kind == 4),
                8 => Some(rules::autocomplete(data))
                    .filter(|errs| !errs.is_empty())
                    .map(|errs| form_errors(&errs)),
                _ => None,
            };
            if let Some(rejection) = rejection {
                return rejection;
            }
        }
        let message_kind = if ikind == 2 { 20 } else { 0 };
        let original = match kind {
            4 => {
                let m =
                    self.create_message(d, channel_id, guild_id, data, files, true, message_kind);
                id_of(&m["id"])
            }
            5 => {
                let flags = data["flags"].as_u64().unwrap_or(0) & FLAG_EPHEMERAL;
                let placeholder = json!({"content": "", "flags": flags});
                let m = self.create_message(
                    d,
                    channel_id,
                    guild_id,
                    &placeholder,
                    &[],
                    true,
                    message_kind,
                );
                let id = id_of(&m["id"]);
                if let Some(id) = id {
                    d.messages.get_mut(&id).expect("stored")["flags"] = json!(flags | FLAG_LOADING);
                }
                id
            }
            6 => source,
            7 => {
                if let Some(src) = source {
                    self.edit_message(d, src, data, files);
                }
                source
            }
            _ => None,
        };
        let st = d.interactions.get_mut(token).expect("interaction state");
        st.acked = true;
        st.thinking = kind == 5;
        st.original = original;
        if query.split('&').any(|kv| kv == "with_response=true") {
            let message = original.and_then(|id| d.messages.get(&id).cloned());
            let mut resource = json!({"type": kind});
            if let Some(m) = &message {
                resource["message"] = m.clone();
            }
            let id = token.trim_start_matches("tok-").to_string();
            return ok(json!({
                "interaction": {
                    "id": id,
                    "type": ikind,
                    "activity_instance_id": null,
                    "response_message_id": original.map(|o| o.to_string()),
                    "response_message_loading": kind == 5,
                    "response_message_ephemeral": message.as_ref().is_some_and(|m| m["flags"].as_u64().unwrap_or(0) & FLAG_EPHEMERAL != 0),
                },
                "resource": resource,
            }));
        }
        no_content()
    }

    fn handle_identify(&self, payload: &Value) -> Vec<String> {
        self.identify_count.fetch_add(1, Ordering::SeqCst);
        let n = self.identify_count.load(Ordering::SeqCst);
        let session_id = format!("fake-session-{n}");
        let mut d = self.lock();
        d.session_id = Some(session_id.clone());
        d.seq = 0;
        d.intents = payload["d"]["intents"].as_u64().unwrap_or(0);
        let shard = payload["d"]["shard"].clone();
        let shard = (!shard.is_null()).then_some(shard);
        let mut frames = Vec::new();
        d.seq += 1;
        frames.push(
            json!({"op": 0, "s": d.seq, "t": "READY", "d": payloads::ready(&session_id, &self.ws_url(), shard)})
                .to_string(),
        );
        if d.intents & INTENT_GUILDS != 0 || !self.config.enforce_intents {
            d.seq += 1;
            let mut guild =
                payloads::guild_create(self.config.bot_permissions, &self.config.extra_members);
            guild["preferred_locale"] = json!(self.config.preferred_locale);
            frames.push(json!({"op": 0, "s": d.seq, "t": "GUILD_CREATE", "d": guild}).to_string());
        }
        frames
    }
}

async fn ws_route(ws: WebSocketUpgrade, State(inner): State<Arc<Inner>>) -> Response {
    ws.on_upgrade(move |socket| gateway_session(inner, socket))
}

async fn send_text(socket: &mut WebSocket, s: String) -> bool {
    socket.send(WsMessage::Text(s.into())).await.is_ok()
}

async fn gateway_session(inner: Arc<Inner>, mut socket: WebSocket) {
    let conn_id = inner.conn_ids.fetch_add(1, Ordering::SeqCst) + 1;
    inner.connections.fetch_add(1, Ordering::SeqCst);
    inner.notify();
    let (tx, mut rx) = mpsc::unbounded_channel::<Outgoing>();
    let mut shutdown = inner.shutdown.subscribe();
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": inner.config.heartbeat_interval_ms}});
    if !send_text(&mut socket, hello.to_string()).await {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(msg)) = incoming else { break };
                let text = match msg {
                    WsMessage::Text(t) => t.to_string(),
                    WsMessage::Binary(b) => String::from_utf8_lossy(&b).into_owned(),
                    // The next recv() flushes tungstenite's close reply and ends the stream.
                    _ => continue,
                };
                let Ok(payload) = serde_json::from_str::<Value>(&text) else {
                    let _ = socket.send(WsMessage::Close(Some(CloseFrame { code: 4002, reason: "Error while decoding payload.".into() }))).await;
                    break;
                };
                inner.lock().gateway_received.push(payload.clone());
                inner.notify();
                match payload["op"].as_u64() {
                    Some(1) => {
                        let ack = json!({"op": 11, "s": null, "t": null, "d": null}).to_string();
                        if !send_text(&mut socket, ack).await {
                            break;
                        }
                    },
                    Some(2) => {
                        if inner.gateway_open.subscribe().wait_for(|open| *open).await.is_err() {
                            break;
                        }
                        let frames = inner.handle_identify(&payload);
                        let mut sent = true;
                        for f in frames {
                            sent &= send_text(&mut socket, f).await;
                        }
                        if !sent {
                            break;
                        }
                        let mut d = inner.lock();
                        d.ready_sessions += 1;
                        d.active = Some(ActiveSession { conn_id, tx: tx.clone() });
                        drop(d);
                        inner.notify();
                    },
                    Some(6) => {
                        if inner.gateway_open.subscribe().wait_for(|open| *open).await.is_err() {
                            break;
                        }
                        inner.resume_count.fetch_add(1, Ordering::SeqCst);
                        let frame = {
                            let mut d = inner.lock();
                            let valid = d.session_id.is_some()
                                && payload["d"]["session_id"].as_str() == d.session_id.as_deref();
                            if valid {
                                d.seq += 1;
                                Some(json!({"op": 0, "s": d.seq, "t": "RESUMED", "d": {"_trace": ["fake-discord"]}}).to_string())
                            } else {
                                None
                            }
                        };
                        match frame {
                            Some(f) => {
                                if !send_text(&mut socket, f).await {
                                    break;
                                }
                                inner.lock().active = Some(ActiveSession { conn_id, tx: tx.clone() });
                                inner.notify();
                            },
                            None => {
                                let invalid = json!({"op": 9, "s": null, "t": null, "d": false});
                                if !send_text(&mut socket, invalid.to_string()).await {
                                    break;
                                }
                            },
                        }
                    },
                    _ => {},
                }
            },
            out = rx.recv() => match out {
                Some(Outgoing::Text(s)) => {
                    if !send_text(&mut socket, s).await {
                        break;
                    }
                },
                Some(Outgoing::Close(code, reason)) => {
                    let _ = socket.send(WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                },
                Some(Outgoing::Drop) | None => break,
            },
            _ = shutdown.changed() => break,
        }
    }
    let mut d = inner.lock();
    if d.active.as_ref().is_some_and(|a| a.conn_id == conn_id) {
        d.active = None;
    }
    drop(d);
    inner.notify();
}

async fn rest_route(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    let at = Instant::now();
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut file_parts = Vec::new();
    let mut body = Value::Null;
    if is_multipart {
        match Multipart::from_request(req, &()).await {
            Ok(mut mp) => {
                while let Ok(Some(field)) = mp.next_field().await {
                    let name = field.name().unwrap_or("").to_string();
                    let filename = field.file_name().map(str::to_string);
                    let content_type = field.content_type().map(str::to_string);
                    let bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
                    match filename {
                        Some(filename) => file_parts.push(FilePart {
                            field: name,
                            filename,
                            content_type,
                            bytes,
                        }),
                        None if name == "payload_json" => {
                            body = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                                Value::String(String::from_utf8_lossy(&bytes).into_owned())
                            });
                        }
                        None => {}
                    }
                }
            }
            Err(e) => body = Value::String(format!("bad multipart: {e}")),
        }
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        if !bytes.is_empty() {
            body = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    let rejected = format!("Bot {REJECTED_TOKEN}");
    let fault = inner.faults.take(&method, &path);
    let (status, response) = if headers
        .iter()
        .any(|(name, value)| name == "authorization" && *value == rejected)
    {
        discord_error(StatusCode::UNAUTHORIZED, 0, "401: Unauthorized")
    } else if let Some(fault) = &fault {
        (
            StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            fault.body.clone(),
        )
    } else {
        inner.handle(&method, &path, &query, &body, &file_parts)
    };
    let files = file_parts
        .iter()
        .map(|f| (f.filename.clone(), f.bytes.clone()))
        .collect();
    inner.lock().requests.push(Recorded {
        method,
        path,
        query,
        headers,
        body,
        files,
        file_parts,
        status: status.as_u16(),
        response: response.clone(),
        at,
    });
    inner.notify();
    if status == StatusCode::NO_CONTENT {
        return StatusCode::NO_CONTENT.into_response();
    }
    let mut builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json");
    for (name, value) in fault.iter().flat_map(|f| &f.headers) {
        builder = builder.header(name.as_str(), value.as_str());
    }
    builder
        .body(Body::from(response.to_string()))
        .expect("response")
}
