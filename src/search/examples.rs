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

use std::collections::{HashMap, HashSet};

use super::analysis::{separate_numbers, stem_analyzer, tokens, word_analyzer};
use super::concepts::{Concept, Form};
use super::stop_words::is_stop_word;
use super::vocabulary::Vocabulary;

/// Analyzes example questions as questions are (function words and chat
/// filler left out, no typo correction: examples are written with care) and
/// indexes them; their words join `known`, so the speller never "corrects" a
/// member's word that an example uses.
pub(super) fn build(
    examples: &[(usize, &str)],
    targets: usize,
    vocabulary: &Vocabulary,
    known: &mut HashSet<String>,
) -> ExampleIndex {
    let mut words = word_analyzer();
    let mut stemmer = stem_analyzer();
    let analyzed = examples.iter().map(|&(target, text)| {
        let text = separate_numbers(text);
        let stems = tokens(&mut words, &text)
            .into_iter()
            .filter(|word| !is_stop_word(word) && !vocabulary.ignore.contains(word))
            .filter_map(|word| {
                let stem = tokens(&mut stemmer, &word).pop();
                known.insert(word);
                stem
            })
            .collect();
        (target, stems)
    });
    ExampleIndex::build(analyzed.collect::<Vec<_>>(), targets)
}

/// One example, analyzed.
#[derive(Debug)]
struct Doc {
    /// Index into the targets the index was built with.
    target: usize,
    /// Informative stems, each once, with their idf.
    stems: Vec<(String, f32)>,
    /// Sum of the stems' idf.
    norm: f32,
}

/// Example questions, searchable by concept.
#[derive(Debug, Default)]
pub struct ExampleIndex {
    docs: Vec<Doc>,
    /// Stem → sorted example indices containing it.
    postings: HashMap<String, Vec<u32>>,
    targets: usize,
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
            question_share: 0.35,
            unknown_share: 0.02,
        }
    }
}

impl ExampleIndex {
    /// Indexes examples given as (target index, informative stems).
    pub fn build(examples: impl IntoIterator<Item = (usize, Vec<String>)>, targets: usize) -> Self {
        let mut docs: Vec<(usize, Vec<String>)> = Vec::new();
        let mut postings: HashMap<String, Vec<u32>> = HashMap::new();
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
            .map(|(target, stems)| {
                let stems: Vec<(String, f32)> = stems
                    .into_iter()
                    .map(|stem| {
                        let df = postings.get(&stem).map_or(1, Vec::len) as f32;
                        let idf = idf(n, df);
                        (stem, idf)
                    })
                    .collect();
                let norm = stems.iter().map(|(_, w)| w).sum();
                Doc {
                    target,
                    stems,
                    norm,
                }
            })
            .collect();
        ExampleIndex {
            docs,
            postings,
            targets,
        }
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    pub fn contains_stem(&self, stem: &str) -> bool {
        self.postings.contains_key(stem)
    }

    /// The closeness (0–1) of the question to each target's nearest example,
    /// indexed by target, with the example that was nearest.
    pub fn nearest(&self, concepts: &[Concept], weights: ExampleWeights) -> Vec<Nearest> {
        let mut best = vec![Nearest::default(); self.targets];
        if self.docs.is_empty() {
            return best;
        }
        let n = self.docs.len() as f32;
        // Per example: question weight explained, and its own stems' weight matched.
        let mut acc: HashMap<u32, (f32, f32)> = HashMap::new();
        let mut total = 0.0;
        for concept in concepts {
            let weight = self.concept_weight(concept, n, weights);
            if !concept.optional {
                total += weight;
            }
            let mut strongest: HashMap<u32, (f32, f32)> = HashMap::new();
            for form in &concept.forms {
                for doc in self.docs_with(form) {
                    let matched: f32 = form
                        .stems
                        .iter()
                        .filter_map(|stem| {
                            self.docs[doc as usize]
                                .stems
                                .iter()
                                .find(|(s, _)| s == stem)
                                .map(|(_, w)| w)
                        })
                        .sum();
                    let entry = strongest.entry(doc).or_insert((0.0, 0.0));
                    if form.strength > entry.0 {
                        *entry = (form.strength, matched * form.strength);
                    }
                }
            }
            for (doc, (strength, matched)) in strongest {
                let entry = acc.entry(doc).or_insert((0.0, 0.0));
                entry.0 += weight * strength;
                entry.1 += matched;
                if concept.optional {
                    // A shape the example shares counts; one it lacks is no loss.
                    entry.0 -= weight * strength;
                }
            }
        }
        if total <= 0.0 {
            return best;
        }
        let share = weights.question_share;
        for (doc, (explained, matched)) in acc {
            let d = &self.docs[doc as usize];
            let question_side = (explained / total).clamp(0.0, 1.0);
            let example_side = (matched / d.norm).clamp(0.0, 1.0);
            if question_side <= 0.0 || example_side <= 0.0 {
                continue;
            }
            let closeness = question_side.powf(share) * example_side.powf(1.0 - share);
            let slot = &mut best[d.target];
            if closeness > slot.closeness
                || (closeness == slot.closeness && Some(doc) < slot.example)
            {
                *slot = Nearest {
                    closeness,
                    example: Some(doc),
                };
            }
        }
        best
    }

    /// The idf of a concept among the examples: its most common form decides,
    /// as for passages.
    fn concept_weight(&self, concept: &Concept, n: f32, weights: ExampleWeights) -> f32 {
        let df = concept
            .forms
            .iter()
            .map(|form| self.docs_with(form).count())
            .max()
            .unwrap_or(0);
        let df = if df == 0 {
            (weights.unknown_share * n).max(1.0)
        } else {
            df as f32
        };
        idf(n, df)
    }

    /// The examples that contain every stem of `form`.
    fn docs_with<'a>(&'a self, form: &'a Form) -> impl Iterator<Item = u32> + 'a {
        let mut lists: Vec<&Vec<u32>> = form
            .stems
            .iter()
            .map(|stem| self.postings.get(stem))
            .collect::<Option<Vec<_>>>()
            .unwrap_or_default();
        lists.sort_by_key(|docs| docs.len());
        let (first, rest) = match lists.split_first() {
            Some((first, rest)) => (first.as_slice(), rest.to_vec()),
            None => (&[][..], Vec::new()),
        };
        first
            .iter()
            .copied()
            .filter(move |doc| rest.iter().all(|docs| docs.binary_search(doc).is_ok()))
    }
}

/// A target's nearest example.
#[derive(Debug, Clone, Copy, Default)]
pub struct Nearest {
    /// 0–1; 0 when no example of the target shares anything with the question.
    pub closeness: f32,
    pub example: Option<u32>,
}

fn idf(n: f32, df: f32) -> f32 {
    ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
}
