//! Moderators teach the bot: a question from the review log becomes a learned
//! example of a passage or of a known gap.
//!
//! `/unanswered link`, `/unanswered gap` and `ldnbot unanswered link|gap` all
//! come here, so the rules exist once: the review item and the target must
//! exist in the engine the bot answers from; the example goes to
//! `learned.toml` in the knowledge directory (replaced whole, atomically);
//! then the item — and every open asking worded the same — is resolved. If
//! resolving fails, `learned.toml` is put back as it was, so a failure at any
//! step leaves nothing half-done. Reloading the engine is the caller's part:
//! the bot reloads its live engine, the command line has none.
//!
//! Everything here blocks on disk I/O; the bot calls it from `spawn_blocking`.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::answer::{Engine, EngineError};
use crate::config::Config;
use crate::knowledge::{append_learned, LearnError, Learned, Target, LEARNED_FILE};
use crate::review::{format_rfc3339, now_unix, ReviewError, ReviewLog, Status};

/// Written as the moderator of links made from the command line, which knows
/// no Discord id; the local user name would be personal data in a file that is
/// usually kept in version control.
pub const CLI_MODERATOR: &str = "cli";

#[derive(Debug, thiserror::Error)]
pub enum TeachError {
    #[error("there is no review item #{0}; check the ids with `unanswered list`")]
    UnknownItem(i64),
    #[error("there is no passage {0:?} in the knowledge base")]
    UnknownPassage(String),
    #[error("there is no known gap {0:?} in the knowledge base (see gaps.toml)")]
    UnknownGap(String),
    /// The knowledge directory could not take the new `learned.toml`; nothing changed.
    #[error("cannot save the example in {dir}, nothing was changed: {source}")]
    NotWritable {
        dir: PathBuf,
        source: Box<LearnError>,
    },
    #[error(transparent)]
    Review(Box<ReviewError>),
    /// Resolving failed after the example was saved, and putting the old
    /// `learned.toml` back failed too: the file keeps the example.
    #[error("{review}; and {path} could not be restored, so it keeps the new example: {restore}")]
    RestoreFailed {
        review: Box<ReviewError>,
        path: PathBuf,
        restore: std::io::Error,
    },
    #[error("cannot load the knowledge base from {dir}: {source}")]
    Engine {
        dir: PathBuf,
        source: Box<EngineError>,
    },
}

impl From<ReviewError> for TeachError {
    fn from(err: ReviewError) -> TeachError {
        TeachError::Review(Box::new(err))
    }
}

/// What a link did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taught {
    pub item: i64,
    pub question: String,
    pub target: Target,
    /// The passage's section path or the gap's title, for people to read.
    pub title: String,
    /// The `learned.toml` written.
    pub file: PathBuf,
    /// How many review items were resolved (the item and its open rewordings).
    pub resolved: usize,
}

impl fmt::Display for Taught {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, id) = match &self.target {
            Target::Passage(id) => ("passage", id),
            Target::Gap(id) => ("known gap", id),
        };
        write!(
            f,
            "Item #{} is now an example of the {kind} {:?} ({id}), saved in {}; {} item(s) resolved.",
            self.item,
            self.title,
            self.file
                .file_name()
                .map_or_else(|| self.file.display().to_string(), |n| n.to_string_lossy().into_owned()),
            self.resolved
        )
    }
}

/// The passage `text` names: its id, or its section path as autocomplete
/// shows it (an id too long for a Discord choice value is sent that way).
pub fn find_passage(engine: &Engine, text: &str) -> Option<(String, String)> {
    let text = text.trim();
    engine
        .passage(text)
        .or_else(|| {
            engine
                .passages()
                .iter()
                .find(|passage| passage.section() == text)
        })
        .map(|passage| (passage.id.clone(), passage.section()))
}

/// The known gap `text` names, by id or title.
pub fn find_gap(engine: &Engine, text: &str) -> Option<(String, String)> {
    let text = text.trim();
    engine
        .gaps()
        .iter()
        .find(|gap| gap.id == text)
        .or_else(|| engine.gaps().iter().find(|gap| gap.title == text))
        .map(|gap| (gap.id.clone(), gap.title.clone()))
}

/// Links review item `item` to `target` (a passage or gap id as typed):
/// validates both against `engine`, appends the example to
/// `knowledge_dir/learned.toml`, and resolves the item with its open
/// rewordings. `moderator` is what `learned.toml` records: a keyed hash
/// ([`moderator_key`]) or [`CLI_MODERATOR`]; `by` is what the review log records.
pub fn teach(
    engine: &Engine,
    review: &ReviewLog,
    knowledge_dir: &Path,
    item: i64,
    target: Target,
    moderator: &str,
    by: &str,
) -> Result<Taught, TeachError> {
    let (target, title) = match target {
        Target::Passage(text) => find_passage(engine, &text)
            .map(|(id, title)| (Target::Passage(id), title))
            .ok_or(TeachError::UnknownPassage(text))?,
        Target::Gap(text) => find_gap(engine, &text)
            .map(|(id, title)| (Target::Gap(id), title))
            .ok_or(TeachError::UnknownGap(text))?,
    };
    let entry = review.entry(item)?.ok_or(TeachError::UnknownItem(item))?;
    let path = knowledge_dir.join(LEARNED_FILE);
    // Read before writing, to put the file back if resolving fails. An
    // unreadable file fails in `append_learned` below with its own message.
    let previous = std::fs::read(&path).ok();
    let (passage, gap) = match &target {
        Target::Passage(id) => (Some(id.clone()), None),
        Target::Gap(id) => (None, Some(id.clone())),
    };
    let file = append_learned(
        knowledge_dir,
        Learned {
            question: entry.question.clone(),
            passage,
            gap,
            added: format_rfc3339(now_unix()),
            moderator: moderator.to_string(),
            review_item: item,
        },
    )
    .map_err(|source| TeachError::NotWritable {
        dir: knowledge_dir.to_path_buf(),
        source: Box::new(source),
    })?;
    let note = format!("linked to {title}");
    let resolved = match review.update_status(item, Status::Resolved, by, Some(&note)) {
        Ok(Some(n)) => n,
        // Deleted meanwhile (retention): the example stays, nothing to resolve.
        Ok(None) => 0,
        Err(err) => {
            return Err(match restore(&file, previous.as_deref()) {
                Ok(()) => TeachError::from(err),
                Err(restore) => TeachError::RestoreFailed {
                    review: Box::new(err),
                    path: file,
                    restore,
                },
            })
        }
    };
    tracing::info!(item, target = ?target, resolved, "a review item became a learned example");
    Ok(Taught {
        item,
        question: entry.question,
        target,
        title,
        file,
        resolved,
    })
}

/// The command line's link: loads the engine and the review log from `config`
/// (no running bot is needed; a running one picks the change up on its next
/// reload) and teaches.
pub fn teach_from_config(
    config: &Config,
    review: &ReviewLog,
    item: i64,
    target: Target,
) -> Result<Taught, TeachError> {
    let engine =
        Engine::load(&config.knowledge.dir, &config.answer, &config.safety).map_err(|source| {
            TeachError::Engine {
                dir: config.knowledge.dir.clone(),
                source: Box::new(source),
            }
        })?;
    let by = std::env::var("USER").map_or_else(|_| "cli".to_string(), |user| format!("cli:{user}"));
    teach(
        &engine,
        review,
        &config.knowledge.dir,
        item,
        target,
        CLI_MODERATOR,
        &by,
    )
}

/// The review log's keyed hash of a Discord user id, the same key it stores
/// for the members who ask, so `learned.toml` says which moderator linked what
/// without naming anyone.
pub fn moderator_key(review: &ReviewLog, user_id: u64) -> String {
    review.user_key(user_id)
}

/// Puts `learned.toml` back as it was before the append (`None`: it did not exist).
fn restore(path: &Path, previous: Option<&[u8]>) -> std::io::Result<()> {
    let Some(previous) = previous else {
        return std::fs::remove_file(path);
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{LEARNED_FILE}.{}.restore", std::process::id()));
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        file.write_all(previous)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
