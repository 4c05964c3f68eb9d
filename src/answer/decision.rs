//! The decision: from what a search found to an answer, a known gap or an
//! abstention, and why.
//!
//! Kept apart from the engine because it is what gets refitted: its weights
//! are the only numbers chosen by measurement on labelled questions.

use std::sync::Arc;

use super::{unanswered, Answer, Engine, Reason, Related, CLOSEST_TOPICS};
use crate::search::{Hit, SearchResult};
use crate::strings::normalise_question;

/// How evidence turns into an answer, a known gap or an abstention.
///
/// Fitted on `tests/data/tune.jsonl`, `dev.jsonl` and `heldout.jsonl` with a
/// false answer counted twice a missed answer (a wrong passage said
/// confidently is worse than "I don't know"); `ldnbot eval --folds 5` over the
/// same questions fits them again and estimates how that fitting does on
/// questions it did not see. `members.jsonl` is held out and only reported.
/// `ldnbot eval --without examples,gaps,intent` shows what each adds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Decision {
    /// How much the closeness of a passage's examples adds to its evidence.
    pub examples: f32,
    /// How much covering a passage's heading adds.
    pub heading: f32,
    /// How much the intent model's probability for a passage adds.
    pub intent: f32,
    /// How much the intent model's probability for a gap adds to its closeness.
    pub gap_intent: f32,
    /// How much the share of the question in words only a gap's examples use adds.
    pub gap_words: f32,
    /// How much that share takes off every passage's evidence: a passage
    /// cannot answer "does turmeric help" when nothing in it says turmeric.
    pub marked_discount: f32,
    /// How much the share of the ask in words neither the article nor a
    /// passage's examples use takes off that passage's evidence.
    pub unexplained: f32,
    /// The evidence a passage needs to be the answer.
    pub answer_min: f32,
    /// A gap's examples must be at least this close to the question…
    pub gap_min: f32,
    /// …and at least this share of the best passage's evidence, for the gap to win.
    pub gap_over_passage: f32,
}

impl Decision {
    /// The decision for a knowledge base whose examples trained an intent model.
    pub fn with_intent() -> Decision {
        Decision {
            examples: 1.2,
            heading: 0.0,
            intent: 1.5,
            gap_intent: 2.0,
            gap_words: 0.5,
            marked_discount: 0.75,
            unexplained: 0.5,
            answer_min: 0.5,
            gap_min: 0.3,
            gap_over_passage: 0.9,
        }
    }

    /// The decision when there is no intent model (no examples, too many
    /// targets, or `--without intent`): fitted the same way on the same sets.
    pub fn without_intent() -> Decision {
        Decision {
            examples: 0.65,
            heading: 0.15,
            intent: 0.0,
            gap_intent: 0.0,
            gap_words: 0.0,
            marked_discount: 0.0,
            unexplained: 0.0,
            answer_min: 0.3,
            gap_min: 0.3,
            gap_over_passage: 0.6,
        }
    }
}

/// The weights as `ldnbot eval --folds` prints them.
impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "examples {} · heading {} · intent {} · gap_intent {} · gap_words {} · marked_discount {} · unexplained {} · answer_min {} · gap_min {} · gap_over_passage {}",
            self.examples,
            self.heading,
            self.intent,
            self.gap_intent,
            self.gap_words,
            self.marked_discount,
            self.unexplained,
            self.answer_min,
            self.gap_min,
            self.gap_over_passage
        )
    }
}

impl Engine {
    /// Picks the passage with the most evidence — its own text's coverage of
    /// the question and its examples' closeness — or the known gap the question
    /// is closer to, or abstains. The weights are in [`Decision`].
    pub(super) fn decide(&self, question: &str, result: &SearchResult) -> Answer {
        self.decide_with(&self.decision, question, result)
    }

    /// [`Engine::decide`] with other weights, on a search already made: what
    /// fitting the decision (`ldnbot eval --folds`) tries many times per question.
    pub fn decide_with(&self, d: &Decision, question: &str, result: &SearchResult) -> Answer {
        let related = |i: usize| {
            result.hits.get(i).map(|hit| Related {
                passage: Arc::clone(&self.passages[hit.passage]),
                score: hit.coverage,
            })
        };
        let top = result.hits.first();
        let specific = result.informative_concepts().next().is_some();
        let closeness = |target: usize| result.closeness.get(target).copied().unwrap_or(0.0);
        // The model always names some target; it counts for a passage only when
        // the question asks about something the knowledge base has words for —
        // its topic counts ("what's the theory behind ldn") — and for a gap
        // only when the question shares a word with its examples.
        let asks_known = result.concepts.iter().any(|c| c.topic || !c.unknown);
        let intent = |target: usize| {
            let p = result.intent.get(target).copied().unwrap_or(0.0);
            let counts = if target < self.passages.len() {
                asks_known
            } else {
                closeness(target) > 0.0
            };
            if counts {
                p
            } else {
                0.0
            }
        };
        // The article's own evidence: coverage, counted only when it is enough
        // to answer on (the whole ask covered, or two things asked matched).
        let text_evidence = |hit: &Hit| {
            if !specific {
                return if top.is_some_and(|top| top.passage == hit.passage) {
                    1.0
                } else {
                    0.0
                };
            }
            let enough = hit.matched_informative
                && (hit.coverage >= self.settings.threshold
                    || (hit.matched_concepts >= 2
                        && hit.coverage >= self.settings.corroborated_threshold));
            if enough {
                hit.coverage
            } else {
                0.0
            }
        };
        let mut best: Option<(usize, f32)> = None;
        // A question that restates an example is that example's: what a
        // moderator linked is answered so the next time it is asked.
        let restated = self.restated.get(&normalise_question(question)).copied();
        if let Some(target) = restated {
            if target < self.passages.len() {
                best = Some((target, f32::INFINITY));
            }
        }
        // The share of the question in words that mark a gap, which no passage has.
        let marked = result.gap_words.iter().sum::<f32>().min(1.0);
        let discount = (1.0 - d.marked_discount * marked).max(0.0);
        for passage in 0..self.passages.len() {
            // "How many hours…" is not answered by a passage that gives no number.
            if result.asks_number && !self.states_a_number[passage] {
                continue;
            }
            let hit = result.hits.iter().find(|hit| hit.passage == passage);
            let unexplained = result.unexplained.get(passage).copied().unwrap_or(0.0);
            let evidence = discount
                * (1.0 - d.unexplained * unexplained).max(0.0)
                * (hit.map_or(0.0, |hit| {
                    text_evidence(hit) + d.heading * hit.title_coverage
                }) + d.examples * closeness(passage)
                    + d.intent * intent(passage));
            if evidence > 0.0 && best.is_none_or(|(_, b)| evidence > b) {
                best = Some((passage, evidence));
            }
        }
        let gap = (0..self.gaps.len())
            .map(|i| {
                let target = self.passages.len() + i;
                let marked = result.gap_words.get(target).copied().unwrap_or(0.0);
                (
                    i,
                    closeness(target) + d.gap_intent * intent(target) + d.gap_words * marked,
                )
            })
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        let best_evidence = best.map_or(0.0, |(_, e)| e);
        let restated_gap = restated.and_then(|target| target.checked_sub(self.passages.len()));
        // Thanks that ask nothing get the chat reply, unless a moderator linked
        // these very words to a passage.
        let chat = (result.only_thanks && restated.is_none())
            .then(|| self.gaps.iter().position(|g| g.chat))
            .flatten();
        let gap = restated_gap.or(chat).map(|i| (i, f32::INFINITY)).or(gap);
        if let Some((gap, closeness)) = gap {
            if closeness >= d.gap_min && closeness >= d.gap_over_passage * best_evidence {
                let mut answer = self.abstain(Reason::KnownGap, None, result);
                if let Answer::Unanswered { gap: slot, .. } = &mut answer {
                    *slot = Some(Arc::clone(&self.gaps[gap]));
                }
                return answer;
            }
        }
        let Some((chosen, _)) = best.filter(|(_, e)| *e >= d.answer_min) else {
            let Some(top) = top else {
                return unanswered(Reason::NoMatch);
            };
            let reason = if specific && !top.matched_informative {
                Reason::NoMatch
            } else {
                Reason::LowConfidence
            };
            let guess = top.matched_informative.then(|| related(0)).flatten();
            return self.abstain(reason, guess, result);
        };
        let others: Vec<&Hit> = result
            .hits
            .iter()
            .filter(|hit| hit.passage != chosen)
            .collect();
        let alternatives: Vec<Related> = others
            .iter()
            .take(self.settings.alternatives)
            .map(|hit| Related {
                passage: Arc::clone(&self.passages[hit.passage]),
                score: hit.coverage,
            })
            .collect();
        let chosen_hit = result.hits.iter().find(|hit| hit.passage == chosen);
        let chosen_rank = chosen_hit.map_or(0.0, |hit| hit.rank);
        let see_also = others
            .first()
            .filter(|second| {
                second.rank >= self.settings.see_also_margin * chosen_rank
                    && (!specific || second.coverage >= self.settings.threshold)
            })
            .map(|hit| Related {
                passage: Arc::clone(&self.passages[hit.passage]),
                score: hit.coverage,
            });
        Answer::Found {
            passage: Arc::clone(&self.passages[chosen]),
            // What it covers of the question, like the alternatives' scores;
            // 0 when its examples alone chose it.
            score: chosen_hit.map_or(0.0, |hit| hit.coverage),
            alternatives,
            see_also,
        }
    }

    /// An abstention with its closest topics: the best guess, then the ranked
    /// passages that match something informative, without repeats.
    fn abstain(
        &self,
        reason: Reason,
        best_guess: Option<Related>,
        result: &SearchResult,
    ) -> Answer {
        let mut closest: Vec<Related> = best_guess.iter().cloned().collect();
        for hit in &result.hits {
            if closest.len() >= CLOSEST_TOPICS {
                break;
            }
            if !hit.matched_informative {
                continue;
            }
            if let Some(passage) = self.passages.get(hit.passage) {
                if !closest.iter().any(|seen| seen.passage.id == passage.id) {
                    closest.push(Related {
                        passage: Arc::clone(passage),
                        score: hit.coverage,
                    });
                }
            }
        }
        Answer::Unanswered {
            reason,
            best_guess,
            closest,
            gap: None,
        }
    }
}
