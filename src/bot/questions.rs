//! What every question goes through, wherever it was asked: the engine's
//! answer, the review log (committed before the reply promises anything), the
//! moderators' alert for urgent messages, and one log line.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use poise::serenity_prelude::{ChannelId, CreateMessage, GuildId, Http, UserId};
use tokio::task::JoinHandle;

use crate::answer::EngineError;
use crate::answer::{Answer, Engine, Reason};
use crate::review::{self, NewEntry, ReviewError, ReviewLog, Source};

use super::embed::no_pings;
use super::{Context, Data, Error};

/// Discord drops an interaction not answered within 3 s. A step still running
/// after this long is not waited for: the interaction is deferred first.
pub const RESPOND_OR_DEFER_WITHIN: Duration = Duration::from_millis(1500);

/// Where a question came from and who asked, as the review log needs it.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub question: &'a str,
    pub source: Source,
    pub guild_id: Option<GuildId>,
    pub channel_id: ChannelId,
    pub user_id: UserId,
}

/// Whether a question went to the review log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewRecord {
    /// Answered (or empty): nothing for moderators.
    NotNeeded,
    /// Committed to disk as this review item.
    Saved(i64),
    /// The write failed; the reply must not claim it was recorded.
    Failed,
}

/// A review-log write under way.
pub enum Recording {
    Done(ReviewRecord),
    Pending(JoinHandle<Result<i64, ReviewError>>),
}

impl Recording {
    /// Waits for the write, however long it takes.
    pub async fn finish(self) -> ReviewRecord {
        match self {
            Recording::Done(record) => record,
            Recording::Pending(handle) => settled(handle.await),
        }
    }
}

fn settled(joined: Result<Result<i64, ReviewError>, tokio::task::JoinError>) -> ReviewRecord {
    match joined {
        Ok(Ok(id)) => ReviewRecord::Saved(id),
        Ok(Err(error)) => {
            tracing::error!(%error, "could not record the question in the review log");
            ReviewRecord::Failed
        }
        Err(error) => {
            tracing::error!(%error, "recording the question stopped unexpectedly");
            ReviewRecord::Failed
        }
    }
}

/// The review-log reason for an answer, if moderators should see it.
pub fn review_reason(answer: &Answer) -> Option<review::Reason> {
    match answer.reason()? {
        Reason::NoMatch => Some(review::Reason::NoMatch),
        Reason::LowConfidence => Some(review::Reason::LowConfidence),
        Reason::Urgent => Some(review::Reason::Urgent),
        Reason::Empty => None,
    }
}

/// Starts writing what moderators need to know about this answer.
///
/// Abstentions and urgent questions become review items, awaited by the
/// caller before replying. Answers are only counted for /stats, in the
/// background: nobody is promised anything about them.
pub fn start_recording(data: &Data, asked: &Asked<'_>, answer: &Answer) -> Recording {
    let Some(reason) = review_reason(answer) else {
        if answer.is_found() {
            data.answered.add_one();
        }
        return Recording::Done(ReviewRecord::NotNeeded);
    };
    let log = data.review.clone();
    let question = asked.question.to_string();
    let passage_id = answer.passage().map(|p| p.id.clone());
    let score = answer.score();
    let source = asked.source;
    let guild_id = asked.guild_id.map(GuildId::get);
    let channel_id = Some(asked.channel_id.get());
    let user_id = Some(asked.user_id.get());
    Recording::Pending(tokio::task::spawn_blocking(move || {
        log.record(&NewEntry {
            question: &question,
            reason,
            passage_id: passage_id.as_deref(),
            score,
            source,
            guild_id,
            channel_id,
            user_id,
        })
    }))
}

/// Answered questions not yet counted in the review log.
///
/// Counting each answer as it happens would cost one disk sync per answer on
/// the review log's single connection, and a burst of answers would then
/// queue ahead of the abstentions that a member is waiting on. So answers
/// are tallied here and written in one go every [`FLUSH_ANSWERED_EVERY`].
#[derive(Debug, Default)]
pub struct AnsweredTally(AtomicU64);

/// How often [`AnsweredTally`] is written to the review log.
pub const FLUSH_ANSWERED_EVERY: Duration = Duration::from_secs(10);

impl AnsweredTally {
    pub fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Writes the tally to the review log (blocking). What could not be
    /// written is put back for the next flush.
    pub fn flush(&self, log: &ReviewLog) {
        let pending = self.0.swap(0, Ordering::Relaxed);
        if let Err(error) = log.count_events(review::Reason::Answered, pending) {
            tracing::warn!(%error, "could not count answered questions; will retry");
            self.0.fetch_add(pending, Ordering::Relaxed);
        }
    }
}

/// Waits for a review-log write inside a command, deferring the interaction
/// (with the visibility the reply will have) if the write is slow.
pub async fn settle_in_command(
    ctx: Context<'_>,
    recording: Recording,
    ephemeral: bool,
) -> Result<ReviewRecord, Error> {
    let mut handle = match recording {
        Recording::Done(record) => return Ok(record),
        Recording::Pending(handle) => handle,
    };
    match tokio::time::timeout(RESPOND_OR_DEFER_WITHIN, &mut handle).await {
        Ok(joined) => Ok(settled(joined)),
        Err(_slow) => {
            if ephemeral {
                ctx.defer_ephemeral().await?;
            } else {
                ctx.defer().await?;
            }
            Ok(settled(handle.await))
        }
    }
}

/// The one info event per question. It names no user and holds no question text.
pub fn log_question(source: Source, answer: &Answer, started: Instant) {
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(
        source = source.as_str(),
        answered = answer.is_found(),
        reason = answer.reason().map(Reason::as_str),
        passage_id = answer.passage().map(|p| p.id.as_str()),
        score = answer.score(),
        latency_ms,
        "question"
    );
}

/// The engine's answer. Through /ask, a question that is exactly one of the
/// autocomplete suggestions leads straight to that suggestion's passage.
pub fn answer_question(
    engine: &Engine,
    question: &str,
    from_autocomplete: bool,
) -> Result<Answer, EngineError> {
    if from_autocomplete {
        let chosen = question.trim();
        if let Some(passage) = engine
            .passages()
            .iter()
            .find(|p| super::commands::suggestion_value(p) == chosen)
        {
            return Ok(Answer::Found {
                passage: Arc::clone(passage),
                score: 1.0,
                alternatives: Vec::new(),
                see_also: None,
            });
        }
    }
    engine.answer(question)
}

/// Posts a short, ping-free note in `discord.alert_channel_id` about an
/// urgent question, in the background. It names where it was asked and the
/// review item, not the member or the text: moderators open the item.
pub fn alert_moderators(http: Arc<Http>, data: &Data, asked: &Asked<'_>, record: ReviewRecord) {
    // Snowflakes are never 0; `ChannelId::new(0)` would panic.
    let Some(channel) = data.discord.alert_channel_id.filter(|&id| id != 0) else {
        return;
    };
    let place = match (asked.guild_id, asked.source) {
        (None, _) | (_, Source::Dm) => "a direct message".to_string(),
        (Some(_), _) => format!("<#{}>", asked.channel_id.get()),
    };
    let item = match record {
        ReviewRecord::Saved(id) => format!(" Review item #{id} (`/unanswered list`)."),
        _ => String::new(),
    };
    let note = format!(
        "⚠️ A question in {place} ({}) looked urgent; the member was shown the urgent-care notice.{item}",
        asked.source
    );
    tokio::spawn(async move {
        let message = CreateMessage::new()
            .content(note)
            .allowed_mentions(no_pings());
        if let Err(error) = ChannelId::new(channel).send_message(&http, message).await {
            tracing::warn!(%error, "could not post the urgent-question alert");
        }
    });
}
