//! The review database's schema and its migrations.
//!
//! The schema version lives in `PRAGMA user_version`: 0 is an empty file, and
//! migration N (1-based) takes a database from version N-1 to N. Migrations
//! are append-only; a released one is never edited.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::error::{AtPath as _, ReviewError};

/// Marks a file as an ldnbot review database (`PRAGMA application_id`), so
/// that pointing `review.database` at some other program's SQLite file is
/// refused instead of adding tables to it. "LDNB" in ASCII.
pub(crate) const APPLICATION_ID: i64 = 0x4C44_4E42;

/// The migrations, in order.
///
/// No CHECK constraints on reason, source or status: SQLite can only change
/// a constraint by rebuilding the table, and Rust already validates every
/// value in and out.
const MIGRATIONS: &[&str] = &[
    // 1: review items and event counters.
    "
    CREATE TABLE review_items (
        -- AUTOINCREMENT so an id is never reused after retention deletes
        -- rows: a moderator quoting an old id must not resolve a new question.
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        asked_at    INTEGER NOT NULL,   -- unix seconds, UTC
        question    TEXT    NOT NULL,   -- as asked, capped
        normalised  TEXT    NOT NULL,   -- grouping key
        reason      TEXT    NOT NULL,   -- no_match | low_confidence | unhelpful | urgent
        passage_id  TEXT,
        score       REAL,
        source      TEXT    NOT NULL,   -- slash | mention | dm | context_menu | cli | button
        guild_id    TEXT,               -- snowflakes as decimal text
        channel_id  TEXT,
        user_key    TEXT,               -- hex HMAC-SHA256 of the user id
        user_id     TEXT,               -- only with review.store_user_ids
        status      TEXT    NOT NULL DEFAULT 'open',
        resolved_by TEXT,
        resolved_at INTEGER,
        note        TEXT
    );
    CREATE INDEX review_items_by_status ON review_items (status, normalised, asked_at);
    CREATE INDEX review_items_by_time ON review_items (asked_at);

    -- Counts of every recorded event per UTC hour, for /stats. They hold no
    -- personal data, so retention leaves them alone and all-time totals stay
    -- true after old questions are deleted.
    CREATE TABLE event_counts (
        hour  INTEGER NOT NULL,   -- unix seconds / 3600
        kind  TEXT    NOT NULL,   -- a reason name
        n     INTEGER NOT NULL,
        PRIMARY KEY (hour, kind)
    ) WITHOUT ROWID;
    ",
    // 2: the known gap of the knowledge base a `known_gap` item is about.
    "
    ALTER TABLE review_items ADD COLUMN gap_id TEXT;
    CREATE INDEX review_items_by_gap ON review_items (status, gap_id);
    ",
    // 3: each member's one verdict on each answer, so clicking again changes
    // or keeps it instead of adding rows.
    "
    CREATE TABLE feedback_votes (
        message_id  TEXT    NOT NULL,   -- the answer's Discord message
        user_key    TEXT    NOT NULL,   -- as in review_items
        verdict     TEXT    NOT NULL,   -- helpful | unhelpful | other_passage
        item_id     INTEGER,            -- the review item the verdict made, if any
        voted_at    INTEGER NOT NULL,   -- unix seconds, UTC
        PRIMARY KEY (message_id, user_key)
    ) WITHOUT ROWID;
    CREATE INDEX feedback_votes_by_time ON feedback_votes (voted_at);
    ",
];

/// The schema version this build creates and understands.
pub const LATEST_SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Refuses files that are not ours or are newer than this build. Reading the
/// header here is also what makes a non-database file fail at open time.
pub(crate) fn check_compatible(connection: &Connection, path: &Path) -> Result<(), ReviewError> {
    let version: i64 = connection
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .at(path)?;
    let application_id: i64 = connection
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .at(path)?;
    let has_tables: bool = connection
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')",
            [],
            |row| row.get(0),
        )
        .at(path)?;

    let ours = application_id == APPLICATION_ID;
    let foreign = (application_id != 0 && !ours)
        || (application_id == 0 && (1..=LATEST_SCHEMA_VERSION).contains(&version))
        || (version == 0 && has_tables);
    if foreign {
        return Err(ReviewError::ForeignDatabase {
            path: path.to_path_buf(),
        });
    }
    if !(0..=LATEST_SCHEMA_VERSION).contains(&version) {
        return Err(ReviewError::SchemaTooNew {
            path: path.to_path_buf(),
            found: version,
            supported: LATEST_SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Brings the schema up to date in one transaction.
///
/// The transaction is IMMEDIATE, and the version is read again inside it, so
/// when the bot and the CLI start together only one of them migrates.
pub(crate) fn migrate(connection: &mut Connection, path: &Path) -> Result<(), ReviewError> {
    let transaction = connection
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .at(path)?;
    let version: i64 = transaction
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .at(path)?;
    if version == LATEST_SCHEMA_VERSION {
        return Ok(());
    }
    if !(0..LATEST_SCHEMA_VERSION).contains(&version) {
        return Err(ReviewError::SchemaTooNew {
            path: path.to_path_buf(),
            found: version,
            supported: LATEST_SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        transaction.execute_batch(migration).at(path)?;
        tracing::info!(
            database = %path.display(),
            version = index + 1,
            "migrated the review database"
        );
    }
    transaction
        .pragma_update(None, "application_id", APPLICATION_ID)
        .at(path)?;
    transaction
        .pragma_update(None, "user_version", LATEST_SCHEMA_VERSION)
        .at(path)?;
    transaction.commit().at(path)
}
