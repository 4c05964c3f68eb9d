//! The "Helpful" / "Not helpful" buttons under every answer.
//!
//! A button's custom id carries everything the click handler needs (the
//! verdict, where the question was asked, the passage shown), and the question
//! is read back from the answer's embed. So clicks keep working after a
//! restart or a reload, and nothing about pending answers is kept in memory.

use std::fmt;
use std::sync::Arc;

use poise::serenity_prelude::{
    ComponentInteraction, Context as SerenityContext, CreateInteractionResponse,
    CreateInteractionResponseMessage, EditInteractionResponse, Message,
};

use crate::answer::Engine;
use crate::review::{NewEntry, Reason, ReviewLog, Source};

use super::embed::{no_pings, QUESTION_FIELD};
use super::questions::RESPOND_OR_DEFER_WITHIN;
use super::{Data, Error};

/// Every feedback custom id starts with this, so other components can coexist.
pub const CUSTOM_ID_PREFIX: &str = "fb:";
/// Discord's limit on a component's custom id.
pub const CUSTOM_ID_MAX: usize = 100;

pub const THANKS: &str = "Thanks — noted.";
pub const THANKS_NOT_SAVED: &str =
    "Thanks — but I couldn't save that just now. Please try again in a little while.";
pub const STALE_BUTTON: &str = "Sorry, this button no longer works. Please ask again.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Helpful,
    NotHelpful,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Helpful => "helpful",
            Verdict::NotHelpful => "not_helpful",
        }
    }

    fn code(self) -> char {
        match self {
            Verdict::Helpful => 'h',
            Verdict::NotHelpful => 'u',
        }
    }

    fn from_code(code: &str) -> Option<Verdict> {
        match code {
            "h" => Some(Verdict::Helpful),
            "u" => Some(Verdict::NotHelpful),
            _ => None,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One click on a feedback button.
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
            Verdict::NotHelpful => {
                self.log.record(&NewEntry {
                    question: &click.question,
                    reason: Reason::Unhelpful,
                    passage_id: Some(&click.passage_id),
                    score: None,
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

/// Which passage a button refers to: its id, or a hash of an id too long to
/// fit in a custom id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PassageRef {
    Id(String),
    Hash(u64),
}

/// What a feedback button's custom id says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackButton {
    pub verdict: Verdict,
    pub source: Source,
    pub passage: PassageRef,
}

/// `fb:<verdict>:<source>:<passage id>` or, when that would pass Discord's
/// 100 characters, `fb:<verdict>:<source>:#<hash of the passage id>`.
pub fn custom_id(verdict: Verdict, source: Source, passage_id: &str) -> String {
    let head = format!(
        "{CUSTOM_ID_PREFIX}{}:{}:",
        verdict.code(),
        source_code(source)
    );
    if head.len() + passage_id.len() <= CUSTOM_ID_MAX && !passage_id.starts_with('#') {
        format!("{head}{passage_id}")
    } else {
        format!("{head}#{:016x}", passage_hash(passage_id))
    }
}

pub fn parse_custom_id(custom_id: &str) -> Option<FeedbackButton> {
    let rest = custom_id.strip_prefix(CUSTOM_ID_PREFIX)?;
    let mut parts = rest.splitn(3, ':');
    let verdict = Verdict::from_code(parts.next()?)?;
    let source = source_from_code(parts.next()?)?;
    let passage = parts.next().filter(|p| !p.is_empty())?;
    let passage = match passage.strip_prefix('#') {
        Some(hex) => PassageRef::Hash(u64::from_str_radix(hex, 16).ok()?),
        None => PassageRef::Id(passage.to_string()),
    };
    Some(FeedbackButton {
        verdict,
        source,
        passage,
    })
}

/// The passage id a button refers to, looked up in the current knowledge
/// when the button carries a hash; an unknown hash is kept as `#<hex>`.
pub fn resolve_passage_id(engine: &Engine, passage: &PassageRef) -> String {
    match passage {
        PassageRef::Id(id) => id.clone(),
        PassageRef::Hash(hash) => engine
            .passages()
            .iter()
            .find(|p| passage_hash(&p.id) == *hash)
            .map_or_else(|| format!("#{hash:016x}"), |p| p.id.clone()),
    }
}

/// FNV-1a: stable across builds and platforms, unlike std's hasher.
fn passage_hash(id: &str) -> u64 {
    id.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn source_code(source: Source) -> char {
    match source {
        Source::Slash => 's',
        Source::Mention => 'm',
        Source::Dm => 'd',
        Source::ContextMenu => 'c',
        Source::Cli => 'x',
        Source::Button => 'b',
    }
}

fn source_from_code(code: &str) -> Option<Source> {
    Some(match code {
        "s" => Source::Slash,
        "m" => Source::Mention,
        "d" => Source::Dm,
        "c" => Source::ContextMenu,
        "x" => Source::Cli,
        "b" => Source::Button,
        _ => return None,
    })
}

/// The question shown in an answer's embed.
pub fn question_from_message(message: &Message) -> Option<String> {
    message
        .embeds
        .iter()
        .flat_map(|embed| embed.fields.iter())
        .find(|field| field.name == QUESTION_FIELD)
        .map(|field| field.value.clone())
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
    drop(engine);
    tracing::info!(
        verdict = feedback.verdict.as_str(),
        passage_id = %feedback.passage_id,
        source = feedback.source.as_str(),
        "feedback click"
    );
    let sink: Arc<dyn Feedback> = Arc::clone(&data.feedback);
    let mut saving = tokio::task::spawn_blocking(move || sink.record(feedback));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_ids_round_trip() {
        let id = "ldn-rheumatoid-arthritis/considerations-and-caveats/balancing-risks-and-benefits";
        let custom = custom_id(Verdict::NotHelpful, Source::Mention, id);
        assert!(custom.len() <= CUSTOM_ID_MAX);
        assert_eq!(
            parse_custom_id(&custom),
            Some(FeedbackButton {
                verdict: Verdict::NotHelpful,
                source: Source::Mention,
                passage: PassageRef::Id(id.to_string()),
            })
        );
    }

    #[test]
    fn long_passage_ids_become_hashes() {
        let id = "a/".repeat(80);
        let custom = custom_id(Verdict::Helpful, Source::Slash, &id);
        assert!(custom.len() <= CUSTOM_ID_MAX, "{custom}");
        let parsed = parse_custom_id(&custom).map(|b| b.passage);
        assert_eq!(parsed, Some(PassageRef::Hash(passage_hash(&id))));
    }

    #[test]
    fn junk_custom_ids_are_rejected() {
        for junk in [
            "",
            "fb:",
            "fb:x:s:id",
            "fb:h:q:id",
            "fb:h:s:",
            "fb:h:s:#zz",
            "other",
        ] {
            assert_eq!(parse_custom_id(junk), None, "{junk}");
        }
    }
}
