//! The knowledge base: Markdown files parsed into passages.
//!
//! Each `*.md` file in the knowledge directory is one article:
//!
//! - `# Title` is the article's title; text before the first `##` is its overview;
//! - the text under each `##` (or deeper) heading is one passage;
//! - a list whose every item opens with a bold title (`1. **Title:** text`) gives
//!   one passage per item, under the heading it sits in;
//! - optional TOML front matter between `+++` lines sets `title`, `source` and `tags`.

//!
//! One file per kind of knowledge file: `articles` (the Markdown), `examples`
//! (`*.questions.toml`: how members ask what each passage answers), `gaps`
//! (`gaps.toml`: what the knowledge base knows it does not cover), `learned`
//! (`learned.toml`: questions moderators linked) and `synonyms` (the
//! vocabulary); this module loads a whole directory of them.

mod articles;
mod examples;
mod gaps;
mod learned;
mod synonyms;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use articles::{parse_article, slug};
pub use examples::{Example, ExamplesError, Origin, Target, QUESTIONS_SUFFIX};
pub use gaps::{Gap, GAPS_FILE};
pub use learned::{append_learned, LearnError, Learned, LEARNED_FILE};
pub use synonyms::{Synonyms, SynonymsError};

/// The name of the vocabulary file inside the knowledge directory.
pub const SYNONYMS_FILE: &str = "synonyms.toml";

/// The name of the admin's triage rules file inside the knowledge directory.
pub const URGENT_FILE: &str = "urgent.toml";

/// What the overview passage (the text before the first `##`) is called.
pub const OVERVIEW_TITLE: &str = "Overview";

/// Separates the headings of a section path when shown as one line.
pub const SECTION_SEPARATOR: &str = " › ";

#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: invalid front matter: {message}")]
    FrontMatter {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: no passages found; add a heading with text under it")]
    NoPassages { path: PathBuf },
    #[error("{dir}: no knowledge files (*.md) found")]
    EmptyDir { dir: PathBuf },
    #[error("{path}:{line}: passage id {id:?} is used twice; rename one of the headings")]
    DuplicateId {
        path: PathBuf,
        line: usize,
        id: String,
    },
    #[error(transparent)]
    Synonyms(#[from] SynonymsError),
    #[error(transparent)]
    Examples(#[from] ExamplesError),
    #[error("{path}: example questions for an article that does not exist ({article}); name the file after its article")]
    OrphanExamples { path: PathBuf, article: PathBuf },
}

/// One answerable piece of an article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// Stable across reloads while the file name and headings stay the same:
    /// `file-slug/heading-slug[/item-slug]`. Feedback and the review log refer to it.
    pub id: String,
    /// The title of the article the passage comes from, shown as its source.
    pub article: String,
    /// Headings from the article down to this passage, e.g.
    /// `["Considerations and Caveats", "Balancing Risks and Benefits"]`.
    pub section_path: Vec<String>,
    /// The passage as Markdown, exactly as written in the file.
    pub text: String,
    pub tags: Vec<String>,
    pub file: PathBuf,
    /// The 1-based line the passage starts on, for error messages.
    pub line: usize,
}

impl Passage {
    /// The section path as one line: `Considerations and Caveats › Balancing Risks and Benefits`.
    pub fn section(&self) -> String {
        self.section_path.join(SECTION_SEPARATOR)
    }

    /// The passage's own heading: the last element of its section path.
    pub fn title(&self) -> &str {
        self.section_path.last().map_or("", String::as_str)
    }
}

/// Everything loaded from a knowledge directory, ready to index.
#[derive(Debug, Clone)]
pub struct Knowledge {
    pub dir: PathBuf,
    /// The Markdown files read, in name order.
    pub files: Vec<PathBuf>,
    pub passages: Vec<Passage>,
    pub synonyms: Synonyms,
    /// Example questions of passages and gaps: written ones first, then learned ones.
    pub examples: Vec<Example>,
    pub gaps: Vec<Gap>,
    /// `urgent.toml`, the admin's triage rules, as text with its path: the
    /// triage module parses and validates it (see [`crate::triage`]).
    pub urgent_rules: Option<(String, PathBuf)>,
    /// A short hash of every file's name and content: equal versions mean equal knowledge.
    pub version: String,
}

impl Knowledge {
    /// Loads every `*.md` file, their `*.questions.toml`, `gaps.toml`,
    /// `learned.toml` and `synonyms.toml` from `dir`.
    pub fn load(dir: &Path) -> Result<Knowledge, KnowledgeError> {
        let read_err = |source| KnowledgeError::Read {
            path: dir.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        let mut question_files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_err)? {
            let path = entry.map_err(read_err)?.path();
            if !path.is_file() {
                continue;
            }
            if path.extension().is_some_and(|ext| ext == "md") {
                files.push(path);
            } else if examples::article_of(&path).is_some() {
                question_files.push(path);
            }
        }
        files.sort();
        question_files.sort();
        if files.is_empty() {
            return Err(KnowledgeError::EmptyDir {
                dir: dir.to_path_buf(),
            });
        }

        let mut hasher = Sha256::new();
        let mut passages: Vec<Passage> = Vec::new();
        let mut ids = std::collections::HashSet::new();
        for path in &files {
            let text = read(path)?;
            hash_file(&mut hasher, path, &text);
            for passage in parse_article(path, &text)? {
                if !ids.insert(passage.id.clone()) {
                    return Err(KnowledgeError::DuplicateId {
                        path: passage.file,
                        line: passage.line,
                        id: passage.id,
                    });
                }
                passages.push(passage);
            }
        }

        let synonyms_path = dir.join(SYNONYMS_FILE);
        let synonyms = match read_optional(&synonyms_path)? {
            Some(text) => {
                hash_file(&mut hasher, &synonyms_path, &text);
                Synonyms::parse(&text, &synonyms_path)?
            }
            None => Synonyms::default(),
        };

        let has_passage = |id: &str| ids.contains(id);
        let mut examples = Vec::new();
        for path in &question_files {
            let article = examples::article_of(path).unwrap_or_default();
            if !files.contains(&article) {
                return Err(KnowledgeError::OrphanExamples {
                    path: path.clone(),
                    article,
                });
            }
            let text = read(path)?;
            hash_file(&mut hasher, path, &text);
            let slug = article_slug(&article);
            examples.extend(examples::parse_questions(&text, path, &slug, &has_passage)?);
        }
        let gaps_path = dir.join(GAPS_FILE);
        let gaps = match read_optional(&gaps_path)? {
            Some(text) => {
                hash_file(&mut hasher, &gaps_path, &text);
                let (gaps, gap_examples) = gaps::parse_gaps(&text, &gaps_path)?;
                examples.extend(gap_examples);
                gaps
            }
            None => Vec::new(),
        };
        let learned_path = dir.join(LEARNED_FILE);
        if let Some(text) = read_optional(&learned_path)? {
            hash_file(&mut hasher, &learned_path, &text);
            let has_gap = |id: &str| gaps.iter().any(|gap| gap.id == id);
            examples.extend(learned::parse_learned(
                &text,
                &learned_path,
                &has_passage,
                &has_gap,
            )?);
        }

        let urgent_path = dir.join(URGENT_FILE);
        let urgent_rules = read_optional(&urgent_path)?.map(|text| {
            hash_file(&mut hasher, &urgent_path, &text);
            (text, urgent_path)
        });

        let version = hex::encode(&hasher.finalize()[..6]);
        Ok(Knowledge {
            urgent_rules,
            dir: dir.to_path_buf(),
            files,
            passages,
            synonyms,
            examples,
            gaps,
            version,
        })
    }
}

fn read(path: &Path) -> Result<String, KnowledgeError> {
    std::fs::read_to_string(path).map_err(|source| KnowledgeError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// A file that may be absent: absent is `None`, unreadable is an error.
fn read_optional(path: &Path) -> Result<Option<String>, KnowledgeError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(KnowledgeError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The id prefix of an article's passages: the slug of its file name.
fn article_slug(article: &Path) -> String {
    slug(
        &article
            .file_stem()
            .map(|s| s.to_string_lossy())
            .unwrap_or_default(),
    )
}

fn hash_file(hasher: &mut Sha256, path: &Path, text: &str) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    hasher.update(name.as_bytes());
    hasher.update([0]);
    hasher.update(text.as_bytes());
    hasher.update([0]);
}
