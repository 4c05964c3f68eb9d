//! Opening the review database and everything that writes to it.

use std::fs::{DirBuilder, OpenOptions};
use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension as _, Transaction, TransactionBehavior};

use super::error::AtPath as _;
use super::identity::{self, FileIdentity};
use super::{
    normalise_question, now_unix, schema, secret, NewEntry, Reason, ReviewError, ReviewLog,
    ReviewSettings, Shared, Status, TagKey, BUSY_TIMEOUT, SECONDS_PER_DAY, SECONDS_PER_HOUR,
};

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
        let connection = connect(path)?;
        let identity = FileIdentity::of(path)?;
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
                identity: Mutex::new(identity),
            }),
        };
        log.purge_expired(now_unix())?;
        Ok(log)
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
        let mut connection = self.writable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        let id = self.write_entry(&transaction, entry, asked_at).at(path)?;
        transaction.commit().at(path)?;
        self.note_written();
        tracing::debug!(
            id,
            reason = entry.reason.as_str(),
            source = entry.source.as_str(),
            "recorded in the review log"
        );
        Ok(id)
    }

    /// Bumps the counter for the entry's reason and, for a review reason,
    /// adds its row; returns the row id, or 0 when there is no row.
    pub(super) fn write_entry(
        &self,
        transaction: &Transaction<'_>,
        entry: &NewEntry<'_>,
        asked_at: i64,
    ) -> rusqlite::Result<i64> {
        let settings = &self.shared.settings;
        bump_counter(transaction, entry.reason, asked_at)?;
        if !entry.reason.is_review_item() {
            return Ok(0);
        }
        let question = crate::strings::truncate_chars(entry.question, settings.question_max_len);
        let user_key = entry
            .user_id
            .map(|user_id| self.shared.secret.user_key(user_id));
        let stored_user_id = entry
            .user_id
            .filter(|_| settings.store_user_ids)
            .map(|user_id| user_id.to_string());
        transaction.execute(
            "INSERT INTO review_items (asked_at, question, normalised, reason, passage_id, \
             score, source, guild_id, channel_id, user_key, user_id, gap_id) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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
                entry.gap,
            ],
        )?;
        Ok(transaction.last_insert_rowid())
    }

    /// The key for the feedback buttons' tags; see [`TagKey`].
    pub fn tag_key(&self) -> TagKey {
        self.shared.secret.tag_key()
    }

    /// Copies the write-ahead log into the database file and empties it, so
    /// the file alone holds every row: the bot calls this on a clean
    /// shutdown, before a backup or a move could separate the two.
    pub fn checkpoint(&self) -> Result<(), ReviewError> {
        let path = self.path();
        let connection = self.connection();
        let busy: i64 = connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .at(path)?;
        if busy != 0 {
            tracing::warn!(
                database = %path.display(),
                "the review log's checkpoint was held up by another reader; the rest stays in the -wal file"
            );
        }
        Ok(())
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
        let connection = self.writable_connection()?;
        add_to_counter(&connection, reason, now_unix(), n).at(path)
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
        // Who voted on what is as personal as the questions.
        connection
            .execute("DELETE FROM feedback_votes WHERE voted_at < ?1", [cutoff])
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
}

/// Opens the database at `path` for writing: refuses what is not an ldnbot
/// database before SQLite may touch the `-wal` and `-shm` files beside it,
/// switches it to WAL mode with `synchronous = FULL` and migrates it.
pub(super) fn connect(path: &Path) -> Result<Connection, ReviewError> {
    identity::refuse_non_database(path)?;
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
    Ok(connection)
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
pub(super) fn bump_counter(
    connection: &Connection,
    reason: Reason,
    at: i64,
) -> rusqlite::Result<()> {
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
