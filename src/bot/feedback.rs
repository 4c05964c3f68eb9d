//! Clicks on the "Helpful" / "Not helpful" buttons under every answer: an
//! entry point, like commands and events. The buttons' format is in `buttons`.

use std::sync::Arc;
use std::time::Instant;

use poise::serenity_prelude::{
    ComponentInteraction, Context as SerenityContext, CreateInteractionResponse,
    CreateInteractionResponseMessage, EditInteractionResponse,
};

use crate::review::{NewEntry, Reason, ReviewLog, Source, Vote};

use super::buttons::{parse_custom_id, question_from_message, resolve_passage, Verdict};
use super::cooldown::wait_message;
use super::discord::{no_pings, RESPOND_OR_DEFER_WITHIN};
use super::render;
use super::retry;
use super::{Data, Error};
use crate::texts::{STALE_BUTTON, THANKS, THANKS_NOT_SAVED};

#[derive(Debug, Clone, PartialEq)]
pub struct FeedbackClick {
    /// The question the answer was for, as shown under it.
    pub question: String,
    /// The passage the answer showed.
    pub passage_id: String,
    pub verdict: Verdict,
    /// Where the question was asked (slash, mention, DM, context menu).
    pub source: Source,
    pub guild_id: Option<u64>,
    pub channel_id: Option<u64>,
    pub user_id: Option<u64>,
    /// The message the answer is in: a member has one verdict per answer.
    pub message_id: Option<u64>,
}

/// Where feedback clicks go. Called on tokio's blocking pool, so it may block
/// on disk; an `Ok` means the click is kept, and only then is the member told so.
pub trait Feedback: Send + Sync + 'static {
    fn record(&self, click: FeedbackClick) -> anyhow::Result<()>;
}

/// Keeps "Not helpful" clicks as review items for moderators and counts
/// "Helpful" ones for /stats, without keeping their questions.
#[derive(Debug, Clone)]
pub struct ReviewFeedback {
    log: ReviewLog,
}

impl ReviewFeedback {
    pub fn new(log: ReviewLog) -> ReviewFeedback {
        ReviewFeedback { log }
    }
}

impl Feedback for ReviewFeedback {
    fn record(&self, click: FeedbackClick) -> anyhow::Result<()> {
        // The runner-up a member chose is worth a moderator's look: the
        // question may belong to that passage (`/unanswered link`).
        let reason = match click.verdict {
            Verdict::Helpful => Reason::Helpful,
            Verdict::NotHelpful => Reason::Unhelpful,
            Verdict::OtherPassage => Reason::OtherPassage,
        };
        let entry = NewEntry {
            question: &click.question,
            reason,
            passage_id: Some(&click.passage_id),
            score: None,
            gap: None,
            source: click.source,
            guild_id: click.guild_id,
            channel_id: click.channel_id,
            user_id: click.user_id,
        };
        match (click.message_id, click.user_id) {
            (Some(message_id), Some(user_id)) => {
                let outcome = self.log.vote(&Vote {
                    message_id,
                    user_id,
                    entry,
                })?;
                tracing::debug!(?outcome, "feedback vote");
            }
            // Without an answer or a member to key it to, a click is one event.
            _ if reason == Reason::Helpful => self.log.count_event(reason)?,
            _ => {
                self.log.record(&entry)?;
            }
        }
        Ok(())
    }
}

/// Only logs clicks: for running without a review log.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogFeedback;

impl Feedback for LogFeedback {
    fn record(&self, click: FeedbackClick) -> anyhow::Result<()> {
        tracing::info!(
            verdict = click.verdict.as_str(),
            passage_id = %click.passage_id,
            source = click.source.as_str(),
            "feedback"
        );
        Ok(())
    }
}

/// Answers a click on a feedback button: passes it to the [`Feedback`] sink
/// and thanks the member ephemerally, saying "noted" only once it is.
pub async fn on_click(
    ctx: &SerenityContext,
    data: &Data,
    click: &ComponentInteraction,
) -> Result<(), Error> {
    let received = Instant::now();
    // Clicks spend the same budget as questions: a flood of either is one flood.
    if let Err(wait) = data.cooldowns.try_ask(click.user.id) {
        return respond(ctx, data, click, received, &wait_message(wait)).await;
    }
    // Only buttons this bot made, for passages the live knowledge base has:
    // anything else would store text or passage ids a member chose.
    let engine = data.live.current();
    let checked = parse_custom_id(&data.review.tag_key(), &click.data.custom_id)
        .and_then(|button| Some((resolve_passage(&engine, &button.passage)?, button)));
    let Some((passage, button)) = checked else {
        tracing::info!(
            custom_id_chars = click.data.custom_id.chars().count(),
            "refused a feedback click: the button is not one of this bot's, or its passage is gone"
        );
        return respond(ctx, data, click, received, STALE_BUTTON).await;
    };
    let feedback = FeedbackClick {
        question: question_from_message(&click.message).unwrap_or_default(),
        passage_id: passage.id.clone(),
        verdict: button.verdict,
        source: button.source,
        guild_id: click.guild_id.map(|id| id.get()),
        channel_id: Some(click.channel_id.get()),
        user_id: Some(click.user.id.get()),
        message_id: Some(click.message.id.get()),
    };
    let texts = crate::texts::Texts::of(&engine);
    let shown = (button.verdict == Verdict::OtherPassage)
        .then(|| render::other_passage(&passage, &texts).click_reply());
    drop(engine);
    tracing::info!(
        verdict = feedback.verdict.as_str(),
        passage_id = %feedback.passage_id,
        source = feedback.source.as_str(),
        "feedback click"
    );
    data.telemetry.metrics.feedback(feedback.verdict.as_str());
    let sink: Arc<dyn Feedback> = Arc::clone(&data.feedback);
    let mut saving = tokio::task::spawn_blocking(move || sink.record(feedback));
    if let Some(message) = shown {
        // The passage is the answer to the click; it promises nothing about
        // recording, so it goes out at once and the save is only logged.
        let response = CreateInteractionResponse::Message(message);
        retry::respond_to_click(ctx, data, click, received, response).await?;
        match saving.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::error!(
                error = format!("{error:#}"),
                "could not record a \"did you mean\" click"
            ),
            Err(error) => tracing::error!(%error, "recording a \"did you mean\" click stopped"),
        }
        return Ok(());
    }
    match tokio::time::timeout(RESPOND_OR_DEFER_WITHIN, &mut saving).await {
        Ok(joined) => respond(ctx, data, click, received, thanks(joined)).await,
        Err(_slow) => {
            // Keep Discord's 3-second deadline: acknowledge now, answer when saved.
            let defer = CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            );
            if retry::respond_to_click(ctx, data, click, received, defer)
                .await?
                .is_none()
            {
                return Ok(());
            }
            let edit = EditInteractionResponse::new()
                .content(thanks(saving.await))
                .allowed_mentions(no_pings());
            retry::deliver(
                "/webhooks/{application}/{token}/messages/@original",
                retry::Window::Bounded,
                || async {
                    click
                        .edit_response(&ctx.http, edit.clone())
                        .await
                        .map_err(Into::into)
                },
            )
            .await?;
            Ok(())
        }
    }
}

fn thanks(joined: Result<anyhow::Result<()>, tokio::task::JoinError>) -> &'static str {
    match joined {
        Ok(Ok(())) => THANKS,
        Ok(Err(error)) => {
            tracing::error!(error = format!("{error:#}"), "could not record feedback");
            THANKS_NOT_SAVED
        }
        Err(error) => {
            tracing::error!(%error, "recording feedback stopped unexpectedly");
            THANKS_NOT_SAVED
        }
    }
}

async fn respond(
    ctx: &SerenityContext,
    data: &Data,
    click: &ComponentInteraction,
    received: Instant,
    text: &str,
) -> Result<(), Error> {
    let message = CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    let response = CreateInteractionResponse::Message(message);
    retry::respond_to_click(ctx, data, click, received, response).await?;
    Ok(())
}
