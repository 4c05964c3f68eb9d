//! Members' commands about their own data: /privacy says what the bot keeps,
//! /forget-me deletes it after a confirm button.
//!
//! The confirm button carries the member's id in its custom id, and a click
//! is only honoured from that member, so the flow needs no state in the bot
//! and survives a restart between the command and the click.

use poise::serenity_prelude::{
    ButtonStyle, ComponentInteraction, Context as SerenityContext, CreateActionRow, CreateButton,
    CreateInteractionResponse, CreateInteractionResponseMessage,
};
use poise::CreateReply;

use crate::review::ReviewSettings;

use super::discord::no_pings;
use super::retry;
use super::{Context, Data, Error, SOMETHING_WENT_WRONG};

/// Custom ids: `forget-me:yes:<user id>` and `forget-me:no:<user id>`.
const FORGET_PREFIX: &str = "forget-me:";

const CONFIRM: &str = "This deletes every question of yours that the bot keeps for moderators \
(questions it could not answer, urgent ones, and answers you marked as not helpful). It cannot \
be undone. Delete them?";
const CANCELLED: &str = "Nothing was deleted.";
const NOT_YOURS: &str = "This button belongs to someone else's /forget-me.";

/// What the bot keeps about you, and how to delete it
#[poise::command(slash_command, rename = "privacy", ephemeral)]
pub async fn privacy(ctx: Context<'_>) -> Result<(), Error> {
    let text = privacy_text(ctx.data().review.settings());
    retry::reply(
        ctx,
        CreateReply::default()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

/// Delete every question of yours that the bot has kept
#[poise::command(slash_command, rename = "forget-me", ephemeral)]
pub async fn forget_me(ctx: Context<'_>) -> Result<(), Error> {
    let user = ctx.author().id.get();
    let buttons = CreateActionRow::Buttons(vec![
        CreateButton::new(format!("{FORGET_PREFIX}yes:{user}"))
            .label("Delete my questions")
            .style(ButtonStyle::Danger),
        CreateButton::new(format!("{FORGET_PREFIX}no:{user}"))
            .label("Cancel")
            .style(ButtonStyle::Secondary),
    ]);
    retry::reply(
        ctx,
        CreateReply::default()
            .content(CONFIRM)
            .components(vec![buttons])
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

/// Whether a component click is one of /forget-me's buttons.
pub fn is_forget_click(click: &ComponentInteraction) -> bool {
    click.data.custom_id.starts_with(FORGET_PREFIX)
}

/// A click on /forget-me's buttons: deletes the member's rows on "yes", and
/// replaces the question with what happened.
pub async fn on_forget_click(
    ctx: &SerenityContext,
    data: &Data,
    click: &ComponentInteraction,
) -> Result<(), Error> {
    let received = std::time::Instant::now();
    let rest = &click.data.custom_id[FORGET_PREFIX.len()..];
    let (choice, owner) = rest.split_once(':').unwrap_or((rest, ""));
    let clicker = click.user.id.get();
    let text = if owner.parse::<u64>().ok() != Some(clicker) {
        NOT_YOURS.to_string()
    } else if choice != "yes" {
        CANCELLED.to_string()
    } else {
        let review = data.review.clone();
        match tokio::task::spawn_blocking(move || review.forget_user(clicker)).await {
            Ok(Ok(forgotten)) => deleted_text(forgotten.deleted),
            Ok(Err(error)) => {
                tracing::error!(%error, "could not forget a member's questions");
                SOMETHING_WENT_WRONG.to_string()
            }
            Err(error) => {
                tracing::error!(%error, "forgetting a member's questions stopped unexpectedly");
                SOMETHING_WENT_WRONG.to_string()
            }
        }
    };
    let reply = CreateInteractionResponseMessage::new()
        .content(text)
        .components(Vec::new())
        .allowed_mentions(no_pings());
    let response = CreateInteractionResponse::UpdateMessage(reply);
    retry::respond_to_click(ctx, data, click, received, response).await?;
    Ok(())
}

fn deleted_text(deleted: usize) -> String {
    match deleted {
        0 => "The bot kept no questions of yours; there was nothing to delete.".to_string(),
        1 => "Deleted 1 question of yours. Nothing the bot keeps is linked to you now.".to_string(),
        n => format!("Deleted {n} questions of yours. Nothing the bot keeps is linked to you now."),
    }
}

/// /privacy, in plain words, from the settings in force.
pub fn privacy_text(settings: &ReviewSettings) -> String {
    let who = if settings.store_user_ids {
        "with your Discord user id"
    } else {
        "with a scrambled code instead of your Discord user id (the same code each time, so \
         moderators can see that one person asked several questions, but not who)"
    };
    let how_long = match settings.retention_days {
        0 => "until a moderator or you delete them".to_string(),
        days => format!("for {days} days, then they are deleted automatically"),
    };
    format!(
        "**What this bot keeps**\n\
         • Questions it could not answer, urgent ones, and answers marked \"not helpful\": the \
         text you wrote, when, and in which server and channel, {who}.\n\
         • For everything else (answered questions, \"helpful\" clicks) only a count per hour, \
         with nothing about you.\n\
         **For how long**: {how_long}.\n\
         **Who can see it**: the server's moderators, through /unanswered, and the people who \
         run the bot.\n\
         **How to delete it**: use /forget-me to delete every question of yours now, or ask a \
         moderator to.\n\
         The bot gives general information from articles, not medical advice."
    )
}
