//! Example questions: the ways members ask what a passage answers.
//!
//! An article's words are not its readers' words: "how do I bring it up with my
//! rheumy" never says "advocate". So beside each article `name.md` an admin keeps
//! `name.questions.toml`, keyed by the passage id within the article:
//!
//! ```toml
//! ["navigating-the-decision-to-try-ldn/patient-advocacy"]
//! examples = ["how do I bring LDN up with my rheumatologist", "my doctor brushed me off"]
//! ```
//!
//! Examples are never shown to members; retrieval matches questions against
//! them as well as against the passage text. Known gaps ([`super::gaps`]) and
//! the questions moderators link ([`super::learned`]) become examples too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::strings::{line_of_offset, toml_error_line};

/// The file-name ending of an article's example questions: `article.questions.toml`.
pub const QUESTIONS_SUFFIX: &str = ".questions.toml";

/// What an example question is evidence for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    /// A passage id: the question is answered by that passage.
    Passage(String),
    /// A known gap's id: the knowledge base knows it does not answer the question.
    Gap(String),
}

/// Where an example came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Written by an admin in a `*.questions.toml` or `gaps.toml` file.
    Written,
    /// Linked by a moderator from the review log (`learned.toml`).
    Learned,
}

/// One example question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Example {
    pub text: String,
    pub target: Target,
    pub origin: Origin,
    pub file: PathBuf,
    /// The 1-based line of the example, for error messages.
    pub line: usize,
}

#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ExamplesError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl ExamplesError {
    pub(super) fn new(path: &Path, line: usize, message: impl Into<String>) -> ExamplesError {
        ExamplesError {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    examples: Vec<Spanned<String>>,
}

/// The article file an examples file belongs to: `a.questions.toml` → `a.md`.
pub fn article_of(path: &Path) -> Option<PathBuf> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(QUESTIONS_SUFFIX)?;
    Some(path.with_file_name(format!("{stem}.md")))
}

/// Parses one `*.questions.toml` file. `article_slug` is the id prefix of the
/// article's passages; `passage_ids` are every passage id of the knowledge base,
/// so a key naming no passage is an error that names the line.
pub fn parse_questions(
    text: &str,
    path: &Path,
    article_slug: &str,
    passage_ids: &dyn Fn(&str) -> bool,
) -> Result<Vec<Example>, ExamplesError> {
    let file: BTreeMap<Spanned<String>, Entry> = toml::from_str(text)
        .map_err(|err| ExamplesError::new(path, toml_line(text, &err), err.message().trim()))?;
    let mut examples = Vec::new();
    for (key, entry) in file {
        let key_line = line_of_offset(text, key.span().start);
        let id = format!("{article_slug}/{}", key.get_ref());
        if !passage_ids(&id) {
            return Err(ExamplesError::new(
                path,
                key_line,
                format!(
                    "no passage {id:?}: a key is a passage id within the article (`ldnbot check` lists them)"
                ),
            ));
        }
        examples.extend(written(path, text, entry.examples, Target::Passage(id))?);
    }
    Ok(examples)
}

/// Checks and collects examples as written in a file.
pub(super) fn written(
    path: &Path,
    text: &str,
    examples: Vec<Spanned<String>>,
    target: Target,
) -> Result<Vec<Example>, ExamplesError> {
    examples
        .into_iter()
        .map(|example| {
            let line = line_of_offset(text, example.span().start);
            let question = example.into_inner();
            if question.trim().is_empty() {
                return Err(ExamplesError::new(
                    path,
                    line,
                    "an example question is empty",
                ));
            }
            Ok(Example {
                text: question,
                target: target.clone(),
                origin: Origin::Written,
                file: path.to_path_buf(),
                line,
            })
        })
        .collect()
}

/// The line a TOML error points at (the first when it has no span).
pub(super) fn toml_line(text: &str, err: &toml::de::Error) -> usize {
    toml_error_line(text, err).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(id: &str) -> bool {
        ["a/overview", "a/side-effects"].contains(&id)
    }

    #[test]
    fn keys_are_passage_ids_within_the_article() {
        let text = "[overview]\nexamples = [\"what is this\"]\n\n[\"side-effects\"]\nexamples = [\n  \"any side effects?\",\n  \"will it keep me awake\",\n]\n";
        let examples = parse_questions(text, Path::new("a.questions.toml"), "a", &ids).unwrap();
        assert_eq!(examples.len(), 3);
        assert_eq!(examples[1].target, Target::Passage("a/side-effects".into()));
        assert_eq!(examples[2].text, "will it keep me awake");
        assert_eq!(examples[2].line, 7);
    }

    #[test]
    fn an_unknown_passage_names_its_line() {
        let text = "[overview]\nexamples = [\"x\"]\n[nope]\nexamples = [\"y\"]\n";
        let err = parse_questions(text, Path::new("a.questions.toml"), "a", &ids).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        assert!(err.to_string().contains("\"a/nope\""), "{err}");
    }

    #[test]
    fn malformed_entries_name_their_line() {
        let text = "[overview]\nexamples = [\"x\"]\nexample = [\"typo\"]\n";
        let err = parse_questions(text, Path::new("q.toml"), "a", &ids).unwrap_err();
        assert_eq!(err.line, 3, "{err}");
        let text = "[overview]\nexamples = [\n  \"ok\",\n  \"  \",\n]\n";
        let err = parse_questions(text, Path::new("q.toml"), "a", &ids).unwrap_err();
        assert_eq!(err.line, 4, "{err}");
    }

    #[test]
    fn the_article_of_an_examples_file() {
        assert_eq!(
            article_of(Path::new("k/ldn.questions.toml")),
            Some(PathBuf::from("k/ldn.md"))
        );
        assert_eq!(article_of(Path::new("k/gaps.toml")), None);
    }
}
