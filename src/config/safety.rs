//! `[safety]`: the urgent notice, the helplines per Discord locale, and what the
//! moderators' alert may say about the member.
//!
//! A typo here would leave members of a locale without numbers in an
//! emergency, so every entry is checked and an error names its line.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{ConfigError, DEFAULT_URGENT_REPLY};
use crate::triage::{builtin_helpline, Helpline};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SafetyConfig {
    /// The admin's own always-urgent phrases, on top of the triage rules:
    /// matched case-insensitively on word boundaries, whatever the context.
    pub urgent_terms: Vec<String>,
    /// The urgent notice when no helpline is known for the member's locale and
    /// no `default_helpline` is set: it cannot name a number, so it says how to find one.
    pub urgent_reply: String,
    /// Emergency number and crisis line per Discord locale (`"en-GB"`): overrides
    /// and extends the built-in table, for the numbers the community trusts.
    pub locales: BTreeMap<String, Helpline>,
    /// The community's own numbers for members whose locale has none (a server
    /// in Australia whose members use en-GB or en-US clients, say).
    pub default_helpline: Option<Helpline>,
    /// Name the member (a non-pinging mention) and link the message in the
    /// moderators' alert, so that someone can reach them quickly.
    pub alert_identifies_member: bool,
}

impl SafetyConfig {
    /// Where to get help for a member with this Discord locale: the config's
    /// entry, then the built-in one, then the community's default. `None`
    /// means the generic notice ([`SafetyConfig::urgent_reply`]).
    pub fn helpline(&self, locale: Option<&str>) -> Option<Helpline> {
        let locale = locale.map(str::trim).filter(|l| !l.is_empty());
        locale
            .and_then(|locale| {
                self.locales
                    .iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(locale))
                    .map(|(_, helpline)| helpline.clone())
                    .or_else(|| builtin_helpline(locale))
            })
            .or_else(|| self.default_helpline.clone())
    }
}

impl Default for SafetyConfig {
    fn default() -> Self {
        SafetyConfig {
            // The triage rules recognise emergencies; a fixed phrase list flagged
            // questions *about* overdoses and chest pain as emergencies.
            urgent_terms: Vec::new(),
            urgent_reply: DEFAULT_URGENT_REPLY.to_string(),
            locales: BTreeMap::new(),
            default_helpline: None,
            alert_identifies_member: true,
        }
    }
}

impl SafetyConfig {
    /// Every `[safety.locales."…"]` key is a Discord locale and every number is
    /// set: a typo would otherwise leave members of that locale without numbers.
    pub(super) fn validate(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let invalid = |line: Option<usize>, key: String, message: &str| ConfigError::InvalidEntry {
            path: path.to_path_buf(),
            line,
            key,
            message: message.to_string(),
        };
        for (locale, helpline) in &self.locales {
            let header = locale_line(text, locale);
            let key = format!("safety.locales.\"{locale}\"");
            if !is_discord_locale(locale) {
                return Err(invalid(
                    header,
                    key,
                    "must be a Discord locale such as \"de\" or \"en-GB\"",
                ));
            }
            check_numbers(helpline, text, header, &key)
                .map_err(|(line, key)| invalid(line, key, "must not be empty"))?;
        }
        if let Some(helpline) = &self.default_helpline {
            let header = header_line(text, "[safety.default_helpline]");
            check_numbers(helpline, text, header, "safety.default_helpline")
                .map_err(|(line, key)| invalid(line, key, "must not be empty"))?;
        }
        Ok(())
    }
}

/// Both numbers of a helpline are set; else the line and key of the empty one.
fn check_numbers(
    helpline: &Helpline,
    text: &str,
    header: Option<usize>,
    key: &str,
) -> Result<(), (Option<usize>, String)> {
    for (field, value) in [
        ("emergency", &helpline.emergency),
        ("crisis", &helpline.crisis),
    ] {
        if value.trim().is_empty() {
            let line = header.map(|h| field_line(text, h, field).unwrap_or(h));
            return Err((line, format!("{key}.{field}")));
        }
    }
    Ok(())
}

/// `xx` or `xx-YY` (or `es-419`): the shape of the locales Discord sends.
pub(super) fn is_discord_locale(locale: &str) -> bool {
    let (language, region) = match locale.split_once('-') {
        Some((language, region)) => (language, Some(region)),
        None => (locale, None),
    };
    let letters = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic());
    letters(language)
        && region
            .is_none_or(|r| letters(r) || (r.len() == 3 && r.bytes().all(|b| b.is_ascii_digit())))
}

/// The 1-based line that starts a locale's table (`[safety.locales."en-GB"]`,
/// or the locale's key inside `[safety.locales]`), when it can be found.
fn locale_line(text: &str, locale: &str) -> Option<usize> {
    let quoted = [format!("\"{locale}\""), format!("'{locale}'")];
    let bare = format!("locales.{locale}");
    text.lines()
        .position(|line| {
            let line = line.trim_start();
            let bare_key = line
                .strip_prefix(locale)
                .is_some_and(|rest| rest.starts_with([' ', '\t', '=', '.']));
            !line.starts_with('#')
                && (quoted.iter().any(|q| line.contains(q.as_str()))
                    || line.contains(&bare)
                    || bare_key)
        })
        .map(|i| i + 1)
}

/// The 1-based line of a table header.
fn header_line(text: &str, header: &str) -> Option<usize> {
    text.lines()
        .position(|line| line.trim().replace(' ', "") == header)
        .map(|i| i + 1)
}

/// The line of `field = …` in the table that starts at line `from`: on that
/// line (an inline table) or below it, before the next table.
fn field_line(text: &str, from: usize, field: &str) -> Option<usize> {
    let assigns = |line: &str| {
        line.split(['{', ',']).any(|part| {
            part.trim_start()
                .strip_prefix(field)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
    };
    let mut lines = text.lines().enumerate().skip(from - 1);
    let (first_index, first) = lines.next()?;
    if assigns(first) {
        return Some(first_index + 1);
    }
    lines
        .take_while(|(_, line)| !line.trim_start().starts_with('['))
        .find(|(_, line)| assigns(line))
        .map(|(i, _)| i + 1)
}
