//! Clicks on the "Helpful" / "Not helpful" buttons under every answer: an
//! entry point, like commands and events. The buttons' format is in `buttons`.

use std::sync::Arc;

use poise::serenity_prelude::{
    ComponentInteraction, Context as SerenityContext, CreateInteractionResponse,
    CreateInteractionResponseMessage, EditInteractionResponse,
};

use crate::review::{NewEntry, Reason, ReviewLog, Source};

use super::buttons::{parse_custom_id, question_from_message, resolve_passage_id, Verdict};
use super::discord::{no_pings, RESPOND_OR_DEFER_WITHIN};
use super::render;
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
        match click.verdict {
            Verdict::Helpful => self.log.count_event(Reason::Helpful)?,
            Verdict::NotHelpful | Verdict::OtherPassage => {
                // The runner-up a member chose is worth a moderator's look: the
                // question may belong to that passage (`/unanswered link`).
                let reason = match click.verdict {
                    Verdict::OtherPassage => Reason::OtherPassage,
                    _ => Reason::Unhelpful,
                };
                self.log.record(&NewEntry {
                    question: &click.question,
                    reason,
                    passage_id: Some(&click.passage_id),
                    score: None,
                    gap: None,
                    source: click.source,
                    guild_id: click.guild_id,
                    channel_id: click.channel_id,
                    user_id: click.user_id,
                })?;
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
    let Some(button) = parse_custom_id(&click.data.custom_id) else {
        return respond(ctx, click, STALE_BUTTON).await;
    };
    let engine = data.live.current();
    let feedback = FeedbackClick {
        question: question_from_message(&click.message).unwrap_or_default(),
        passage_id: resolve_passage_id(&engine, &button.passage),
        verdict: button.verdict,
        source: button.source,
        guild_id: click.guild_id.map(|id| id.get()),
        channel_id: Some(click.channel_id.get()),
        user_id: Some(click.user.id.get()),
    };
    let other = (button.verdict == Verdict::OtherPassage)
        .then(|| engine.passage(&feedback.passage_id).cloned());
    let texts = crate::texts::Texts::of(&engine);
    let shown = match &other {
        Some(Some(passage)) => Some(render::other_passage(passage, &texts).click_reply()),
        Some(None) => return respond(ctx, click, STALE_BUTTON).await,
        None => None,
    };
    drop(engine);
    tracing::info!(
        verdict = feedback.verdict.as_str(),
        passage_id = %feedback.passage_id,
        source = feedback.source.as_str(),
        "feedback click"
    );
    let sink: Arc<dyn Feedback> = Arc::clone(&data.feedback);
    let mut saving = tokio::task::spawn_blocking(move || sink.record(feedback));
    if let Some(message) = shown {
        // The passage is the answer to the click; it promises nothing about
        // recording, so it goes out at once and the save is only logged.
        click
            .create_response(&ctx.http, CreateInteractionResponse::Message(message))
            .await?;
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
        Ok(joined) => respond(ctx, click, thanks(joined)).await,
        Err(_slow) => {
            // Keep Discord's 3-second deadline: acknowledge now, answer when saved.
            let defer = CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            );
            click.create_response(&ctx.http, defer).await?;
            let text = thanks(saving.await);
            click
                .edit_response(
                    &ctx.http,
                    EditInteractionResponse::new()
                        .content(text)
                        .allowed_mentions(no_pings()),
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
    click: &ComponentInteraction,
    text: &str,
) -> Result<(), Error> {
    let message = CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    click
        .create_response(&ctx.http, CreateInteractionResponse::Message(message))
        .await?;
    Ok(())
}
