//! Gateway events poise leaves to us: mentions and DMs (questions), clicks on
//! the feedback buttons, and connection state for the logs.

use std::time::Instant;

use poise::serenity_prelude::{
    self as serenity, Context as SerenityContext, FullEvent, Interaction, Message, UserId,
};

use crate::answer::Reason;
use crate::reply::SOMETHING_WENT_WRONG;
use crate::review::Source;

use super::cooldown::wait_message;
use super::embed::{no_pings, render_answer};
use super::questions::{alert_moderators, answer_question, log_question, start_recording, Asked};
use super::{feedback, Data, Error};

/// poise's `event_handler`.
pub async fn handle(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &FullEvent,
) -> Result<(), Error> {
    let ctx = framework.serenity_context;
    let data = framework.user_data;
    match event {
        FullEvent::Ready { data_about_bot } => {
            tracing::info!(
                guilds = data_about_bot.guilds.len(),
                shard = ?data_about_bot.shard.map(|s| s.id.0),
                "connected to Discord"
            );
        }
        FullEvent::Resume { .. } => tracing::info!("resumed the Discord session"),
        FullEvent::Message { new_message } => {
            on_message(ctx, data, framework.bot_id(), new_message).await?;
        }
        FullEvent::InteractionCreate {
            interaction: Interaction::Component(click),
        } => feedback::on_click(ctx, data, click).await?,
        _ => {}
    }
    Ok(())
}

/// What a message asks, if it is a question for the bot: the text of a DM, or
/// of a server message that mentions the bot, without the mention.
pub fn question_in(message: &Message, bot_id: UserId, data: &Data) -> Option<(String, Source)> {
    if message.author.bot || message.webhook_id.is_some() || message.author.id == bot_id {
        return None;
    }
    let plain = format!("<@{bot_id}>");
    let nick = format!("<@!{bot_id}>");
    let without_mention = || {
        let question = message.content.replace(&nick, " ").replace(&plain, " ");
        question.trim().to_string()
    };
    if message.guild_id.is_none() {
        return data
            .discord
            .answer_dms
            .then(|| (without_mention(), Source::Dm));
    }
    let mentioned = message.content.contains(&plain) || message.content.contains(&nick);
    (data.discord.answer_mentions && mentioned).then(|| (without_mention(), Source::Mention))
}

async fn on_message(
    ctx: &SerenityContext,
    data: &Data,
    bot_id: UserId,
    message: &Message,
) -> Result<(), Error> {
    let Some((question, source)) = question_in(message, bot_id, data) else {
        return Ok(());
    };
    let started = Instant::now();
    let reply_to = serenity::CreateMessage::new()
        .reference_message(reply_reference(message))
        .allowed_mentions(no_pings());
    if let Err(wait) = data.cooldowns.try_ask(message.author.id) {
        let refusal = reply_to.content(wait_message(wait));
        message.channel_id.send_message(&ctx.http, refusal).await?;
        return Ok(());
    }
    let question = crate::strings::truncate_chars(&question, data.discord.question_max_len);
    let engine = data.live.current();
    let Ok(answer) = answer_question(&engine, question, false) else {
        // The fault is logged where it happened; nothing is recorded as "not covered".
        let apology = reply_to.content(SOMETHING_WENT_WRONG);
        message.channel_id.send_message(&ctx.http, apology).await?;
        return Ok(());
    };
    let asked = Asked {
        question,
        source,
        guild_id: message.guild_id,
        channel_id: message.channel_id,
        user_id: message.author.id,
    };
    // No interaction deadline here: wait for the write before replying.
    let recorded = start_recording(data, &asked, &answer).finish().await;
    let reply = render_answer(&engine, question, &answer, recorded, source)
        .message()
        .reference_message(reply_reference(message));
    message.channel_id.send_message(&ctx.http, reply).await?;
    log_question(source, &answer, started);
    if answer.reason() == Some(Reason::Urgent) {
        alert_moderators(ctx.http.clone(), data, &asked, recorded);
    }
    Ok(())
}

/// A reply to `message` that is still sent, as a plain message, if the
/// question was deleted meanwhile.
fn reply_reference(message: &Message) -> serenity::MessageReference {
    let mut reference = serenity::MessageReference::from(message);
    reference.fail_if_not_exists = Some(false);
    reference
}
