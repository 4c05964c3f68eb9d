//! Triage through the bot: the urgent notice with the numbers for the member's
//! locale, the moderators' alert, the caution line and known gaps, against the
//! fake Discord.

use ldnbot::review::Reason;
use ldnbot::triage::Level;
use serde_json::json;

use crate::discord::{assert_no_pings, custom_ids, start, start_with, Running};
use crate::logs;
use crate::support::*;

/// Emergencies happening now, as members might write them.
const SWELLING_NOW: &str =
    "my lips and throat are swelling up right now after the injection and I can't swallow";
const COLLAPSED_NOW: &str =
    "my husband just collapsed on the kitchen floor and he is not breathing, what do I do";
/// About a serious symptom, with no sign it is happening now.
const CAUTION: &str = "is chest tightness a known side effect of LDN?";

/// The triage of `question` by the running engine: the rules are still being
/// tuned, so each test says which level its message must have.
#[track_caller]
fn expect_level(bot: &Running, question: &str, level: Level) {
    let response = bot.live.current().respond(question).expect("respond");
    assert_eq!(
        response.triage.level, level,
        "the triage of {question:?} changed; pick another message: {:?}",
        response.triage
    );
}

/// No passage of the knowledge base appears in `text`.
#[track_caller]
fn assert_no_passage(bot: &Running, text: &str) {
    for passage in bot.live.current().passages() {
        let start: String = passage.text.chars().take(60).collect();
        assert!(
            !text.contains(&start),
            "a passage in an urgent reply: {text}"
        );
    }
}

async fn ask_in(bot: &Running, id: u64, question: &str, locale: &str) -> Recorded {
    let interaction = with_locale(
        slash_command(
            id,
            "ask",
            json!([opt_str("question", question)]),
            Member::plain(42),
        ),
        locale,
    );
    bot.fake.dispatch("INTERACTION_CREATE", interaction).await;
    bot.callback(id).await
}

#[track_caller]
fn assert_urgent_reply(bot: &Running, reply: &Recorded) -> String {
    assert!(reply.is_ephemeral(), "the urgent notice is ephemeral");
    assert!(custom_ids(reply.message_body()).is_empty(), "no buttons");
    assert!(
        reply.message_body()["components"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "no components: {:#}",
        reply.message_body()
    );
    assert_no_pings(reply.message_body());
    let text = reply.all_text();
    assert!(text.contains(&bot.disclaimer()), "{text}");
    assert_no_passage(bot, &text);
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_ask_names_the_numbers_for_the_members_locale() {
    let bot = start(|_| {}).await;
    expect_level(&bot, SWELLING_NOW, Level::Urgent);

    let text = assert_urgent_reply(&bot, &ask_in(&bot, 3101, SWELLING_NOW, "en-GB").await);
    assert!(text.contains("999") && text.contains("116 123"), "{text}");

    let text = assert_urgent_reply(&bot, &ask_in(&bot, 3102, SWELLING_NOW, "en-US").await);
    assert!(text.contains("911") && text.contains("988"), "{text}");

    // A locale without numbers, and no default configured: the generic notice.
    let text = assert_urgent_reply(&bot, &ask_in(&bot, 3103, SWELLING_NOW, "vi").await);
    assert!(text.contains(&bot.config.safety.urgent_reply), "{text}");

    let items = bot.open_items();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|item| item.reason == Reason::Urgent));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locale_without_numbers_gets_the_configured_default_or_override() {
    let bot = start(|c| {
        c.safety.default_helpline = Some(ldnbot::triage::Helpline {
            emergency: "000".into(),
            crisis: "Lifeline 13 11 14".into(),
        });
        c.safety.locales.insert(
            "en-GB".into(),
            ldnbot::triage::Helpline {
                emergency: "112".into(),
                crisis: "Shout: text 85258".into(),
            },
        );
    })
    .await;
    let text = assert_urgent_reply(&bot, &ask_in(&bot, 3201, SWELLING_NOW, "vi").await);
    assert!(
        text.contains("000") && text.contains("Lifeline 13 11 14"),
        "{text}"
    );
    let text = assert_urgent_reply(&bot, &ask_in(&bot, 3202, SWELLING_NOW, "en-GB").await);
    assert!(text.contains("112") && text.contains("85258"), "{text}");
    assert!(!text.contains("999"), "{text}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_mention_is_answered_in_the_channel_and_moderators_can_reach_the_member() {
    let bot = start_with(
        FakeConfig {
            preferred_locale: "en-GB".into(),
            ..FakeConfig::default()
        },
        |c| c.discord.alert_channel_id = Some(CHANNEL_ID),
    )
    .await;
    expect_level(&bot, COLLAPSED_NOW, Level::Urgent);
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(3301, User::new(42), COLLAPSED_NOW, true),
        )
        .await;
    let reply = bot
        .channel_post(CHANNEL_ID, |r| {
            r.body["message_reference"]["message_id"] == "3301"
        })
        .await
        .expect("a reply to the mention");
    assert_no_pings(&reply.body);
    assert!(custom_ids(&reply.body).is_empty(), "no buttons");
    let text = reply.all_text();
    // The server's preferred locale decides the numbers.
    assert!(text.contains("999") && text.contains("116 123"), "{text}");
    assert_no_passage(&bot, &text);

    let alert = bot
        .channel_post(CHANNEL_ID, |r| {
            r.content().is_some_and(|c| c.contains("looked urgent"))
        })
        .await
        .expect("the moderators' alert");
    assert_no_pings(&alert.body);
    let note = alert.content().unwrap_or_default();
    assert!(note.contains("<@42>"), "{note}");
    assert!(note.contains(&format!("<#{CHANNEL_ID}>")), "{note}");
    assert!(
        note.contains(&format!(
            "https://discord.com/channels/{GUILD_ID}/{CHANNEL_ID}/3301"
        )),
        "{note}"
    );
    let kind = bot
        .live
        .current()
        .respond(COLLAPSED_NOW)
        .expect("respond")
        .triage
        .kind;
    if let Some(kind) = kind {
        assert!(note.contains(kind.label()), "{note}");
    }
    assert!(!note.contains("kitchen"), "no question text: {note}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alert_can_leave_the_member_out() {
    let bot = start(|c| {
        c.discord.alert_channel_id = Some(CHANNEL_ID);
        c.safety.alert_identifies_member = false;
    })
    .await;
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(3401, User::new(42), SWELLING_NOW, true),
        )
        .await;
    let alert = bot
        .channel_post(CHANNEL_ID, |r| {
            r.content().is_some_and(|c| c.contains("looked urgent"))
        })
        .await
        .expect("the moderators' alert");
    assert_no_pings(&alert.body);
    let note = alert.content().unwrap_or_default();
    assert!(!note.contains("<@"), "{note}");
    assert!(!note.contains("discord.com/channels"), "{note}");
    assert!(note.contains(&format!("<#{CHANNEL_ID}>")), "{note}");

    // /ask has no message to link, and with identities on it still names the member.
    bot.stop().await;
    let bot = start(|c| c.discord.alert_channel_id = Some(CHANNEL_ID)).await;
    let _ = ask_in(&bot, 3402, SWELLING_NOW, "en-US").await;
    let alert = bot
        .channel_post(CHANNEL_ID, |r| {
            r.content().is_some_and(|c| c.contains("looked urgent"))
        })
        .await
        .expect("the moderators' alert");
    let note = alert.content().unwrap_or_default();
    assert!(
        note.contains("<@42>") && !note.contains("discord.com/channels"),
        "{note}"
    );
    assert_no_pings(&alert.body);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caution_gets_the_answer_plus_the_safety_line() {
    let bot = start(|c| c.discord.alert_channel_id = Some(CHANNEL_ID)).await;
    expect_level(&bot, CAUTION, Level::Caution);
    let answer = bot.live.current().respond(CAUTION).expect("respond").answer;
    let reply = ask_in(&bot, 3501, CAUTION, "en-US").await;
    assert_no_pings(reply.message_body());
    let text = reply.all_text();
    assert!(
        text.contains("If this is happening to you now, call your emergency number (911)."),
        "{text}"
    );
    assert!(text.contains(&bot.disclaimer()), "{text}");
    // The line is added to the normal reply, never in its place.
    if let Some(gap) = answer.gap() {
        assert!(text.contains(&gap.reply), "{text}");
    } else if let Some(passage) = answer.passage().filter(|_| answer.is_found()) {
        let start: String = passage.text.chars().take(60).collect();
        assert!(text.contains(&start), "{text}");
        assert_eq!(custom_ids(reply.message_body()).len(), 2);
    } else {
        assert!(text.contains(ldnbot::reply::NOT_COVERED), "{text}");
    }
    // A caution alerts nobody: the same message as a mention, handled to the end, queued no
    // alert.
    let mention = logs::unique_message_id();
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(mention, User::new(42), CAUTION, true),
        )
        .await;
    logs::handled(mention).await;
    assert!(logs::logged(mention, logs::HANDLED));
    assert!(
        !logs::logged(mention, logs::ALERTING),
        "a caution queued an alert"
    );
    assert!(
        !bot.fake.requests().iter().any(|r| {
            r.is("POST", &format!("/channels/{CHANNEL_ID}/messages"))
                && r.body["message_reference"].is_null()
        }),
        "a caution posted an alert"
    );
    bot.stop().await;
}

/// A question about a topic `knowledge/gaps.toml` says is not covered.
const WINE: &str = "can I drink wine on LDN?";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_gap_gets_its_reply_and_a_review_row() {
    let bot = start(|_| {}).await;
    let answer = bot.live.current().respond(WINE).expect("respond").answer;
    let gap = answer.gap().expect("the engine names the gap").clone();
    let reply = ask_in(&bot, 3601, WINE, "en-US").await;
    let text = reply.all_text();
    assert!(text.contains(&gap.reply), "{text}");
    assert!(text.contains(&bot.disclaimer()), "{text}");
    assert!(!text.contains(ldnbot::reply::NOT_COVERED), "{text}");
    let items = bot.open_items();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].reason, Reason::KnownGap);
    assert_eq!(items[0].gap.as_deref(), Some(gap.id.as_str()));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_urgent_dm_gets_the_notice_in_the_dm_and_the_alert_links_nothing() {
    let bot = start(|c| {
        c.discord.alert_channel_id = Some(CHANNEL_ID);
        c.safety.default_helpline = Some(ldnbot::triage::Helpline {
            emergency: "000".into(),
            crisis: "Lifeline 13 11 14".into(),
        });
    })
    .await;
    let id = logs::unique_message_id();
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            dm_message(id, User::new(42), SWELLING_NOW),
        )
        .await;
    let reply = bot
        .channel_post(dm_channel_id(42), |r| {
            r.body["message_reference"]["message_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                == Some(id)
        })
        .await
        .expect("a reply in the DM");
    assert_no_pings(&reply.body);
    assert!(custom_ids(&reply.body).is_empty(), "no buttons");
    let text = reply.all_text();
    // A DM carries no locale: the community's default numbers.
    assert!(
        text.contains("000") && text.contains("Lifeline 13 11 14"),
        "{text}"
    );
    assert_no_passage(&bot, &text);

    let alert = bot
        .channel_post(CHANNEL_ID, |r| {
            r.content().is_some_and(|c| c.contains("looked urgent"))
        })
        .await
        .expect("the moderators' alert");
    assert_no_pings(&alert.body);
    let note = alert.content().unwrap_or_default();
    assert!(
        note.contains("a direct message") && note.contains("<@42>"),
        "{note}"
    );
    assert!(!note.contains("discord.com/channels"), "{note}");
    logs::handled(id).await;
    assert!(
        logs::logged(id, logs::ALERTING),
        "the alert is seen in the log"
    );
    bot.stop().await;
}
