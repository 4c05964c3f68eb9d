//! A member's right to be forgotten: every review-log row keyed to them
//! deleted, and gone from the file's bytes too.
//!
//! Rows carry a keyed hash of the member's id (and the raw id only with
//! `review.store_user_ids`), so the member's id is enough to find them
//! without the log ever having to store it. `secure_delete` overwrites the
//! deleted cells in the database pages; a `TRUNCATE` checkpoint then copies
//! those pages home and empties the write-ahead log, which still held the
//! pages as they were written.

use super::error::AtPath as _;
use super::{ReviewError, ReviewLog};

/// What forgetting a member did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forgotten {
    /// Rows deleted.
    pub deleted: usize,
    /// Whether the write-ahead log was emptied as well. `false` when another
    /// connection was reading at that moment: the deleted text then stays in
    /// the log file until the next checkpoint, which SQLite runs on its own.
    pub scrubbed: bool,
}

impl ReviewLog {
    /// Deletes every review item asked by `user_id` (blocking). Counters for
    /// /stats are not per member and stay.
    pub fn forget_user(&self, user_id: u64) -> Result<Forgotten, ReviewError> {
        let path = self.path();
        let user_key = self.user_key(user_id);
        let connection = self.connection();
        let deleted = connection
            .execute(
                "DELETE FROM review_items WHERE user_key = ?1 OR user_id = ?2",
                rusqlite::params![user_key, user_id.to_string()],
            )
            .at(path)?;
        // Their verdicts on answers are keyed to them too.
        connection
            .execute(
                "DELETE FROM feedback_votes WHERE user_key = ?1",
                rusqlite::params![user_key],
            )
            .at(path)?;
        // (busy, frames in the log, frames checkpointed); busy is 1 when a
        // reader kept the log from being emptied.
        let (busy, _, _): (i64, i64, i64) = connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .at(path)?;
        tracing::info!(deleted, scrubbed = busy == 0, "forgot a member's questions");
        Ok(Forgotten {
            deleted,
            scrubbed: busy == 0,
        })
    }
}
