//! The review log: questions the bot could not answer, and answers members
//! found unhelpful, kept in SQLite for moderators to review.
//!
//! This is health data about real people, so it keeps only what review needs:
//!
//! - Abstentions (`no_match`, `low_confidence`), "Not helpful" clicks and
//!   urgent questions are rows with the question text ([`ReviewEntry`]).
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

mod error;
mod export;
mod model;
mod schema;
mod secret;
mod text;

use std::fmt::{self, Write as _};
use std::fs::{DirBuilder, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension as _, Row, TransactionBehavior};

pub use error::ReviewError;
pub use export::CSV_COLUMNS;
pub use model::{
    Counts, ExportFormat, NewEntry, QuestionGroup, Reason, ReviewEntry, ReviewSettings, Source,
    Stats, Status, StatusFilter, TopQuestion, UnknownName,
};
pub use schema::LATEST_SCHEMA_VERSION;
pub use text::{format_rfc3339, normalise_question, now_unix, single_line, Timestamp};

use error::AtPath as _;
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

/// The columns of `review_items` in the order [`entry_from_row`] reads them.
const ENTRY_COLUMNS: &str = "id, asked_at, question, normalised, reason, passage_id, score, \
     source, guild_id, channel_id, user_key, user_id, status, resolved_by, resolved_at, note";

impl ReviewLog {
    /// Opens the review log named in `config`, with its settings.
    pub fn open_configured(config: &crate::config::Config) -> Result<ReviewLog, ReviewError> {
        let settings = ReviewSettings {
            store_user_ids: config.review.store_user_ids,
            question_max_len: config.discord.question_max_len,
            retention_days: config.review.retention_days,
        };
        ReviewLog::open(&config.review.database, settings)
    }

    /// Opens the review database, creating it and its folder if needed.
    ///
    /// On the way it switches the file to WAL mode with `synchronous = FULL`,
    /// runs any pending schema migrations, creates the user key secret
    /// (`<file name>.key` beside it, mode 0600) on first run, and deletes
    /// rows older than the retention period.
    ///
    /// A new file and folder are made private to the owner (0600 and 0700):
    /// they will hold members' health questions.
    pub fn open(path: &Path, settings: ReviewSettings) -> Result<ReviewLog, ReviewError> {
        create_private_file(path)?;
        let mut connection = Connection::open(path).at(path)?;
        connection.busy_timeout(BUSY_TIMEOUT).at(path)?;
        // The first read of the header: a non-database file fails here.
        schema::check_compatible(&connection, path)?;
        if connection.is_readonly(rusqlite::MAIN_DB).at(path)? {
            return Err(ReviewError::ReadOnly {
                path: path.to_path_buf(),
                source: None,
            });
        }
        let journal_mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .at(path)?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(
                database = %path.display(),
                journal_mode,
                "the review database could not use WAL mode; the bot and the CLI will block each other more"
            );
        }
        connection
            .pragma_update(None, "synchronous", "FULL")
            .at(path)?;
        connection
            .pragma_update(None, "secure_delete", "ON")
            .at(path)?;
        schema::migrate(&mut connection, path)?;

        let key_path = secret::key_path_for(path);
        let secret = secret::load_or_create(&key_path).map_err(|source| ReviewError::Secret {
            path: path.to_path_buf(),
            key_path: key_path.clone(),
            source,
        })?;

        let log = ReviewLog {
            shared: Arc::new(Shared {
                path: path.to_path_buf(),
                key_path,
                settings,
                secret,
                connection: Mutex::new(connection),
            }),
        };
        log.purge_expired(now_unix())?;
        Ok(log)
    }

    /// The database file, as given to [`open`](Self::open).
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The user key secret file beside the database.
    pub fn key_path(&self) -> &Path {
        &self.shared.key_path
    }

    pub fn settings(&self) -> &ReviewSettings {
        &self.shared.settings
    }

    /// Records an event now. See [`record_at`](Self::record_at).
    pub fn record(&self, entry: &NewEntry<'_>) -> Result<i64, ReviewError> {
        self.record_at(entry, now_unix())
    }

    /// Records an event as if it happened at `asked_at` (unix seconds), and
    /// returns once it is on disk.
    ///
    /// Every event bumps its counter for /stats. Review reasons (see
    /// [`Reason::is_review_item`]) also add a row, whose id is returned; for
    /// `helpful` and `answered` nothing else is stored and the result is 0,
    /// which is never a row id.
    ///
    /// Taking the time as an argument lets tests and imports backdate rows.
    pub fn record_at(&self, entry: &NewEntry<'_>, asked_at: i64) -> Result<i64, ReviewError> {
        let path = self.path();
        let settings = &self.shared.settings;
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        bump_counter(&transaction, entry.reason, asked_at).at(path)?;
        let id = if entry.reason.is_review_item() {
            let question =
                crate::strings::truncate_chars(entry.question, settings.question_max_len);
            let user_key = entry
                .user_id
                .map(|user_id| self.shared.secret.user_key(user_id));
            let stored_user_id = entry
                .user_id
                .filter(|_| settings.store_user_ids)
                .map(|user_id| user_id.to_string());
            transaction
                .execute(
                    "INSERT INTO review_items (asked_at, question, normalised, reason, passage_id, \
                     score, source, guild_id, channel_id, user_key, user_id) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                    params![
                        asked_at,
                        question,
                        normalise_question(question),
                        entry.reason.as_str(),
                        entry.passage_id,
                        entry.score.map(f64::from),
                        entry.source.as_str(),
                        entry.guild_id.map(|id| id.to_string()),
                        entry.channel_id.map(|id| id.to_string()),
                        user_key,
                        stored_user_id,
                    ],
                )
                .at(path)?;
            transaction.last_insert_rowid()
        } else {
            0
        };
        transaction.commit().at(path)?;
        tracing::debug!(
            id,
            reason = entry.reason.as_str(),
            source = entry.source.as_str(),
            "recorded in the review log"
        );
        Ok(id)
    }

    /// Counts an event for /stats without storing any question: for "Helpful"
    /// clicks and answered questions, which have none worth keeping.
    pub fn count_event(&self, reason: Reason) -> Result<(), ReviewError> {
        self.count_events(reason, 1)
    }

    /// Counts `n` events at once: one write for a batch the bot tallied in memory.
    pub fn count_events(&self, reason: Reason, n: u64) -> Result<(), ReviewError> {
        if n == 0 {
            return Ok(());
        }
        let path = self.path();
        let connection = self.connection();
        add_to_counter(&connection, reason, now_unix(), n).at(path)
    }

    /// Review items grouped by normalised question and status, most recently
    /// asked first, at most `limit` groups.
    pub fn list(
        &self,
        status: StatusFilter,
        limit: usize,
    ) -> Result<Vec<QuestionGroup>, ReviewError> {
        let path = self.path();
        let connection = self.connection();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let status_name = status.status().map(Status::as_str);
        let mut groups_query = connection
            .prepare_cached(
                "SELECT normalised, status, COUNT(*), MIN(asked_at), MAX(asked_at) AS last_asked, \
                 MAX(id) AS newest_id \
                 FROM review_items WHERE ?1 IS NULL OR status = ?1 \
                 GROUP BY normalised, status \
                 ORDER BY last_asked DESC, newest_id DESC LIMIT ?2",
            )
            .at(path)?;
        let summaries = groups_query
            .query_map(params![status_name, limit], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Status>(1)?,
                    row.get::<_, u64>(2)?,
                    row.get::<_, i64>(3)?,
                ))
            })
            .at(path)?
            .collect::<Result<Vec<_>, _>>()
            .at(path)?;

        let mut members_query = connection
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM review_items WHERE normalised = ?1 AND status = ?2 \
                 ORDER BY asked_at DESC, id DESC"
            ))
            .at(path)?;
        let mut groups = Vec::with_capacity(summaries.len());
        for (normalised, status, count, first_asked) in summaries {
            let members = members_query
                .query_map(params![normalised, status.as_str()], entry_from_row)
                .at(path)?
                .collect::<Result<Vec<_>, _>>()
                .at(path)?;
            let Some(latest) = members.first() else {
                continue;
            };
            groups.push(QuestionGroup {
                id: latest.id,
                ids: members.iter().map(|member| member.id).collect(),
                asked_at: latest.asked_at,
                first_asked_at: Timestamp(first_asked),
                question: latest.question.clone(),
                normalised,
                reason: latest.reason,
                status,
                count,
                passage_id: latest.passage_id.clone(),
                score: latest.score,
                note: latest.note.clone(),
            });
        }
        Ok(groups)
    }

    /// One review item by id.
    pub fn entry(&self, id: i64) -> Result<Option<ReviewEntry>, ReviewError> {
        let path = self.path();
        let connection = self.connection();
        connection
            .query_row(
                &format!("SELECT {ENTRY_COLUMNS} FROM review_items WHERE id = ?1"),
                [id],
                entry_from_row,
            )
            .optional()
            .at(path)
    }

    /// Sets the status of item `id`; `false` if there is no such item.
    /// See [`update_status`](Self::update_status) for which rows change.
    pub fn set_status(
        &self,
        id: i64,
        status: Status,
        by: &str,
        note: Option<&str>,
    ) -> Result<bool, ReviewError> {
        Ok(self.update_status(id, status, by, note)?.is_some())
    }

    /// Sets the status of item `id` and returns how many items changed, or
    /// `None` if there is no such item.
    ///
    /// Resolving or dismissing an item also resolves or dismisses every
    /// *open* item with the same normalised question: the list shows one
    /// group under one id, and a moderator who answers the question has
    /// answered every asking of it. Items already resolved or dismissed keep
    /// their own status, who set it and their note.
    ///
    /// Reopening (`Status::Open`) changes only item `id` and clears who
    /// resolved it and when. A `None` note keeps the existing note.
    pub fn update_status(
        &self,
        id: i64,
        status: Status,
        by: &str,
        note: Option<&str>,
    ) -> Result<Option<usize>, ReviewError> {
        let path = self.path();
        let mut connection = self.connection();
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        let normalised: Option<String> = transaction
            .query_row(
                "SELECT normalised FROM review_items WHERE id = ?1",
                [id],
                |row| row.get(0),
            )
            .optional()
            .at(path)?;
        let Some(normalised) = normalised else {
            return Ok(None);
        };
        let changed = if status == Status::Open {
            transaction.execute(
                "UPDATE review_items SET status = 'open', resolved_by = NULL, resolved_at = NULL, \
                 note = COALESCE(?2, note) WHERE id = ?1",
                params![id, note],
            )
        } else {
            transaction.execute(
                "UPDATE review_items SET status = ?1, resolved_by = ?2, resolved_at = ?3, \
                 note = COALESCE(?4, note) \
                 WHERE id = ?5 OR (normalised = ?6 AND status = 'open')",
                params![status.as_str(), by, now_unix(), note, id, normalised],
            )
        }
        .at(path)?;
        transaction.commit().at(path)?;
        tracing::info!(
            id,
            status = status.as_str(),
            changed,
            "review status changed"
        );
        Ok(Some(changed))
    }

    /// Writes every item matching `status` to `out`, oldest first, one row
    /// or line per item, and returns how many were written.
    ///
    /// The items are read first and the database released before writing,
    /// so a slow reader on the other end never holds up the bot.
    pub fn export(
        &self,
        status: StatusFilter,
        format: ExportFormat,
        out: &mut dyn Write,
    ) -> Result<usize, ReviewError> {
        let entries = self.entries(status)?;
        let mut buffered = BufWriter::new(out);
        let written = match format {
            ExportFormat::Csv => export::write_csv(&entries, &mut buffered),
            ExportFormat::Jsonl => export::write_jsonl(&entries, &mut buffered),
        }
        .and_then(|()| buffered.flush());
        written.map_err(|source| ReviewError::Export {
            path: self.path().to_path_buf(),
            source,
        })?;
        Ok(entries.len())
    }

    /// Every item matching `status`, oldest first.
    pub fn entries(&self, status: StatusFilter) -> Result<Vec<ReviewEntry>, ReviewError> {
        let path = self.path();
        let connection = self.connection();
        let mut query = connection
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM review_items WHERE ?1 IS NULL OR status = ?1 \
                 ORDER BY asked_at, id"
            ))
            .at(path)?;
        let entries = query
            .query_map([status.status().map(Status::as_str)], entry_from_row)
            .at(path)?
            .collect::<Result<Vec<_>, _>>()
            .at(path)?;
        Ok(entries)
    }

    /// Event counts over the last 24 hours, 7 days and all time (in whole
    /// UTC hours, ending with the hour holding `now_unix`), and the open
    /// questions asked most often.
    pub fn stats(&self, now_unix: i64) -> Result<Stats, ReviewError> {
        let path = self.path();
        let connection = self.connection();
        let current_hour = now_unix.div_euclid(SECONDS_PER_HOUR);
        let counts_since = |first_hour: i64| -> Result<Counts, ReviewError> {
            let mut query = connection
                .prepare_cached(
                    "SELECT kind, SUM(n) FROM event_counts WHERE hour BETWEEN ?1 AND ?2 \
                     GROUP BY kind",
                )
                .at(path)?;
            let rows = query
                .query_map([first_hour, current_hour], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, u64>(1)?))
                })
                .at(path)?;
            let mut counts = Counts::default();
            for row in rows {
                let (kind, n) = row.at(path)?;
                // Kinds from a newer build are skipped, not an error.
                if let Ok(reason) = kind.parse::<Reason>() {
                    counts.add(reason, n);
                }
            }
            Ok(counts)
        };
        let last_24h = counts_since(current_hour - 23)?;
        let last_7d = counts_since(current_hour - (7 * 24 - 1))?;
        let all_time = counts_since(i64::MIN)?;

        let mut top_query = connection
            .prepare_cached(
                "SELECT normalised, COUNT(*) AS asked, MAX(asked_at) AS last_asked, \
                 (SELECT question FROM review_items AS latest \
                  WHERE latest.normalised = grouped.normalised AND latest.status = 'open' \
                  ORDER BY asked_at DESC, id DESC LIMIT 1), \
                 (SELECT id FROM review_items AS latest \
                  WHERE latest.normalised = grouped.normalised AND latest.status = 'open' \
                  ORDER BY asked_at DESC, id DESC LIMIT 1) \
                 FROM review_items AS grouped WHERE status = 'open' \
                 GROUP BY normalised ORDER BY asked DESC, last_asked DESC LIMIT ?1",
            )
            .at(path)?;
        let top_open = top_query
            .query_map([TOP_OPEN_QUESTIONS as i64], |row| {
                Ok(TopQuestion {
                    normalised: row.get(0)?,
                    count: row.get(1)?,
                    last_asked_at: Timestamp(row.get(2)?),
                    question: row.get(3)?,
                    id: row.get(4)?,
                })
            })
            .at(path)?
            .collect::<Result<Vec<_>, _>>()
            .at(path)?;

        Ok(Stats {
            last_24h,
            last_7d,
            all_time,
            top_open,
        })
    }

    /// Deletes review items asked more than `days` days before `now_unix`
    /// and returns how many went. `days == 0` means keep forever and deletes
    /// nothing. Counters are kept: they hold no personal data.
    pub fn purge_older_than(&self, days: u32, now_unix: i64) -> Result<usize, ReviewError> {
        if days == 0 {
            return Ok(0);
        }
        let path = self.path();
        let connection = self.connection();
        let cutoff = now_unix.saturating_sub(i64::from(days) * SECONDS_PER_DAY);
        let deleted = connection
            .execute("DELETE FROM review_items WHERE asked_at < ?1", [cutoff])
            .at(path)?;
        if deleted > 0 {
            tracing::info!(
                deleted,
                days,
                database = %path.display(),
                "deleted review items past retention"
            );
            // Copy the overwritten pages into the database and empty the WAL,
            // so the deleted questions do not linger in it. Best effort: a
            // reader may hold the WAL open, and the next checkpoint will do.
            let checkpoint = connection.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                row.get::<_, i64>(0)
            });
            if let Err(error) = checkpoint {
                tracing::debug!(%error, "checkpoint after retention purge skipped");
            }
        }
        Ok(deleted)
    }

    /// Applies [`ReviewSettings::retention_days`]; the bot calls this daily.
    pub fn purge_expired(&self, now_unix: i64) -> Result<usize, ReviewError> {
        self.purge_older_than(self.shared.settings.retention_days, now_unix)
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

/// Creates the database file (0600) and its folder (0700) if missing, and
/// checks that an existing file is writable.
///
/// SQLite would create the file itself, but with the process umask
/// (usually world-readable); it gives the -wal and -shm files the same mode
/// as the database, so making the database private makes all three private.
fn create_private_file(path: &Path) -> Result<(), ReviewError> {
    if let Some(folder) = path
        .parent()
        .filter(|folder| !folder.as_os_str().is_empty())
    {
        if !folder.is_dir() {
            let mut builder = DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt as _;
                builder.mode(0o700);
            }
            builder
                .create(folder)
                .map_err(|source| ReviewError::CreateFolder {
                    path: path.to_path_buf(),
                    folder: folder.to_path_buf(),
                    source,
                })?;
        }
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => {
            secret::sync_parent_folder(path);
            Ok(())
        }
        Err(error) if error.kind() == io::ErrorKind::AlreadyExists => check_writable(path),
        Err(source) => Err(ReviewError::CreateFile {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Reports a file we may not write as read-only up front. SQLite would open
/// it read-only without complaint and then fail later in ways that depend on
/// the journal mode (often as "unable to open database file").
fn check_writable(path: &Path) -> Result<(), ReviewError> {
    match OpenOptions::new().write(true).open(path) {
        Err(error)
            if matches!(
                error.kind(),
                io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
            ) =>
        {
            Err(ReviewError::ReadOnly {
                path: path.to_path_buf(),
                source: None,
            })
        }
        // Anything else (a folder in the way, say) is for SQLite to report.
        _ => Ok(()),
    }
}

/// Adds one to the counter for `reason` in the hour holding `at`.
fn bump_counter(connection: &Connection, reason: Reason, at: i64) -> rusqlite::Result<()> {
    add_to_counter(connection, reason, at, 1)
}

/// Adds `n` to the counter for `reason` in the hour holding `at`.
fn add_to_counter(
    connection: &Connection,
    reason: Reason,
    at: i64,
    n: u64,
) -> rusqlite::Result<()> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    connection
        .prepare_cached(
            "INSERT INTO event_counts (hour, kind, n) VALUES (?1, ?2, ?3) \
             ON CONFLICT (hour, kind) DO UPDATE SET n = n + ?3",
        )?
        .execute(params![at.div_euclid(SECONDS_PER_HOUR), reason.as_str(), n])?;
    Ok(())
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<ReviewEntry> {
    Ok(ReviewEntry {
        id: row.get(0)?,
        asked_at: Timestamp(row.get(1)?),
        question: row.get(2)?,
        normalised: row.get(3)?,
        reason: row.get(4)?,
        passage_id: row.get(5)?,
        // Stored from an f32, so narrowing gives back the value recorded
        // (and prints as 0.42 rather than 0.41999998688697815).
        score: row.get::<_, Option<f64>>(6)?.map(|score| score as f32),
        source: row.get(7)?,
        guild_id: row.get(8)?,
        channel_id: row.get(9)?,
        user_key: row.get(10)?,
        user_id: row.get(11)?,
        status: row.get(12)?,
        resolved_by: row.get(13)?,
        resolved_at: row.get::<_, Option<i64>>(14)?.map(Timestamp),
        note: row.get(15)?,
    })
}

/// How many ids of a group the text listing shows before "and N more".
const IDS_SHOWN: usize = 10;

/// Question groups as plain text for moderators, one block per group:
///
/// ```text
/// #42 · asked 3× · last 2024-05-01T10:00:00Z · no_match · open · ids 42, 17, 9
///     what dose of ldn should i take?
/// ```
///
/// Typed text is put on one line with control characters removed, so a
/// question cannot forge entries or send escape codes to a terminal.
pub fn render_groups_text(groups: &[QuestionGroup]) -> String {
    if groups.is_empty() {
        return "No questions to review.\n".to_string();
    }
    let mut text = String::new();
    for group in groups {
        let mut ids = group
            .ids
            .iter()
            .take(IDS_SHOWN)
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if group.ids.len() > IDS_SHOWN {
            let _ = write!(ids, " and {} more", group.ids.len() - IDS_SHOWN);
        }
        let _ = writeln!(
            text,
            "#{} · asked {}× · last {} · {} · {} · ids {}",
            group.id, group.count, group.asked_at, group.reason, group.status, ids
        );
        let _ = writeln!(text, "    {}", single_line(&group.question));
        if let Some(note) = &group.note {
            let _ = writeln!(text, "    note: {}", single_line(note));
        }
    }
    text
}

/// Stats as plain text for moderators.
pub fn render_stats_text(stats: &Stats) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "", "answered", "abstained", "unhelpful", "helpful", "urgent"
    );
    for (label, counts) in [
        ("24 hours", &stats.last_24h),
        ("7 days", &stats.last_7d),
        ("all time", &stats.all_time),
    ] {
        let _ = writeln!(
            text,
            "{:<10} {:>9} {:>9} {:>9} {:>9} {:>9}",
            label,
            counts.answered,
            counts.abstained,
            counts.unhelpful,
            counts.helpful,
            counts.urgent
        );
    }
    if stats.top_open.is_empty() {
        text.push_str("\nNo open questions.\n");
    } else {
        text.push_str("\nTop open questions:\n");
        for top in &stats.top_open {
            let _ = writeln!(
                text,
                "  {}× #{} {}",
                top.count,
                top.id,
                single_line(&top.question)
            );
        }
    }
    text
}
