//! Answers as Discord embeds, within Discord's limits, always with the disclaimer.
//!
//! Everything here is pure: it turns an [`Answer`] into [`Rendered`] parts, and
//! only at the very end into serenity builders. That keeps the limits testable
//! without a Discord connection. It gets the answer and the texts, never the
//! engine: what a reply shows was decided by the one search behind the answer.

use poise::serenity_prelude::{ButtonStyle, CreateActionRow, CreateButton, CreateMessage};

use crate::answer::{Answer, Engine, Reason};
use crate::knowledge::Passage;
use crate::reply::truncate_at_word;
use crate::review::{Source, TagKey};
use crate::texts::{
    Texts, EMPTY_QUESTION, EMPTY_TITLE, MODERATORS_WILL_SEE, NOT_COVERED, URGENT_TITLE,
};
use crate::triage::Helpline;

use super::buttons::{self, Verdict, QUESTION_FIELD};
use super::discord::{escape_markdown, no_pings, EmbedParts};

/// Whether a question went to the review log: what an abstention may promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewRecord {
    /// Answered (or empty): nothing for moderators.
    NotNeeded,
    /// Committed to disk as this review item.
    Saved(i64),
    /// The write failed; the reply must not claim it was recorded.
    Failed,
}

pub const SOURCE_FIELD: &str = "Source";
const NOT_COVERED_TITLE: &str = "Not covered yet";
pub const SEE_ALSO_FIELD: &str = "See also";
pub const CLOSEST_FIELD: &str = "Closest topics";
/// The field that carries the safety line under a caution.
pub const SAFETY_FIELD: &str = "If this is urgent";

/// The buttons under an answer: their custom ids, and the label of the
/// "Did you mean …?" button when the runner-up passage is nearly as good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackButtons {
    pub helpful: String,
    pub not_helpful: String,
    pub did_you_mean: Option<(String, String)>,
}

/// Discord's limit on a button label.
const BUTTON_LABEL_MAX: usize = 80;

/// A reply ready to send: one embed and, under an answer, the feedback buttons.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub embed: EmbedParts,
    /// Custom ids of the "Helpful" and "Not helpful" buttons.
    pub feedback: Option<FeedbackButtons>,
}

impl Rendered {
    /// Adds the one safety line of a caution under the reply, as its own
    /// field so that a long passage cut to fit can never cut it off.
    pub fn with_safety_line(mut self, line: String) -> Rendered {
        self.embed
            .fields
            .push((SAFETY_FIELD.to_string(), line, false));
        self.embed = self.embed.fit();
        self
    }

    fn components(&self) -> Vec<CreateActionRow> {
        let Some(buttons) = &self.feedback else {
            return Vec::new();
        };
        let mut row = vec![
            CreateButton::new(&buttons.helpful)
                .label("Helpful")
                .style(ButtonStyle::Success),
            CreateButton::new(&buttons.not_helpful)
                .label("Not helpful")
                .style(ButtonStyle::Secondary),
        ];
        if let Some((custom_id, label)) = &buttons.did_you_mean {
            row.push(
                CreateButton::new(custom_id)
                    .label(label)
                    .style(ButtonStyle::Primary),
            );
        }
        vec![CreateActionRow::Buttons(row)]
    }

    /// As a poise reply to a slash or context-menu command.
    pub fn reply(&self, ephemeral: bool) -> poise::CreateReply {
        poise::CreateReply::default()
            .embed(self.embed.to_embed())
            .components(self.components())
            .ephemeral(ephemeral)
            .allowed_mentions(no_pings())
    }

    /// As the private reply to a button click.
    pub fn click_reply(&self) -> poise::serenity_prelude::CreateInteractionResponseMessage {
        poise::serenity_prelude::CreateInteractionResponseMessage::new()
            .embed(self.embed.to_embed())
            .ephemeral(true)
            .allowed_mentions(no_pings())
    }

    /// As a message replying to a mention or a DM.
    pub fn message(&self) -> CreateMessage {
        CreateMessage::new()
            .embed(self.embed.to_embed())
            .components(self.components())
            .allowed_mentions(no_pings())
    }
}

/// The reply to one question, whatever the engine said.
///
/// `recorded` decides whether an abstention may promise that moderators will
/// see the question: only when the review log confirmed the write.
pub fn render_answer(
    texts: &Texts<'_>,
    question: &str,
    answer: &Answer,
    recorded: ReviewRecord,
    source: Source,
    key: &TagKey,
) -> Rendered {
    let disclaimer = texts.disclaimer.to_string();
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
                feedback: Some(FeedbackButtons {
                    helpful: buttons::custom_id(key, Verdict::Helpful, source, &passage.id),
                    not_helpful: buttons::custom_id(key, Verdict::NotHelpful, source, &passage.id),
                    did_you_mean: see_also.as_ref().map(|also| {
                        (
                            buttons::custom_id(
                                key,
                                Verdict::OtherPassage,
                                source,
                                &also.passage.id,
                            ),
                            truncate_at_word(
                                &format!("Did you mean: {}?", also.passage.title()),
                                BUTTON_LABEL_MAX,
                            ),
                        )
                    }),
                }),
            }
        }
        Answer::Unanswered {
            reason: Reason::Urgent,
            ..
        } => urgent(texts, None),
        Answer::Unanswered {
            reason: Reason::Empty,
            ..
        } => Rendered {
            embed: EmbedParts {
                title: EMPTY_TITLE.to_string(),
                description: EMPTY_QUESTION.to_string(),
                fields: Vec::new(),
                footer: disclaimer,
            }
            .fit(),
            feedback: None,
        },
        // A known gap says what is not covered and who can help instead of
        // "not covered"; it is not waiting for the knowledge base, so it
        // promises nothing about moderators.
        Answer::Unanswered { .. } => {
            let (title, description) = match answer.gap() {
                Some(gap) => (gap.title.clone(), gap.reply.clone()),
                None => {
                    let mut description = NOT_COVERED.to_string();
                    if matches!(recorded, ReviewRecord::Saved(_)) {
                        description.push(' ');
                        description.push_str(MODERATORS_WILL_SEE);
                    }
                    (NOT_COVERED_TITLE.to_string(), description)
                }
            };
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
                    title,
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

/// The urgent-care notice, with the disclaimer: the numbers of `helpline`,
/// or the configured generic notice when none is known. No passage, no buttons.
/// The runner-up passage a member opened with "Did you mean …?": the passage
/// and the disclaimer, no buttons of its own.
pub fn other_passage(passage: &Passage, texts: &Texts<'_>) -> Rendered {
    Rendered {
        embed: EmbedParts {
            title: passage.section(),
            description: passage.text.clone(),
            fields: vec![(SOURCE_FIELD.to_string(), passage.article.clone(), true)],
            footer: texts.disclaimer.to_string(),
        }
        .fit(),
        feedback: None,
    }
}

pub fn urgent(texts: &Texts<'_>, helpline: Option<&Helpline>) -> Rendered {
    Rendered {
        embed: EmbedParts {
            title: URGENT_TITLE.to_string(),
            description: texts.urgent_notice(helpline),
            fields: Vec::new(),
            footer: texts.disclaimer.to_string(),
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

/// The question as shown in the embed: the member's text with its markdown
/// escaped, so the bot never shows a link the member disguised; never empty,
/// as Discord rejects empty field values.
fn display_question(question: &str) -> String {
    let trimmed = question.trim();
    if trimmed.is_empty() {
        "(empty)".to_string()
    } else {
        escape_markdown(trimmed)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::knowledge::Gap;

    const TEXTS: Texts<'static> = Texts {
        disclaimer: "Not medical advice.",
        urgent_reply: "Call your local emergency number.",
    };

    #[test]
    fn a_known_gap_gets_its_reply_and_the_disclaimer_without_buttons() {
        let answer = Answer::Unanswered {
            reason: Reason::KnownGap,
            best_guess: None,
            closest: Vec::new(),
            gap: Some(Arc::new(Gap {
                id: "alcohol".into(),
                title: "Alcohol".into(),
                reply: "The article does not cover alcohol.".into(),
                chat: false,
            })),
        };
        let rendered = render_answer(
            &TEXTS,
            "wine?",
            &answer,
            ReviewRecord::Saved(1),
            Source::Slash,
            &TagKey::from_bytes([0; 32]),
        );
        assert_eq!(
            rendered.embed.description,
            "The article does not cover alcohol."
        );
        assert_eq!(rendered.embed.footer, TEXTS.disclaimer);
        assert!(rendered.feedback.is_none());
    }

    #[test]
    fn the_urgent_notice_names_the_numbers_or_falls_back() {
        let gb = crate::triage::builtin_helpline("en-GB");
        let rendered = urgent(&TEXTS, gb.as_ref());
        assert!(rendered.embed.description.contains("999"));
        assert!(rendered.embed.description.contains("116 123"));
        assert!(rendered.feedback.is_none());
        assert_eq!(urgent(&TEXTS, None).embed.description, TEXTS.urgent_reply);
    }

    #[test]
    fn the_safety_line_survives_a_long_passage() {
        let long = Rendered {
            embed: EmbedParts {
                title: "T".into(),
                description: "word ".repeat(2000),
                fields: Vec::new(),
                footer: "F".into(),
            }
            .fit(),
            feedback: None,
        }
        .with_safety_line("Call 911.".into());
        assert!(long.embed.fields.iter().any(|(_, v, _)| v == "Call 911."));
        assert!(long.embed.total_chars() <= super::super::discord::EMBED_TOTAL_MAX);
    }
}
