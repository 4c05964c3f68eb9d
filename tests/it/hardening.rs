//! Hardening, through the fake Discord: transient REST errors, forged and
//! repeated feedback clicks, a review database swapped under the bot,
//! members' markdown, and the command line's error messages.

use std::future::Future;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ldnbot::review::{Reason, ReviewLog};
use serde_json::{json, Value};

use crate::discord::{custom_ids, start, Running, WAIT};
use crate::support::*;

const SIDE_EFFECTS: &str = "What are the side effects of LDN?";
const OFF_TOPIC: &str = "How do I bake sourdough bread?";
const MODERATORS_WILL_SEE: &str = "moderators will see it";
const STALE: &str = "this button no longer works";

/// Every log line at WARN and above, from every thread of the test's runtime.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }

    fn lines_with(&self, needle: &str) -> Vec<String> {
        self.text()
            .lines()
            .filter(|line| line.contains(needle))
            .map(str::to_string)
            .collect()
    }

    /// Waits until a line holds `needle`.
    async fn wait_for(&self, needle: &str) -> bool {
        let deadline = tokio::time::Instant::now() + WAIT;
        while tokio::time::Instant::now() < deadline {
            if self.text().contains(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

/// Runs `test` on a two-thread runtime whose every thread logs into [`Logs`]
/// (not the process's global subscriber, which other tests share).
fn logged<F: Future<Output = ()>>(test: impl FnOnce(Logs) -> F) {
    let logs = Logs::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let dispatch = tracing::Dispatch::new(subscriber);
    let for_threads = dispatch.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .on_thread_start(move || {
            // Each thread keeps it for its whole life.
            std::mem::forget(tracing::dispatcher::set_default(&for_threads));
        })
        .build()
        .expect("runtime");
    let _here = tracing::dispatcher::set_default(&dispatch);
    runtime.block_on(test(logs));
}

/// The callbacks of an interaction that Discord accepted.
fn delivered_callbacks(fake: &FakeDiscord, id: u64) -> Vec<Recorded> {
    fake.requests()
        .into_iter()
        .filter(|r| r.is_interaction_callback() && r.interaction_id() == Some(id))
        .filter(|r| r.status < 300)
        .collect()
}

async fn wait_delivered(bot: &Running, id: u64) -> Recorded {
    bot.fake
        .wait_for_request(WAIT, |r| {
            r.is_interaction_callback() && r.interaction_id() == Some(id) && r.status < 300
        })
        .await
        .unwrap_or_else(|| panic!("no accepted callback for interaction {id}"))
}

/// Asks through /ask with `fault` on the first callback; the member gets the
/// answer, exactly once, and no apology.
async fn answer_survives(fault: Fault, id: u64) {
    let bot = start(|_| {}).await;
    bot.fake.faults().add(fault);
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            slash_command(
                id,
                "ask",
                json!([opt_str("question", SIDE_EFFECTS)]),
                Member::plain(42),
            ),
        )
        .await;
    let reply = wait_delivered(&bot, id).await;
    assert!(
        reply.all_text().contains("insomnia"),
        "{}",
        reply.all_text()
    );
    assert_eq!(bot.fake.faults().pending(), 0, "the fault was hit");
    // Everything the bot did for this interaction is settled once the
    // answer is; a second send would already be recorded.
    let fake = bot.fake.clone();
    bot.stop().await;
    let delivered = delivered_callbacks_after_stop(&fake, id);
    assert_eq!(delivered, 1, "answered exactly once");
}

fn delivered_callbacks_after_stop(fake: &FakeDiscord, id: u64) -> usize {
    delivered_callbacks(fake, id).len()
        + fake
            .requests()
            .iter()
            .filter(|r| r.route().starts_with("/webhooks/") && r.status < 300)
            .filter(|r| r.route().contains(&interaction_token(id)))
            .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_500_on_the_callback_still_answers_once() {
    answer_survives(Fault::server_error("POST", "/interactions/", 1), 14_001).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_429_with_a_code_on_the_callback_still_answers_once() {
    answer_survives(
        Fault::rate_limited("POST", "/interactions/", 1, 0.2, true),
        14_002,
    )
    .await;
}

#[test]
fn one_429_without_a_code_still_answers_once_and_is_no_json_error() {
    logged(|logs| async move {
        answer_survives(
            Fault::rate_limited("POST", "/interactions/", 1, 0.2, false),
            14_003,
        )
        .await;
        let text = logs.text();
        assert!(!text.contains("Could not decode json"), "{text}");
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_mention_reply_is_retried_and_delivered_once() {
    let bot = start(|_| {}).await;
    let route = format!("/channels/{CHANNEL_ID}/messages");
    bot.fake
        .faults()
        .add(Fault::server_error("POST", &route, 2));
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(14_101, User::new(42), SIDE_EFFECTS, true),
        )
        .await;
    let replies = |fake: &FakeDiscord| -> Vec<Recorded> {
        fake.requests()
            .into_iter()
            .filter(|r| r.is("POST", &route))
            .filter(|r| r.body["message_reference"]["message_id"] == "14101")
            .collect()
    };
    let delivered = bot
        .fake
        .wait_for_request(WAIT, |r| {
            r.is("POST", &route)
                && r.status == 200
                && r.body["message_reference"]["message_id"] == "14101"
        })
        .await
        .expect("the reply got through");
    assert!(delivered.all_text().contains("insomnia"));
    // The same message each time, with a nonce Discord enforces.
    assert!(
        delivered.body["enforce_nonce"] == json!(true),
        "{:#}",
        delivered.body
    );
    let fake = bot.fake.clone();
    bot.stop().await;
    let attempts = replies(&fake);
    assert_eq!(attempts.len(), 3, "two failures, one delivery");
    assert_eq!(attempts.iter().filter(|r| r.status == 200).count(), 1);
    let nonces: Vec<&Value> = attempts.iter().map(|r| &r.body["nonce"]).collect();
    assert!(nonces.iter().all(|n| *n == nonces[0] && n.is_string()));
}

#[test]
fn a_fault_that_outlasts_the_window_is_one_warning_and_counted() {
    logged(|logs| async move {
        let before = ldnbot::bot::undelivered_replies();
        let bot = start(|_| {}).await;
        bot.fake
            .faults()
            .add(Fault::server_error("POST", "/interactions/", 10_000));
        bot.fake
            .dispatch(
                "INTERACTION_CREATE",
                slash_command(
                    14_201,
                    "ask",
                    json!([opt_str("question", SIDE_EFFECTS)]),
                    Member::plain(42),
                ),
            )
            .await;
        assert!(
            logs.wait_for("the reply was not delivered").await,
            "{}",
            logs.text()
        );
        bot.fake.faults().clear();
        let fake = bot.fake.clone();
        bot.stop().await;
        let warnings = logs.lines_with("the reply was not delivered");
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(warnings[0].contains("WARN"), "{}", warnings[0]);
        assert!(warnings[0].contains("/interactions/"), "{}", warnings[0]);
        assert!(warnings[0].contains("status=500"), "{}", warnings[0]);
        assert!(ldnbot::bot::undelivered_replies() > before);
        assert!(delivered_callbacks(&fake, 14_201).is_empty());
        // No apology went out after the window either.
        assert!(!logs.text().contains("command failed"), "{}", logs.text());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_s_reply_is_retried_not_only_answers() {
    let bot = start(|_| {}).await;
    bot.fake
        .faults()
        .add(Fault::server_error("POST", "/interactions/", 1));
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            slash_command(14_006, "topics", json!([]), Member::plain(42)),
        )
        .await;
    let reply = wait_delivered(&bot, 14_006).await;
    assert!(
        reply.all_text().contains("The Mechanism of Action"),
        "{}",
        reply.all_text()
    );
    assert_eq!(bot.fake.faults().pending(), 0, "the fault was hit");
    let fake = bot.fake.clone();
    bot.stop().await;
    assert_eq!(delivered_callbacks_after_stop(&fake, 14_006), 1);
}

/// The gap between a request Discord refused with 429 and the next request on
/// the same route.
fn waited_after_429(fake: &FakeDiscord, matches: impl Fn(&Recorded) -> bool) -> Duration {
    let attempts: Vec<Recorded> = fake.requests().into_iter().filter(|r| matches(r)).collect();
    let limited = attempts
        .iter()
        .position(|r| r.status == 429)
        .expect("a request was rate limited");
    let next = attempts
        .get(limited + 1)
        .expect("the request was sent again");
    assert!(next.status < 300, "the retry got {}", next.status);
    next.at.duration_since(attempts[limited].at)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retry_after_a_429_comes_no_sooner_than_discord_asked() {
    let asked = Duration::from_millis(1_300);
    let bot = start(|_| {}).await;
    bot.fake.faults().add(Fault::rate_limited(
        "POST",
        "/interactions/",
        1,
        asked.as_secs_f64(),
        false,
    ));
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            slash_command(
                14_005,
                "ask",
                json!([opt_str("question", SIDE_EFFECTS)]),
                Member::plain(42),
            ),
        )
        .await;
    wait_delivered(&bot, 14_005).await;
    let waited = waited_after_429(&bot.fake, |r| {
        r.is_interaction_callback() && r.interaction_id() == Some(14_005)
    });
    assert!(waited >= asked, "retried after {waited:?}, asked {asked:?}");

    // A mention reply: the header alone (whole seconds) when the body says nothing.
    let route = format!("/channels/{CHANNEL_ID}/messages");
    bot.fake.faults().add(
        Fault::new(
            "POST",
            &route,
            1,
            429,
            json!({"message": "You are being rate limited.", "global": false}),
        )
        .header("retry-after", "2"),
    );
    bot.fake
        .dispatch(
            "MESSAGE_CREATE",
            guild_message(14_102, User::new(43), SIDE_EFFECTS, true),
        )
        .await;
    let is_reply =
        |r: &Recorded| r.is("POST", &route) && r.body["message_reference"]["message_id"] == "14102";
    bot.fake
        .wait_for_request(WAIT, |r| is_reply(r) && r.status == 200)
        .await
        .expect("the reply got through");
    let waited = waited_after_429(&bot.fake, is_reply);
    assert!(waited >= Duration::from_secs(2), "retried after {waited:?}");
    bot.stop().await;
}

#[test]
fn a_wait_longer_than_the_window_is_not_retried_into() {
    logged(|logs| async move {
        let bot = start(|_| {}).await;
        bot.fake
            .faults()
            .add(Fault::rate_limited("POST", "/interactions/", 1, 5.0, false));
        bot.fake
            .dispatch(
                "INTERACTION_CREATE",
                slash_command(
                    14_202,
                    "ask",
                    json!([opt_str("question", SIDE_EFFECTS)]),
                    Member::plain(42),
                ),
            )
            .await;
        assert!(
            logs.wait_for("the reply was not delivered").await,
            "{}",
            logs.text()
        );
        let fake = bot.fake.clone();
        bot.stop().await;
        let attempts = fake
            .requests()
            .into_iter()
            .filter(|r| r.is_interaction_callback() && r.interaction_id() == Some(14_202))
            .count();
        assert_eq!(attempts, 1, "no retry before Discord's 5 s were up");
        let warnings = logs.lines_with("the reply was not delivered");
        assert_eq!(warnings.len(), 1, "{warnings:#?}");
        assert!(warnings[0].contains("rate limited"), "{}", warnings[0]);
    });
}

/// A custom id in the bot's format, tagged with `log`'s key.
fn tagged(log: &ReviewLog, verdict: char, passage: &str) -> String {
    let tag = log.tag_key().tag(&format!("{verdict}:s:{passage}"));
    format!("fb:{verdict}:s:{tag:016x}:{passage}")
}

async fn click(
    bot: &Running,
    id: u64,
    custom_id: &str,
    member: Member,
    message: &Value,
) -> Recorded {
    bot.fake
        .dispatch(
            "INTERACTION_CREATE",
            button_click_on(id, custom_id, member, message.clone()),
        )
        .await;
    wait_delivered(bot, id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_feedback_writes_nothing_and_gets_the_stale_reply() {
    let bot = start(|_| {}).await;
    let answer = bot.ask(14_301, SIDE_EFFECTS, Member::plain(42)).await;
    let ids = custom_ids(answer.message_body());
    let message = bot.fake.original_response(14_301).expect("the answer");
    let real = ids[1].clone();
    assert!(real.len() <= 100, "{real}");
    // The bot's own button, with what follows the tag changed.
    let (head, _) = real.rsplit_once(':').expect("a tagged id");
    let forged = [
        format!("{head}:../../../etc/passwd"),
        real.replacen(&real[8..24], "0123456789abcdef", 1),
        // Correctly tagged, for a passage the knowledge base does not have.
        tagged(&bot.review, 'u', "no-such/passage"),
        format!("{real}{}", "x".repeat(5000)),
        format!("{head}:a\u{0}b"),
        "fb:u:s:../../../etc/passwd".to_string(),
    ];
    for (n, custom_id) in forged.iter().enumerate() {
        let reply = click(
            &bot,
            14_310 + n as u64,
            custom_id,
            Member::plain(43),
            &message,
        )
        .await;
        let text = reply.content().unwrap_or_default().to_lowercase();
        assert!(text.contains(STALE), "{custom_id:?}: {text}");
        assert!(reply.is_ephemeral());
    }
    assert!(bot.open_items().is_empty(), "{:#?}", bot.open_items());
    let stats = bot.review.stats(ldnbot::review::now_unix()).expect("stats");
    assert_eq!((stats.all_time.unhelpful, stats.all_time.helpful), (0, 0));
    // The real button still works.
    let reply = click(&bot, 14_330, &real, Member::plain(43), &message).await;
    assert_eq!(reply.content(), Some("Thanks — noted."));
    assert_eq!(bot.open_items().len(), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_clicks_by_one_member_leave_one_row_and_a_change_of_mind_replaces_it() {
    let bot = start(|_| {}).await;
    let answer = bot.ask(14_401, SIDE_EFFECTS, Member::plain(42)).await;
    let ids = custom_ids(answer.message_body());
    let (helpful, unhelpful) = (ids[0].clone(), ids[1].clone());
    let message = bot.fake.original_response(14_401).expect("the answer");
    for n in 0..30 {
        click(&bot, 14_410 + n, &unhelpful, Member::plain(43), &message).await;
    }
    let items = bot.open_items();
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0].reason, Reason::Unhelpful);
    assert_eq!(items[0].question, SIDE_EFFECTS);
    // Changing to "Helpful" takes the row back; /stats counts one verdict.
    click(&bot, 14_450, &helpful, Member::plain(43), &message).await;
    assert!(bot.open_items().is_empty(), "{:#?}", bot.open_items());
    let stats = bot.review.stats(ldnbot::review::now_unix()).expect("stats");
    assert_eq!((stats.all_time.unhelpful, stats.all_time.helpful), (0, 1));
    // Another member has a verdict of their own.
    click(&bot, 14_451, &unhelpful, Member::plain(44), &message).await;
    assert_eq!(bot.open_items().len(), 1);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clicks_share_the_members_cooldown() {
    let bot = start(|c| {
        c.discord.cooldown_questions = 2;
        c.discord.cooldown_seconds = 600;
    })
    .await;
    let answer = bot.ask(14_501, SIDE_EFFECTS, Member::plain(42)).await;
    let helpful = custom_ids(answer.message_body())[0].clone();
    let message = bot.fake.original_response(14_501).expect("the answer");
    let first = click(&bot, 14_502, &helpful, Member::plain(42), &message).await;
    assert_eq!(first.content(), Some("Thanks — noted."));
    let refused = click(&bot, 14_503, &helpful, Member::plain(42), &message).await;
    let text = refused.content().unwrap_or_default();
    assert!(text.contains("wait"), "{text}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_masked_link_in_a_question_comes_back_as_text() {
    let bot = start(|_| {}).await;
    let question = "[https://discord.com/nitro](https://evil.example/phish) is LDN safe?";
    let reply = bot.ask(14_601, question, Member::plain(42)).await;
    let shown: Vec<String> = reply
        .embeds()
        .iter()
        .flat_map(|e| e["fields"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["name"] == "Your question")
        .filter_map(|f| f["value"].as_str().map(str::to_string))
        .collect();
    assert_eq!(shown.len(), 1, "{:#?}", reply.embeds());
    let shown = &shown[0];
    assert!(!shown.contains("]("), "a masked link survived: {shown}");
    assert!(shown.contains(r"\[") && shown.contains(r"\]\("), "{shown}");
    assert!(
        shown.contains("evil.example/phish"),
        "the address shows as text: {shown}"
    );
    // A click reads the question back as the member typed it.
    let message = bot.fake.original_response(14_601).expect("the answer");
    let ids = custom_ids(reply.message_body());
    if let Some(unhelpful) = ids.get(1) {
        click(&bot, 14_602, unhelpful, Member::plain(43), &message).await;
        let items = bot.open_items();
        assert!(items.iter().any(|i| i.question == question), "{items:#?}");
    }
    bot.stop().await;
}

fn raw_rows_with(path: &Path, question: &str) -> i64 {
    let connection = rusqlite::Connection::open(path).expect("open the file at the path");
    connection
        .query_row(
            "SELECT COUNT(*) FROM review_items WHERE question = ?1",
            [question],
            |row| row.get(0),
        )
        .expect("count")
}

fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

#[test]
fn a_swapped_review_database_gets_no_promise_and_the_cli_refuses_it() {
    logged(|logs| async move {
        let bot = start(|_| {}).await;
        let db = bot.config.review.database.clone();
        let mut promised = Vec::new();

        let reply = bot
            .ask(14_701, "How do I bake sourdough bread?", Member::plain(42))
            .await;
        assert!(reply.all_text().contains(MODERATORS_WILL_SEE));
        promised.push(OFF_TOPIC.to_string());

        // Move the database aside and put garbage at its path.
        let saved = db.with_extension("saved");
        std::fs::rename(&db, &saved).expect("move aside");
        let garbage = db.with_extension("garbage");
        std::fs::write(&garbage, b"this is not a database\n".repeat(100)).expect("garbage");
        std::fs::rename(&garbage, &db).expect("garbage over the path");

        let during = "How do I grow tomatoes on a balcony?";
        let reply = bot.ask(14_702, during, Member::plain(42)).await;
        assert!(
            !reply.all_text().contains(MODERATORS_WILL_SEE),
            "{}",
            reply.all_text()
        );
        let errors = logs.lines_with("no longer names the file");
        assert!(
            !errors.is_empty() && errors[0].contains("ERROR"),
            "{}",
            logs.text()
        );

        // The command line refuses the garbage and leaves -wal and -shm alone.
        let (wal, shm) = (side_file(&db, "-wal"), side_file(&db, "-shm"));
        assert!(wal.exists() && shm.exists());
        let config = db.with_file_name("ldnbot.toml");
        let mut file = std::fs::File::create(&config).expect("config");
        writeln!(
            file,
            "[knowledge]\ndir = {:?}\n[review]\ndatabase = {:?}",
            bot.config.knowledge.dir, db
        )
        .expect("write config");
        let output = Command::new(env!("CARGO_BIN_EXE_ldnbot"))
            .args(["--config"])
            .arg(&config)
            .args(["unanswered", "list"])
            .output()
            .expect("run ldnbot");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(&db.display().to_string()), "{stderr}");
        assert!(wal.exists() && shm.exists(), "the CLI removed -wal or -shm");

        // The original comes back: rows go to it again, and everything
        // promised is in the file at the configured path.
        std::fs::rename(&saved, &db).expect("move back");
        let after = "Who painted the Mona Lisa?";
        let reply = bot.ask(14_703, after, Member::plain(42)).await;
        assert!(
            reply.all_text().contains(MODERATORS_WILL_SEE),
            "{}",
            reply.all_text()
        );
        promised.push(after.to_string());
        for question in &promised {
            assert_eq!(raw_rows_with(&db, question), 1, "{question}");
        }
        assert_eq!(raw_rows_with(&db, during), 0);
        bot.stop().await;
    });
}

#[test]
fn the_cli_refuses_a_non_database_file_before_touching_its_neighbours() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("review.sqlite3");
    std::fs::write(&db, b"garbage, not SQLite").expect("garbage");
    let (wal, shm) = (side_file(&db, "-wal"), side_file(&db, "-shm"));
    std::fs::write(&wal, b"someone's wal").expect("wal");
    std::fs::write(&shm, b"someone's shm").expect("shm");
    let config = dir.path().join("ldnbot.toml");
    std::fs::write(
        &config,
        format!("[review]\ndatabase = {:?}\n", db.file_name().expect("name")),
    )
    .expect("config");
    for args in [["unanswered", "list"], ["unanswered", "export"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_ldnbot"))
            .arg("--config")
            .arg(&config)
            .args(args)
            .output()
            .expect("run ldnbot");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("review.sqlite3"), "{stderr}");
        assert!(stderr.contains("not an ldnbot review database"), "{stderr}");
    }
    assert_eq!(std::fs::read(&wal).expect("wal"), b"someone's wal");
    assert_eq!(std::fs::read(&shm).expect("shm"), b"someone's shm");
    assert_eq!(std::fs::read(&db).expect("db"), b"garbage, not SQLite");
}

#[test]
fn a_checkpoint_leaves_every_row_in_the_database_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("review.sqlite3");
    let log = ReviewLog::open(&db, ldnbot::review::ReviewSettings::default()).expect("open");
    log.record(&ldnbot::review::NewEntry {
        question: "kept",
        reason: Reason::NoMatch,
        passage_id: None,
        score: None,
        gap: None,
        source: ldnbot::review::Source::Cli,
        guild_id: None,
        channel_id: None,
        user_id: None,
    })
    .expect("record");
    assert!(
        std::fs::metadata(side_file(&db, "-wal"))
            .expect("wal")
            .len()
            > 0
    );
    log.checkpoint().expect("checkpoint");
    assert_eq!(
        std::fs::metadata(side_file(&db, "-wal"))
            .expect("wal")
            .len(),
        0
    );
    assert_eq!(raw_rows_with(&db, "kept"), 1);
}

/// The first `error:` line of a run that failed with exit code 2.
fn cli_error(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ldnbot"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("LDNBOT_CONFIG")
        .env_remove("DISCORD_TOKEN")
        .env("RUST_LOG", "off");
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().expect("run ldnbot");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    stderr
}

/// No part of the message between ": " separators comes twice.
#[track_caller]
fn assert_said_once(stderr: &str) {
    let line = stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in {stderr}"));
    let parts: Vec<&str> = line.split(": ").map(str::trim).collect();
    for (n, part) in parts.iter().enumerate() {
        assert!(
            part.len() < 4 || !parts[n + 1..].contains(part),
            "{part:?} is said twice in {line}"
        );
    }
}

#[test]
fn no_cli_error_repeats_its_cause_and_a_missing_default_config_is_named() {
    let dir = tempfile::tempdir().expect("temp dir");
    let here = dir.path();
    let knowledge = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let write = |name: &str, text: String| {
        let path = here.join(name);
        std::fs::write(&path, text).expect("write");
        path.display().to_string()
    };
    let garbage_db = write("garbage.sqlite3", "not a database".to_string());
    let bad_toml = write("bad.toml", "[answer\nthreshold = 2\n".to_string());
    let bad_value = write("value.toml", "[answer]\nthreshold = 2.0\n".to_string());
    let no_knowledge = write(
        "no-knowledge.toml",
        "[knowledge]\ndir = \"nowhere\"\n".to_string(),
    );
    let garbage_review = write(
        "garbage-review.toml",
        format!("[knowledge]\ndir = {knowledge:?}\n[review]\ndatabase = {garbage_db:?}\n"),
    );
    let folder_review = write(
        "folder-review.toml",
        format!(
            "[knowledge]\ndir = {knowledge:?}\n[review]\ndatabase = {:?}\n",
            here
        ),
    );
    let good = write("good.toml", format!("[knowledge]\ndir = {knowledge:?}\n"));

    // The default config is not there: the hint names it and the ways to point at one.
    for args in [
        &["ask", "what is ldn"][..],
        &["check"],
        &["eval", "--triage", "x.jsonl"],
    ] {
        let stderr = cli_error(here, args, &[]);
        assert_said_once(&stderr);
        assert!(stderr.contains("config/ldnbot.toml"), "{stderr}");
        assert!(
            stderr.contains("--config") && stderr.contains("LDNBOT_CONFIG"),
            "{stderr}"
        );
    }
    let cases: Vec<Vec<&str>> = vec![
        vec!["--config", "missing.toml", "ask", "hi"],
        vec!["--config", &bad_toml, "check"],
        vec!["--config", &bad_value, "check"],
        vec!["--config", &no_knowledge, "ask", "hi"],
        vec!["--config", &no_knowledge, "check"],
        vec!["--config", &garbage_review, "unanswered", "list"],
        vec!["--config", &garbage_review, "unanswered", "resolve", "1"],
        vec!["--config", &garbage_review, "ask", "--record", "bread?"],
        vec!["--config", &folder_review, "unanswered", "list"],
        vec!["--config", &good, "eval", "missing.jsonl"],
        vec!["--config", &good, "eval", "--triage", "missing.jsonl"],
    ];
    for args in &cases {
        let stderr = cli_error(here, args, &[]);
        assert_said_once(&stderr);
        assert!(
            !stderr.contains("note: there is no config"),
            "{args:?}: {stderr}"
        );
    }
    // LDNBOT_CONFIG names the config as --config does.
    let stderr = cli_error(here, &["check"], &[("LDNBOT_CONFIG", "missing.toml")]);
    assert_said_once(&stderr);
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

#[test]
fn csv_cells_that_hide_a_formula_behind_blank_characters_are_guarded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = ReviewLog::open(
        &dir.path().join("review.sqlite3"),
        ldnbot::review::ReviewSettings::default(),
    )
    .expect("open");
    let questions = [
        "  =1+1",
        "\t+SUM(A1)",
        "\n-2+3",
        " @cmd",
        "\u{200B}=HYPERLINK(\"https://evil.example\")",
        "\u{FEFF}\u{00A0}=1",
    ];
    for question in questions {
        log.record(&ldnbot::review::NewEntry {
            question,
            reason: Reason::NoMatch,
            passage_id: None,
            score: None,
            gap: None,
            source: ldnbot::review::Source::Cli,
            guild_id: None,
            channel_id: None,
            user_id: None,
        })
        .expect("record");
    }
    let mut csv = Vec::new();
    log.export(
        ldnbot::review::StatusFilter::All,
        ldnbot::review::ExportFormat::Csv,
        &mut csv,
    )
    .expect("export");
    let mut reader = csv::Reader::from_reader(csv.as_slice());
    let column = reader
        .headers()
        .expect("headers")
        .iter()
        .position(|h| h == "question")
        .expect("question column");
    let cells: Vec<String> = reader
        .records()
        .map(|record| record.expect("record")[column].to_string())
        .collect();
    assert_eq!(cells.len(), questions.len());
    for cell in cells {
        assert!(cell.starts_with('\''), "unguarded: {cell:?}");
    }
}
