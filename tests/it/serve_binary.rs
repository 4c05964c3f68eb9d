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
    let mut text = callback.all_text();
    // A deferred reply arrives as an edit of the original response.
    if callback.body["type"] == 5 {
        if let Some(edit) = fake
            .wait_for_request(WAIT, |r| {
                r.is("PATCH", "/webhooks/") && r.path.contains(&format!("tok-{id}"))
            })
            .await
        {
            text.push_str(&edit.all_text());
        }
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_serves_reloads_on_sighup_and_stops_on_sigterm() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let knowledge = dir.path().join("knowledge");
    copy_knowledge(&knowledge);
    let config = operator_config(dir.path(), &knowledge, &fake.api_proxy());

    let started = Instant::now();
    let mut bot = Bot(Command::new(env!("CARGO_BIN_EXE_ldnbot"))
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .env("DISCORD_TOKEN", "fake-token")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap());
    let child = &mut bot.0;

    let registered = fake.wait_for_guild_commands(WAIT).await;
    assert!(
        registered.is_some(),
        "the commands are registered in the configured guild"
    );
    eprintln!(
        "process start → commands registered: {:?}",
        started.elapsed()
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
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the bot did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status:?}");
}
