//! Gateway events poise leaves to us: mentions and DMs (questions), clicks on
//! the feedback buttons, and connection state for the logs.

use std::sync::Arc;

use poise::serenity_prelude::{
    self as serenity, Context as SerenityContext, FullEvent, Http, Interaction, Message, UserId,
};

use crate::review::Source;

use super::ask::{self, Question, Recording, ReplyTarget};
use super::discord::no_pings;
use super::render::{Rendered, ReviewRecord};
use super::{feedback, privacy, retry, Data, Error};

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
        } if privacy::is_forget_click(click) => privacy::on_forget_click(ctx, data, click).await?,
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
    let Some((text, source)) = question_in(message, bot_id, data) else {
        tracing::debug!(message_id = message.id.get(), "not a question for the bot");
        return Ok(());
    };
    let question = Question {
        text: &text,
        source,
        guild_id: message.guild_id,
        channel_id: message.channel_id,
        user_id: message.author.id,
        caller: message.author.id,
        ephemeral: false,
        message_id: Some(message.id),
        locale: server_locale(ctx, message),
    };
    let handled = ask::ask(data, question, &InChannel { ctx, data, message }).await;
    tracing::debug!(message_id = message.id.get(), "message handled");
    handled
}

/// A message carries no locale, so a mention gets the numbers of its server's
/// preferred locale (from the cache, filled by GUILD_CREATE); a DM gets none.
fn server_locale(ctx: &SerenityContext, message: &Message) -> Option<String> {
    let guild = message.guild_id?;
    ctx.cache
        .guild(guild)
        .map(|guild| guild.preferred_locale.clone())
}

/// A reply to a mention or a DM: a message referencing the question. No
/// interaction deadline here, so the review-log write is simply awaited.
struct InChannel<'a> {
    ctx: &'a SerenityContext,
    data: &'a Data,
    message: &'a Message,
}

impl InChannel<'_> {
    /// Posts `reply` in the question's channel.
    async fn post(&self, reply: serenity::CreateMessage) -> Result<(), Error> {
        retry::send_message(
            &self.data.rest,
            &self.ctx.http,
            self.message.channel_id,
            reply,
        )
        .await?;
        Ok(())
    }
}

impl ReplyTarget for InChannel<'_> {
    async fn send_text(&self, text: &str) -> Result<(), Error> {
        let reply = serenity::CreateMessage::new()
            .reference_message(reply_reference(self.message))
            .allowed_mentions(no_pings())
            .content(text);
        self.post(reply).await
    }

    async fn settle(&self, recording: Recording, _ephemeral: bool) -> Result<ReviewRecord, Error> {
        Ok(recording.finish().await)
    }

    async fn send(&self, reply: &Rendered, _ephemeral: bool) -> Result<(), Error> {
        let reply = reply
            .message()
            .reference_message(reply_reference(self.message));
        self.post(reply).await
    }

    fn http(&self) -> Arc<Http> {
        self.ctx.http.clone()
    }
}

/// A reply to `message` that is still sent, as a plain message, if the
/// question was deleted meanwhile.
fn reply_reference(message: &Message) -> serenity::MessageReference {
    let mut reference = serenity::MessageReference::from(message);
    reference.fail_if_not_exists = Some(false);
    reference
}
