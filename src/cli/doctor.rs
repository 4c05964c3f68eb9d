//! `ldnbot doctor`: the Discord side of the setup, checked with the
//! configured token before members find out: as `check` is for the local side.
//!
//! One line per check, `ok` or `FAIL` with what to do about it. Exit 0 when
//! every check passes, 1 when any fails, 2 when the config or the token is
//! missing. The token is never printed.

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::Context as _;
use poise::serenity_prelude::{
    ApplicationId, Channel, ChannelId, CurrentUser, GuildId, Http, HttpError, Member, PartialGuild,
    Permissions, RoleId,
};

use crate::bot::{application_commands, build_http, framework_options, Token};
use crate::config::Config;

/// What the bot needs wherever it answers or alerts.
const NEEDED: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::SEND_MESSAGES_IN_THREADS)
    .union(Permissions::EMBED_LINKS)
    .union(Permissions::ATTACH_FILES)
    .union(Permissions::READ_MESSAGE_HISTORY);

/// The printed result of the checks.
#[derive(Debug, Default)]
struct Report {
    failed: usize,
}

impl Report {
    fn ok(&mut self, what: &str, detail: impl AsRef<str>) {
        println!("ok    {what}: {}", detail.as_ref());
    }

    fn fail(&mut self, what: &str, problem: impl AsRef<str>, fix: impl AsRef<str>) {
        self.failed += 1;
        println!("FAIL  {what}: {} — fix: {}", problem.as_ref(), fix.as_ref());
    }
}

pub(super) fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let Some(token) = Token::from_env() else {
        eprintln!("error: DISCORD_TOKEN is not set; export DISCORD_TOKEN=<your bot token> (Developer Portal → your application → Bot)");
        return Ok(ExitCode::from(2));
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut report = Report::default();
    runtime.block_on(check_all(config, &token, &mut report));
    if report.failed == 0 {
        println!("all checks passed");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("{} check(s) failed", report.failed);
        Ok(ExitCode::from(1))
    }
}

async fn check_all(config: &Config, token: &Token, report: &mut Report) {
    let discord = &config.discord;
    let http = build_http(token, discord.api_proxy.as_deref());
    let Some(me) = check_token(&http, report).await else {
        return;
    };
    let application = check_application(&http, report).await;
    let invite = invite_url(application.map_or(me.id.get(), ApplicationId::get));

    let mut guilds = Vec::new();
    for &id in discord.guild_ids.iter().filter(|&&id| id != 0) {
        let what = format!("guild {id}");
        match http.get_guild(GuildId::new(id)).await {
            Ok(guild) => {
                report.ok(&what, format!("the bot is in {:?}", guild.name));
                guilds.push(guild);
            }
            Err(error) => report.fail(
                &what,
                format!("the bot cannot see this server ({})", describe(&error)),
                format!("invite the bot: {invite} (or remove {id} from discord.guild_ids)"),
            ),
        }
    }
    if let Some(application) = application {
        let global = discord.guild_ids.is_empty();
        check_commands(&http, application, global, &guilds, report).await;
    }

    let mut members = Vec::new();
    for guild in &guilds {
        let what = format!("permissions in guild {}", guild.id);
        match http.get_member(guild.id, me.id).await {
            Ok(member) => {
                let missing = NEEDED - guild.member_permissions(&member);
                if missing.is_empty() {
                    report.ok(&what, "the bot's roles allow everything it needs");
                } else {
                    report.fail(
                        &what,
                        format!("the bot's roles lack {}", names(missing)),
                        "Server Settings → Roles → the bot's role: allow them",
                    );
                }
                members.push((guild, member));
            }
            Err(error) => report.fail(
                &what,
                format!("cannot read the bot's member ({})", describe(&error)),
                format!("invite the bot again: {invite}"),
            ),
        }
    }
    if let Some(channel) = discord.alert_channel_id.filter(|&id| id != 0) {
        check_alert_channel(&http, channel, &members, report).await;
    }
    check_roles(&guilds, "moderator", &discord.moderator_roles, report);
    check_roles(&guilds, "admin", &discord.admin_roles, report);
}

async fn check_token(http: &Http, report: &mut Report) -> Option<CurrentUser> {
    match http.get_current_user().await {
        Ok(me) => {
            report.ok(
                "token",
                format!("valid, for the bot {} (id {})", me.name, me.id),
            );
            Some(me)
        }
        Err(error) => {
            let fix = if status_of(&error) == Some(401) {
                "the token is wrong or was reset: Developer Portal → your application → Bot → Reset Token, then set DISCORD_TOKEN to the new one"
            } else {
                "check the network, or discord.api_proxy if set"
            };
            report.fail("token", format!("refused ({})", describe(&error)), fix);
            None
        }
    }
}

/// The token's application: the commands must be registered by it.
async fn check_application(http: &Http, report: &mut Report) -> Option<ApplicationId> {
    match http.get_current_application_info().await {
        Ok(app) => {
            report.ok("application", format!("{} (id {})", app.name, app.id));
            Some(app.id)
        }
        Err(error) => {
            report.fail(
                "application",
                format!("cannot read the application ({})", describe(&error)),
                "use a bot token (not a user or OAuth2 token)",
            );
            None
        }
    }
}

/// The bot's commands, registered by this application where `serve`
/// registers them.
async fn check_commands(
    http: &Http,
    application: ApplicationId,
    global: bool,
    guilds: &[PartialGuild],
    report: &mut Report,
) {
    // Serenity's command routes need the id.
    http.set_application_id(application);
    let definitions = application_commands(&framework_options().commands, 1).unwrap_or_default();
    let wanted: BTreeSet<String> = definitions
        .iter()
        .filter_map(|command| command["name"].as_str().map(str::to_string))
        .collect();
    let missing = |registered: &[poise::serenity_prelude::Command]| -> Vec<String> {
        let have: BTreeSet<&str> = registered
            .iter()
            .filter(|c| c.application_id == application)
            .map(|c| c.name.as_str())
            .collect();
        wanted
            .iter()
            .filter(|name| !have.contains(name.as_str()))
            .cloned()
            .collect()
    };
    let fix = "start `ldnbot serve`: it registers the commands at start-up";
    let mut places: Vec<(String, Result<_, _>)> = Vec::new();
    if global {
        places.push(("commands (global)".into(), http.get_global_commands().await));
    }
    for guild in guilds {
        let place = format!("commands in guild {}", guild.id);
        places.push((place, http.get_guild_commands(guild.id).await));
    }
    for (what, registered) in places {
        match registered {
            Ok(registered) => match missing(&registered).as_slice() {
                [] => report.ok(&what, format!("{} registered", wanted.len())),
                gone => report.fail(&what, format!("not registered: {}", gone.join(", ")), fix),
            },
            Err(error) => report.fail(
                &what,
                format!("cannot list them ({})", describe(&error)),
                fix,
            ),
        }
    }
}

async fn check_alert_channel(
    http: &Http,
    channel: u64,
    members: &[(&PartialGuild, Member)],
    report: &mut Report,
) {
    let what = format!("alert channel {channel}");
    let channel = match http.get_channel(ChannelId::new(channel)).await {
        Ok(Channel::Guild(channel)) => channel,
        Ok(_) => {
            return report.fail(
                &what,
                "not a server channel",
                "set discord.alert_channel_id to a text channel of the server",
            )
        }
        Err(error) => {
            return report.fail(
                &what,
                format!("the bot cannot see it ({})", describe(&error)),
                "give the bot's role View Channel there, or fix discord.alert_channel_id",
            )
        }
    };
    let Some((guild, member)) = members.iter().find(|(g, _)| g.id == channel.guild_id) else {
        return report.fail(
            &what,
            format!(
                "it is in guild {}, which is not in discord.guild_ids",
                channel.guild_id
            ),
            "use a channel of a configured guild, or add its guild to discord.guild_ids",
        );
    };
    let missing = NEEDED - guild.user_permissions_in(&channel, member);
    if missing.is_empty() {
        report.ok(&what, format!("#{}: the bot may post alerts", channel.name));
    } else {
        report.fail(
            &what,
            format!("#{}: the bot lacks {}", channel.name, names(missing)),
            "Edit Channel → Permissions → the bot's role (or @everyone): allow them",
        );
    }
}

fn check_roles(guilds: &[PartialGuild], kind: &str, roles: &[u64], report: &mut Report) {
    for &role in roles {
        let what = format!("{kind} role {role}");
        let found = guilds.iter().find_map(|guild| {
            guild
                .roles
                .get(&RoleId::new(role.max(1)))
                .map(|r| (guild, r))
        });
        match found {
            Some((guild, found)) => report.ok(
                &what,
                format!("{:?} in guild {}", found.name, guild.id),
            ),
            None => report.fail(
                &what,
                "no configured guild has this role",
                format!(
                    "copy the role's id (Developer Mode → right-click the role → Copy Role ID) into discord.{kind}_roles"
                ),
            ),
        }
    }
}

/// Permission names joined for a line, e.g. `Send Messages, Embed Links`.
fn names(permissions: Permissions) -> String {
    permissions.get_permission_names().join(", ")
}

fn invite_url(application: u64) -> String {
    format!(
        "https://discord.com/oauth2/authorize?client_id={application}&scope=bot+applications.commands&permissions={}",
        NEEDED.bits()
    )
}

fn status_of(error: &poise::serenity_prelude::Error) -> Option<u16> {
    match error {
        poise::serenity_prelude::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
            Some(response.status_code.as_u16())
        }
        _ => None,
    }
}

/// An HTTP error as one short phrase: the status and Discord's message.
fn describe(error: &poise::serenity_prelude::Error) -> String {
    match error {
        poise::serenity_prelude::Error::Http(HttpError::UnsuccessfulRequest(response)) => format!(
            "HTTP {}: {}",
            response.status_code.as_u16(),
            response.error.message
        ),
        other => other.to_string(),
    }
}
