//! Answers as Discord embeds, within Discord's limits, always with the disclaimer.
//!
//! Everything here is pure: it turns an [`Answer`] into [`Rendered`] parts, and
//! only at the very end into serenity builders. That keeps the limits testable
//! without a Discord connection.

use poise::serenity_prelude::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateEmbed,
    CreateEmbedFooter, CreateInteractionResponseMessage, CreateMessage,
};

use crate::answer::{Answer, Engine, Reason};
use crate::reply::{truncate_at_word, NOT_COVERED};
use crate::review::Source;

use super::feedback::{self, Verdict};
use super::questions::ReviewRecord;

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

/// The field that shows the asker's question. A feedback click reads the
/// question back from it, so the button needs no storage.
pub const QUESTION_FIELD: &str = "Your question";
pub const SOURCE_FIELD: &str = "Source";
pub const SEE_ALSO_FIELD: &str = "See also";
pub const CLOSEST_FIELD: &str = "Closest topics";

/// Said under an abstention only once the question is safely in the review log.
pub const MODERATORS_WILL_SEE: &str =
    "I've passed your question on: moderators will see it and can add it to the knowledge base.";

/// Sent when a user asks without a question or with only whitespace.
pub const EMPTY_TITLE: &str = "What would you like to know?";

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

/// A reply ready to send: one embed and, under an answer, the feedback buttons.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub embed: EmbedParts,
    /// Custom ids of the "Helpful" and "Not helpful" buttons.
    pub feedback: Option<(String, String)>,
}

impl Rendered {
    fn components(&self) -> Vec<CreateActionRow> {
        match &self.feedback {
            Some((helpful, unhelpful)) => vec![CreateActionRow::Buttons(vec![
                CreateButton::new(helpful)
                    .label("Helpful")
                    .style(ButtonStyle::Success),
                CreateButton::new(unhelpful)
                    .label("Not helpful")
                    .style(ButtonStyle::Secondary),
            ])],
            None => Vec::new(),
        }
    }

    /// As a poise reply to a slash or context-menu command.
    pub fn reply(&self, ephemeral: bool) -> poise::CreateReply {
        poise::CreateReply::default()
            .embed(self.embed.to_embed())
            .components(self.components())
            .ephemeral(ephemeral)
            .allowed_mentions(no_pings())
    }

    /// As a message replying to a mention or a DM.
    pub fn message(&self) -> CreateMessage {
        CreateMessage::new()
            .embed(self.embed.to_embed())
            .components(self.components())
            .allowed_mentions(no_pings())
    }

    /// As the body of an interaction response built outside poise.
    pub fn interaction_message(&self, ephemeral: bool) -> CreateInteractionResponseMessage {
        CreateInteractionResponseMessage::new()
            .embed(self.embed.to_embed())
            .components(self.components())
            .ephemeral(ephemeral)
            .allowed_mentions(no_pings())
    }
}

/// The reply to one question, whatever the engine said.
///
/// `recorded` decides whether an abstention may promise that moderators will
/// see the question: only when the review log confirmed the write.
pub fn render_answer(
    engine: &Engine,
    question: &str,
    answer: &Answer,
    recorded: ReviewRecord,
    source: Source,
) -> Rendered {
    let disclaimer = engine.disclaimer().to_string();
    let question_field = || {
        (
            QUESTION_FIELD.to_string(),
            display_question(question),
            false,
        )
    };
    match answer {
        Answer::Found {
            passage, see_also, ..
        } => {
            let mut fields = vec![
                question_field(),
                (SOURCE_FIELD.to_string(), passage.article.clone(), true),
            ];
            if let Some(also) = see_also {
                fields.push((SEE_ALSO_FIELD.to_string(), also.passage.section(), true));
            }
            Rendered {
                embed: EmbedParts {
                    title: passage.section(),
                    description: passage.text.clone(),
                    fields,
                    footer: disclaimer,
                }
                .fit(),
                feedback: Some((
                    feedback::custom_id(Verdict::Helpful, source, &passage.id),
                    feedback::custom_id(Verdict::NotHelpful, source, &passage.id),
                )),
            }
        }
        Answer::Unanswered {
            reason: Reason::Urgent,
            ..
        } => urgent(engine),
        Answer::Unanswered {
            reason: Reason::Empty,
            ..
        } => Rendered {
            embed: EmbedParts {
                title: EMPTY_TITLE.to_string(),
                description: crate::reply::EMPTY_QUESTION.to_string(),
                fields: Vec::new(),
                footer: disclaimer,
            }
            .fit(),
            feedback: None,
        },
        Answer::Unanswered { .. } => {
            let mut description = NOT_COVERED.to_string();
            if matches!(recorded, ReviewRecord::Saved(_)) {
                description.push(' ');
                description.push_str(MODERATORS_WILL_SEE);
            }
            let mut fields = vec![question_field()];
            let closest = match answer {
                Answer::Unanswered { closest, .. } => closest.as_slice(),
                Answer::Found { .. } => &[],
            };
            if !closest.is_empty() {
                let list = closest
                    .iter()
                    .map(|related| format!("• {}", related.passage.section()))
                    .collect::<Vec<_>>()
                    .join("\n");
                fields.push((CLOSEST_FIELD.to_string(), list, false));
            }
            Rendered {
                embed: EmbedParts {
                    title: "Not covered yet".to_string(),
                    description,
                    fields,
                    footer: disclaimer,
                }
                .fit(),
                feedback: None,
            }
        }
    }
}

/// The urgent-care notice, with the disclaimer.
pub fn urgent(engine: &Engine) -> Rendered {
    Rendered {
        embed: EmbedParts {
            title: "This may be an emergency".to_string(),
            description: engine.urgent_reply().to_string(),
            fields: Vec::new(),
            footer: engine.disclaimer().to_string(),
        }
        .fit(),
        feedback: None,
    }
}

/// The sections of the knowledge base, for /topics.
pub fn topics(engine: &Engine) -> Rendered {
    let mut description = String::new();
    let mut article: Option<&str> = None;
    for passage in engine.passages() {
        if article != Some(passage.article.as_str()) {
            if article.is_some() {
                description.push('\n');
            }
            description.push_str(&format!("**{}**\n", passage.article));
            article = Some(passage.article.as_str());
        }
        description.push_str(&format!("• {}\n", passage.section()));
    }
    if description.is_empty() {
        description = "The knowledge base is empty.".to_string();
    }
    Rendered {
        embed: EmbedParts {
            title: "Topics in the knowledge base".to_string(),
            description,
            fields: Vec::new(),
            footer: format!(
                "Ask with /ask or by mentioning the bot. {}",
                engine.disclaimer()
            ),
        }
        .fit(),
        feedback: None,
    }
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

/// The question as shown in the embed; never empty, as Discord rejects empty field values.
fn display_question(question: &str) -> String {
    let trimmed = question.trim();
    if trimmed.is_empty() {
        "(empty)".to_string()
    } else {
        trimmed.to_string()
    }
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
    fn no_pings_allows_nothing() {
        let json = serde_json::to_value(no_pings()).unwrap_or_default();
        assert_eq!(json["parse"], serde_json::json!([]));
        assert_eq!(json["users"], serde_json::json!([]));
        assert_eq!(json["roles"], serde_json::json!([]));
        assert_eq!(json["replied_user"], serde_json::json!(false));
    }
}
