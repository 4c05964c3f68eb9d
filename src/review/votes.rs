//! Members' verdicts on answers: one per member per answer.
//!
//! A member who clicks "Not helpful" thirty times has said it once; one who
//! then clicks "Helpful" has changed their mind. So a verdict is kept per
//! (answer message, user key): the same verdict again writes nothing, and a
//! different one takes back what the first wrote (its review item while
//! still open, its count for /stats) before writing its own.

use rusqlite::{params, OptionalExtension as _, TransactionBehavior};

use super::error::AtPath as _;
use super::{now_unix, NewEntry, ReviewError, ReviewLog, SECONDS_PER_HOUR};

/// A click on one of the buttons under an answer.
#[derive(Debug, Clone)]
pub struct Vote<'a> {
    /// The Discord message the answer is in.
    pub message_id: u64,
    /// Who clicked.
    pub user_id: u64,
    /// What to record: the reason is `helpful`, `unhelpful` or `other_passage`.
    pub entry: NewEntry<'a>,
}

/// What [`ReviewLog::vote`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOutcome {
    /// The member's first verdict on this answer, now on disk.
    Recorded,
    /// The member changed their verdict; the old one was taken back.
    Changed,
    /// The member said the same again; nothing was written.
    Kept,
}

impl ReviewLog {
    /// Records a member's verdict on an answer, at most one per member per
    /// answer; returns once it is on disk.
    pub fn vote(&self, vote: &Vote<'_>) -> Result<VoteOutcome, ReviewError> {
        let path = self.path();
        let user_key = self.user_key(vote.user_id);
        let message_id = vote.message_id.to_string();
        let verdict = vote.entry.reason.as_str();
        let now = now_unix();
        let mut connection = self.writable_connection()?;
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .at(path)?;
        let previous: Option<(String, Option<i64>, i64)> = transaction
            .query_row(
                "SELECT verdict, item_id, voted_at FROM feedback_votes \
                 WHERE message_id = ?1 AND user_key = ?2",
                params![message_id, user_key],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()
            .at(path)?;
        let outcome = match &previous {
            Some((before, ..)) if before == verdict => return Ok(VoteOutcome::Kept),
            Some((before, item_id, voted_at)) => {
                if let Some(item_id) = item_id {
                    // A moderator may already have acted on it; then it stays.
                    transaction
                        .execute(
                            "DELETE FROM review_items WHERE id = ?1 AND status = 'open'",
                            [item_id],
                        )
                        .at(path)?;
                }
                transaction
                    .execute(
                        "UPDATE event_counts SET n = n - 1 \
                         WHERE hour = ?1 AND kind = ?2 AND n > 0",
                        params![voted_at.div_euclid(SECONDS_PER_HOUR), before],
                    )
                    .at(path)?;
                VoteOutcome::Changed
            }
            None => VoteOutcome::Recorded,
        };
        let id = self.write_entry(&transaction, &vote.entry, now).at(path)?;
        transaction
            .execute(
                "INSERT INTO feedback_votes (message_id, user_key, verdict, item_id, voted_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (message_id, user_key) DO UPDATE SET \
                 verdict = excluded.verdict, item_id = excluded.item_id, voted_at = excluded.voted_at",
                params![message_id, user_key, verdict, (id != 0).then_some(id), now],
            )
            .at(path)?;
        transaction.commit().at(path)?;
        drop(connection);
        self.note_written();
        Ok(outcome)
    }
}
