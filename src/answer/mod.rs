//! The answer engine: a question in, the best passage or an honest "not covered" out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{AnswerConfig, SafetyConfig};
use crate::knowledge::{Example, Gap, Knowledge, KnowledgeError, Passage, Target};
use crate::search::{SearchError, SearchIndex, SearchResult, Weights};
use crate::strings::{normalise_question, truncate_chars};
use crate::triage::{Assessment, Triage, TriageError};

mod decision;

pub use decision::Decision;

/// How many characters of a question are looked at; the rest cannot change the answer
/// much and would only cost time.
const MAX_QUESTION_CHARS: usize = 2000;

/// How many closest topics a question not covered names, the best guess included.
pub const CLOSEST_TOPICS: usize = 3;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    #[error(transparent)]
    Index(#[from] crate::search::IndexError),
    #[error(transparent)]
    Triage(#[from] TriageError),
    /// The index failed on a question: a fault, not an answer. Callers say
    /// something went wrong and record nothing as "not covered".
    #[error(transparent)]
    Search(#[from] SearchError),
}

/// Why the bot did not answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Nothing (or only whitespace) was asked.
    Empty,
    /// No passage shares anything informative with the question.
    NoMatch,
    /// The best passage covers too little of what the question asks about.
    LowConfidence,
    /// The message describes an emergency; it gets the urgent-care notice instead.
    Urgent,
    /// The question is about a topic the knowledge base knows it does not cover
    /// (`knowledge/gaps.toml`); it gets that gap's reply.
    KnownGap,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Empty => "empty",
            Reason::NoMatch => "no_match",
            Reason::LowConfidence => "low_confidence",
            Reason::Urgent => "urgent",
            Reason::KnownGap => "known_gap",
        }
    }
}

/// A passage named next to an answer, or as the closest topic to a question not covered.
#[derive(Debug, Clone)]
pub struct Related {
    pub passage: Arc<Passage>,
    /// Coverage of the question, 0–1.
    pub score: f32,
}

#[derive(Debug, Clone)]
pub enum Answer {
    Found {
        passage: Arc<Passage>,
        /// How much of the question the passage covers, 0–1 (0 when the
        /// passage was chosen on its examples alone).
        score: f32,
        /// The next best passages, best first, up to `answer.alternatives`.
        alternatives: Vec<Related>,
        /// A runner-up close enough to the answer to be worth naming.
        see_also: Option<Related>,
    },
    Unanswered {
        reason: Reason,
        /// The closest passage, when anything matched at all.
        best_guess: Option<Related>,
        /// The topics to point the member to: the best guess, then other passages
        /// that share something informative with the question, best first, at most
        /// [`CLOSEST_TOPICS`]. From the same ranking as the decision: rendering
        /// never searches again.
        closest: Vec<Related>,
        /// The known gap the question is about, with reason [`Reason::KnownGap`].
        gap: Option<Arc<Gap>>,
    },
}

impl Answer {
    pub fn is_found(&self) -> bool {
        matches!(self, Answer::Found { .. })
    }

    pub fn reason(&self) -> Option<Reason> {
        match self {
            Answer::Found { .. } => None,
            Answer::Unanswered { reason, .. } => Some(*reason),
        }
    }

    /// The passage shown, or the closest one for a question not covered.
    pub fn passage(&self) -> Option<&Arc<Passage>> {
        match self {
            Answer::Found { passage, .. } => Some(passage),
            Answer::Unanswered { best_guess, .. } => best_guess.as_ref().map(|r| &r.passage),
        }
    }

    /// The known gap a question not covered is about.
    pub fn gap(&self) -> Option<&Arc<Gap>> {
        match self {
            Answer::Found { .. } => None,
            Answer::Unanswered { gap, .. } => gap.as_ref(),
        }
    }

    /// The coverage of the question by the passage shown or guessed: what the
    /// review log and `ask --json` report.
    pub fn score(&self) -> Option<f32> {
        match self {
            Answer::Found { score, .. } => Some(*score),
            Answer::Unanswered { best_guess, .. } => best_guess.as_ref().map(|r| r.score),
        }
    }
}

/// A message's triage and its answer (`Reason::Urgent` when the triage is urgent).
#[derive(Debug, Clone)]
pub struct Response {
    pub triage: Assessment,
    pub answer: Answer,
}

/// Everything needed to answer questions from one version of the knowledge base.
/// Immutable: a reload builds a new engine and swaps it in whole.
#[derive(Debug)]
pub struct Engine {
    passages: Vec<Arc<Passage>>,
    /// Per passage, whether it gives a figure in digits: only those answer
    /// a question that asks for a number.
    states_a_number: Vec<bool>,
    gaps: Vec<Arc<Gap>>,
    examples: Vec<Example>,
    index: SearchIndex,
    decision: Decision,
    /// Every example's wording → its target: a question asked as an example
    /// was written (or linked by a moderator) gets that example's target.
    restated: HashMap<String, usize>,
    triage: Triage,
    files: Vec<PathBuf>,
    version: String,
    settings: AnswerConfig,
    urgent_terms: Vec<Vec<String>>,
    urgent_reply: String,
}

impl Engine {
    /// Loads the knowledge directory and builds an engine over it.
    pub fn load(
        dir: &Path,
        answer: &AnswerConfig,
        safety: &SafetyConfig,
    ) -> Result<Engine, EngineError> {
        let knowledge = Knowledge::load(dir)?;
        Engine::build(knowledge, answer, safety)
    }

    pub fn build(
        knowledge: Knowledge,
        answer: &AnswerConfig,
        safety: &SafetyConfig,
    ) -> Result<Engine, EngineError> {
        Engine::build_with_weights(knowledge, answer, safety, Weights::default())
    }

    /// Builds with other retrieval weights: for measuring what each technique
    /// contributes (`ldnbot eval --without`).
    pub fn build_with_weights(
        knowledge: Knowledge,
        answer: &AnswerConfig,
        safety: &SafetyConfig,
        weights: Weights,
    ) -> Result<Engine, EngineError> {
        let triage = Triage::load(
            knowledge
                .urgent_rules
                .as_ref()
                .map(|(text, path)| (text.as_str(), path.as_path())),
        )?;
        let passage_count = knowledge.passages.len();
        let target_of = |target: &Target| match target {
            Target::Passage(id) => knowledge.passages.iter().position(|p| p.id == *id),
            Target::Gap(id) => knowledge
                .gaps
                .iter()
                .position(|gap| gap.id == *id)
                .map(|i| passage_count + i),
        };
        let examples: Vec<(usize, &str)> = knowledge
            .examples
            .iter()
            .filter(|example| match example.target {
                Target::Passage(_) => weights.examples,
                Target::Gap(_) => weights.gaps,
            })
            .filter_map(|example| Some((target_of(&example.target)?, example.text.as_str())))
            .collect();
        let restated = examples
            .iter()
            .map(|&(target, text)| (normalise_question(text), target))
            .collect();
        let index = SearchIndex::build(
            &knowledge.passages,
            &knowledge.synonyms,
            &examples,
            passage_count + knowledge.gaps.len(),
            weights,
        )?;
        let decision = if index.has_intent_model() {
            Decision::with_intent()
        } else {
            Decision::without_intent()
        };
        Ok(Engine {
            states_a_number: knowledge
                .passages
                .iter()
                .map(|p| p.text.bytes().any(|b| b.is_ascii_digit()))
                .collect(),
            passages: knowledge.passages.into_iter().map(Arc::new).collect(),
            gaps: knowledge.gaps.into_iter().map(Arc::new).collect(),
            examples: knowledge.examples,
            index,
            decision,
            restated,
            triage,
            files: knowledge.files,
            version: knowledge.version,
            settings: answer.clone(),
            urgent_terms: safety
                .urgent_terms
                .iter()
                .map(|term| urgent_words(term))
                .filter(|words| !words.is_empty())
                .collect(),
            urgent_reply: safety.urgent_reply.clone(),
        })
    }

    pub fn passages(&self) -> &[Arc<Passage>] {
        &self.passages
    }

    /// The topics the knowledge base knows it does not cover.
    pub fn gaps(&self) -> &[Arc<Gap>] {
        &self.gaps
    }

    /// Every example question, written and learned.
    pub fn examples(&self) -> &[Example] {
        &self.examples
    }

    /// The id of a search target: a passage's id, or `gap:` and a gap's id.
    pub fn target_id(&self, target: usize) -> String {
        match self.passages.get(target) {
            Some(passage) => passage.id.clone(),
            None => self
                .gaps
                .get(target - self.passages.len())
                .map_or_else(String::new, |gap| format!("gap:{}", gap.id)),
        }
    }

    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// A short hash of the knowledge files this engine was built from.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn disclaimer(&self) -> &str {
        &self.settings.disclaimer
    }

    /// Sent instead of a passage when a message looks like an emergency.
    pub fn urgent_reply(&self) -> &str {
        &self.urgent_reply
    }

    pub fn passage(&self, id: &str) -> Option<&Arc<Passage>> {
        self.passages.iter().find(|p| p.id == id)
    }

    /// Answers one question: one analysis and one search. Any text is accepted;
    /// the only error is a fault of the index (logged where it happens).
    pub fn answer(&self, question: &str) -> Result<Answer, EngineError> {
        self.respond(question).map(|response| response.answer)
    }

    /// Triages a message, then answers it unless it is urgent: what every
    /// message goes through, from Discord or the command line.
    pub fn respond(&self, question: &str) -> Result<Response, EngineError> {
        let question = truncate_chars(question, MAX_QUESTION_CHARS);
        let mut triage = self.triage.assess(question);
        if question.trim().is_empty() {
            return Ok(Response {
                triage,
                answer: unanswered(Reason::Empty),
            });
        }
        if self.is_urgent(question) {
            triage.level = crate::triage::Level::Urgent;
        }
        if triage.is_urgent() {
            return Ok(Response {
                triage,
                answer: unanswered(Reason::Urgent),
            });
        }
        let result = self
            .index
            .search(question, self.settings.alternatives + 1)?;
        Ok(Response {
            triage,
            answer: self.decide(question, &result),
        })
    }

    /// The weights this engine decides with.
    pub fn decision(&self) -> Decision {
        self.decision
    }

    /// Whether the engine has an intent model (examples to learn from, and not
    /// too many targets): without one its weights in [`Decision`] do nothing.
    pub fn has_intent_model(&self) -> bool {
        self.index.has_intent_model()
    }

    /// The triage rules this engine was built with.
    pub fn triage(&self) -> &Triage {
        &self.triage
    }

    /// The search behind an answer, for diagnostics (`ldnbot ask --explain`) and
    /// autocomplete.
    pub fn search(&self, question: &str) -> Result<SearchResult, SearchError> {
        self.index.search(
            truncate_chars(question, MAX_QUESTION_CHARS),
            self.settings.alternatives + 1,
        )
    }

    /// Every example sharing something with `question`, for diagnostics and fitting.
    pub fn example_matches(&self, question: &str) -> Vec<crate::search::ExampleMatch> {
        self.index
            .example_matches(truncate_chars(question, MAX_QUESTION_CHARS))
    }

    /// How many searches this engine has run: one per answered question, so
    /// tests can check that nothing searches a question twice.
    pub fn searches(&self) -> u64 {
        self.index.searches()
    }

    fn is_urgent(&self, question: &str) -> bool {
        let words = urgent_words(question);
        self.urgent_terms.iter().any(|term| {
            words
                .windows(term.len())
                .any(|window| window == term.as_slice())
        })
    }
}

/// Lowercase words with apostrophes dropped, so "can't breathe", "cant breathe"
/// and "CAN’T BREATHE" all read the same.
fn urgent_words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .replace(['\'', '’', '‘'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(String::from)
        .collect()
}

/// An abstention with nothing to point to.
fn unanswered(reason: Reason) -> Answer {
    Answer::Unanswered {
        reason,
        best_guess: None,
        closest: Vec::new(),
        gap: None,
    }
}
