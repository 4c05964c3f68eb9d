//! What the running bot tells the outside: health, readiness and Prometheus
//! metrics over HTTP (`[server]`), and the same state to systemd
//! ([`crate::notify`]).
//!
//! [`Telemetry`] is the one place the bot reports into: the gateway's stage,
//! command registration, reloads, review-log writes and every question. The
//! HTTP routes (`http`) and the systemd notifications only read it.

mod gateway;
mod http;
mod metrics;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use poise::serenity_prelude::{ConnectionStage, ShardManager};
use serde::Serialize;

use crate::answer::Engine;
use crate::notify::Notifier;
use crate::reload::{ReloadError, ReloadReport};

pub use gateway::GatewayWatch;
pub use http::{start, ServerError};
pub use metrics::{Metrics, Outcome, STAGES};

/// The bot's state as a supervisor sees it, and its metrics.
#[derive(Debug)]
pub struct Telemetry {
    pub metrics: Metrics,
    /// A session has been established at least once.
    ever_connected: AtomicBool,
    /// The shards, whose stage serenity keeps current through reconnects
    /// (stage events alone miss a shard restarting).
    shards: OnceLock<Arc<ShardManager>>,
    commands: AtomicBool,
    knowledge: AtomicBool,
    /// The last review-log write failed.
    review_failing: AtomicBool,
    review_path: OnceLock<PathBuf>,
    notifier: Notifier,
}

/// What `/readyz` answers: each condition, and the names of those that fail.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Readiness {
    pub ready: bool,
    pub gateway: bool,
    pub commands: bool,
    pub knowledge: bool,
    pub review_log: bool,
    pub not_ready: Vec<&'static str>,
}

impl Telemetry {
    /// Telemetry for a bot that answers from `engine`; nothing else is ready yet.
    pub fn new(engine: &Engine) -> Telemetry {
        let telemetry = Telemetry {
            metrics: Metrics::new(),
            ever_connected: AtomicBool::new(false),
            shards: OnceLock::new(),
            commands: AtomicBool::new(false),
            knowledge: AtomicBool::new(false),
            review_failing: AtomicBool::new(false),
            review_path: OnceLock::new(),
            notifier: Notifier::from_env(),
        };
        telemetry.knowledge_loaded(engine.passages().len(), engine.version());
        telemetry
    }

    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    fn knowledge_loaded(&self, passages: usize, version: &str) {
        self.metrics.knowledge(passages, version);
        self.knowledge.store(passages > 0, Ordering::Release);
    }

    /// The client's shards: their stage is the gateway's readiness.
    pub fn watch_shards(&self, shards: Arc<ShardManager>) {
        let _ = self.shards.set(shards);
    }

    /// A session was established (READY or RESUMED): every one after the
    /// first is a reconnect.
    pub fn gateway_ready(&self) {
        if self.ever_connected.swap(true, Ordering::AcqRel) {
            self.metrics.reconnect();
            self.notifier.status("answering questions (reconnected)");
        }
    }

    /// The worst stage among the shards: `Connected` only when every shard
    /// has a live session (READY received, not restarting or resuming).
    pub async fn gateway_stage(&self) -> ConnectionStage {
        let Some(shards) = self.shards.get() else {
            return ConnectionStage::Disconnected;
        };
        let runners = shards.runners.lock().await;
        let stage = runners
            .values()
            .map(|runner| runner.stage)
            .find(|stage| *stage != ConnectionStage::Connected)
            .unwrap_or(if runners.is_empty() {
                ConnectionStage::Disconnected
            } else {
                ConnectionStage::Connected
            });
        self.metrics.shard_stage(stage_word(stage));
        stage
    }

    pub async fn gateway_connected(&self) -> bool {
        self.gateway_stage().await == ConnectionStage::Connected
    }

    /// The commands are registered: the bot is fully up, and says so to systemd.
    pub fn commands_registered(&self) {
        self.commands.store(true, Ordering::Release);
        self.notifier.ready("answering questions");
    }

    /// A reload is starting (the flag is held, so it will finish).
    pub fn reload_started(&self) {
        self.notifier.reloading();
    }

    pub fn reload_finished(&self, result: &Result<ReloadReport, ReloadError>) {
        match result {
            Ok(report) => {
                self.metrics.reload(Ok(report.elapsed));
                self.knowledge_loaded(report.passages_after, &report.version);
            }
            Err(ReloadError::Busy) => self.metrics.reload(Err("busy")),
            Err(ReloadError::Invalid(_)) => self.metrics.reload(Err("invalid")),
            Err(ReloadError::Aborted(_) | ReloadError::Watch { .. }) => {
                self.metrics.reload(Err("failed"))
            }
        }
        if !matches!(result, Err(ReloadError::Busy)) {
            self.notifier.reloaded();
        }
    }

    /// The review log the bot writes, checked by `/readyz`.
    pub fn watch_review_log(&self, path: &Path) {
        let _ = self.review_path.set(path.to_path_buf());
    }

    /// A review-log write finished: `true` if it reached the disk.
    pub fn review_write(&self, ok: bool) {
        if !ok {
            self.metrics.review_write_failed();
        }
        self.review_failing.store(!ok, Ordering::Release);
    }

    /// SIGTERM or Ctrl-C: the bot is stopping.
    pub fn stopping(&self) {
        self.notifier.stopping();
    }

    /// Every readiness condition now, given whether the gateway is
    /// connected. Blocks briefly: it opens the review log for writing, which a
    /// read-only disk or a lost permission refuses.
    pub fn readiness(&self, gateway: bool) -> Readiness {
        let commands = self.commands.load(Ordering::Acquire);
        let knowledge = self.knowledge.load(Ordering::Acquire);
        let review_log = !self.review_failing.load(Ordering::Acquire)
            && self.review_path.get().is_some_and(|path| writable(path));
        let not_ready: Vec<&'static str> = [
            (gateway, "gateway"),
            (commands, "commands"),
            (knowledge, "knowledge"),
            (review_log, "review_log"),
        ]
        .into_iter()
        .filter(|(ok, _)| !ok)
        .map(|(_, name)| name)
        .collect();
        Readiness {
            ready: not_ready.is_empty(),
            gateway,
            commands,
            knowledge,
            review_log,
            not_ready,
        }
    }
}

fn writable(path: &Path) -> bool {
    std::fs::OpenOptions::new().write(true).open(path).is_ok()
}

pub(crate) fn stage_word(stage: ConnectionStage) -> &'static str {
    match stage {
        ConnectionStage::Connected => "connected",
        ConnectionStage::Connecting => "connecting",
        ConnectionStage::Handshake => "handshake",
        ConnectionStage::Identifying => "identifying",
        ConnectionStage::Resuming => "resuming",
        // Disconnected, and any stage a later serenity adds.
        _ => "disconnected",
    }
}
