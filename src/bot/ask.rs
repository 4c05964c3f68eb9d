//! The ask pipeline: what every question goes through, wherever it was asked
//! (slash command, context menu, mention, DM). Cooldown → cap → triage and the
//! engine's answer ([`Engine::respond`]) → the review log, committed before the
//! reply promises anything → render → send → one log line → the moderators'
//! alert for urgent messages.
//!
//! Triage decides the form of the reply: urgent gets the notice with the
//! numbers for the member's locale instead of any passage; caution gets the
//! normal reply plus one safety line; none, the normal reply.
//!
//! Entry points turn their event into an [`Asked`] and a [`ReplyTarget`] and
//! call [`ask`]; how a reply reaches Discord (and a slash command's
//! defer-if-slow) lives with the target.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use poise::serenity_prelude::{ChannelId, CreateMessage, GuildId, Http, MessageId, UserId};
use tokio::task::JoinHandle;

use crate::answer::{Answer, Engine, EngineError, Reason, Response};
use crate::review::{self, NewEntry, ReviewError, ReviewLog, Source};
use crate::server::{Outcome, Telemetry};
use crate::strings::truncate_chars;
use crate::texts::{Texts, NO_TEXT_TO_ANSWER, SOMETHING_WENT_WRONG};
use crate::triage::{caution_line, Kind, Level};

use super::cooldown::wait_message;
use super::discord::{no_pings, suggestion_value};
use super::render::{self, render_answer, Rendered, ReviewRecord};
use super::retry;
use super::{Data, Error};

/// Where a question came from and who asked, as the review log needs it.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    pub question: &'a str,
    pub source: Source,
    pub guild_id: Option<GuildId>,
    pub channel_id: ChannelId,
    pub user_id: UserId,
    /// The message that asked (mentions and DMs); commands have none.
    pub message_id: Option<MessageId>,
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

pub(super) fn settled(
    joined: Result<Result<i64, ReviewError>, tokio::task::JoinError>,
) -> ReviewRecord {
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

/// Starts writing what moderators need to know about this answer.
///
/// Abstentions, known gaps and urgent questions become review items, awaited
/// by the caller before replying. Answers are only counted for /stats, in the
/// background: nobody is promised anything about them.
/// A known gap's row names the gap, so moderators see which topic is asked for.
pub fn start_recording(data: &Data, asked: &Asked<'_>, answer: &Answer) -> Recording {
    let reason = match Option::<review::Reason>::from(answer) {
        None => return Recording::Done(ReviewRecord::NotNeeded),
        Some(review::Reason::Answered) => {
            data.answered.add_one();
            return Recording::Done(ReviewRecord::NotNeeded);
        }
        Some(reason) => reason,
    };
    let log = data.review.clone();
    let question = asked.question.to_string();
    let passage_id = answer.passage().map(|p| p.id.clone());
    let gap = review::gap_of(answer).map(str::to_string);
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
            gap: gap.as_deref(),
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

/// The one info event per question. It names no user and holds no question text.
pub fn log_question(source: Source, response: &Response, started: Instant) {
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let answer = &response.answer;
    tracing::info!(
        source = source.as_str(),
        triage = response.triage.level.as_str(),
        kind = response.triage.kind.map(Kind::as_str),
        gap = answer.gap().map(|gap| gap.id.as_str()),
        answered = answer.is_found(),
        reason = answer.reason().map(Reason::as_str),
        passage_id = answer.passage().map(|p| p.id.as_str()),
        score = answer.score(),
        latency_ms,
        "question"
    );
}

/// The triage and the engine's answer. Through /ask, a question that is
/// exactly one of the autocomplete suggestions leads straight to that
/// suggestion's passage, unless it is urgent.
pub fn respond_to(
    engine: &Engine,
    question: &str,
    from_autocomplete: bool,
) -> Result<Response, EngineError> {
    if from_autocomplete {
        let chosen = question.trim();
        if let Some(passage) = engine
            .passages()
            .iter()
            .find(|p| suggestion_value(p) == chosen)
        {
            let triage = engine.triage().assess(chosen);
            if !triage.is_urgent() {
                return Ok(Response {
                    triage,
                    answer: Answer::Found {
                        passage: Arc::clone(passage),
                        score: 1.0,
                        alternatives: Vec::new(),
                        see_also: None,
                    },
                });
            }
        }
    }
    engine.respond(question)
}

/// The moderators' note about an urgent message: what it looks like, where,
/// and — unless `safety.alert_identifies_member` is off — who, with a link to
/// the message, so that someone can reach the member quickly. Never the text:
/// moderators open the review item. The mention is text only; the note is
/// sent allowing no mentions, so nobody is pinged.
pub fn alert_note(
    asked: &Asked<'_>,
    kind: Option<Kind>,
    record: ReviewRecord,
    identify_member: bool,
) -> String {
    let what = kind.map_or("an emergency", Kind::label);
    let place = match (asked.guild_id, asked.source) {
        (None, _) | (_, Source::Dm) => "a direct message".to_string(),
        (Some(_), _) => format!("<#{}>", asked.channel_id.get()),
    };
    let who = if identify_member {
        format!(" from <@{}>", asked.user_id.get())
    } else {
        String::new()
    };
    let link = match (identify_member, asked.guild_id, asked.message_id) {
        (true, Some(guild), Some(message)) if asked.source != Source::Dm => format!(
            " Message: https://discord.com/channels/{}/{}/{}",
            guild.get(),
            asked.channel_id.get(),
            message.get()
        ),
        _ => String::new(),
    };
    let item = match record {
        ReviewRecord::Saved(id) => format!(" Review item #{id} (`/unanswered list`)."),
        _ => String::new(),
    };
    format!(
        "⚠️ A message in {place}{who} ({}) looked urgent: {what}. The member was shown the \
         urgent-care notice with emergency numbers.{link}{item}",
        asked.source
    )
}

/// Posts [`alert_note`] in `discord.alert_channel_id`, in the background.
pub fn alert_moderators(
    http: Arc<Http>,
    data: &Data,
    asked: &Asked<'_>,
    kind: Option<Kind>,
    record: ReviewRecord,
) {
    // Snowflakes are never 0; `ChannelId::new(0)` would panic.
    let Some(channel) = data.discord.alert_channel_id.filter(|&id| id != 0) else {
        return;
    };
    let note = alert_note(asked, kind, record, data.safety.alert_identifies_member);
    tracing::debug!(
        message_id = asked.message_id.map(MessageId::get),
        "alerting moderators"
    );
    let rest = data.rest.clone();
    tokio::spawn(async move {
        let message = CreateMessage::new()
            .content(note)
            .allowed_mentions(no_pings());
        if let Err(error) =
            retry::send_message(&rest, &http, ChannelId::new(channel), message).await
        {
            tracing::warn!(%error, "could not post the urgent-question alert");
        }
    });
}

/// Where the reply to a question goes, and how: a command's interaction or a
/// message in a channel.
pub(super) trait ReplyTarget {
    /// Sends a short private text (a refusal, an apology).
    async fn send_text(&self, text: &str) -> Result<(), Error>;
    /// Waits for the review-log write; a target with a deadline defers meanwhile.
    async fn settle(&self, recording: Recording, ephemeral: bool) -> Result<ReviewRecord, Error>;
    /// Sends the reply.
    async fn send(&self, reply: &Rendered, ephemeral: bool) -> Result<(), Error>;
    /// For the moderators' alert, sent after the reply.
    fn http(&self) -> Arc<Http>;
}

/// What an entry point knows about a question before the pipeline runs.
pub(super) struct Question<'a> {
    pub text: &'a str,
    pub source: Source,
    pub guild_id: Option<GuildId>,
    pub channel_id: ChannelId,
    /// Who asked: the cooldown and the review log are keyed to them.
    pub user_id: UserId,
    /// Who is replied to privately on a refusal (the one who used the command).
    pub caller: UserId,
    /// Show the answer only to the caller (urgent and empty ones always are
    /// through commands; a mention or DM is answered where it was asked).
    pub ephemeral: bool,
    /// The message that asked (mentions and DMs), for the moderators' link.
    pub message_id: Option<MessageId>,
    /// The Discord locale whose numbers the urgent notice names: the member's
    /// for commands, the server's preferred locale for mentions, none in DMs.
    pub locale: Option<String>,
}

/// Answers one question end to end. Errors are Discord's (a reply that could
/// not be sent); everything else is answered.
pub(super) async fn ask(
    data: &Data,
    question: Question<'_>,
    target: &impl ReplyTarget,
) -> Result<(), Error> {
    let started = Instant::now();
    // Refuse before anything else: a deferral would fix the reply's visibility.
    if let Err(wait) = data.cooldowns.try_ask(question.caller) {
        let refused = Outcome::RefusedByCooldown;
        data.telemetry
            .metrics
            .question(question.source, refused, started.elapsed());
        return target.send_text(&wait_message(wait)).await;
    }
    if question.source == Source::ContextMenu && question.text.trim().is_empty() {
        return target.send_text(NO_TEXT_TO_ANSWER).await;
    }
    let text = truncate_chars(question.text, data.discord.question_max_len);
    let engine = data.live.current();
    let Ok(response) = respond_to(&engine, text, question.source == Source::Slash) else {
        // The fault is logged where it happened; nothing is recorded as "not covered".
        return target.send_text(SOMETHING_WENT_WRONG).await;
    };
    let answer = &response.answer;
    let urgent = answer.reason() == Some(Reason::Urgent);
    let ephemeral =
        question.ephemeral || matches!(answer.reason(), Some(Reason::Urgent | Reason::Empty));
    let asked = Asked {
        question: text,
        source: question.source,
        guild_id: question.guild_id,
        channel_id: question.channel_id,
        user_id: question.user_id,
        message_id: question.message_id,
    };
    let recording = start_recording(data, &asked, answer);
    let recorded = target.settle(recording, ephemeral).await?;
    note_review_write(&data.telemetry, recorded);
    let texts = Texts::of(&engine);
    let helpline = data.safety.helpline(question.locale.as_deref());
    let rendered = if urgent {
        render::urgent(&texts, helpline.as_ref())
    } else {
        let key = data.review.tag_key();
        let rendered = render_answer(&texts, text, answer, recorded, question.source, &key);
        match response.triage.level {
            Level::Caution => rendered.with_safety_line(caution_line(helpline.as_ref())),
            Level::Urgent | Level::None => rendered,
        }
    };
    target.send(&rendered, ephemeral).await?;
    log_question(question.source, &response, started);
    let outcome = Outcome::of(&response);
    data.telemetry
        .metrics
        .question(question.source, outcome, started.elapsed());
    if urgent {
        alert_moderators(target.http(), data, &asked, response.triage.kind, recorded);
    }
    Ok(())
}

/// Review-log writes, good or failed, for `/readyz` and the metrics.
fn note_review_write(telemetry: &Telemetry, recorded: ReviewRecord) {
    match recorded {
        ReviewRecord::Saved(_) => telemetry.review_write(true),
        ReviewRecord::Failed => telemetry.review_write(false),
        ReviewRecord::NotNeeded => {}
    }
}
