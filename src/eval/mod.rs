//! `ldnbot eval`: an admin's batch test of the knowledge base against question files.

mod folds;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::answer::{Answer, Engine, EngineError};
use crate::config::Config;
use crate::knowledge::{Knowledge, Synonyms};
use crate::search::Weights;

pub use folds::{cross_validate, Fold, FoldReport};

/// A retrieval technique `ldnbot eval --without` can switch off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Technique {
    /// The vocabulary in synonyms.toml.
    Synonyms,
    /// Question shapes from synonyms.toml ("how … work").
    Shapes,
    /// Typo correction.
    Typos,
    /// Dropping question words, function words and chat filler.
    StopWords,
    /// Setting aside the topic words most passages share.
    TopicWords,
    /// Ranking passages whose heading is about the question higher.
    Headings,
    /// The lower bar when a passage matches two different things asked.
    Corroboration,
    /// Passages' example questions (`*.questions.toml`, `learned.toml`).
    Examples,
    /// Known gaps (`gaps.toml`) and the questions linked to them.
    Gaps,
    /// The intent model learned from the examples at load time.
    Intent,
    /// Discounting a passage by what is asked that neither the article nor its examples say.
    Unexplained,
}

/// The engine from `config`, with `without` switched off.
pub fn engine_without(config: &Config, without: &[Technique]) -> anyhow::Result<Engine> {
    let mut knowledge = Knowledge::load(&config.knowledge.dir).with_context(|| {
        format!(
            "cannot load the knowledge base from {}",
            config.knowledge.dir.display()
        )
    })?;
    let mut weights = Weights::default();
    let mut answer = config.answer.clone();
    for technique in without {
        match technique {
            Technique::Synonyms => knowledge.synonyms = Synonyms::default(),
            Technique::Shapes => knowledge.synonyms.shapes.clear(),
            Technique::Typos => weights.typos = false,
            Technique::StopWords => weights.stop_words = false,
            Technique::TopicWords => weights.topic_share = f32::INFINITY,
            Technique::Headings => weights.rank_title = 0.0,
            Technique::Corroboration => answer.corroborated_threshold = 1.0,
            Technique::Examples => weights.examples = false,
            Technique::Gaps => weights.gaps = false,
            Technique::Intent => weights.intent = false,
            Technique::Unexplained => weights.unexplained = false,
        }
    }
    Ok(Engine::build_with_weights(
        knowledge,
        &answer,
        &config.safety,
        weights,
    )?)
}

/// One line of a question file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub q: String,
    /// Passage ids that answer the question; empty means the bot should abstain.
    pub expect: Vec<String>,
}

/// The scores, in the same terms as the project's question-set scorer.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub in_scope: usize,
    /// Answered with an expected passage.
    pub strict: usize,
    /// One passage per answer, so lenient equals strict; kept for the familiar summary form.
    pub lenient: usize,
    pub out_of_scope: usize,
    pub abstained: usize,
    /// (strict + abstained) / all, in percent.
    pub overall: f64,
}

/// Reads a question file: one JSON object per non-blank line.
pub fn read_cases(path: &Path) -> anyhow::Result<Vec<Case>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a question line", path.display(), i + 1))
        })
        .collect()
}

/// Scores `cases`, calling `miss` with a line for every wrong answer. An index
/// fault stops the scoring: a figure that counted it as an abstention would lie.
pub fn score(
    engine: &Engine,
    cases: &[Case],
    mut miss: impl FnMut(String),
) -> Result<Summary, EngineError> {
    let mut summary = Summary::default();
    for case in cases {
        let answer = engine.answer(&case.q)?;
        let got = match &answer {
            Answer::Found { passage, .. } => passage.id.clone(),
            Answer::Unanswered { reason, .. } => format!("nothing ({})", reason.as_str()),
        };
        if case.expect.is_empty() {
            summary.out_of_scope += 1;
            if answer.is_found() {
                miss(format!("FALSE {:?}: answered with {got}", case.q));
            } else {
                summary.abstained += 1;
            }
        } else {
            summary.in_scope += 1;
            if is_correct(&answer, &case.expect) {
                summary.strict += 1;
                summary.lenient += 1;
            } else {
                miss(format!(
                    "MISS  {:?}: expected {:?}, got {got}",
                    case.q, case.expect
                ));
            }
        }
    }
    summary.finish();
    Ok(summary)
}

impl Summary {
    /// Adds another summary's counts; [`Summary::finish`] then sets `overall`.
    fn add(&mut self, other: &Summary) {
        self.in_scope += other.in_scope;
        self.strict += other.strict;
        self.lenient += other.lenient;
        self.out_of_scope += other.out_of_scope;
        self.abstained += other.abstained;
    }

    /// Sets `overall` from the counts.
    fn finish(&mut self) {
        let total = self.in_scope + self.out_of_scope;
        self.overall = if total > 0 {
            100.0 * (self.strict + self.abstained) as f64 / total as f64
        } else {
            0.0
        };
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "in-scope strict {}/{} lenient {}/{} · out-of-scope abstained {}/{} · overall {:.1}%",
            self.strict,
            self.in_scope,
            self.lenient,
            self.in_scope,
            self.abstained,
            self.out_of_scope,
            self.overall
        )
    }
}

/// Reads every file's questions, in order, as one set.
pub fn read_all(files: &[PathBuf]) -> anyhow::Result<Vec<Case>> {
    let mut cases = Vec::new();
    for file in files {
        cases.extend(read_cases(file)?);
    }
    Ok(cases)
}

/// `ldnbot eval --folds K FILE…`: cross-validation of fitting the decision.
pub fn run_folds(
    engine: &Engine,
    files: &[PathBuf],
    k: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let cases = read_all(files)?;
    anyhow::ensure!(
        cases.len() >= k,
        "--folds {k} needs at least {k} questions; the files hold {}",
        cases.len()
    );
    let report = cross_validate(engine, &cases, k)?;
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!("{report}");
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(
    engine: &Engine,
    files: &[PathBuf],
    json: bool,
    min_overall: Option<f64>,
) -> anyhow::Result<ExitCode> {
    let cases = read_all(files)?;
    let summary = score(engine, &cases, |line| println!("{line}"))?;
    if json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!("{summary}");
    }
    match min_overall {
        Some(min) if summary.overall < min => {
            eprintln!(
                "overall {:.1}% is below --min-overall {min}",
                summary.overall
            );
            Ok(ExitCode::from(1))
        }
        _ => Ok(ExitCode::SUCCESS),
    }
}

/// Whether `answer` counts as correct for a question expecting `expect` (empty: abstain).
pub fn is_correct(answer: &Answer, expect: &[String]) -> bool {
    match (answer, expect.is_empty()) {
        (Answer::Found { passage, .. }, false) => expect.iter().any(|id| *id == passage.id),
        (Answer::Unanswered { .. }, true) => true,
        _ => false,
    }
}
