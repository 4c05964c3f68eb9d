//! Coverage: how much of what the question asks a passage actually contains.
//!
//! BM25 rewards a passage for repeating one word; a health question is only
//! answered by a passage that covers what was asked. The answer decision rests
//! on this share, not on BM25.

use super::concepts::Concept;
use super::SearchIndex;

/// A ranked passage with how well it covers the question.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Index into the passages the index was built from.
    pub passage: usize,
    /// Tantivy's BM25 score over the concept query.
    pub bm25: f32,
    /// Share (0–1) of the question's informative (non-topic) concept weight the passage covers.
    pub coverage: f32,
    /// Share (0–1) of the passage heading's words the question asks about: a
    /// heading that is all about the question marks the passage written for it.
    pub title_coverage: f32,
    /// Whether the passage matches any non-topic concept at all.
    pub matched_informative: bool,
    /// How many of the question's non-topic concepts the passage matches.
    pub matched_concepts: usize,
    /// What hits are ordered by: coverage first, then BM25 and the heading.
    pub rank: f32,
}

impl SearchIndex {
    /// Scores one BM25 candidate against the question's concepts.
    pub(super) fn hit(
        &self,
        passage: usize,
        bm25: f32,
        best_bm25: f32,
        concepts: &[Concept],
    ) -> Hit {
        let mut total = 0.0;
        let mut covered = 0.0;
        let mut matched_concepts = 0;
        for concept in concepts.iter().filter(|c| !c.topic) {
            let strength = self.match_strength(concept, passage);
            if concept.optional && strength == 0.0 {
                continue;
            }
            total += concept.weight;
            if strength > 0.0 {
                matched_concepts += 1;
                covered += concept.weight * strength;
            }
        }
        let coverage = if total > 0.0 { covered / total } else { 0.0 };
        let title = &self.titles[passage];
        let title_coverage = if title.is_empty() {
            0.0
        } else {
            // The heading is about what was asked: the informative concepts, or the
            // topic itself when that is all the question names; never the
            // member's background ("my rheumatologist wants me to start…").
            let asks_specific = concepts.iter().any(|c| !c.topic);
            let asked = title
                .iter()
                .filter(|stem| {
                    concepts
                        .iter()
                        .filter(|c| !c.background && (!c.topic || !asks_specific))
                        .any(|c| c.forms.iter().any(|f| f.stems.contains(stem)))
                })
                .count();
            asked as f32 / title.len() as f32
        };
        let rank = coverage
            + self.weights.rank_bm25 * (bm25 / best_bm25)
            + self.weights.rank_title * title_coverage;
        Hit {
            passage,
            bm25,
            coverage,
            title_coverage,
            matched_informative: matched_concepts > 0,
            matched_concepts,
            rank,
        }
    }

    /// The strongest form of `concept` that `passage` contains whole, or 0.
    fn match_strength(&self, concept: &Concept, passage: usize) -> f32 {
        concept
            .forms
            .iter()
            .filter(|form| {
                form.stems
                    .iter()
                    .all(|stem| self.postings.contains(stem, passage))
            })
            .map(|form| form.strength)
            .fold(0.0, f32::max)
    }
}
