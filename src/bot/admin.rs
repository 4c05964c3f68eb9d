//! Admins' command: /reload, which rebuilds the knowledge base from disk and
//! swaps it in, or reports why it could not and changes nothing.

use crate::reload::{ReloadError, Trigger};

use super::checks;
use super::discord::{code_block_reply, text_reply};
use super::retry;
use super::{Context, Error};

/// Reload the knowledge base from its files
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    check = "checks::admin"
)]
pub async fn reload(ctx: Context<'_>) -> Result<(), Error> {
    // A reload reads and indexes every file: more than Discord's 3 seconds, at times.
    retry::defer_ephemeral(ctx).await?;
    match ctx.data().live.reload(Trigger::Command).await {
        Ok(report) => {
            retry::reply(
                ctx,
                code_block_reply("Knowledge base reloaded", &report.to_string(), None),
            )
            .await?;
        }
        Err(ReloadError::Busy) => {
            retry::reply(
                ctx,
                text_reply("A reload is already running. Try again in a moment.", true),
            )
            .await?;
        }
        Err(error) => {
            retry::reply(
                ctx,
                code_block_reply(
                    "Reload failed: the knowledge base is unchanged",
                    &error.to_string(),
                    Some(
                        "Fix the file and run /reload again; `ldnbot check` shows the same errors.",
                    ),
                ),
            )
            .await?;
        }
    }
    Ok(())
}
