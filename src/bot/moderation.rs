//! Moderators' commands: /unanswered list | resolve | dismiss | export, and /stats.
//!
//! Server-only and ephemeral: the review log holds members' health questions.
//! All database work runs on tokio's blocking pool.

use poise::serenity_prelude::CreateAttachment;

use crate::review::{
    self, now_unix, render_groups_text, render_stats_text, ExportFormat, ReviewLog, Status,
    StatusFilter,
};

use super::checks;
use super::discord::{code_block_reply, no_pings, text_reply};
use super::retry;
use super::teach::{gap, link};
use super::{Context, Error};

/// How many question groups /unanswered list shows unless asked otherwise.
const DEFAULT_LIST_LIMIT: u32 = 10;

/// The statuses a moderator can filter by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum StatusChoice {
    #[name = "open"]
    Open,
    #[name = "resolved"]
    Resolved,
    #[name = "dismissed"]
    Dismissed,
    #[name = "all"]
    All,
}

impl StatusChoice {
    fn filter(self) -> StatusFilter {
        match self {
            StatusChoice::Open => StatusFilter::Only(Status::Open),
            StatusChoice::Resolved => StatusFilter::Only(Status::Resolved),
            StatusChoice::Dismissed => StatusFilter::Only(Status::Dismissed),
            StatusChoice::All => StatusFilter::All,
        }
    }
}

/// Review the questions the bot could not answer
#[poise::command(
    slash_command,
    guild_only,
    subcommands("list", "resolve", "dismiss", "export", "link", "gap"),
    subcommand_required,
    default_member_permissions = "MANAGE_MESSAGES",
    check = "checks::moderator"
)]
pub async fn unanswered(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// List questions to review, grouped, newest first
#[poise::command(slash_command, guild_only)]
async fn list(
    ctx: Context<'_>,
    #[description = "Which items to show (default: open)"] status: Option<StatusChoice>,
    #[description = "How many groups to show (default: 10)"]
    #[min = 1]
    #[max = 50]
    limit: Option<u32>,
) -> Result<(), Error> {
    let filter = status.map_or(StatusFilter::default(), StatusChoice::filter);
    let limit = limit.unwrap_or(DEFAULT_LIST_LIMIT) as usize;
    retry::defer_ephemeral(ctx).await?;
    let groups = blocking(&ctx, move |log| log.list(filter, limit)).await??;
    let title = format!("Unanswered questions ({filter})");
    let footer =
        "Resolve with /unanswered resolve id:<id>, or export everything with /unanswered export.";
    retry::reply(
        ctx,
        code_block_reply(&title, &render_groups_text(&groups), Some(footer)),
    )
    .await?;
    Ok(())
}

/// Mark a question (and every open asking of it) as resolved
#[poise::command(slash_command, guild_only)]
async fn resolve(
    ctx: Context<'_>,
    #[description = "The id shown by /unanswered list"]
    #[min = 1]
    id: i64,
    #[description = "A note for other moderators"]
    #[max_length = 500]
    note: Option<String>,
) -> Result<(), Error> {
    set_status(ctx, id, Status::Resolved, note).await
}

/// Dismiss a question (and every open asking of it)
#[poise::command(slash_command, guild_only)]
async fn dismiss(
    ctx: Context<'_>,
    #[description = "The id shown by /unanswered list"]
    #[min = 1]
    id: i64,
    #[description = "A note for other moderators"]
    #[max_length = 500]
    note: Option<String>,
) -> Result<(), Error> {
    set_status(ctx, id, Status::Dismissed, note).await
}

/// Export questions to review as a CSV file
#[poise::command(slash_command, guild_only)]
async fn export(
    ctx: Context<'_>,
    #[description = "Which items to export (default: open)"] status: Option<StatusChoice>,
) -> Result<(), Error> {
    let filter = status.map_or(StatusFilter::default(), StatusChoice::filter);
    retry::defer_ephemeral(ctx).await?;
    let (count, csv) = blocking(&ctx, move |log| {
        let mut csv = Vec::new();
        log.export(filter, ExportFormat::Csv, &mut csv)
            .map(|count| (count, csv))
    })
    .await??;
    let reply = poise::CreateReply::default()
        .content(format!("{count} item(s), status {filter}."))
        .attachment(CreateAttachment::bytes(
            csv,
            format!("unanswered-{filter}.csv"),
        ))
        .ephemeral(true)
        .allowed_mentions(no_pings());
    retry::reply(ctx, reply).await?;
    Ok(())
}

/// Show how often the bot answered, abstained and was marked unhelpful
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_MESSAGES",
    check = "checks::moderator"
)]
pub async fn stats(ctx: Context<'_>) -> Result<(), Error> {
    retry::defer_ephemeral(ctx).await?;
    let stats = blocking(&ctx, |log| log.stats(now_unix())).await??;
    retry::reply(
        ctx,
        code_block_reply(
            "ldnbot statistics",
            &render_stats_text(&stats),
            Some("24 hours and 7 days are counted in whole UTC hours."),
        ),
    )
    .await?;
    Ok(())
}

async fn set_status(
    ctx: Context<'_>,
    id: i64,
    status: Status,
    note: Option<String>,
) -> Result<(), Error> {
    let author = ctx.author();
    let by = format!("{} (discord {})", author.name, author.id);
    let changed = blocking(&ctx, move |log| {
        log.update_status(id, status, &by, note.as_deref())
    })
    .await??;
    let text = match changed {
        Some(n) => format!("Item #{id} is now {status} ({n} item(s) changed)."),
        None => format!("There is no item #{id}. Check the ids with /unanswered list."),
    };
    retry::reply(ctx, text_reply(&text, true)).await?;
    Ok(())
}

/// Runs `work` on the review log off the async runtime.
async fn blocking<T: Send + 'static>(
    ctx: &Context<'_>,
    work: impl FnOnce(&ReviewLog) -> Result<T, review::ReviewError> + Send + 'static,
) -> Result<Result<T, review::ReviewError>, tokio::task::JoinError> {
    let log = ctx.data().review.clone();
    tokio::task::spawn_blocking(move || work(&log)).await
}
