//! What starts a reload from outside the bot's commands: SIGHUP, and changes
//! to the knowledge directory (`knowledge.watch`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use notify::{EventHandler, RecommendedWatcher, RecursiveMode, Watcher, WatcherKind};
use notify_debouncer_mini::{DebounceEventResult, DebouncedEventKind, Debouncer};

use super::{LiveEngine, ReloadError, Trigger};
use crate::knowledge::SYNONYMS_FILE;

/// Installs the SIGHUP listener and returns the task that reloads on each SIGHUP.
///
/// Call it first thing at start-up, inside the tokio runtime: until a listener
/// exists, SIGHUP's default action kills the process. The listener is installed
/// before this returns. Each reload logs its own outcome (see the module docs).
#[cfg(unix)]
pub fn spawn_sighup_reloader(
    live: Arc<LiveEngine>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangups = signal(SignalKind::hangup())?;
    Ok(tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            // The outcome, good or bad, is logged by `reload`; the bot keeps running.
            let _ = live.reload(Trigger::Signal).await;
        }
    }))
}

/// There is no SIGHUP off Unix; the task does nothing.
#[cfg(not(unix))]
pub fn spawn_sighup_reloader(
    _live: Arc<LiveEngine>,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    Ok(tokio::spawn(async {}))
}

/// Watches the knowledge directory (`knowledge.watch`) and reloads once changes
/// have been quiet for `debounce`, so an editor's several writes make one reload.
///
/// Only changes to `*.md` files and `synonyms.toml` count; editor temp files
/// (names starting with `.` or ending in `~` or `.swp`) and reads are ignored, so
/// the reload's own reading of the files does not trigger another. If another
/// reload is running, it tries again after `debounce`. The returned task owns the
/// watcher; aborting it stops watching. Call it inside the tokio runtime.
pub fn spawn_watcher(
    live: Arc<LiveEngine>,
    debounce: Duration,
) -> Result<tokio::task::JoinHandle<()>, ReloadError> {
    let dir = live.knowledge_dir.clone();
    let watch_err = |source| ReloadError::Watch {
        dir: dir.clone(),
        source,
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let config = notify_debouncer_mini::Config::default()
        .with_timeout(debounce)
        .with_batch_mode(true);
    let mut debouncer: Debouncer<KnowledgeWatcher> =
        notify_debouncer_mini::new_debouncer_opt(config, move |events: DebounceEventResult| {
            match events {
                // `AnyContinuous` means the files are still changing; wait for quiet.
                Ok(events) => {
                    let quiet = events
                        .iter()
                        .any(|event| event.kind == DebouncedEventKind::Any);
                    if quiet {
                        // Fails only once the task has stopped, when nothing is listening anyway.
                        let _ = tx.send(());
                    }
                }
                Err(err) => tracing::warn!(error = %err, "knowledge watcher error"),
            }
        })
        .map_err(watch_err)?;
    debouncer
        .watcher()
        .watch(&dir, RecursiveMode::NonRecursive)
        .map_err(watch_err)?;
    tracing::info!(dir = %dir.display(), "watching the knowledge base for changes");

    Ok(tokio::spawn(async move {
        let _debouncer = debouncer;
        while rx.recv().await.is_some() {
            // Batches that arrived meanwhile are covered by this reload.
            while rx.try_recv().is_ok() {}
            while let Err(ReloadError::Busy) = live.reload(Trigger::Watch).await {
                tokio::time::sleep(debounce).await;
            }
            // Any other outcome is logged by `reload`; a bad edit waits for the next save.
        }
    }))
}

/// The platform's watcher, passing on only events that may change the
/// knowledge base.
///
/// The debouncer keeps paths but not event kinds, so reads (the reload's own
/// reading of the files) must be dropped before it sees them, or every reload
/// would trigger the next.
struct KnowledgeWatcher(RecommendedWatcher);

impl Watcher for KnowledgeWatcher {
    fn new<F: EventHandler>(mut handler: F, config: notify::Config) -> notify::Result<Self> {
        let filtered = move |event: notify::Result<notify::Event>| match event {
            Ok(event) if !is_relevant(&event) => {}
            // An event without paths (e.g. "rescan everything") may cover any
            // file; the debouncer counts paths, so it gets a stand-in.
            Ok(event) if event.paths.is_empty() => {
                handler.handle_event(Ok(event.add_path(PathBuf::from("."))))
            }
            other => handler.handle_event(other),
        };
        RecommendedWatcher::new(filtered, config).map(KnowledgeWatcher)
    }

    fn watch(&mut self, path: &Path, recursive_mode: RecursiveMode) -> notify::Result<()> {
        self.0.watch(path, recursive_mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.0.unwatch(path)
    }

    fn configure(&mut self, option: notify::Config) -> notify::Result<bool> {
        self.0.configure(option)
    }

    fn kind() -> WatcherKind {
        RecommendedWatcher::kind()
    }
}

/// Whether a file-system event may change the knowledge base.
fn is_relevant(event: &notify::Event) -> bool {
    use notify::event::{AccessKind, AccessMode, EventKind, ModifyKind};
    let kind_matters = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        _ => true,
    };
    // An event without paths (e.g. "rescan everything") may cover any file.
    kind_matters && (event.paths.is_empty() || event.paths.iter().any(|p| is_knowledge_file(p)))
}

fn is_knowledge_file(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let editor_temp = name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp");
    !editor_temp && (name.ends_with(".md") || name == SYNONYMS_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind};

    fn event(kind: EventKind, path: &str) -> notify::Event {
        notify::Event::new(kind).add_path(PathBuf::from(path))
    }

    #[test]
    fn only_changes_to_knowledge_files_count() {
        let write = EventKind::Modify(ModifyKind::Any);
        assert!(is_relevant(&event(write, "/k/ldn.md")));
        assert!(is_relevant(&event(write, "/k/synonyms.toml")));
        assert!(is_relevant(&event(
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            "/k/ldn.md"
        )));
        assert!(is_relevant(&event(
            EventKind::Create(CreateKind::File),
            "/k/new.md"
        )));
        assert!(is_relevant(&notify::Event::new(EventKind::Any)));
        for temp in [
            "/k/.ldn.md.swp",
            "/k/ldn.md~",
            "/k/.#ldn.md",
            "/k/notes.txt",
        ] {
            assert!(!is_relevant(&event(write, temp)), "{temp}");
        }
        // A reload reads the files; that must not trigger another reload.
        assert!(!is_relevant(&event(
            EventKind::Access(AccessKind::Open(AccessMode::Any)),
            "/k/ldn.md"
        )));
        assert!(!is_relevant(&event(
            EventKind::Access(AccessKind::Close(AccessMode::Read)),
            "/k/ldn.md"
        )));
    }
}
