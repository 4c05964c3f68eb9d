//! `ldnbot serve`, the binary, against the fake Discord: configured the way an
//! operator would (a copy of config/ldnbot.toml with `api_proxy` and `guild_ids`),
//! reloaded with SIGHUP and stopped with SIGTERM.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(20);

/// The committed config with the fake's address, the test guild and temp paths.
fn operator_config(dir: &Path, knowledge: &Path, api_proxy: &str) -> PathBuf {
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/ldnbot.toml"))
            .unwrap();
    let config = committed
        .replace("dir = \"../knowledge\"", &format!("dir = {knowledge:?}"))
        .replace("guild_ids = []", &format!("guild_ids = [{GUILD_ID}]"))
        .replace("cooldown_questions = 5", "cooldown_questions = 100")
        .replace(
            "# api_proxy = \"http://127.0.0.1:3000\"",
            &format!("api_proxy = {api_proxy:?}"),
        )
        .replace(
            "database = \"../data/ldnbot.sqlite3\"",
            &format!("database = {:?}", dir.join("review.sqlite3")),
        );
    assert_ne!(config, committed);
    let path = dir.join("ldnbot.toml");
    std::fs::write(&path, config).unwrap();
    path
}

fn copy_knowledge(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")).unwrap()
    {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

/// Kills the bot if the test fails half-way, so no process outlives it.
struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Sends `/ask` and returns the text of the reply.
async fn ask(fake: &FakeDiscord, id: u64, question: &str) -> String {
    fake.dispatch(
        "INTERACTION_CREATE",
        slash_command(
            id,
            "ask",
            json!([opt_str("question", question)]),
            Member::plain(42),
        ),
    )
    .await;
    let callback = fake
        .wait_for_callback(WAIT, id)
        .await
        .expect("a reply to /ask");
    if callback.body["type"] != 5 {
        return callback.all_text();
    }
    // A deferred reply comes as a followup on the interaction's token (which Discord shows
    // in place of the "thinking…" message).
    let route = format!("/webhooks/{APP_ID}/{}", interaction_token(id));
    fake.wait_for_request(WAIT, |r| r.is("POST", &route) && r.route() == route)
        .await
        .expect("a followup after the deferral")
        .all_text()
}

/// The token the bot is started with: distinctive, so a log line holding it is easy to find.
const TOKEN: &str = "MTIz.never-log-this-token.4567";

/// Starts `ldnbot serve` with its logs (every level, JSON lines) in `log`.
fn spawn_bot(config: &Path, log: &Path) -> Bot {
    let log = std::fs::File::create(log).unwrap();
    Bot(Command::new(env!("CARGO_BIN_EXE_ldnbot"))
        .arg("--config")
        .arg(config)
        .args(["--log-format", "json", "serve"])
        .env("DISCORD_TOKEN", TOKEN)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap())
}

/// Waits (bounded) for the process to exit.
async fn exit_status(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "the bot did not stop on {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Every line the bot logged is a JSON object, and none holds the token (at `trace`, HTTP
/// requests and gateway frames included).
fn check_log(log: &Path) {
    let text = std::fs::read_to_string(log).unwrap();
    assert!(text.lines().count() > 10, "hardly any log: {text}");
    // The one exception: the command line's own last word on a fatal error.
    for line in text.lines().filter(|l| !l.starts_with("error: ")) {
        let event: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            event["level"].is_string() && event["fields"].is_object(),
            "{line}"
        );
    }
    let secret = TOKEN.split('.').nth(1).unwrap();
    assert!(!text.contains(secret), "the token is in the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_reloads_on_sighup_and_stops_on_sigterm() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let knowledge = dir.path().join("knowledge");
    copy_knowledge(&knowledge);
    let config = operator_config(dir.path(), &knowledge, &fake.api_proxy());

    let log = dir.path().join("ldnbot.log");
    let mut bot = spawn_bot(&config, &log);
    let child = &mut bot.0;

    let registered = fake.wait_for_guild_commands(WAIT).await;
    assert!(
        registered.is_some(),
        "the commands are registered in the configured guild"
    );
    assert!(
        registered
            .unwrap()
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v.contains(TOKEN)),
        "the bot authenticates with the token from DISCORD_TOKEN"
    );

    let before = ask(&fake, 7001, "Is LDN used for fatigue?").await;
    assert!(!before.contains("tiredness diary"), "{before}");

    let article = knowledge.join("ldn-rheumatoid-arthritis.md");
    let mut text = std::fs::read_to_string(&article).unwrap();
    text.push_str("\n## Fatigue and LDN\n\nSome members keep a tiredness diary while starting LDN for fatigue.\n");
    std::fs::write(&article, text).unwrap();
    signal(child, "HUP");

    let deadline = Instant::now() + WAIT;
    let mut id = 7002;
    loop {
        let reply = ask(&fake, id, "Is LDN used for fatigue?").await;
        if reply.contains("tiredness diary") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "SIGHUP did not reload the knowledge: {reply}"
        );
        id += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "SIGHUP must not kill the bot"
    );

    signal(child, "TERM");
    let status = exit_status(child, "SIGTERM").await;
    assert!(status.success(), "{status:?}");
    check_log(&log);
}

/// Ctrl-C (SIGINT) stops the bot cleanly too, and global registration (no `guild_ids`)
/// registers every command application-wide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_the_binary_and_no_guild_ids_registers_globally() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let knowledge = dir.path().join("knowledge");
    copy_knowledge(&knowledge);
    let config = operator_config(dir.path(), &knowledge, &fake.api_proxy());
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(&format!("guild_ids = [{GUILD_ID}]"), "guild_ids = []"),
    )
    .unwrap();
    let log = dir.path().join("ldnbot.log");
    let mut bot = spawn_bot(&config, &log);
    let route = format!("/applications/{APP_ID}/commands");
    let put = fake
        .wait_for_request(WAIT, |r| r.is("PUT", &route))
        .await
        .expect("global registration");
    assert_eq!(put.status, 200, "{:#}", put.response);
    let names: Vec<&str> = put
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["name"].as_str())
        .collect();
    for name in [
        "ask",
        "topics",
        "unanswered",
        "stats",
        "reload",
        "Answer with ldnbot",
    ] {
        assert!(
            names.contains(&name),
            "{name} not registered globally: {names:?}"
        );
    }
    assert!(
        !fake
            .requests()
            .iter()
            .any(|r| r.route().contains("/guilds/") && r.is("PUT", "/applications/")),
        "nothing registered per guild"
    );
    assert!(fake.wait_for_connected(WAIT).await);
    signal(&bot.0, "INT");
    let status = exit_status(&mut bot.0, "SIGINT").await;
    assert!(status.success(), "{status:?}");
    check_log(&log);
}

/// When Discord refuses the token (close code 4004), the bot stops on that error with exit
/// code 1 and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_exits_1_when_discord_refuses_the_token() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let knowledge = dir.path().join("knowledge");
    copy_knowledge(&knowledge);
    let config = operator_config(dir.path(), &knowledge, &fake.api_proxy());
    let log = dir.path().join("ldnbot.log");
    let mut bot = spawn_bot(&config, &log);
    assert!(
        fake.wait_for_identify(WAIT).await,
        "the bot never identified"
    );
    fake.close_connection(4004).await;
    let status = exit_status(&mut bot.0, "an authentication failure").await;
    assert_eq!(status.code(), Some(1), "{status:?}");
    check_log(&log);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("error: the Discord connection failed"),
        "{text}"
    );
}

/// `knowledge.watch = true` in the config: the binary reloads after files change, once for a
/// burst of saves (the debounce), and the reload is the watcher's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knowledge_watch_from_the_config_reloads_once_per_burst_of_saves() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let knowledge = dir.path().join("knowledge");
    copy_knowledge(&knowledge);
    let config = operator_config(dir.path(), &knowledge, &fake.api_proxy());
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("watch = false"),
        "the committed config has the key"
    );
    std::fs::write(&config, text.replacen("watch = false", "watch = true", 1)).unwrap();
    let log = dir.path().join("ldnbot.log");
    let mut bot = spawn_bot(&config, &log);
    assert!(fake.wait_for_guild_commands(WAIT).await.is_some());
    let before = ask(&fake, 7101, "Is LDN used for fatigue?").await;
    assert!(!before.contains("tiredness diary"), "{before}");

    // Five saves in a row, the last one adding the section.
    let article = knowledge.join("ldn-rheumatoid-arthritis.md");
    let original = std::fs::read_to_string(&article).unwrap();
    for n in 0..4 {
        std::fs::write(&article, format!("{original}\n<!-- draft {n} -->\n")).unwrap();
    }
    std::fs::write(
        &article,
        format!("{original}\n## Fatigue and LDN\n\nSome members keep a tiredness diary while starting LDN for fatigue.\n"),
    )
    .unwrap();
    let deadline = Instant::now() + WAIT;
    let mut id = 7102;
    loop {
        let reply = ask(&fake, id, "Is LDN used for fatigue?").await;
        if reply.contains("tiredness diary") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the watcher did not reload: {reply}"
        );
        id += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    signal(&bot.0, "TERM");
    assert!(exit_status(&mut bot.0, "SIGTERM").await.success());
    let reloads: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|event| event["fields"]["trigger"] == "watch")
        .collect();
    assert_eq!(reloads.len(), 1, "one reload for the burst: {reloads:#?}");
    assert_eq!(reloads[0]["level"], "INFO", "{:#}", reloads[0]);
}
