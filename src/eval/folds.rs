//! `ldnbot eval --folds K`: how the way the decision is fitted does on
//! questions it was not fitted on.
//!
//! The labelled questions are dealt into K folds (question i goes to fold
//! i mod K, so every file is spread over all folds). For each fold the
//! decision's weights are fitted on the other folds and scored on it; the
//! held-out figure, summed over the folds, estimates the bot on questions
//! nobody tuned it on. The weights fitted on all the questions are printed
//! last, ready for [`Decision`].
//!
//! Fitting is coordinate descent over a fixed grid per weight, starting from
//! the engine's own weights: each pass tries every value of one weight with
//! the others held, and keeps a value only when it is strictly better, so
//! a flat landscape leaves the weights where they were. The cost is the
//! missed answers plus twice the false ones: a wrong passage said confidently
//! is worse than "I don't know".

use serde::Serialize;

use super::{is_correct, Case, Summary};
use crate::answer::{Answer, Decision, Engine, EngineError, Reason};
use crate::search::SearchResult;

/// At most this many passes over the weights; each pass that changes
/// nothing ends the search earlier.
const PASSES: usize = 6;

/// One question, searched once: the decision is all that varies.
enum Prepared<'c> {
    /// Answered before any decision (empty, or urgent).
    Fixed(&'c Case, Answer),
    Searched(&'c Case, SearchResult),
}

impl Prepared<'_> {
    fn case(&self) -> &Case {
        match self {
            Prepared::Fixed(case, _) | Prepared::Searched(case, _) => case,
        }
    }
}

/// One fold: the weights fitted without it, and how they did on it.
#[derive(Debug, Clone, Serialize)]
pub struct Fold {
    pub decision: Decision,
    /// On the questions the weights were fitted on.
    pub fitted: Summary,
    /// On this fold's questions, which the fitting did not see.
    pub held_out: Summary,
}

/// What `ldnbot eval --folds` reports.
#[derive(Debug, Clone, Serialize)]
pub struct FoldReport {
    pub folds: Vec<Fold>,
    /// Every question, each scored by the weights fitted without its fold.
    pub held_out: Summary,
    /// The engine's own weights, on every question.
    pub current: Summary,
    /// The weights fitted on every question, and their score there (not held out).
    pub fitted_on_all: Decision,
    pub fitted_on_all_summary: Summary,
}

/// A weight of [`Decision`] and the values fitting tries for it.
struct Axis {
    get: fn(&Decision) -> f32,
    set: fn(&mut Decision, f32),
    values: &'static [f32],
    /// Only meaningful with an intent model.
    intent: bool,
}

const AXES: [Axis; 10] = [
    Axis {
        get: |d| d.examples,
        set: |d, v| d.examples = v,
        values: &[0.2, 0.4, 0.5, 0.65, 0.8, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0],
        intent: false,
    },
    Axis {
        get: |d| d.heading,
        set: |d, v| d.heading = v,
        values: &[0.0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4],
        intent: false,
    },
    Axis {
        get: |d| d.intent,
        set: |d, v| d.intent = v,
        values: &[0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
        intent: true,
    },
    Axis {
        get: |d| d.gap_intent,
        set: |d, v| d.gap_intent = v,
        values: &[0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0],
        intent: true,
    },
    Axis {
        get: |d| d.gap_words,
        set: |d, v| d.gap_words = v,
        values: &[0.0, 0.25, 0.5, 0.75, 1.0, 1.5],
        intent: false,
    },
    Axis {
        get: |d| d.marked_discount,
        set: |d, v| d.marked_discount = v,
        values: &[0.0, 0.25, 0.5, 0.75, 1.0],
        intent: false,
    },
    Axis {
        get: |d| d.unexplained,
        set: |d, v| d.unexplained = v,
        values: &[0.0, 0.25, 0.5, 0.75, 1.0],
        intent: false,
    },
    Axis {
        // Not below 0.5: an example sharing one word with the question gives a
        // passage about 0.4, and one shared word is no answer.
        get: |d| d.answer_min,
        set: |d, v| d.answer_min = v,
        values: &[0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4],
        intent: false,
    },
    Axis {
        get: |d| d.gap_min,
        set: |d, v| d.gap_min = v,
        values: &[0.1, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6],
        intent: false,
    },
    Axis {
        get: |d| d.gap_over_passage,
        set: |d, v| d.gap_over_passage = v,
        values: &[0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2],
        intent: false,
    },
];

/// Searches every case once (an index fault stops everything: a figure that
/// counted it as an abstention would lie).
fn prepare<'c>(engine: &Engine, cases: &'c [Case]) -> Result<Vec<Prepared<'c>>, EngineError> {
    cases
        .iter()
        .map(|case| {
            let answer = engine.answer(&case.q)?;
            Ok(match answer {
                Answer::Unanswered {
                    reason: Reason::Empty | Reason::Urgent,
                    ..
                } => Prepared::Fixed(case, answer),
                _ => Prepared::Searched(case, engine.search(&case.q)?),
            })
        })
        .collect()
}

fn summarise<'a>(
    engine: &Engine,
    decision: &Decision,
    prepared: impl Iterator<Item = &'a Prepared<'a>>,
) -> Summary {
    let mut summary = Summary::default();
    for item in prepared {
        let decided;
        let answer = match item {
            Prepared::Fixed(_, answer) => answer,
            Prepared::Searched(case, result) => {
                decided = engine.decide_with(decision, &case.q, result);
                &decided
            }
        };
        let case = item.case();
        let right = is_correct(answer, &case.expect);
        if case.expect.is_empty() {
            summary.out_of_scope += 1;
            summary.abstained += usize::from(right);
        } else {
            summary.in_scope += 1;
            summary.strict += usize::from(right);
        }
    }
    summary.lenient = summary.strict;
    summary.finish();
    summary
}

/// Missed answers plus twice the false ones.
fn cost(summary: &Summary) -> usize {
    (summary.in_scope - summary.strict) + 2 * (summary.out_of_scope - summary.abstained)
}

/// The weights with the lowest cost on `prepared`, from `start`.
fn fit(engine: &Engine, start: Decision, prepared: &[&Prepared<'_>]) -> Decision {
    let cost_of = |d: &Decision| cost(&summarise(engine, d, prepared.iter().copied()));
    let mut best = start;
    let mut best_cost = cost_of(&best);
    let with_intent = engine.has_intent_model();
    for _ in 0..PASSES {
        let mut changed = false;
        for axis in AXES.iter().filter(|axis| with_intent || !axis.intent) {
            for &value in axis.values {
                if value == (axis.get)(&best) {
                    continue;
                }
                let mut tried = best;
                (axis.set)(&mut tried, value);
                let tried_cost = cost_of(&tried);
                if tried_cost < best_cost {
                    (best, best_cost, changed) = (tried, tried_cost, true);
                }
            }
        }
        if !changed {
            break;
        }
    }
    best
}

/// K-fold cross-validation of fitting the decision on `cases`.
pub fn cross_validate(
    engine: &Engine,
    cases: &[Case],
    k: usize,
) -> Result<FoldReport, EngineError> {
    let prepared = prepare(engine, cases)?;
    let start = engine.decision();
    let k = k.clamp(2, prepared.len().max(2));
    let folds = (0..k)
        .map(|fold| {
            let (train, test): (Vec<_>, Vec<_>) = prepared
                .iter()
                .enumerate()
                .partition(|(i, _)| i % k != fold);
            let train: Vec<&Prepared> = train.into_iter().map(|(_, p)| p).collect();
            let test: Vec<&Prepared> = test.into_iter().map(|(_, p)| p).collect();
            let decision = fit(engine, start, &train);
            Fold {
                decision,
                fitted: summarise(engine, &decision, train.into_iter()),
                held_out: summarise(engine, &decision, test.into_iter()),
            }
        })
        .collect::<Vec<_>>();
    let mut held_out = Summary::default();
    for fold in &folds {
        held_out.add(&fold.held_out);
    }
    held_out.finish();
    let all: Vec<&Prepared> = prepared.iter().collect();
    let fitted_on_all = fit(engine, start, &all);
    Ok(FoldReport {
        folds,
        held_out,
        current: summarise(engine, &start, prepared.iter()),
        fitted_on_all,
        fitted_on_all_summary: summarise(engine, &fitted_on_all, prepared.iter()),
    })
}

impl std::fmt::Display for FoldReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let k = self.folds.len();
        for (i, fold) in self.folds.iter().enumerate() {
            writeln!(
                f,
                "fold {}/{k}: held out {}\n  fitted on the others ({:.1}%): {}",
                i + 1,
                fold.held_out,
                fold.fitted.overall,
                fold.decision
            )?;
        }
        writeln!(f, "held out, all folds: {}", self.held_out)?;
        writeln!(f, "current weights, all questions: {}", self.current)?;
        write!(
            f,
            "fitted on all questions (not held out): {}\n  {}",
            self.fitted_on_all_summary, self.fitted_on_all
        )
    }
}
