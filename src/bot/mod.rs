//! The Discord adapter: poise commands and serenity events over the answer engine.
//!
//! Imports run one way: entry points → the pipeline → rendering → leaves.
//!
//! - entry points: `commands` (/ask with autocomplete, /topics, the "Answer with
//!   ldnbot" context menu), `events` (mentions, DMs, connection state),
//!   `feedback` (button clicks and the [`Feedback`] sink), `moderation`
//!   (/unanswered, /stats), `admin` (/reload);
//! - `ask`: the one pipeline every question goes through;
//! - `render`: answers as embeds;
//! - leaves: `discord` (limits, `no_pings`, reply builders), `buttons` (the
//!   custom-id wire format, [`Verdict`]), `checks` (who may use what),
//!   `cooldown` (the per-member question limit).
//!
//! Every message the bot sends allows no mentions (`discord::no_pings`), set
//! in poise's options and on everything sent outside poise.

mod admin;
mod ask;
mod buttons;
mod checks;
mod commands;
mod cooldown;
mod discord;
mod events;
mod feedback;
mod moderation;
mod privacy;
mod render;
mod rest;
mod retry;
mod teach;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use poise::serenity_prelude::{ClientBuilder, GatewayIntents, GuildId, Http, HttpBuilder};

use crate::config::{Config, DiscordConfig, SafetyConfig};
use crate::reload::LiveEngine;
use crate::review::{now_unix, ReviewLog};
use crate::server::Telemetry;

pub use buttons::{custom_id, parse_custom_id, FeedbackButton, PassageRef, Verdict};
pub use cooldown::Cooldowns;
pub use discord::{escape_markdown, unescape_markdown};
pub use feedback::{Feedback, FeedbackClick, LogFeedback, ReviewFeedback};
pub use rest::Rest;
pub use retry::undelivered_replies;

/// The bot token. Only `expose` reveals it; `Debug` and `Display` never do.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    /// Reads `DISCORD_TOKEN`; `None` when it is unset or blank.
    pub fn from_env() -> Option<Token> {
        std::env::var("DISCORD_TOKEN")
            .ok()
            .map(|token| token.trim().to_string())
            .filter(|token| !token.is_empty())
            .map(Token)
    }

    pub fn new(token: impl Into<String>) -> Token {
        Token(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// What every command and event handler shares.
pub struct Data {
    pub live: Arc<LiveEngine>,
    pub discord: DiscordConfig,
    /// Helplines per locale and what the moderators' alert may say.
    pub safety: SafetyConfig,
    pub review: ReviewLog,
    pub cooldowns: Cooldowns,
    pub feedback: Arc<dyn Feedback>,
    /// Answers not yet counted in the review log, for /stats.
    pub answered: Arc<ask::AnsweredTally>,
    /// Health, readiness and metrics.
    pub telemetry: Arc<Telemetry>,
    /// Where replies go behind `api_proxy`.
    pub rest: Rest,
}

impl Data {
    pub fn new(
        live: Arc<LiveEngine>,
        discord: DiscordConfig,
        safety: SafetyConfig,
        review: ReviewLog,
    ) -> Data {
        Data {
            cooldowns: Cooldowns::new(
                discord.cooldown_questions,
                Duration::from_secs(discord.cooldown_seconds),
            ),
            feedback: Arc::new(ReviewFeedback::new(review.clone())),
            answered: Arc::default(),
            telemetry: live.telemetry(),
            rest: Rest::new(discord.api_proxy.as_deref()),
            live,
            discord,
            safety,
            review,
        }
    }
}

pub type Error = anyhow::Error;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// Said when something failed; the details go to the log, not to the member.
pub const SOMETHING_WENT_WRONG: &str = "Sorry, something went wrong. Please try again in a moment.";

/// How long shutdown waits for the shards to close before returning anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// How often rows past `review.retention_days` are deleted (also at start-up,
/// by [`ReviewLog::open`]).
const RETENTION_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// Messages in servers that mention the bot and DMs carry their content
/// without the privileged MESSAGE_CONTENT intent, so none is needed.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES
}

/// Runs the bot until `shutdown` completes, then stops the shards and returns.
pub async fn serve(
    config: Config,
    token: Token,
    live: Arc<LiveEngine>,
    review: ReviewLog,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let discord = config.discord;
    let http = build_http(&token, discord.api_proxy.as_deref());
    let data = Data::new(live, discord, config.safety, review.clone());
    let answered = Arc::clone(&data.answered);
    let telemetry = Arc::clone(&data.telemetry);
    let framework = poise::Framework::builder()
        .options(framework_options())
        .setup(move |ctx, _ready, framework| {
            Box::pin(async move {
                // In the background: events wait for this setup to finish, and
                // a slow registration must not hold up mentions and DMs.
                match application_commands(
                    &framework.options().commands,
                    data.discord.question_max_len,
                ) {
                    Ok(definitions) => {
                        let http = Arc::clone(&ctx.http);
                        let guilds = data.discord.guild_ids.clone();
                        let telemetry = Arc::clone(&data.telemetry);
                        tokio::spawn(async move {
                            if register_commands(&http, &definitions, &guilds).await {
                                telemetry.commands_registered();
                            }
                        });
                    }
                    Err(error) => tracing::error!(%error, "cannot build the command definitions"),
                }
                Ok(data)
            })
        })
        .build();
    let mut client = ClientBuilder::new_with_http(http, intents())
        .framework(framework)
        .event_handler(crate::server::GatewayWatch(Arc::clone(&telemetry)))
        .await
        .context("cannot set up the Discord client")?;
    let shard_manager = client.shard_manager.clone();
    telemetry.watch_shards(Arc::clone(&shard_manager));
    let retention = tokio::spawn(purge_daily(review.clone()));
    let counting = tokio::spawn(flush_answered_periodically(
        Arc::clone(&answered),
        review.clone(),
    ));
    let mut running = tokio::spawn(async move { client.start().await });

    let outcome = tokio::select! {
        () = shutdown => {
            telemetry.stopping();
            tracing::info!("shutting down: closing the Discord connection");
            if tokio::time::timeout(SHUTDOWN_GRACE, shard_manager.shutdown_all()).await.is_err() {
                tracing::warn!("the shards did not stop in time");
            }
            if tokio::time::timeout(SHUTDOWN_GRACE, &mut running).await.is_err() {
                running.abort();
            }
            Ok(())
        }
        joined = &mut running => match joined {
            // Stopping unasked is a failure, so that a supervisor restarts the bot.
            Ok(Ok(())) => Err(anyhow::anyhow!("the Discord client stopped unexpectedly")),
            Ok(Err(error)) => Err(error).context("the Discord connection failed"),
            Err(error) => Err(anyhow::anyhow!("the Discord client stopped unexpectedly: {error}")),
        },
    };
    retention.abort();
    counting.abort();
    // Count the last answers; a slow disk does not hold up the exit for long.
    let last_count = tokio::task::spawn_blocking(move || {
        answered.flush(&review);
        // The database file alone then holds every row.
        if let Err(error) = review.checkpoint() {
            tracing::warn!(%error, "could not checkpoint the review log");
        }
    });
    if tokio::time::timeout(SHUTDOWN_GRACE, last_count)
        .await
        .is_err()
    {
        tracing::warn!("the last answered questions were not counted in time");
    }
    outcome
}

async fn flush_answered_periodically(answered: Arc<ask::AnsweredTally>, review: ReviewLog) {
    let mut every = tokio::time::interval(ask::FLUSH_ANSWERED_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let (answered, review) = (Arc::clone(&answered), review.clone());
        if let Err(error) = tokio::task::spawn_blocking(move || answered.flush(&review)).await {
            tracing::error!(%error, "counting answered questions stopped unexpectedly");
        }
    }
}

/// REST goes to `api_proxy` when set; the proxy then owns rate limits, and
/// serenity's own limiter must be off because it ignores the proxy.
pub(crate) fn build_http(token: &Token, api_proxy: Option<&str>) -> Http {
    let builder = HttpBuilder::new(token.expose()).default_allowed_mentions(discord::no_pings());
    match api_proxy {
        Some(proxy) => builder
            .proxy(proxy.trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build(),
        None => builder.build(),
    }
}

/// Every command, with poise's options set for a bot that never pings and has
/// no prefix commands.
pub fn framework_options() -> poise::FrameworkOptions<Data, Error> {
    poise::FrameworkOptions {
        commands: vec![
            commands::ask(),
            commands::topics(),
            commands::answer_message(),
            moderation::unanswered(),
            moderation::stats(),
            admin::reload(),
            privacy::forget_me(),
            privacy::privacy(),
        ],
        command_check: Some(|ctx| Box::pin(retry::record_arrival(ctx))),
        on_error: |error| Box::pin(on_error(error)),
        event_handler: |framework, event| Box::pin(events::handle(framework, event)),
        allowed_mentions: Some(discord::no_pings()),
        // Mentions are questions, not commands.
        prefix_options: poise::PrefixFrameworkOptions {
            mention_as_prefix: false,
            ignore_bots: true,
            ..Default::default()
        },
        // The N-per-window limit is ours (`cooldown`); no owner-only commands.
        manual_cooldowns: true,
        initialize_owners: false,
        ..Default::default()
    }
}

/// The commands as registered: poise's definitions, with the question
/// option's `max_length` set from the config (`#[max_length]` takes only a literal).
pub fn application_commands(
    commands: &[poise::Command<Data, Error>],
    question_max_len: usize,
) -> Result<Vec<serde_json::Value>, serde_json::Error> {
    poise::builtins::create_application_commands(commands)
        .iter()
        .map(|command| {
            let mut json = serde_json::to_value(command)?;
            if json["name"] == "ask" {
                if let Some(options) = json["options"].as_array_mut() {
                    for option in options {
                        if option["name"] == commands::QUESTION_OPTION {
                            option["max_length"] = serde_json::json!(question_max_len);
                        }
                    }
                }
            }
            Ok(json)
        })
        .collect()
}

/// Registers the commands in each configured guild (instant), or globally
/// (can take a while to show) when none is configured. A failure is logged:
/// the bot still answers mentions and DMs, and commands registered before work.
/// Returns whether every registration succeeded.
async fn register_commands(
    http: &Http,
    definitions: &[serde_json::Value],
    guild_ids: &[u64],
) -> bool {
    // Snowflakes are never 0; `GuildId::new(0)` would panic.
    let guilds: Vec<GuildId> = guild_ids
        .iter()
        .filter(|&&id| id != 0)
        .map(|&id| GuildId::new(id))
        .collect();
    if guilds.is_empty() {
        match http.create_global_commands(&definitions).await {
            Ok(registered) => {
                tracing::info!(
                    commands = registered.len(),
                    "registered the commands globally"
                );
                return true;
            }
            Err(error) => tracing::error!(%error, "cannot register the commands globally"),
        }
        return false;
    }
    let mut all = true;
    for guild in guilds {
        match http.create_guild_commands(guild, &definitions).await {
            Ok(registered) => tracing::info!(
                guild = guild.get(),
                commands = registered.len(),
                "registered the commands"
            ),
            Err(error) => {
                all = false;
                tracing::error!(guild = guild.get(), %error, "cannot register the commands")
            }
        }
    }
    all
}

/// The one error handler: logs the error and answers politely, so that no
/// interaction is left without a reply.
async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    use poise::FrameworkError as E;
    match error {
        E::Setup { error, .. } => tracing::error!(error = format!("{error:#}"), "setup failed"),
        E::Command { error, ctx, .. } => {
            tracing::error!(
                command = %ctx.command().qualified_name,
                error = format!("{error:#}"),
                "command failed"
            );
            apologise(ctx).await;
        }
        E::CommandPanic { payload, ctx, .. } => {
            tracing::error!(
                command = %ctx.command().qualified_name,
                payload = payload.as_deref().unwrap_or("(no message)"),
                "command panicked"
            );
            apologise(ctx).await;
        }
        E::ArgumentParse { error, ctx, .. } => {
            tracing::warn!(
                command = %ctx.command().qualified_name,
                %error,
                "could not read the command's options"
            );
            reply_ephemeral(ctx, "Sorry, I couldn't read that command's options.").await;
        }
        // The check already told the member; nothing more to say.
        E::CommandCheckFailed { error: None, .. } => {}
        E::CommandCheckFailed {
            error: Some(error),
            ctx,
            ..
        } => {
            tracing::error!(error = format!("{error:#}"), "permission check failed");
            apologise(ctx).await;
        }
        E::GuildOnly { ctx, .. } => {
            reply_ephemeral(ctx, "This command only works in a server.").await;
        }
        E::EventHandler { error, event, .. } => tracing::error!(
            event = event.snake_case_name(),
            error = format!("{error:#}"),
            "event handler failed"
        ),
        E::UnknownInteraction { interaction, .. } => tracing::warn!(
            command = %interaction.data.name,
            "an interaction for a command this bot does not have"
        ),
        other => {
            if let Err(error) = poise::builtins::on_error(other).await {
                tracing::error!(%error, "error while handling an error");
            }
        }
    }
}

async fn apologise(ctx: Context<'_>) {
    reply_ephemeral(ctx, SOMETHING_WENT_WRONG).await;
}

async fn reply_ephemeral(ctx: Context<'_>, text: &str) {
    if let Err(error) = retry::reply(ctx, discord::text_reply(text, true)).await {
        tracing::warn!(%error, "could not send the error reply");
    }
}

/// Deletes review items past retention once a day.
async fn purge_daily(review: ReviewLog) {
    let mut every_day = tokio::time::interval(RETENTION_EVERY);
    every_day.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick is now, and opening the log has just purged.
    every_day.tick().await;
    loop {
        every_day.tick().await;
        let review = review.clone();
        match tokio::task::spawn_blocking(move || review.purge_expired(now_unix())).await {
            Ok(Ok(_)) => {}
            Ok(Err(error)) => tracing::error!(%error, "retention purge failed"),
            Err(error) => tracing::error!(%error, "retention purge stopped unexpectedly"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::{NewEntry, Reason, ReviewSettings, Source};

    /// The daily purge, on tokio's paused clock: a row that expires after
    /// start-up is gone after the next day's tick, not before.
    #[tokio::test(start_paused = true)]
    async fn retention_runs_again_every_day() {
        let dir = tempfile::tempdir().expect("temp dir");
        let settings = ReviewSettings {
            store_user_ids: false,
            question_max_len: 1_000,
            retention_days: 30,
        };
        let review = ReviewLog::open(&dir.path().join("review.sqlite3"), settings).expect("open");
        // Recorded after opening (which purged): only a later purge removes it.
        let entry = NewEntry {
            question: "expired by now",
            reason: Reason::NoMatch,
            passage_id: None,
            score: None,
            gap: None,
            source: Source::Slash,
            guild_id: None,
            channel_id: None,
            user_id: None,
        };
        let id = review
            .record_at(&entry, now_unix() - 31 * 86_400)
            .expect("record");
        let purging = tokio::spawn(purge_daily(review.clone()));

        tokio::time::sleep(RETENTION_EVERY / 2).await;
        assert!(
            review.entry(id).expect("read").is_some(),
            "not before a day"
        );

        tokio::time::sleep(RETENTION_EVERY / 2 + Duration::from_secs(1)).await;
        // The purge runs on a blocking thread; give it real time to finish.
        let mut gone = false;
        for _ in 0..500 {
            if review.entry(id).expect("read").is_none() {
                gone = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(gone, "purged on the daily tick");
        purging.abort();
    }
}
