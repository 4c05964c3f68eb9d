//! The Discord bot, black-box: the real `ldnbot::bot::serve` against the fake
//! Discord in `tests/support`, with `api_proxy` pointing at it.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use ldnbot::answer::Answer;
use ldnbot::bot::{self, Token};
use ldnbot::config::Config;
use ldnbot::reload::LiveEngine;
use ldnbot::review::{now_unix, Reason, ReviewLog, Source, Status, StatusFilter};
use serde_json::{json, Value};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::logs;
use crate::support::*;

pub(crate) const WAIT: Duration = Duration::from_secs(10);

const SIDE_EFFECTS: &str = "What are the side effects of LDN?";
const OFF_TOPIC: &str = "How do I bake sourdough bread?";
const URGENT: &str = "I took too much LDN and now I have chest pain";

/// A running bot, its fake Discord and its review log.
pub(crate) struct Running {
    pub(crate) fake: FakeDiscord,
    pub(crate) review: ReviewLog,
    pub(crate) live: Arc<LiveEngine>,
    pub(crate) config: Config,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    _dir: tempfile::TempDir,
}

fn knowledge_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

fn init_logs() {
    crate::logs::install();
}

pub(crate) async fn start(tweak: impl FnOnce(&mut Config)) -> Running {
    start_with(FakeConfig::default(), tweak).await
}

pub(crate) async fn start_with(
    fake_config: FakeConfig,
    tweak: impl FnOnce(&mut Config),
) -> Running {
    init_logs();
    let fake = FakeDiscord::start_with(fake_config).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::defaults();
    config.knowledge.dir = knowledge_dir();
    config.review.database = dir.path().join("review.sqlite3");
    config.discord.api_proxy = Some(fake.api_proxy());
    config.discord.guild_ids = vec![GUILD_ID];
    // Most tests ask several questions as one member; the cooldown test sets its own.
    config.discord.cooldown_questions = 1000;
    tweak(&mut config);

    let live = Arc::new(LiveEngine::load(&config).expect("knowledge loads"));
    let review = ReviewLog::open_configured(&config).expect("review log opens");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(bot::serve(
        config.clone(),
        Token::new("fake-token"),
        Arc::clone(&live),
        review.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    // Commands are registered before the bot handles any event.
    let registered = fake.wait_for_guild_commands(WAIT).await;
    assert!(
        registered.is_some(),
        "the bot never registered its commands"
    );
    Running {
        fake,
        review,
        live,
        config,
        stop: Some(stop),
        task: Some(task),
        _dir: dir,
    }
}

impl Running {
    pub(crate) async fn slash(
        &self,
        id: u64,
        name: &str,
        options: Value,
        member: Member,
    ) -> Recorded {
        self.fake
            .dispatch(
                "INTERACTION_CREATE",
                slash_command(id, name, options, member),
            )
            .await;
        self.callback(id).await
    }

    pub(crate) async fn ask(&self, id: u64, question: &str, member: Member) -> Recorded {
        self.slash(id, "ask", json!([opt_str("question", question)]), member)
            .await
    }

    pub(crate) async fn callback(&self, id: u64) -> Recorded {
        self.fake
            .wait_for_callback(WAIT, id)
            .await
            .unwrap_or_else(|| panic!("no callback for interaction {id}"))
    }

    /// The reply a command sent after deferring (a followup on its token).
    pub(crate) async fn followup(&self, id: u64) -> Recorded {
        let route = format!("/webhooks/{APP_ID}/{}", interaction_token(id));
        self.fake
            .wait_for_request(WAIT, |r| r.is("POST", &route) && r.route() == route)
            .await
            .unwrap_or_else(|| panic!("no followup for interaction {id}"))
    }

    /// The text a command finally showed: the callback, or the followup after a deferral.
    pub(crate) async fn final_reply(&self, id: u64) -> Recorded {
        let callback = self.callback(id).await;
        if callback.body["type"] == 5 {
            self.followup(id).await
        } else {
            callback
        }
    }

    pub(crate) async fn channel_post(
        &self,
        channel: u64,
        pred: impl Fn(&Recorded) -> bool,
    ) -> Option<Recorded> {
        self.fake
            .wait_for_request(WAIT, |r| {
                r.is("POST", &format!("/channels/{channel}/messages")) && pred(r)
            })
            .await
    }

    pub(crate) fn disclaimer(&self) -> String {
        self.config.answer.disclaimer.clone()
    }

    pub(crate) fn open_items(&self) -> Vec<ldnbot::review::ReviewEntry> {
        self.review
            .entries(StatusFilter::Only(Status::Open))
            .expect("review entries")
    }

    /// Asks the bot to stop and waits for `serve` to return (bounded, so a hang fails the
    /// test; how quickly it stops is measured in `benches/`, not here).
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let task = self.task.take().expect("running");
        let result = tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("serve did not return after shutdown")
            .expect("serve panicked");
        assert!(result.is_ok(), "serve failed: {result:?}");
    }

    /// Whether what the member finally sees for interaction `id` is private. In Discord the
    /// first response decides: a deferral's flag, which its first followup inherits.
    pub(crate) fn shown_privately(&self, id: u64) -> bool {
        self.fake
            .original_response(id)
            .is_some_and(|m| m["flags"].as_u64().unwrap_or(0) & 64 != 0)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The `allowed_mentions` of a message body allow nobody to be pinged.
#[track_caller]
pub(crate) fn assert_no_pings(message: &Value) {
    let allowed = &message["allowed_mentions"];
    assert!(allowed.is_object(), "no allowed_mentions in {message:#}");
    assert_eq!(allowed["parse"], json!([]), "{allowed}");
    for key in ["users", "roles"] {
        assert!(
            allowed[key].as_array().is_none_or(Vec::is_empty),
            "{key} allowed: {allowed}"
        );
    }
    assert_ne!(allowed["replied_user"], json!(true), "{allowed}");
}

pub(crate) fn custom_ids(message: &Value) -> Vec<String> {
    message["components"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_string))
        .collect()
}

fn describe_all(options: &Value, path: &str) {
    for option in options.as_array().into_iter().flatten() {
        let name = option["name"].as_str().unwrap_or("?");
        let desc = option["description"].as_str().unwrap_or("");
        assert!(!desc.trim().is_empty(), "{path} {name} has no description");
        describe_all(&option["options"], &format!("{path} {name}"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_registered_with_descriptions_and_max_length() {
    let bot = start(|c| c.discord.question_max_len = 321).await;
    let put = bot
        .fake
        .requests()
        .into_iter()
        .find(|r| {
            r.is(
                "PUT",
                &format!("/applications/{APP_ID}/guilds/{GUILD_ID}/commands"),
            )
        })
        .expect("PUT");
    assert_eq!(put.status, 200, "{:#}", put.response);
    let commands = put.body.as_array().cloned().unwrap_or_default();
    let named = |name: &str| {
        commands
            .iter()
            .find(|c| c["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no command {name}: {commands:#?}"))
    };
    for name in ["ask", "topics", "unanswered", "stats", "reload"] {
        let command = named(name);
        assert!(
            !command["description"].as_str().unwrap_or("").is_empty(),
            "{name} has no description"
        );
        describe_all(&command["options"], name);
    }
    let ask = named("ask");
    let question = ask["options"]
        .as_array()
        .and_then(|o| o.iter().find(|o| o["name"] == "question"))
        .cloned()
        .expect("question option");
    assert_eq!(question["max_length"], 321);
    assert_eq!(question["required"], true);
    assert_eq!(question["autocomplete"], true);
    let menu = named("Answer with ldnbot");
    assert_eq!(menu["type"], 3, "a message context menu");
    // Moderator commands show to Manage Messages, /reload to Manage Server.
    assert_eq!(named("unanswered")["default_member_permissions"], "8192");
    assert_eq!(named("stats")["default_member_permissions"], "8192");
    assert_eq!(named("reload")["default_member_permissions"], "32");
    let subcommands: Vec<_> = named("unanswered")["options"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["name"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        subcommands,
        ["list", "resolve", "dismiss", "export", "link", "gap"]
    );
    // The bot identified with only the intents it needs.
    let identify = bot
        .fake
        .gateway_received()
        .into_iter()
        .find(|p| p["op"] == 2)
        .expect("IDENTIFY");
    assert_eq!(identify["d"]["intents"], (1 << 0) | (1 << 9) | (1 << 12));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_answers_with_the_passage_and_the_disclaimer_and_pings_no_one() {
    let bot = start(|_| {}).await;
    let cb = bot.ask(1001, SIDE_EFFECTS, Member::plain(42)).await;
    assert_eq!(cb.status, 204, "{:#}", cb.response);
    assert_eq!(cb.body["type"], 4);
    assert!(!cb.is_ephemeral());
    let embed = &cb.embeds()[0];
    assert!(
        embed["title"]
            .as_str()
            .unwrap_or("")
            .contains("Balancing Risks"),
        "{embed:#}"
    );
    assert!(embed["description"]
        .as_str()
        .unwrap_or("")
        .contains("insomnia"));
    assert_eq!(embed["footer"]["text"], bot.disclaimer());
    let text = cb.all_text();
    assert!(text.contains(SIDE_EFFECTS), "the question is shown: {text}");
    assert!(
        text.contains("Low Dose Naltrexone"),
        "the source is shown: {text}"
    );
    assert_no_pings(cb.message_body());
    let ids = custom_ids(cb.message_body());
    assert_eq!(ids.len(), 2, "Helpful and Not helpful: {ids:?}");
    assert!(ids
        .iter()
        .all(|id| id.starts_with("fb:") && id.len() <= 100));

    // `private:true` makes the reply ephemeral.
    let cb = bot
        .slash(
            1002,
            "ask",
            json!([opt_str("question", SIDE_EFFECTS), opt_bool("private", true)]),
            Member::plain(42),
        )
        .await;
    assert!(cb.is_ephemeral());
    assert!(
        bot.open_items().is_empty(),
        "an answer is not a review item"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn off_topic_questions_get_the_abstention_and_a_review_row() {
    let bot = start(|_| {}).await;
    let reply = bot.ask(1101, OFF_TOPIC, Member::plain(42)).await;
    let text = reply.all_text();
    assert!(text.contains(ldnbot::reply::NOT_COVERED), "{text}");
    assert!(text.contains("moderators will see it"), "{text}");
    assert!(text.contains(&bot.disclaimer()), "{text}");
    assert_no_pings(reply.message_body());
    assert!(
        custom_ids(reply.message_body()).is_empty(),
        "no feedback on an abstention"
    );

    // The row was committed before the reply said so.
    let items = bot.open_items();
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0].question, OFF_TOPIC);
    assert_eq!(items[0].reason, Reason::NoMatch);
    assert_eq!(items[0].source, Source::Slash);
    assert_eq!(items[0].guild_id.as_deref(), Some(&*GUILD_ID.to_string()));
    let key = items[0]
        .user_key
        .as_deref()
        .expect("the member's key is stored");
    assert!(
        key.len() >= 16 && key != "42",
        "a keyed hash, not the id: {key}"
    );

    // A near miss lists the closest topic.
    let reply = bot
        .ask(1102, "Is LDN safe for children?", Member::plain(42))
        .await;
    let text = reply.all_text();
    assert!(text.contains("Closest topics"), "{text}");
    assert!(text.contains("Balancing Risks"), "{text}");
    assert_eq!(bot.open_items().len(), 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mass_mentions_inside_a_question_ping_no_one() {
    let bot = start(|_| {}).await;
    let question = format!("@everyone @here <@&{MOD_ROLE_ID}> <@42> what is LDN?");
    let cb = bot.ask(1201, &question, Member::plain(43)).await;
    assert_no_pings(cb.message_body());
    assert!(cb.all_text().contains(&question), "shown as text");
    assert!(cb.content().is_none_or(|c| !c.contains("@everyone")));

    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(1202, User::new(44), &question, true),
        )
        .await;
    let post = bot
        .channel_post(CHANNEL_ID, |r| {
            r.body["message_reference"]["message_id"] == "1202"
        })
        .await
        .expect("reply to the mention");
    assert_no_pings(&post.body);
    assert!(post.content().is_none_or(|c| !c.contains("@everyone")));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_gets_a_reply_and_bots_get_nothing() {
    let bot = start(|_| {}).await;
    let (own, other) = (logs::unique_message_id(), logs::unique_message_id());
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(own, User::bot_user(), SIDE_EFFECTS, true),
        )
        .await;
    let mut other_bot = User::new(77);
    other_bot.bot = true;
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(other, other_bot, SIDE_EFFECTS, true),
        )
        .await;
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(1303, User::new(42), SIDE_EFFECTS, true),
        )
        .await;
    let post = bot
        .channel_post(CHANNEL_ID, |r| {
            r.body["message_reference"]["message_id"] == "1303"
        })
        .await
        .expect("reply to the mention");
    assert_eq!(post.status, 200, "{:#}", post.response);
    assert_no_pings(&post.body);
    let text = post.all_text();
    assert!(text.contains("insomnia"), "{text}");
    assert!(text.contains(&bot.disclaimer()), "{text}");
    // The question shown is the text without the mention.
    assert!(text.contains(SIDE_EFFECTS) && !text.contains(&format!("<@{BOT_USER_ID}>")));
    assert_eq!(custom_ids(&post.body).len(), 2);
    // The bots' messages were seen and ignored (each event runs on a task of its own, so
    // the reply above proves nothing about them).
    for id in [own, other] {
        logs::handled(id).await;
        assert!(logs::logged(id, logs::NOT_A_QUESTION), "message {id}");
    }
    let posts: Vec<_> = bot
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.is("POST", "/channels/"))
        .collect();
    assert_eq!(posts.len(), 1, "only the member got a reply: {posts:#?}");

    // A server message without a mention is not a question.
    let plain = logs::unique_message_id();
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(plain, User::new(42), SIDE_EFFECTS, false),
        )
        .await;
    logs::handled(plain).await;
    assert!(logs::logged(plain, logs::NOT_A_QUESTION));
    assert_eq!(
        bot.fake
            .requests()
            .iter()
            .filter(|r| r.is("POST", "/channels/"))
            .count(),
        1
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_gets_an_answer_and_an_off_topic_dm_is_recorded() {
    let bot = start(|_| {}).await;
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            dm_message(1401, User::new(42), SIDE_EFFECTS),
        )
        .await;
    let post = bot
        .channel_post(dm_channel_id(42), |r| r.status == 200)
        .await
        .expect("DM answer");
    assert!(post.all_text().contains("insomnia"), "{}", post.all_text());
    assert_no_pings(&post.body);

    bot.fake
        .dispatch("MESSAGE_CREATE", dm_message(1402, User::new(42), OFF_TOPIC))
        .await;
    let post = bot
        .channel_post(dm_channel_id(42), |r| {
            r.body["message_reference"]["message_id"] == "1402"
        })
        .await
        .expect("DM abstention");
    assert!(post.all_text().contains("moderators will see it"));
    let items = bot.open_items();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].source, Source::Dm);
    assert_eq!(items[0].guild_id, None);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_context_menu_answers_the_target_message() {
    let bot = start(|_| {}).await;
    let target = message_json(
        5000,
        CHANNEL_ID,
        Some(GUILD_ID),
        &User::new(44),
        SIDE_EFFECTS,
    );
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            message_context_menu(1501, "Answer with ldnbot", target, Member::plain(45)),
        )
        .await;
    let cb = bot.callback(1501).await;
    assert_eq!(cb.body["type"], 4, "{:#}", cb.body);
    assert!(!cb.is_ephemeral(), "visible in the channel");
    assert!(cb.all_text().contains("insomnia"), "{}", cb.all_text());
    assert!(cb.all_text().contains(SIDE_EFFECTS));
    assert_no_pings(cb.message_body());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_suggests_and_a_suggestion_leads_to_its_passage() {
    let bot = start(|_| {}).await;
    // What each partial question suggests first, and a phrase of that passage's text.
    // Headings that hold every word typed come first, in knowledge order; nothing typed
    // lists the sections from the top.
    let expected = [
        (
            1601,
            "side eff",
            ("Balancing Risks and Benefits", "insomnia"),
        ),
        (
            1602,
            "naltrex",
            ("What is Low Dose Naltrexone (LDN)?", "FDA-approved"),
        ),
        (1603, "", ("Overview", "chronic inflammatory disorder")),
    ];
    for (id, partial, (heading, phrase)) in expected {
        bot.fake
            .dispatch(
                "INTERACTION_CREATE",
                autocomplete(
                    id,
                    "ask",
                    json!([opt_focused("question", partial)]),
                    Member::plain(42),
                ),
            )
            .await;
        let cb = bot.callback(id).await;
        assert_eq!(cb.status, 204, "{partial:?}: {:#}", cb.response);
        assert_eq!(cb.body["type"], 8);
        let choices = cb.body["data"]["choices"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            (1..=25).contains(&choices.len()),
            "{partial:?}: {} choices",
            choices.len()
        );
        // The first suggestion, chosen, answers with the passage it names.
        let value = choices[0]["value"]
            .as_str()
            .expect("string value")
            .to_string();
        let ask_id = id + 100;
        assert!(value.contains(heading), "{partial:?}: {value:?}");
        let answer = bot.ask(ask_id, &value, Member::plain(42)).await;
        let embed = &answer.embeds()[0];
        let title = embed["title"].as_str().unwrap_or("");
        assert!(title.contains(heading), "{partial:?}: {title:?}");
        let text = embed["description"].as_str().unwrap_or("");
        assert!(text.contains(phrase), "{partial:?}: {text}");
    }
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_buttons_are_acknowledged_and_recorded() {
    let bot = start(|_| {}).await;
    let cb = bot.ask(1701, SIDE_EFFECTS, Member::plain(42)).await;
    let ids = custom_ids(cb.message_body());
    let (helpful, unhelpful) = (ids[0].clone(), ids[1].clone());
    let answer = bot
        .fake
        .original_response(1701)
        .expect("the answer message");

    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            button_click_on(1702, &unhelpful, Member::plain(43), answer.clone()),
        )
        .await;
    let ack = bot.callback(1702).await;
    assert_eq!(ack.body["type"], 4);
    assert!(ack.is_ephemeral());
    assert_eq!(ack.content(), Some("Thanks — noted."));
    assert_no_pings(ack.message_body());
    let items = bot.open_items();
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0].reason, Reason::Unhelpful);
    assert_eq!(items[0].question, SIDE_EFFECTS);
    assert!(items[0]
        .passage_id
        .as_deref()
        .is_some_and(|p| p.contains("balancing-risks")));

    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            button_click_on(1703, &helpful, Member::plain(44), answer),
        )
        .await;
    let ack = bot.callback(1703).await;
    assert!(ack.is_ephemeral());
    let stats = bot.review.stats(now_unix()).expect("stats");
    assert_eq!(stats.all_time.helpful, 1);
    assert_eq!(stats.all_time.unhelpful, 1);
    assert_eq!(
        bot.open_items().len(),
        1,
        "a helpful click keeps no question"
    );

    // A button from some other version of the bot is answered, not ignored, and records
    // nothing.
    let before = bot.review.stats(now_unix()).expect("stats").all_time;
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            button_click(1704, "fb:zz", Member::plain(44)),
        )
        .await;
    let stale = bot.callback(1704).await;
    assert!(stale.is_ephemeral());
    assert!(
        stale.all_text().contains("no longer works"),
        "{}",
        stale.all_text()
    );
    let after = bot.review.stats(now_unix()).expect("stats").all_time;
    assert_eq!(
        (after.helpful, after.unhelpful),
        (before.helpful, before.unhelpful)
    );
    assert_eq!(bot.open_items().len(), 1, "the stale click wrote no row");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_question_over_the_limit_gets_the_wait_reply() {
    let bot = start(|c| {
        c.discord.cooldown_questions = 2;
        c.discord.cooldown_seconds = 60;
    })
    .await;
    for id in [1801, 1802] {
        let cb = bot.ask(id, SIDE_EFFECTS, Member::plain(42)).await;
        assert!(!cb.embeds().is_empty());
    }
    let cb = bot.ask(1803, SIDE_EFFECTS, Member::plain(42)).await;
    assert_eq!(cb.body["type"], 4, "refused without deferring");
    assert!(cb.is_ephemeral());
    let text = cb.content().unwrap_or("");
    assert!(text.contains("wait") && text.contains(" s"), "{text}");
    assert!(!text.contains("insomnia"), "refused, not answered: {text}");
    assert_no_pings(cb.message_body());
    // The refused question was not asked: nothing to review. An off-topic one shows it.
    let refused = bot.ask(1805, OFF_TOPIC, Member::plain(42)).await;
    assert!(refused.content().unwrap_or("").contains("wait"));
    assert!(bot.open_items().is_empty(), "{:#?}", bot.open_items());
    // Someone else may still ask.
    let cb = bot.ask(1804, SIDE_EFFECTS, Member::plain(43)).await;
    assert!(!cb.embeds().is_empty());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_reconnects_after_a_dropped_connection() {
    let bot = start_with(
        FakeConfig {
            heartbeat_interval_ms: 500,
            ..FakeConfig::default()
        },
        |_| {},
    )
    .await;
    assert!(!bot
        .ask(1901, SIDE_EFFECTS, Member::plain(42))
        .await
        .embeds()
        .is_empty());
    let sessions = bot.fake.identify_count() + bot.fake.resume_count();
    bot.fake.drop_connection().await;
    let cb = bot.ask(1902, SIDE_EFFECTS, Member::plain(42)).await;
    assert!(cb.all_text().contains("insomnia"));
    assert!(bot.fake.identify_count() + bot.fake.resume_count() > sessions);
    assert!(bot.fake.connection_count() >= 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_is_clean() {
    let bot = start(|_| {}).await;
    let _ = bot.ask(2001, SIDE_EFFECTS, Member::plain(42)).await;
    let fake = bot.fake.clone();
    bot.stop().await;
    assert!(
        fake.wait_until(WAIT, |f| !f.is_connected()).await,
        "the gateway connection was not closed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_lists_the_sections_privately() {
    let bot = start(|_| {}).await;
    let cb = bot
        .slash(2101, "topics", Value::Null, Member::plain(42))
        .await;
    assert!(cb.is_ephemeral());
    let text = cb.all_text();
    assert!(text.contains("Balancing Risks and Benefits"), "{text}");
    assert!(text.contains("The Mechanism of Action"), "{text}");
    assert_no_pings(cb.message_body());
    bot.stop().await;
}

fn unanswered(sub: &str, options: Value) -> Value {
    json!([opt_sub(sub, options)])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderators_list_resolve_and_export_and_members_are_refused() {
    let bot = start(|_| {}).await;
    let _ = bot.ask(2201, OFF_TOPIC, Member::plain(42)).await;
    let item = bot.open_items()[0].id;

    // A plain member: refused, ephemerally, and nothing changes.
    for (id, sub, options) in [
        (2202, "list", Value::Null),
        (2203, "resolve", json!([opt_int("id", item)])),
        (2204, "export", Value::Null),
    ] {
        let refusal = bot
            .slash(
                id,
                "unanswered",
                unanswered(sub, options),
                Member::plain(42),
            )
            .await;
        assert!(refusal.is_ephemeral(), "{sub}");
        let text = refusal.all_text();
        assert!(text.contains("don't have permission"), "{sub}: {text}");
        assert!(
            !text.contains("sourdough"),
            "{sub}: the refusal reveals nothing"
        );
        assert!(refusal.files.is_empty());
    }
    let refusal = bot
        .slash(2205, "stats", Value::Null, Member::plain(42))
        .await;
    assert!(refusal.is_ephemeral());
    assert!(refusal.all_text().contains("don't have permission"));
    assert_eq!(bot.open_items().len(), 1, "nothing changed");

    // Manage Messages: the list, ephemeral, with the id.
    let _ = bot
        .slash(
            2206,
            "unanswered",
            unanswered("list", Value::Null),
            Member::moderator(50),
        )
        .await;
    let list = bot.final_reply(2206).await;
    assert!(bot.shown_privately(2206), "the list is private");
    let text = list.all_text();
    assert!(text.contains("sourdough"), "{text}");
    assert!(text.contains(&format!("#{item}")), "{text}");
    assert_no_pings(list.message_body());

    // Export: a CSV attachment.
    let _ = bot
        .slash(
            2207,
            "unanswered",
            unanswered("export", Value::Null),
            Member::moderator(50),
        )
        .await;
    let export = bot.final_reply(2207).await;
    assert!(bot.shown_privately(2207), "the export is private");
    let (name, csv) = export.files.first().cloned().expect("a CSV file");
    assert!(name.ends_with(".csv"), "{name}");
    let csv = String::from_utf8_lossy(&csv);
    assert!(csv.contains("sourdough"), "{csv}");

    // Stats.
    let _ = bot
        .slash(2208, "stats", Value::Null, Member::moderator(50))
        .await;
    let stats = bot.final_reply(2208).await;
    assert!(bot.shown_privately(2208), "the stats are private");
    assert_no_pings(stats.message_body());
    assert!(
        stats.all_text().contains("abstained"),
        "{}",
        stats.all_text()
    );

    // Resolve changes the status.
    let _ = bot
        .slash(
            2209,
            "unanswered",
            unanswered(
                "resolve",
                json!([opt_int("id", item), opt_str("note", "added to FAQ")]),
            ),
            Member::moderator(50),
        )
        .await;
    let done = bot.final_reply(2209).await;
    assert!(bot.shown_privately(2209), "the resolve reply is private");
    assert_no_pings(done.message_body());
    assert!(done.all_text().contains("resolved"), "{}", done.all_text());
    let entry = bot.review.entry(item).expect("entry").expect("exists");
    assert_eq!(entry.status, Status::Resolved);
    assert_eq!(entry.note.as_deref(), Some("added to FAQ"));
    assert!(bot.open_items().is_empty());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_moderator_role_without_the_permission_is_allowed() {
    let bot = start(|c| c.discord.moderator_roles = vec![MOD_ROLE_ID]).await;
    let _ = bot.ask(2301, OFF_TOPIC, Member::plain(42)).await;
    let role_only = Member {
        user: User::new(51),
        roles: vec![MOD_ROLE_ID],
        permissions: perms::EVERYONE,
    };
    let _ = bot
        .slash(
            2302,
            "unanswered",
            unanswered("list", Value::Null),
            role_only,
        )
        .await;
    let list = bot.final_reply(2302).await;
    let text = list.all_text();
    assert!(text.contains("sourdough"), "{text}");
    assert!(!text.contains("don't have permission"));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_is_for_admins_only() {
    let bot = start(|_| {}).await;
    let before = bot.live.current();
    let refusal = bot
        .slash(2401, "reload", Value::Null, Member::moderator(52))
        .await;
    assert!(refusal.is_ephemeral());
    assert!(refusal.all_text().contains("don't have permission"));
    assert!(
        Arc::ptr_eq(&before, &bot.live.current()),
        "nothing reloaded"
    );

    let _ = bot
        .slash(2402, "reload", Value::Null, Member::admin(53))
        .await;
    let report = bot.final_reply(2402).await;
    let text = report.all_text();
    assert!(text.contains("Reloaded the knowledge base"), "{text}");
    assert!(text.contains(before.version()), "{text}");
    assert!(!Arc::ptr_eq(&before, &bot.live.current()), "reloaded");
    assert!(bot.callback(2402).await.is_ephemeral());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urgent_questions_get_the_notice_privately_and_alert_moderators() {
    let bot = start(|c| c.discord.alert_channel_id = Some(CHANNEL_ID)).await;
    let cb = bot.ask(2501, URGENT, Member::plain(42)).await;
    assert!(cb.is_ephemeral(), "the urgent notice is ephemeral");
    let text = cb.all_text();
    // The fake's interactions come from an en-US client.
    assert!(text.contains("911") && text.contains("988"), "{text}");
    assert!(text.contains(&bot.disclaimer()), "{text}");
    assert!(custom_ids(cb.message_body()).is_empty());
    assert_no_pings(cb.message_body());

    let items = bot.open_items();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].reason, Reason::Urgent);
    assert_eq!(items[0].question, URGENT);

    let alert = bot
        .channel_post(CHANNEL_ID, |r| {
            r.content().is_some_and(|c| c.contains("urgent"))
        })
        .await
        .expect("a note in the alert channel");
    assert_no_pings(&alert.body);
    let note = alert.content().unwrap_or("");
    assert!(
        !note.contains("chest pain"),
        "the note holds no question text: {note}"
    );
    assert!(note.contains(&format!("#{}", items[0].id)), "{note}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abstention_that_could_not_be_recorded_promises_nothing() {
    let bot = start(|_| {}).await;
    // Break the review log behind the bot's back.
    let db = rusqlite::Connection::open(&bot.config.review.database).expect("open");
    db.execute_batch("ALTER TABLE review_items RENAME TO gone")
        .expect("rename");
    let reply = bot.ask(2601, OFF_TOPIC, Member::plain(42)).await;
    let text = reply.all_text();
    assert!(text.contains(ldnbot::reply::NOT_COVERED), "{text}");
    assert!(text.contains(&bot.disclaimer()), "{text}");
    assert!(!text.contains("moderators will see it"), "{text}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mentions_and_dms_can_be_switched_off() {
    let bot = start(|c| {
        c.discord.answer_mentions = false;
        c.discord.answer_dms = false;
    })
    .await;
    let (mention, dm) = (logs::unique_message_id(), logs::unique_message_id());
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(mention, User::new(42), SIDE_EFFECTS, true),
        )
        .await;
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            dm_message(dm, User::new(42), SIDE_EFFECTS),
        )
        .await;
    // /ask still works.
    let cb = bot.ask(2703, SIDE_EFFECTS, Member::plain(42)).await;
    assert!(cb.all_text().contains("insomnia"), "{}", cb.all_text());
    for id in [mention, dm] {
        logs::handled(id).await;
        assert!(logs::logged(id, logs::NOT_A_QUESTION), "message {id}");
    }
    let posts: Vec<_> = bot
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.is("POST", "/channels/"))
        .collect();
    assert!(posts.is_empty(), "{posts:#?}");

    // The context menu on a message without text says so, privately.
    let target = message_json(5001, CHANNEL_ID, Some(GUILD_ID), &User::new(44), "");
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            message_context_menu(2704, "Answer with ldnbot", target, Member::plain(45)),
        )
        .await;
    let cb = bot.callback(2704).await;
    assert!(cb.is_ephemeral());
    assert!(cb.all_text().contains("no text"), "{}", cb.all_text());
    bot.stop().await;
}

/// The pipeline and the renderer search a question once, abstentions (whose
/// closest topics come from the same ranking) included, from a slash command
/// and from a mention alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_searches_each_question_once() {
    let bot = start(|_| {}).await;
    let engine = bot.live.current();
    let abstains = "what does the article say about the weather on mars";
    assert!(!engine.answer(abstains).expect("answers").is_found());
    let before = engine.searches();

    let reply = bot.ask(1301, abstains, Member::plain(45)).await;
    assert!(reply.all_text().contains(&bot.disclaimer()));
    assert_eq!(
        engine.searches() - before,
        1,
        "one search for an abstaining /ask"
    );

    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(
                1302,
                User::new(46),
                "what are the side effects of LDN?",
                true,
            ),
        )
        .await;
    bot.channel_post(CHANNEL_ID, |r| {
        r.body["message_reference"]["message_id"] == "1302"
    })
    .await
    .expect("reply to the mention");
    assert_eq!(
        engine.searches() - before,
        2,
        "one search for an answered mention"
    );
    bot.stop().await;
}

/// When the runner-up passage is nearly as good, the answer offers it with a
/// "Did you mean …?" button; a click shows that passage privately, with the
/// disclaimer, and leaves the question for moderators with the passage chosen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn did_you_mean_shows_the_runner_up_and_is_recorded() {
    let bot = start(|_| {}).await;
    let question = "Is LDN safe and what does research say about it";
    let engine = bot.live.current();
    let Answer::Found {
        see_also: Some(also),
        ..
    } = engine.answer(question).expect("answers")
    else {
        panic!("{question:?} should be answered with a runner-up worth naming");
    };
    let cb = bot.ask(1401, question, Member::plain(42)).await;
    let buttons = cb.message_body()["components"][0]["components"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(buttons.len(), 3, "{:#}", cb.message_body());
    let label = buttons[2]["label"].as_str().unwrap_or("");
    assert!(label.starts_with("Did you mean: "), "{label}");
    assert!(label.contains(also.passage.title()), "{label}");
    let custom_id = buttons[2]["custom_id"].as_str().unwrap_or("").to_string();
    let answer = bot
        .fake
        .original_response(1401)
        .expect("the answer message");

    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            button_click_on(1402, &custom_id, Member::plain(43), answer),
        )
        .await;
    let shown = bot.callback(1402).await;
    assert!(shown.is_ephemeral());
    assert_no_pings(shown.message_body());
    let text = shown.all_text();
    let opening: String = also.passage.text.chars().take(60).collect();
    assert!(text.contains(&opening), "{text}");
    assert!(text.contains(&bot.disclaimer()), "{text}");
    assert!(
        custom_ids(shown.message_body()).is_empty(),
        "no buttons of its own"
    );

    let items = wait_for_items(&bot, 1).await;
    assert_eq!(items[0].reason, Reason::OtherPassage);
    assert_eq!(items[0].question, question);
    assert_eq!(
        items[0].passage_id.as_deref(),
        Some(also.passage.id.as_str())
    );
    bot.stop().await;
}

/// The open review items once there are `n` of them (the click's row is
/// written after the passage is shown).
async fn wait_for_items(bot: &Running, n: usize) -> Vec<ldnbot::review::ReviewEntry> {
    for _ in 0..200 {
        let items = bot.open_items();
        if items.len() >= n {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bot.open_items()
}
