//! Fixed identities of the fake guild and builders for the gateway payloads a test dispatches.
//!
//! Every builder returns the `d` part of a dispatch (a `serde_json::Value`) shaped like what
//! Discord sends, with every field serenity 0.12.5 requires to deserialize it (serenity silently
//! drops events it cannot parse, so the builders are checked against serenity's model types in
//! `tests/it/fake_discord_smoke.rs`).

use serde_json::{json, Value};

/// The application id (what READY's `application.id` and interactions' `application_id` carry).
pub const APP_ID: u64 = 900_000_000_000_000_001;
/// The bot's user id.
pub const BOT_USER_ID: u64 = 900_000_000_000_000_002;
/// The bot's username.
pub const BOT_NAME: &str = "ldnbot";
/// The single guild the bot is in.
pub const GUILD_ID: u64 = 800_000_000_000_000_001;
/// The guild's text channel (`#general`).
pub const CHANNEL_ID: u64 = 800_000_000_000_000_010;
/// The role given to the bot member in the guild.
pub const BOT_ROLE_ID: u64 = 800_000_000_000_000_020;
/// A "Moderator" role (MANAGE_MESSAGES | KICK_MEMBERS | MODERATE_MEMBERS on top of the basics).
pub const MOD_ROLE_ID: u64 = 800_000_000_000_000_021;
/// An "Admin" role (ADMINISTRATOR).
pub const ADMIN_ROLE_ID: u64 = 800_000_000_000_000_022;
/// The guild owner, also the application's owner.
pub const OWNER_USER_ID: u64 = 700_000_000_000_000_001;
/// Fixed `joined_at` of every member.
pub const JOINED_AT: &str = "2024-01-01T00:00:00.000000+00:00";
/// `attachment_size_limit` sent with interactions (25 MiB, Discord's default).
pub const ATTACHMENT_SIZE_LIMIT: u64 = 25 * 1024 * 1024;

/// Discord permission bits.
pub mod perms {
    pub const KICK_MEMBERS: u64 = 1 << 1;
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const MANAGE_CHANNELS: u64 = 1 << 4;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const ADD_REACTIONS: u64 = 1 << 6;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const MANAGE_MESSAGES: u64 = 1 << 13;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const MENTION_EVERYONE: u64 = 1 << 17;
    pub const USE_EXTERNAL_EMOJIS: u64 = 1 << 18;
    pub const MANAGE_ROLES: u64 = 1 << 28;
    pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
    pub const MODERATE_MEMBERS: u64 = 1 << 40;

    /// What `@everyone` gets in the fake guild (and what `Member::plain` carries).
    pub const EVERYONE: u64 = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY;
    /// The default permissions of the bot's role.
    pub const BOT: u64 = VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | ADD_REACTIONS
        | USE_EXTERNAL_EMOJIS
        | SEND_MESSAGES_IN_THREADS
        | USE_APPLICATION_COMMANDS;
    /// The Moderator role's permissions.
    pub const MODERATOR: u64 = EVERYONE | MANAGE_MESSAGES | KICK_MEMBERS | MODERATE_MEMBERS;
    /// Every permission bit Discord currently defines (what ADMINISTRATOR resolves to).
    pub const ALL: u64 = (1 << 51) - 1;
}

/// A Discord user as the builders need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub bot: bool,
}

impl User {
    /// A human user named `user{id}`.
    pub fn new(id: u64) -> User {
        User {
            id,
            name: format!("user{id}"),
            bot: false,
        }
    }

    /// A human user with the given name.
    pub fn named(id: u64, name: &str) -> User {
        User {
            id,
            name: name.to_string(),
            bot: false,
        }
    }

    /// The bot itself.
    pub fn bot_user() -> User {
        User {
            id: BOT_USER_ID,
            name: BOT_NAME.to_string(),
            bot: true,
        }
    }

    /// The user object as Discord sends it.
    pub fn to_json(&self) -> Value {
        user_json(self.id, &self.name, self.bot)
    }
}

/// A guild member as the builders need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub user: User,
    pub roles: Vec<u64>,
    /// The member's computed permissions in the channel (sent as a string in interactions).
    pub permissions: u64,
}

impl Member {
    /// A member with no roles and basic permissions (VIEW_CHANNEL | SEND_MESSAGES |
    /// READ_MESSAGE_HISTORY, i.e. `@everyone`'s).
    pub fn plain(id: u64) -> Member {
        Member {
            user: User::new(id),
            roles: vec![],
            permissions: perms::EVERYONE,
        }
    }

    /// A member with the Moderator role.
    pub fn moderator(id: u64) -> Member {
        Member {
            user: User::new(id),
            roles: vec![MOD_ROLE_ID],
            permissions: perms::MODERATOR,
        }
    }

    /// A member with the Admin role (ADMINISTRATOR, so every permission).
    pub fn admin(id: u64) -> Member {
        Member {
            user: User::new(id),
            roles: vec![ADMIN_ROLE_ID],
            permissions: perms::ALL,
        }
    }

    /// The guild owner (every permission, no roles).
    pub fn owner() -> Member {
        Member {
            user: User::named(OWNER_USER_ID, "owner"),
            roles: vec![],
            permissions: perms::ALL,
        }
    }

    /// The member object as sent inside an interaction (with `user` and `permissions`).
    pub fn to_interaction_json(&self) -> Value {
        let mut m = self.to_guild_json();
        m["permissions"] = json!(self.permissions.to_string());
        m
    }

    /// The member object as listed in GUILD_CREATE (with `user`, without `permissions`).
    pub fn to_guild_json(&self) -> Value {
        json!({
            "user": self.user.to_json(),
            "nick": null,
            "avatar": null,
            "banner": null,
            "roles": self.roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
            "joined_at": JOINED_AT,
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "communication_disabled_until": null,
        })
    }

    /// The partial member attached to a guild MESSAGE_CREATE (no `user`).
    pub fn to_message_member_json(&self) -> Value {
        let mut m = self.to_guild_json();
        m.as_object_mut().expect("object").remove("user");
        m
    }
}

/// A user object as Discord sends it.
pub fn user_json(id: u64, name: &str, bot: bool) -> Value {
    let mut u = json!({
        "id": id.to_string(),
        "username": name,
        "discriminator": "0",
        "global_name": if bot { Value::Null } else { json!(name) },
        "avatar": null,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
        "avatar_decoration_data": null,
    });
    if bot {
        u["bot"] = json!(true);
    }
    u
}

/// The bot's user object (what `GET /users/@me` and READY's `user` return).
pub fn bot_user_json() -> Value {
    let mut u = user_json(BOT_USER_ID, BOT_NAME, true);
    u["verified"] = json!(true);
    u["mfa_enabled"] = json!(false);
    u["email"] = Value::Null;
    u["locale"] = json!("en-US");
    u
}

/// The id of the DM channel between the bot and `user_id` (stable, also returned by
/// `POST /users/@me/channels`).
pub fn dm_channel_id(user_id: u64) -> u64 {
    600_000_000_000_000_000 + user_id % 100_000_000_000_000_000
}

/// The DM channel object between the bot and `user`.
pub fn dm_channel_json(user: &User) -> Value {
    json!({
        "id": dm_channel_id(user.id).to_string(),
        "type": 1,
        "last_message_id": null,
        "flags": 0,
        "recipients": [user.to_json()],
    })
}

/// The guild's text channel object.
pub fn text_channel_json() -> Value {
    json!({
        "id": CHANNEL_ID.to_string(),
        "type": 0,
        "guild_id": GUILD_ID.to_string(),
        "name": "general",
        "position": 0,
        "flags": 0,
        "parent_id": null,
        "topic": "General chat",
        "nsfw": false,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "permission_overwrites": [],
    })
}

/// A role object.
pub fn role_json(id: u64, name: &str, permissions: u64, position: u64, managed: bool) -> Value {
    let mut r = json!({
        "id": id.to_string(),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": position,
        "permissions": permissions.to_string(),
        "managed": managed,
        "mentionable": false,
        "flags": 0,
    });
    if managed {
        r["tags"] = json!({"bot_id": BOT_USER_ID.to_string()});
    }
    r
}

/// All roles of the fake guild, with the bot's role carrying `bot_permissions`.
pub fn guild_roles_json(bot_permissions: u64) -> Value {
    json!([
        role_json(GUILD_ID, "@everyone", perms::EVERYONE, 0, false),
        role_json(BOT_ROLE_ID, BOT_NAME, bot_permissions, 1, true),
        role_json(MOD_ROLE_ID, "Moderator", perms::MODERATOR, 2, false),
        role_json(ADMIN_ROLE_ID, "Admin", perms::ADMINISTRATOR, 3, false),
    ])
}

/// The bot's own guild member.
pub fn bot_member() -> Member {
    Member {
        user: User::bot_user(),
        roles: vec![BOT_ROLE_ID],
        permissions: perms::BOT | perms::EVERYONE,
    }
}

/// The full GUILD_CREATE payload of the fake guild. `extra_members` are listed next to the bot
/// and the owner.
pub fn guild_create(bot_permissions: u64, extra_members: &[Member]) -> Value {
    let mut members = vec![
        bot_member().to_guild_json(),
        Member::owner().to_guild_json(),
    ];
    members.extend(extra_members.iter().map(Member::to_guild_json));
    let member_count = members.len();
    let mut g = guild_base_json(bot_permissions);
    let obj = g.as_object_mut().expect("object");
    for (k, v) in [
        ("joined_at", json!(JOINED_AT)),
        ("large", json!(false)),
        ("unavailable", json!(false)),
        ("member_count", json!(member_count)),
        ("voice_states", json!([])),
        ("members", json!(members)),
        ("channels", json!([text_channel_json()])),
        ("threads", json!([])),
        ("presences", json!([])),
        ("stage_instances", json!([])),
        ("guild_scheduled_events", json!([])),
        ("soundboard_sounds", json!([])),
    ] {
        obj.insert(k.to_string(), v);
    }
    g
}

/// The guild object as `GET /guilds/{id}` returns it.
pub fn guild_base_json(bot_permissions: u64) -> Value {
    json!({
        "id": GUILD_ID.to_string(),
        "name": "LDN Test Guild",
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": OWNER_USER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": guild_roles_json(bot_permissions),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": CHANNEL_ID.to_string(),
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
        "home_header": null,
        "region": "deprecated",
        "nsfw": false,
    })
}

/// READY's `d`.
pub fn ready(session_id: &str, resume_gateway_url: &str, shard: Option<Value>) -> Value {
    let mut r = json!({
        "v": 10,
        "user": bot_user_json(),
        "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
        "session_id": session_id,
        "session_type": "normal",
        "resume_gateway_url": resume_gateway_url,
        "application": {"id": APP_ID.to_string(), "flags": 0},
        "private_channels": [],
        "presences": [],
        "relationships": [],
        "user_settings": {},
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": [],
        "auth": {},
        "_trace": ["[\"fake-discord\"]"],
    });
    if let Some(shard) = shard {
        r["shard"] = shard;
    }
    r
}

/// A stable fake command id for a command name.
pub fn command_id(name: &str) -> u64 {
    // FNV-1a, folded into a plausible snowflake range.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    1_000_000_000_000_000_000 + h % 100_000_000_000_000_000
}

/// The interaction token the builders use for `interaction_id`.
pub fn interaction_token(interaction_id: u64) -> String {
    format!("tok-{interaction_id}")
}

fn interaction_base(interaction_id: u64, kind: u8, member: &Member, data: Value) -> Value {
    json!({
        "id": interaction_id.to_string(),
        "application_id": APP_ID.to_string(),
        "type": kind,
        "data": data,
        "guild": {"id": GUILD_ID.to_string(), "locale": "en-US", "features": []},
        "guild_id": GUILD_ID.to_string(),
        "channel": {
            "id": CHANNEL_ID.to_string(),
            "type": 0,
            "name": "general",
            "guild_id": GUILD_ID.to_string(),
            "permissions": member.permissions.to_string(),
            "flags": 0,
            "position": 0,
            "parent_id": null,
            "topic": "General chat",
            "nsfw": false,
            "last_message_id": null,
            "rate_limit_per_user": 0,
        },
        "channel_id": CHANNEL_ID.to_string(),
        "member": member.to_interaction_json(),
        "token": interaction_token(interaction_id),
        "version": 1,
        "app_permissions": (perms::BOT | perms::EVERYONE).to_string(),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": GUILD_ID.to_string()},
        "context": 0,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    })
}

fn command_data(name: &str, kind: u8, options: Value) -> Value {
    let options = if options.is_null() {
        json!([])
    } else {
        options
    };
    json!({
        "id": command_id(name).to_string(),
        "name": name,
        "type": kind,
        "options": options,
        "guild_id": null,
    })
}

/// An interaction as sent by a member whose Discord client uses `locale`
/// (Discord sends it on every interaction; the builders use "en-US").
pub fn with_locale(mut interaction: Value, locale: &str) -> Value {
    interaction["locale"] = json!(locale);
    interaction
}

/// INTERACTION_CREATE for a slash command (`type` 2, `data.type` 1) used in the guild channel.
/// `options` is the array of options as Discord sends them (see [`opt_str`], [`opt_sub`], ...);
/// `Value::Null` means no options.
pub fn slash_command(interaction_id: u64, name: &str, options: Value, member: Member) -> Value {
    let mut data = command_data(name, 1, options);
    data.as_object_mut().expect("object").remove("guild_id");
    interaction_base(interaction_id, 2, &member, data)
}

/// INTERACTION_CREATE for an autocomplete request (`type` 4); mark the focused option with
/// [`opt_focused`].
pub fn autocomplete(interaction_id: u64, name: &str, options: Value, member: Member) -> Value {
    let mut data = command_data(name, 1, options);
    data.as_object_mut().expect("object").remove("guild_id");
    interaction_base(interaction_id, 4, &member, data)
}

/// INTERACTION_CREATE for a message context-menu command (`data.type` 3) on `target_message`
/// (a full message object, e.g. from [`message_json`]).
pub fn message_context_menu(
    interaction_id: u64,
    name: &str,
    target_message: Value,
    member: Member,
) -> Value {
    let target_id = target_message["id"].clone();
    let key = target_id
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| target_id.to_string());
    let data = json!({
        "id": command_id(name).to_string(),
        "name": name,
        "type": 3,
        "target_id": target_id,
        "resolved": {"messages": {key: target_message}},
    });
    interaction_base(interaction_id, 2, &member, data)
}

/// INTERACTION_CREATE for a button click (`type` 3) on a message the bot sent in the guild
/// channel that carries a button with `custom_id`.
pub fn button_click(interaction_id: u64, custom_id: &str, member: Member) -> Value {
    let mut message = message_json(
        interaction_id.wrapping_sub(1),
        CHANNEL_ID,
        Some(GUILD_ID),
        &User::bot_user(),
        "",
    );
    message["components"] = json!([{
        "type": 1,
        "id": 1,
        "components": [{"type": 2, "id": 2, "style": 1, "label": "Button", "custom_id": custom_id}],
    }]);
    message["application_id"] = json!(APP_ID.to_string());
    button_click_on(interaction_id, custom_id, member, message)
}

/// Like [`button_click`] but on a given message object (e.g. the one the fake returned when the
/// bot sent it, see `FakeDiscord::message`).
pub fn button_click_on(
    interaction_id: u64,
    custom_id: &str,
    member: Member,
    message: Value,
) -> Value {
    let data = json!({"custom_id": custom_id, "component_type": 2});
    let mut i = interaction_base(interaction_id, 3, &member, data);
    i["message"] = message;
    i
}

/// INTERACTION_CREATE for a string-select choice (`type` 3, `component_type` 3).
pub fn select_menu(
    interaction_id: u64,
    custom_id: &str,
    values: &[&str],
    member: Member,
    message: Value,
) -> Value {
    let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
    let mut i = interaction_base(interaction_id, 3, &member, data);
    i["message"] = message;
    i
}

/// INTERACTION_CREATE for a modal submit (`type` 5). `components` are the action rows with
/// text inputs as Discord sends them (see [`modal_text_input`]).
pub fn modal_submit(
    interaction_id: u64,
    custom_id: &str,
    components: Value,
    member: Member,
) -> Value {
    let data = json!({"custom_id": custom_id, "components": components});
    interaction_base(interaction_id, 5, &member, data)
}

/// An action row with one submitted text input, for [`modal_submit`].
pub fn modal_text_input(custom_id: &str, value: &str) -> Value {
    json!({"type": 1, "components": [{"type": 4, "custom_id": custom_id, "value": value}]})
}

/// A full message object (as Discord sends in MESSAGE_CREATE or REST), without `member`.
pub fn message_json(
    message_id: u64,
    channel_id: u64,
    guild_id: Option<u64>,
    author: &User,
    content: &str,
) -> Value {
    let mut m = json!({
        "id": message_id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author.to_json(),
        "content": content,
        "timestamp": now_timestamp(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    });
    if let Some(g) = guild_id {
        m["guild_id"] = json!(g.to_string());
    }
    m
}

/// MESSAGE_CREATE in the guild channel from `author` (a member with no roles). With
/// `mentions_bot`, the content is prefixed with `<@BOT_USER_ID> ` and `mentions` lists the bot.
pub fn guild_message(message_id: u64, author: User, content: &str, mentions_bot: bool) -> Value {
    let content = if mentions_bot {
        format!("<@{BOT_USER_ID}> {content}")
    } else {
        content.to_string()
    };
    let member = Member {
        user: author.clone(),
        roles: vec![],
        permissions: perms::EVERYONE,
    };
    guild_message_from(message_id, &member, &content, mentions_bot)
}

/// MESSAGE_CREATE in the guild channel from a given member; `content` is sent verbatim.
pub fn guild_message_from(
    message_id: u64,
    member: &Member,
    content: &str,
    mentions_bot: bool,
) -> Value {
    let mut m = message_json(
        message_id,
        CHANNEL_ID,
        Some(GUILD_ID),
        &member.user,
        content,
    );
    m["member"] = member.to_message_member_json();
    if mentions_bot {
        let mut bot = bot_user_json();
        bot["member"] = bot_member().to_message_member_json();
        m["mentions"] = json!([bot]);
    }
    m
}

/// MESSAGE_CREATE in the DM channel between `author` and the bot (no `guild_id`).
pub fn dm_message(message_id: u64, author: User, content: &str) -> Value {
    message_json(message_id, dm_channel_id(author.id), None, &author, content)
}

/// A string option.
pub fn opt_str(name: &str, value: &str) -> Value {
    json!({"name": name, "type": 3, "value": value})
}

/// An integer option.
pub fn opt_int(name: &str, value: i64) -> Value {
    json!({"name": name, "type": 4, "value": value})
}

/// A boolean option.
pub fn opt_bool(name: &str, value: bool) -> Value {
    json!({"name": name, "type": 5, "value": value})
}

/// The focused (partially typed) string option of an autocomplete interaction.
pub fn opt_focused(name: &str, partial: &str) -> Value {
    json!({"name": name, "type": 3, "value": partial, "focused": true})
}

/// A subcommand (`type` 1) with its options.
pub fn opt_sub(name: &str, options: Value) -> Value {
    let options = if options.is_null() {
        json!([])
    } else {
        options
    };
    json!({"name": name, "type": 1, "options": options})
}

/// A subcommand group (`type` 2) holding subcommands.
pub fn opt_group(name: &str, subcommands: Value) -> Value {
    json!({"name": name, "type": 2, "options": subcommands})
}

/// The current time as a Discord timestamp string.
pub fn now_timestamp() -> String {
    serenity::model::Timestamp::now().to_string()
}
