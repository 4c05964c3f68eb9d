//! Proves the fake Discord in `tests/support` against a real serenity client: payloads
//! deserialize, REST answers parse, the gateway session identifies, heartbeats, resumes after a
//! dropped connection, and shuts down promptly.

use std::time::{Duration, Instant};

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
    let started = Instant::now();
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

    let shutdown = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), shard_manager.shutdown_all())
        .await
        .expect("shutdown_all timed out");
    let result = tokio::time::timeout(Duration::from_secs(5), client_task)
        .await
        .expect("client did not stop")
        .expect("client task panicked");
    assert!(result.is_ok(), "client.start: {result:?}");
    assert!(
        shutdown.elapsed() < Duration::from_secs(2),
        "slow shutdown: {:?}",
        shutdown.elapsed()
    );
    assert!(started.elapsed() < Duration::from_secs(20));
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
