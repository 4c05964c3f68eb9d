//! The review log: questions the bot could not answer, and answers members
//! found unhelpful, kept in SQLite for moderators to review.
//!
//! This is health data about real people, so it keeps only what review needs:
//!
//! - Abstentions (`no_match`, `low_confidence`), "Not helpful" clicks and
//!   urgent questions are rows with the question text ([`ReviewEntry`]), and
//!   so are questions about a known gap (`known_gap`), with the gap's id.
//! - "Helpful" clicks and answered questions are only counted, per UTC hour,
//!   for /stats; their questions are not stored.
//! - Members are identified by a keyed hash of their id (the user key); the
//!   raw id is stored only when [`ReviewSettings::store_user_ids`] is set.
//! - Rows older than [`ReviewSettings::retention_days`] are deleted when the
//!   log is opened and whenever [`ReviewLog::purge_expired`] runs. Deleted
//!   rows are overwritten on disk (`secure_delete`).
//!
//! The database runs in WAL mode with `synchronous = FULL`: a call to
//! [`ReviewLog::record`] that returns `Ok` has reached the disk, so the bot may
//! then tell the member that moderators will see the question. The bot and
//! the command line can use the file at the same time; a writer waits up to
//! [`BUSY_TIMEOUT`] for another.
//!
//! All methods block on disk I/O: call them from `spawn_blocking` or a
//! dedicated thread, not from async code directly.

mod backup;
mod error;
mod export;
mod forget;
mod identity;
mod model;
mod queries;
mod render;
mod schema;
mod secret;
mod store;
mod text;
mod votes;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::Connection;

pub use backup::{backup_scheduled, spawn_scheduled_backups, Backup, BackupError};
pub use error::ReviewError;
pub use export::CSV_COLUMNS;
pub use forget::Forgotten;
pub use model::{
    gap_of, Counts, ExportFormat, GapCount, NewEntry, QuestionGroup, Reason, ReviewEntry,
    ReviewSettings, Source, Stats, Status, StatusFilter, TopQuestion, UnknownName,
};
pub use render::{render_groups_text, render_stats_text};
pub use schema::LATEST_SCHEMA_VERSION;
pub use secret::TagKey;
pub use text::{format_rfc3339, normalise_question, now_unix, single_line, Timestamp};
pub use votes::{Vote, VoteOutcome};

use secret::UserKeySecret;

/// How long a write waits for another process's write to finish before
/// giving up with [`ReviewError::Locked`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many open questions /stats lists.
pub const TOP_OPEN_QUESTIONS: usize = 5;

const SECONDS_PER_DAY: i64 = 86_400;
const SECONDS_PER_HOUR: i64 = 3_600;

/// A handle on the review database. Cloning is cheap and shares one
/// connection, used by one thread at a time.
#[derive(Clone)]
pub struct ReviewLog {
    shared: Arc<Shared>,
}

struct Shared {
    path: PathBuf,
    key_path: PathBuf,
    settings: ReviewSettings,
    secret: UserKeySecret,
    connection: Mutex<Connection>,
    /// Which file `connection` has open, to notice the path naming another.
    identity: Mutex<Option<identity::FileIdentity>>,
}

impl fmt::Debug for ReviewLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReviewLog")
            .field("path", &self.shared.path)
            .field("key_path", &self.shared.key_path)
            .field("settings", &self.shared.settings)
            .finish_non_exhaustive()
    }
}

impl ReviewLog {
    /// The database file, as given to [`open`](Self::open).
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The user key secret file beside the database.
    pub fn key_path(&self) -> &Path {
        &self.shared.key_path
    }

    /// The keyed hash this log stores for a Discord user id: lets other records
    /// (`learned.toml`) say who did something without naming anyone.
    pub fn user_key(&self, user_id: u64) -> String {
        self.shared.secret.user_key(user_id)
    }

    pub fn settings(&self) -> &ReviewSettings {
        &self.shared.settings
    }

    /// The connection, even if a thread panicked while holding it: SQLite
    /// rolls back an unfinished transaction when it is dropped, so the
    /// connection is still consistent.
    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.shared
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
