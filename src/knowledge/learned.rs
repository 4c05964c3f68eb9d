//! Learned examples: `knowledge/learned.toml`, the questions moderators linked
//! from the review log to a passage or a known gap.
//!
//! The bot writes this file (`/unanswered link`, `/unanswered gap`, and
//! `ldnbot unanswered link|gap`) and then reloads, so the next asking of the
//! question — and of a close paraphrase — gets the linked answer. It is
//! machine-written but meant to be read and diffed: one `[[example]]` per link.
//! Each write replaces the file whole (a temporary file, fsync, rename), so a
//! crash leaves the old file or the new one, never half of one.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::strings::line_of_offset;

use super::examples::{toml_line, Example, ExamplesError, Origin, Target};

/// The name of the learned-examples file inside the knowledge directory.
pub const LEARNED_FILE: &str = "learned.toml";

const HEADER: &str = "# Questions moderators linked from the review log to a passage or a known gap.\n# Written by ldnbot (`/unanswered link`, `/unanswered gap`); safe to edit by hand.\n";

/// One link a moderator made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Learned {
    pub question: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<String>,
    /// When it was linked, RFC 3339.
    pub added: String,
    /// The moderator's keyed hash (never their id).
    pub moderator: String,
    /// The review-log item it came from.
    pub review_item: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LearnedFile {
    #[serde(default)]
    example: Vec<Spanned<Learned>>,
}

#[derive(Serialize)]
struct LearnedOut<'a> {
    example: &'a [Learned],
}

#[derive(Debug, thiserror::Error)]
pub enum LearnError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Invalid(#[from] ExamplesError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Parses `learned.toml` into the links and their examples; `passage_ids` and
/// `gap_ids` say which targets exist.
pub fn parse_learned(
    text: &str,
    path: &Path,
    passage_ids: &dyn Fn(&str) -> bool,
    gap_ids: &dyn Fn(&str) -> bool,
) -> Result<Vec<Example>, ExamplesError> {
    let file: LearnedFile = toml::from_str(text)
        .map_err(|err| ExamplesError::new(path, toml_line(text, &err), err.message().trim()))?;
    file.example
        .into_iter()
        .map(|entry| {
            let line = line_of_offset(text, entry.span().start);
            let entry = entry.into_inner();
            let target = match (entry.passage, entry.gap) {
                (Some(id), None) if passage_ids(&id) => Target::Passage(id),
                (None, Some(id)) if gap_ids(&id) => Target::Gap(id),
                (Some(id), None) | (None, Some(id)) => {
                    return Err(ExamplesError::new(
                        path,
                        line,
                        format!("{id:?} names no passage or gap of the knowledge base"),
                    ))
                }
                _ => {
                    return Err(ExamplesError::new(
                        path,
                        line,
                        "an example needs exactly one of `passage` and `gap`",
                    ))
                }
            };
            if entry.question.trim().is_empty() {
                return Err(ExamplesError::new(path, line, "the question is empty"));
            }
            Ok(Example {
                text: entry.question,
                target,
                origin: Origin::Learned,
                file: path.to_path_buf(),
                line,
            })
        })
        .collect()
}

/// Adds `entry` to `dir/learned.toml`, replacing the file atomically.
pub fn append_learned(dir: &Path, entry: Learned) -> Result<PathBuf, LearnError> {
    let path = dir.join(LEARNED_FILE);
    let mut entries = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let file: LearnedFile = toml::from_str(&text).map_err(|err| {
                ExamplesError::new(&path, toml_line(&text, &err), err.message().trim())
            })?;
            file.example.into_iter().map(Spanned::into_inner).collect()
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(LearnError::Read { path, source }),
    };
    entries.push(entry);
    let body =
        toml::to_string(&LearnedOut { example: &entries }).map_err(|err| LearnError::Write {
            path: path.clone(),
            source: std::io::Error::other(err),
        })?;
    write_atomically(&path, &format!("{HEADER}\n{body}")).map_err(|source| LearnError::Write {
        path: path.clone(),
        source,
    })?;
    Ok(path)
}

/// Temp file beside the target, fsync, rename over it, fsync the folder.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile_in(dir, path)?;
    let result = (|| {
        tmp.1.write_all(text.as_bytes())?;
        tmp.1.sync_all()?;
        std::fs::rename(&tmp.0, path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp.0);
    }
    result
}

/// A new file beside `path` that no other writer uses (`create_new`).
fn tempfile_in(dir: &Path, path: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("learned");
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)?;
    Ok((tmp, file))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(question: &str, passage: Option<&str>, gap: Option<&str>) -> Learned {
        Learned {
            question: question.into(),
            passage: passage.map(Into::into),
            gap: gap.map(Into::into),
            added: "2026-01-01T00:00:00Z".into(),
            moderator: "abc".into(),
            review_item: 7,
        }
    }

    #[test]
    fn appended_links_read_back_as_examples() {
        let dir = tempfile::tempdir().unwrap();
        append_learned(dir.path(), entry("q \"one\"\nline", Some("a/b"), None)).unwrap();
        let path = append_learned(dir.path(), entry("two", None, Some("alcohol"))).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let examples =
            parse_learned(&text, &path, &|id| id == "a/b", &|id| id == "alcohol").unwrap();
        assert_eq!(examples.len(), 2);
        assert_eq!(examples[0].text, "q \"one\"\nline");
        assert_eq!(examples[1].target, Target::Gap("alcohol".into()));
        assert_eq!(examples[1].origin, Origin::Learned);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn unknown_targets_name_their_line() {
        let text = "[[example]]\nquestion = \"q\"\npassage = \"gone\"\nadded = \"t\"\nmoderator = \"m\"\nreview_item = 1\n";
        let err =
            parse_learned(text, Path::new("learned.toml"), &|_| false, &|_| false).unwrap_err();
        assert!(err.to_string().starts_with("learned.toml:1:"), "{err}");
        let both = "[[example]]\nquestion = \"q\"\npassage = \"p\"\ngap = \"g\"\nadded = \"t\"\nmoderator = \"m\"\nreview_item = 1\n";
        let err = parse_learned(both, Path::new("l"), &|_| true, &|_| true).unwrap_err();
        assert!(err.to_string().contains("exactly one"), "{err}");
    }
}
