//! Members' commands: /ask (with autocomplete), /topics, and the message
//! context menu "Answer with ldnbot".

use std::time::Instant;

use poise::serenity_prelude::{self as serenity, AutocompleteChoice, CreateAutocompleteResponse};

use crate::answer::Reason;
use crate::knowledge::Passage;
use crate::reply::{truncate_at_word, SOMETHING_WENT_WRONG};
use crate::review::Source;

use super::cooldown::wait_message;
use super::embed::{self, render_answer, text_reply};
use super::questions::{
    alert_moderators, answer_question, log_question, settle_in_command, start_recording, Asked,
};
use super::{Context, Error};

/// The name of the /ask option whose `max_length` comes from the config.
pub const QUESTION_OPTION: &str = "question";
/// The message context-menu command's name, as members see it.
pub const CONTEXT_MENU_NAME: &str = "Answer with ldnbot";
/// Said when the context menu is used on a message without text (an image, say).
pub const NO_TEXT_TO_ANSWER: &str = "That message has no text I can answer.";
/// Discord's limits on autocomplete: choices per response, characters per name and value.
const MAX_CHOICES: usize = 25;
const CHOICE_MAX_CHARS: usize = 100;

/// Ask a question about low dose naltrexone (LDN) for rheumatoid arthritis
#[poise::command(slash_command)]
pub async fn ask(
    ctx: Context<'_>,
    #[description = "Your question, e.g. \"What are the side effects of LDN?\""]
    #[autocomplete = "autocomplete_question"]
    question: String,
    #[description = "Show the answer only to you"] private: Option<bool>,
) -> Result<(), Error> {
    let data = ctx.data();
    // Refuse before anything else: a deferral would fix the reply's visibility.
    if let Err(wait) = data.cooldowns.try_ask(ctx.author().id) {
        ctx.send(text_reply(&wait_message(wait), true)).await?;
        return Ok(());
    }
    let question = crate::strings::truncate_chars(&question, data.discord.question_max_len);
    let ephemeral = private.unwrap_or(data.discord.ephemeral_answers);
    answer_in_command(ctx, question, Source::Slash, ephemeral, ctx.author().id).await
}

/// Answer this message's question from the knowledge base
#[poise::command(context_menu_command = "Answer with ldnbot")]
pub async fn answer_message(
    ctx: Context<'_>,
    #[description = "The message to answer"] message: serenity::Message,
) -> Result<(), Error> {
    let data = ctx.data();
    if let Err(wait) = data.cooldowns.try_ask(ctx.author().id) {
        ctx.send(text_reply(&wait_message(wait), true)).await?;
        return Ok(());
    }
    if message.content.trim().is_empty() {
        ctx.send(text_reply(NO_TEXT_TO_ANSWER, true)).await?;
        return Ok(());
    }
    let question = crate::strings::truncate_chars(&message.content, data.discord.question_max_len);
    // The question is the message author's; the review log keys it to them.
    answer_in_command(ctx, question, Source::ContextMenu, false, message.author.id).await
}

/// List the topics the knowledge base covers
#[poise::command(slash_command)]
pub async fn topics(ctx: Context<'_>) -> Result<(), Error> {
    let engine = ctx.data().live.current();
    ctx.send(embed::topics(&engine).reply(true)).await?;
    Ok(())
}

/// Answers a question inside a slash or context-menu command. Urgent and
/// empty questions are answered ephemerally whatever `ephemeral` says.
async fn answer_in_command(
    ctx: Context<'_>,
    question: &str,
    source: Source,
    ephemeral: bool,
    asker: serenity::UserId,
) -> Result<(), Error> {
    let started = Instant::now();
    let data = ctx.data();
    let engine = data.live.current();
    let Ok(answer) = answer_question(&engine, question, source == Source::Slash) else {
        // The fault is logged where it happened; nothing is recorded as "not covered".
        ctx.send(text_reply(SOMETHING_WENT_WRONG, true)).await?;
        return Ok(());
    };
    let urgent = answer.reason() == Some(Reason::Urgent);
    let ephemeral = ephemeral || matches!(answer.reason(), Some(Reason::Urgent | Reason::Empty));
    let asked = Asked {
        question,
        source,
        guild_id: ctx.guild_id(),
        channel_id: ctx.channel_id(),
        user_id: asker,
    };
    let recording = start_recording(data, &asked, &answer);
    let recorded = settle_in_command(ctx, recording, ephemeral).await?;
    let rendered = render_answer(&engine, question, &answer, recorded, source);
    ctx.send(rendered.reply(ephemeral)).await?;
    log_question(source, &answer, started);
    if urgent {
        alert_moderators(ctx.serenity_context().http.clone(), data, &asked, recorded);
    }
    Ok(())
}

/// The autocomplete value (and label) for a passage: its section path, cut to
/// Discord's 100 characters. /ask maps it back to the passage.
pub fn suggestion_value(passage: &Passage) -> String {
    truncate_at_word(&passage.section(), CHOICE_MAX_CHARS)
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
