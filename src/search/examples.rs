//! Example questions as evidence: how close a question is to the ways members
//! ask what each passage answers, or what each known gap covers.
//!
//! A passage's own words are the article's; its examples are the members'. A
//! question that shares little with the passage ("is it on me to bring this up")
//! can still be close to one of its examples, and a question that shares topic
//! words with a passage ("can I have a beer on LDN") can be far closer to a gap's
//! example than to anything the article says.
//!
//! Closeness is symmetric coverage with idf weights over the examples: how much of
//! the question the example explains, and how much of the example the question
//! contains. The second counts more, so background ("RA since 2014, diabetic…")
//! around a clear ask does not sink it.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::analysis::{separate_numbers, stem_analyzer, tokens, word_analyzer};
use super::concepts::{Concept, Form};
use super::stop_words::is_stop_word;
use super::vocabulary::Vocabulary;

/// Analyzes example questions as questions are (function words and chat
/// filler left out, no typo correction: examples are written with care) and
/// indexes them. A member's word an example uses is never "corrected"
/// (`contains_stem`), but the speller corrects only towards the articles' and
/// the vocabulary's words: examples use so many everyday words that ordinary
/// words ("bread") would otherwise be taken for typos of them ("break").
pub(super) fn build(
    examples: &[(usize, &str)],
    passages: usize,
    targets: usize,
    vocabulary: &Vocabulary,
) -> ExampleIndex {
    let mut words = word_analyzer();
    let mut stemmer = stem_analyzer();
    let analyzed = examples.iter().map(|&(target, text)| {
        let text = separate_numbers(text);
        let stems = tokens(&mut words, &text)
            .into_iter()
            .filter(|word| !is_stop_word(word) && !vocabulary.ignore.contains(word))
            .filter_map(|word| tokens(&mut stemmer, &word).pop())
            .collect();
        (target, stems)
    });
    ExampleIndex::build(analyzed.collect::<Vec<_>>(), passages, targets)
}

/// How much a target's second-nearest example adds to its closeness.
const RUNNER_UP: f32 = 0.5;

/// One example, analyzed.
#[derive(Debug)]
struct Doc {
    /// Index into the targets the index was built with.
    target: usize,
    /// Sum of the idf of its informative stems, each counted once.
    norm: f32,
}

/// Example questions, searchable by concept.
#[derive(Debug, Default)]
pub struct ExampleIndex {
    docs: Vec<Doc>,
    /// Stem → sorted example indices containing it.
    postings: FxHashMap<String, Vec<u32>>,
    /// Targets below this are passages, the rest known gaps.
    passages: usize,
    targets: usize,
    /// Stems that only one gap's examples use (no passage, no passage's
    /// example): the gap they mark.
    gap_words: FxHashMap<String, usize>,
}

/// How strongly the question side counts against the example side.
#[derive(Debug, Clone, Copy)]
pub struct ExampleWeights {
    /// Exponent of "how much of the question the example explains"; the example
    /// side gets `1 - question_share`.
    pub question_share: f32,
    /// A question word no example has weighs like a word in this share of examples.
    pub unknown_share: f32,
}

impl Default for ExampleWeights {
    fn default() -> Self {
        ExampleWeights {
            question_share: 0.5,
            unknown_share: 0.02,
        }
    }
}

impl ExampleIndex {
    /// Indexes examples given as (target index, informative stems); the
    /// first `passages` targets are passages, the rest known gaps.
    pub fn build(
        examples: impl IntoIterator<Item = (usize, Vec<String>)>,
        passages: usize,
        targets: usize,
    ) -> Self {
        let mut docs: Vec<(usize, Vec<String>)> = Vec::new();
        let mut postings: FxHashMap<String, Vec<u32>> = FxHashMap::default();
        for (target, mut stems) in examples {
            stems.sort();
            stems.dedup();
            if stems.is_empty() {
                continue;
            }
            let ord = docs.len() as u32;
            for stem in &stems {
                postings.entry(stem.clone()).or_default().push(ord);
            }
            docs.push((target, stems));
        }
        let n = docs.len() as f32;
        let docs = docs
            .into_iter()
            .map(|(target, stems)| Doc {
                target,
                norm: stems
                    .iter()
                    .map(|stem| idf(n, postings.get(stem).map_or(1, Vec::len) as f32))
                    .sum(),
            })
            .collect();
        ExampleIndex {
            docs,
            postings,
            passages,
            targets,
            gap_words: FxHashMap::default(),
        }
    }

    /// Finds the words that mark a gap: used by one gap's examples and by
    /// nothing else, neither a passage (`in_passages`) nor another example.
    /// "turmeric" or "tramadol" in a message says what it is about, however
    /// many of the article's words come with it.
    pub fn mark_gap_words(&mut self, in_passages: impl Fn(&str) -> bool) {
        let mut marks = FxHashMap::default();
        for (stem, docs) in &self.postings {
            let mut targets = docs.iter().map(|&doc| self.docs[doc as usize].target);
            let Some(first) = targets.next() else {
                continue;
            };
            if first >= self.passages && targets.all(|t| t == first) && !in_passages(stem) {
                marks.insert(stem.clone(), first);
            }
        }
        self.gap_words = marks;
    }

    /// Per target, the share (0–1) of the question's informative weight in
    /// words that mark that gap ([`ExampleIndex::mark_gap_words`]) and that the
    /// article has in no form; 0 for passages.
    pub fn gap_words(&self, concepts: &[Concept]) -> Vec<f32> {
        let mut out = vec![0.0f32; self.targets];
        let mut total = 0.0;
        for concept in concepts.iter().filter(|c| !c.topic && !c.optional) {
            total += concept.weight;
            // A word the article has in some form ("puffy" is its "swelling")
            // is the article's, whatever examples use it.
            if !concept.unknown {
                continue;
            }
            let marked = concept
                .forms
                .iter()
                .flat_map(|form| &form.stems)
                .find_map(|stem| self.gap_words.get(stem));
            if let Some(&gap) = marked {
                out[gap] += concept.weight;
            }
        }
        if total > 0.0 {
            for share in &mut out {
                *share = (*share / total).min(1.0);
            }
        }
        out
    }

    /// Per target, the share (0–1) of what the question asks in words that
    /// neither the article (in any form) nor any of that target's examples
    /// use: "is rheumatoid arthritis *genetic*" asks about something nothing
    /// of the RA passage speaks of, however RA-shaped the rest is. Words only
    /// in the message's background do not count; 0 for every target when the
    /// question asks nothing the article lacks.
    pub fn unexplained(&self, concepts: &[Concept]) -> Vec<f32> {
        let asked = || {
            concepts
                .iter()
                .filter(|c| !c.topic && !c.optional && !c.background)
        };
        let total: f32 = asked().map(|c| c.weight).sum();
        let mut out = vec![0.0f32; self.targets];
        if total <= 0.0 {
            return out;
        }
        let mut explains = vec![false; self.targets];
        for concept in asked().filter(|c| c.unknown) {
            explains.iter_mut().for_each(|e| *e = false);
            for form in &concept.forms {
                self.mark_targets_using(form, &mut explains);
            }
            for (share, explained) in out.iter_mut().zip(&explains) {
                if !explained {
                    *share += concept.weight / total;
                }
            }
        }
        out.iter_mut().for_each(|share| *share = share.min(1.0));
        out
    }

    /// Marks the targets with an example holding every stem of `form`.
    fn mark_targets_using(&self, form: &Form, marks: &mut [bool]) {
        for &doc in self.docs_with(form).iter() {
            if let Some(mark) = marks.get_mut(self.docs[doc as usize].target) {
                *mark = true;
            }
        }
    }

    pub fn contains_stem(&self, stem: &str) -> bool {
        self.postings.contains_key(stem)
    }

    /// How close the question is to each target's examples (0–1), indexed by
    /// target: the nearest example, with the runner-up adding half its
    /// closeness, so two examples that agree count for more than one alone.
    pub fn closeness(&self, concepts: &[Concept], weights: ExampleWeights) -> Vec<f32> {
        let mut best = vec![0.0f32; self.targets];
        let mut second = vec![0.0f32; self.targets];
        for m in self.matches(concepts, weights) {
            let closeness = m.closeness(weights);
            if closeness > best[m.target] {
                second[m.target] = best[m.target];
                best[m.target] = closeness;
            } else if closeness > second[m.target] {
                second[m.target] = closeness;
            }
        }
        for (best, runner_up) in best.iter_mut().zip(second) {
            *best = (*best + RUNNER_UP * runner_up) / (1.0 + RUNNER_UP);
        }
        best
    }

    /// Every example that shares something with the question, with how much
    /// of the question it explains and how much of itself the question holds.
    ///
    /// For a passage's example, words only in the message's background count
    /// less ([`Concept::emphasis`]); for a gap's they count fully: "pregnant"
    /// in a member's story is reason enough not to answer from the article.
    pub fn matches(&self, concepts: &[Concept], weights: ExampleWeights) -> Vec<ExampleMatch> {
        if self.docs.is_empty() {
            return Vec::new();
        }
        let n = self.docs.len() as f32;
        // Dense accumulators, one slot per example: a topic word such as "LDN"
        // is in most examples, and a map per question would cost more than the scoring.
        let mut slots = vec![Slot::default(); self.docs.len()];
        let mut matched_now: Vec<u32> = Vec::new();
        let mut total = 0.0;
        let mut total_plain = 0.0;
        for (c, concept) in concepts.iter().enumerate() {
            // Each form's examples are looked up once: they give the concept's
            // document frequency and its matches.
            let by_form: Vec<(&Form, Cow<'_, [u32]>)> = concept
                .forms
                .iter()
                .map(|form| (form, self.docs_with(form)))
                .collect();
            let df = by_form
                .iter()
                .map(|(_, docs)| docs.len())
                .max()
                .unwrap_or(0);
            let plain = concept_weight(df, n, weights);
            let weight = plain * concept.emphasis();
            if !concept.optional {
                total += weight;
                total_plain += plain;
            }
            matched_now.clear();
            for (form, docs) in &by_form {
                // Every example found holds every stem of the form, so the
                // example-side weight it matches is the form's own.
                let matched: f32 = form
                    .stems
                    .iter()
                    .map(|stem| idf(n, self.postings.get(stem).map_or(1, Vec::len) as f32))
                    .sum();
                for &doc in docs.iter() {
                    let slot = &mut slots[doc as usize];
                    if slot.seen != c {
                        slot.seen = c;
                        slot.strongest = (0.0, 0.0);
                        matched_now.push(doc);
                    }
                    if form.strength > slot.strongest.0 {
                        slot.strongest = (form.strength, matched * form.strength);
                    }
                }
            }
            for &doc in &matched_now {
                let slot = &mut slots[doc as usize];
                let (strength, matched) = slot.strongest;
                // A shape the example shares counts; one it lacks is no loss.
                if !concept.optional {
                    slot.explained += weight * strength;
                    slot.explained_plain += plain * strength;
                }
                slot.matched += matched;
            }
        }
        if total <= 0.0 {
            return Vec::new();
        }
        // In the examples' order: a scan of the slots costs less than sorting
        // the hundreds an "LDN" touches.
        slots
            .iter()
            .zip(&self.docs)
            .enumerate()
            .filter(|(_, (slot, _))| slot.matched_any())
            .filter_map(|(doc, (slot, d))| {
                let question_side = if d.target < self.passages {
                    slot.explained / total
                } else {
                    slot.explained_plain / total_plain
                }
                .clamp(0.0, 1.0);
                let example_side = (slot.matched / d.norm).clamp(0.0, 1.0);
                (question_side > 0.0 && example_side > 0.0).then_some(ExampleMatch {
                    target: d.target,
                    example: doc as u32,
                    question_side,
                    example_side,
                })
            })
            .collect()
    }

    /// The examples that contain every stem of `form`: a posting list as it
    /// is for one stem (most forms), the intersection for a phrase.
    fn docs_with(&self, form: &Form) -> Cow<'_, [u32]> {
        let mut lists: Vec<&Vec<u32>> = Vec::with_capacity(form.stems.len());
        for stem in &form.stems {
            match self.postings.get(stem) {
                Some(docs) => lists.push(docs),
                None => return Cow::Borrowed(&[]),
            }
        }
        lists.sort_by_key(|docs| docs.len());
        match lists.split_first() {
            None => Cow::Borrowed(&[]),
            Some((first, [])) => Cow::Borrowed(first.as_slice()),
            Some((first, rest)) => Cow::Owned(
                first
                    .iter()
                    .copied()
                    .filter(|doc| rest.iter().all(|docs| docs.binary_search(doc).is_ok()))
                    .collect(),
            ),
        }
    }
}

/// What [`ExampleIndex::matches`] gathers for one example.
#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The question's weight it explains, with emphasis and without.
    explained: f32,
    explained_plain: f32,
    /// Its own stems' weight the question matches.
    matched: f32,
    /// The strongest form of the current concept it holds, and its weight;
    /// `seen` says for which concept that was last written.
    strongest: (f32, f32),
    seen: usize,
}

impl Slot {
    /// Whether any concept of the question matched this example.
    fn matched_any(&self) -> bool {
        self.seen != usize::MAX
    }
}

impl Default for Slot {
    fn default() -> Self {
        Slot {
            explained: 0.0,
            explained_plain: 0.0,
            matched: 0.0,
            strongest: (0.0, 0.0),
            seen: usize::MAX,
        }
    }
}

/// One example that shares something with a question.
#[derive(Debug, Clone, Copy)]
pub struct ExampleMatch {
    pub target: usize,
    pub example: u32,
    /// Share of the question's weight the example explains.
    pub question_side: f32,
    /// Share of the example's weight the question holds.
    pub example_side: f32,
}

impl ExampleMatch {
    pub fn closeness(&self, weights: ExampleWeights) -> f32 {
        let share = weights.question_share;
        if share == 0.5 {
            // The shipped weight: a geometric mean, without two `powf`s.
            return (self.question_side * self.example_side).sqrt();
        }
        self.question_side.powf(share) * self.example_side.powf(1.0 - share)
    }
}

/// The idf of a concept among the examples, from its most common form's
/// document frequency, as for passages; a concept no example has weighs like
/// one in `unknown_share` of them.
fn concept_weight(df: usize, n: f32, weights: ExampleWeights) -> f32 {
    let df = if df == 0 {
        (weights.unknown_share * n).max(1.0)
    } else {
        df as f32
    };
    idf(n, df)
}

fn idf(n: f32, df: f32) -> f32 {
    ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn concept(stem: &str, unknown: bool) -> Concept {
        Concept {
            text: stem.to_string(),
            forms: vec![Form {
                stems: vec![stem.to_string()],
                strength: 1.0,
            }],
            weight: 1.0,
            topic: false,
            unknown,
            optional: false,
            background: false,
        }
    }

    /// Passage 0 speaks of swollen joints, passage 1's examples say
    /// "genetic", gap 2's "runs in the family".
    fn index() -> ExampleIndex {
        let stems = |words: &[&str]| words.iter().map(|w| w.to_string()).collect();
        ExampleIndex::build(
            [
                (0, stems(&["swell", "joint"])),
                (1, stems(&["genet"])),
                (2, stems(&["run", "famili"])),
            ],
            2,
            3,
        )
    }

    #[test]
    fn an_unknown_word_is_unexplained_for_targets_whose_examples_lack_it() {
        let asked = [concept("joint", false), concept("genet", true)];
        assert_eq!(index().unexplained(&asked), vec![0.5, 0.0, 0.5]);
        // The topic neither explains nor dilutes what is asked.
        let mut topic = concept("ra", false);
        topic.topic = true;
        assert_eq!(
            index().unexplained(&[topic, concept("genet", true)]),
            vec![1.0, 0.0, 1.0]
        );
    }

    #[test]
    fn known_words_and_background_are_never_unexplained() {
        assert_eq!(
            index().unexplained(&[concept("elbow", false)]),
            vec![0.0, 0.0, 0.0]
        );
        let mut told = concept("genet", true);
        told.background = true;
        assert_eq!(
            index().unexplained(&[concept("joint", false), told]),
            vec![0.0, 0.0, 0.0]
        );
        assert_eq!(index().unexplained(&[]), vec![0.0, 0.0, 0.0]);
    }

    #[test]
    fn a_phrase_is_explained_only_by_an_example_with_all_its_words() {
        let phrase = |stems: &[&str]| Concept {
            forms: vec![Form {
                stems: stems.iter().map(|s| s.to_string()).collect(),
                strength: 0.9,
            }],
            ..concept("x", true)
        };
        assert_eq!(
            index().unexplained(&[phrase(&["run", "famili"])]),
            vec![1.0, 1.0, 0.0]
        );
        assert_eq!(
            index().unexplained(&[phrase(&["run", "joint"])]),
            vec![1.0, 1.0, 1.0]
        );
    }
}
