//! `/unanswered link` and `/unanswered gap`: a moderator turns a question from
//! the review log into a learned example, and the bot answers it next time.
//!
//! The rules live in [`crate::teach`]; this adds Discord's part: the
//! moderator check (on the parent `/unanswered`), autocomplete over the live
//! engine's sections and gaps, refusing while a reload runs, and reloading the
//! live engine afterwards so the example takes effect at once. Replies are
//! ephemeral and never ping.

use std::time::Duration;

use poise::serenity_prelude::{AutocompleteChoice, CreateAutocompleteResponse};

use crate::knowledge::Target;
use crate::reload::{ReloadError, Trigger};
use crate::teach::{self, TeachError};

use super::discord::{suggestion_value, text_reply};
use super::retry;
use super::{Context, Error, SOMETHING_WENT_WRONG};

/// Discord's limits on autocomplete: 25 choices, 100 characters per name and value.
const MAX_CHOICES: usize = 25;
const CHOICE_MAX_CHARS: usize = 100;

/// Said when a reload is already running: nothing was written.
const RELOAD_BUSY: &str =
    "The knowledge base is being reloaded right now; nothing was changed. Please try again in a moment.";

/// After the example is saved, how long to wait for a reload that started
/// meanwhile before leaving the example to the next reload.
const RELOAD_RETRY_EVERY: Duration = Duration::from_millis(200);
const RELOAD_RETRIES: u32 = 50;

/// Add the question as an example of a passage, so the bot answers it with that passage
#[poise::command(slash_command, guild_only)]
pub async fn link(
    ctx: Context<'_>,
    #[description = "The id shown by /unanswered list"]
    #[min = 1]
    id: i64,
    #[description = "The section that answers it"]
    #[autocomplete = "autocomplete_passage"]
    passage: String,
) -> Result<(), Error> {
    link_to(ctx, id, Target::Passage(passage)).await
}

/// Add the question as an example of a known gap, so the bot gives that gap's reply
#[poise::command(slash_command, guild_only)]
pub async fn gap(
    ctx: Context<'_>,
    #[description = "The id shown by /unanswered list"]
    #[min = 1]
    id: i64,
    #[description = "The known gap it is about"]
    #[autocomplete = "autocomplete_gap"]
    gap: String,
) -> Result<(), Error> {
    link_to(ctx, id, Target::Gap(gap)).await
}

async fn link_to(ctx: Context<'_>, id: i64, target: Target) -> Result<(), Error> {
    retry::defer_ephemeral(ctx).await?;
    let data = ctx.data();
    let live = std::sync::Arc::clone(&data.live);
    if live.is_reloading() {
        retry::reply(ctx, text_reply(RELOAD_BUSY, true)).await?;
        return Ok(());
    }
    let author = ctx.author();
    let user_id = author.id.get();
    let by = format!("{} (discord {})", author.name, author.id);
    let review = data.review.clone();
    let engine = live.current();
    let dir = live.knowledge_dir().to_path_buf();
    let taught = tokio::task::spawn_blocking(move || {
        let moderator = teach::moderator_key(&review, user_id);
        teach::teach(&engine, &review, &dir, id, target, &moderator, &by)
    })
    .await?;
    let taught = match taught {
        Ok(taught) => taught,
        Err(err) => {
            let text = match &err {
                TeachError::UnknownItem(_)
                | TeachError::UnknownPassage(_)
                | TeachError::UnknownGap(_) => err.to_string(),
                TeachError::NotWritable { .. } => {
                    tracing::error!(error = %err, "cannot save a learned example");
                    format!(
                        "{err}. Ask an admin to make the knowledge folder writable for the bot."
                    )
                }
                _ => {
                    tracing::error!(error = %err, "linking a review item failed");
                    SOMETHING_WENT_WRONG.to_string()
                }
            };
            retry::reply(ctx, text_reply(&text, true)).await?;
            return Ok(());
        }
    };
    let reloaded = reload_after_write(&live).await;
    let text = match reloaded {
        Ok(report) => format!(
            "{taught}\nReloaded: the bot now answers it (knowledge version {}).",
            report.version
        ),
        Err(ReloadError::Busy) => format!(
            "{taught}\nAnother reload kept running; the example takes effect with the next reload."
        ),
        Err(err) => format!("{taught}\nBut the reload failed, so it takes effect once the knowledge base is fixed and reloaded: {err}"),
    };
    retry::reply(ctx, text_reply(&text, true)).await?;
    Ok(())
}

/// Reloads the live engine; a reload that started after our check is waited
/// for, then ours runs, so it reads the new `learned.toml`.
async fn reload_after_write(
    live: &crate::reload::LiveEngine,
) -> Result<crate::reload::ReloadReport, ReloadError> {
    let mut tries = 0;
    loop {
        match live.reload(Trigger::Command).await {
            Err(ReloadError::Busy) if tries < RELOAD_RETRIES => {
                tries += 1;
                tokio::time::sleep(RELOAD_RETRY_EVERY).await;
            }
            other => return other,
        }
    }
}

/// Sections whose path holds every typed word; the value is the passage id,
/// or the section path when the id is too long for a choice value.
async fn autocomplete_passage(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let engine = ctx.data().live.current();
    let words = lowercase_words(partial);
    let choices = engine
        .passages()
        .iter()
        .filter(|passage| {
            matches_all(&passage.section(), &words) || passage.id.contains(partial.trim())
        })
        .take(MAX_CHOICES)
        .map(|passage| {
            let name = suggestion_value(passage);
            let value = if passage.id.chars().count() <= CHOICE_MAX_CHARS {
                passage.id.clone()
            } else {
                name.clone()
            };
            AutocompleteChoice::new(name, value)
        })
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

/// Known gaps whose title or id holds every typed word; the value is the id.
async fn autocomplete_gap(ctx: Context<'_>, partial: &str) -> CreateAutocompleteResponse {
    let engine = ctx.data().live.current();
    let words = lowercase_words(partial);
    let choices = engine
        .gaps()
        .iter()
        .filter(|gap| matches_all(&format!("{} {}", gap.title, gap.id), &words))
        .filter(|gap| gap.id.chars().count() <= CHOICE_MAX_CHARS)
        .take(MAX_CHOICES)
        .map(|gap| {
            let name: String = gap.title.chars().take(CHOICE_MAX_CHARS).collect();
            AutocompleteChoice::new(name, gap.id.clone())
        })
        .collect();
    CreateAutocompleteResponse::new().set_choices(choices)
}

fn lowercase_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

fn matches_all(text: &str, words: &[String]) -> bool {
    let text = text.to_lowercase();
    words.iter().all(|word| text.contains(word.as_str()))
}
