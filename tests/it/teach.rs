//! Moderators teach the bot: `/unanswered link`, `/unanswered gap` and
//! `ldnbot unanswered link|gap`, black-box through the fake Discord and the
//! binary. Every test works on a copy of `knowledge/`, never on the real one.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use ldnbot::bot::{self, Token};
use ldnbot::config::Config;
use ldnbot::knowledge::{Origin, Target, LEARNED_FILE};
use ldnbot::reload::LiveEngine;
use ldnbot::review::{NewEntry, Reason, ReviewLog, Source, Status};
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(10);

/// About speaking up for oneself with a doctor, in words no example or
/// heading uses: the knowledge has "Patient Advocacy", but the engine abstains.
const ADVOCACY: &str = "I never get a word in at the clinic";
const ADVOCACY_PASSAGE: &str =
    "ldn-rheumatoid-arthritis/navigating-the-decision-to-try-ldn/patient-advocacy";
/// Words from the passage the advocacy question should get once linked.
const ADVOCACY_TEXT: &str = "advocate for themselves";

/// A question about a topic the knowledge base leaves out, that no gap's
/// examples catch yet.
const GAP_QUESTION: &str = "chemist keeps running out, what now";
const GAP_ID: &str = "getting-a-prescription";

/// A copy of the project's knowledge base, without any learned examples.
fn knowledge_copy() -> TempDir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(&source).expect("knowledge/ is readable") {
        let path = entry.expect("a directory entry").path();
        let Some(name) = path.file_name() else {
            continue;
        };
        if path.is_file() && name != LEARNED_FILE {
            std::fs::copy(&path, dir.path().join(name)).expect("copy a knowledge file");
        }
    }
    dir
}

struct Running {
    fake: FakeDiscord,
    review: ReviewLog,
    live: Arc<LiveEngine>,
    knowledge: TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
    _db: TempDir,
}

async fn start() -> Running {
    let fake = FakeDiscord::start_with(FakeConfig::default()).await;
    let knowledge = knowledge_copy();
    let db = tempfile::tempdir().expect("temp dir");
    let mut config = Config::defaults();
    config.knowledge.dir = knowledge.path().to_path_buf();
    config.review.database = db.path().join("review.sqlite3");
    config.discord.api_proxy = Some(fake.api_proxy());
    config.discord.guild_ids = vec![GUILD_ID];
    config.discord.cooldown_questions = 1000;
    let live = Arc::new(LiveEngine::load(&config).expect("knowledge loads"));
    let review = ReviewLog::open_configured(&config).expect("review log opens");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(bot::serve(
        config,
        Token::new("fake-token"),
        Arc::clone(&live),
        review.clone(),
        async move {
            let _ = stopped.await;
        },
    ));
    assert!(
        fake.wait_for_guild_commands(WAIT).await.is_some(),
        "the bot never registered its commands"
    );
    Running {
        fake,
        review,
        live,
        knowledge,
        stop: Some(stop),
        task: Some(task),
        _db: db,
    }
}

impl Running {
    /// What a command finally showed: the callback, or the followup after a deferral.
    async fn slash(&self, id: u64, name: &str, options: Value, member: Member) -> Recorded {
        self.fake
            .dispatch(
                "INTERACTION_CREATE",
                slash_command(id, name, options, member),
            )
            .await;
        let callback = self
            .fake
            .wait_for_callback(WAIT, id)
            .await
            .unwrap_or_else(|| panic!("no callback for interaction {id}"));
        if callback.body["type"] != 5 {
            return callback;
        }
        let route = format!("/webhooks/{APP_ID}/{}", interaction_token(id));
        self.fake
            .wait_for_request(WAIT, |r| r.is("POST", &route) && r.route() == route)
            .await
            .unwrap_or_else(|| panic!("no followup for interaction {id}"))
    }

    async fn ask(&self, id: u64, question: &str) -> Recorded {
        self.slash(
            id,
            "ask",
            json!([opt_str("question", question)]),
            Member::plain(5001),
        )
        .await
    }

    async fn teach(
        &self,
        id: u64,
        sub: &str,
        item: i64,
        option: &str,
        target: &str,
        member: Member,
    ) -> Recorded {
        let options = json!([opt_sub(
            sub,
            json!([opt_int("id", item), opt_str(option, target)])
        )]);
        self.slash(id, "unanswered", options, member).await
    }

    /// The id of the open review item holding `question`.
    fn item(&self, question: &str) -> i64 {
        self.review
            .entries(ldnbot::review::StatusFilter::Only(Status::Open))
            .expect("review entries")
            .into_iter()
            .find(|entry| entry.question == question)
            .unwrap_or_else(|| panic!("{question:?} is not an open review item"))
            .id
    }

    fn learned(&self) -> Option<String> {
        std::fs::read_to_string(self.knowledge.path().join(LEARNED_FILE)).ok()
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(WAIT, task).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

#[track_caller]
fn assert_no_pings(reply: &Recorded) {
    let allowed = &reply.message_body()["allowed_mentions"];
    assert_eq!(allowed["parse"], json!([]), "{allowed}");
}

/// Asks the advocacy question as a member, links it as a moderator, and
/// checks the link: the reply, learned.toml, the review log, the reload.
async fn ask_and_link_advocacy() -> Running {
    let bot = start().await;
    let engine = bot.live.current();
    assert!(
        engine.passage(ADVOCACY_PASSAGE).is_some(),
        "the passage id changed"
    );
    assert!(
        !engine.answer(ADVOCACY).expect("answers").is_found(),
        "the question must abstain before it is linked"
    );
    let first = bot.ask(1, ADVOCACY).await;
    assert!(
        !first.all_text().contains(ADVOCACY_TEXT),
        "{}",
        first.all_text()
    );
    let item = bot.item(ADVOCACY);
    let version = engine.version().to_string();

    let reply = bot
        .teach(
            2,
            "link",
            item,
            "passage",
            ADVOCACY_PASSAGE,
            Member::moderator(6001),
        )
        .await;
    assert!(reply.is_ephemeral(), "{:?}", reply.body);
    assert_no_pings(&reply);
    let text = reply.all_text();
    assert!(
        text.contains(&format!("Item #{item}")) && text.contains("Reloaded"),
        "{text}"
    );

    let learned = bot.learned().expect("learned.toml was written");
    assert!(learned.contains(ADVOCACY), "{learned}");
    assert!(learned.contains(ADVOCACY_PASSAGE), "{learned}");
    assert!(
        !learned.contains("6001"),
        "the raw moderator id is never written: {learned}"
    );
    let entry = bot.review.entry(item).expect("entry").expect("still there");
    assert_eq!(entry.status, Status::Resolved);
    let current = bot.live.current();
    assert_ne!(current.version(), version, "the engine was reloaded");
    assert!(
        current
            .examples()
            .iter()
            .any(|example| example.text == ADVOCACY
                && example.origin == Origin::Learned
                && example.target == Target::Passage(ADVOCACY_PASSAGE.into())),
        "the reloaded engine holds the learned example"
    );
    bot
}

#[tokio::test]
async fn a_moderator_links_a_question_to_a_passage() {
    ask_and_link_advocacy().await.stop().await;
}

#[tokio::test]
async fn a_linked_question_is_answered_with_its_passage() {
    let bot = ask_and_link_advocacy().await;
    let again = bot.ask(3, ADVOCACY).await;
    assert!(
        again.all_text().contains(ADVOCACY_TEXT),
        "{}",
        again.all_text()
    );
    bot.stop().await;
}

#[tokio::test]
async fn the_moderator_in_learned_toml_is_the_review_logs_keyed_hash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let review = ReviewLog::open(&dir.path().join("r.sqlite3"), Default::default()).expect("opens");
    let id = review
        .record(&NewEntry {
            question: "q",
            reason: Reason::NoMatch,
            passage_id: None,
            score: None,
            gap: None,
            source: Source::Slash,
            guild_id: None,
            channel_id: None,
            user_id: Some(6001),
        })
        .expect("recorded");
    let stored = review.entry(id).expect("entry").expect("exists").user_key;
    let key = ldnbot::teach::moderator_key(&review, 6001);
    assert_eq!(stored.as_deref(), Some(key.as_str()));
}

#[tokio::test]
async fn a_member_cannot_link() {
    let bot = start().await;
    bot.ask(1, ADVOCACY).await;
    let item = bot.item(ADVOCACY);
    let reply = bot
        .teach(
            2,
            "link",
            item,
            "passage",
            ADVOCACY_PASSAGE,
            Member::plain(5002),
        )
        .await;
    assert!(reply.is_ephemeral());
    assert_no_pings(&reply);
    assert!(
        reply.all_text().contains("permission"),
        "{}",
        reply.all_text()
    );
    assert_eq!(bot.learned(), None);
    assert_eq!(bot.item(ADVOCACY), item, "the item stays open");
    bot.stop().await;
}

#[tokio::test]
async fn an_unwritable_knowledge_dir_changes_nothing() {
    let bot = start().await;
    bot.ask(1, ADVOCACY).await;
    let item = bot.item(ADVOCACY);
    let version = bot.live.current().version().to_string();
    // Permission bits do not stop root, so the write is made to fail another
    // way: a directory sits where the new learned.toml's temporary file must
    // be created (`create_new`), which fails for every user, root included.
    let blocker = bot
        .knowledge
        .path()
        .join(format!(".{LEARNED_FILE}.{}.tmp", std::process::id()));
    std::fs::create_dir(&blocker).expect("make the blocker");
    let before: Vec<_> = std::fs::read_dir(bot.knowledge.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();

    let reply = bot
        .teach(
            2,
            "link",
            item,
            "passage",
            ADVOCACY_PASSAGE,
            Member::moderator(6001),
        )
        .await;
    assert!(reply.is_ephemeral());
    assert_no_pings(&reply);
    assert!(
        reply.all_text().contains("cannot save"),
        "{}",
        reply.all_text()
    );
    assert_eq!(bot.learned(), None, "no learned.toml");
    let after: Vec<_> = std::fs::read_dir(bot.knowledge.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(before, after, "no file was added or removed");
    assert_eq!(bot.item(ADVOCACY), item, "the item stays open");
    assert_eq!(
        bot.live.current().version(),
        version,
        "the engine is untouched"
    );
    bot.stop().await;
}

/// Asks the gap question, tries an unknown gap, then links it to the gap.
async fn ask_and_link_to_gap() -> (Running, Arc<ldnbot::knowledge::Gap>) {
    let bot = start().await;
    let engine = bot.live.current();
    let gap = engine
        .gaps()
        .iter()
        .find(|gap| gap.id == GAP_ID)
        .expect("the gap exists")
        .clone();
    let before = engine.answer(GAP_QUESTION).expect("answers");
    assert!(
        before.gap().is_none_or(|g| g.id != GAP_ID),
        "the question must not get the gap before it is linked"
    );
    bot.ask(1, GAP_QUESTION).await;
    let item = bot.item(GAP_QUESTION);

    let unknown = bot
        .teach(
            2,
            "gap",
            item,
            "gap",
            "no-such-gap",
            Member::moderator(6001),
        )
        .await;
    assert!(
        unknown.all_text().contains("no known gap"),
        "{}",
        unknown.all_text()
    );
    assert_eq!(bot.learned(), None);

    let reply = bot
        .teach(3, "gap", item, "gap", GAP_ID, Member::moderator(6001))
        .await;
    assert!(reply.is_ephemeral());
    assert!(
        reply.all_text().contains("known gap"),
        "{}",
        reply.all_text()
    );
    let learned = bot.learned().expect("learned.toml was written");
    assert!(
        learned.contains(GAP_QUESTION) && learned.contains(GAP_ID),
        "{learned}"
    );
    assert!(bot.live.current().examples().iter().any(
        |example| example.text == GAP_QUESTION && example.target == Target::Gap(GAP_ID.into())
    ));
    assert_eq!(
        bot.review.entry(item).expect("entry").map(|e| e.status),
        Some(Status::Resolved)
    );
    (bot, gap)
}

#[tokio::test]
async fn a_moderator_links_a_question_to_a_gap() {
    ask_and_link_to_gap().await.0.stop().await;
}

#[tokio::test]
async fn a_question_linked_to_a_gap_gets_the_gaps_reply() {
    let (bot, gap) = ask_and_link_to_gap().await;
    let after = bot.live.current().answer(GAP_QUESTION).expect("answers");
    assert_eq!(after.gap().map(|g| g.id.as_str()), Some(GAP_ID));
    let again = bot.ask(4, GAP_QUESTION).await;
    let first_words: String = gap.reply.chars().take(40).collect();
    assert!(
        again.all_text().contains(&first_words),
        "{}",
        again.all_text()
    );
    bot.stop().await;
}

#[test]
fn the_cli_links_a_question_without_a_running_bot() {
    let knowledge = knowledge_copy();
    let dir = tempfile::tempdir().expect("temp dir");
    let database = dir.path().join("review.sqlite3");
    let config = dir.path().join("ldnbot.toml");
    std::fs::write(
        &config,
        format!(
            "[knowledge]\ndir = {:?}\n[review]\ndatabase = {database:?}\n",
            knowledge.path()
        ),
    )
    .expect("write config");
    let review = ReviewLog::open(&database, Default::default()).expect("opens");
    let record = |question: &str| {
        review
            .record(&NewEntry {
                question,
                reason: Reason::NoMatch,
                passage_id: None,
                score: None,
                gap: None,
                source: Source::Cli,
                guild_id: None,
                channel_id: None,
                user_id: None,
            })
            .expect("recorded")
    };
    let item = record(ADVOCACY);
    let twin = record(ADVOCACY);
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ldnbot"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .env("RUST_LOG", "warn")
            .output()
            .expect("ldnbot runs")
    };

    let unknown = run(&["unanswered", "link", &item.to_string(), "no/such/passage"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no passage"));
    let missing = run(&["unanswered", "link", "999", ADVOCACY_PASSAGE]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no review item #999"));
    assert!(!knowledge.path().join(LEARNED_FILE).exists());

    let linked = run(&["unanswered", "link", &item.to_string(), ADVOCACY_PASSAGE]);
    let stdout = String::from_utf8_lossy(&linked.stdout);
    assert!(
        linked.status.success(),
        "{}",
        String::from_utf8_lossy(&linked.stderr)
    );
    assert!(
        stdout.contains(&format!("Item #{item}")) && stdout.contains("2 item(s)"),
        "{stdout}"
    );
    let learned = std::fs::read_to_string(knowledge.path().join(LEARNED_FILE)).expect("written");
    assert!(
        learned.contains(ADVOCACY) && learned.contains(ADVOCACY_PASSAGE),
        "{learned}"
    );
    for id in [item, twin] {
        let entry = review.entry(id).expect("entry").expect("exists");
        assert_eq!(entry.status, Status::Resolved);
    }

    let gap = run(&["unanswered", "gap", &item.to_string(), "nope"]);
    assert_eq!(gap.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&gap.stderr).contains("no known gap"));

    // An engine built from the edited knowledge holds the example.
    let config = ldnbot::config::Config::load(&config).expect("config");
    let engine = ldnbot::answer::Engine::load(knowledge.path(), &config.answer, &config.safety)
        .expect("loads");
    assert!(engine
        .examples()
        .iter()
        .any(|example| example.text == ADVOCACY
            && example.target == Target::Passage(ADVOCACY_PASSAGE.into())));
}
