//! Retrieval: passages in a Tantivy index, and questions turned into the
//! concepts they ask about.
//!
//! A question is analyzed into *concepts*: its informative words (question
//! words, function words and chat filler are left out), each with the other
//! forms that should find it — synonyms from `synonyms.toml`, and the corpus
//! word it is a typo of — plus optional concepts from question shapes
//! ("how … work"). Tantivy ranks passages by BM25 over the weightiest concepts;
//! then each candidate's *coverage* says how much of what the question asks
//! about the passage actually contains, which is what the answer decision rests on.
//!
//! One concern per file: [`analysis`](self) (analyzers, tokens), `stop_words`
//! (the list, as data), `vocabulary` (rules from `synonyms.toml`), `typos` (the
//! speller), `focus` (what a message asks, and its background), `concepts`
//! (words → weighted concepts, shapes), `index` (the
//! Tantivy index and postings), `query` (the BM25 query), `coverage` (scoring a hit).

mod analysis;
mod concepts;
mod coverage;
mod examples;
mod focus;
mod index;
mod intent;
mod query;
mod stop_words;
mod typos;
mod vocabulary;

use std::sync::atomic::{AtomicU64, Ordering};

use tantivy::collector::TopDocs;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::IndexReader;

pub use concepts::{Concept, Form};
pub use coverage::Hit;
pub use examples::{ExampleMatch, ExampleWeights};
pub use stop_words::is_stop_word;

use crate::knowledge::{Passage, Synonyms};
use examples::ExampleIndex;
use focus::Focus;
use index::{Fields, Postings, ORD_FIELD};
use intent::IntentModel;
use typos::Speller;
use vocabulary::Vocabulary;

/// How strongly each way of matching counts, relative to the word itself.
#[derive(Debug, Clone, Copy)]
pub struct Weights {
    /// A passage heading is a summary of the passage: a match there says more.
    pub title_boost: f32,
    pub section_boost: f32,
    /// A two-way synonym: nearly the word itself, but the word as written wins a tie.
    pub equivalent: f32,
    /// A member's lay word matching the article's term.
    pub lay: f32,
    /// A misspelt word matching the corpus word it is closest to.
    pub fuzzy: f32,
    /// Concepts that most passages share (e.g. "LDN" here) rank with this share of their weight
    /// and are set aside when judging coverage.
    pub topic: f32,
    /// A concept in at least this share of passages is a topic concept.
    pub topic_share: f32,
    /// How much BM25 (as a share of the best hit's) adds to a hit's rank.
    pub rank_bm25: f32,
    /// How much covering the passage heading adds to a hit's rank.
    pub rank_title: f32,
    /// A word the corpus lacks weighs like a word in this share of passages.
    pub unknown_share: f32,
    /// Leave question words, function words and chat filler out of questions.
    pub stop_words: bool,
    /// Match questions against passages' example questions too.
    pub examples: bool,
    /// Match questions against known gaps' example questions.
    pub gaps: bool,
    /// How closeness to an example is measured.
    pub example: ExampleWeights,
    /// Learn an intent model from the examples at load time.
    pub intent: bool,
    /// Correct misspelt words to the closest word of the knowledge base.
    pub typos: bool,
    /// Measure what the question asks that neither the article nor a
    /// target's examples speak of ([`SearchResult::unexplained`]).
    pub unexplained: bool,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            title_boost: 2.0,
            section_boost: 0.5,
            equivalent: 0.9,
            lay: 0.8,
            fuzzy: 0.7,
            topic: 0.3,
            topic_share: 0.5,
            rank_bm25: 0.25,
            rank_title: 0.25,
            unknown_share: 0.25,
            stop_words: true,
            examples: true,
            gaps: true,
            example: ExampleWeights::default(),
            intent: true,
            typos: true,
            unexplained: true,
        }
    }
}

/// What a search found.
#[derive(Debug, Clone, Default)]
pub struct SearchResult {
    pub concepts: Vec<Concept>,
    /// Best first.
    pub hits: Vec<Hit>,
    /// Per target (the passages in order, then the known gaps): its example
    /// closeness to the question, 0–1.
    pub closeness: Vec<f32>,
    /// Per target, the intent model's probability that the question asks for
    /// it; empty when no model was trained.
    pub intent: Vec<f32>,
    /// Per target, the share of the question in words that mark that known
    /// gap (only its examples use them); 0 for passages.
    pub gap_words: Vec<f32>,
    /// Per target, the share of what the question asks in words that neither
    /// the article nor the target's examples use ([`ExampleIndex::unexplained`]).
    pub unexplained: Vec<f32>,
    /// The message thanks and asks nothing ([`focus::only_thanks`]).
    pub only_thanks: bool,
    /// What it asks asks for a number ([`focus::asks_for_a_number`]).
    pub asks_number: bool,
}

impl SearchResult {
    pub fn informative_concepts(&self) -> impl Iterator<Item = &Concept> {
        self.concepts.iter().filter(|c| !c.topic)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot build the search index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

/// The index failed while answering a question. It is in RAM and built whole,
/// so this is a fault, never something a question can cause: callers must not
/// mistake it for "the knowledge base does not cover this".
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search index failed: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("the search index returned a document without a passage number")]
    MissingPassage,
}

/// The passages' Tantivy index, with what the analysis of questions needs.
pub struct SearchIndex {
    reader: IndexReader,
    fields: Fields,
    /// Lowercased, ASCII-folded words; no stemming. Cloned per question (analyzers need `&mut`).
    words: TextAnalyzer,
    stemmer: TextAnalyzer,
    postings: Postings,
    examples: ExampleIndex,
    intent: IntentModel,
    speller: Speller,
    vocabulary: Vocabulary,
    /// Each passage's heading as stems, function words left out.
    titles: Vec<Vec<String>>,
    passage_count: usize,
    weights: Weights,
    /// Searches run so far: lets tests check that a question is searched once.
    searches: AtomicU64,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("passages", &self.passage_count)
            .field("stems", &self.postings.len())
            .field("rules", &self.vocabulary.rules.len())
            .finish()
    }
}

impl SearchIndex {
    /// Indexes `passages` in RAM, analyzes the vocabulary and indexes the
    /// example questions, given as (target, text): a target is a passage's
    /// index, or `passages.len() + i` for the i-th of `targets - passages.len()` known gaps.
    pub fn build(
        passages: &[Passage],
        synonyms: &Synonyms,
        examples: &[(usize, &str)],
        targets: usize,
        weights: Weights,
    ) -> Result<SearchIndex, IndexError> {
        let index::Written {
            reader,
            fields,
            postings,
            titles,
            mut known,
        } = index::write(passages)?;
        let vocabulary = Vocabulary::build(synonyms, &weights, &mut known);
        let mut example_index = examples::build(examples, passages.len(), targets, &vocabulary);
        example_index.mark_gap_words(|stem| postings.has(stem));
        let speller = Speller::new(known);
        let mut index = SearchIndex {
            reader,
            fields,
            words: analysis::word_analyzer(),
            stemmer: analysis::stem_analyzer(),
            postings,
            examples: example_index,
            intent: IntentModel::default(),
            speller,
            vocabulary,
            titles,
            passage_count: passages.len(),
            weights,
            searches: AtomicU64::new(0),
        };
        if weights.intent {
            // Examples are analyzed as questions are, so the model learns the
            // features a question will have.
            // A passage's heading and sentences are examples of it too: a new
            // section nobody has written examples for is still known to the model.
            let own_words = passages.iter().enumerate().flat_map(|(target, passage)| {
                std::iter::once(passage.section_path.join(" "))
                    .chain(passage.text.split(". ").map(str::to_string))
                    .map(move |text| (target, text))
            });
            let mut words = index.words.clone();
            let keyed = examples
                .iter()
                .map(|&(target, text)| (target, text.to_string()))
                .chain(own_words)
                .map(|(target, text)| {
                    let concepts = index.concepts(&text);
                    (target, intent::keys(&mut words, &text, &concepts))
                })
                .collect();
            index.intent = IntentModel::train(keyed, passages.len(), targets);
        }
        Ok(index)
    }

    /// Finds the passages that best cover `question`, best first, at most `limit`.
    ///
    /// Any text is accepted; an error is a fault of the index itself, and is logged here.
    pub fn search(&self, question: &str, limit: usize) -> Result<SearchResult, SearchError> {
        self.searches.fetch_add(1, Ordering::Relaxed);
        let (concepts, focus) = self.asked_concepts(question);
        let only_thanks = focus::only_thanks(question);
        let asks_number =
            focus::asks_for_a_number(focus.as_ref().map_or(question, |f| f.ask.as_str()));
        if concepts.is_empty() || self.passage_count == 0 {
            return Ok(SearchResult {
                concepts,
                only_thanks,
                asks_number,
                ..SearchResult::default()
            });
        }
        let hits = self.rank(&concepts, limit).inspect_err(|error| {
            tracing::error!(%error, "the search index failed on a question");
        })?;
        let closeness = self.examples.closeness(&concepts, self.weights.example);
        let gap_words = self.examples.gap_words(&concepts);
        let unexplained = if self.weights.unexplained {
            self.examples.unexplained(&concepts)
        } else {
            Vec::new()
        };
        let intent = self.intent_probabilities(question, focus.as_ref(), &concepts);
        Ok(SearchResult {
            concepts,
            hits,
            closeness,
            intent,
            gap_words,
            unexplained,
            only_thanks,
            asks_number,
        })
    }

    /// The intent model's probabilities for a message: what it asks counts
    /// fully, its background for [`focus::BACKGROUND`].
    fn intent_probabilities(
        &self,
        message: &str,
        focus: Option<&Focus>,
        concepts: &[Concept],
    ) -> Vec<f32> {
        if !self.intent.is_trained() {
            return Vec::new();
        }
        let mut words = self.words.clone();
        let Some(focus) = focus else {
            let keys = intent::keys(&mut words, message, concepts);
            return self.intent.probabilities(&[(&keys, 1.0)]);
        };
        let (told, asked): (Vec<Concept>, Vec<Concept>) =
            concepts.iter().cloned().partition(|c| c.background);
        let ask = intent::keys(&mut words, &focus.ask, &asked);
        let background = intent::keys(&mut words, &focus.background, &told);
        self.intent
            .probabilities(&[(&ask, 1.0), (&background, focus::BACKGROUND)])
    }

    /// Every example sharing something with `question`: for diagnostics and fitting.
    pub fn example_matches(&self, question: &str) -> Vec<ExampleMatch> {
        let (concepts, _) = self.asked_concepts(question);
        self.examples.matches(&concepts, self.weights.example)
    }

    /// Whether the examples trained an intent model.
    pub fn has_intent_model(&self) -> bool {
        self.intent.is_trained()
    }

    /// How many searches this index has run.
    pub fn searches(&self) -> u64 {
        self.searches.load(Ordering::Relaxed)
    }

    /// BM25 candidates, scored by coverage and ordered by rank.
    fn rank(&self, concepts: &[Concept], limit: usize) -> Result<Vec<Hit>, SearchError> {
        let query = self.query(concepts);
        let searcher = self.reader.searcher();
        // A small corpus is ranked whole; a large one by its BM25 leaders.
        let depth = limit.max(10);
        let top = searcher.search(&query, &TopDocs::with_limit(depth).order_by_score())?;
        let best_bm25 = top
            .first()
            .map_or(1.0, |(score, _)| score.max(f32::EPSILON));
        // Each segment's column of passage numbers, opened once per search.
        let columns = searcher
            .segment_readers()
            .iter()
            .map(|segment| segment.fast_fields().u64(ORD_FIELD))
            .collect::<Result<Vec<_>, _>>()?;
        let mut hits = Vec::with_capacity(top.len());
        for (bm25, address) in top {
            let ords = columns
                .get(address.segment_ord as usize)
                .ok_or(SearchError::MissingPassage)?;
            let passage = ords
                .first(address.doc_id)
                .ok_or(SearchError::MissingPassage)? as usize;
            hits.push(self.hit(passage, bm25, best_bm25, concepts));
        }
        hits.sort_by(|a, b| b.rank.total_cmp(&a.rank).then(a.passage.cmp(&b.passage)));
        hits.truncate(limit);
        Ok(hits)
    }
}
