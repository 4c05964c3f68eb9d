//! Discord's side of every reply: its limits, the no-pings rule, and the
//! plain reply builders. A leaf: it knows nothing of answers or buttons, so
//! every other part of the adapter can use it.

use std::time::Duration;

use poise::serenity_prelude::{CreateAllowedMentions, CreateEmbed, CreateEmbedFooter};

use crate::knowledge::Passage;
use crate::reply::truncate_at_word;

/// Discord drops an interaction not answered within 3 s. A step still running
/// after this long is not waited for: the interaction is deferred first.
pub const RESPOND_OR_DEFER_WITHIN: Duration = Duration::from_millis(1500);

/// Discord's limit on characters per autocomplete choice name and value.
pub const CHOICE_MAX_CHARS: usize = 100;

/// Discord's limits on one embed (characters).
pub const TITLE_MAX: usize = 256;
pub const DESCRIPTION_MAX: usize = 4096;
pub const FIELD_NAME_MAX: usize = 256;
pub const FIELD_VALUE_MAX: usize = 1024;
pub const FOOTER_MAX: usize = 2048;
/// Discord's limit on all the text of a message's embeds together.
pub const EMBED_TOTAL_MAX: usize = 6000;
/// Discord's limit on message content.
pub const CONTENT_MAX: usize = 2000;

/// Every message the bot sends allows no mention at all: no @everyone, no
/// roles, no users, and no ping of the member it replies to.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .everyone(false)
        .all_users(false)
        .all_roles(false)
        .empty_users()
        .empty_roles()
        .replied_user(false)
}

/// One embed's text, before it becomes a serenity builder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EmbedParts {
    pub title: String,
    pub description: String,
    /// (name, value, inline)
    pub fields: Vec<(String, String, bool)>,
    pub footer: String,
}

impl EmbedParts {
    /// Cuts every part to Discord's limits, then the description until the
    /// whole embed fits in [`EMBED_TOTAL_MAX`]; cuts end at a word with "…".
    pub fn fit(mut self) -> EmbedParts {
        self.title = truncate_at_word(&self.title, TITLE_MAX);
        self.description = truncate_at_word(&self.description, DESCRIPTION_MAX);
        self.footer = truncate_at_word(&self.footer, FOOTER_MAX);
        // Discord rejects a field with an empty name or value.
        self.fields
            .retain(|(name, value, _)| !name.trim().is_empty() && !value.trim().is_empty());
        for (name, value, _) in &mut self.fields {
            *name = truncate_at_word(name, FIELD_NAME_MAX);
            *value = truncate_at_word(value, FIELD_VALUE_MAX);
        }
        let others = self.total_chars() - chars(&self.description);
        if others + chars(&self.description) > EMBED_TOTAL_MAX {
            let room = EMBED_TOTAL_MAX.saturating_sub(others);
            self.description = truncate_at_word(&self.description, room);
        }
        self
    }

    /// The characters Discord counts towards [`EMBED_TOTAL_MAX`].
    pub fn total_chars(&self) -> usize {
        chars(&self.title)
            + chars(&self.description)
            + chars(&self.footer)
            + self
                .fields
                .iter()
                .map(|(name, value, _)| chars(name) + chars(value))
                .sum::<usize>()
    }

    pub fn to_embed(&self) -> CreateEmbed {
        let mut embed = CreateEmbed::new();
        if !self.title.is_empty() {
            embed = embed.title(&self.title);
        }
        if !self.description.is_empty() {
            embed = embed.description(&self.description);
        }
        for (name, value, inline) in &self.fields {
            embed = embed.field(name, value, *inline);
        }
        if !self.footer.is_empty() {
            embed = embed.footer(CreateEmbedFooter::new(&self.footer));
        }
        embed
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The characters Discord's markdown gives a meaning to anywhere in a line:
/// emphasis, code, strike, spoilers, masked links (`[text](url)`), the `:`
/// of an address (escaped, it is no longer made a link) and the backslash
/// that escapes them all.
const MARKDOWN: &[char] = &['\\', '*', '_', '`', '~', '|', '[', ']', '(', ')', ':'];

/// The ones that mean something only at the start of a line: quotes,
/// headings, lists.
const LINE_START: &[char] = &['>', '#', '-', '+'];

/// Member text as Discord shows it literally: every markdown character gets a
/// backslash, so `[https://discord.com/nitro](https://evil.example/phish)`
/// shows both addresses as text instead of a link disguised as another.
/// Mentions stay as they are: an embed pings nobody, and the reply allows no
/// mentions anyway.
///
/// Written here rather than with serenity's `MessageBuilder::push_safe`,
/// which escapes only `*`, `` ` `` and `_`: it leaves masked links, spoilers,
/// quotes and backslashes alone, and its rewriting of invite links cannot be
/// undone. This escaping can ([`unescape_markdown`]), which the feedback
/// buttons need to read the question back from the embed.
pub fn escape_markdown(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 8);
    let mut line_start = true;
    for c in text.chars() {
        if MARKDOWN.contains(&c) || (line_start && LINE_START.contains(&c)) {
            escaped.push('\\');
        }
        escaped.push(c);
        line_start = c == '\n' || (line_start && (c == ' ' || c == '\t'));
    }
    escaped
}

/// The text [`escape_markdown`] was given: a backslash keeps the character
/// after it and goes.
pub fn unescape_markdown(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => plain.extend(chars.next()),
            other => plain.push(other),
        }
    }
    plain
}

/// A plain-text reply (refusals, reports), kept within message limits.
pub fn text_reply(text: &str, ephemeral: bool) -> poise::CreateReply {
    poise::CreateReply::default()
        .content(truncate_at_word(text, CONTENT_MAX))
        .ephemeral(ephemeral)
        .allowed_mentions(no_pings())
}

/// Monospaced text (lists, reports) as an embed, which allows twice the
/// length of a message; triple backticks inside cannot end the block early.
pub fn code_block_reply(title: &str, text: &str, footer: Option<&str>) -> poise::CreateReply {
    let safe = text.replace("```", "`\u{200b}``");
    let room = DESCRIPTION_MAX - "```\n\n```".len();
    let body = truncate_at_word(&safe, room);
    let parts = EmbedParts {
        title: title.to_string(),
        description: format!("```\n{body}\n```"),
        fields: Vec::new(),
        footer: footer.unwrap_or_default().to_string(),
    };
    poise::CreateReply::default()
        .embed(parts.to_embed())
        .ephemeral(true)
        .allowed_mentions(no_pings())
}

/// The autocomplete value (and label) for a passage: its section path, cut to
/// Discord's 100 characters. /ask maps it back to the passage.
pub fn suggestion_value(passage: &Passage) -> String {
    truncate_at_word(&passage.section(), CHOICE_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_respects_every_limit() {
        let long = "word ".repeat(3000);
        let parts = EmbedParts {
            title: long.clone(),
            description: long.clone(),
            fields: vec![
                ("name".to_string(), long.clone(), false),
                ("name".to_string(), long.clone(), false),
            ],
            footer: long,
        }
        .fit();
        assert!(chars(&parts.title) <= TITLE_MAX);
        assert!(chars(&parts.description) <= DESCRIPTION_MAX);
        assert!(chars(&parts.footer) <= FOOTER_MAX);
        assert!(parts
            .fields
            .iter()
            .all(|(_, value, _)| chars(value) <= FIELD_VALUE_MAX));
        assert!(parts.total_chars() <= EMBED_TOTAL_MAX);
        assert!(parts.description.ends_with('…'));
    }

    #[test]
    fn short_parts_are_untouched() {
        let parts = EmbedParts {
            title: "T".into(),
            description: "D".into(),
            fields: vec![],
            footer: "F".into(),
        };
        assert_eq!(parts.clone().fit(), parts);
    }

    #[test]
    fn masked_links_are_text_and_the_escaping_undoes() {
        let question =
            "[https://discord.com/nitro](https://evil.example/phish) is LDN safe? \\*x\\*";
        let escaped = escape_markdown(question);
        assert!(
            escaped.starts_with(
                "\\[https\\://discord.com/nitro\\]\\(https\\://evil.example/phish\\) is"
            ),
            "{escaped}"
        );
        assert_eq!(escape_markdown("> a - b\n# c"), "\\> a - b\n\\# c");
        assert_eq!(escape_markdown("<@42> @everyone"), "<@42> @everyone");
        assert_eq!(unescape_markdown(&escaped), question);
    }

    #[test]
    fn no_pings_allows_nothing() {
        let json = serde_json::to_value(no_pings()).unwrap_or_default();
        assert_eq!(json["parse"], serde_json::json!([]));
        assert_eq!(json["users"], serde_json::json!([]));
        assert_eq!(json["roles"], serde_json::json!([]));
        assert_eq!(json["replied_user"], serde_json::json!(false));
    }
}
