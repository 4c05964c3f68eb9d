//! The domain vocabulary: `knowledge/synonyms.toml`, edited by admins and
//! loaded (and reloaded) with the knowledge.
//!
//! ```toml
//! # Two-way: every word or phrase in a group stands for all the others.
//! equivalent = [
//!   ["LDN", "low dose naltrexone"],
//! ]
//!
//! # One-way: a word or phrase members use (left) also finds the article's words (right).
//! [lay]
//! "trouble sleeping" = ["insomnia"]
//!
//! # Words that carry no meaning in this community's questions ("lol", "tbh").
//! ignore = ["lol"]
//!
//! # Question shapes: these words in this order (others may come between), question
//! # words included, say what is asked even when each word alone says little.
//! [shapes]
//! "how work" = ["mechanism of action"]
//! ```
//!
//! Entries are plain words; they go through the same analyzer as the articles,
//! so "dreams" also matches "dream".

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct SynonymsError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

/// The vocabulary as written; [`crate::search`] analyzes it when it builds an index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    /// Groups of words or phrases that stand for each other.
    pub equivalent: Vec<Vec<String>>,
    /// A member's word or phrase, and the article's words it also finds.
    pub lay: Vec<(String, Vec<String>)>,
    /// Words to leave out of every question.
    pub ignore: Vec<String>,
    /// Words, in order, that say what a question asks, and the article's words that answer it.
    pub shapes: Vec<(String, Vec<String>)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    #[serde(default)]
    equivalent: Vec<Vec<String>>,
    #[serde(default)]
    lay: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    shapes: BTreeMap<String, Vec<String>>,
}

impl Synonyms {
    /// Parses the file's text; errors name `path` and the line.
    pub fn parse(text: &str, path: &Path) -> Result<Synonyms, SynonymsError> {
        let error = |line: usize, message: String| SynonymsError {
            path: path.to_path_buf(),
            line,
            message,
        };
        let file: SynonymsFile = toml::from_str(text).map_err(|err| {
            let line = crate::strings::toml_error_line(text, &err).unwrap_or(1);
            error(line, err.message().trim().to_string())
        })?;
        let line_of = |needle: &str| {
            text.lines()
                .position(|line| line.contains(needle))
                .map_or(1, |index| index + 1)
        };
        for group in &file.equivalent {
            if group.len() < 2 || group.iter().any(|word| word.trim().is_empty()) {
                let first = group.first().map_or("", String::as_str);
                return Err(error(
                    line_of(first),
                    format!("equivalent group {group:?} needs at least two non-empty entries"),
                ));
            }
        }
        for (word, targets) in file.lay.iter().chain(&file.shapes) {
            if word.trim().is_empty()
                || targets.is_empty()
                || targets.iter().any(|t| t.trim().is_empty())
            {
                return Err(error(
                    line_of(word),
                    format!("entry {word:?} needs a word and at least one non-empty target"),
                ));
            }
        }
        Ok(Synonyms {
            equivalent: file.equivalent,
            lay: file.lay.into_iter().collect(),
            ignore: file.ignore,
            shapes: file.shapes.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_three_kinds() {
        let text = "equivalent = [[\"LDN\", \"low dose naltrexone\"]]\nignore = [\"lol\"]\n[lay]\n\"bad dreams\" = [\"vivid dreams\"]\n";
        let synonyms = Synonyms::parse(text, Path::new("s.toml")).unwrap();
        assert_eq!(synonyms.equivalent.len(), 1);
        assert_eq!(synonyms.lay[0].0, "bad dreams");
        assert_eq!(synonyms.ignore, ["lol"]);
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = Synonyms::parse("equivalent = [[\"x\"]]\n", Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.toml:1:"), "{err}");
        let err = Synonyms::parse("\n[lay]\nfoo = 3\n", Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("s.toml:3:"), "{err}");
    }
}
