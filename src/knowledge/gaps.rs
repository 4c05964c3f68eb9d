//! Known gaps: `knowledge/gaps.toml`, the topics members ask about that the
//! knowledge base knows it does not cover.
//!
//! A question that matches a gap better than any passage is not answered with
//! the nearest passage — which would be a wrong answer said confidently — but
//! with the gap's reply: what the knowledge base does not cover, and who can help.
//! Moderators see such questions counted per gap, which tells admins what to write next.
//!
//! ```toml
//! [[gap]]
//! id = "alcohol"
//! title = "Alcohol"
//! reply = "The article does not cover drinking alcohol on LDN. Your pharmacist can advise."
//! examples = ["is a glass of wine ok with ldn", "can I drink on it"]
//! ```
//!
//! One gap may say `chat = true`: a message that asks nothing at all ("thank
//! you, that was helpful!") gets its reply, whatever words it shares with the article.

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::strings::line_of_offset;

use super::examples::{toml_line, written, Example, ExamplesError, Target};

/// The name of the known-gaps file inside the knowledge directory.
pub const GAPS_FILE: &str = "gaps.toml";

/// A topic the knowledge base knows it does not cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// Stable, kebab-case: the review log and `/unanswered gap` refer to it.
    pub id: String,
    pub title: String,
    /// Sent instead of a passage: what is not covered, and who can help.
    pub reply: String,
    /// The reply to messages that ask nothing (thanks, greetings, goodbyes).
    pub chat: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GapsFile {
    #[serde(default)]
    gap: Vec<GapEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GapEntry {
    id: Spanned<String>,
    title: String,
    reply: String,
    examples: Vec<Spanned<String>>,
    #[serde(default)]
    chat: bool,
}

/// Parses `gaps.toml`: the gaps, and their examples as [`Example`]s.
pub fn parse_gaps(text: &str, path: &Path) -> Result<(Vec<Gap>, Vec<Example>), ExamplesError> {
    let file: GapsFile = toml::from_str(text)
        .map_err(|err| ExamplesError::new(path, toml_line(text, &err), err.message().trim()))?;
    let mut gaps = Vec::new();
    let mut examples = Vec::new();
    let mut seen = HashSet::new();
    for entry in file.gap {
        let line = line_of_offset(text, entry.id.span().start);
        let id = entry.id.into_inner();
        let kebab = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !kebab {
            return Err(ExamplesError::new(
                path,
                line,
                format!("gap id {id:?} must be lowercase letters, digits and dashes"),
            ));
        }
        if !seen.insert(id.clone()) {
            return Err(ExamplesError::new(
                path,
                line,
                format!("gap id {id:?} is used twice"),
            ));
        }
        if entry.title.trim().is_empty() || entry.reply.trim().is_empty() {
            return Err(ExamplesError::new(
                path,
                line,
                format!("gap {id:?} needs a title and a reply"),
            ));
        }
        if entry.examples.is_empty() {
            return Err(ExamplesError::new(
                path,
                line,
                format!("gap {id:?} needs at least one example question, or nothing can match it"),
            ));
        }
        if entry.chat && gaps.iter().any(|g: &Gap| g.chat) {
            return Err(ExamplesError::new(
                path,
                line,
                format!(
                    "gap {id:?} says chat = true, but an earlier gap already does: only one can"
                ),
            ));
        }
        examples.extend(written(
            path,
            text,
            entry.examples,
            Target::Gap(id.clone()),
        )?);
        gaps.push(Gap {
            id,
            title: entry.title.trim().to_string(),
            reply: entry.reply.trim().to_string(),
            chat: entry.chat,
        });
    }
    Ok((gaps, examples))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "[[gap]]\nid = \"alcohol\"\ntitle = \"Alcohol\"\nreply = \"Not covered.\"\nexamples = [\"wine ok?\", \"beer?\"]\n";

    #[test]
    fn gaps_and_their_examples() {
        let (gaps, examples) = parse_gaps(GOOD, Path::new("gaps.toml")).unwrap();
        assert_eq!(gaps[0].id, "alcohol");
        assert_eq!(examples.len(), 2);
        assert_eq!(examples[1].target, Target::Gap("alcohol".into()));
        assert_eq!(examples[1].line, 5);
    }

    #[test]
    fn one_gap_at_most_is_for_chat() {
        let chat = GOOD.replace("examples", "chat = true\nexamples");
        let (gaps, _) = parse_gaps(&chat, Path::new("gaps.toml")).unwrap();
        assert!(gaps[0].chat);
        assert!(!parse_gaps(GOOD, Path::new("g")).unwrap().0[0].chat);
        let second = chat.replace("alcohol", "wine");
        let err = parse_gaps(&format!("{chat}\n{second}"), Path::new("gaps.toml")).unwrap_err();
        assert_eq!(err.line, 9, "{err}");
        assert!(err.to_string().contains("only one"), "{err}");
    }

    #[test]
    fn bad_entries_name_their_line() {
        let twice = format!("{GOOD}\n{GOOD}");
        let err = parse_gaps(&twice, Path::new("gaps.toml")).unwrap_err();
        assert_eq!(err.line, 8, "{err}");
        let err = parse_gaps(
            "[[gap]]\nid = \"Bad Id\"\ntitle = \"t\"\nreply = \"r\"\nexamples = [\"x\"]\n",
            Path::new("g"),
        )
        .unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        let err = parse_gaps(
            "[[gap]]\nid = \"a\"\ntitle = \"t\"\nreply = \"r\"\nexamples = []\n",
            Path::new("g"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("at least one example"), "{err}");
        let err = parse_gaps("[[gap]]\nid = \"a\"\ntitel = \"t\"\n", Path::new("g")).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
    }
}
