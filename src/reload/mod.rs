//! Reloading the knowledge base into a running bot: `/reload`, SIGHUP and `knowledge.watch`.
//!
//! The bot answers from a [`LiveEngine`], which holds the current [`Engine`] in an
//! [`ArcSwap`]. A reload builds a whole new engine from the knowledge directory off
//! the async runtime, and only if that succeeds swaps it in. So a reload that fails
//! changes nothing, questions never wait for a reload, and a question that started
//! before a swap finishes on the engine it started with.
//!
//! Every reload, whatever triggered it, emits one tracing event: `info` with the
//! [`ReloadReport`]'s numbers on success, `warn` when another reload was running,
//! `error` when the new knowledge is invalid.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use crate::answer::{Engine, EngineError};
use crate::config::{AnswerConfig, Config, SafetyConfig};
use crate::server::Telemetry;

mod watch;

pub use watch::{spawn_sighup_reloader, spawn_watcher};

/// How much of a [`ReloadReport`]'s text each list (files, added, removed, changed)
/// may take, so the whole report fits an ephemeral Discord reply (2000 characters).
const LIST_BUDGET_CHARS: usize = 360;

/// The engine the bot answers from, swapped whole on reload.
#[derive(Debug)]
pub struct LiveEngine {
    engine: ArcSwap<Engine>,
    knowledge_dir: PathBuf,
    answer: AnswerConfig,
    safety: SafetyConfig,
    /// Set while a reload runs. An atomic flag rather than a mutex so that the
    /// async and the blocking reload share it, and a second request is refused at
    /// once instead of queueing behind the first.
    reloading: AtomicBool,
    /// Reloads are counted and announced to systemd here.
    telemetry: Arc<Telemetry>,
}

/// What asked for a reload; it is named in the report and the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// An admin's `/reload`.
    Command,
    /// SIGHUP to the process.
    Signal,
    /// A change seen in the knowledge directory (`knowledge.watch`).
    Watch,
    /// The command line or a test.
    Cli,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Command => "command",
            Trigger::Signal => "sighup",
            Trigger::Watch => "watch",
            Trigger::Cli => "cli",
        }
    }
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("a reload is already running; try again in a moment")]
    Busy,
    /// The new knowledge is not valid; the message names the file and, where known, the line.
    #[error("reload failed, the knowledge base is unchanged: {0}")]
    Invalid(#[from] EngineError),
    /// Building the new engine panicked or was cancelled: a bug, not a knowledge problem.
    #[error("reload failed, the knowledge base is unchanged: the build stopped unexpectedly: {0}")]
    Aborted(String),
    /// `knowledge.watch` could not start watching the directory.
    #[error("cannot watch {dir} for changes: {source}")]
    Watch { dir: PathBuf, source: notify::Error },
}

/// What a successful reload changed.
#[derive(Debug, Clone)]
pub struct ReloadReport {
    pub trigger: Trigger,
    /// The knowledge files the new engine was built from.
    pub files: Vec<PathBuf>,
    pub passages_before: usize,
    pub passages_after: usize,
    /// Passage ids new in this version, in knowledge order.
    pub added: Vec<String>,
    /// Passage ids gone from this version, in their old order.
    pub removed: Vec<String>,
    /// Passage ids kept but with different text or section path.
    pub changed: Vec<String>,
    pub elapsed: Duration,
    pub version_before: String,
    /// The new knowledge version, a short hash of the content (as `ldnbot check` prints).
    pub version: String,
}

impl ReloadReport {
    /// Whether the new knowledge is the same as the old (same files, same content).
    pub fn is_unchanged(&self) -> bool {
        self.version == self.version_before
    }
}

impl fmt::Display for ReloadReport {
    /// A short summary for an ephemeral Discord reply: bounded in length, however
    /// many files and passages changed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ms = self.elapsed.as_millis();
        if self.is_unchanged() {
            writeln!(
                f,
                "Reloaded the knowledge base ({}) in {ms} ms: no changes, version {}.",
                self.trigger, self.version
            )?;
        } else {
            writeln!(
                f,
                "Reloaded the knowledge base ({}) in {ms} ms: version {} → {}.",
                self.trigger, self.version_before, self.version
            )?;
        }
        let names: Vec<String> = self.files.iter().map(|p| file_name(p)).collect();
        writeln!(f, "Files ({}): {}", names.len(), bounded_list(&names))?;
        writeln!(
            f,
            "Passages: {} → {}",
            self.passages_before, self.passages_after
        )?;
        for (label, ids) in [
            ("Added", &self.added),
            ("Removed", &self.removed),
            ("Changed", &self.changed),
        ] {
            if !ids.is_empty() {
                writeln!(f, "{label} ({}): {}", ids.len(), bounded_list(ids))?;
            }
        }
        Ok(())
    }
}

/// Releases the reload flag however the reload ends, including by panic or by the
/// async caller being dropped.
struct ReloadGuard<'a>(&'a AtomicBool);

impl Drop for ReloadGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl LiveEngine {
    /// Wraps the engine loaded at start-up; reloads rebuild from `knowledge_dir`
    /// with the same answer and safety settings.
    pub fn new(
        engine: Engine,
        knowledge_dir: PathBuf,
        answer: AnswerConfig,
        safety: SafetyConfig,
    ) -> LiveEngine {
        LiveEngine {
            telemetry: Arc::new(Telemetry::new(&engine)),
            engine: ArcSwap::from_pointee(engine),
            knowledge_dir,
            answer,
            safety,
            reloading: AtomicBool::new(false),
        }
    }

    /// Loads the knowledge base named in `config`, to be reloaded with the same settings.
    pub fn load(config: &Config) -> Result<LiveEngine, EngineError> {
        let engine = Engine::load(&config.knowledge.dir, &config.answer, &config.safety)?;
        Ok(LiveEngine::new(
            engine,
            config.knowledge.dir.clone(),
            config.answer.clone(),
            config.safety.clone(),
        ))
    }

    /// The engine to answer one question with. The caller keeps it for the whole
    /// question, so a swap meanwhile cannot mix two versions of the knowledge.
    pub fn current(&self) -> Arc<Engine> {
        self.engine.load_full()
    }

    pub fn knowledge_dir(&self) -> &Path {
        &self.knowledge_dir
    }

    /// What this bot reports to health checks, metrics and systemd.
    pub fn telemetry(&self) -> Arc<Telemetry> {
        Arc::clone(&self.telemetry)
    }

    /// Whether a reload is running now.
    pub fn is_reloading(&self) -> bool {
        self.reloading.load(Ordering::Acquire)
    }

    /// Rebuilds the engine from the knowledge directory and swaps it in. The build
    /// runs on tokio's blocking pool, so the runtime keeps answering meanwhile.
    /// Refused with [`ReloadError::Busy`] while another reload runs; on any error
    /// the current engine stays. If this future is dropped mid-build, the build's
    /// result is thrown away and nothing is swapped.
    pub async fn reload(&self, trigger: Trigger) -> Result<ReloadReport, ReloadError> {
        let result = match self.begin() {
            None => Err(ReloadError::Busy),
            Some(_guard) => {
                self.telemetry.reload_started();
                let started = Instant::now();
                let dir = self.knowledge_dir.clone();
                let answer = self.answer.clone();
                let safety = self.safety.clone();
                let built =
                    tokio::task::spawn_blocking(move || Engine::load(&dir, &answer, &safety)).await;
                match built {
                    Ok(Ok(engine)) => Ok(self.swap(engine, trigger, started)),
                    Ok(Err(err)) => Err(ReloadError::Invalid(err)),
                    Err(join) => Err(ReloadError::Aborted(join.to_string())),
                }
            }
        };
        log_outcome(trigger, &result);
        self.telemetry.reload_finished(&result);
        result
    }

    /// The same as [`LiveEngine::reload`], for callers without an async runtime
    /// (the command line, tests); it builds on the calling thread.
    pub fn reload_blocking(&self, trigger: Trigger) -> Result<ReloadReport, ReloadError> {
        let result = match self.begin() {
            None => Err(ReloadError::Busy),
            Some(_guard) => {
                self.telemetry.reload_started();
                let started = Instant::now();
                Engine::load(&self.knowledge_dir, &self.answer, &self.safety)
                    .map(|engine| self.swap(engine, trigger, started))
                    .map_err(ReloadError::Invalid)
            }
        };
        log_outcome(trigger, &result);
        self.telemetry.reload_finished(&result);
        result
    }

    fn begin(&self) -> Option<ReloadGuard<'_>> {
        self.reloading
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| ReloadGuard(&self.reloading))
    }

    /// Swaps `new` in and reports the difference. Only called while holding the
    /// reload flag, so the engine replaced is the one the report compares against.
    fn swap(&self, new: Engine, trigger: Trigger, started: Instant) -> ReloadReport {
        let new = Arc::new(new);
        let old = self.engine.swap(Arc::clone(&new));
        let (added, removed, changed) = diff(&old, &new);
        ReloadReport {
            trigger,
            files: new.files().to_vec(),
            passages_before: old.passages().len(),
            passages_after: new.passages().len(),
            added,
            removed,
            changed,
            elapsed: started.elapsed(),
            version_before: old.version().to_string(),
            version: new.version().to_string(),
        }
    }
}

/// The passage ids added, removed and changed from `old` to `new`.
fn diff(old: &Engine, new: &Engine) -> (Vec<String>, Vec<String>, Vec<String>) {
    let old_by_id: HashMap<&str, _> = old.passages().iter().map(|p| (p.id.as_str(), p)).collect();
    let new_by_id: HashMap<&str, _> = new.passages().iter().map(|p| (p.id.as_str(), p)).collect();
    let mut added = Vec::new();
    let mut changed = Vec::new();
    for passage in new.passages() {
        match old_by_id.get(passage.id.as_str()) {
            None => added.push(passage.id.clone()),
            Some(before)
                if before.text != passage.text || before.section_path != passage.section_path =>
            {
                changed.push(passage.id.clone())
            }
            Some(_) => {}
        }
    }
    let removed = old
        .passages()
        .iter()
        .filter(|p| !new_by_id.contains_key(p.id.as_str()))
        .map(|p| p.id.clone())
        .collect();
    (added, removed, changed)
}

fn log_outcome(trigger: Trigger, result: &Result<ReloadReport, ReloadError>) {
    match result {
        Ok(report) => tracing::info!(
            trigger = trigger.as_str(),
            passages_before = report.passages_before,
            passages_after = report.passages_after,
            added = report.added.len(),
            removed = report.removed.len(),
            changed = report.changed.len(),
            elapsed_ms = report.elapsed.as_millis() as u64,
            version_before = %report.version_before,
            version = %report.version,
            "knowledge base reloaded"
        ),
        Err(err @ ReloadError::Busy) => {
            tracing::warn!(trigger = trigger.as_str(), error = %err, "knowledge reload refused")
        }
        Err(err) => {
            tracing::error!(trigger = trigger.as_str(), error = %err, "knowledge reload failed")
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// `a, b, c … and N more`, within [`LIST_BUDGET_CHARS`].
fn bounded_list(items: &[String]) -> String {
    let mut out = String::new();
    let mut shown = 0;
    for item in items {
        let extra = if shown == 0 { 0 } else { 2 } + item.chars().count();
        if out.chars().count() + extra > LIST_BUDGET_CHARS {
            break;
        }
        if shown > 0 {
            out.push_str(", ");
        }
        out.push_str(item);
        shown += 1;
    }
    let rest = items.len() - shown;
    if rest > 0 {
        if shown > 0 {
            out.push(' ');
        }
        out.push_str(&format!("… and {rest} more"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lists_are_cut_with_a_count() {
        let ids: Vec<String> = (0..100).map(|n| format!("article/section-{n}")).collect();
        let text = bounded_list(&ids);
        assert!(text.chars().count() <= LIST_BUDGET_CHARS + 20, "{text}");
        assert!(text.starts_with("article/section-0, article/section-1"));
        assert!(text.ends_with(" more"), "{text}");
        assert_eq!(
            bounded_list(&ids[..2]),
            "article/section-0, article/section-1"
        );
        let huge = vec!["x".repeat(1000)];
        assert_eq!(bounded_list(&huge), "… and 1 more");
    }
}
