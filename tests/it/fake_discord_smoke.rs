//! Proves the fake Discord in `tests/support` against a real serenity client: payloads
//! deserialize, REST answers parse, the gateway session identifies, heartbeats, resumes after a
//! dropped connection, and shuts down promptly.

use std::time::Duration;

use serde_json::{json, Value};
use serenity::all::{
    async_trait, ChannelId, ClientBuilder, Command, Context, CreateActionRow, CreateAttachment,
    CreateAutocompleteResponse, CreateButton, CreateCommand, CreateCommandOption, CreateEmbed,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    CreateMessage, EditInteractionResponse, EditMessage, EventHandler, GatewayIntents, HttpBuilder,
    Interaction, Message, MessageId, MessageUpdateEvent, Permissions, Ready, UserId,
};
use tokio::sync::mpsc;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(10);

struct Handler {
    events: mpsc::UnboundedSender<String>,
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self.events.send(format!("ready:{}", ready.user.name));
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let event = match interaction {
            Interaction::Command(cmd) => {
                let sub = cmd
                    .data
                    .options
                    .first()
                    .map(|o| o.name.clone())
                    .unwrap_or_default();
                let reply = CreateInteractionResponseMessage::new()
                    .content(format!("pong from {} {sub}", cmd.data.name))
                    .embed(
                        CreateEmbed::new()
                            .title("Title")
                            .description("Body")
                            .field("F", "V", false),
                    )
                    .components(vec![CreateActionRow::Buttons(vec![
                        CreateButton::new("more").label("More"),
                        CreateButton::new_link("https://example.com").label("Link"),
                    ])]);
                let created = cmd
                    .create_response(&ctx.http, CreateInteractionResponse::Message(reply))
                    .await;
                let edited = cmd
                    .edit_response(&ctx.http, EditInteractionResponse::new().content("edited"))
                    .await;
                let original = cmd.get_response(&ctx.http).await;
                let followup = cmd
                    .create_followup(
                        &ctx.http,
                        CreateInteractionResponseFollowup::new()
                            .content("followup")
                            .ephemeral(true),
                    )
                    .await;
                let twice = cmd
                    .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
                    .await;
                format!(
                    "command:{}:{}:{}:{}:{}:{}",
                    cmd.data.name,
                    created.is_ok(),
                    edited
                        .map(|m| m.content)
                        .unwrap_or_else(|e| format!("ERR {e}")),
                    original
                        .map(|m| m.content)
                        .unwrap_or_else(|e| format!("ERR {e}")),
                    followup.is_ok(),
                    twice.is_err(),
                )
            }
            Interaction::Autocomplete(ac) => {
                let r = ac
                    .create_response(
                        &ctx.http,
                        CreateInteractionResponse::Autocomplete(
                            CreateAutocompleteResponse::new().add_string_choice("Choice", "choice"),
                        ),
                    )
                    .await;
                format!("autocomplete:{}", r.is_ok())
            }
            Interaction::Component(c) => {
                let r = c
                    .create_response(
                        &ctx.http,
                        CreateInteractionResponse::UpdateMessage(
                            CreateInteractionResponseMessage::new()
                                .content("updated")
                                .components(vec![]),
                        ),
                    )
                    .await;
                format!(
                    "component:{}:{}:{}",
                    c.data.custom_id,
                    c.message.id,
                    r.is_ok()
                )
            }
            other => format!("other:{:?}", other.kind()),
        };
        let _ = self.events.send(event);
    }

    async fn message_update(
        &self,
        _ctx: Context,
        _old: Option<Message>,
        _new: Option<Message>,
        event: MessageUpdateEvent,
    ) {
        let _ = self
            .events
            .send(format!("update:{}", event.content.unwrap_or_default()));
    }

    async fn message(&self, ctx: Context, msg: Message) {
        if msg.author.bot {
            let _ = self.events.send(format!("echo:{}", msg.content));
            return;
        }
        // `reply` through the cache checks the bot's permissions from GUILD_CREATE.
        let reply = msg
            .reply(&ctx, format!("hello back: {}", msg.content))
            .await;
        let guild = msg
            .guild_id
            .and_then(|g| ctx.cache.guild(g).map(|g| g.name.clone()));
        let _ = self.events.send(format!(
            "message:{}:{}:{}",
            msg.id,
            reply
                .map(|_| "ok".to_string())
                .unwrap_or_else(|e| format!("ERR {e}")),
            guild.unwrap_or_default()
        ));
    }
}

/// Handler events, searchable in any order.
struct Events {
    rx: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl Events {
    /// The first not yet taken event starting with `prefix` (waits up to `WAIT`).
    async fn take(&mut self, prefix: &str) -> String {
        if let Some(i) = self.seen.iter().position(|e| e.starts_with(prefix)) {
            return self.seen.remove(i);
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(e)) if e.starts_with(prefix) => return e,
                Ok(Some(e)) => self.seen.push(e),
                _ => panic!(
                    "no handler event starting with {prefix:?} within {WAIT:?}; seen: {:?}",
                    self.seen
                ),
            }
        }
    }
}

async fn next_event(events: &mut Events, prefix: &str) -> String {
    events.take(prefix).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_discord_smoke() {
    let fake = FakeDiscord::start_with(FakeConfig {
        heartbeat_interval_ms: 300,
        ..FakeConfig::default()
    })
    .await;
    let http = HttpBuilder::new("fake-token")
        .proxy(fake.api_proxy())
        .ratelimiter_disabled(true)
        .build();
    let (tx, rx) = mpsc::unbounded_channel();
    let mut events = Events { rx, seen: vec![] };
    let intents =
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    let mut client = ClientBuilder::new_with_http(http, intents)
        .event_handler(Handler { events: tx })
        .await
        .expect("client");
    let shard_manager = client.shard_manager.clone();
    let client_task = tokio::spawn(async move { client.start().await });

    assert!(fake.wait_for_identify(WAIT).await, "bot never identified");
    assert_eq!(
        next_event(&mut events, "ready:").await,
        format!("ready:{BOT_NAME}")
    );
    assert!(fake.requests().iter().any(|r| r.is("GET", "/gateway")));
    let identify = fake
        .gateway_received()
        .into_iter()
        .find(|p| p["op"] == 2)
        .expect("identify");
    assert_eq!(identify["d"]["token"], "Bot fake-token");

    // Slash command with a subcommand: callback, edit/get original, followup, double-ack rejected.
    let options = json!([opt_sub("ask", json!([opt_str("question", "what is ldn?")]))]);
    fake.dispatch(
        "INTERACTION_CREATE",
        slash_command(1001, "faq", options, Member::plain(42)),
    )
    .await;
    let cb = fake.wait_for_callback(WAIT, 1001).await.expect("callback");
    assert_eq!(cb.status, 204);
    assert_eq!(cb.body["type"], 4);
    assert_eq!(cb.content(), Some("pong from faq ask"));
    assert_eq!(cb.embeds()[0]["title"], "Title");
    assert_eq!(
        next_event(&mut events, "command:faq").await,
        "command:faq:true:edited:edited:true:true"
    );
    // Discord echoes the bot's own (non-ephemeral) messages and edits over the gateway.
    assert_eq!(
        next_event(&mut events, "echo:pong").await,
        "echo:pong from faq ask"
    );
    assert_eq!(next_event(&mut events, "update:").await, "update:edited");
    let reqs = fake.interaction_requests(1001);
    assert!(reqs
        .iter()
        .any(|r| r.is("PATCH", "/webhooks/") && r.path.ends_with("/messages/@original")));
    let followup = reqs
        .iter()
        .find(|r| r.is("POST", "/webhooks/"))
        .expect("followup");
    assert!(followup.is_ephemeral());
    assert_eq!(
        fake.original_response(1001).expect("original")["content"],
        "edited"
    );

    // Autocomplete.
    let options = json!([opt_sub("ask", json!([opt_focused("question", "ld")]))]);
    fake.dispatch(
        "INTERACTION_CREATE",
        autocomplete(1002, "faq", options, Member::plain(42)),
    )
    .await;
    let cb = fake
        .wait_for_callback(WAIT, 1002)
        .await
        .expect("autocomplete callback");
    assert_eq!(cb.body["type"], 8);
    assert_eq!(cb.body["data"]["choices"][0]["value"], "choice");
    assert_eq!(
        next_event(&mut events, "autocomplete").await,
        "autocomplete:true"
    );

    // Button click on a message the bot sent.
    fake.dispatch(
        "INTERACTION_CREATE",
        button_click(1003, "more", Member::moderator(43)),
    )
    .await;
    let cb = fake
        .wait_for_callback(WAIT, 1003)
        .await
        .expect("component callback");
    assert_eq!(cb.body["type"], 7);
    assert_eq!(
        next_event(&mut events, "component").await,
        "component:more:1002:true"
    );

    // Message context menu.
    let target = message_json(
        5000,
        CHANNEL_ID,
        Some(GUILD_ID),
        &User::new(44),
        "target text",
    );
    fake.dispatch(
        "INTERACTION_CREATE",
        message_context_menu(1004, "Ask FAQ", target, Member::admin(45)),
    )
    .await;
    assert!(fake.wait_for_callback(WAIT, 1004).await.is_some());

    // Guild message mentioning the bot: the reply goes through the cache permission check.
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(2001, User::new(42), "hi", true),
    )
    .await;
    let post = fake
        .wait_for_request(WAIT, |r| {
            r.is("POST", &format!("/channels/{CHANNEL_ID}/messages"))
        })
        .await
        .expect("reply POST");
    assert_eq!(post.status, 200);
    assert_eq!(post.body["message_reference"]["message_id"], "2001");
    assert_eq!(
        next_event(&mut events, "echo:hello back").await,
        format!("echo:hello back: <@{BOT_USER_ID}> hi")
    );
    assert_eq!(
        post.content(),
        Some(&*format!("hello back: <@{BOT_USER_ID}> hi"))
    );
    assert_eq!(
        next_event(&mut events, "message:2001").await,
        "message:2001:ok:LDN Test Guild"
    );

    // Without MESSAGE_CONTENT, a guild message not mentioning the bot arrives blank.
    fake.dispatch(
        "MESSAGE_CREATE",
        guild_message(2002, User::new(42), "secret", false),
    )
    .await;
    assert_eq!(
        next_event(&mut events, "message:2002").await,
        "message:2002:ok:LDN Test Guild"
    );
    let post = fake
        .wait_for_request(WAIT, |r| {
            r.body["message_reference"]["message_id"] == "2002"
        })
        .await;
    assert_eq!(post.expect("reply").content(), Some("hello back: "));

    // DM.
    fake.dispatch("MESSAGE_CREATE", dm_message(2003, User::new(42), "dm hi"))
        .await;
    let dm_channel = dm_channel_id(42);
    let post = fake
        .wait_for_request(WAIT, |r| {
            r.is("POST", &format!("/channels/{dm_channel}/messages"))
        })
        .await
        .expect("DM reply");
    assert_eq!(post.content(), Some("hello back: dm hi"));
    assert_eq!(
        next_event(&mut events, "message:2003").await,
        "message:2003:ok:"
    );

    // Heartbeats are acknowledged.
    assert!(
        fake.wait_until(WAIT, |f| f.gateway_received().iter().any(|p| p["op"] == 1))
            .await,
        "no heartbeat"
    );

    // Drop the connection: the bot resumes and keeps answering.
    let (identifies, resumes) = (fake.identify_count(), fake.resume_count());
    fake.drop_connection().await;
    fake.dispatch(
        "INTERACTION_CREATE",
        slash_command(1005, "faq", Value::Null, Member::plain(42)),
    )
    .await;
    assert!(
        fake.wait_for_callback(WAIT, 1005).await.is_some(),
        "no answer after reconnect"
    );
    assert!(fake.identify_count() + fake.resume_count() > identifies + resumes);
    assert_eq!(fake.resume_count(), resumes + 1, "expected a RESUME");
    assert_eq!(fake.connection_count(), 2);

    // A resumable close frame works too.
    fake.close_connection(4000).await;
    fake.dispatch(
        "INTERACTION_CREATE",
        slash_command(1006, "faq", Value::Null, Member::plain(42)),
    )
    .await;
    assert!(
        fake.wait_for_callback(WAIT, 1006).await.is_some(),
        "no answer after close 4000"
    );

    // Nothing unexpected hit the 404 fallback.
    let unknown: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.status == 404)
        .collect();
    assert!(unknown.is_empty(), "unexpected 404s: {unknown:#?}");

    // Bounded waits guard against a hang; how fast shutdown is belongs in `benches/`.
    tokio::time::timeout(Duration::from_secs(5), shard_manager.shutdown_all())
        .await
        .expect("shutdown_all timed out");
    let result = tokio::time::timeout(Duration::from_secs(5), client_task)
        .await
        .expect("client did not stop")
        .expect("client task panicked");
    assert!(result.is_ok(), "client.start: {result:?}");
}

#[test]
fn fake_payloads_deserialize_in_serenity() {
    let ready = payloads::ready("s", "ws://127.0.0.1:1/gateway", Some(json!([0, 1])));
    check_dispatch("READY", &ready).expect("READY");
    let guild = guild_create(perms::BOT, &[Member::moderator(43)]);
    check_dispatch("GUILD_CREATE", &guild).expect("GUILD_CREATE");

    // The guild must deserialize completely (serenity skips bad channels with only a warning).
    let g: serenity::all::GuildCreateEvent = serde_json::from_value(guild).expect("guild");
    let g = g.guild;
    assert_eq!(g.channels.len(), 1);
    assert_eq!(g.roles.len(), 4);
    assert_eq!(g.members.len(), 3);
    let channel = &g.channels[&ChannelId::new(CHANNEL_ID)];
    let bot = &g.members[&UserId::new(BOT_USER_ID)];
    let p = g.user_permissions_in(channel, bot);
    assert!(p.contains(
        Permissions::SEND_MESSAGES
            | Permissions::VIEW_CHANNEL
            | Permissions::EMBED_LINKS
            | Permissions::READ_MESSAGE_HISTORY
    ));
    let admin = Member::admin(45);
    let g2: serenity::all::GuildCreateEvent =
        serde_json::from_value(guild_create(perms::BOT, std::slice::from_ref(&admin)))
            .expect("guild");
    let admin_member = &g2.guild.members[&UserId::new(45)];
    assert!(g2
        .guild
        .user_permissions_in(channel, admin_member)
        .administrator());

    let m = Member::plain(42);
    let cases = [
        (
            "INTERACTION_CREATE",
            slash_command(
                1,
                "faq",
                json!([opt_str("q", "x"), opt_int("n", 3), opt_bool("b", true)]),
                m.clone(),
            ),
        ),
        (
            "INTERACTION_CREATE",
            slash_command(
                2,
                "faq",
                json!([opt_group("g", json!([opt_sub("s", Value::Null)]))]),
                m.clone(),
            ),
        ),
        (
            "INTERACTION_CREATE",
            autocomplete(3, "faq", json!([opt_focused("q", "x")]), m.clone()),
        ),
        (
            "INTERACTION_CREATE",
            message_context_menu(
                4,
                "Ask",
                message_json(9, CHANNEL_ID, Some(GUILD_ID), &User::new(1), "x"),
                m.clone(),
            ),
        ),
        ("INTERACTION_CREATE", button_click(5, "id", m.clone())),
        (
            "INTERACTION_CREATE",
            select_menu(
                6,
                "sel",
                &["a"],
                m.clone(),
                message_json(9, CHANNEL_ID, Some(GUILD_ID), &User::bot_user(), "x"),
            ),
        ),
        (
            "INTERACTION_CREATE",
            modal_submit(7, "modal", json!([modal_text_input("t", "v")]), m.clone()),
        ),
        (
            "MESSAGE_CREATE",
            guild_message(8, User::new(42), "hi", true),
        ),
        (
            "MESSAGE_CREATE",
            guild_message_from(9, &Member::moderator(43), "hi", false),
        ),
        ("MESSAGE_CREATE", dm_message(10, User::new(42), "hi")),
    ];
    for (event, data) in cases {
        if let Err(e) = check_dispatch(event, &data) {
            panic!("{event} does not deserialize: {e}\n{data:#}");
        }
    }
    assert!(check_dispatch("INTERACTION_CREATE", &json!({"type": 2})).is_err());

    // Spot-check interaction details.
    let i: serenity::all::Interaction = serde_json::from_value(slash_command(
        1,
        "faq",
        json!([opt_str("q", "x")]),
        Member::moderator(43),
    ))
    .unwrap();
    let cmd = i.command().expect("command");
    assert_eq!(cmd.user.id, UserId::new(43));
    assert_eq!(cmd.token, "tok-1");
    assert!(cmd
        .member
        .as_ref()
        .unwrap()
        .permissions
        .unwrap()
        .manage_messages());
    let i: serenity::all::Interaction = serde_json::from_value(message_context_menu(
        4,
        "Ask",
        message_json(9, CHANNEL_ID, Some(GUILD_ID), &User::new(1), "x"),
        m,
    ))
    .unwrap();
    let cmd = i.command().expect("command");
    assert_eq!(cmd.data.resolved.messages[&MessageId::new(9)].content, "x");
}

/// Every REST answer deserializes into serenity's types.
#[tokio::test]
async fn fake_rest_responses_deserialize() {
    let fake = FakeDiscord::start().await;
    let http = HttpBuilder::new("fake-token")
        .proxy(fake.api_proxy())
        .ratelimiter_disabled(true)
        .build();
    http.set_application_id(APP_ID.into());

    assert!(http
        .get_gateway()
        .await
        .expect("gateway")
        .url
        .starts_with("ws://127.0.0.1:"));
    assert_eq!(http.get_bot_gateway().await.expect("gateway/bot").shards, 1);
    assert_eq!(
        http.get_current_user().await.expect("users/@me").id,
        UserId::new(BOT_USER_ID)
    );
    let app = http
        .get_current_application_info()
        .await
        .expect("application");
    assert_eq!(app.owner.expect("owner").id, UserId::new(OWNER_USER_ID));

    let cmds = vec![
        CreateCommand::new("faq").description("Ask").add_option(
            CreateCommandOption::new(serenity::all::CommandOptionType::String, "q", "question")
                .required(true)
                .set_autocomplete(true),
        ),
        CreateCommand::new("Ask FAQ").kind(serenity::all::CommandType::Message),
    ];
    let created = Command::set_global_commands(&http, cmds.clone())
        .await
        .expect("global commands");
    assert_eq!(created.len(), 2);
    assert_eq!(fake.global_commands().len(), 2);
    let guild_cmds = serenity::all::GuildId::new(GUILD_ID)
        .set_commands(&http, cmds)
        .await
        .expect("guild commands");
    assert_eq!(
        guild_cmds[0].guild_id,
        Some(serenity::all::GuildId::new(GUILD_ID))
    );

    let channel = ChannelId::new(CHANNEL_ID);
    let msg = channel
        .send_message(
            &http,
            CreateMessage::new()
                .content("hello")
                .embed(
                    CreateEmbed::new()
                        .title("T")
                        .field("a", "b", true)
                        .footer(serenity::all::CreateEmbedFooter::new("f")),
                )
                .components(vec![CreateActionRow::Buttons(vec![
                    CreateButton::new("x").label("X")
                ])])
                .add_file(CreateAttachment::bytes(b"abc".to_vec(), "a.txt")),
        )
        .await
        .expect("send_message");
    assert_eq!(msg.author.id, UserId::new(BOT_USER_ID));
    assert_eq!(msg.attachments[0].filename, "a.txt");
    assert_eq!(msg.embeds[0].title.as_deref(), Some("T"));
    let rec = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.is("POST", "/channels/"))
        .unwrap();
    assert_eq!(rec.files, vec![("a.txt".to_string(), b"abc".to_vec())]);
    assert_eq!(rec.body["content"], "hello");

    let edited = channel
        .edit_message(&http, msg.id, EditMessage::new().content("bye"))
        .await
        .expect("edit_message");
    assert_eq!(edited.content, "bye");
    assert!(edited.edited_timestamp.is_some());
    assert_eq!(
        channel
            .message(&http, msg.id)
            .await
            .expect("get message")
            .content,
        "bye"
    );
    channel.delete_message(&http, msg.id).await.expect("delete");
    channel.broadcast_typing(&http).await.expect("typing");

    let dm = UserId::new(42)
        .create_dm_channel(&http)
        .await
        .expect("dm channel");
    assert_eq!(dm.id, ChannelId::new(dm_channel_id(42)));
    dm.id.say(&http, "dm").await.expect("dm say");

    // Discord's limits are enforced like the real API.
    let too_long = channel.say(&http, "x".repeat(2001)).await;
    assert!(too_long.is_err());
    let body = json!({"content": "", "embeds": []});
    let empty = http.send_message(channel, vec![], &body).await;
    let err = empty.expect_err("empty message accepted");
    assert!(err.to_string().contains("empty message"), "{err}");
    let body = json!({"embeds": [{"description": "d".repeat(4097)}]});
    let err = http
        .send_message(channel, vec![], &body)
        .await
        .expect_err("long embed accepted");
    assert!(err.to_string().contains("4096"), "{err}");

    // Unknown routes: 404 with a Discord error body.
    let err = http
        .get_guild_widget(serenity::all::GuildId::new(GUILD_ID))
        .await
        .expect_err("widget");
    assert!(err.to_string().contains("404"), "{err}");
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.status == 404 && r.route().contains("/widget")));
}

/// The configured bot role is what GUILD_CREATE, `app_permissions` and REST enforcement use.
#[tokio::test]
async fn fake_enforces_bot_permissions() {
    let fake = FakeDiscord::start_with(FakeConfig {
        bot_permissions: perms::VIEW_CHANNEL,
        ..FakeConfig::default()
    })
    .await;
    let http = HttpBuilder::new("fake-token")
        .proxy(fake.api_proxy())
        .ratelimiter_disabled(true)
        .build();
    // @everyone still grants SEND_MESSAGES, but embeds need EMBED_LINKS and files ATTACH_FILES.
    let channel = ChannelId::new(CHANNEL_ID);
    let msg = channel
        .send_message(
            &http,
            CreateMessage::new()
                .content("hi")
                .embed(CreateEmbed::new().title("T")),
        )
        .await
        .expect("send");
    assert!(msg.embeds.is_empty());
    let err = channel
        .send_message(
            &http,
            CreateMessage::new().add_file(CreateAttachment::bytes(b"x".to_vec(), "x.txt")),
        )
        .await
        .expect_err("file sent without ATTACH_FILES");
    assert!(err.to_string().contains("Missing Permissions"), "{err}");
    let guild = guild_create(fake.config().bot_permissions, &[]);
    let g: serenity::all::GuildCreateEvent = serde_json::from_value(guild).unwrap();
    let bot = &g.guild.members[&UserId::new(BOT_USER_ID)];
    let channel = &g.guild.channels[&ChannelId::new(CHANNEL_ID)];
    assert!(!g.guild.user_permissions_in(channel, bot).embed_links());
}

/// The fake's own rules, one by one: a body Discord rejects is rejected with Discord's status
/// and error code, and the same request made right is accepted.
mod rules {
    use std::time::Duration;

    use serde_json::{json, Value};
    use serenity::all::{ChannelId, GuildId, Http, HttpBuilder, HttpError, InteractionId};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use crate::support::fake_discord::{INTERACTION_DEADLINE, WEBHOOK_TOKEN_LIFETIME};
    use crate::support::*;

    fn client(fake: &FakeDiscord) -> Http {
        let http = HttpBuilder::new("fake-token")
            .proxy(fake.api_proxy())
            .ratelimiter_disabled(true)
            .build();
        http.set_application_id(APP_ID.into());
        http
    }

    /// The status, Discord's numeric code and the form-error codes of a rejected request.
    #[track_caller]
    fn rejected<T: std::fmt::Debug>(result: serenity::Result<T>) -> (u16, isize, Vec<String>) {
        match result {
            Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response))) => (
                response.status_code.as_u16(),
                response.error.code,
                response.error.errors.into_iter().map(|e| e.code).collect(),
            ),
            other => panic!("Discord would reject this, the fake accepted it: {other:?}"),
        }
    }

    /// A 400 "Invalid Form Body" naming `code`.
    #[track_caller]
    fn invalid_form<T: std::fmt::Debug>(result: serenity::Result<T>, code: &str) {
        let (status, discord_code, codes) = rejected(result);
        assert_eq!((status, discord_code), (400, 50035), "{codes:?}");
        assert!(codes.iter().any(|c| c == code), "{code} not in {codes:?}");
    }

    fn slash(id: u64) -> Value {
        slash_command(id, "ask", Value::Null, Member::plain(42))
    }

    async fn open(fake: &FakeDiscord, id: u64) -> String {
        fake.open_interaction(slash(id));
        interaction_token(id)
    }

    #[tokio::test]
    async fn a_late_callback_is_an_unknown_interaction() {
        let fake = FakeDiscord::start().await;
        assert_eq!(
            fake.config().interaction_deadline,
            Some(INTERACTION_DEADLINE)
        );
        let http = client(&fake);
        let reply = json!({"type": 4, "data": {"content": "hi"}});
        let token = open(&fake, 1).await;
        http.create_interaction_response(InteractionId::new(1), &token, &reply, vec![])
            .await
            .expect("in time");

        let token = open(&fake, 2).await;
        fake.advance_clock(INTERACTION_DEADLINE + Duration::from_millis(1));
        let late = http
            .create_interaction_response(InteractionId::new(2), &token, &reply, vec![])
            .await;
        let (status, code, _) = rejected(late);
        assert_eq!((status, code), (404, 10062));
    }

    #[tokio::test]
    async fn an_interaction_token_expires_after_fifteen_minutes() {
        let fake = FakeDiscord::start().await;
        let http = client(&fake);
        let token = open(&fake, 3).await;
        let defer = json!({"type": 5});
        http.create_interaction_response(InteractionId::new(3), &token, &defer, vec![])
            .await
            .expect("deferred");
        fake.advance_clock(WEBHOOK_TOKEN_LIFETIME - Duration::from_secs(1));
        let message = json!({"content": "still in time"});
        http.create_followup_message(&token, &message, vec![])
            .await
            .expect("within 15 minutes");
        fake.advance_clock(Duration::from_secs(2));
        let (status, code, _) =
            rejected(http.create_followup_message(&token, &message, vec![]).await);
        assert_eq!((status, code), (401, 50027));
        let edit = http
            .edit_original_interaction_response(&token, &message, vec![])
            .await;
        assert_eq!(rejected(edit).1, 50027);
    }

    #[tokio::test]
    async fn the_first_followup_after_a_deferral_replaces_the_thinking_message() {
        let fake = FakeDiscord::start().await;
        let http = client(&fake);
        // A private deferral: the followup is private, whatever its own flags say.
        let token = open(&fake, 4).await;
        let defer = json!({"type": 5, "data": {"flags": 64}});
        http.create_interaction_response(InteractionId::new(4), &token, &defer, vec![])
            .await
            .expect("deferred");
        let thinking = fake.original_response(4).expect("the thinking message");
        assert_eq!(thinking["flags"], 64 | 128, "ephemeral and loading");
        let first = http
            .create_followup_message(&token, &json!({"content": "the answer"}), vec![])
            .await
            .expect("followup");
        assert_eq!(
            first.id.get().to_string(),
            thinking["id"].as_str().unwrap_or("")
        );
        let shown = fake.original_response(4).expect("original");
        assert_eq!(shown["content"], "the answer");
        assert_eq!(shown["flags"], 64, "private, no longer loading");
        let second = http
            .create_followup_message(&token, &json!({"content": "more"}), vec![])
            .await
            .expect("second followup");
        assert_ne!(
            second.id, first.id,
            "a second followup is a message of its own"
        );

        // A public deferral: an ephemeral flag on the followup does not make it private.
        let token = open(&fake, 5).await;
        http.create_interaction_response(
            InteractionId::new(5),
            &token,
            &json!({"type": 5}),
            vec![],
        )
        .await
        .expect("deferred");
        let body = json!({"content": "public", "flags": 64});
        http.create_followup_message(&token, &body, vec![])
            .await
            .expect("followup");
        assert_eq!(fake.original_response(5).expect("original")["flags"], 0);
    }

    fn command(options: Value) -> Value {
        json!({"name": "ask", "description": "Ask a question", "type": 1, "options": options})
    }

    fn string_option(name: &str) -> Value {
        json!({"type": 3, "name": name, "description": "a text"})
    }

    #[tokio::test]
    async fn command_registration_is_validated() {
        let fake = FakeDiscord::start().await;
        let http = client(&fake);
        let guild = GuildId::new(GUILD_ID);
        let ok = json!([command(json!([string_option("question")]))]);
        http.create_guild_commands(guild, &ok)
            .await
            .expect("a valid command");
        let long_name = "a".repeat(33);
        let cases: Vec<(Value, &str)> = vec![
            (
                json!([{"name": long_name, "description": "d", "type": 1}]),
                "APPLICATION_COMMAND_INVALID_NAME",
            ),
            (
                json!([{"name": "Ask", "description": "d", "type": 1}]),
                "APPLICATION_COMMAND_INVALID_NAME",
            ),
            (
                json!([{"name": "ask", "description": "d".repeat(101), "type": 1}]),
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                json!([{"name": "ask", "description": "", "type": 1}]),
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                json!([{"name": "Answer this", "description": "d", "type": 3}]),
                "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID",
            ),
            (
                json!([command(Value::Array(
                    (0..26).map(|i| string_option(&format!("o{i}"))).collect()
                ))]),
                "BASE_TYPE_MAX_LENGTH",
            ),
            (
                json!([command(
                    json!([{"type": 3, "name": "q", "description": "d", "max_length": 6001}])
                )]),
                "NUMBER_TYPE_MAX",
            ),
            (
                json!([command(
                    json!([{"type": 3, "name": "q", "description": "d", "choices":
                    (0..26).map(|i| json!({"name": format!("c{i}"), "value": "v"})).collect::<Vec<_>>()}])
                )]),
                "BASE_TYPE_MAX_LENGTH",
            ),
            (
                json!([command(json!([{"type": 3, "name": "q", "description": "d",
                    "choices": [{"name": "", "value": "v"}]}]))]),
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                json!([command(
                    json!([{"type": 3, "name": "q", "description": "d", "autocomplete": true,
                    "choices": [{"name": "n", "value": "v"}]}])
                )]),
                "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
            ),
            (
                json!([command(
                    json!([string_option("a"), {"type": 3, "name": "b", "description": "d", "required": true}])
                )]),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
            ),
            (
                json!([command(
                    json!([{"type": 1, "name": "sub", "description": ""}])
                )]),
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                json!([command(Value::Null), command(Value::Null)]),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
            ),
        ];
        for (body, code) in cases {
            invalid_form(http.create_guild_commands(guild, &body).await, code);
            invalid_form(http.create_global_commands(&body).await, code);
        }
        assert_eq!(
            fake.guild_commands(GUILD_ID).len(),
            1,
            "a rejected list registers nothing"
        );
        assert!(fake.global_commands().is_empty());
    }

    #[tokio::test]
    async fn autocomplete_choices_are_validated() {
        let fake = FakeDiscord::start().await;
        let http = client(&fake);
        let many: Vec<Value> = (0..26)
            .map(|i| json!({"name": format!("c{i}"), "value": "v"}))
            .collect();
        let cases = [
            (json!({"type": 8, "data": {}}), "BASE_TYPE_REQUIRED"),
            (
                json!({"type": 8, "data": {"choices": [{"name": "n", "value": ""}]}}),
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                json!({"type": 8, "data": {"choices": [{"name": "", "value": "v"}]}}),
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                json!({"type": 8, "data": {"choices": [{"name": "n", "value": "v".repeat(101)}]}}),
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                json!({"type": 8, "data": {"choices": many}}),
                "BASE_TYPE_MAX_LENGTH",
            ),
        ];
        for (i, (body, code)) in cases.into_iter().enumerate() {
            let id = 10 + i as u64;
            fake.open_interaction(autocomplete(
                id,
                "ask",
                json!([opt_focused("q", "x")]),
                Member::plain(42),
            ));
            let sent = http
                .create_interaction_response(
                    InteractionId::new(id),
                    &interaction_token(id),
                    &body,
                    vec![],
                )
                .await;
            invalid_form(sent, code);
        }
        let id = 20;
        fake.open_interaction(autocomplete(
            id,
            "ask",
            json!([opt_focused("q", "x")]),
            Member::plain(42),
        ));
        let good = json!({"type": 8, "data": {"choices": [{"name": "n", "value": "v"}]}});
        http.create_interaction_response(
            InteractionId::new(id),
            &interaction_token(id),
            &good,
            vec![],
        )
        .await
        .expect("valid choices");
    }

    #[tokio::test]
    async fn components_allowed_mentions_and_references_are_validated() {
        let fake = FakeDiscord::start().await;
        let http = client(&fake);
        let channel = ChannelId::new(CHANNEL_ID);
        let button = |extra: Value| {
            let mut b = json!({"type": 2, "style": 1, "label": "L", "custom_id": "c"});
            for (k, v) in extra.as_object().cloned().unwrap_or_default() {
                b[k] = v;
            }
            b
        };
        let cases = [
            (
                json!({"content": "x", "components": [button(json!({}))]}),
                "UNION_TYPE_CHOICES",
            ),
            (
                json!({"content": "x", "components": [{"type": 1, "components": [button(json!({"custom_id": ""}))]}]}),
                "BASE_TYPE_BAD_LENGTH",
            ),
            (
                json!({"content": "x", "components": [{"type": 1, "components": [
                    button(json!({"style": 5, "url": "https://example.com"}))]}]}),
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
            ),
            (
                json!({"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["42"]}}),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
            ),
            (
                json!({"content": "x", "allowed_mentions": {"parse": ["roles"], "roles": ["1"]}}),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
            ),
            (
                json!({"content": "x", "allowed_mentions": {"parse": ["bogus"]}}),
                "BASE_TYPE_CHOICES",
            ),
            (
                json!({"content": "x", "message_reference": {"message_id": "123"}}),
                "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
            ),
        ];
        for (body, code) in cases {
            invalid_form(http.send_message(channel, vec![], &body).await, code);
        }
        // The same rules on interaction responses.
        let token = open(&fake, 30).await;
        let body = json!({"type": 4, "data": {"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["42"]}}});
        invalid_form(
            http.create_interaction_response(InteractionId::new(30), &token, &body, vec![])
                .await,
            "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
        );
        // Without `fail_if_not_exists`, a reply to a gone message is sent as a plain message.
        let body = json!({"content": "x", "allowed_mentions": {"parse": []},
            "message_reference": {"message_id": "123", "fail_if_not_exists": false}});
        let sent = http
            .send_message(channel, vec![], &body)
            .await
            .expect("sent");
        assert!(sent.message_reference.is_none());
    }

    #[tokio::test]
    async fn an_edit_that_leaves_nothing_is_an_empty_message() {
        let fake = FakeDiscord::start().await;
        let http = client(&fake);
        let channel = ChannelId::new(CHANNEL_ID);
        let sent = http
            .send_message(channel, vec![], &json!({"content": "hello"}))
            .await
            .expect("sent");
        let empty = json!({"content": ""});
        let (status, code, _) = rejected(http.edit_message(channel, sent.id, &empty, vec![]).await);
        assert_eq!((status, code), (400, 50006));
        assert_eq!(
            fake.message(sent.id.get()).expect("kept")["content"],
            "hello"
        );

        let token = open(&fake, 40).await;
        let reply = json!({"type": 4, "data": {"content": "hi"}});
        http.create_interaction_response(InteractionId::new(40), &token, &reply, vec![])
            .await
            .expect("reply");
        let edit = http
            .edit_original_interaction_response(&token, &empty, vec![])
            .await;
        assert_eq!(rejected(edit).1, 50006);
    }

    #[tokio::test]
    async fn closed_dms_and_failed_dm_channels() {
        let fake = FakeDiscord::start_with(FakeConfig {
            dm_closed_users: vec![42],
            dm_unavailable_users: vec![43],
            ..FakeConfig::default()
        })
        .await;
        let http = client(&fake);
        let dm = ChannelId::new(dm_channel_id(42));
        let (status, code, _) = rejected(
            http.send_message(dm, vec![], &json!({"content": "hi"}))
                .await,
        );
        assert_eq!((status, code), (403, 50007));
        let (status, code, _) = rejected(
            http.create_private_channel(&json!({"recipient_id": "43"}))
                .await,
        );
        assert_eq!((status, code), (400, 50033));
        http.create_private_channel(&json!({"recipient_id": "44"}))
            .await
            .expect("an open DM");
    }

    /// A body that is not JSON: serenity never sends one, so this goes over a raw socket.
    #[tokio::test]
    async fn a_body_that_is_not_json_is_rejected() {
        let fake = FakeDiscord::start().await;
        let addr = fake.api_proxy().trim_start_matches("http://").to_string();
        let mut socket = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        let body = "content=hello";
        let request = format!(
            "POST /api/v10/channels/{CHANNEL_ID}/messages HTTP/1.1\r\nHost: {addr}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(request.as_bytes()).await.expect("send");
        let mut response = String::new();
        socket.read_to_string(&mut response).await.expect("read");
        assert!(response.starts_with("HTTP/1.1 400"), "{response}");
        let json = response.split("\r\n\r\n").nth(1).unwrap_or("");
        let json: Value = serde_json::from_str(json).expect("a JSON error body");
        assert_eq!(json["code"], 50109);
    }
}
