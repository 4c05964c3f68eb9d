//! The Discord adapter under load, through the fake Discord in `tests/support`:
//!
//! 1. latency from dispatching an `/ask` INTERACTION_CREATE to the callback
//!    POST arriving (loopback), one interaction at a time;
//! 2. 200 `/ask` interactions dispatched at once, then again with a reload of
//!    the knowledge base started half-way: every one must get its callback
//!    within Discord's 3-second deadline, and none may be lost;
//! 3. the process RSS after 1000 questions, in this process (bot and fake
//!    together) and for `ldnbot serve` run as a child process (the bot alone).
//!
//! Run with `cargo bench --bench discord`. Plain output, no harness: the
//! figures are end-to-end wall-clock times, not micro-benchmarks.
//!
//! The RSS is the whole process's, so it includes the fake Discord, which
//! keeps every message the bot created; the bot's share is the growth from
//! before it started.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ldnbot::bot::{self, Token};
use ldnbot::config::Config;
use ldnbot::reload::{LiveEngine, Trigger};
use ldnbot::review::ReviewLog;
use serde_json::json;

use support::{opt_str, slash_command, FakeDiscord, Member, GUILD_ID};

const LATENCY_QUESTIONS: usize = 200;
/// Interactions dispatched at once in the burst.
const BURST: usize = 200;
/// Discord's interaction deadline.
const DEADLINE: Duration = Duration::from_secs(3);
const RSS_QUESTIONS: usize = 1000;
const WAIT: Duration = Duration::from_secs(10);

/// Members' questions the knowledge base answers, and a few it does not
/// (those are written to the review log before the reply).
const QUESTIONS: &[&str] = &[
    "What are the side effects of LDN?",
    "What is LDN?",
    "How does low dose naltrexone work?",
    "What is rheumatoid arthritis?",
    "Is there research on LDN for RA?",
    "How do I decide whether to try LDN?",
    "What dose of naltrexone is low dose?",
    "Can LDN cause vivid dreams?",
];
const OFF_TOPIC: &[&str] = &[
    "How do I bake sourdough bread?",
    "Is LDN safe for children?",
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("discord bench: cannot start tokio: {error}");
            std::process::exit(1);
        }
    };
    if let Err(error) = runtime.block_on(run()) {
        eprintln!("discord bench failed: {error:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir()?;
    let mut config = Config::defaults();
    config.knowledge.dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    config.review.database = dir.path().join("review.sqlite3");
    config.discord.api_proxy = Some(fake.api_proxy());
    config.discord.guild_ids = vec![GUILD_ID];
    // One member asks everything here; no limit.
    config.discord.cooldown_seconds = 0;

    let rss_before = rss_kib();
    let live = Arc::new(LiveEngine::load(&config)?);
    let review = ReviewLog::open_configured(&config)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(bot::serve(
        config,
        Token::new("bench-token"),
        Arc::clone(&live),
        review,
        async move {
            let _ = stopped.await;
        },
    ));
    fake.wait_for_guild_commands(WAIT)
        .await
        .ok_or_else(|| anyhow::anyhow!("the bot never registered its commands"))?;
    let rss_started = rss_kib();

    let mut next_id: u64 = 10_000;
    // Warm up connections and caches.
    for question in QUESTIONS {
        ask(&fake, &mut next_id, question).await?;
    }

    let mut latencies = Vec::with_capacity(LATENCY_QUESTIONS);
    for i in 0..LATENCY_QUESTIONS {
        latencies.push(ask(&fake, &mut next_id, QUESTIONS[i % QUESTIONS.len()]).await?);
    }
    report("answered /ask", &mut latencies);

    let mut simultaneous = burst(&fake, &mut next_id, None).await?;
    report(&format!("{BURST} /ask at once"), &mut simultaneous);
    let mut with_reload = burst(&fake, &mut next_id, Some(Arc::clone(&live))).await?;
    report(
        &format!("{BURST} /ask at once, reload half-way"),
        &mut with_reload,
    );
    fake.clear_requests();

    let mut abstentions = Vec::new();
    for i in 0..40 {
        abstentions.push(ask(&fake, &mut next_id, OFF_TOPIC[i % OFF_TOPIC.len()]).await?);
    }
    report("abstaining /ask (review log write first)", &mut abstentions);

    let started = Instant::now();
    for i in 0..RSS_QUESTIONS {
        let question = if i % 10 == 9 {
            OFF_TOPIC[i % OFF_TOPIC.len()]
        } else {
            QUESTIONS[i % QUESTIONS.len()]
        };
        ask(&fake, &mut next_id, question).await?;
        if i % 100 == 99 {
            // The fake's request log is test bookkeeping, not the bot's memory.
            fake.clear_requests();
        }
    }
    let elapsed = started.elapsed();
    let rss_after = rss_kib();
    println!(
        "discord bench: {RSS_QUESTIONS} questions (10% abstaining) one at a time in {:.2} s",
        elapsed.as_secs_f64()
    );
    println!(
        "discord bench: VmRSS (whole process, fake Discord included): before the bot {}, bot started {}, after {} more questions {}",
        mib(rss_before),
        mib(rss_started),
        RSS_QUESTIONS + LATENCY_QUESTIONS + 40,
        mib(rss_after)
    );
    println!(
        "discord bench: growth since the bot started: {}",
        mib(rss_after.zip(rss_started).map(|(a, b)| a.saturating_sub(b)))
    );

    let stopping = Instant::now();
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), serving).await???;
    println!(
        "discord bench: shutdown took {:.0} ms",
        stopping.elapsed().as_secs_f64() * 1000.0
    );

    binary_rss(dir.path()).await
}

/// The bot alone: `ldnbot serve` as a child process against a fresh fake,
/// its VmRSS read from /proc/<pid>/status after 1000 questions.
async fn binary_rss(scratch: &Path) -> anyhow::Result<()> {
    let fake = FakeDiscord::start().await;
    let config_path = scratch.join("ldnbot.toml");
    let knowledge = Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    let config = format!(
        "[knowledge]\ndir = {knowledge:?}\n\n[review]\ndatabase = {database:?}\n\n\
         [discord]\napi_proxy = {proxy:?}\nguild_ids = [{GUILD_ID}]\ncooldown_seconds = 0\n",
        knowledge = knowledge.display().to_string(),
        database = scratch.join("binary.sqlite3").display().to_string(),
        proxy = fake.api_proxy(),
    );
    std::fs::write(&config_path, config)?;
    let spawned = Instant::now();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ldnbot"))
        .arg("--config")
        .arg(&config_path)
        .arg("serve")
        .env("DISCORD_TOKEN", "bench-token")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let pid = child
        .id()
        .ok_or_else(|| anyhow::anyhow!("the bot exited at once"))?;
    fake.wait_for_guild_commands(WAIT)
        .await
        .ok_or_else(|| anyhow::anyhow!("`ldnbot serve` never registered its commands"))?;
    println!(
        "discord bench: `ldnbot serve` process start → commands registered: {:.0} ms",
        spawned.elapsed().as_secs_f64() * 1000.0
    );
    let started_rss = rss_kib_of(&format!("/proc/{pid}/status"));
    let mut next_id: u64 = 50_000;
    let mut latencies = Vec::with_capacity(RSS_QUESTIONS);
    for i in 0..RSS_QUESTIONS {
        let question = if i % 10 == 9 {
            OFF_TOPIC[i % OFF_TOPIC.len()]
        } else {
            QUESTIONS[i % QUESTIONS.len()]
        };
        latencies.push(ask(&fake, &mut next_id, question).await?);
        if i % 100 == 99 {
            fake.clear_requests();
        }
    }
    let status = format!("/proc/{pid}/status");
    println!(
        "discord bench: `ldnbot serve` process: VmRSS after start {}, after {RSS_QUESTIONS} questions {} (peak VmHWM {})",
        mib(started_rss),
        mib(rss_kib_of(&status)),
        mib(field_kib(&status, "VmHWM:")),
    );
    report("`ldnbot serve` process, 10% abstaining", &mut latencies);

    let stopping = Instant::now();
    let killed = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()?;
    anyhow::ensure!(killed.success(), "could not send SIGTERM");
    let exit = tokio::time::timeout(Duration::from_secs(10), child.wait()).await??;
    println!(
        "discord bench: `ldnbot serve` stopped on SIGTERM in {:.0} ms with {exit}",
        stopping.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Dispatches one `/ask` and returns the time until its callback arrived.
async fn ask(fake: &FakeDiscord, next_id: &mut u64, question: &str) -> anyhow::Result<Duration> {
    *next_id += 1;
    let id = *next_id;
    let start_index = fake.request_count();
    let event = slash_command(
        id,
        "ask",
        json!([opt_str("question", question)]),
        Member::plain(42),
    );
    let sent = Instant::now();
    fake.dispatch("INTERACTION_CREATE", event).await;
    let callback = fake
        .wait_for_request_since(start_index, WAIT, |r| {
            r.is_interaction_callback() && r.interaction_id() == Some(id)
        })
        .await
        .ok_or_else(|| anyhow::anyhow!("no callback for {question:?}"))?;
    anyhow::ensure!(
        callback.status == 204,
        "callback rejected: {}",
        callback.response
    );
    Ok(callback.at.saturating_duration_since(sent))
}

/// Dispatches [`BURST`] `/ask` interactions without waiting, then collects every
/// callback; fails if one is lost or misses the deadline. With `reload`, a
/// reload of the knowledge base starts half-way through the dispatching.
async fn burst(
    fake: &FakeDiscord,
    next_id: &mut u64,
    reload: Option<Arc<LiveEngine>>,
) -> anyhow::Result<Vec<Duration>> {
    let mut sent = Vec::with_capacity(BURST);
    let mut reloading = None;
    for i in 0..BURST {
        if i == BURST / 2 {
            if let Some(live) = &reload {
                let live = Arc::clone(live);
                reloading = Some(tokio::spawn(
                    async move { live.reload(Trigger::Command).await },
                ));
            }
        }
        *next_id += 1;
        let id = *next_id;
        // A member each, as in a busy server; the cooldown is per member.
        let member = Member::plain(1_000 + i as u64);
        let event = slash_command(
            id,
            "ask",
            json!([opt_str("question", QUESTIONS[i % QUESTIONS.len()])]),
            member,
        );
        sent.push((id, Instant::now()));
        fake.dispatch("INTERACTION_CREATE", event).await;
    }
    if let Some(reloading) = reloading {
        let report = reloading.await??;
        println!(
            "discord bench: reload during the burst took {:.0} ms",
            report.elapsed.as_secs_f64() * 1000.0
        );
    }
    let deadline = Instant::now() + WAIT;
    loop {
        let callbacks: std::collections::HashMap<u64, Instant> = fake
            .requests()
            .into_iter()
            .filter(|r| r.is_interaction_callback() && r.status == 204)
            .filter_map(|r| Some((r.interaction_id()?, r.at)))
            .collect();
        let latencies: Vec<Duration> = sent
            .iter()
            .filter_map(|(id, at)| {
                callbacks
                    .get(id)
                    .map(|done| done.saturating_duration_since(*at))
            })
            .collect();
        if latencies.len() == sent.len() {
            let late = latencies.iter().filter(|l| **l > DEADLINE).count();
            anyhow::ensure!(
                late == 0,
                "{late} of {BURST} callbacks missed the 3 s deadline"
            );
            return Ok(latencies);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "{} of {BURST} interactions got no callback",
            sent.len() - latencies.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn report(what: &str, latencies: &mut [Duration]) {
    latencies.sort();
    let at = |q: f64| {
        let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
        latencies
            .get(index)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "discord bench: {what}: dispatch → callback over {} questions: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        at(0.5),
        at(0.99),
        at(1.0)
    );
}

/// VmRSS of this process in KiB, from /proc/self/status (Linux only).
fn rss_kib() -> Option<u64> {
    rss_kib_of("/proc/self/status")
}

fn rss_kib_of(status: &str) -> Option<u64> {
    field_kib(status, "VmRSS:")
}

/// A `kB` field of a /proc/<pid>/status file.
fn field_kib(status: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(status).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "unknown".to_string(),
        |kib| format!("{:.1} MiB", kib as f64 / 1024.0),
    )
}
