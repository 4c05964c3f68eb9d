//! What the README promises about the bot in Discord, each checked through the fake: the
//! review row is written before the member is told, `/reload` (its report, its failure, one
//! at a time, what members see after it), moderators' private replies and dismiss, the
//! `ephemeral_answers` and `admin_roles` settings, replies that ping nobody, and the
//! apology when a command fails.

use std::fs;
use std::path::Path;
use std::time::Instant;

use ldnbot::review::{Status, StatusFilter};
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::discord::{assert_no_pings, start, Running, WAIT};
use crate::logs;
use crate::support::*;

const OFF_TOPIC: &str = "How do I bake sourdough bread?";
const SIDE_EFFECTS: &str = "What are the side effects of LDN?";
const TURMERIC: &str = "\n## Turmeric Golden Milk\n\nSome members drink turmeric golden milk in \
the evening; ask your doctor before combining curcumin supplements with your medication.\n";
const TURMERIC_ID: &str = "ldn-rheumatoid-arthritis/turmeric-golden-milk";

/// A copy of `knowledge/` the test may edit.
fn knowledge_copy() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    for entry in fs::read_dir(source).expect("knowledge/") {
        let path = entry.expect("entry").path();
        fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    dir
}

fn append_turmeric(dir: &Path) {
    let article = dir.join("ldn-rheumatoid-arthritis.md");
    let mut text = fs::read_to_string(&article).expect("article");
    text.push_str(TURMERIC);
    fs::write(article, text).expect("write");
}

async fn reload(bot: &Running, id: u64) -> Recorded {
    let _ = bot
        .slash(id, "reload", Value::Null, Member::admin(53))
        .await;
    let reply = bot.final_reply(id).await;
    assert!(bot.shown_privately(id), "the /reload reply is private");
    assert_no_pings(reply.message_body());
    reply
}

/// A slow review-log write: the slash command is deferred within Discord's deadline (on in
/// the fake), and the reply that promises moderators will see the question only comes
/// once the row can be written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_row_is_written_before_the_member_is_told() {
    let bot = start(|_| {}).await;
    let holder = rusqlite::Connection::open(&bot.config.review.database).expect("open");
    holder
        .execute_batch("BEGIN EXCLUSIVE")
        .expect("hold the write lock");
    let _ = bot.ask(4001, OFF_TOPIC, Member::plain(42)).await;
    let deferral = bot.callback(4001).await;
    assert_eq!(deferral.body["type"], 5, "deferred while the write waits");
    assert_eq!(
        deferral.status, 204,
        "within the deadline: {:#}",
        deferral.response
    );
    // (Not read through the bot's review log here: its one connection is busy waiting.)
    let released = Instant::now();
    holder.execute_batch("COMMIT").expect("release");
    let reply = bot.followup(4001).await;
    assert!(
        reply.at > released,
        "the member was told before the row could be written"
    );
    assert!(
        reply.all_text().contains("moderators will see it"),
        "{}",
        reply.all_text()
    );
    assert_eq!(bot.open_items().len(), 1);
    // The followup replaced the "thinking…" message, publicly like the deferral.
    let shown = bot.fake.original_response(4001).expect("original");
    assert_eq!(shown["flags"], 0, "{shown:#}");
    assert!(!bot.shown_privately(4001));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_reports_what_changed_and_members_see_it() {
    let knowledge = knowledge_copy();
    let dir = knowledge.path().to_path_buf();
    let bot = start(move |c| c.knowledge.dir = dir).await;
    let before = bot.live.current().version().to_string();
    append_turmeric(knowledge.path());
    let text = reload(&bot, 4101).await.all_text();
    assert!(text.contains(TURMERIC_ID), "{text}");
    let after = bot.live.current().version().to_string();
    assert_ne!(after, before);
    assert!(text.contains(&before) && text.contains(&after), "{text}");

    // /topics and autocomplete know the new section.
    let topics = bot
        .slash(4102, "topics", Value::Null, Member::plain(42))
        .await;
    assert!(
        topics.all_text().contains("Turmeric Golden Milk"),
        "{}",
        topics.all_text()
    );
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            autocomplete(
                4103,
                "ask",
                json!([opt_focused("question", "turmeric")]),
                Member::plain(42),
            ),
        )
        .await;
    let choices = bot.callback(4103).await.body["data"]["choices"].clone();
    assert!(
        choices[0]["name"]
            .as_str()
            .unwrap_or("")
            .contains("Turmeric Golden Milk"),
        "{choices:#}"
    );
    let answer = bot
        .ask(4104, "Can I drink turmeric golden milk?", Member::plain(42))
        .await;
    assert!(
        answer.all_text().contains("curcumin"),
        "{}",
        answer.all_text()
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reload_names_the_file_and_changes_nothing() {
    let knowledge = knowledge_copy();
    let dir = knowledge.path().to_path_buf();
    let bot = start(move |c| c.knowledge.dir = dir).await;
    let before = bot.live.current();
    fs::write(
        knowledge.path().join("broken.md"),
        "+++\ntitle = \n+++\n# Broken\n",
    )
    .expect("write");
    let text = reload(&bot, 4201).await.all_text();
    assert!(text.contains("Reload failed"), "{text}");
    assert!(text.contains("broken.md"), "{text}");
    assert!(
        std::sync::Arc::ptr_eq(&before, &bot.live.current()),
        "the engine changed"
    );
    let answer = bot.ask(4202, SIDE_EFFECTS, Member::plain(42)).await;
    assert!(answer.all_text().contains("insomnia"));
    bot.stop().await;
}

/// The first reload is held on a named pipe (`synonyms.toml`) until the test feeds it.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_reload_at_a_time_through_discord() {
    let knowledge = knowledge_copy();
    let dir = knowledge.path().to_path_buf();
    let bot = start(move |c| c.knowledge.dir = dir).await;
    let synonyms = knowledge.path().join("synonyms.toml");
    let content = fs::read(&synonyms).expect("synonyms");
    fs::remove_file(&synonyms).expect("remove");
    let made = std::process::Command::new("mkfifo")
        .arg(&synonyms)
        .status()
        .expect("mkfifo");
    assert!(made.success());

    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            slash_command(4301, "reload", Value::Null, Member::admin(53)),
        )
        .await;
    let live = bot.live.clone();
    assert!(
        bot.fake.wait_until(WAIT, |_| live.is_reloading()).await,
        "the first reload never started"
    );
    let busy = reload(&bot, 4302).await.all_text();
    assert!(busy.contains("already running"), "{busy}");

    let writer = std::thread::spawn(move || fs::write(synonyms, content));
    let first = bot.final_reply(4301).await.all_text();
    writer.join().expect("writer").expect("fed the pipe");
    assert!(first.contains("reloaded"), "{first}");
    assert!(bot.shown_privately(4301));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dismiss_through_discord_is_private_and_changes_the_status() {
    let bot = start(|_| {}).await;
    let _ = bot.ask(4401, OFF_TOPIC, Member::plain(42)).await;
    let item = bot.open_items()[0].id;
    let options = json!([opt_sub(
        "dismiss",
        json!([opt_int("id", item), opt_str("note", "spam")])
    )]);
    let _ = bot
        .slash(4402, "unanswered", options, Member::moderator(50))
        .await;
    let reply = bot.final_reply(4402).await;
    assert!(bot.shown_privately(4402));
    assert_no_pings(reply.message_body());
    assert!(
        reply.all_text().contains("dismissed"),
        "{}",
        reply.all_text()
    );
    let entry = bot.review.entry(item).expect("entry").expect("exists");
    assert_eq!(entry.status, Status::Dismissed);
    assert_eq!(entry.note.as_deref(), Some("spam"));
    assert!(bot
        .review
        .entries(StatusFilter::Only(Status::Open))
        .expect("entries")
        .is_empty());

    // The export goes privately and pings nobody either.
    let export = json!([opt_sub("export", Value::Null)]);
    let _ = bot
        .slash(4403, "unanswered", export, Member::moderator(50))
        .await;
    let reply = bot.final_reply(4403).await;
    assert!(bot.shown_privately(4403));
    assert_no_pings(reply.message_body());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ephemeral_answers_makes_answers_private_unless_asked_otherwise() {
    let bot = start(|c| c.discord.ephemeral_answers = true).await;
    let cb = bot.ask(4501, SIDE_EFFECTS, Member::plain(42)).await;
    assert!(cb.is_ephemeral(), "private by default");
    assert!(cb.all_text().contains("insomnia"));
    let cb = bot
        .slash(
            4502,
            "ask",
            json!([
                opt_str("question", SIDE_EFFECTS),
                opt_bool("private", false)
            ]),
            Member::plain(42),
        )
        .await;
    assert!(!cb.is_ephemeral(), "private:false shows it to the channel");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_role_may_reload_without_manage_server() {
    let bot = start(|c| c.discord.admin_roles = vec![ADMIN_ROLE_ID]).await;
    let before = bot.live.current();
    let role_only = Member {
        user: User::new(54),
        roles: vec![ADMIN_ROLE_ID],
        permissions: perms::EVERYONE,
    };
    let _ = bot.slash(4601, "reload", Value::Null, role_only).await;
    let text = bot.final_reply(4601).await.all_text();
    assert!(!text.contains("don't have permission"), "{text}");
    assert!(text.contains("reloaded"), "{text}");
    assert!(!std::sync::Arc::ptr_eq(&before, &bot.live.current()));
    // The moderator role alone is not enough.
    let cb = bot
        .slash(4602, "reload", Value::Null, Member::moderator(55))
        .await;
    assert!(cb.all_text().contains("don't have permission"));
    bot.stop().await;
}

/// The cooldown's refusal of a mention is a reply that pings nobody, the asker included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cooldown_refusal_of_a_mention_pings_no_one() {
    let bot = start(|c| {
        c.discord.cooldown_questions = 1;
        c.discord.cooldown_seconds = 60;
    })
    .await;
    let (first, second) = (logs::unique_message_id(), logs::unique_message_id());
    for id in [first, second] {
        bot.fake
            .dispatch(
                "MESSAGE_CREATE",
                guild_message(id, User::new(42), SIDE_EFFECTS, true),
            )
            .await;
        logs::handled(id).await;
    }
    let refusal = bot
        .channel_post(CHANNEL_ID, |r| {
            r.body["message_reference"]["message_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                == Some(second)
        })
        .await
        .expect("the refusal");
    assert_eq!(refusal.status, 200, "{:#}", refusal.response);
    let text = refusal.content().unwrap_or("");
    assert!(text.contains("wait"), "{text}");
    assert_no_pings(&refusal.body);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_fails_gets_a_private_apology() {
    let bot = start(|_| {}).await;
    // Discord refuses the reply for good (not a transient failure), so the
    // command fails; the one error handler still answers the member.
    bot.fake.faults().add(Fault::new(
        "POST",
        "/interactions/",
        1,
        400,
        json!({"message": "Invalid Form Body", "code": 50035}),
    ));
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            slash_command(4601, "topics", json!([]), Member::plain(42)),
        )
        .await;
    let reply = bot
        .fake
        .wait_for_request(WAIT, |r| {
            r.is_interaction_callback() && r.interaction_id() == Some(4601) && r.status < 300
        })
        .await
        .expect("an apology");
    assert!(reply.is_ephemeral(), "{:#}", reply.body);
    assert!(
        reply.all_text().contains("Sorry, something went wrong"),
        "{}",
        reply.all_text()
    );
    assert_no_pings(reply.message_body());
    bot.stop().await;
}
