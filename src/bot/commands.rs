//! Members' commands: /ask (with autocomplete), /topics, and the message
//! context menu "Answer with ldnbot".

use std::sync::Arc;
use std::time::Instant;

use poise::serenity_prelude::{
    self as serenity, AutocompleteChoice, CreateAutocompleteResponse, Http,
};

use crate::review::Source;

use super::ask::{self, settled, Question, Recording, ReplyTarget};
use super::discord::{suggestion_value, text_reply, RESPOND_OR_DEFER_WITHIN};
use super::render::{self, Rendered, ReviewRecord};
use super::retry;
use super::{Context, Error};

/// The name of the /ask option whose `max_length` comes from the config.
pub const QUESTION_OPTION: &str = "question";
/// Discord's limit on autocomplete choices per response.
const MAX_CHOICES: usize = 25;

/// Ask a question about low dose naltrexone (LDN) for rheumatoid arthritis
#[poise::command(slash_command)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question, e.g. \"What are the side effects of LDN?\""]
    #[autocomplete = "autocomplete_question"]
    question: String,
    #[description = "Show the answer only to you"] private: Option<bool>,
) -> Result<(), Error> {
    let received = retry::arrived(ctx).await;
    let data = ctx.data();
    let question = Question {
        text: &question,
        source: Source::Slash,
        guild_id: ctx.guild_id(),
        channel_id: ctx.channel_id(),
        user_id: ctx.author().id,
        caller: ctx.author().id,
        ephemeral: private.unwrap_or(data.discord.ephemeral_answers),
        message_id: None,
        locale: ctx.locale().map(str::to_string),
    };
    ask::ask(data, question, &InCommand(ctx, received)).await
}

/// Answer this message's question from the knowledge base
#[poise::command(context_menu_command = "Answer with ldnbot")]
pub async fn answer_message(
    ctx: Context<'_>,
    #[description = "The message to answer"] message: serenity::Message,
) -> Result<(), Error> {
    let received = retry::arrived(ctx).await;
    let question = Question {
        text: &message.content,
        source: Source::ContextMenu,
        guild_id: ctx.guild_id(),
        channel_id: ctx.channel_id(),
        // The question is the message author's; the review log keys it to them.
        user_id: message.author.id,
        caller: ctx.author().id,
        ephemeral: false,
        // The link leads to the message answered; the locale is the caller's,
        // who is the one reading the reply.
        message_id: Some(message.id),
        locale: ctx.locale().map(str::to_string),
    };
    ask::ask(ctx.data(), question, &InCommand(ctx, received)).await
}

/// List the topics the knowledge base covers
#[poise::command(slash_command)]
pub async fn topics(ctx: Context<'_>) -> Result<(), Error> {
    let engine = ctx.data().live.current();
    retry::reply(ctx, render::topics(&engine).reply(true)).await?;
    Ok(())
}

/// A reply to a slash or context-menu command: an interaction with Discord's
/// 3-second deadline, so a slow review-log write defers it first; and when
/// it was received, which starts that deadline.
struct InCommand<'a>(Context<'a>, Instant);

impl ReplyTarget for InCommand<'_> {
    async fn send_text(&self, text: &str) -> Result<(), Error> {
        retry::send_reply(self.0, self.1, text_reply(text, true)).await
    }

    /// Waits for the write, deferring the interaction (with the visibility the
    /// reply will have) if it is slow.
    async fn settle(&self, recording: Recording, ephemeral: bool) -> Result<ReviewRecord, Error> {
        let mut handle = match recording {
            Recording::Done(record) => return Ok(record),
            Recording::Pending(handle) => handle,
        };
        match tokio::time::timeout(RESPOND_OR_DEFER_WITHIN, &mut handle).await {
            Ok(joined) => Ok(settled(joined)),
            Err(_slow) => {
                retry::defer(self.0, self.1, ephemeral).await?;
                Ok(settled(handle.await))
            }
        }
    }

    async fn send(&self, reply: &Rendered, ephemeral: bool) -> Result<(), Error> {
        retry::send_reply(self.0, self.1, reply.reply(ephemeral)).await
    }

    fn http(&self) -> Arc<Http> {
        self.0.serenity_context().http.clone()
    }
}

/// Suggests sections whose titles hold every word typed so far, then the
/// passages the engine ranks highest for it; at most 25.
async fn autocomplete_question(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let engine = ctx.data().live.current();
    let typed = partial.to_lowercase();
    let words: Vec<&str> = typed.split_whitespace().collect();
    let mut chosen: Vec<usize> = Vec::new();
    for (index, passage) in engine.passages().iter().enumerate() {
        let section = passage.section().to_lowercase();
        if words.iter().all(|word| section.contains(word)) {
            chosen.push(index);
        }
        if chosen.len() >= MAX_CHOICES {
            break;
        }
    }
    if chosen.len() < MAX_CHOICES && !words.is_empty() {
        // An index fault is logged by the search; suggestions then come from titles alone.
        let hits = engine.search(partial).map(|r| r.hits).unwrap_or_default();
        for hit in hits {
            if chosen.len() >= MAX_CHOICES {
                break;
            }
            if hit.matched_informative && !chosen.contains(&hit.passage) {
                chosen.push(hit.passage);
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    let choices = chosen
        .into_iter()
        .filter_map(|index| engine.passages().get(index))
        .map(|passage| suggestion_value(passage))
        .filter(|value| !value.is_empty() && seen.insert(value.clone()))
        .map(|value| AutocompleteChoice::new(value.clone(), value))
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}
