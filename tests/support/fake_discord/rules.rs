//! Discord's request rules that go beyond message limits: command registration, autocomplete
//! choices, component shapes, `allowed_mentions` and message references. Each check returns
//! errors as (path, code, message), the shape of Discord's "Invalid Form Body" (50035) tree,
//! with the codes the real API uses. Limits are those of `discord-api/openapi.json` and
//! Discord's documentation.

use serde_json::Value;

/// One "Invalid Form Body" entry: the dotted path, Discord's error code, its message.
pub type FormError = (String, &'static str, String);

const COMMAND_NAME_MAX: usize = 32;
const DESCRIPTION_MAX: usize = 100;
const OPTIONS_MAX: usize = 25;
const CHOICES_MAX: usize = 25;
const CHOICE_MAX: usize = 100;
const STRING_OPTION_MAX: u64 = 6000;
const ALLOWED_MENTION_IDS_MAX: usize = 100;
const CHAT_INPUT: u64 = 1;
const SUB_COMMAND: u64 = 1;
const SUB_COMMAND_GROUP: u64 = 2;
const STRING: u64 = 3;
const ACTION_ROW: u64 = 1;
const BUTTON: u64 = 2;
const LINK: u64 = 5;
const PREMIUM: u64 = 6;

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn bad_length(errs: &mut Vec<FormError>, path: String, min: usize, max: usize) {
    errs.push((
        path,
        "BASE_TYPE_BAD_LENGTH",
        format!("Must be between {min} and {max} in length."),
    ));
}

/// A chat-input name: 1–32 lowercase letters, digits, `-` or `_` (Discord's
/// `^[-_\p{L}\p{N}]{1,32}$`, lowercase where the letter has a case).
fn valid_chat_input_name(name: &str) -> bool {
    let n = name.chars().count();
    (1..=COMMAND_NAME_MAX).contains(&n)
        && name
            .chars()
            .all(|c| (c.is_alphanumeric() && !c.is_uppercase()) || c == '-' || c == '_')
}

/// A `PUT /applications/{id}/commands` (or guild) body: an array of commands.
pub fn command_list(body: &Value) -> Vec<FormError> {
    let Some(commands) = body.as_array() else {
        return vec![(String::new(), "BASE_TYPE_ARRAY", "Must be an array.".into())];
    };
    let mut errs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, command) in commands.iter().enumerate() {
        errs.extend(command_rules(command, &format!("{i}.")));
        let key = (
            command["type"].as_u64().unwrap_or(CHAT_INPUT),
            &command["name"],
        );
        if !seen.insert(key.0.to_string() + &key.1.to_string()) {
            errs.push((
                format!("{i}.name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique".into(),
            ));
        }
    }
    errs
}

/// One command (`POST` body, or an element of a `PUT` list), paths under `prefix`.
pub fn command_rules(command: &Value, prefix: &str) -> Vec<FormError> {
    let mut errs = Vec::new();
    let kind = command["type"].as_u64().unwrap_or(CHAT_INPUT);
    let name = command["name"].as_str().unwrap_or("");
    if kind == CHAT_INPUT {
        if !valid_chat_input_name(name) {
            errs.push((
                format!("{prefix}name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".into(),
            ));
        }
        let n = chars(&command["description"]);
        if !(1..=DESCRIPTION_MAX).contains(&n) {
            bad_length(
                &mut errs,
                format!("{prefix}description"),
                1,
                DESCRIPTION_MAX,
            );
        }
    } else {
        // User and message commands: a display name, and no description at all.
        if !(1..=COMMAND_NAME_MAX).contains(&name.chars().count()) {
            bad_length(&mut errs, format!("{prefix}name"), 1, COMMAND_NAME_MAX);
        }
        if chars(&command["description"]) != 0 {
            errs.push((
                format!("{prefix}description"),
                "APPLICATION_COMMAND_CONTEXT_MENU_DESCRIPTION_INVALID",
                "Context menu commands cannot have description".into(),
            ));
        }
        if command["options"].as_array().is_some_and(|o| !o.is_empty()) {
            errs.push((
                format!("{prefix}options"),
                "APPLICATION_COMMAND_OPTIONS_INVALID",
                "Context menu commands cannot have options".into(),
            ));
        }
    }
    errs.extend(options(&command["options"], &format!("{prefix}options")));
    errs
}

fn options(list: &Value, path: &str) -> Vec<FormError> {
    let mut errs = Vec::new();
    let Some(list) = list.as_array() else {
        return errs;
    };
    if list.len() > OPTIONS_MAX {
        errs.push((
            path.to_string(),
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {OPTIONS_MAX} or fewer in length."),
        ));
    }
    let mut optional_seen = false;
    for (i, option) in list.iter().enumerate() {
        let p = format!("{path}.{i}.");
        let kind = option["type"].as_u64().unwrap_or(0);
        if !valid_chat_input_name(option["name"].as_str().unwrap_or("")) {
            errs.push((
                format!("{p}name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".into(),
            ));
        }
        let n = chars(&option["description"]);
        if !(1..=DESCRIPTION_MAX).contains(&n) {
            bad_length(&mut errs, format!("{p}description"), 1, DESCRIPTION_MAX);
        }
        if kind == SUB_COMMAND || kind == SUB_COMMAND_GROUP {
            errs.extend(options(&option["options"], &format!("{p}options")));
            continue;
        }
        let required = option["required"].as_bool().unwrap_or(false);
        if required && optional_seen {
            errs.push((
                format!("{p}required"),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options".into(),
            ));
        }
        optional_seen |= !required;
        if kind == STRING {
            for (key, min) in [("min_length", 0), ("max_length", 1)] {
                if let Some(v) = option[key].as_i64() {
                    if v < min {
                        errs.push((
                            format!("{p}{key}"),
                            "NUMBER_TYPE_MIN",
                            format!("int value should be greater than or equal to {min}."),
                        ));
                    } else if v as u64 > STRING_OPTION_MAX {
                        errs.push((
                            format!("{p}{key}"),
                            "NUMBER_TYPE_MAX",
                            format!(
                                "int value should be less than or equal to {STRING_OPTION_MAX}."
                            ),
                        ));
                    }
                }
            }
        }
        if let Some(choices) = option["choices"].as_array() {
            if option["autocomplete"].as_bool() == Some(true) && !choices.is_empty() {
                errs.push((
                    format!("{p}autocomplete"),
                    "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE",
                    "Autocomplete cannot be set on options with choices".into(),
                ));
            }
            errs.extend(choice_list(choices, &format!("{p}choices")));
        }
    }
    errs
}

/// Choices, of a command option or of an autocomplete response: at most 25, each with a
/// name of 1–100 characters and a non-empty value of at most 100.
fn choice_list(choices: &[Value], path: &str) -> Vec<FormError> {
    let mut errs = Vec::new();
    if choices.len() > CHOICES_MAX {
        errs.push((
            path.to_string(),
            "BASE_TYPE_MAX_LENGTH",
            format!("Must be {CHOICES_MAX} or fewer in length."),
        ));
    }
    for (i, choice) in choices.iter().enumerate() {
        let n = chars(&choice["name"]);
        if !(1..=CHOICE_MAX).contains(&n) {
            bad_length(&mut errs, format!("{path}.{i}.name"), 1, CHOICE_MAX);
        }
        match &choice["value"] {
            Value::String(s) if (1..=CHOICE_MAX).contains(&s.chars().count()) => {}
            Value::String(_) => bad_length(&mut errs, format!("{path}.{i}.value"), 1, CHOICE_MAX),
            Value::Number(_) => {}
            _ => errs.push((
                format!("{path}.{i}.value"),
                "BASE_TYPE_REQUIRED",
                "This field is required".into(),
            )),
        }
    }
    errs
}

/// The `data` of an autocomplete callback (type 8): `choices` is required.
pub fn autocomplete(data: &Value) -> Vec<FormError> {
    match data["choices"].as_array() {
        Some(choices) => choice_list(choices, "data.choices"),
        None => vec![(
            "data.choices".into(),
            "BASE_TYPE_REQUIRED",
            "This field is required".into(),
        )],
    }
}

/// Component shapes: only action rows at the top level; buttons with a non-empty
/// `custom_id`, link buttons with a `url` and no `custom_id`.
pub fn components(body: &Value, prefix: &str) -> Vec<FormError> {
    let mut errs = Vec::new();
    let Some(rows) = body["components"].as_array() else {
        return errs;
    };
    for (i, row) in rows.iter().enumerate() {
        if row["type"].as_u64() != Some(ACTION_ROW) {
            errs.push((
                format!("{prefix}components.{i}.type"),
                "UNION_TYPE_CHOICES",
                "Value of field \"type\" must be one of (1,).".into(),
            ));
            continue;
        }
        for (j, c) in row["components"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let p = format!("{prefix}components.{i}.components.{j}.");
            if c["type"].as_u64() == Some(ACTION_ROW) {
                errs.push((
                    format!("{p}type"),
                    "UNION_TYPE_CHOICES",
                    "Action rows cannot be nested".into(),
                ));
            }
            if let Some(id) = c["custom_id"].as_str() {
                if id.is_empty() {
                    bad_length(&mut errs, format!("{p}custom_id"), 1, 100);
                }
            }
            if c["type"].as_u64() == Some(BUTTON) {
                let style = c["style"].as_u64();
                if style == Some(LINK) && !c["custom_id"].is_null() {
                    errs.push((
                        format!("{p}custom_id"),
                        "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                        "A custom id cannot be specified for this button style".into(),
                    ));
                }
                if style == Some(PREMIUM) && !c["custom_id"].is_null() {
                    errs.push((
                        format!("{p}custom_id"),
                        "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                        "A custom id cannot be specified for this button style".into(),
                    ));
                }
            }
        }
    }
    errs
}

/// `allowed_mentions`: `parse` names only roles, users and everyone, and never together with
/// an explicit `users` or `roles` list of the same kind; at most 100 ids each.
pub fn allowed_mentions(body: &Value, prefix: &str) -> Vec<FormError> {
    let mut errs = Vec::new();
    let allowed = &body["allowed_mentions"];
    if allowed.is_null() {
        return errs;
    }
    let parse: Vec<&str> = allowed["parse"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for (i, kind) in parse.iter().enumerate() {
        if !["roles", "users", "everyone"].contains(kind) {
            errs.push((
                format!("{prefix}allowed_mentions.parse.{i}"),
                "BASE_TYPE_CHOICES",
                "Value must be one of {'roles', 'users', 'everyone'}.".into(),
            ));
        }
    }
    for key in ["users", "roles"] {
        let Some(ids) = allowed[key].as_array() else {
            continue;
        };
        if ids.len() > ALLOWED_MENTION_IDS_MAX {
            errs.push((
                format!("{prefix}allowed_mentions.{key}"),
                "BASE_TYPE_MAX_LENGTH",
                format!("Must be {ALLOWED_MENTION_IDS_MAX} or fewer in length."),
            ));
        }
        if !ids.is_empty() && parse.contains(&key) {
            errs.push((
                format!("{prefix}allowed_mentions"),
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                format!("parse:[\"{key}\"] and {key}: [ids...] are mutually exclusive."),
            ));
        }
    }
    errs
}

/// A `message_reference` to a message that does not exist is rejected unless
/// `fail_if_not_exists` is false (then the message is sent without the reference).
/// `exists` says whether the referenced message is known in its channel.
pub fn message_reference(body: &Value, exists: impl Fn(u64) -> bool) -> Vec<FormError> {
    let reference = &body["message_reference"];
    let id = match &reference["message_id"] {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    };
    let Some(id) = id else {
        return Vec::new();
    };
    if exists(id) || reference["fail_if_not_exists"].as_bool() == Some(false) {
        return Vec::new();
    }
    vec![(
        "message_reference".into(),
        "MESSAGE_REFERENCE_UNKNOWN_MESSAGE",
        "Unknown message".into(),
    )]
}
