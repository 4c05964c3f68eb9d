//! `ldnbot serve` run as a service: `/healthz`, `/readyz` and `/metrics` read
//! with a real HTTP client, and the sd_notify messages a real Unix datagram
//! socket receives, from the binary against the fake Discord.

use std::io::BufRead as _;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::*;

pub(crate) const WAIT: Duration = Duration::from_secs(20);

const ANSWERED: &str = "What are the side effects of LDN?";
const ABSTAINED: &str = "How do I bake sourdough bread?";
const ASKER: u64 = 4242_4242_4242;

/// A config for the binary against `fake`, written from scratch into `dir`,
/// with `extra` TOML appended (whole sections).
pub(crate) fn write_config(dir: &Path, fake: &FakeDiscord, discord: &str, extra: &str) -> PathBuf {
    let knowledge = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let text = format!(
        "[knowledge]\ndir = {knowledge:?}\n\n\
         [discord]\napi_proxy = {:?}\ncooldown_questions = 1000\n{discord}\n\n\
         [review]\ndatabase = {:?}\n\n{extra}\n",
        fake.api_proxy(),
        dir.join("review.sqlite3"),
    );
    let path = dir.join("ldnbot.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The bot process, killed if a test fails half-way, with its log lines.
pub(crate) struct Served {
    child: Child,
    logs: mpsc::Receiver<Value>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    /// `ldnbot serve` with JSON logs on stderr, read line by line.
    pub(crate) fn start(config: &Path, env: &[(&str, &str)]) -> Served {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ldnbot"));
        command
            .args(["--log-format", "json", "--config"])
            .arg(config)
            .arg("serve")
            .env("DISCORD_TOKEN", "fake-token")
            .env("RUST_LOG", "info")
            .env_remove("NOTIFY_SOCKET")
            .env_remove("WATCHDOG_USEC")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, logs) = mpsc::channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let value = serde_json::from_str(&line).unwrap_or(Value::String(line));
                if tx.send(value).is_err() {
                    break;
                }
            }
        });
        Served { child, logs }
    }

    /// The first log line whose message contains `text`.
    pub(crate) fn wait_for_log(&self, text: &str) -> Value {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.logs.recv_timeout(left) {
                Ok(line)
                    if line["fields"]["message"]
                        .as_str()
                        .unwrap_or("")
                        .contains(text) =>
                {
                    return line
                }
                Ok(_) => {}
                Err(_) => panic!("no log line with {text:?}"),
            }
        }
    }

    /// The health server's base URL, from its start-up log line.
    fn base_url(&self) -> String {
        let line = self.wait_for_log("serving health and metrics");
        format!("http://{}", line["fields"]["address"].as_str().unwrap())
    }

    pub(crate) fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub(crate) async fn wait_for_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the bot did not stop");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// `/ask` from member [`ASKER`]; returns once the bot replied.
async fn ask(fake: &FakeDiscord, id: u64, question: &str) {
    fake.dispatch(
        "INTERACTION_CREATE",
        slash_command(
            id,
            "ask",
            json!([opt_str("question", question)]),
            Member::plain(ASKER),
        ),
    )
    .await;
    assert!(
        fake.wait_for_callback(WAIT, id).await.is_some(),
        "no reply to {question:?}"
    );
}

async fn get(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// Polls `/readyz` until its status is `want`; returns the body.
async fn wait_for_readyz(client: &reqwest::Client, base: &str, want: u16) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, body) = get(client, &format!("{base}/readyz")).await;
        if status == want {
            return serde_json::from_str(&body).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "/readyz stayed {status} ({body}), expected {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The scrape parsed as Prometheus text: every line a comment or a sample.
fn parse_metrics(text: &str) -> prometheus_parse::Scrape {
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        assert!(
            matches!(
                prometheus_parse::LineInfo::parse(line),
                prometheus_parse::LineInfo::Sample { .. }
            ),
            "not a sample line: {line:?}"
        );
    }
    prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).unwrap()
}

/// The value of the sample `name` whose labels include `labels`.
fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == name)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => v,
            _ => 0.0,
        })
        .sum()
}

async fn scrape(client: &reqwest::Client, base: &str) -> (String, prometheus_parse::Scrape) {
    let (status, text) = get(client, &format!("{base}/metrics")).await;
    assert_eq!(status, 200, "{text}");
    let parsed = parse_metrics(&text);
    (text, parsed)
}

/// Scrapes until the unlabelled sample `name` reaches `at_least`, and returns that scrape.
async fn wait_for_sample(
    client: &reqwest::Client,
    base: &str,
    name: &str,
    at_least: f64,
) -> prometheus_parse::Scrape {
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, metrics) = scrape(client, base).await;
        let value = sample(&metrics, name, &[]);
        if value >= at_least {
            return metrics;
        }
        assert!(
            Instant::now() < deadline,
            "{name} stayed {value}, expected {at_least}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_follows_the_gateway_and_metrics_count_answers_and_reloads() {
    let fake = FakeDiscord::start().await;
    fake.hold_gateway();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &fake,
        &format!("guild_ids = [{GUILD_ID}]"),
        "[server]\nlisten = \"127.0.0.1:0\"\n",
    );
    let mut bot = Served::start(&config, &[]);
    let base = bot.base_url();
    let client = reqwest::Client::new();

    let (status, _) = get(&client, &format!("{base}/healthz")).await;
    assert_eq!(status, 200);
    let before = wait_for_readyz(&client, &base, 503).await;
    let not_ready = before["not_ready"].as_array().unwrap();
    assert!(not_ready.contains(&json!("gateway")), "{before}");
    assert!(not_ready.contains(&json!("commands")), "{before}");

    fake.release_gateway();
    let up = wait_for_readyz(&client, &base, 200).await;
    assert_eq!(up["ready"], true, "{up}");

    ask(&fake, 9101, ANSWERED).await;
    ask(&fake, 9102, ABSTAINED).await;
    bot.signal("HUP");
    let deadline = Instant::now() + WAIT;
    let (text, metrics) = loop {
        let (text, metrics) = scrape(&client, &base).await;
        if sample(&metrics, "ldnbot_reloads_total", &[("result", "ok")]) >= 1.0 {
            break (text, metrics);
        }
        assert!(Instant::now() < deadline, "the reload was not counted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let slash = |outcome| {
        sample(
            &metrics,
            "ldnbot_questions_total",
            &[("source", "slash"), ("outcome", outcome)],
        )
    };
    assert_eq!(slash("answered"), 1.0, "{text}");
    assert_eq!(slash("abstained"), 1.0, "{text}");
    assert_eq!(
        sample(&metrics, "ldnbot_answer_latency_seconds_count", &[]),
        2.0,
        "{text}"
    );
    assert!(sample(&metrics, "ldnbot_passages", &[]) > 0.0, "{text}");
    assert_eq!(
        sample(&metrics, "ldnbot_shard_stage", &[("stage", "connected")]),
        1.0
    );
    for secret in [
        ANSWERED,
        ABSTAINED,
        "sourdough",
        &ASKER.to_string(),
        &GUILD_ID.to_string(),
        &CHANNEL_ID.to_string(),
    ] {
        assert!(!text.contains(secret), "{secret:?} in the metrics:\n{text}");
    }

    // A dropped gateway: not ready until the session is back.
    fake.hold_gateway();
    // Session timed out: the bot must identify again.
    fake.close_connection(4009).await;
    let down = wait_for_readyz(&client, &base, 503).await;
    assert_eq!(down["not_ready"], json!(["gateway"]), "{down}");
    let (_, metrics) = scrape(&client, &base).await;
    assert_eq!(
        sample(&metrics, "ldnbot_shard_stage", &[("stage", "connected")]),
        0.0
    );
    fake.release_gateway();
    wait_for_readyz(&client, &base, 200).await;
    // The shard is connected before its READY event has been handled (each
    // event runs on its own task), so the counter may lag /readyz a little.
    let metrics = wait_for_sample(&client, &base, "ldnbot_gateway_reconnects_total", 1.0).await;
    assert_eq!(
        sample(&metrics, "ldnbot_gateway_reconnects_total", &[]),
        1.0
    );

    bot.signal("TERM");
    assert!(bot.wait_for_exit().await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_tells_systemd_ready_reloading_watchdog_and_stopping() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &fake, &format!("guild_ids = [{GUILD_ID}]"), "");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket.set_read_timeout(Some(WAIT)).unwrap();
    let socket_env = socket_path.to_str().unwrap();
    // One second: the bot pets the watchdog every half second.
    let mut bot = Served::start(
        &config,
        &[("NOTIFY_SOCKET", socket_env), ("WATCHDOG_USEC", "1000000")],
    );
    let mut seen: Vec<String> = Vec::new();
    let mut next_with = |want: &str| -> String {
        let mut buffer = [0u8; 4096];
        loop {
            let n = socket
                .recv(&mut buffer)
                .unwrap_or_else(|e| panic!("no {want} (got {seen:?}): {e}"));
            let message = String::from_utf8_lossy(&buffer[..n]).into_owned();
            seen.push(message.clone());
            if message.lines().any(|line| line == want) {
                return message;
            }
        }
    };

    next_with("READY=1");
    assert!(
        fake.requests().iter().any(|r| r.is(
            "PUT",
            &format!("/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
        )),
        "READY=1 came before the commands were registered"
    );
    bot.signal("HUP");
    let reloading = next_with("RELOADING=1");
    assert!(
        reloading.lines().any(|l| l.starts_with("MONOTONIC_USEC=")),
        "{reloading}"
    );
    next_with("READY=1");
    next_with("WATCHDOG=1");
    bot.signal("TERM");
    next_with("STOPPING=1");
    assert!(bot.wait_for_exit().await.success());

    // In that order, each once, with only watchdog pets and status lines between.
    let states: Vec<&str> = seen
        .iter()
        .flat_map(|message| message.lines())
        .filter(|line| ["READY=1", "RELOADING=1", "STOPPING=1"].contains(line))
        .collect();
    assert_eq!(
        states,
        ["READY=1", "RELOADING=1", "READY=1", "STOPPING=1"],
        "{seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_use_or_a_bad_address_is_a_start_up_error_naming_server_listen() {
    let fake = FakeDiscord::start().await;
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    for (listen, expect) in [
        (address.to_string(), address.to_string()),
        ("localhost".to_string(), "\"localhost\"".to_string()),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = write_config(
            dir.path(),
            &fake,
            "",
            &format!("[server]\nlisten = {listen:?}\n"),
        );
        let output = Command::new(env!("CARGO_BIN_EXE_ldnbot"))
            .arg("--config")
            .arg(&config)
            .arg("serve")
            .env("DISCORD_TOKEN", "fake-token")
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("server.listen") && stderr.contains(&expect),
            "{stderr}"
        );
    }
    drop(taken);
}

/// A review log being written by a thread that records `total` questions and
/// counts the ones committed.
fn record_in_background(
    database: &Path,
    total: usize,
) -> (
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
    std::thread::JoinHandle<()>,
) {
    use std::sync::atomic::Ordering;
    let settings = ldnbot::review::ReviewSettings {
        store_user_ids: false,
        question_max_len: 500,
        retention_days: 0,
    };
    let log = ldnbot::review::ReviewLog::open(database, settings).unwrap();
    let committed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&committed);
    let writer = std::thread::spawn(move || {
        for n in 0..total {
            let question = format!("backup question number {n}");
            log.record(&ldnbot::review::NewEntry {
                question: &question,
                reason: ldnbot::review::Reason::NoMatch,
                passage_id: None,
                score: None,
                gap: None,
                source: ldnbot::review::Source::Slash,
                guild_id: Some(GUILD_ID),
                channel_id: Some(CHANNEL_ID),
                user_id: Some(ASKER),
            })
            .unwrap();
            counter.store(n + 1, Ordering::SeqCst);
        }
    });
    (committed, writer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_questions_are_recorded_is_consistent_and_complete() {
    use std::os::unix::fs::PermissionsExt as _;
    use std::sync::atomic::Ordering;
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &fake, "", "");
    let database = dir.path().join("review.sqlite3");
    let (committed, writer) = record_in_background(&database, 200);
    while committed.load(Ordering::SeqCst) < 20 {
        std::thread::yield_now();
    }

    let out = dir.path().join("copy.sqlite3");
    let before = committed.load(Ordering::SeqCst);
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldnbot"))
        .arg("--config")
        .arg(&config)
        .arg("backup")
        .arg(&out)
        .output()
        .await
        .unwrap();
    let during = committed.load(Ordering::SeqCst);
    writer.join().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!("committed before the backup: {before}, when it ended: {during}");

    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let copy = rusqlite::Connection::open(&out).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let (rows, first, last): (usize, i64, i64) = copy
        .query_row(
            "SELECT count(*), min(id), max(id) FROM review_items",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert!(rows >= before, "{rows} rows, {before} committed before");
    assert!(rows <= 200);
    // One snapshot: the first `rows` questions, none missing in between.
    assert_eq!((first, last), (1, rows as i64));
    let mut key = database.as_os_str().to_owned();
    key.push(".key");
    assert_eq!(
        std::fs::read(&key).unwrap(),
        std::fs::read(dir.path().join("copy.sqlite3.key")).unwrap(),
        "the key file goes with the copy"
    );
    let again = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldnbot"))
        .arg("--config")
        .arg(&config)
        .arg("backup")
        .arg(&out)
        .output()
        .await
        .unwrap();
    assert_eq!(again.status.code(), Some(2), "a backup never overwrites");
}

#[test]
fn scheduled_backups_keep_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("review.sqlite3");
    let (_, writer) = record_in_background(&database, 3);
    writer.join().unwrap();
    let log = ldnbot::review::ReviewLog::open(
        &database,
        ldnbot::review::ReviewSettings {
            store_user_ids: false,
            question_max_len: 500,
            retention_days: 0,
        },
    )
    .unwrap();
    let backups = dir.path().join("backups");
    let mut made = Vec::new();
    for _ in 0..3 {
        let backup = ldnbot::review::backup_scheduled(&log, &backups, 2).unwrap();
        assert_eq!(backup.rows, 3);
        made.push(backup.path);
    }
    let mut left: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    let name = |path: &PathBuf| path.file_name().unwrap().to_str().unwrap().to_string();
    assert_eq!(
        left,
        [
            name(&made[1]),
            format!("{}.key", name(&made[1])),
            name(&made[2]),
            format!("{}.key", name(&made[2])),
        ]
    );
}
